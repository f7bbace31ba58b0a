#!/usr/bin/env bash
# bench-l4: the userspace TCP path of sluiced against HAProxy in mode tcp,
# both sending PROXY v2 to the same nginx backend, in one run.
#   connections/s: wrk, a new connection per request (Connection: close),
#                  a 100-byte object
#   throughput:    wrk, keep-alive, a 16 MiB object
# Client (wrk) and balancer (sluiced or HAProxy, nginx behind on loopback)
# sit in two namespaces joined by a veth pair. sluiced runs one event loop
# (one thread); HAProxy runs once with nbthread 1 and once with its default
# thread count. Runs alternate, ROUNDS times; the median is reported.
# Rows: $BUILD/bench/l4.tsv; table: the bench-l4 block of
# docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
ROUNDS=${ROUNDS:-3}
LOAD0=$(cut -d" " -f1 /proc/loadavg)
SECS=${SECS:-5}
NS_C=sll4bc$$
NS_L=sll4bl$$
DIR=$(mktemp -d /tmp/sll4bench.XXXX)
chmod 755 "$DIR"
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	ip netns del "$NS_C" 2>/dev/null || true
	ip netns del "$NS_L" 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT

for t in wrk nginx haproxy; do
	command -v $t >/dev/null || { echo "bench-l4: $t is missing (make deps)" >&2; exit 1; }
done
[ -x "$BUILD/sluiced" ] || { echo "bench-l4: build sluiced first" >&2; exit 1; }

ip netns add "$NS_C"
ip netns add "$NS_L"
ip -n "$NS_C" link add veth0 type veth peer name veth1 netns "$NS_L"
ip -n "$NS_C" link set lo up
ip -n "$NS_L" link set lo up
ip -n "$NS_C" addr add 10.78.0.2/24 dev veth0
ip -n "$NS_L" addr add 10.78.0.1/24 dev veth1
ip -n "$NS_C" link set veth0 up
ip -n "$NS_L" link set veth1 up
# ~10,000 connections a second per contender, run after run: without
# these, TIME_WAIT exhausts the ephemeral ports (client -> proxy, proxy ->
# nginx) and whichever contender runs next stalls on 1 s SYN retries
# (seen: 1,100 conn/s rounds for sluiced and HAProxy alike). Same for all.
for ns in "$NS_C" "$NS_L"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_tw_reuse=1
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
	ip netns exec "$ns" sysctl -qw net.core.somaxconn=4096
done

mkdir -p "$DIR/www" "$DIR/logs"
head -c 100 /dev/zero | tr '\0' x >"$DIR/www/small"
head -c $((16 << 20)) /dev/zero >"$DIR/www/big"
cat >"$DIR/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/logs/error.log error;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	keepalive_requests 100000;
	server {
		listen 127.0.0.1:20300 proxy_protocol reuseport backlog=4096;
		root $DIR/www;
	}
}
CONF
cat >"$DIR/sluice.yml" <<CONF
entryPoints:
  bench: { address: ":20100" }
tcp:
  routers:
    bench: { entryPoints: [bench], rule: "HostSNI(\`*\`)", service: bench }
  services:
    bench:
      loadBalancer:
        proxyProtocol: { version: 2 }
        servers: [ { address: "127.0.0.1:20300" } ]
CONF
haproxy_cfg() {
	cat <<CONF
global
	maxconn 4000
	$1
defaults
	mode tcp
	option splice-auto
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend bench
	bind :$2
	default_backend nginx
backend nginx
	server s1 127.0.0.1:20300 send-proxy-v2
CONF
}
haproxy_cfg "nbthread 1" 20201 >"$DIR/haproxy1.cfg"
haproxy_cfg "" 20202 >"$DIR/haproxy.cfg"

ip netns exec "$NS_L" nginx -p "$DIR" -c "$DIR/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
ip netns exec "$NS_L" "$BUILD/sluiced" -q -c "$DIR/sluice.yml" \
	-s "$DIR/s.sock" &
