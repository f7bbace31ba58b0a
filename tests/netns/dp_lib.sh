# Helpers for the kernel data plane's namespace tests (dp_*), sourced by
# test-dataplane*.sh and scripts/demo-dataplane.sh. Kept apart from
# tests/netns/lib.sh so parallel branches never collide on it.
#
# Topology (all names carry the caller's $DP_ID):
#
#   client ns        balancer ns (sluiced, XDP on lc, lb1..lb3)      backend ns 1..3
#   c0 10.0.1.2  --- lc 10.0.1.1                lb<i> 10.0.1<i>.1 --- b<i> 10.0.1<i>.2
#      fd00:1::2        fd00:1::1                     fd00:1<i>::1       fd00:1<i>::2
#
# VIPs are not assigned to any interface: the client routes them to the
# balancer, whose XDP program is the only thing that answers for them.
#
# Why each peer is set up as it is:
#  - c0 and b<i> have GRO on: frames the balancer XDP_REDIRECTs into lc or
#    lb<i> arrive on these peers, and veth drops redirected XDP frames
#    unless the peer runs an XDP program or has GRO (NAPI) enabled.
#  - c0 and b<i> have tx checksum offload off: locally generated packets
#    would otherwise carry partial checksums, which XDP cannot fix up
#    incrementally (it sees a pseudo-header sum, not a checksum).
#  - the balancer forwards (ip_forward, IPv6 forwarding): bpf_fib_lookup()
#    answers FWD_DISABLED otherwise.
#  - the balancer holds "managed" neighbour entries (the kernel keeps them
#    resolved): sluiced installs those of the backends' next hops, the
#    topology those of the client, because bpf_fib_lookup() needs them to
#    redirect (without one a packet takes the kernel path).

DP_BUILD=${BUILD:-build}
# Debian's python3 (install-deps.sh); a pyenv shim costs seconds per start
DP_PY=/usr/bin/python3
[ -x "$DP_PY" ] || DP_PY=python3
DP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

dp_ns() { echo "sldp-$1-$DP_ID"; }

# One PASS/FAIL line per case. fail sets $failed (the suite's exit code)
# and, with V=1, shows the end of sluiced's log.
failed=0
pass() { echo "PASS $1"; }
fail() {
	echo "FAIL $1: $2"; failed=1
	[ "${V:-0}" = 1 ] && sed 's/^/    sluiced: /' "$DP_TMP/sluiced.log" | tail -30
}

# Runs a command in namespace $1 with the host's mount namespace, so
# /sys/fs/bpf is the real bpffs (ip netns exec remounts /sys).
dp_in() {
	local ns=$1; shift
	nsenter --net="/run/netns/$(dp_ns "$ns")" "$@"
}

# dp_prog_links NAME: how many links (any namespace) run a program
# named NAME (bpftool's view: the kernel's, not our pins')
dp_prog_links() {
	local ids
	ids=$(bpftool -j prog show | jq --arg n "$1" '[.[] | select(.name == $n) | .id]')
	bpftool -j link show | jq --argjson ids "$ids" \
		'[.[] | select(.prog_id as $p | $ids | index($p))] | length'
}

# dp_detach_case NAME PROG BEFORE: stops sluiced, runs sluiced --detach,
# and passes NAME when the pin folder is gone and as many links run PROG
# as BEFORE (dp_prog_links before the suite attached anything).
dp_detach_case() {
	dp_sluiced_stop
	dp_in l "$DP_BUILD/sluiced" --detach -P "$DP_PIN" >>"$DP_TMP/sluiced.log" 2>&1
	if [ ! -e "$DP_PIN" ] && [ "$(dp_prog_links "$2")" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "$2 links: $(dp_prog_links "$2") (before: $3); pins: $(ls "$DP_PIN" 2>&1 | head -2)"
	fi
}

dp_require() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP dataplane: needs root"; exit 0
	fi
	local t
	for t in ip nsenter ethtool jq "$DP_PY"; do
		command -v $t >/dev/null || { echo "SKIP dataplane: $t missing"; exit 0; }
	done
	for t in sluiced sluice; do
		[ -x "$DP_BUILD/$t" ] || { echo "SKIP dataplane: $DP_BUILD/$t not built"; exit 0; }
	done
}

