#!/usr/bin/env bash
# Runs every test suite and ends with exactly one line "N passed, N failed".
#   unit and BPF tests: cmocka binaries under $BUILD/tests/{unit,bpf}, TAP output
#   namespace and CLI tests: tests/{netns,cli}/test-*.sh, one PASS/FAIL/SKIP line each
# TESTS="pattern ..." limits the run to suites whose name contains a pattern.
# V=1 shows every line of output, not only failures.
set -u
BUILD=${BUILD:-build}
export BUILD
cd "$(dirname "$0")/.."
passed=0 failed=0 skipped=0
failures=()

selected() {
	[ -z "${TESTS:-}" ] && return 0
	local t
	for t in $TESTS; do
		case "$1" in *"$t"*) return 0 ;; esac
	done
	return 1
}

# Reads one suite's output on stdin and adds to the counters.
tally() {
	local suite=$1 line
	while IFS= read -r line; do
		case "$line" in
		"ok "*"# SKIP"*|"SKIP "*)
			skipped=$((skipped + 1)); [ "${V:-0}" = 1 ] && echo "  $line" ;;
		"ok "*|"PASS "*)
			passed=$((passed + 1)); [ "${V:-0}" = 1 ] && echo "  $line" ;;
		"not ok "*|"FAIL "*)
			failed=$((failed + 1)); failures+=("$suite: $line"); echo "  $line" ;;
		*)
			[ "${V:-0}" = 1 ] && echo "    $line" ;;
		esac
	done
}

run_suite() {
	local suite=$1; shift
	selected "$suite" || return 0
	echo "== $suite"
	local out rc
	out=$(mktemp)
	CMOCKA_MESSAGE_OUTPUT=TAP timeout 600 "$@" >"$out" 2>&1
	rc=$?
	local before=$failed
	tally "$suite" <"$out"
	if [ $rc -ne 0 ] && [ $failed -eq $before ]; then
		# The suite died without reporting a failing case: count it.
		failed=$((failed + 1)); failures+=("$suite: exit status $rc")
		echo "  FAIL $suite (exit status $rc)"; tail -20 "$out" | sed 's/^/    /'
	elif [ $failed -ne $before ] && [ "${V:-0}" != 1 ]; then
		grep -v -E '^(ok |PASS )' "$out" | tail -40 | sed 's/^/    /'
	fi
	rm -f "$out"
}

for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] && run_suite "unit/$(basename "$t")" "$t"
done
for t in "$BUILD"/tests/bpf/test_*; do
	[ -x "$t" ] && run_suite "bpf/$(basename "$t")" "$t"
done
for t in tests/build/test-*.sh tests/cli/test-*.sh tests/netns/test-*.sh; do
	[ -f "$t" ] && run_suite "${t#tests/}" bash "$t"
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "failures:"
	printf '  %s\n' "${failures[@]}"
fi
if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
