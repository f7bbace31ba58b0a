#!/usr/bin/env bash
# Kernel data plane end to end: a client namespace talks to VIPs served
# only by the XDP program in the balancer namespace, which balances real
# TCP and UDP servers in three backend namespaces (topology and the reason
# for each peer setting: tests/netns/dp_lib.sh). One PASS/FAIL/SKIP line
# per case; every wait is bounded.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/dp_lib.sh

dp_require
dp_init
trap dp_cleanup EXIT
# write_config W1 W2 W3: tcp weights of be1..be3 for the web service
write_config() {
	cat >"$DP_TMP/sluice.yaml" <<YAML
entryPoints:
  web:
    address: "10.0.0.10:80"
  web6:
    address: "[fd00:a::10]:80"
  dns:
    address: "10.0.0.11:53/udp"
  dnsfull:
    address: "10.0.0.12:53/udp"
  dns6:
    address: "[fd00:a::11]:53/udp"
  pg:
    address: ":5432"
  hc:
    address: "10.0.0.13:80"
dataplane:
  hook: xdp
  interfaces: [lc, lb1, lb2, lb3]
  flowGcInterval: ${GC_INTERVAL:-10s}
tcp:
  routers:
    web:
      entryPoints: [web, web6]
      rule: "HostSNI(\`*\`)"
      service: web
    pg:
      entryPoints: [pg]
      rule: "HostSNI(\`*\`)"
      service: web
    hc:
      entryPoints: [hc]
      rule: "HostSNI(\`*\`)"
      service: checked
  services:
    web:
      loadBalancer:
        servers:
          - address: "10.0.11.2:8080"
            weight: $1
          - address: "10.0.12.2:8080"
            weight: $2
          - address: "10.0.13.2:8080"
            weight: $3
          - address: "[fd00:11::2]:8080"
          - address: "[fd00:12::2]:8080"
          - address: "[fd00:13::2]:8080"
    checked:
      loadBalancer:
        healthCheck:
          interval: 300ms
          timeout: 300ms
        servers:
          - address: "10.0.11.2:8080"
          - address: "10.0.12.2:8080"
          - address: "10.0.13.2:8080"
udp:
  routers:
    dns:
      entryPoints: [dns]
      service: dns
    dnsfull:
      entryPoints: [dnsfull, dns6]
      service: dnsfull
  services:
    dns:
      loadBalancer:
        forwarding: nat
        servers:
          - address: "10.0.11.2:5353"
          - address: "10.0.12.2:5353"
          - address: "10.0.13.2:5353"
    dnsfull:
      loadBalancer:
        servers:
          - address: "10.0.11.2:5353"
          - address: "10.0.12.2:5353"
          - address: "[fd00:11::2]:5353"
          - address: "[fd00:12::2]:5353"
YAML
}

# within N TOTAL P: N new flows of TOTAL landed on a backend whose ring
# share is P; passes when |N - TOTAL*P| <= 4 binomial standard deviations
# (sources are fixed ports, so a run is reproducible; 4 sd still rejects
# any wrong weight at these counts, e.g. equal shares or reversed ones)
within() {
	awk -v n="$1" -v t="$2" -v p="$3" \
		'BEGIN { e = t * p; d = n - e; if (d < 0) d = -d;
			 exit !(d <= 4 * sqrt(t * p * (1 - p))) }'
}

test_attach() {
	local n m
	# sluiced made the backends' next hops managed neighbours
	for n in $(seq 30); do
		m=$(ip -n "$(dp_ns l)" neigh show | grep -E '^(10\.0\.1[123]\.2|fd00:1[123]::2) .*managed' |
		    grep -c lladdr)
		[ "$m" = 6 ] && break
		sleep 0.1
	done
	[ "$m" = 6 ] || { fail attach "managed backend neighbours: $m of 6"; return; }
	n=$(dp_sluice -j prog show | jq '[.links[] | select(.ifindex > 0)] | length')
	[ "$n" = 4 ] || { fail attach "expected 4 attached links, got $n"; return; }
	pass attach
}

