#!/usr/bin/env bash
# L7 benchmark: sluice, HAProxy and nginx as HTTP reverse proxies in front
# of the same nginx backend, in one run, inside a private network namespace
# (its own loopback). wrk drives each proxy with small (6 B) and 64 KiB
# responses, over keep-alive and with a new connection per request, and
# over keep-alive with TLS from the proxy to the backend (the backend's
# self-signed certificate is generated per run in the temp dir; each proxy
# skips verification and keeps its backend TLS connections).
# Every proxy gets one worker thread/process and sends the backend the
# same request (Traefik's X-Forwarded-* headers: checked before the runs);
# "haproxy-nofwd" is HAProxy without them, for reference. Results are
# ratios to HAProxy. Rows go to $BUILD/bench/l7.tsv, the table into
# docs/performance.md between the "bench-l7" markers.
# Each value is the median of ROUNDS runs, the proxies interleaved within
# a round, so a noisy machine skews them alike; each ratio is the median of
# the per-round ratios (tests/bench/report.py l7_table()).
#   DURATION=seconds per run (default 3), ROUNDS (default 3),
#   CONNS=wrk connections (default 50), BENCH_QUICK=1 (DURATION 1 unless
#   given), BENCH_DOCS=0 (leave docs/performance.md alone),
#   BENCH_NS=prefix of the namespace's name (default sll7b)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DURATION=${DURATION:-$([ "${BENCH_QUICK:-0}" = 1 ] && echo 1 || echo 3)}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-50}
for t in wrk haproxy nginx; do
	command -v $t >/dev/null || { echo "bench-l7: $t not installed" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench-l7: needs root (network namespace)" >&2; exit 1; }

NS=${BENCH_NS:-sll7b}-$$
TMP=$(mktemp -d /tmp/sll7b.XXXXXX)
chmod 755 "$TMP"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS"
NX="ip netns exec $NS"
$NX ip link set lo up

mkdir -p "$TMP/www"
printf 'hello\n' >"$TMP/www/small"
head -c 65536 /dev/zero | tr '\0' x >"$TMP/www/big"
# backend certificate: self-signed, per run, deleted with $TMP
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-subj /CN=backend.test -days 1 -keyout "$TMP/be.key" -out "$TMP/be.crt" \
	>/dev/null 2>&1 || { echo "bench-l7: openssl req failed" >&2; exit 1; }

# backend: nginx serving two static files, one worker, and /hdrs, which
# answers the forwarding headers it received (checked below: every proxy
# must send the backend the same request)
FWD_ECHO='host=$http_host xff=$http_x_forwarded_for xfh=$http_x_forwarded_host'
FWD_ECHO+=' xfport=$http_x_forwarded_port xfproto=$http_x_forwarded_proto'
FWD_ECHO+=' xfs=$http_x_forwarded_server xri=$http_x_real_ip'
cat >"$TMP/backend.conf" <<C
worker_processes 1;
daemon off;
pid $TMP/backend.pid;
error_log $TMP/backend.err;
events { worker_connections 8192; }
http {
	access_log off;
	keepalive_requests 10000000;
	server {
		listen 127.0.0.1:19001 backlog=4096;
		root $TMP/www;
		location = /hdrs { return 200 "$FWD_ECHO\n"; }
	}
	server {
		listen 127.0.0.1:19011 ssl backlog=4096;
		ssl_certificate $TMP/be.crt;
		ssl_certificate_key $TMP/be.key;
		root $TMP/www;
		location = /hdrs { return 200 "$FWD_ECHO\n"; }
	}
}
C
# what sluice sends the backend as Traefik does (the Host passed through,
# X-Forwarded-*, X-Real-Ip), in each proxy's words
NG_FWD=$(cat <<'X'
			proxy_set_header Connection "";
			proxy_set_header Host $http_host;
			proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
			proxy_set_header X-Forwarded-Host $http_host;
			proxy_set_header X-Forwarded-Port $server_port;
			proxy_set_header X-Forwarded-Proto $scheme;
			proxy_set_header X-Forwarded-Server $hostname;
			proxy_set_header X-Real-Ip $remote_addr;
X
)
HP_FWD=$(cat <<'X'
	option forwardfor
	http-request set-header X-Forwarded-Host %[req.hdr(host)]
	http-request set-header X-Forwarded-Port %[dst_port]
	http-request set-header X-Forwarded-Proto http
	http-request set-header X-Forwarded-Server %[hostname]
	http-request set-header X-Real-Ip %[src]
X
)
cat >"$TMP/nginx.conf" <<C
worker_processes 1;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx.err;
events { worker_connections 8192; }
http {
	access_log off;
	keepalive_requests 10000000;
	upstream be { server 127.0.0.1:19001; keepalive 128; }
	upstream betls { server 127.0.0.1:19011; keepalive 128; }
	server {
		listen 127.0.0.1:19003 backlog=4096;
		location / {
			proxy_pass http://be;
			proxy_http_version 1.1;
$NG_FWD
			proxy_buffering off;
		}
	}
	server {
		listen 127.0.0.1:19013 backlog=4096;
		location / {
			proxy_pass https://betls;
			proxy_http_version 1.1;
$NG_FWD
			proxy_buffering off;
			proxy_ssl_session_reuse on;
			proxy_ssl_verify off;
		}
	}
}
C
cat >"$TMP/haproxy.cfg" <<C
global
	nbthread 1
	maxconn 8000
defaults
	mode http
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend f
	bind 127.0.0.1:19002 backlog 4096
$HP_FWD
	default_backend b
frontend fbare
	bind 127.0.0.1:19005 backlog 4096
	default_backend b
backend b
	http-reuse always
	server s1 127.0.0.1:19001
frontend ftls
	bind 127.0.0.1:19012 backlog 4096
$HP_FWD
	default_backend btls
frontend ftlsbare
	bind 127.0.0.1:19015 backlog 4096
	default_backend btls
backend btls
	http-reuse always
	server s1 127.0.0.1:19011 ssl verify none
C
cat >"$TMP/sluice.yml" <<C
entryPoints:
  web: {address: "127.0.0.1:19004"}
  webtls: {address: "127.0.0.1:19014"}
http:
  routers:
    all: {rule: "PathPrefix(\`/\`)", service: be, entryPoints: [web]}
    tls: {rule: "PathPrefix(\`/\`)", service: betls, entryPoints: [webtls]}
  serversTransports:
    # an explicit transport keeps 2 idle connections per host (Traefik's
    # default); 200 as the default transport of the plain rows
    skipverify: {insecureSkipVerify: true, maxIdleConnsPerHost: 200}
  services:
    be:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:19001"}]
    betls:
      loadBalancer:
        serversTransport: skipverify
        servers: [{url: "https://127.0.0.1:19011"}]
C

$NX nginx -c "$TMP/backend.conf" & PIDS+=($!)
$NX haproxy -f "$TMP/haproxy.cfg" -db >/dev/null 2>&1 & PIDS+=($!); HAPID=$!
$NX nginx -c "$TMP/nginx.conf" & PIDS+=($!); NGPID=$!
$NX env SLUICE_L7_WORKERS=1 "$BUILD/sluiced" --config "$TMP/sluice.yml" \
	--socket "$TMP/s.sock" --no-dataplane >"$TMP/sluiced.log" 2>&1 & PIDS+=($!); SLPID=$!
for port in 19001 19002 19003 19004 19005 19011 19012 19013 19014 19015; do
	ok=0
	sch=http; [ $port = 19011 ] && sch=https
	for _ in $(seq 50); do
		$NX curl -skf -o /dev/null "$sch://127.0.0.1:$port/small" && { ok=1; break; }
		sleep 0.1
	done
	[ $ok = 1 ] || { echo "bench-l7: port $port did not answer" >&2; exit 1; }
done

# Every proxy must send the backend the same request: Traefik's
# forwarding headers (sluice sends them as Traefik does; HAProxy and nginx
# are configured to). The backend's /hdrs answers what it received; the
# proxy's own port is the only difference allowed. haproxy-nofwd is the
# reference without them.
fwd_of() { # proxy port
	$NX curl -sf "http://127.0.0.1:$1/hdrs" | sed "s/$1/PORT/g"
}
for pair in "19004 19002 19003" "19014 19012 19013"; do
	read -r sl hp ng <<<"$pair"
	want=$(fwd_of "$sl")
	case $want in *xff=127.0.0.1*xfport=PORT*xfproto=http*xri=127.0.0.1*) ;;
	*) echo "bench-l7: sluice on $sl sent unexpected forwarding headers: $want" >&2; exit 1 ;;
	esac
	for p in $hp $ng; do
		got=$(fwd_of "$p")
		[ "$got" = "$want" ] || {
			echo "bench-l7: proxy on $p sends the backend '$got', sluice '$want'" >&2
			exit 1
		}
	done
