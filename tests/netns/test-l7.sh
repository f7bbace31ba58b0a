#!/usr/bin/env bash
# The L7 HTTP proxy end to end, inside a private network namespace (its own
# loopback, so fixed ports never collide): real Python HTTP/1.1 backends
# (tests/l7/backend.py records what it received), TLS backends with a
# throw-away PKI, curl and raw sockets as clients, sluiced as the proxy.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/check.sh
B=${BUILD:-build}
L7=tests/l7
# the distribution's interpreter: version managers' shims start slowly
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP l7: needs root for a network namespace"
	exit 0
fi

NS=sll7-$$
TMP=$(mktemp -d /tmp/sll7.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

NX="ip netns exec $NS"
ip netns add "$NS"
$NX ip link set lo up
# 10.99.0.2 is a black hole: a permanent neighbour entry sends its SYNs to
# a veth peer that has no address and drops them, so a connect there never
# completes (dial timeout).
$NX ip link add bh0 type veth peer name bh1
$NX ip addr add 10.99.0.1/24 dev bh0
$NX ip link set bh0 up
$NX ip link set bh1 up
$NX ip neigh add 10.99.0.2 lladdr 02:00:00:00:00:99 dev bh0 nud permanent

bash $L7/tls/gen-certs.sh "$TMP/pki"
P=$TMP/pki
backend() { $NX $PY $L7/backend.py "$@" 2>>"$TMP/backends.log" & PIDS+=($!); }
conns() { c "http://127.0.0.1:$1/_conns" | jq .conns; }
backend a 18101
backend b 18102
backend c 18103
backend d 18108
backend tls 18104 --tls "$P/server.crt" "$P/server.key"
backend mtls 18105 --tls "$P/server.crt" "$P/server.key" --ca "$P/ca.crt"

write_config() { # $1: port of the reload service's server
cat >"$TMP/c.yml" <<Y
entryPoints:
  web: {address: "127.0.0.1:18100"}
  trusted:
    address: "127.0.0.1:18106"
    forwardedHeaders: {insecure: true}
  metrics: {address: "127.0.0.1:18107"}
  late: {address: "127.0.0.1:18110"}
  dual: {address: ":18111"}
metrics:
  prometheus: {entryPoint: metrics}
accessLog:
  filePath: "$TMP/access.log"
http:
  routers:
    rr: {rule: "Host(\`rr.test\`)", service: rr, entryPoints: [web]}
    w: {rule: "Host(\`w.test\`)", service: w, entryPoints: [web]}
    hdr: {rule: "Host(\`hdr.test\`)", service: hdr, entryPoints: [web]}
    tr: {rule: "Host(\`hdr.test\`)", service: hdr, entryPoints: [trusted]}
    nopass: {rule: "Host(\`nopass.test\`)", service: nopass, entryPoints: [web]}
    refused: {rule: "Host(\`refused.test\`)", service: refused, entryPoints: [web]}
    bh: {rule: "Host(\`bh.test\`)", service: bh, entryPoints: [web]}
    rht: {rule: "Host(\`rht.test\`)", service: rht, entryPoints: [web]}
    empty: {rule: "Host(\`empty.test\`)", service: empty, entryPoints: [web]}
    pool: {rule: "Host(\`pool.test\`)", service: pool, entryPoints: [web]}
    nopool: {rule: "Host(\`nopool.test\`)", service: nopool, entryPoints: [web]}
    reload: {rule: "Host(\`reload.test\`)", service: rl, entryPoints: [web]}
    api: {rule: "Host(\`prio.test\`) && PathPrefix(\`/api\`)", service: rl, entryPoints: [web]}
    catch: {rule: "Host(\`prio.test\`)", service: hdr, entryPoints: [web]}
    dual: {rule: "PathPrefix(\`/\`)", service: hdr, entryPoints: [dual]}
    hc: {rule: "Host(\`hc.test\`)", service: hc, entryPoints: [web]}
$([ "$1" = 18102 ] && echo '    late: {rule: "PathPrefix(`/`)", service: hdr, entryPoints: [late]}')
    tlsok: {rule: "Host(\`ok.tls\`)", service: tlsok, entryPoints: [web]}
    tlswrongca: {rule: "Host(\`wrongca.tls\`)", service: tlswrongca, entryPoints: [web]}
    tlswrongname: {rule: "Host(\`wrongname.tls\`)", service: tlswrongname, entryPoints: [web]}
    tlsnocert: {rule: "Host(\`nocert.tls\`)", service: tlsnocert, entryPoints: [web]}
    tlsmtls: {rule: "Host(\`mtls.tls\`)", service: tlsmtls, entryPoints: [web]}
    tlsuriok: {rule: "Host(\`uriok.tls\`)", service: tlsuriok, entryPoints: [web]}
    tlsuribad: {rule: "Host(\`uribad.tls\`)", service: tlsuribad, entryPoints: [web]}
  serversTransports:
    short:
      forwardingTimeouts: {dialTimeout: 300ms, responseHeaderTimeout: 300ms}
    noreuse: {maxIdleConnsPerHost: -1}
    ca: {rootCAs: ["$P/ca.crt"]}
    wrongca: {rootCAs: ["$P/wrongca.crt"]}
    wrongname: {rootCAs: ["$P/ca.crt"], serverName: other.test}
    mtls:
      rootCAs: ["$P/ca.crt"]
      certificates: [{certFile: "$P/client.crt", keyFile: "$P/client.key"}]
    uriok:
      insecureSkipVerify: true
      rootCAs: ["$P/ca.crt"]
      peerCertURI: "spiffe://any.domain/ns/default/sa/backend"
    uribad:
      insecureSkipVerify: true
      rootCAs: ["$P/ca.crt"]
      peerCertURI: "spiffe://example.org/ns/other/sa/backend"
  services:
    rr:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:18101"}, {url: "http://127.0.0.1:18102"}]
    w:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:18101", weight: 3}, {url: "http://127.0.0.1:18102", weight: 1}]
    hdr: {loadBalancer: {servers: [{url: "http://127.0.0.1:18101/ignored/path"}]}}
    nopass: {loadBalancer: {passHostHeader: false, servers: [{url: "http://127.0.0.1:18101"}]}}
    refused: {loadBalancer: {servers: [{url: "http://127.0.0.1:18109"}]}}
    bh: {loadBalancer: {serversTransport: short, servers: [{url: "http://10.99.0.2:80"}]}}
    rht: {loadBalancer: {serversTransport: short, servers: [{url: "http://127.0.0.1:18101"}]}}
    empty: {loadBalancer: {servers: [{url: "http://127.0.0.1:18101", weight: 0}]}}
    pool: {loadBalancer: {servers: [{url: "http://127.0.0.1:18103"}]}}
    nopool: {loadBalancer: {serversTransport: noreuse, servers: [{url: "http://127.0.0.1:18108"}]}}
    rl: {loadBalancer: {servers: [{url: "http://127.0.0.1:$1"}]}}
    hc:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:18101"}, {url: "http://127.0.0.1:18109"}]
        healthCheck: {path: /health, interval: 500ms, timeout: 1s}
    tlsok: {loadBalancer: {serversTransport: ca, servers: [{url: "https://127.0.0.1:18104"}]}}
    tlswrongca: {loadBalancer: {serversTransport: wrongca, servers: [{url: "https://127.0.0.1:18104"}]}}
    tlswrongname: {loadBalancer: {serversTransport: wrongname, servers: [{url: "https://127.0.0.1:18104"}]}}
    tlsnocert: {loadBalancer: {serversTransport: ca, servers: [{url: "https://127.0.0.1:18105"}]}}
    tlsmtls: {loadBalancer: {serversTransport: mtls, servers: [{url: "https://127.0.0.1:18105"}]}}
    tlsuriok: {loadBalancer: {serversTransport: uriok, servers: [{url: "https://127.0.0.1:18104"}]}}
    tlsuribad: {loadBalancer: {serversTransport: uribad, servers: [{url: "https://127.0.0.1:18104"}]}}
Y
}
write_config 18101

for port in 18101 18102 18103 18108; do
	t_wait "$NX curl -s -o /dev/null http://127.0.0.1:$port/_conns" 10 ||
		{ echo "FAIL l7_setup: backend $port did not start"; exit 1; }
done
for port in 18104 18105; do
	t_wait "$NX bash -c 'echo > /dev/tcp/127.0.0.1/$port' 2>/dev/null" 10 ||
		{ echo "FAIL l7_setup: TLS backend $port did not start"; exit 1; }
done

$NX env SLUICE_L7_WORKERS=${L7_WORKERS:-1} SLUICE_L7_READ_TIMEOUT_MS=500 SLUICE_L7_IDLE_TIMEOUT_MS=4000 \
	${SLUICED_WRAP:-} $B/sluiced --config "$TMP/c.yml" --socket "$TMP/s.sock" --no-dataplane \
	>"$TMP/sluiced.log" 2>&1 &
SPID=$!
PIDS+=($SPID)
if ! t_wait "$NX curl -s -o /dev/null http://127.0.0.1:18100/" 10; then
	echo "FAIL l7_setup: sluiced did not listen"; cat "$TMP/sluiced.log"; exit 1
fi

WEB=http://127.0.0.1:18100
c() { $NX timeout 10 curl -s -m 8 "$@"; }
raw() { $NX timeout 10 $PY $L7/raw.py 127.0.0.1 18100 "${RAW_T:-3}"; }
# the backend's view of one request: header NAME
hdr() { jq -r --arg n "$1" '[.headers[] | select(.[0] | ascii_downcase == ($n | ascii_downcase)) | .[1]] | join("|")'; }

t_case l7_unused_entrypoint_not_listening
c -o /dev/null http://127.0.0.1:18110/; rc=$?
[ $rc -eq 7 ] && t_pass || t_fail "curl exit $rc, want 7 (refused)"

t_case l7_round_robin_equal_weights
out=$(for i in $(seq 8); do c -H 'Host: rr.test' $WEB/ | jq -r .name; done | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
[ "$out" = " 4 a  4 b " ] && t_pass || t_fail "got $out"

t_case l7_weighted_3_to_1
out=$(for i in $(seq 8); do c -H 'Host: w.test' $WEB/ | jq -r .name; done | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
[ "$out" = " 6 a  2 b " ] && t_pass || t_fail "got $out"

t_case l7_forwarded_headers_untrusted
j=$(c -H 'Host: hdr.test' -H 'X-Forwarded-For: 6.6.6.6' -H 'X-Real-Ip: 6.6.6.6' \
	-H 'X_Forwarded_Host: evil' -H 'X-Forwarded-Proto: https' "$WEB/p/a?q=1;r=2")
want="hdr.test|127.0.0.1|hdr.test|80|http|$(hostname)|127.0.0.1||/p/a?q=1&r=2"
got="$(echo "$j" | hdr host)|$(echo "$j" | hdr x-forwarded-for)|$(echo "$j" | hdr x-forwarded-host)|$(echo "$j" | hdr x-forwarded-port)|$(echo "$j" | hdr x-forwarded-proto)|$(echo "$j" | hdr x-forwarded-server)|$(echo "$j" | hdr x-real-ip)|$(echo "$j" | hdr x_forwarded_host)|$(echo "$j" | jq -r .path)"
[ "$got" = "$want" ] && t_pass || t_fail "got $got want $want"

t_case l7_forwarded_headers_trusted_entrypoint
j=$(c -H 'Host: hdr.test:8443' -H 'X-Forwarded-For: 6.6.6.6' -H 'X-Real-Ip: 6.6.6.6' http://127.0.0.1:18106/)
got="$(echo "$j" | hdr x-forwarded-for)|$(echo "$j" | hdr x-real-ip)|$(echo "$j" | hdr x-forwarded-port)"
[ "$got" = "6.6.6.6, 127.0.0.1|6.6.6.6|8443" ] && t_pass || t_fail "got $got"

t_case l7_dual_stack_entrypoint
if $NX ip -6 addr show dev lo | grep -q '::1'; then
	a=$(c http://127.0.0.1:18111/ | hdr x-real-ip)
	b=$(c 'http://[::1]:18111/' | hdr x-real-ip)
	[ "$a|$b" = "127.0.0.1|::1" ] && t_pass || t_fail "got $a|$b"
else
	t_skip "no IPv6 on the namespace's loopback"
fi

t_case l7_hop_by_hop_removed
j=$(c -H 'Host: hdr.test' -H 'Connection: X-Hop' -H 'X-Hop: 1' -H 'Keep-Alive: timeout=5' \
	-H 'Proxy-Authorization: x' -H 'X-Keep: yes' $WEB/)
got="$(echo "$j" | hdr x-hop)|$(echo "$j" | hdr keep-alive)|$(echo "$j" | hdr proxy-authorization)|$(echo "$j" | hdr connection)|$(echo "$j" | hdr x-keep)"
[ "$got" = "||||yes" ] && t_pass || t_fail "got $got"

t_case l7_pass_host_header_false
got=$(c -H 'Host: nopass.test' $WEB/ | hdr host)
[ "$got" = "127.0.0.1:18101" ] && t_pass || t_fail "got $got"

t_case l7_router_priority_and_404
a=$(c -H 'Host: prio.test' $WEB/api/x | jq -r .name)
b=$(c -H 'Host: prio.test' $WEB/other | jq -r .name)
nf=$(c -D - -H 'Host: none.test' $WEB/ | tr -d '\r')
if [ "$a|$b" = "a|a" ] && echo "$nf" | grep -q '^HTTP/1.1 404' &&
   [ "$(echo "$nf" | tail -1)" = "404 page not found" ] &&
   echo "$nf" | grep -qi '^X-Content-Type-Options: nosniff'; then t_pass; else t_fail "got $a $b $nf"; fi

# error mapping: status and body, as Traefik's ErrorHandler
err_case() { # name host path want-status want-body
	t_case "$1"
	local out code body
	out=$(c -w '\n%{http_code}' -H "Host: $2" "$WEB$3")
	code=$(echo "$out" | tail -1)
	body=$(echo "$out" | head -n -1)
	[ "$code|$body" = "$4|$5" ] && t_pass || t_fail "got $code [$body]"
}
err_case l7_error_refused_502 refused.test / 502 "Bad Gateway"
err_case l7_error_dial_timeout_504 bh.test / 504 "Gateway Timeout"
err_case l7_error_response_header_timeout_504 rht.test "/slow?ms=1500" 504 "Gateway Timeout"
err_case l7_error_backend_closes_before_response_502 hdr.test /close-early 502 "Bad Gateway"
err_case l7_error_empty_pool_503 empty.test / 503 "no available server"

t_case l7_error_backend_closes_mid_response
c -o /dev/null -H 'Host: hdr.test' $WEB/close-mid; rc=$?
[ $rc -eq 18 ] && t_pass || t_fail "curl exit $rc, want 18 (truncated body)"

t_case l7_error_client_leaves_499
$NX timeout 5 curl -s -m 0.5 -H 'Host: hdr.test' "$WEB/slow?ms=1500" >/dev/null
if t_wait "grep -q '\"GET /slow?ms=1500 HTTP/1.1\" 499 ' '$TMP/access.log'" 5; then t_pass; else t_fail "no 499 line: $(tail -2 "$TMP/access.log")"; fi

tls_case() { # name host want-status
	t_case "$1"
	local code
	code=$(c -o "$TMP/tls.out" -w '%{http_code}' -H "Host: $2" $WEB/t)
	if [ "$code" = "$3" ] && { [ "$3" != 200 ] || jq -e '.name' "$TMP/tls.out" >/dev/null; }; then
		t_pass; else t_fail "got $code $(head -c 100 "$TMP/tls.out")"; fi
}
tls_case l7_tls_verified 'ok.tls' 200
tls_case l7_tls_wrong_ca_500 'wrongca.tls' 500
tls_case l7_tls_wrong_server_name_500 'wrongname.tls' 500
tls_case l7_tls_missing_client_cert_502 'nocert.tls' 502
tls_case l7_tls_client_cert_mtls 'mtls.tls' 200
tls_case l7_tls_peer_cert_uri_match 'uriok.tls' 200
tls_case l7_tls_peer_cert_uri_mismatch_500 'uribad.tls' 500

# Each /_conns query is itself one direct connection. Idle pools are per
# worker thread, so these counts assume L7_WORKERS=1 (the default here).
t_case l7_tls_pool_reuses_backend_connection
n0=$(c -k https://127.0.0.1:18104/_conns | jq .conns)
for i in $(seq 3); do c -o /dev/null -H 'Host: ok.tls' $WEB/x; done
n=$(( $(c -k https://127.0.0.1:18104/_conns | jq .conns) - n0 - 1 ))
[ "$n" = 0 ] && t_pass || t_fail "proxy opened $n new TLS connections for 3 requests, want 0 (pooled from the earlier case)"

t_case l7_health_down_server_skipped
# 18109 refuses connections: once the checker marks it down, every request
# goes to the healthy server (without health, every other one would be 502)
if t_wait "[ \"\$($B/sluice -s $TMP/s.sock -j health show | jq -r '.[\"hc@file\"][\"http://127.0.0.1:18109\"].status')\" = down ]" 10; then
	out=$(for i in $(seq 6); do c -w ' %{http_code}\n' -o /dev/null -H 'Host: hc.test' $WEB/; done | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
	[ "$out" = " 6 200 " ] && t_pass || t_fail "got $out"
else
	t_fail "the health checker never marked 127.0.0.1:18109 down: $($B/sluice -s $TMP/s.sock -j health show 2>&1 | head -c 300)"
fi

t_case l7_pool_reuses_backend_connection
n0=$(conns 18103)
for i in $(seq 5); do c -o /dev/null -H 'Host: pool.test' $WEB/x; done
n=$(( $(conns 18103) - n0 - 1 ))
[ "$n" = 1 ] && t_pass || t_fail "proxy opened $n connections for 5 requests, want 1"

# A client that leaves before the response does not cost the backend
# connection: the proxy reads the rest of the response and pools it (the
# slow response ends 600 ms after the request; the next request comes well
# after that).
t_case l7_pool_keeps_connection_when_client_leaves
n0=$(conns 18103)
$NX timeout 5 curl -s -m 0.2 -H 'Host: pool.test' "$WEB/slow?ms=600" >/dev/null
sleep 1.5
c -o /dev/null -H 'Host: pool.test' $WEB/x
n=$(( $(conns 18103) - n0 - 1 ))
[ "$n" = 0 ] && t_pass || t_fail "proxy opened $n connections after a client left, want 0 (the drained one reused)"

t_case l7_tls_pool_keeps_connection_when_client_leaves
n0=$(c -k https://127.0.0.1:18104/_conns | jq .conns)
$NX timeout 5 curl -s -m 0.2 -H 'Host: ok.tls' "$WEB/slow?ms=600" >/dev/null
sleep 1.5
c -o /dev/null -H 'Host: ok.tls' $WEB/x
n=$(( $(c -k https://127.0.0.1:18104/_conns | jq .conns) - n0 - 1 ))
[ "$n" = 0 ] && t_pass || t_fail "proxy opened $n TLS connections (handshakes) after a client left, want 0"

t_case l7_pool_disabled_with_negative_max_idle
n0=$(conns 18108)
for i in $(seq 5); do c -o /dev/null -H 'Host: nopool.test' $WEB/x; done
n=$(( $(conns 18108) - n0 - 1 ))
[ "$n" = 5 ] && t_pass || t_fail "proxy opened $n connections for 5 requests, want 5"

limit_case() { # name want-status-line (request on stdin)
	t_case "$1"
	local first
	first=$(raw | head -1 | tr -d '\r')
	[ "$first" = "$2" ] && t_pass || t_fail "got [$first]"
}
printf 'POST / HTTP/1.1\r\nHost: hdr.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' |
	limit_case l7_smuggling_cl_and_te_400 "HTTP/1.1 400 Bad Request"
printf 'POST / HTTP/1.1\r\nHost: hdr.test\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc' |
	limit_case l7_smuggling_duplicate_cl_400 "HTTP/1.1 400 Bad Request"
printf 'POST / HTTP/1.1\r\nHost: hdr.test\r\nContent-Length: 3, 3\r\n\r\nabc' |
	limit_case l7_smuggling_invalid_cl_400 "HTTP/1.1 400 Bad Request"
printf 'GET / HTTP/1.1\r\nHost: hdr.test\r\nX-A: a\r\n folded\r\n\r\n' |
	limit_case l7_smuggling_obs_fold_400 "HTTP/1.1 400 Bad Request"
printf 'GET / HTTP/1.1\r\nX-A: a\r\n\r\n' |
	limit_case l7_missing_host_400 "HTTP/1.1 400 Bad Request"
{ printf 'GET /'; head -c 20000 /dev/zero | tr '\0' a; printf ' HTTP/1.1\r\nHost: hdr.test\r\n\r\n'; } |
	limit_case l7_limit_request_line_414 "HTTP/1.1 414 Request URI Too Long"
{ printf 'GET / HTTP/1.1\r\nHost: hdr.test\r\nX-Big: '; head -c 70000 /dev/zero | tr '\0' a; printf '\r\n\r\n'; } |
	limit_case l7_limit_header_size_431 "HTTP/1.1 431 Request Header Fields Too Large"
{ printf 'GET / HTTP/1.1\r\nHost: hdr.test\r\n'; for i in $(seq 120); do printf 'X-H%d: v\r\n' "$i"; done; printf '\r\n'; } |
	limit_case l7_limit_header_count_431 "HTTP/1.1 431 Request Header Fields Too Large"
printf 'GET / HTTP/1.1\r\nHost: hdr.test\r\nX-Slow: 1\r\n' |
	RAW_T=3 limit_case l7_limit_header_timeout_408 "HTTP/1.1 408 Request Timeout"

printf 'POST / HTTP/1.1\r\nHost: hdr.test\r\nContent-Length: 10\r\n\r\nabc' |
	RAW_T=3 limit_case l7_limit_body_read_timeout_408 "HTTP/1.1 408 Request Timeout"

t_case l7_idle_keepalive_closed
out=$(printf 'GET /idle HTTP/1.1\r\nHost: hdr.test\r\n\r\n' | RAW_EOF=1 RAW_T=7 raw | tr -d '\r')
echo "$out" | grep -q '^HTTP/1.1 200' && echo "$out" | grep -q '@@EOF@@$' && t_pass || t_fail "got $out"

t_case l7_keepalive_pipelining_in_order
out=$(printf 'GET /p1 HTTP/1.1\r\nHost: hdr.test\r\n\r\nPOST /p2 HTTP/1.1\r\nHost: hdr.test\r\nContent-Length: 4\r\n\r\nbodyGET /p3 HTTP/1.1\r\nHost: hdr.test\r\nConnection: close\r\n\r\n' |
	raw | grep -aoE '"path": "[^"]*"|"body_len": [0-9]+' | tr '\n' ' ')
[ "$out" = '"path": "/p1" "body_len": 0 "path": "/p2" "body_len": 4 "path": "/p3" "body_len": 0 ' ] && t_pass || t_fail "got $out"

t_case l7_pipelined_error_between_responses_in_order
# a 404 written by the proxy itself between two proxied responses of one
# read: the first response (held for the end of the loop pass) goes out
# before it, the third after
out=$(printf 'GET /q1 HTTP/1.1\r\nHost: hdr.test\r\n\r\nGET /q2 HTTP/1.1\r\nHost: nobody.test\r\n\r\nGET /q3 HTTP/1.1\r\nHost: hdr.test\r\nConnection: close\r\n\r\n' |
	raw | tr -d "\r" | grep -aoE "HTTP/1.1 [0-9]+|\"path\": \"[^\"]*\"" | tr "\n" " ")
[ "$out" = 'HTTP/1.1 200 "path": "/q1" HTTP/1.1 404 HTTP/1.1 200 "path": "/q3" ' ] && t_pass || t_fail "got $out"

t_case l7_pipelined_close_slow_reader_gets_all
# eight 60000-byte responses (each small enough to be held for the end of
# the loop pass) to a client that reads only after 1.5 s: the client
# socket backs up, and the connection closes only after the last byte
out=$({ for i in 1 2 3 4 5 6 7; do printf 'GET /big?n=60000 HTTP/1.1\r\nHost: hdr.test\r\n\r\n'; done
	printf 'GET /big?n=60000 HTTP/1.1\r\nHost: hdr.test\r\nConnection: close\r\n\r\n'; } |
	RAW_RDELAY=1500 RAW_EOF=1 RAW_T=6 raw | tr -d '\r')
n200=$(echo "$out" | grep -o "HTTP/1.1 200" | wc -l)
nx=$(echo "$out" | tr -cd x | wc -c)
[ "$n200|$nx|${out: -7}" = "8|480000|@@EOF@@" ] && t_pass || t_fail "got $n200 responses, $nx body bytes, end ${out: -7}"

t_case l7_request_head_in_segments
# the head arrives in three writes 200 ms apart, split inside a header
# name and between the two CRLFs that end it
out=$(printf 'GET /seg HTTP/1.1\r\nHo@@PAUSE@@st: hdr.test\r\nConnection: close\r\n@@PAUSE@@\r\n' |
	RAW_SLEEP=200 raw | tr -d "\r" | grep -aoE "HTTP/1.1 [0-9]+|\"path\": \"[^\"]*\"" | tr "\n" " ")
[ "$out" = 'HTTP/1.1 200 "path": "/seg" ' ] && t_pass || t_fail "got $out"

t_case l7_head_then_http10_close
out=$(printf 'HEAD /big?n=500 HTTP/1.1\r\nHost: hdr.test\r\n\r\nGET /p2 HTTP/1.0\r\nHost: hdr.test\r\n\r\n' | raw | tr -d '\r')
if [ "$(echo "$out" | grep -c '^HTTP/1.1 200 OK')" = 2 ] && echo "$out" | grep -q '^Content-Length: 500' &&
   ! echo "$out" | grep -q xxxxx && echo "$out" | grep -q '"path": "/p2"' &&
   echo "$out" | grep -q '^Connection: close'; then t_pass; else t_fail "got $out"; fi

t_case l7_streams_chunked_request_body
head -c 300000 /dev/urandom >"$TMP/body"
n=$(c -H 'Host: hdr.test' -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/body" $WEB/up | jq .body_len)
[ "$n" = 300000 ] && t_pass || t_fail "backend got $n bytes"

t_case l7_streams_large_and_chunked_responses
a=$(c -o /dev/null -w '%{size_download}' -H 'Host: hdr.test' "$WEB/big?n=3000000")
b=$(c -o /dev/null -w '%{size_download}' -H 'Host: hdr.test' "$WEB/chunked?n=1000&k=70")
[ "$a|$b" = "3000000|70000" ] && t_pass || t_fail "got $a|$b"

t_case l7_websocket_upgrade_tunnel
out=$(printf 'GET /ws HTTP/1.1\r\nHost: hdr.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\n\r\n@@PAUSE@@hello tunnel' |
	RAW_SLEEP=300 RAW_T=2 raw | tr -d '\r')
echo "$out" | grep -q '^HTTP/1.1 101' && echo "$out" | grep -q 'HELLO TUNNEL' && t_pass || t_fail "got $out"

t_case l7_event_stream_flushed_before_end
# the backend holds the stream open 3s after the first event
out=$($NX timeout 2 curl -s -N -H 'Host: hdr.test' $WEB/sse)
[ "$(echo "$out" | head -1)" = "data: first" ] && t_pass || t_fail "got [$out]"

t_case l7_metrics_prometheus_endpoint
out=$(c http://127.0.0.1:18107/metrics)
echo "$out" | grep -q '^sluice_service_requests_total{service="rr@file",code_class="2xx"} [1-9]' &&
	echo "$out" | grep -q '^sluice_router_request_duration_seconds_bucket{router="rr@file",le="+Inf"} [1-9]' &&
	t_pass || t_fail "$(echo "$out" | head -5)"

t_case l7_cli_service_show_counts
# the round-robin case sent exactly 8 requests to rr@file, 4 per server
out=$($B/sluice -s "$TMP/s.sock" -j service show)
got=$(echo "$out" | jq -c '[.services[] | select(.name == "rr@file") | .responses["2xx"], (.servers | map(.responses["2xx"]) | sort)]')
[ "$got" = '[8,[4,4]]' ] && t_pass || t_fail "got $got"

t_case l7_cli_service_show_unknown
out=$($B/sluice -s "$TMP/s.sock" -j service show nope@file); rc=$?
[ $rc -eq 1 ] && [ "$(echo "$out" | jq -r .error)" = "service nope@file does not exist" ] && t_pass || t_fail "exit $rc: $out"

t_case l7_cli_service_show_one_service
got=$($B/sluice -s "$TMP/s.sock" -j service show w@file | jq -c '[.servers[] | [.url, .weight, .requests]] | sort')
[ "$got" = '[["http://127.0.0.1:18101",3,6],["http://127.0.0.1:18102",1,2]]' ] && t_pass || t_fail "got $got"

# (the keep-alive connection below stays idle well under the 4 s idle timeout)
t_case l7_reload_keeps_keepalive_and_inflight
c -o "$TMP/inflight" -H 'Host: hdr.test' "$WEB/slow?ms=1500" & IF=$!
$NX $PY - "$TMP" >"$TMP/ka.out" 2>&1 <<'PY' & KA=$!
import http.client, json, os, sys, time
t = sys.argv[1]
c = http.client.HTTPConnection("127.0.0.1", 18100, timeout=8)
c.request("GET", "/", headers={"Host": "reload.test"})
print(json.loads(c.getresponse().read())["name"], flush=True)
open(t + "/ka.ready", "w").close()
for _ in range(100):
    if os.path.exists(t + "/ka.go"):
        break
    time.sleep(0.1)
c.request("GET", "/", headers={"Host": "reload.test"})
print(json.loads(c.getresponse().read())["name"], flush=True)
PY
t_wait "[ -e $TMP/ka.ready ]" 5
write_config 18102
kill -HUP $SPID
t_wait "[ \"\$(c -H 'Host: reload.test' $WEB/ | jq -r .name)\" = b ]" 5
touch "$TMP/ka.go"
wait $KA; wait $IF
got="$(tr '\n' ' ' <"$TMP/ka.out")|$(jq -r .name "$TMP/inflight" 2>/dev/null)"
[ "$got" = "a b |a" ] && t_pass || t_fail "got $got; $(tail -3 "$TMP/sluiced.log")"

t_case l7_reload_opens_new_entrypoint
j=$(c -H 'Host: any.test' http://127.0.0.1:18110/late)
[ "$(echo "$j" | jq -r .path 2>/dev/null)" = /late ] && t_pass || t_fail "got [$j]"

t_case l7_idle_worker_does_not_spin
# after a pass that wrote, a worker polls without sleeping for 20 us
# (worker_main()); once the traffic stops it must sleep: over 2 idle
# seconds sluiced's CPU time stays far below the 2 s a spinning worker
# would take (health checks every 500 ms are all it does)
c -o /dev/null -H 'Host: rr.test' $WEB/
sleep 0.5
ticks() { awk '{print $14 + $15}' /proc/$SPID/stat; }
t0=$(ticks); sleep 2; t1=$(ticks)
[ -n "$t0" ] && [ $((t1 - t0)) -lt 20 ] && t_pass ||
	t_fail "sluiced used $((t1 - t0)) ticks of CPU in 2 idle seconds"
t_done
