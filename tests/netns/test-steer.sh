#!/usr/bin/env bash
# Kernel steering end to end (docs/datapath.md, "Kernel steering"): on one
# XDP-attached balancer, a plain TCP VIP is carried by XDP alone and a
# proxyProtocol (v2) VIP (IPv4 and IPv6) is steered to sluiced's userspace proxy: XDP picks
# the backend and records the flow, sk_lookup hands the connection to the
# proxy's loopback listener, and the proxy connects to the backend the
# kernel chose. Topology: tests/netns/dp_lib.sh (namespaces slst-*). One
# PASS/FAIL/SKIP line per case; every wait is bounded.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/dp_lib.sh
dp_ns() { echo "slst-$1-$DP_ID"; }

dp_require
dp_init
rm -rf "$DP_TMP"
DP_PIN=/sys/fs/bpf/slst-$DP_ID
DP_TMP=$(mktemp -d "/tmp/slst-$DP_ID.XXXXXX")
trap dp_cleanup EXIT
CHECK="$DP_ROOT/tests/netns/steer_check.py"
N=12

write_config() {
	cat >"$DP_TMP/sluice.yaml" <<YAML
entryPoints:
  web:
    address: "10.0.0.10:80"
  pp:
    address: "10.0.0.20:25"
  nolocal:
    address: "10.0.0.21:25"
  pp6:
    address: "[fd00:a::20]:25"
  ppw:
    address: ":2626"
dataplane:
  hook: xdp
  interfaces: [lc, lb1, lb2, lb3]
tcp:
  routers:
    web:
      entryPoints: [web]
      rule: "HostSNI(\`*\`)"
      service: web
    pp:
      entryPoints: [pp, nolocal, pp6, ppw]
      rule: "HostSNI(\`*\`)"
      service: pp
  services:
    web:
      loadBalancer:
        servers:
          - address: "10.0.11.2:8080"
          - address: "10.0.12.2:8080"
          - address: "10.0.13.2:8080"
    pp:
      loadBalancer:
        proxyProtocol:
          version: 2
        servers:
          - address: "10.0.11.2:2525"
          - address: "10.0.12.2:2525"
          - address: "10.0.13.2:2525"
          - address: "[fd00:11::2]:2525"
          - address: "[fd00:12::2]:2525"
          - address: "[fd00:13::2]:2525"
YAML
}

l4() { dp_sluice -j l4 show | jq -r "$1"; }
stat() { dp_sluice -j stats show | jq -r ".global.$1"; }
vip() { dp_sluice -j vip show "$1" | jq -r ".[0].$2"; }

setup() {
	local i n
	dp_topology || return 1
	# the steered VIP is delivered locally (sk_lookup runs on local
	# delivery only); 10.0.0.21 is not, on purpose
	ip -n "$(dp_ns l)" route add local 10.0.0.20/32 dev lo || return 1
	ip -n "$(dp_ns l)" -6 route add local fd00:a::20/128 dev lo || return 1
	dp_backends
	mkdir -p "$DP_TMP/out"
	for i in 1 2 3; do
		nsenter --net="/run/netns/$(dp_ns b$i)" "$DP_PY" \
			"$DP_ROOT/tests/l4/backend.py" tcp :: 2525 be$i \
			"$DP_TMP/out" >/dev/null &
		DP_PIDS+=($!)
	done
	for n in $(seq 50); do
		[ "$(for i in 1 2 3; do dp_in b$i ss -Hltn 'sport = :2525'; done |
		     wc -l)" = 3 ] && break
		sleep 0.1
	done
	write_config
	dp_sluiced "$DP_TMP/sluice.yaml"
}

test_paths() {
	local p w
	p=$(vip 10.0.0.20:25/tcp path); w=$(vip 10.0.0.10:80/tcp path)
	if [ "$p" = proxy ] && [ "$w" = xdp ] &&
	   [ "$(vip 10.0.0.20:25/tcp listener)" = true ] &&
	   [ "$(l4 '.entrypoints[] | select(.name == "pp") | .path')" = steered ] &&
	   [ "$(l4 '.entrypoints[] | select(.name == "web") | .path')" = kernel ]; then
		pass vip_show_paths
	else
		fail vip_show_paths "pp $p web $w; l4 show $(dp_sluice -j l4 show | jq -c '[.entrypoints[] | {name, path}]')"
	fi
	# nothing listens on the VIP's port: the listener is on loopback,
	# reached only through sk_lookup
	if dp_in l ss -Hltn | awk '{print $4}' | grep -qE ':25$'; then
		fail no_socket_on_vip "$(dp_in l ss -Hltn)"
	else
		pass no_socket_on_vip
	fi
	grep -q "10.0.0.21 is not a local address" "$DP_TMP/sluiced.log" &&
	! grep -q "10.0.0.20 is not a local address" "$DP_TMP/sluiced.log" &&
		pass warns_non_local_vip ||
		fail warns_non_local_vip "$(grep -i 'local address' "$DP_TMP/sluiced.log")"
}

