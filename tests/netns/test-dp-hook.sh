#!/usr/bin/env bash
# The balancer at TC ingress (`hook: tc`, lb_tc_lb): on veths left at
# their defaults (transmit checksum offload and TSO on, which XDP cannot
# work with: partial checksums), the same VIPs are balanced from skbs.
# Checked:
#  - attachment: every interface has the TC program and no XDP link;
#  - connections and datagrams (IPv4, IPv6, nat and fullnat) reach the
#    ring's backends, which see the right source;
#  - 4 MiB each way through a VIP arrive intact (sha256 on the far side):
#    TSO/GRO super-packets with partial checksums, translated whole (the
#    VIP's byte counter shows packets far above the MTU);
#  - packets for a backend behind a veth whose peer is in another
#    namespace enter that peer directly (bpf_redirect_peer()): the
#    balancer's veth transmits none of them;
#  - a reload moves the interfaces to XDP and back while a connection
#    stays open across both moves; hook: auto picks TC on veths;
#  - a held connection whose backend goes down gets a RST, with the
#    client's checksums left to the device (PARTIAL) and complete;
#  - the CLI reads pins made before lb_rvips existed;
#  - detach removes the TC links.
# Topology: tests/netns/dp_lib.sh (its peers' tx offload is turned back
# on here, then off again for the XDP part of the move).
set -u
cd "$(dirname "$0")/../.."
. tests/netns/dp_lib.sh

dp_require
for t in bpftool socat sha256sum; do
	command -v $t >/dev/null || { echo "SKIP dp_hook: $t missing"; exit 0; }
done

# offload PEERS on|off: tx checksum offload (and with it TSO) of the
# client's and the backends' veths
offload() {
	local i
	dp_in c ethtool -K c0 tx "$1" >/dev/null
	for i in 1 2 3; do
		dp_in b$i ethtool -K b$i tx "$1" >/dev/null
	done
}
links0=$(dp_prog_links lb_tc_lb)
dp_init
trap 'kill $BLOB_PIDS 2>/dev/null; dp_cleanup' EXIT
BLOB_PIDS=

# write_config HOOK [SHARED]: SHARED=1 adds a fullnat service on backend
# 1's web endpoint (which then needs per-flow reply entries)
write_config() {
	cat >"$DP_TMP/sluice.yaml" <<YAML
entryPoints:
  web:
    address: "10.0.0.10:80"
  web6:
    address: "[fd00:a::10]:80"
  dns:
    address: "10.0.0.11:53/udp"
  up:
    address: "10.0.0.12:9000"
  down:
    address: "10.0.0.13:9001"
  up6:
    address: "[fd00:a::12]:9000"
  web2:
    address: "10.0.0.14:80"
dataplane:
  hook: $1
  interfaces: [lc, lb1, lb2, lb3]
tcp:
  routers:
    web: { entryPoints: [web], rule: "HostSNI(\`*\`)", service: web }
    web6: { entryPoints: [web6], rule: "HostSNI(\`*\`)", service: web6 }
    up: { entryPoints: [up], rule: "HostSNI(\`*\`)", service: up }
    down: { entryPoints: [down], rule: "HostSNI(\`*\`)", service: down }
    up6: { entryPoints: [up6], rule: "HostSNI(\`*\`)", service: up6 }
$([ "${2:-0}" = 1 ] && echo '    web2: { entryPoints: [web2], rule: "HostSNI(`*`)", service: web2 }')
  services:
$([ "${2:-0}" = 1 ] && printf '    web2:\n      loadBalancer:\n        servers: [ { address: "10.0.11.2:8080" }, { address: "10.0.12.2:8080" }, { address: "10.0.13.2:8080" } ]\n')
    web:
      loadBalancer:
        forwarding: nat
        servers:
          - { address: "10.0.11.2:8080" }
          - { address: "10.0.12.2:8080" }
          - { address: "10.0.13.2:8080" }
    web6:
      loadBalancer:
        servers:
          - { address: "[fd00:11::2]:8080" }
          - { address: "[fd00:12::2]:8080" }
    up:
      loadBalancer:
        servers: [ { address: "10.0.11.2:9000" } ]
    down:
      loadBalancer:
        forwarding: nat
        servers: [ { address: "10.0.12.2:9001" } ]
    up6:
      loadBalancer:
        forwarding: nat
        servers: [ { address: "[fd00:13::2]:9000" } ]
udp:
  routers:
    dns: { entryPoints: [dns], service: dns }
  services:
    dns:
      loadBalancer:
        servers:
          - { address: "10.0.11.2:5353" }
          - { address: "10.0.12.2:5353" }
YAML
}

if ! dp_topology; then
	echo "FAIL topology: cannot build namespaces"; exit 1
