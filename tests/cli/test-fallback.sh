#!/usr/bin/env bash
# When the kernel data plane cannot attach (here: an interface that does
# not exist), sluiced keeps running and serves tcp services in userspace,
# and says so once. Loopback only.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/check.sh
B=${BUILD:-build}
TMP=$(mktemp -d)
PORT=$((23000 + $$ % 400))
BPORT=$((PORT + 400))
HPORT=$((PORT + 800))	# a second entryPoint, with health checks
DEAD=$((PORT + 1200))	# nothing listens here
PIDS=()
PINS=/sys/fs/bpf/slfb-$$
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$PINS" "$TMP"
}
trap cleanup EXIT

python3 - "$BPORT" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); s.settimeout(30)
while True:
    try:
        c, _ = s.accept()
    except OSError:
        break
    c.sendall(b"backend-one\n"); c.close()
PY
PIDS+=($!)

cat >"$TMP/c.yml" <<Y
entryPoints:
  pg: {address: "127.0.0.1:$PORT"}
  hc: {address: "127.0.0.1:$HPORT"}
dataplane:
  interfaces: [slfb-none0]
  pinDir: $PINS
tcp:
  routers:
    pg: {entryPoints: [pg], rule: "HostSNI(\`*\`)", service: pg}
    hc: {entryPoints: [hc], rule: "HostSNI(\`*\`)", service: hc}
  services:
    hc:
      loadBalancer:
        healthCheck: {interval: 1s, timeout: 500ms}
        servers:
        - address: "127.0.0.1:$DEAD"
        - address: "127.0.0.1:$BPORT"
    pg:
      loadBalancer:
        servers: [{address: "127.0.0.1:$BPORT"}]
Y
$B/sluiced --config "$TMP/c.yml" --socket "$TMP/s.sock" 2>"$TMP/log" &
PIDS+=($!)

t_case sluiced_runs_without_xdp
if t_wait "[ -S '$TMP/s.sock' ]" 5 && $B/sluice -s "$TMP/s.sock" -j daemon status >/dev/null; then
	t_pass; else t_fail "log: $(tail -3 "$TMP/log" | tr '\n' ' ')"; fi

t_case says_so_once
n=$(grep -c "served in userspace" "$TMP/log")
[ "$n" = 1 ] && t_pass || t_fail "said $n times: $(tail -3 "$TMP/log" | tr '\n' ' ')"

t_case tcp_served_in_userspace
out=$(python3 -c "
import socket; s = socket.create_connection(('127.0.0.1', $PORT), timeout=5)
print(s.recv(100).decode().strip())" 2>&1)
[ "$out" = backend-one ] && t_pass || t_fail "got: $out"

t_case tcp_health_check_steers_userspace_proxy
# the first probe runs at load; once the dead server is down (and the live
# one up: its python may bind after the first probe), every new connection
# goes to the live one (round robin would send half to the dead)
if t_wait "$B/sluice -s '$TMP/s.sock' -j health show hc@file | jq -e '.\"hc@file\" | (.\"127.0.0.1:$DEAD\".status == \"down\" and .\"127.0.0.1:$BPORT\".status == \"up\")' >/dev/null" 5; then
	out=$(python3 -c "
import socket
got = []
for i in range(10):
    try:
        s = socket.create_connection(('127.0.0.1', $HPORT), timeout=5)
        got.append(s.recv(100).decode().strip() or 'closed')
    except OSError as e:
        got.append('error')
print(' '.join(sorted(set(got))), len(got))" 2>&1)
	[ "$out" = "backend-one 10" ] && t_pass || t_fail "got: $out"
else
	t_fail "probes never settled (dead down, live up): $($B/sluice -s "$TMP/s.sock" -j health show 2>&1)"
fi

t_case l4_show_path
out=$($B/sluice -s "$TMP/s.sock" -j l4 show)
[ "$(echo "$out" | jq -c '[.dataplane_active, (.entrypoints[] | select(.name == "pg") | .path)]')" \
	= '[false,"userspace"]' ] && $B/sluice -s "$TMP/s.sock" l4 show | grep -q "pg .*path userspace" \
	&& t_pass || t_fail "got: $out"

t_done
