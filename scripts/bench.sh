#!/usr/bin/env bash
# make bench: every benchmark section in one run, then one report.
#
# Sections are scripts/bench-*.sh; each runs its contenders itself, in
# alternating rounds, and appends rows to $BENCH_OUT/<section>.jsonl
# (scripts/bench_lib.sh). tests/bench/report.py then writes
# $BENCH_OUT/results.json and results.md (medians, ratios to the floor of
# the same run), the plot docs/perf-l4.png and the generated block of
# docs/performance.md.
#
#   BENCH_SECTIONS="xdp l4veth"   run only these sections
#   BENCH_ROUNDS=N                rounds per section (default 2)
#   BENCH_QUICK=1                 short durations (a smoke run; numbers rough)
#   BENCH_DOCS=0                  leave docs/ alone
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench_lib.sh
export BUILD BENCH_OUT BENCH_ROUNDS BENCH_QUICK

sections=${BENCH_SECTIONS:-}
if [ -z "$sections" ]; then
	for s in scripts/bench-*.sh; do
		n=${s#scripts/bench-}
		sections="$sections ${n%.sh}"
	done
fi
rm -f "$BENCH_OUT"/*.jsonl "$BENCH_OUT"/*.tsv
start=$(date +%s)
failed=()
for n in $sections; do
	s=scripts/bench-$n.sh
	[ -x "$s" ] || { echo "bench: no section $n" >&2; failed+=("$n"); continue; }
	echo "== $s"
	t0=$(date +%s)
	if ! "$s"; then
		echo "bench: section $n failed" >&2
		failed+=("$n")
	fi
	echo "   ($(( $(date +%s) - t0 )) s)"
done
echo "== report ($(( $(date +%s) - start )) s of benchmarks)"
args=(--out "$BENCH_OUT" --machine "$(bn_machine_json)"
      --command "make bench (BENCH_ROUNDS=$BENCH_ROUNDS BENCH_QUICK=$BENCH_QUICK)")
if [ "${BENCH_DOCS:-1}" = 1 ]; then
	args+=(--png docs/perf-l4.png --docs docs/performance.md)
fi
python3 tests/bench/report.py "${args[@]}"
if [ ${#failed[@]} -gt 0 ]; then
	echo "bench: failed sections: ${failed[*]}" >&2
	exit 1
fi
