# Shell test helpers: one PASS/FAIL/SKIP line per case, non-zero exit when
# any case failed. Source it, call `t_case NAME` before a case's commands
# and `t_pass`/`t_fail WHY` (or `t_expect`) to close it, `t_done` at the end.
T_FAILED=0
T_NAME=

t_case() { T_NAME=$1; }
t_pass() { echo "PASS $T_NAME"; }
t_fail() { echo "FAIL $T_NAME: $*"; T_FAILED=1; }
t_skip() { echo "SKIP $T_NAME: $*"; }
# t_expect DESCRIPTION COMMAND...: passes when COMMAND succeeds.
t_expect() {
	local what=$1; shift
	if "$@"; then t_pass; else t_fail "$what"; fi
}
t_done() { exit $T_FAILED; }

# Waits up to $2 seconds (default 5) for command $1 to succeed.
t_wait() {
	local i n=$(( ${2:-5} * 10 ))
	for ((i = 0; i < n; i++)); do
		eval "$1" && return 0
		sleep 0.1
	done
	return 1
}
