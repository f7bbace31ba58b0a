#!/usr/bin/env bash
# The benchmark harness works (not how fast anything is: speed is only
# measured by `make bench`): the XDP microbenchmark times every path with
# the verdict it must have (the rewriting paths also by the restore method),
# and the cost breakdown, udpblast counts what it sends, softirq_ns counts
# network softirq time, report.py turns
# rows into results.json and tables.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/check.sh
B=${BUILD:-build}
TMP=$(mktemp -d /tmp/slbn-test.XXXXXX)
NS=slbn-t-$$
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
	[ -n "${SI:-}" ] && rm -rf "$SI"
}
trap cleanup EXIT

t_case bench_xdp_times_every_path
if timeout 60 "$B/tests/bench/bench_xdp" 1 200 >"$TMP/xdp.jsonl" 2>"$TMP/err"; then
	out=$(python3 - "$TMP/xdp.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
want = ["floor: empty (XDP_PASS)", "floor: XDP_DROP", "floor: MAC swap + XDP_TX",
        "floor: one bpf_fib_lookup()", "sluice: non-VIP pass", "sluice: new flow, nat (v4)", "sluice: new flow, fullnat (v4)",
        "sluice: established, nat (v4)", "sluice: established, fullnat (v4)",
        "sluice: new flow, nat (v6)", "sluice: established, nat (v6)",
        "sluice: reverse nat (v4 reply)",
        "sluice: new flow, steered to the proxy (v4)",
        "sluice: established, steered to the proxy (v4)",
        "sluice: steered VIP, socket assigned", "sluice: plain VIP, no assignment"]
rewriting = ["sluice: new flow, nat (v4)", "sluice: new flow, fullnat (v4)",
             "sluice: established, nat (v4)", "sluice: established, fullnat (v4)",
             "sluice: new flow, nat (v6)", "sluice: established, nat (v6)",
             "sluice: reverse nat (v4 reply)",
             "sluice: new flow, steered to the proxy (v4)",
             "sluice: established, steered to the proxy (v4)",
             "sluice: established, nat (v4), 1000 flows in turn",
             "sluice: established, nat (v4), 100000 flows in turn",
             "sluice: established, nat (v4), 1000000 flows in turn",
             "sluice: new flow, nat, stateless replies (v4)",
             "sluice: reverse nat, stateless replies (v4 reply)",
             "sluice at TC: established, nat (v4)", "sluice at TC: established, fullnat (v4)",
             "sluice at TC: reverse nat (v4 reply)", "sluice at TC: new flow, nat (v4)"]
cost = ["LRU hash lookup, lb_flow_key, hit (lb_flows-like)",
        "LRU hash update, new key, table not full",
        "LRU hash update, new key, table full (evicts)",
        "LRU hash update, new key, full table after a GC pass",
        "memory floor: one random 64-byte line of 16 MiB (cold)",
        "per-CPU array lookup + increment (lb_stat_inc)",
        "bpf_ktime_get_coarse_ns()", "bpf_fib_lookup() (IPv4, neighbour known)"]
got = {r["contender"] for r in rows}
restore = {r["contender"] for r in rows if r["param"] == "restore"}
costs = {r["contender"] for r in rows if r["section"] == "xdp_cost"}
bad = [r for r in rows if not isinstance(r["value"], (int, float)) or
       r["param"] not in ("repeat", "single", "restore")]
missing = [w for w in want if w not in got] + [w for w in rewriting if w not in restore] + \
          [w for w in cost if w not in costs]
print("ok" if len(rows) == 53 and not bad and not missing else "rows=%d missing=%s bad=%s" % (len(rows), missing, bad[:1]))
PY
)
	[ "$out" = ok ] && t_pass || t_fail "$out"
else
	t_fail "exit status $?: $(tail -5 "$TMP/err")"
fi