done

# Peak RSS in KiB of a process and its children (nginx: master +
# worker) since peak_reset (clear_refs 5 sets the peak to the current RSS)
peak_reset() {
	local p
	for p in $1 $(pgrep -P "$1" || true); do
		echo 5 >/proc/$p/clear_refs 2>/dev/null || true
	done
}
peak_rss() {
	local total=0 p
	for p in $1 $(pgrep -P "$1" || true); do
		total=$((total + $(awk '/^VmHWM/ {print $2}' /proc/$p/status 2>/dev/null || echo 0)))
	done
	echo $total
}
# wrk latency to milliseconds
to_ms() {
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 }
		else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 }
		else print v }'
}

LOAD=$(cut -d' ' -f1 /proc/loadavg)
mkdir -p "$BUILD/bench"
OUT=$BUILD/bench/l7.tsv
printf 'scenario\tproxy\tround\treq_s\tp50_ms\tp99_ms\tpeak_rss_kib\n' >"$OUT"
run() { # scenario proxy port path extra-wrk-args...
	local scen=$1 name=$2 port=$3 path=$4 pid
	shift 4
	local w
	case $name in
	sluice) pid=$SLPID ;; haproxy*) pid=$HAPID ;; nginx) pid=$NGPID ;;
	esac
	peak_reset $pid
	w=$($NX wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$@" \
		"http://127.0.0.1:$port$path" 2>&1)
	local rps p50 p99
	rps=$(echo "$w" | awk '/^Requests\/sec/ {print $2}')
	p50=$(to_ms "$(echo "$w" | awk '$1 == "50%" {print $2}')")
	p99=$(to_ms "$(echo "$w" | awk '$1 == "99%" {print $2}')")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scen" "$name" "$round" "$rps" "$p50" \
		"$p99" "$(peak_rss $pid)" >>"$OUT"
}
for round in $(seq "$ROUNDS"); do
	for scen in "small keep-alive|/small|" "64KiB keep-alive|/big|" \
		    "small new conn|/small|close" "64KiB new conn|/big|close" \
		    "small keep-alive, TLS backend|/small||tls" \
		    "64KiB keep-alive, TLS backend|/big||tls"; do
		IFS='|' read -r label path close tls <<<"$scen"
		ports="haproxy:19002 sluice:19004 nginx:19003 haproxy-nofwd:19005"
		[ -n "$tls" ] && ports="haproxy:19012 sluice:19014 nginx:19013 haproxy-nofwd:19015"
		for proxy in $ports; do
			if [ -n "$close" ]; then
				run "$label" "${proxy%%:*}" "${proxy##*:}" "$path" -H 'Connection: close'
			else
				run "$label" "${proxy%%:*}" "${proxy##*:}" "$path"
			fi
		done
	done
