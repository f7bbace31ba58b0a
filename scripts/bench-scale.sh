#!/usr/bin/env bash
# Scale: how the data plane's costs grow with VIPs, backends and tracked
# flows (tests/bench/bench_scale), and how long sluiced takes to
# reload a configuration of 10, 100 and 1,000 services.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench_lib.sh
bn_init scale
prog=$BUILD/tests/bench/bench_scale
[ -x "$prog" ] || bn_die "$prog missing (make tests)"
timeout 300 "$prog" "$(bn_dur 5000 2000)" >>"$BENCH_OUT/scale.jsonl"

# Reload: sluiced without the data plane, a dynamic file of N HTTP
# services (2 servers each) and N routers; `sluice daemon reload` wall
# time (parse, validate, swap) next to `sluice daemon status` wall time
# (the CLI's start and the control round trip: the floor), medians of 5.
gen_config() {
	local n=$1 i
	{
		echo "http:"
		echo "  routers:"
		for i in $(seq "$n"); do
			echo "    r$i: {rule: \"Host(\`s$i.example\`)\", service: s$i}"
		done
		echo "  services:"
		for i in $(seq "$n"); do
			echo "    s$i:"
			echo "      loadBalancer:"
			echo "        servers: [{url: \"http://127.0.0.1:$((20000 + i % 1000))\"}, {url: \"http://127.0.0.2:$((20000 + i % 1000))\"}]"
		done
	} >"$BN_TMP/dynamic.yml"
}

ms_now() { date +%s%N; }

cat >"$BN_TMP/static.yml" <<Y
entryPoints:
  web: {address: "127.0.0.1:0"}
providers:
  file:
    filename: dynamic.yml
Y
# sluiced listens inside a namespace of ours; the CLI reaches it through
# the control socket's path.
NS=slbn-r-$$
bn_ns "$NS"
for n in 10 100 1000; do
	gen_config "$n"
	sock=$BN_TMP/ctl.sock
	bn_bg "$NS" "$BUILD/sluiced" --config "$BN_TMP/static.yml" --socket "$sock" --no-dataplane
	pid=$BN_PID
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	[ -S "$sock" ] || { cat "$BN_LOG" >&2; bn_die "sluiced did not start"; }
	ts=() bs=()
	for _ in 1 2 3 4 5; do
		t0=$(ms_now)
		timeout 20 "$BUILD/sluice" -s "$sock" -j daemon status >/dev/null
		bs+=($(( ($(ms_now) - t0) / 1000 )))
		t0=$(ms_now)
		timeout 20 "$BUILD/sluice" -s "$sock" -j daemon reload >"$BN_TMP/reload.json"
		ts+=($(( ($(ms_now) - t0) / 1000 )))
	done
	grep -q '"errors": *0' "$BN_TMP/reload.json" ||
		bn_log "reload of $n services reported: $(cat "$BN_TMP/reload.json")"
	v=$(printf '%s\n' "${ts[@]}" | sort -n | sed -n 3p)
	b=$(printf '%s\n' "${bs[@]}" | sort -n | sed -n 3p)
	bn_row reload reload_ms "services=$n" 1 "$(awk -v u="$v" 'BEGIN { printf "%.1f", u / 1000 }')" ms \
		"sluice daemon reload wall time, sluiced --no-dataplane, median of 5"
	bn_row reload status_ms "services=$n" 1 "$(awk -v u="$b" 'BEGIN { printf "%.1f", u / 1000 }')" ms \
		"sluice daemon status wall time (CLI start + round trip: the floor of the row above), median of 5"
	bn_kill "$pid"
	rm -f "$sock"
done