test_plain_xdp() {
	local fwd0 fwd1 out c
	fwd0=$(stat fwd)
	out=$(dp_client tcp 10.0.0.10 80 20 20000)
	fwd1=$(stat fwd)
	c=$(l4 '.entrypoints[] | select(.name == "web") | .conns_total')
	if [ "$(jq .failed <<<"$out")" = 0 ] &&
	   [ "$(jq '[.answers[]] | add' <<<"$out")" = 20 ] &&
	   [ $((fwd1 - fwd0)) -ge 60 ] && [ "$c" = 0 ] &&
	   [ "$(vip 10.0.0.10:80/tcp new_flows)" = 20 ]; then
		pass plain_vip_by_xdp
	else
		fail plain_vip_by_xdp "client $out fwd +$((fwd1 - fwd0)) userspace conns $c"
	fi
}

# test_steered LABEL VIP PORT VIPKEY CLIENT CLIENT_SP ENTRYPOINT FIRST_SPORT
test_steered() {
	local t=$1 vaddr=$2 port=$3 vkey=$4 client=$5 csp=$6 ep=$7 sp0=$8
	local loc0 st0 fwd0 served sp lk r nf nf0 n
	local vkey_l="$vaddr:$port/tcp" c0
	# looked up with the real destination (a wildcard VIP too)
	case $vaddr in *:*) vkey_l="[$vaddr]:$port/tcp" ;; esac
	c0=$(l4 ".entrypoints[] | select(.name == \"$ep\") | [.conns_total, .steered, .steer_fallbacks]")
	loc0=$(stat local); st0=$(stat steer); fwd0=$(stat fwd)
	nf0=$(vip "$vkey" new_flows)
	served=$(dp_in c timeout 60 "$DP_PY" "$CHECK" connect "$vaddr" "$port" "$sp0" $N)
	echo "$served" >"$DP_TMP/served.json"
	if [ "$(jq '[.[] | select(test("^be[123]$"))] | length' <<<"$served")" != $N ]; then
		fail ${t}_steered_connections "$served"
		echo "DEBUG $(dp_sluice -j stats show | jq -c .global) $(dp_sluice -j vip show | jq -c '[.[] | {vip, path, listener, pkts, new_flows, drops}]') $(l4 '.entrypoints') $(dp_in l ss -Hltn)"
		grep -i "ppw\|2626" "$DP_TMP/sluiced.log"
		return
	fi
	pass ${t}_steered_connections
	# the flow table's backend for each connection
	echo '{}' >"$DP_TMP/lookup.json"
	for sp in $(seq "$sp0" $((sp0 + N - 1))); do
		lk=$(dp_sluice -j vip lookup "$vkey_l" "$csp:$sp")
		jq --arg k "$sp" --arg v "$(jq -r .flow_backend <<<"$lk")" \
			'. + {($k): $v}' "$DP_TMP/lookup.json" >"$DP_TMP/l.tmp" &&
			mv "$DP_TMP/l.tmp" "$DP_TMP/lookup.json"
		# a new flow from the same source would get the same backend
		[ "$(jq -r .backend <<<"$lk")" = "$(jq -r .flow_backend <<<"$lk")" ] ||
			{ fail ${t}_steered_ring_choice "$lk"; return; }
	done
	pass ${t}_steered_ring_choice
	# backends write a connection's bytes once it ends: wait for them
	for n in $(seq 50); do
		r=$("$DP_PY" "$CHECK" verify "$DP_TMP/out" "$client" "$vaddr" "$port" \
			"$DP_TMP/served.json" "$DP_TMP/lookup.json")
		[ "$r" = "ok $N" ] && break
		sleep 0.1
	done
	[ "$r" = "ok $N" ] && pass ${t}_proxy_v2_bytes_and_kernel_backend ||
		fail ${t}_proxy_v2_bytes_and_kernel_backend "$r"
	# the kernel counted the flows; no translation happened
	nf=$(($(vip "$vkey" new_flows) - nf0))
	if [ "$nf" = $N ] && [ $(($(stat local) - loc0)) -ge $((3 * N)) ] &&
	   [ $(($(stat steer) - st0)) = $N ] && [ "$(stat fwd)" = "$fwd0" ] &&
	   [ "$(vip "$vkey" pkts)" -ge $((3 * N)) ]; then
		pass ${t}_kernel_counters
	else
		fail ${t}_kernel_counters "new_flows $nf local +$(($(stat local) - loc0)) steer +$(($(stat steer) - st0)) fwd +$(($(stat fwd) - fwd0))"
	fi
	# ... and the proxy counted the connections as kernel-chosen
	r=$(l4 ".entrypoints[] | select(.name == \"$ep\") | [.conns_total, .steered, .steer_fallbacks]" |
	    jq -r --argjson c0 "$c0" '"\(.[0] - $c0[0]) \(.[1] - $c0[1]) \(.[2] - $c0[2])"')
	[ "$r" = "$N $N 0" ] && pass ${t}_l4_show_counts ||
		fail ${t}_l4_show_counts "conns/steered/fallbacks +$r, want +$N +$N +0"
}

