#!/usr/bin/env bash
# The TC transmit path: a backend-facing veth whose peer can take no XDP
# frames (GRO off, no XDP program: veth drops frames XDP-redirected into
# it) is configured `transmit: tc`; translated packets leaving by it are
# passed up marked and sent by the TC program (bpf_redirect_neigh) as
# skbs. Checked: connections through it work and the counters say which
# path carried them; the same interface on XDP_REDIRECT loses them (the
# reason for the setting); detach removes the TC link too.
# Topology: tests/netns/dp_lib.sh.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/dp_lib.sh

dp_require
command -v bpftool >/dev/null || { echo "SKIP dp_tc: bpftool missing"; exit 0; }

tc0=$(dp_prog_links lb_tc)
dp_init
trap dp_cleanup EXIT
# write_config XMIT: how packets leave by lb3 (tc or xdp)
write_config() {
	cat >"$DP_TMP/sluice.yaml" <<YAML
entryPoints:
  web:
    address: "10.0.0.10:80"
  dns:
    address: "10.0.0.11:53/udp"
dataplane:
  hook: xdp
  interfaces: [lc, lb1, lb2, { name: lb3, transmit: $1 }]
tcp:
  routers:
    web: { entryPoints: [web], rule: "HostSNI(\`*\`)", service: web }
  services:
    web:
      loadBalancer:
        servers: [ { address: "10.0.13.2:8080" } ]
udp:
  routers:
    dns: { entryPoints: [dns], service: dns }
  services:
    dns:
      loadBalancer:
        forwarding: nat
        servers: [ { address: "10.0.13.2:5353" } ]
YAML
}

if ! dp_topology; then
	echo "FAIL topology: cannot build namespaces"; exit 1
fi
# backend 3's veth takes no XDP frames: no NAPI without GRO or XDP
dp_in b3 ethtool -K b3 gro off >/dev/null
dp_backends
write_config tc
sleep 0.3
dp_sluiced_up dp_tc "$DP_TMP/sluice.yaml"

st=$(dp_sluice -j prog show)
if jq -e '[.links[] | select(.tc and .ifindex > 0)] | length == 4' <<<"$st" >/dev/null &&
   [ "$(dp_prog_links lb_tc)" = $((tc0 + 4)) ]; then
	pass dp_tc_attached
else
	fail dp_tc_attached "$(jq -c .links <<<"$st"); lb_tc links $(dp_prog_links lb_tc) (before: $tc0)"
fi

g0=$(dp_sluice -j stats show | jq .global)
out=$(dp_client tcp 10.0.0.10 80 30 20000)
udp=$(dp_client udp 10.0.0.11 53 10 21000)
g1=$(dp_sluice -j stats show | jq .global)
tc=$(( $(jq .tx_tc <<<"$g1") - $(jq .tx_tc <<<"$g0") ))
rd=$(( $(jq .tx_redirect <<<"$g1") - $(jq .tx_redirect <<<"$g0") ))
# every client packet to the backend leaves by TC (>= 3 per connection:
# SYN, ACK + data, FIN), replies to the client by XDP_REDIRECT on lc
if [ "$(jq .failed <<<"$out")" = 0 ] && [ "$(jq '.answers.be3' <<<"$out")" = 30 ] &&
   [ "$(jq .failed <<<"$udp")" = 0 ] && [ "$tc" -ge 100 ] && [ "$rd" -ge 60 ]; then
	pass dp_tc_carries
else
	fail dp_tc_carries "tcp $(jq -c '{failed, answers}' <<<"$out"), udp $(jq -c '{failed}' <<<"$udp"), tx_tc +$tc, tx_redirect +$rd"
fi

# the same interface on XDP_REDIRECT: frames into lb3 are lost
write_config xdp
dp_sluice daemon reload >/dev/null
out=$(dp_client tcp 10.0.0.10 80 3 22000)
[ "$(jq .failed <<<"$out")" = 3 ] && pass dp_tc_needed_here ||
	fail dp_tc_needed_here "with transmit: xdp on lb3: $(jq -c '{failed, answers}' <<<"$out")"

# back to tc by reload: works again without restarting anything
write_config tc
dp_sluice daemon reload >/dev/null
out=$(dp_client tcp 10.0.0.10 80 5 23000)
[ "$(jq .failed <<<"$out")" = 0 ] && pass dp_tc_reload ||
	fail dp_tc_reload "after reload to tc: $(jq -c '{failed, answers}' <<<"$out")"

dp_detach_case dp_tc_detach lb_tc "$tc0"
exit $failed