dp_topology() {
	local i n
	for n in c l b1 b2 b3; do
		ip netns add "$(dp_ns $n)" || return 1
		ip -n "$(dp_ns $n)" link set lo up
	done
	ip -n "$(dp_ns l)" link add lc type veth peer name c0 netns "$(dp_ns c)"
	ip -n "$(dp_ns l)" addr add 10.0.1.1/24 dev lc
	ip -n "$(dp_ns l)" addr add fd00:1::1/64 dev lc nodad
	ip -n "$(dp_ns c)" addr add 10.0.1.2/24 dev c0
	ip -n "$(dp_ns c)" addr add fd00:1::2/64 dev c0 nodad
	ip -n "$(dp_ns l)" link set lc up
	ip -n "$(dp_ns c)" link set c0 up
	ip -n "$(dp_ns c)" route add 10.0.0.0/24 via 10.0.1.1
	ip -n "$(dp_ns c)" route add fd00:a::/64 via fd00:1::1
	dp_in c ethtool -K c0 tx off gro on >/dev/null
	for i in 1 2 3; do
		ip -n "$(dp_ns l)" link add lb$i type veth peer name b$i netns "$(dp_ns b$i)"
		ip -n "$(dp_ns l)" addr add 10.0.1$i.1/24 dev lb$i
		ip -n "$(dp_ns l)" addr add fd00:1$i::1/64 dev lb$i nodad
		ip -n "$(dp_ns b$i)" addr add 10.0.1$i.2/24 dev b$i
		ip -n "$(dp_ns b$i)" addr add fd00:1$i::2/64 dev b$i nodad
		ip -n "$(dp_ns l)" link set lb$i up
		ip -n "$(dp_ns b$i)" link set b$i up
		ip -n "$(dp_ns b$i)" route add default via 10.0.1$i.1
		ip -n "$(dp_ns b$i)" -6 route add default via fd00:1$i::1
		dp_in b$i ethtool -K b$i tx off gro on >/dev/null
	done
	dp_in l sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# The client's entries (sluiced manages the backends' next hops
	# itself): managed, so the kernel keeps them resolved.
	ip -n "$(dp_ns l)" neigh replace 10.0.1.2 dev lc managed
	ip -n "$(dp_ns l)" neigh replace fd00:1::2 dev lc managed
	for i in $(seq 30); do
		[ "$(ip -n "$(dp_ns l)" neigh show dev lc | grep -c lladdr)" -ge 2 ] &&
			return 0
		sleep 0.1
	done
	return 1
}

# Starts a backend named be<i> in backend namespace i (TCP 8080, UDP 5353).
dp_backends() {
	local i
	for i in 1 2 3; do
		# not through dp_in: $! must be the server itself, not a subshell
		nsenter --net="/run/netns/$(dp_ns b$i)" \
			"$DP_PY" "$DP_ROOT/tests/netns/dp_backend.py" be$i 8080 5353 &
		DP_PIDS+=($!)
	done
}

# dp_sluiced CONFIG: starts sluiced in the balancer namespace and waits
# for its control socket. Sets DP_SLUICED.
dp_sluiced() {
	nsenter --net="/run/netns/$(dp_ns l)" "$DP_BUILD/sluiced" -c "$1" \
		-s "$DP_TMP/sock" -P "$DP_PIN" >>"$DP_TMP/sluiced.log" 2>&1 &
	DP_SLUICED=$!
	local i
	for i in $(seq 50); do
		dp_sluice daemon status >/dev/null 2>&1 && return 0
		kill -0 $DP_SLUICED 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# dp_sluiced_up NAME CONFIG: dp_sluiced, then the suite ends: FAIL
# NAME_start when sluiced does not come up, SKIP when its data plane is
# off here.
dp_sluiced_up() {
	if ! dp_sluiced "$2"; then
		echo "FAIL $1_start: $(tail -5 "$DP_TMP/sluiced.log" | tr '\n' ' ')"
		exit 1
	fi
	if ! dp_sluice daemon status | grep -q "dataplane *attached"; then
		echo "SKIP $1: no data plane here"
		exit 0
	fi
}

dp_sluiced_stop() {
	[ -n "${DP_SLUICED:-}" ] || return 0
	kill "$DP_SLUICED" 2>/dev/null
	wait "$DP_SLUICED" 2>/dev/null
	DP_SLUICED=
}

dp_sluice() {
	dp_in l "$DP_BUILD/sluice" -s "$DP_TMP/sock" -P "$DP_PIN" "$@"
}

dp_client() {
	dp_in c timeout 60 "$DP_PY" "$DP_ROOT/tests/netns/dp_client.py" "$@"
}

dp_cleanup() {
	local p n
	dp_sluiced_stop
	for p in "${DP_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -x "$DP_BUILD/sluiced" ] && [ -n "${DP_PIN:-}" ] &&
		dp_in l "$DP_BUILD/sluiced" --detach -P "$DP_PIN" >/dev/null 2>&1
	for n in c l b1 b2 b3; do
		ip netns del "$(dp_ns $n)" 2>/dev/null
	done
	[ -n "${DP_PIN:-}" ] && rm -rf "$DP_PIN"
	[ -n "${DP_TMP:-}" ] && rm -rf "$DP_TMP"
}

dp_init() {
	DP_ID=$$
	DP_PIN=/sys/fs/bpf/sldp-$DP_ID
	DP_TMP=$(mktemp -d "/tmp/sldp-$DP_ID.XXXXXX")
	DP_PIDS=()
	DP_SLUICED=
}
