#!/usr/bin/env bash
# Active health checks through sluiced itself (--no-dataplane, loopback):
# what the backends receive from the probes (method, Host, path and query,
# headers, port and scheme overrides, TLS), the first probe right at load,
# down and back up, redirects followed or judged, `status`, timeouts, TCP
# connect and send/expect, reload keeping status, the operator's override,
# and `sluice -j health show` JSON. Backends: tests/health/*.py.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/check.sh
B=${BUILD:-build}
S=$B/sluice
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TMP=$(mktemp -d /tmp/slhc.$$.XXXX)
SOCK=$TMP/ctl.sock
PIDS=()
DPID=
BASE=$((21000 + ($$ % 95) * 10))
P_A=$BASE P_B=$((BASE + 1)) P_C=$((BASE + 2)) P_T=$((BASE + 3))
P_S=$((BASE + 4)) P_G=$((BASE + 5))

cleanup() {
	local p
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

# backend NAME ARGS...: starts tests/health/NAME.py; ready() waits until
# every backend started so far listens.
OUTS=()
backend() {
	local name=$1 out=$TMP/$1.$RANDOM.out; shift
	: >"$out"
	$PY tests/health/$name.py "$@" >"$out" 2>&1 &
	PIDS+=($!)
	OUTS+=("$out")
	LAST=$!
}
ready() {
	local out
	for out in "${OUTS[@]}"; do
		t_wait "grep -q ready '$out'" 10 || { echo "backend: $(cat "$out")"; return 1; }
	done
}

# JSON of every service; status / field of one server.
show() { $S -s "$SOCK" -j health show "$@"; }
field() { show | jq -r --arg s "$1" --arg v "$2" --arg f "$3" '.[$s][$v][$f]'; }
st() { field "$1" "$2" status; }
# Requests a backend logged for PATH (path with query).
hits() { jq -c --arg p "$2" 'select(.path == $p)' "$1" 2>/dev/null; }
nhits() { hits "$@" | wc -l; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-days 2 -subj /CN=health.test \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1

printf '/flip 200\n' >"$TMP/a.rules"
printf '/redir 302 /final\n/final 503\n/loop 302 /loop\n/post 303 /after\n/close close\n/uh 503\n/early early 503\n/slowhdr slow 1.5\n' >"$TMP/b.rules"
: >"$TMP/s.rules"
backend http_backend --port $P_A --log "$TMP/a.log" --rules "$TMP/a.rules"
backend http_backend --port $P_B --log "$TMP/b.log" --rules "$TMP/b.rules"
backend http_backend --port $P_S --log "$TMP/s.log" --rules "$TMP/s.rules" \
	--tls "$TMP/cert.pem" "$TMP/key.pem"
backend tcp_backend --port $P_T --log "$TMP/t.log" --reply 'PONG\n'
T_PID=$LAST
backend tcp_backend --port $P_G --log "$TMP/g.log" --reply 'HELLO\n' --greet
ready || exit 1

# write_config WITH_REFUSED: the whole configuration; 1 keeps `refused`.
write_config() {
	cat >"$TMP/c.yml.tmp" <<Y
entryPoints:
  web: {address: "127.0.0.1:0"}
http:
  serversTransports:
    insecure: {insecureSkipVerify: true}
    hdrtimeout: {forwardingTimeouts: {responseHeaderTimeout: 300ms}}
  services:
    first:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$P_A/base?x=1"}]
        healthCheck:
          path: /health?probe=1
          method: head
          hostname: probe.example
          headers: {x-probe: "yes", user-agent: "sluice-test"}
          interval: 60s
          timeout: 2s
    rel:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$P_C/api/v1"}]
        healthCheck: {path: health, port: $P_A, interval: 60s, timeout: 2s}
    byname:
      loadBalancer:
        servers: [{url: "http://localhost:$P_A"}]
        healthCheck: {path: /byname, interval: 60s, timeout: 2s}
    flip:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$P_A"}]
        healthCheck: {path: /flip, interval: 1s, timeout: 800ms}
    follow:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$P_B"}]
        healthCheck: {path: /redir, interval: 60s, timeout: 2s}
    nofollow:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$P_B"}]
        healthCheck: {path: /redir, followRedirects: false, interval: 60s, timeout: 2s}
    loop:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$P_B/x"}]
        healthCheck: {path: /loop, interval: 60s, timeout: 2s}
    post:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$P_B"}]
        healthCheck: {path: /post, method: post, interval: 60s, timeout: 2s}
    eof:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$P_B"}]
        healthCheck: {path: /close, interval: 60s, timeout: 2s}
    early:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$P_B"}]
        healthCheck: {path: /early, interval: 60s, timeout: 2s}
    slowhdr:
      loadBalancer:
        serversTransport: hdrtimeout
        servers: [{url: "http://127.0.0.1:$P_B"}]
        healthCheck: {path: /slowhdr, interval: 60s, timeout: 5s}
    unhealthy:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$P_B"}]
        healthCheck: {path: /uh, interval: 60s, unhealthyInterval: 1s, timeout: 500ms}
    exact:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$P_B"}]
        healthCheck: {path: /ok, status: 204, interval: 60s, timeout: 2s}
    tls:
      loadBalancer:
        serversTransport: insecure
        servers: [{url: "https://127.0.0.1:$P_S"}]
        healthCheck: {path: /tls, interval: 60s, timeout: 2s}
    tlsverify:
      loadBalancer:
        servers: [{url: "https://127.0.0.1:$P_S"}]
        healthCheck: {path: /verify, interval: 60s, timeout: 2s}
    scheme:
      loadBalancer:
        serversTransport: insecure
        servers: [{url: "http://127.0.0.1:$P_S"}]
        healthCheck: {path: /scheme, scheme: https, interval: 60s, timeout: 2s}
    plain:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$P_C"}]
Y
	if [ "$1" = 1 ]; then
		cat >>"$TMP/c.yml.tmp" <<Y
    refused:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$P_C"}]
        healthCheck: {path: /health, interval: 60s, timeout: 2s}
Y
	fi
	cat >>"$TMP/c.yml.tmp" <<Y
tcp:
  services:
    db:
      loadBalancer:
        servers: [{address: "127.0.0.1:$P_T"}]
        healthCheck: {send: "PING\n", expect: "PONG", interval: 1s, timeout: 800ms}
    dbport:
      loadBalancer:
        servers: [{address: "127.0.0.1:$P_C"}]
        healthCheck: {port: $P_T, interval: 60s, timeout: 2s}
    dbbad:
      loadBalancer:
        servers: [{address: "127.0.0.1:$P_G"}]
        healthCheck: {expect: "PONG", interval: 60s, timeout: 2s}
Y
	mv "$TMP/c.yml.tmp" "$TMP/c.yml"
}
write_config 1

$B/sluiced --config "$TMP/c.yml" --socket "$SOCK" --no-dataplane \
	2>"$TMP/log" &
DPID=$!
A=http://127.0.0.1:$P_A
BB=http://127.0.0.1:$P_B

t_case starts
if t_wait "[ -S '$SOCK' ] && show >/dev/null 2>&1" 10; then t_pass; else
	t_fail "no control socket; log: $(tail -5 "$TMP/log")"; exit 1; fi

t_case first_probe_at_load
# interval is 60s: only a probe at load can arrive this soon
if t_wait "[ \$(nhits '$TMP/a.log' '/health?probe=1') -ge 1 ]" 10; then t_pass; else
	t_fail "no probe within 10s of start (interval 60s)"; fi

t_case probe_request_as_received
req=$(hits "$TMP/a.log" '/health?probe=1' | head -1)
if [ "$(echo "$req" | jq -r .method)" = HEAD ] &&
	[ "$(echo "$req" | jq -r .headers.host)" = probe.example ] &&
	[ "$(echo "$req" | jq -r '.headers["x-probe"]')" = yes ] &&
	[ "$(echo "$req" | jq -r '.headers["user-agent"]')" = sluice-test ] &&
	[ "$(echo "$req" | jq -r .version)" = HTTP/1.1 ]; then t_pass; else
	t_fail "got: $req"; fi

t_case relative_path_and_port_override
# server http://127.0.0.1:P_C/api/v1 (closed), path "health", port P_A
if t_wait "[ \$(nhits '$TMP/a.log' /api/health) -ge 1 ]" 5 &&
	t_wait "[ \"\$(st rel@file http://127.0.0.1:$P_C/api/v1)\" = up ]" 5 &&
	[ "$(hits "$TMP/a.log" /api/health | head -1 | jq -r .headers.host)" = "127.0.0.1:$P_A" ]; then
	t_pass; else t_fail "a.log: $(cat "$TMP/a.log")"; fi

t_case host_name_resolved
# every address of the name is tried in turn (localhost may be ::1 first;
# the backend listens on 127.0.0.1 only)
if t_wait "[ \"\$(st byname@file http://localhost:$P_A)\" = up ]" 5 &&
	[ "$(hits "$TMP/a.log" /byname | head -1 | jq -r .headers.host)" = "localhost:$P_A" ]; then
	t_pass; else t_fail "got: $(show byname)"; fi

t_case up_json
if t_wait "[ \"\$(st flip@file $A)\" = up ]" 5 &&
	[ "$(field flip@file $A detail)" = null ] &&
	[ "$(field flip@file $A transitions)" = 0 ] &&
	[ "$(field flip@file $A forced)" = null ] &&
	[ "$(field flip@file $A last_probe_unix_ms)" -gt 1600000000000 ]; then
	t_pass; else t_fail "got: $(show flip)"; fi

# Transition counts are checked by parity (odd while down): a loaded
# machine may add a flip (a probe timing out), the exact counting is
# covered by tests/unit/test_health.c.
t_case down_on_503
printf '/flip 503\n' >"$TMP/a.rules"
# interval 1s + timeout 800ms: well inside 5s
if t_wait "[ \"\$(field flip@file $A detail)\" = 'received error status code: 503' ]" 5 &&
	[ "$(st flip@file $A)" = down ] &&
	[ $(( $(field flip@file $A transitions) % 2 )) = 1 ]; then t_pass; else
	t_fail "got: $(show flip)"; fi

t_case down_logged_once
sleep 1.5	# at least one more failing probe
n=$(grep -c "server $A of service flip@file is down: received error status code: 503" "$TMP/log")
[ "$n" = 1 ] && t_pass || t_fail "logged $n times: $(grep flip "$TMP/log")"

t_case recovery
printf '/flip 200\n' >"$TMP/a.rules"
if t_wait "[ \"\$(st flip@file $A)\" = up ]" 5 &&
	[ $(( $(field flip@file $A transitions) % 2 )) = 0 ] &&
	[ "$(field flip@file $A transitions)" -ge 2 ] &&
	grep -q "server $A of service flip@file is up again" "$TMP/log"; then
	t_pass; else t_fail "got: $(show flip)"; fi

t_case timeout
printf '/flip slow 2\n' >"$TMP/a.rules"
if t_wait "[ \"\$(st flip@file $A)\" = down ]" 6; then
	d=$(field flip@file $A detail)
	[ "$d" = "HTTP request failed: Get \"$A/flip\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)" ] &&
		t_pass || t_fail "detail: $d"
else t_fail "got: $(show flip)"; fi
printf '/flip 200\n' >"$TMP/a.rules"
t_wait "[ \"\$(st flip@file $A)\" = up ]" 6

t_case redirect_followed
if t_wait "[ \"\$(st follow@file $BB)\" = down ]" 5 &&
	[ "$(field follow@file $BB detail)" = "received error status code: 503" ] &&
	[ "$(nhits "$TMP/b.log" /final)" -ge 1 ]; then t_pass; else
	t_fail "got: $(show follow); b.log: $(cat "$TMP/b.log")"; fi

t_case redirect_not_followed
# the same 302 judged by itself: 3xx is healthy
if t_wait "[ \"\$(st nofollow@file $BB)\" = up ]" 5; then t_pass; else
	t_fail "got: $(show nofollow)"; fi

t_case redirect_limit
if t_wait "[ \"\$(st loop@file $BB/x)\" = down ]" 5 &&
	[ "$(field loop@file $BB/x detail)" = "HTTP request failed: Get \"$BB/loop\": stopped after 10 redirects" ] &&
	[ "$(nhits "$TMP/b.log" /loop)" = 11 ]; then t_pass; else
	t_fail "$(nhits "$TMP/b.log" /loop) requests; got: $(show loop)"; fi

t_case redirect_303_turns_post_into_get
if t_wait "[ \"\$(st post@file $BB)\" = up ]" 5 &&
	[ "$(hits "$TMP/b.log" /post | jq -r .method | head -1)" = POST ] &&
	[ "$(hits "$TMP/b.log" /post | jq -r '.headers["content-length"]' | head -1)" = 0 ] &&
	[ "$(hits "$TMP/b.log" /after | jq -r .method | head -1)" = GET ]; then t_pass; else
	t_fail "got: $(show post); b.log: $(grep -E '/post|/after' "$TMP/b.log")"; fi

t_case eof_before_answer
if t_wait "[ \"\$(st eof@file $BB)\" = down ]" 5 &&
	[ "$(field eof@file $BB detail)" = "HTTP request failed: Get \"$BB/close\": EOF" ]; then
	t_pass; else t_fail "got: $(show eof)"; fi

t_case informational_answers_skipped
# 100 and 103 first, then 503: the final status is judged
if t_wait "[ \"\$(st early@file $BB)\" = down ]" 5 &&
	[ "$(field early@file $BB detail)" = "received error status code: 503" ]; then
	t_pass; else t_fail "got: $(show early)"; fi

t_case response_header_timeout
# the serversTransport's responseHeaderTimeout (300ms) ends the probe long
# before the health check's own 5s timeout
if t_wait "[ \"\$(st slowhdr@file $BB)\" = down ]" 5 &&
	[ "$(field slowhdr@file $BB detail)" = "HTTP request failed: Get \"$BB/slowhdr\": net/http: timeout awaiting response headers" ]; then
	t_pass; else t_fail "got: $(show slowhdr)"; fi

t_case unhealthy_interval
# interval 60s, unhealthyInterval 1s: a down server is probed again soon
if t_wait "[ \$(nhits '$TMP/b.log' /uh) -ge 3 ]" 8 &&
	[ "$(st unhealthy@file $BB)" = down ]; then t_pass; else
	t_fail "$(nhits "$TMP/b.log" /uh) probes of /uh; $(show unhealthy)"; fi

t_case status_exact
if t_wait "[ \"\$(st exact@file $BB)\" = down ]" 5 &&
	[ "$(field exact@file $BB detail)" = "received error status code: 200 expected status code: 204" ]; then
	t_pass; else t_fail "got: $(show exact)"; fi

t_case connection_refused
C=http://127.0.0.1:$P_C
if t_wait "[ \"\$(st refused@file $C)\" = down ]" 5 &&
	[ "$(field refused@file $C detail)" = "HTTP request failed: Get \"$C/health\": dial tcp 127.0.0.1:$P_C: connect: connection refused" ]; then
	t_pass; else t_fail "got: $(show refused)"; fi

t_case https_through_servers_transport
SS=https://127.0.0.1:$P_S
if t_wait "[ \"\$(st tls@file $SS)\" = up ]" 5 && [ "$(nhits "$TMP/s.log" /tls)" -ge 1 ]; then
	t_pass; else t_fail "got: $(show tls); log: $(grep -i tls "$TMP/log")"; fi

t_case https_verify_fails
if t_wait "[ \"\$(st tlsverify@file $SS)\" = down ]" 5 &&
	[[ "$(field tlsverify@file $SS detail)" == "HTTP request failed: Get \"$SS/verify\": tls: failed to verify certificate: x509: "* ]] &&
	[ "$(nhits "$TMP/s.log" /verify)" = 0 ]; then t_pass; else
	t_fail "got: $(show tlsverify)"; fi

t_case scheme_override
if t_wait "[ \"\$(st scheme@file http://127.0.0.1:$P_S)\" = up ]" 5 &&
	[ "$(nhits "$TMP/s.log" /scheme)" -ge 1 ]; then t_pass; else
	t_fail "got: $(show scheme)"; fi

t_case unchecked_service_absent
out=$(show)
[ "$(echo "$out" | jq 'has("plain@file")')" = false ] && t_pass || t_fail "got: $out"

t_case tcp_send_expect
T=127.0.0.1:$P_T
if t_wait "[ \"\$(st db@file $T)\" = up ]" 5 &&
	[ "$(jq -r 'select(.received == "PING\n") | .port' "$TMP/t.log" | head -1)" = "$P_T" ]; then
	t_pass; else t_fail "got: $(show db); t.log: $(cat "$TMP/t.log")"; fi

t_case tcp_port_override_connect_only
if t_wait "[ \"\$(st dbport@file 127.0.0.1:$P_C)\" = up ]" 5 &&
	[ "$(jq -r 'select(.received == "") | .port' "$TMP/t.log" | head -1)" = "$P_T" ]; then
	t_pass; else t_fail "got: $(show dbport)"; fi

t_case tcp_expect_mismatch
G=127.0.0.1:$P_G
if t_wait "[ \"\$(st dbbad@file $G)\" = down ]" 5 &&
	[ "$(field dbbad@file $G detail)" = "unexpected response from $G: got \"HELL\", expected \"PONG\"" ]; then
	t_pass; else t_fail "got: $(show dbbad)"; fi

t_case tcp_down_and_up
kill "$T_PID"; wait "$T_PID" 2>/dev/null
# a probe in flight when the backend dies may fail otherwise first
if t_wait "[ \"\$(field db@file $T detail)\" = 'dial tcp $T: connect: connection refused' ]" 5 &&
	[ "$(st db@file $T)" = down ]; then
	backend tcp_backend --port $P_T --log "$TMP/t.log" --reply 'PONG\n'
	ready
	# >= 2: a loaded machine may add flips, never remove them
	if t_wait "[ \"\$(st db@file $T)\" = up ]" 5 &&
		[ "$(field db@file $T transitions)" -ge 2 ]; then t_pass; else
		t_fail "not back up: $(show db)"; fi
else t_fail "not down: $(show db)"; fi

t_case operator_force_down
out=$($S -s "$SOCK" -j health set flip $A down)
if [ "$(echo "$out" | jq -r .forced)" = down ] && [ "$(echo "$out" | jq -r .up)" = false ] &&
	[ "$(st flip@file $A)" = down ] && [ "$(field flip@file $A forced)" = down ]; then
	sleep 1.5	# probes pass underneath and do not override
	[ "$(st flip@file $A)" = down ] && t_pass || t_fail "probe overrode: $(show flip)"
else t_fail "got: $out / $(show flip)"; fi

t_case reload_keeps_status_and_sweeps
printf '/flip 503\n' >"$TMP/a.rules"
$S -s "$SOCK" -j health set flip $A auto >/dev/null
t_wait "[ \"\$(st flip@file $A)\" = down ] && [ \"\$(field flip@file $A detail)\" != null ]" 5
$S -s "$SOCK" -j health set dbbad 127.0.0.1:$P_G up >/dev/null
before=$(field flip@file $A transitions)
first_before=$(nhits "$TMP/a.log" '/health?probe=1')
write_config 0
$S -s "$SOCK" -j daemon reload >/dev/null
out=$(show)
if [ "$(echo "$out" | jq -r --arg a "$A" '.["flip@file"][$a].status')" = down ] &&
	[ "$(echo "$out" | jq -r --arg a "$A" '.["flip@file"][$a].transitions')" = "$before" ] &&
	[ "$(echo "$out" | jq 'has("refused@file")')" = false ] &&
	[ "$(echo "$out" | jq -r --arg g "127.0.0.1:$P_G" '.["dbbad@file"][$g].forced')" = up ]; then
	t_pass; else t_fail "after reload: $out"; fi

t_case reload_probes_at_once
if t_wait "[ \$(nhits '$TMP/a.log' '/health?probe=1') -gt $first_before ]" 5; then t_pass; else
	t_fail "no probe of first@file after reload"; fi

t_case transitions_logged_once_each
# flip@file went down and up several times (and stayed down across the
# reload): its log lines must alternate down, up, down, ..., down
sleep 1.5
seq=$(grep -o "server $A of service flip@file is [a-z]*" "$TMP/log" | awk '{print $NF}' | tr '\n' ' ')
[[ "$seq" =~ ^(down\ up\ )+down\ $ ]] && t_pass || t_fail "sequence: $seq"

t_case show_one_service
out=$($S -s "$SOCK" -j health show flip)
[ "$(echo "$out" | jq -r 'keys | join(",")')" = flip@file ] &&
	[ "$(echo "$out" | jq -r --arg a "$A" '.["flip@file"][$a].status')" = down ] &&
	t_pass || t_fail "got: $out"

t_case show_unknown_service
out=$($S -s "$SOCK" -j health show refused); rc=$?
[ $rc = 1 ] && [ "$(echo "$out" | jq -r .error)" = "no service refused@file" ] &&
	t_pass || t_fail "rc $rc: $out"

t_case set_unknown_server
out=$($S -s "$SOCK" -j health set flip http://nope down); rc=$?
[ $rc = 1 ] && [ "$(echo "$out" | jq -r .error)" = "no server http://nope in service flip@file" ] &&
	t_pass || t_fail "rc $rc: $out"

t_case show_text
out=$($S -s "$SOCK" health show flip)
[[ $out == "flip@file"*"$A"*down*"received error status code: 503"* ]] && t_pass ||
	t_fail "got: $out"

t_case daemon_status_counts
out=$($S -s "$SOCK" -j daemon status)
[ "$(echo "$out" | jq -r .subsystems.health.state)" = running ] &&
	[ "$(echo "$out" | jq -r .subsystems.health.tcp_targets)" = 3 ] &&
	[ "$(echo "$out" | jq -r '.subsystems.health.probes > 0')" = true ] &&
	t_pass || t_fail "got: $out"

t_case sigterm_clean
kill "$DPID"
if t_wait "! kill -0 $DPID 2>/dev/null" 5 && wait "$DPID"; then DPID=; t_pass; else
	t_fail "log: $(tail -5 "$TMP/log")"; fi

t_done
