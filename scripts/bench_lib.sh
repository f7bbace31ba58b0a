# Shared helpers of the benchmark sections (scripts/bench-*.sh); sourced.
#
# Rules every section follows: namespaces only (names start with slbn and
# carry the shell's PID), every process it starts is tracked by PID and
# killed on exit, every namespace deleted on exit, every run bounded by
# `timeout`. Results are rows appended to $BENCH_OUT/<section>.jsonl, one
# JSON object per line:
#   {"section","contender","measure","param","round","value","unit","method"}
# tests/bench/report.py turns them into results.json, a table and a plot.

BUILD=${BUILD:-build}
BENCH_OUT=${BENCH_OUT:-$BUILD/bench}
BENCH_ROUNDS=${BENCH_ROUNDS:-2}
BENCH_QUICK=${BENCH_QUICK:-0}
mkdir -p "$BENCH_OUT"

bn_pids=()
bn_nss=()
bn_tmps=()

bn_log() { printf '  %s\n' "$*" >&2; }
bn_die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# bn_ns NAME: creates namespace NAME (prefix and $$ added by the caller),
# with lo up; deleted by bn_cleanup.
bn_ns() {
	ip netns add "$1" || bn_die "cannot create namespace $1"
	bn_nss+=("$1")
	ip -n "$1" link set lo up
}

# bn_bg NS CMD...: starts CMD in namespace NS (or on the host if NS is
# "-") in the background, output to a log in the temp dir; tracks its PID
# in bn_pids and leaves it in BN_PID and the log's path in BN_LOG (not in a
# subshell: call it plainly).
bn_bg() {
	local ns=$1 log
	shift
	log=$(mktemp -p "$BN_TMP" bg.XXXXXX.log)
	BN_LOG=$log
	if [ "$ns" = - ]; then
		"$@" >"$log" 2>&1 &
	else
		ip netns exec "$ns" "$@" >"$log" 2>&1 &
	fi
	BN_PID=$!
	bn_pids+=($BN_PID)
}

# bn_kill PID...: ends processes this script started (TERM, then KILL).
bn_kill() {
	local p i
	for p in "$@"; do
		kill "$p" 2>/dev/null || continue
		for i in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	return 0
}

bn_cleanup() {
	local ns
	set +e
	[ ${#bn_pids[@]} -gt 0 ] && bn_kill "${bn_pids[@]}"
	for ns in "${bn_nss[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "${BN_TMP:-}" ] && rm -rf "$BN_TMP"
	[ -n "${BN_SOFTIRQ:-}" ] && rm -rf "$BN_SOFTIRQ"
}

# bn_init SECTION: sets the section name, the temp dir, the EXIT trap.
bn_init() {
	BN_SECTION=$1
	BN_TMP=$(mktemp -d /tmp/slbn-$$.XXXXXX)
	trap bn_cleanup EXIT
	trap 'exit 130' INT TERM
	: >"$BENCH_OUT/$BN_SECTION.jsonl"
}

# bn_row CONTENDER MEASURE PARAM ROUND VALUE UNIT METHOD: appends one row.
bn_row() {
	printf '{"section":"%s","contender":"%s","measure":"%s","param":"%s","round":%s,"value":%s,"unit":"%s","method":"%s"}\n' \
		"$BN_SECTION" "$1" "$2" "$3" "$4" "$5" "$6" "$7" \
		>>"$BENCH_OUT/$BN_SECTION.jsonl"
	bn_log "$1 $2${3:+ $3} r$4: $5 $6"
}

# bn_busy_ns: CPU time spent busy (all CPUs, everything but idle and
# iowait) since boot, in ns, from /proc/stat (USER_HZ ticks).
bn_busy_ns() {
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / {
		b = $2 + $3 + $4 + $7 + $8 + $9
		printf "%.0f\n", b * (1e9 / hz) }' /proc/stat
}

# bn_softirq_ns: CPU time of the network softirqs (NET_RX, NET_TX) of
# all CPUs, in ns: from tests/bench/softirq_ns (tracepoints, exact) once
# bn_softirq_start ran, else /proc/stat's softirq column (all vectors,
# 10 ms ticks).
bn_softirq_ns() {
	if [ -n "${BN_SOFTIRQ:-}" ]; then
		"$BUILD/tests/bench/softirq_ns" read "$BN_SOFTIRQ" && return 0
	fi
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.0f\n", $8 * (1e9 / hz) }' /proc/stat
}

# bn_softirq_start: starts counting network softirq time (pins under
# /sys/fs/bpf/slbn-softirq-$$, removed by bn_cleanup). Returns non-zero
# (and bn_softirq_ns falls back to /proc/stat) where it cannot.
bn_softirq_start() {
	local dir=/sys/fs/bpf/slbn-softirq-$$
	[ -x "$BUILD/tests/bench/softirq_ns" ] || return 1
	"$BUILD/tests/bench/softirq_ns" start "$dir" || { rm -rf "$dir"; return 1; }
	BN_SOFTIRQ=$dir
}

# bn_proc_cpu_ns PID...: user + system CPU time of the processes, in ns.
bn_proc_cpu_ns() {
	local p sum=0 t
	for p in "$@"; do
		# fields 14 and 15 after the "(comm)" that may contain spaces
		t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')
		sum=$((sum + ${t:-0}))
	done
	echo $((sum * 1000000000 / $(getconf CLK_TCK)))
}

# bn_rx_stat NS STAT IFACE...: sum of statistics/STAT (rx_packets,
# rx_bytes, ...) of the interfaces in NS.
bn_rx_stat() {
	local ns=$1 stat=$2 sum=0 n i
	shift 2
	for i in "$@"; do
		n=$(ip netns exec "$ns" cat "/sys/class/net/$i/statistics/$stat")
		sum=$((sum + n))
	done
	echo $sum
}

# bn_machine_json: the machine, as a JSON object.
bn_machine_json() {
	local model
	model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	printf '{"nproc":%s,"cpu":"%s","kernel":"%s","mem_kb":%s,"date":"%s"}\n' \
		"$(nproc)" "$model" "$(uname -r)" \
		"$(awk '/MemTotal/ { print $2 }' /proc/meminfo)" \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}

# bn_dur NORMAL QUICK: a duration in seconds by BENCH_QUICK.
bn_dur() { [ "$BENCH_QUICK" = 1 ] && echo "$2" || echo "$1"; }