fi
offload on
dp_backends
head -c 4194304 /dev/urandom >"$DP_TMP/blob"
want=$(sha256sum <"$DP_TMP/blob" | cut -d' ' -f1)
# upload sinks (answer the sha256 of what arrived) and a download source
for i in 1 3; do
	nsenter --net="/run/netns/$(dp_ns b$i)" socat \
		TCP6-LISTEN:9000,ipv6only=0,reuseaddr,fork EXEC:sha256sum &
	BLOB_PIDS="$BLOB_PIDS $!"
done
nsenter --net="/run/netns/$(dp_ns b2)" socat \
	TCP-LISTEN:9001,reuseaddr,fork "EXEC:cat $DP_TMP/blob" &
BLOB_PIDS="$BLOB_PIDS $!"
write_config tc
sleep 0.3
dp_sluiced_up dp_hook "$DP_TMP/sluice.yaml"

st=$(dp_sluice -j prog show)
xdp=$(for n in lc lb1 lb2 lb3; do dp_in l ip -d link show "$n"; done | grep -c "prog/xdp")
if jq -e '[.links[] | select(.hook == "tc" and .tc and (.xdp // false | not) and .ifindex > 0)] | length == 4' <<<"$st" >/dev/null &&
   [ "$(dp_prog_links lb_tc_lb)" = $((links0 + 4)) ] && [ "$xdp" = 0 ]; then
	pass dp_hook_attached
else
	fail dp_hook_attached "$(jq -c .links <<<"$st"); lb_tc_lb links $(dp_prog_links lb_tc_lb) (before: $links0); xdp progs $xdp"
fi

g0=$(dp_sluice -j stats show | jq .global)
out=$(dp_client tcp 10.0.0.10 80 30 20000)
out6=$(dp_client tcp fd00:a::10 80 20 20100)
udp=$(dp_client udp 10.0.0.11 53 20 21000)
g1=$(dp_sluice -j stats show | jq .global)
d() { echo $(( $(jq ".$1" <<<"$g1") - $(jq ".$1" <<<"$g0") )); }
# nat: the backends see the client; fullnat: the balancer's address
if [ "$(jq .failed <<<"$out")" = 0 ] && [ "$(jq '.answers | length' <<<"$out")" = 3 ] &&
   [ "$(jq -c .peers <<<"$out")" = '["10.0.1.2"]' ] &&
   [ "$(jq .failed <<<"$out6")" = 0 ] && [ "$(jq '.answers | length' <<<"$out6")" = 2 ] &&
   [ "$(jq -r '.peers | join(",")' <<<"$out6")" = "fd00:11::1,fd00:12::1" ] &&
   [ "$(jq .failed <<<"$udp")" = 0 ] && [ "$(jq -c .peers <<<"$udp")" != '["10.0.1.2"]' ]; then
	pass dp_hook_balances
else
	fail dp_hook_balances "v4 $(jq -c . <<<"$out"), v6 $(jq -c . <<<"$out6"), udp $(jq -c . <<<"$udp")"
fi
# at TC every translated packet leaves by bpf_redirect(): tx_tc, no XDP
if [ "$(d tx_tc)" -ge 200 ] && [ "$(d tx_redirect)" = 0 ] && [ "$(d new_flow)" -ge 70 ]; then
	pass dp_hook_counters
else
	fail dp_hook_counters "tx_tc +$(d tx_tc), tx_redirect +$(d tx_redirect), new_flow +$(d new_flow)"
fi

# bulk both ways, IPv4 and IPv6, with partial checksums and TSO
# stat NS DEV tx|rx packets|bytes: the device's counter
stat() { dp_in "$1" ip -j -s link show "$2" | jq ".[0].stats64.$3.$4"; }
pkts() { stat "$1" "$2" "$3" packets; }
tx0=$(pkts l lb1 tx); rx0=$(pkts b1 b1 rx); rb0=$(stat b1 b1 rx bytes)
got_up=$(dp_in c timeout 20 socat -t 10 - TCP:10.0.0.12:9000 <"$DP_TMP/blob" | cut -d' ' -f1)
tx1=$(pkts l lb1 tx); rx1=$(pkts b1 b1 rx); rb1=$(stat b1 b1 rx bytes)
got_up6=$(dp_in c timeout 20 socat -t 10 - "TCP6:[fd00:a::12]:9000" <"$DP_TMP/blob" | cut -d' ' -f1)
got_down=$(dp_in c timeout 20 socat -u TCP:10.0.0.13:9001 - | sha256sum | cut -d' ' -f1)
if [ "$got_up" = "$want" ] && [ "$got_up6" = "$want" ] && [ "$got_down" = "$want" ]; then
	pass dp_hook_bulk_intact
