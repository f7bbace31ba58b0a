#!/usr/bin/env bash
# BPF microbenchmark: ns per packet of every path of sluice's XDP program
# next to floor programs, under BPF_PROG_TEST_RUN in a private namespace
# (tests/bench/xdp_env.h says how each method works).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench_lib.sh
bn_init xdp
prog=$BUILD/tests/bench/bench_xdp
[ -x "$prog" ] || bn_die "$prog missing (make tests)"
runs=$(bn_dur 20000 3000)
timeout 300 "$prog" "$((BENCH_ROUNDS + 1))" "$runs" >"$BENCH_OUT/xdp.jsonl"
python3 - "$BENCH_OUT/xdp.jsonl" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    print("  %-36s %-6s r%d %8.1f ns" % (d["contender"], d["param"], d["round"], d["value"]))
PY