# Data plane at scale: sluiced with dataplane.interfaces (one veth in a
# namespace of ours), N TCP VIPs of 3 backends each
# (every backend behind one gateway: one managed neighbour). Measured:
# the first apply (start to the "dataplane: N VIPs" log line, which
# includes config parsing and program load), `sluice daemon reload`
# without a change (the diff alone) and with every weight changed (every
# ring rebuilt and swapped). sluiced runs through nsenter: `ip netns
# exec` would hide /sys/fs/bpf.
NSD=slbn-d-$$
PIN=/sys/fs/bpf/slbn-d-$$
dp_scale_cleanup() {
	[ -n "${DPID:-}" ] && bn_kill "$DPID"
	nsenter --net="/run/netns/$NSD" "$BUILD/sluiced" -c "$BN_TMP/dp.yml" \
		-P "$PIN" --detach >/dev/null 2>&1
	rm -rf "$PIN"
	bn_cleanup
}
trap dp_scale_cleanup EXIT
bn_ns "$NSD"
ip -n "$NSD" link add slbnd0 type veth peer name slbnd1
ip -n "$NSD" addr add 10.8.0.1/24 dev slbnd0
ip -n "$NSD" link set slbnd0 up
ip -n "$NSD" link set slbnd1 up
ip -n "$NSD" neigh add 10.8.0.2 lladdr 02:00:00:00:08:02 dev slbnd0 nud permanent
ip -n "$NSD" route add 10.9.0.0/16 via 10.8.0.2

# gen_dp_config N W: N VIPs 10.1.x.y:80, backends 10.9.x.y:8080 weight W.
gen_dp_config() {
	local n=$1 w=$2
	awk -v n="$n" -v w="$w" 'BEGIN {
		print "dataplane:\n  interfaces: [slbnd0]\nentryPoints:"
		for (i = 0; i < n; i++)
			printf "  e%d:\n    address: \"10.1.%d.%d:80\"\n", i, i / 250, i % 250 + 1
		print "tcp:\n  routers:"
		for (i = 0; i < n; i++)
			printf "    r%d: {entryPoints: [e%d], rule: \"HostSNI(`*`)\", service: s%d}\n", i, i, i
		print "  services:"
		for (i = 0; i < n; i++) {
			printf "    s%d:\n      loadBalancer:\n        servers:\n", i
			for (j = 0; j < 3; j++) {
				b = i * 3 + j
				printf "          - {address: \"10.9.%d.%d:8080\", weight: %d}\n", b / 250, b % 250 + 1, w + j
			}
		}
	}' >"$BN_TMP/dp.yml"
}

# dp_reload MEASURE N WHAT: one `sluice daemon reload` row; null when the
# CLI gave up waiting for the answer (its control timeout).
dp_reload() {
	local t0 v
	t0=$(ms_now)
	if nsenter --net="/run/netns/$NSD" timeout 300 "$BUILD/sluice" -s "$dsock" \
		daemon reload >/dev/null 2>&1; then
		v=$(( ($(ms_now) - t0) / 1000000 ))
	else
		v=null
		bn_log "reload of $2 VIPs: no answer within the CLI's control timeout"
	fi
	bn_row dataplane "$1" "vips=$2" 1 "$v" ms "sluice daemon reload wall time, $3; null: the CLI timed out"
}

dsock=$BN_TMP/dp.sock
for n in ${DP_SCALE_NS:-10 100 1000 $(bn_dur 10000 1000)}; do
	gen_dp_config "$n" 1
	: >"$BN_TMP/dp.log"
	t0=$(ms_now)
	nsenter --net="/run/netns/$NSD" timeout 300 "$BUILD/sluiced" \
		-c "$BN_TMP/dp.yml" -s "$dsock" -P "$PIN" >>"$BN_TMP/dp.log" 2>&1 &
	DPID=$!
	bn_pids+=($DPID)
	for _ in $(seq 3000); do
		grep -q "dataplane: $n VIPs" "$BN_TMP/dp.log" && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "dataplane: $n VIPs" "$BN_TMP/dp.log" ||
		{ tail -5 "$BN_TMP/dp.log" >&2; bn_die "sluiced did not apply $n VIPs"; }
	bn_row dataplane first_apply_ms "vips=$n" 1 "$(( ($(ms_now) - t0) / 1000000 ))" ms \
		"sluiced start to its 'dataplane: N VIPs' log line (parse, load, attach, maps), 3 backends a VIP"
	dp_reload reload_same_ms "$n" "configuration unchanged (diff only)"
	gen_dp_config "$n" 2
	dp_reload reload_all_ms "$n" "every weight changed (every ring rebuilt and swapped)"
	bn_kill "$DPID"
	DPID=
	nsenter --net="/run/netns/$NSD" "$BUILD/sluiced" -c "$BN_TMP/dp.yml" \
		-P "$PIN" --detach >/dev/null 2>&1
	rm -f "$dsock"
done