else
	fail dp_hook_bulk_intact "want $want: up $got_up, up6 $got_up6, down $got_down"
fi
# lb1's peer is in another namespace (LB_IFACE_F_PEER): packets to
# backend 1 enter b1 by bpf_redirect_peer(), never transmitted by lb1
# (the upload's 4 MiB arrived on b1 in however many super-packets TSO made:
# 98 to 350 seen; none of them transmitted by lb1)
if [ $((rb1 - rb0)) -ge 4194304 ] && [ $((rx1 - rx0)) -ge 10 ] &&
   [ $((tx1 - tx0)) -lt $(((rx1 - rx0) / 10)) ]; then
	pass dp_hook_peer_redirect
else
	fail dp_hook_peer_redirect "upload: lb1 transmitted $((tx1 - tx0)), b1 received $((rx1 - rx0)) packets, $((rb1 - rb0)) bytes"
fi
# the upload VIP's packets were super-packets, balanced whole
vs=$(dp_sluice -j vip show | jq '[.[] | select(.vip | startswith("10.0.0.12"))][0]')
pk=$(jq '.pkts // 0' <<<"$vs")
by=$(jq '.bytes // 0' <<<"$vs")
[ "${V:-0}" = 1 ] && echo "    upload VIP: $pk packets, $by bytes"
if [ "$pk" -gt 0 ] && [ $((by / pk)) -gt 3000 ]; then
	pass dp_hook_super_packets
else
	fail dp_hook_super_packets "VIP 10.0.0.12:9000 $pk packets, $by bytes: $(jq -c . <<<"$vs")"
fi

# nat backends of one VIP answer statelessly (lb_rvips), fullnat ones
# per flow; a reload sharing backend 1 with a fullnat service moves it to
# per-flow entries, and both VIPs keep working
replies() {
	dp_sluice -j vip show | jq -r --arg v "$1" \
		'[.[] | select(.vip | startswith($v)) | .backends[] | "\(.address)=\(.replies)"] | sort | join(",")'
}
# A held connection whose backend goes down gets a RST from the VIP at
# once (lb_tcp_reset_tc()), whatever the client's packet's checksum state:
# reset_case NAME. The client's recv gives up after 2 s: "timed out" is a
# dropped packet, "reset" the RST arriving with a checksum c0 accepted.
reset_case() {
	local fifo=$DP_TMP/rst.fifo out=$DP_TMP/rst.out be addr r0 r1 i
	rm -f "$fifo"
	mkfifo "$fifo"
	: >"$out"
	dp_client hold 10.0.0.10 80 "$fifo" "$out" &
	DP_PIDS+=($!)
	exec 8<>"$fifo"
	echo ping >&8
	for i in $(seq 30); do [ -s "$out" ] && break; sleep 0.1; done
	be=$(awk 'NR == 1 { print $1 }' "$out")
	case $be in be1) addr=10.0.11.2 ;; be2) addr=10.0.12.2 ;; be3) addr=10.0.13.2 ;; *) addr= ;; esac
	r0=$(dp_sluice -j stats show | jq .global.tcp_reset)
	[ -n "$addr" ] && dp_sluice server set web@file "$addr:8080" down >/dev/null
	echo ping >&8
	for i in $(seq 40); do [ "$(wc -l <"$out")" -ge 2 ] && break; sleep 0.1; done
	r1=$(dp_sluice -j stats show | jq .global.tcp_reset)
	[ -n "$addr" ] && dp_sluice server set web@file "$addr:8080" up >/dev/null
	echo quit >&8
	exec 8>&-
	if [ -n "$addr" ] && grep -q "^ERROR.*reset" "$out" && [ $((r1 - r0)) -ge 1 ]; then
		pass "$1"
	else
		fail "$1" "held: $(tr '\n' '|' <"$out"); tcp_reset $r0 -> $r1"
	fi
}
# c0 leaves checksums to the device (CHECKSUM_PARTIAL reaches lc) and lc
# has no transmit offload, so the RST going back out of lc has its
# checksum completed by skb_checksum_help() from what the program wrote:
# right only if it wrote the pseudo-header sum (a full checksum there
# makes c0 drop the RST and time out)
dp_in l ethtool -K lc tx off >/dev/null
reset_case dp_hook_reset_partial
dp_in l ethtool -K lc tx on >/dev/null
offload off	# for the XDP part of the move below; the hold is opened here
# complete checksums from c0 (CHECKSUM_NONE): the RST carries a full one
reset_case dp_hook_reset_complete
fifo=$DP_TMP/hold.fifo
mkfifo "$fifo"
dp_client hold 10.0.0.10 80 "$fifo" "$DP_TMP/hold.out" &
DP_PIDS+=($!)
exec 7<>"$fifo"
ping_hold() { echo ping >&7; sleep 0.5; }
ping_hold
r1=$(replies 10.0.0.10:)
r6=$(replies "[fd00:a::10]:")
write_config tc 1
dp_sluice daemon reload >/dev/null
# the held connection's backend is now shared: its replies still
# translate, the lb_rvips entries outlive the flags (3 web + down + up6)
ping_hold
r2=$(replies 10.0.0.10:)
nrv=$(dp_sluice -j map dump lb_rvips | jq length)
out=$(dp_client tcp 10.0.0.10 80 30 24000)
out2=$(dp_client tcp 10.0.0.14 80 5 24100)
if [ "$r1" = "10.0.11.2:8080=stateless,10.0.12.2:8080=stateless,10.0.13.2:8080=stateless" ] &&
   [ "$r6" = "[fd00:11::2]:8080=per-flow,[fd00:12::2]:8080=per-flow" ] &&
   [ "$r2" = "10.0.11.2:8080=per-flow,10.0.12.2:8080=per-flow,10.0.13.2:8080=per-flow" ] &&
   [ "$(grep -c " 10.0.1.2$" "$DP_TMP/hold.out")" = 2 ] && [ "$nrv" = 5 ] &&
   [ "$(jq .failed <<<"$out")" = 0 ] && [ "$(jq '.answers | length' <<<"$out")" = 3 ] &&
   [ "$(jq .failed <<<"$out2")" = 0 ]; then
	pass dp_hook_stateless_replies