PIDS+=($!)
ip netns exec "$NS_L" haproxy -q -f "$DIR/haproxy1.cfg" &
PIDS+=($!)
ip netns exec "$NS_L" haproxy -q -f "$DIR/haproxy.cfg" &
PIDS+=($!)
sleep 1

# wrk_run PORT PATH EXTRA...: prints "requests/s MiB/s"
wrk_run() {
	local port=$1 path=$2
	shift 2
	ip netns exec "$NS_C" timeout $((SECS + 10)) wrk -d "${SECS}s" "$@" \
		"http://10.78.0.1:$port$path" | awk '
		/^Requests\/sec:/ { rps = $2 }
		/^Transfer\/sec:/ {
			v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[A-Za-z]+$/, "", v)
			f = (u == "GB") ? 1024 : (u == "MB") ? 1 : (u == "KB") ? 1 / 1024 : 1 / 1048576
			mb = v * f
		}
		END { printf "%.0f %.1f\n", rps, mb }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A PORT=([sluiced]=20100 [haproxy-1thread]=20201 [haproxy]=20202)
NAMES=(sluiced haproxy-1thread haproxy)
TSV="$BUILD/bench/l4.tsv"
mkdir -p "$BUILD/bench"
: >"$DIR/raw"
for r in $(seq "$ROUNDS"); do
	for n in "${NAMES[@]}"; do
		c=$(wrk_run "${PORT[$n]}" /small -t2 -c64 -H 'Connection: close')
		t=$(wrk_run "${PORT[$n]}" /big -t2 -c8)
		echo "$n ${c% *} ${t#* }" >>"$DIR/raw"
		echo "round $r $n: ${c% *} conn/s, ${t#* } MiB/s"
	done
done

printf 'peer\tconns_per_s\tthroughput_mib_s\n' >"$TSV"
for n in "${NAMES[@]}"; do
	c=$(awk -v n="$n" '$1 == n { print $2 }' "$DIR/raw" | median)
	t=$(awk -v n="$n" '$1 == n { print $3 }' "$DIR/raw" | median)
	printf '%s\t%s\t%s\n' "$n" "$c" "$t" >>"$TSV"
done
column -t "$TSV"

# The table, between markers, in docs/performance.md.
doc=docs/performance.md
block=$DIR/block
{
	echo "<!-- bench-l4 start -->"
	echo "### Userspace TCP proxy vs HAProxy (mode tcp, PROXY v2 to the backend)"
	echo
	echo "\`scripts/bench-l4.sh\`, $(date -u +%Y-%m-%d), $(nproc) CPUs, median of $ROUNDS rounds of ${SECS}s;"
	echo "wrk in a client namespace, proxy and nginx (proxy_protocol) in the balancer namespace."
	echo "sluiced: one event loop, copy then splice(2) for bulk. Load average at start: $LOAD0. HAProxy $(haproxy -v | awk 'NR == 1 { print $3 }'), \`option splice-auto\`."
	echo
	echo "| peer | new connections/s (100 B, Connection: close) | throughput MiB/s (16 MiB objects, keep-alive) |"
	echo "| --- | --- | --- |"
	tail -n +2 "$TSV" | awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }'
	echo "<!-- bench-l4 end -->"
} >"$block"
[ -f "$doc" ] || printf '# Performance\n\n' >"$doc"
if grep -q '<!-- bench-l4 start -->' "$doc"; then
	awk -v blk="$block" '
		/<!-- bench-l4 start -->/ { while ((getline l < blk) > 0) print l; skip = 1; next }
		/<!-- bench-l4 end -->/ { skip = 0; next }
		!skip' "$doc" >"$DIR/doc" && cat "$DIR/doc" >"$doc"
else
	{ echo; cat "$block"; } >>"$doc"
fi
