# Shared setup for the l4 namespace tests: a client namespace and a
# balancer namespace joined by a veth pair, sluiced and backends in the
# balancer namespace. Source it; call l4_setup, and trap l4_cleanup EXIT.
#   client: 10.77.0.2, 10.77.0.3, fd77::2, fd77::3
#   lb:     10.77.0.1, fd77::1 (backends listen on its loopback)

L4_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$L4_ROOT/$BUILD" ;; esac
NS_C=sll4c$$
NS_L=sll4l$$
L4_DIR=$(mktemp -d /tmp/sll4.$$.XXXX)
L4_PIDS=()
L4_FAILED=0

l4_cleanup() {
	local p
	for p in "${L4_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${L4_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_L" 2>/dev/null
	rm -rf "$L4_DIR"
}

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; L4_FAILED=1; }
skip() { echo "SKIP $1: $2"; }

in_c() { ip netns exec "$NS_C" "$@"; }
in_l() { ip netns exec "$NS_L" "$@"; }

l4_setup() {
	ip netns add "$NS_C" && ip netns add "$NS_L" || return 1
	ip -n "$NS_C" link add veth0 type veth peer name veth1 netns "$NS_L"
	ip -n "$NS_C" link set lo up
	ip -n "$NS_L" link set lo up
	ip -n "$NS_C" addr add 10.77.0.2/24 dev veth0
	ip -n "$NS_C" addr add 10.77.0.3/24 dev veth0
	ip -n "$NS_C" addr add fd77::2/64 dev veth0 nodad
	ip -n "$NS_C" addr add fd77::3/64 dev veth0 nodad
	ip -n "$NS_L" addr add 10.77.0.1/24 dev veth1
	ip -n "$NS_L" addr add fd77::1/64 dev veth1 nodad
	ip -n "$NS_C" link set veth0 up
	ip -n "$NS_L" link set veth1 up
}

# Starts a backend in the balancer namespace (args of backend.py) and
# waits until it listens.
l4_backend() {
	local out="$L4_DIR/backend.$RANDOM.out" i
	# ip netns exec execs the command: $! is the backend itself (a shell
	# function here would leave $! pointing at a subshell)
	ip netns exec "$NS_L" python3 "$L4_ROOT/tests/l4/backend.py" "$@" \
		>"$out" 2>&1 &
	L4_PIDS+=($!)
	for i in $(seq 50); do
		grep -q ready "$out" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "backend $* did not start: $(cat "$out")" >&2
	return 1
}

# Starts sluiced on config $1 (extra args follow); log in $L4_DIR/sluiced.log.
l4_sluiced() {
	local cfg=$1 i
	shift
	rm -f "$L4_DIR/s.sock"
	ip netns exec "$NS_L" "$BUILD/sluiced" -c "$cfg" -s "$L4_DIR/s.sock" \
		"$@" >"$L4_DIR/sluiced.log" 2>&1 &
	L4_SLUICED=$!
	L4_PIDS+=($L4_SLUICED)
	for i in $(seq 50); do
		[ -S "$L4_DIR/s.sock" ] && return 0
		kill -0 "$L4_SLUICED" 2>/dev/null || break
		sleep 0.1
	done
	echo "sluiced did not start: $(cat "$L4_DIR/sluiced.log")" >&2
	return 1
}

l4_stop_sluiced() {
	kill "$L4_SLUICED" 2>/dev/null
	wait "$L4_SLUICED" 2>/dev/null
}

# ctl CMD [PATH]: a value of sluiced's reply (tests/l4/ctl.py).
ctl() { timeout 10 python3 "$L4_ROOT/tests/l4/ctl.py" "$L4_DIR/s.sock" "$@"; }

client() { timeout 30 ip netns exec "$NS_C" python3 "$L4_ROOT/tests/l4/client.py" "$@"; }

# Waits (bounded) until file $1 exists.
wait_file() {
	local i
	for i in $(seq 50); do
		[ -f "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_ctl PATH VALUE: waits (bounded) until `l4 show` has VALUE at PATH.
wait_ctl() {
	local i
	for i in $(seq 50); do
		[ "$(ctl "l4 show" "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
