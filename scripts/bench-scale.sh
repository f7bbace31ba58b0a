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