test_ring_shares() {
	local shares size
	shares=$(dp_sluice -j vip show 10.0.0.10:80/tcp |
		 jq -c '[.[0].backends[] | .ring_entries] | sort')
	size=$(dp_sluice -j vip show 10.0.0.10:80/tcp | jq '.[0].ring_size')
	# 3 backends: the smallest ring, 1021 entries (ABI v2 sizes rings
	# per VIP); weights 1:2:3 of it, exactly (largest remainder)
	[ "$size" = 1021 ] ||
		{ fail ring_shares "ring size $size, want 1021"; return; }
	[ "$shares" = "[170,340,511]" ] ||
		{ fail ring_shares "ring entries $shares, want [170,340,511]"; return; }
	pass ring_shares
}

test_tcp4_weights() {
	local out
	out=$(dp_client tcp 10.0.0.10 80 300 20000)
	local f b1 b2 b3
	f=$(jq .failed <<<"$out"); b1=$(jq '.answers.be1 // 0' <<<"$out")
	b2=$(jq '.answers.be2 // 0' <<<"$out"); b3=$(jq '.answers.be3 // 0' <<<"$out")
	[ "$f" = 0 ] || { fail tcp4_fullnat_weights "$f of 300 connections failed"; return; }
	if within "$b1" 300 0.1667 && within "$b2" 300 0.3333 &&
	   within "$b3" 300 0.5; then
		pass tcp4_fullnat_weights
	else
		fail tcp4_fullnat_weights "be1/be2/be3 = $b1/$b2/$b3, want ~50/100/150"
	fi
	# fullnat: backends see the balancer's own address, never the client
	jq -e '.peers | all(startswith("10.0.1") and . != "10.0.1.2")' <<<"$out" >/dev/null ||
		fail tcp4_fullnat_source "backends saw $(jq -c .peers <<<"$out")"
}

test_tcp6() {
	local out
	out=$(dp_client tcp fd00:a::10 80 60 21000)
	if [ "$(jq .failed <<<"$out")" = 0 ] &&
	   [ "$(jq '.answers | length' <<<"$out")" = 3 ] &&
	   jq -e '.peers | all(startswith("fd00:1") and endswith("::1"))' <<<"$out" >/dev/null; then
		pass tcp6_fullnat
	else
		fail tcp6_fullnat "$out"
	fi
}

test_udp4_nat() {
	local out
	out=$(dp_client udp 10.0.0.11 53 60 22000)
	# nat: the backend sees the client's own address
	if [ "$(jq .failed <<<"$out")" = 0 ] &&
	   [ "$(jq '.answers | length' <<<"$out")" = 3 ] &&
	   [ "$(jq -c .peers <<<"$out")" = '["10.0.1.2"]' ]; then
		pass udp4_nat
	else
		fail udp4_nat "$out"
	fi
}

test_udp_fullnat() {
	local out4 out6
	out4=$(dp_client udp 10.0.0.12 53 40 23000)
	out6=$(dp_client udp fd00:a::11 53 40 23000)
	if [ "$(jq .failed <<<"$out4")" = 0 ] && [ "$(jq .failed <<<"$out6")" = 0 ] &&
	   [ "$(jq '.answers | length' <<<"$out4")" = 2 ] &&
	   [ "$(jq '.answers | length' <<<"$out6")" = 2 ] &&
	   jq -e '.peers | all(. != "10.0.1.2")' <<<"$out4" >/dev/null; then
		pass udp4_udp6_fullnat
	else
		fail udp4_udp6_fullnat "v4 $out4 v6 $out6"
	fi
}