# A connection the XDP program never saw (from the balancer itself):
# sk_lookup still steers it, the proxy finds no flow entry and picks with
# its own WRR, and counts the fallback.
test_fallback() {
	local r
	r=$(dp_in l timeout 10 "$DP_PY" "$CHECK" connect 10.0.0.20 25 31000 1)
	if jq -e '.["31000"] | test("^be[123]$")' <<<"$r" >/dev/null &&
	   [ "$(l4 '.entrypoints[] | select(.name == "pp") | .steer_fallbacks')" = 1 ]; then
		pass fallback_counted
	else
		fail fallback_counted "$r $(l4 '.entrypoints[] | select(.name == "pp")')"
	fi
}

# The sk_lookup link is pinned: a restart of sluiced keeps it (same link)
# and steering works again; sluiced --detach removes it.
test_restart_detach() {
	local id id2 r
	id=$(dp_sluice -j prog show | jq -r '.steer.link_id')
	dp_sluiced_stop
	[ "$(dp_sluice -j prog show | jq -r '.steer.link_id')" = "$id" ] ||
		{ fail restart_keeps_link "link gone while sluiced is down"; return; }
	dp_sluiced "$DP_TMP/sluice.yaml" || { fail restart_keeps_link "no restart"; return; }
	id2=$(dp_sluice -j prog show | jq -r '.steer.link_id')
	r=$(dp_in c timeout 10 "$DP_PY" "$CHECK" connect 10.0.0.20 25 32000 1)
	if [ "$id" != null ] && [ "$id2" = "$id" ] &&
	   jq -e '.["32000"] | test("^be[123]$")' <<<"$r" >/dev/null &&
	   [ "$(l4 '.entrypoints[] | select(.name == "pp") | .steered')" = 1 ]; then
		pass restart_keeps_link
	else
		fail restart_keeps_link "link $id -> $id2, client $r"
	fi
	dp_sluiced_stop
	dp_in l "$DP_BUILD/sluiced" --detach -P "$DP_PIN" >/dev/null 2>&1
	if [ "$(dp_sluice -j prog show | jq -r '.steer')" = null ] &&
	   ! bpftool link show id "$id" >/dev/null 2>&1; then
		pass detach_removes_link
	else
		fail detach_removes_link "$(dp_sluice -j prog show)"
	fi
}

if ! setup; then
	echo "FAIL steer_setup: $(tail -5 "$DP_TMP/sluiced.log" 2>/dev/null)"
	exit 1
fi
test_paths
test_plain_xdp
test_steered v4 10.0.0.20 25 10.0.0.20:25/tcp 10.0.1.2 10.0.1.2 pp 30000
test_steered v6 fd00:a::20 25 '[fd00:a::20]:25/tcp' fd00:1::2 '[fd00:1::2]' pp6 30100
# a wildcard entryPoint: the balancer's own address, one dual-stack
# listener for both families (IPv4 connections arrive v4-mapped)
test_steered wild4 10.0.1.1 2626 :2626/tcp 10.0.1.2 10.0.1.2 ppw 30200
test_steered wild6 fd00:1::1 2626 '[::]:2626/tcp' fd00:1::2 '[fd00:1::2]' ppw 30300
test_fallback
test_restart_detach
exit $failed