else
	fail dp_hook_stateless_replies "before: $r1 / $r6; shared: $r2, $nrv lb_rvips entries; held: $(tr '\n' '|' <"$DP_TMP/hold.out"); web $(jq -c . <<<"$out"), web2 $(jq -c . <<<"$out2")"
fi
write_config tc
dp_sluice daemon reload >/dev/null

# move to XDP and back by reload, the same connection open throughout
# (XDP needs the peers' checksums complete: offload went off above)
write_config xdp
dp_sluice daemon reload >/dev/null
ping_hold
xdp=$(for n in lc lb1 lb2 lb3; do dp_in l ip -d link show "$n"; done | grep -c "prog/xdp")
out=$(dp_client tcp 10.0.0.10 80 5 22000)
write_config tc
dp_sluice daemon reload >/dev/null
ping_hold
out2=$(dp_client tcp 10.0.0.10 80 5 23000)
echo quit >&7
exec 7>&-
lines=$(grep -c " 10.0.1.2$" "$DP_TMP/hold.out")
be=$(sort -u "$DP_TMP/hold.out" | wc -l)
if [ "$xdp" = 4 ] && [ "$lines" = 4 ] && [ "$be" = 1 ] &&
   [ "$(jq .failed <<<"$out")" = 0 ] && [ "$(jq .failed <<<"$out2")" = 0 ] &&
   [ "$(dp_prog_links lb_tc_lb)" = $((links0 + 4)) ]; then
	pass dp_hook_move
else
	fail dp_hook_move "xdp progs after reload $xdp; held answers: $(tr '\n' '|' <"$DP_TMP/hold.out"); new conns $(jq -c . <<<"$out") / $(jq -c . <<<"$out2")"
fi

# hook: auto picks TC on these veths (and would pick XDP on a NIC): from
# xdp, a reload to auto moves every interface
write_config xdp
dp_sluice daemon reload >/dev/null
hx=$(dp_sluice -j prog show | jq -r '[.links[].hook] | unique | join(",")')
write_config auto
dp_sluice daemon reload >/dev/null
st=$(dp_sluice -j prog show)
hk=$(jq -r '[.links[].hook] | unique | join(",")' <<<"$st")
out=$(dp_client tcp 10.0.0.10 80 5 25000)
if [ "$hx" = xdp ] && [ "$hk" = tc ] && [ "$(jq .failed <<<"$out")" = 0 ]; then
	pass dp_hook_auto
else
	fail dp_hook_auto "hooks at xdp: $hx, at auto: $hk; $(jq -c . <<<"$out")"
fi

# pins made before lb_rvips existed (a sluiced not restarted since an
# upgrade): the CLI still reads everything else
rm "$DP_PIN"/v*/lb_rvips
if dp_sluice -j vip show >/dev/null 2>"$DP_TMP/cli.err" &&
   dp_sluice -j stats show >/dev/null 2>>"$DP_TMP/cli.err" &&
   ! dp_sluice -j map dump lb_rvips >/dev/null 2>&1; then
	pass dp_hook_old_pins
else
	fail dp_hook_old_pins "$(cat "$DP_TMP/cli.err")"
fi

dp_detach_case dp_hook_detach lb_tc_lb "$links0"
exit $failed