# ":5432" is a wildcard VIP per family: it serves the balancer's own
# addresses (no socket listens on them), and nothing else.
test_wildcard() {
	local o4 o6
	o4=$(dp_client tcp 10.0.1.1 5432 30 26000)
	o6=$(dp_client tcp fd00:1::1 5432 30 26000)
	if [ "$(jq .failed <<<"$o4")" = 0 ] && [ "$(jq .failed <<<"$o6")" = 0 ] &&
	   [ "$(jq '.answers | length' <<<"$o4")" -ge 2 ] &&
	   [ "$(jq '.answers | length' <<<"$o6")" -ge 2 ]; then
		pass wildcard_vip
	else
		fail wildcard_vip "v4 $o4 v6 $o6"
	fi
}

test_kernel_carried() {
	local socks st
	socks=$(dp_in l ss -H -ltnu | grep -E ':(80|53|5432)\b')
	[ -z "$socks" ] || { fail kernel_carried "userspace sockets on VIP ports: $socks"; return; }
	st=$(dp_sluice -j stats show)
	if jq -e '.global.fwd > 0 and .global.rev > 0 and .global.new_flow >= 300 and
		  .global.tx_redirect > 0 and
		  (.vips[] | select(.vip == "10.0.0.10:80/tcp") | .pkts >= 600)' \
		  <<<"$st" >/dev/null; then
		pass kernel_carried
	else
		fail kernel_carried "counters: $(jq -c '.global' <<<"$st")"
	fi
}

test_flow_show() {
	local n
	n=$(dp_sluice -j flow show 10.0.0.11:53/udp | jq 'length')
	if [ "$n" -ge 60 ] &&
	   dp_sluice -j flow show 10.0.0.10:80/tcp |
	   jq -e 'all(.[]; .vip == "10.0.0.10:80" and (.state | test("syn|established|closing")))' >/dev/null; then
		pass flow_show
	else
		fail flow_show "udp flows $n"
	fi
}

# A held TCP connection answers "NAME PEER" for every line pushed to FIFO.
hold_start() {
	mkfifo "$DP_TMP/fifo"
	: >"$DP_TMP/hold.out"
	nsenter --net="/run/netns/$(dp_ns c)" "$DP_PY" \
		"$DP_ROOT/tests/netns/dp_client.py" hold 10.0.0.10 80 \
		"$DP_TMP/fifo" "$DP_TMP/hold.out" &
	DP_PIDS+=($!)
	hold_ping >/dev/null
}

# Sends one request on the held connection; prints the backend's name.
hold_ping() {
	local before i
	before=$(wc -l <"$DP_TMP/hold.out")
	echo ping >"$DP_TMP/fifo"
	for i in $(seq 30); do
		[ "$(wc -l <"$DP_TMP/hold.out")" -gt "$before" ] && break
		sleep 0.1
	done
	tail -n1 "$DP_TMP/hold.out" | awk '{print $1}'
}

test_reload_keeps_flows() {
	local first after
	first=$(hold_ping)
	[ -n "$first" ] || { fail reload_keeps_flows "held connection got no answer"; return; }
	write_config 3 2 1
	dp_sluice daemon reload >/dev/null || { fail reload_keeps_flows "reload failed"; return; }
	after=$(hold_ping)
	local shares
	shares=$(dp_sluice -j vip show 10.0.0.10:80/tcp | jq -c '[.[0].backends[] | .ring_entries]')
	if [ "$after" = "$first" ] && [ "$shares" = "[511,340,170]" ]; then
		pass reload_keeps_flows
	else
		fail reload_keeps_flows "backend $first -> $after, ring $shares"
	fi
}