t_case udpblast_receives_what_it_sends
ip netns add "$NS" && ip -n "$NS" link set lo up
ip netns exec "$NS" "$B/tests/bench/udpblast" recv 9000 2 >"$TMP/recv" 2>&1 &
PIDS+=($!)
t_wait "grep -q ready '$TMP/recv'" 5
sent=$(ip netns exec "$NS" timeout 10 "$B/tests/bench/udpblast" send 127.0.0.1 9000 0.5 64 4 2000 |
	awk '/^sent/ { print $2 }')
wait "${PIDS[0]}"
got=$(awk '/^recv/ { print $2 }' "$TMP/recv")
[ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$got" = "$sent" ] && t_pass ||
	t_fail "sent '$sent', received '$got'"

t_case softirq_ns_counts_network_softirq_time
SI=/sys/fs/bpf/slbn-t-softirq-$$
if "$B/tests/bench/softirq_ns" start "$SI"; then
	a=$("$B/tests/bench/softirq_ns" read "$SI")
	ip netns exec "$NS" "$B/tests/bench/udpblast" recv 9001 2 >"$TMP/recv2" 2>&1 &
	PIDS+=($!)
	t_wait "grep -q ready '$TMP/recv2'" 5
	ip netns exec "$NS" timeout 10 "$B/tests/bench/udpblast" send 127.0.0.1 9001 0.5 64 4 20000 >/dev/null
	b=$("$B/tests/bench/softirq_ns" read "$SI")
	rm -rf "$SI"
	# 10,000 loopback datagrams: their receive softirqs take > 1 ms
	[ -n "$a" ] && [ -n "$b" ] && [ $((b - a)) -gt 1000000 ] &&
		[ ! -e "$SI" ] && t_pass || t_fail "before $a ns, after $b ns"
else
	rm -rf "$SI"
	t_fail "softirq_ns start failed"
fi

t_case report_writes_results_and_table
mkdir -p "$TMP/out"
cp "$TMP/xdp.jsonl" "$TMP/out/"
if python3 tests/bench/report.py --out "$TMP/out" \
	--machine '{"nproc":2,"cpu":"test","kernel":"k","mem_kb":1024,"date":"now"}' >/dev/null; then
	n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len([s for s in d["summary"] if s["section"] == "xdp"]), len(d["rows"]))' "$TMP/out/results.json")
	# a path's methods on adjacent lines, the cost breakdown its own table
	[ "$n" = "35 53" ] &&
		grep -A1 '^| sluice: established, nat (v4) | single |' "$TMP/out/results.md" |
		grep -q '^| sluice: established, nat (v4) | restore |' &&
		grep -q '^### XDP cost breakdown' "$TMP/out/results.md" &&
		grep -q '^| LRU hash update, new key, table not full | repeat |' "$TMP/out/results.md" &&
		t_pass || t_fail "summary/rows: $n; table: $(head -5 "$TMP/out/results.md")"
else
	t_fail "report.py failed"
fi
t_case report_l7_ratios_are_paired_per_round
# HAProxy 100/200/300 req/s, sluice 110/190/360: per-round ratios 1.10,
# 0.95, 1.20 (median 1.10) where a ratio of medians would say 0.95
printf 'scenario\tproxy\tround\treq_s\tp50_ms\tp99_ms\tpeak_rss_kib\n' >"$TMP/l7.tsv"
for r in "1 100 110" "2 200 190" "3 300 360"; do
	read -r n h s <<<"$r"
	printf 'small keep-alive\thaproxy\t%s\t%s\t1\t4\t100\n' "$n" "$h" >>"$TMP/l7.tsv"
	printf 'small keep-alive\tsluice\t%s\t%s\t1\t%s\t50\n' "$n" "$s" "$n" >>"$TMP/l7.tsv"
done
row=$(python3 tests/bench/report.py --l7-table "$TMP/l7.tsv" | grep '^| small keep-alive | sluice |')
[ "$row" = "| small keep-alive | sluice | 190 | 1.10 | 1.000 | 2.000 | 0.50 | 50 | 0.50 |" ] &&
	t_pass || t_fail "row: $row"
t_done
