#!/usr/bin/env bash
# make bench: runs every benchmark section (scripts/bench-*.sh) in one run;
# each writes its rows into build/bench/ and its table into
# docs/performance.md. Sections run their comparison peers themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
mkdir -p "$BUILD/bench"
n=0
for s in scripts/bench-*.sh; do
	[ -x "$s" ] || continue
	echo "== $s"
	"$s"
	n=$((n + 1))
done
[ $n -gt 0 ] || { echo "bench: no benchmark sections found" >&2; exit 1; }