test_restart_keeps_flows() {
	local first down after
	first=$(hold_ping)
	DP_SLUICED_OLD=$DP_SLUICED
	dp_sluiced_stop
	kill -0 "$DP_SLUICED_OLD" 2>/dev/null &&
		{ fail restart_keeps_flows "sluiced still running"; return; }
	down=$(hold_ping)
	# read-only commands work from the pins while sluiced is down
	dp_sluice -j stats show | jq -e '.global.fwd > 0' >/dev/null ||
		{ fail restart_keeps_flows "stats unreadable without sluiced"; return; }
	dp_sluiced "$DP_TMP/sluice.yaml" || { fail restart_keeps_flows "restart failed"; return; }
	after=$(hold_ping)
	grep -q "re-using maps" "$DP_TMP/sluiced.log" ||
		{ fail restart_keeps_flows "sluiced did not re-use the pinned maps"; return; }
	if [ "$down" = "$first" ] && [ "$after" = "$first" ]; then
		pass restart_keeps_flows
	else
		fail restart_keeps_flows "backend $first, while down $down, after $after"
	fi
}

test_drain() {
	local held out n
	held=$(hold_ping)
	case $held in be1) addr=10.0.11.2 ;; be2) addr=10.0.12.2 ;; *) addr=10.0.13.2 ;; esac
	dp_sluice server set web@file "$addr:8080" weight 0 >/dev/null ||
		{ fail drain "server set failed"; return; }
	out=$(dp_client tcp 10.0.0.10 80 90 24000)
	n=$(jq ".answers.$held // 0" <<<"$out")
	if [ "$n" = 0 ] && [ "$(jq .failed <<<"$out")" = 0 ] &&
	   [ "$(hold_ping)" = "$held" ]; then
		pass drain
	else
		fail drain "drained $held still got $n new flows or lost its held flow: $out"
	fi
}

# The flow table GC (dataplane.flowGcInterval, 500ms from a reload):
# idle UDP flows go once their VIP's udp timeout (3s) has passed, their
# reply entries with them; the held TCP connection's flow stays, on its
# backend.
test_flow_gc() {
	local held n i st
	held=$(hold_ping)
	GC_INTERVAL=500ms write_config 3 2 1
	dp_sluice daemon reload >/dev/null || { fail flow_gc "reload failed"; return; }
	dp_client udp 10.0.0.11 53 10 26000 >/dev/null
	n=$(dp_sluice -j flow show 10.0.0.11:53/udp | jq 'length')
	[ "$n" -ge 10 ] || { fail flow_gc "udp flows before the GC: $n"; return; }
	for i in $(seq 50); do
		n=$(dp_sluice -j flow show 10.0.0.11:53/udp | jq 'length')
		[ "$n" = 0 ] && break
		sleep 0.2
	done
	st=$(dp_sluice -j daemon status)
	if [ "$n" = 0 ] && [ "$(hold_ping)" = "$held" ] &&
	   dp_sluice -j flow show 10.0.0.10:80/tcp |
	   jq -e 'any(.[]; .state == "established")' >/dev/null &&
	   jq -e '.subsystems.dataplane.flow_gc |
		  .interval == "500ms" and .deleted >= 10 and
		  .replies_deleted >= 10 and .passes > 0' <<<"$st" >/dev/null &&
	   dp_sluice daemon status | grep -q "flow GC every 500ms: [0-9]* passes"; then
		pass flow_gc
	else
		fail flow_gc "udp flows left $n, held $held; $(jq -c .subsystems.dataplane.flow_gc <<<"$st")"
	fi
}

test_backend_down() {
	local out st
	# UDP flows of be2 move, TCP connections avoid it
	out=$(dp_client udp 10.0.0.11 53 30 25000)
	dp_sluice server set dns@file 10.0.12.2:5353 down >/dev/null ||
		{ fail backend_down "server set failed"; return; }
	out=$(dp_client udp 10.0.0.11 53 30 25000)
	st=$(dp_sluice -j stats show)
	if [ "$(jq '.answers.be2 // 0' <<<"$out")" = 0 ] &&
	   [ "$(jq .failed <<<"$out")" = 0 ] &&
	   jq -e '.global.resteer > 0' <<<"$st" >/dev/null; then
		pass backend_down
	else
		fail backend_down "$out resteer $(jq .global.resteer <<<"$st")"
	fi
}