done
# values: medians of the rounds; ratios: medians of the per-round ratios
table=$(python3 tests/bench/report.py --l7-table "$OUT")
echo "$table"

[ "${BENCH_DOCS:-1}" = 1 ] || exit 0
DOC=docs/performance.md
section=$(cat <<S
<!-- bench-l7 begin -->
## L7

\`scripts/bench-l7.sh\` ($(date -u +%Y-%m-%d), $(nproc) CPUs, $(uname -r)): sluice,
HAProxy $(haproxy -v 2>/dev/null | awk 'NR==1 {print $3}') and nginx $(nginx -v 2>&1 | sed 's/.*nginx\///')
as reverse proxies to one nginx backend on a namespace's loopback, one
worker each, wrk -t1 -c$CONNS for ${DURATION}s per run, each value the
median of $ROUNDS interleaved rounds, each ratio the median of the per-round
ratios to HAProxy; client, proxy and backend share the machine's CPUs (load
average at the start: $LOAD). Every proxy sends the backend the same
request: the X-Forwarded-For/-Host/-Port/-Proto/-Server and X-Real-Ip
headers sluice adds as Traefik does (HAProxy: \`option forwardfor\` and
\`http-request set-header\`; nginx: \`proxy_set_header\`, Host passed
through), checked through the backend before the runs; "HAProxy, no
X-Forwarded-*" is HAProxy without them (six headers, ~160 bytes more
per request head: its ratio is the price of those headers). "new conn" sends
\`Connection: close\` (a new client connection per request; proxies keep
backend connections). "TLS backend" rows proxy to the same backend over
HTTPS (self-signed P-256 certificate, verification off, backend
connections kept). Peak RSS: the highest resident set of the proxy's
processes during the run (VmHWM, reset before each run through
/proc/PID/clear_refs), the median of the rounds. With a
load average above the CPU count, ratios move by tens of percent between
runs: compare on an idle host.

$table
<!-- bench-l7 end -->
S
)
if [ -f "$DOC" ] && grep -q '<!-- bench-l7 begin -->' "$DOC"; then
	awk -v s="$section" '
		/<!-- bench-l7 begin -->/ { print s; skip = 1; next }
		/<!-- bench-l7 end -->/ { skip = 0; next }
		!skip { print }' "$DOC" >"$DOC.tmp" && mv "$DOC.tmp" "$DOC"
else
	[ -f "$DOC" ] || printf '# Performance\n' >"$DOC"
	printf '\n%s\n' "$section" >>"$DOC"
fi