# The held TCP connection's backend goes down: the client gets a RST
# from the VIP at once (no userspace involved: the XDP program answers).
test_tcp_reset() {
	local held addr
	held=$(hold_ping)
	case $held in be1) addr=10.0.11.2 ;; be2) addr=10.0.12.2 ;; *) addr=10.0.13.2 ;; esac
	dp_sluice server set web@file "$addr:8080" down >/dev/null ||
		{ fail tcp_reset "server set failed"; return; }
	hold_ping >/dev/null
	if grep -q "ERROR.*reset" "$DP_TMP/hold.out" &&
	   dp_sluice -j stats show | jq -e '.global.tcp_reset > 0' >/dev/null; then
		pass tcp_reset
	else
		fail tcp_reset "held connection: $(tail -n1 "$DP_TMP/hold.out") $(dp_sluice -j stats show | jq -c .global)"
	fi
}

# be3's servers stop: the TCP health check marks it down and new flows
# avoid it (without the check a third of them would be refused).
test_health_check() {
	local before out i st
	before=$(dp_client tcp 10.0.0.13 80 30 27000)
	[ "$(jq '.answers.be3 // 0' <<<"$before")" -gt 0 ] ||
		{ fail health_check "be3 took no flows while healthy: $before"; return; }
	kill "${DP_PIDS[2]}"; wait "${DP_PIDS[2]}" 2>/dev/null
	for i in $(seq 30); do
		st=$(dp_sluice -j server show |
		     jq -r '.[] | select(.address == "10.0.13.2:8080" and
					 .vip == "10.0.0.13:80/tcp") | .state')
		[ "$st" = down ] && break
		sleep 0.1
	done
	out=$(dp_client tcp 10.0.0.13 80 30 28000)
	if [ "$st" = down ] && [ "$(jq .failed <<<"$out")" = 0 ] &&
	   [ "$(jq '.answers.be3 // 0' <<<"$out")" = 0 ]; then
		pass health_check
	else
		fail health_check "be3 state $st, after: $out"
	fi
}

test_detach() {
	echo quit >"$DP_TMP/fifo"
	dp_sluiced_stop
	dp_in l "$DP_BUILD/sluiced" --detach -P "$DP_PIN" >>"$DP_TMP/sluiced.log" 2>&1
	if [ -e "$DP_PIN" ] || dp_in l ip link show lc | grep -q xdp; then
		fail detach "pins or programs left: $(ls -R "$DP_PIN" 2>&1 | head -3)"
	else
		pass detach
	fi
}

# sluice prog attach/detach work on the pins alone, without sluiced.
test_prog_cli() {
	local n
	dp_sluice prog attach lb1 mode native >/dev/null ||
		{ fail prog_cli "attach failed"; return; }
	n=$(dp_sluice -j prog show | jq '[.links[] | select(.dev == "lb1" and .mode == "native")] | length')
	dp_sluice prog detach >/dev/null
	if [ "$n" = 1 ] && [ ! -e "$DP_PIN" ] && ! dp_in l ip link show lb1 | grep -q xdp; then
		pass prog_cli
	else
		fail prog_cli "links after attach: $n; pins left: $(ls "$DP_PIN" 2>&1 | head -2)"
	fi
}

if ! dp_topology; then
	echo "FAIL topology: cannot build namespaces"; exit 1
fi
dp_backends
write_config 1 2 3
sleep 0.3
dp_sluiced_up sluiced "$DP_TMP/sluice.yaml"

test_attach
test_ring_shares
test_tcp4_weights
test_tcp6
test_udp4_nat
test_udp_fullnat
test_wildcard
test_kernel_carried
test_flow_show
hold_start
test_reload_keeps_flows
test_restart_keeps_flows
test_drain
test_flow_gc
test_backend_down
test_tcp_reset
test_health_check
test_detach
test_prog_cli
exit $failed
