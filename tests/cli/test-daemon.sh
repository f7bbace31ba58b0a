#!/usr/bin/env bash
# sluiced's lifecycle through its control socket: status, SIGHUP reload
# (a broken file keeps the running configuration), `sluice daemon reload`,
# file watch, SIGTERM clean exit.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/check.sh
B=${BUILD:-build}
S=$B/sluice
TMP=$(mktemp -d)
SOCK=$TMP/ctl.sock
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

cat >"$TMP/static.yml" <<'Y'
entryPoints:
  web: {address: "127.0.0.1:0"}
providers:
  file:
    filename: dynamic.yml
    watch: true
Y
write_dynamic() {
	cat >"$TMP/dynamic.yml.tmp" <<Y
http:
  services:
    app:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:$1"}]
Y
	mv "$TMP/dynamic.yml.tmp" "$TMP/dynamic.yml"
}
write_dynamic 9001

gen() { $S -s "$SOCK" -j daemon status | jq -r .generation; }

$B/sluiced --config "$TMP/static.yml" --socket "$SOCK" --no-dataplane \
	2>"$TMP/log" &
PID=$!

t_case starts_and_answers
if t_wait "[ -S '$SOCK' ]" 5 && [ "$(gen)" = 1 ]; then t_pass; else
	t_fail "no status; log: $(tail -5 "$TMP/log")"; fi

t_case status_json
out=$($S -s "$SOCK" -j daemon status)
[ "$(echo "$out" | jq -r .pid)" = "$PID" ] &&
	[ "$(echo "$out" | jq -r '.files | length')" = 2 ] &&
	[ "$(echo "$out" | jq -r .watch)" = true ] && t_pass || t_fail "got: $out"

t_case status_text
out=$($S -s "$SOCK" daemon status)
[[ $out == "sluiced pid $PID"* ]] && t_pass || t_fail "got: $out"

t_case sighup_broken_config_kept
printf 'http:\n  services: [\n' >"$TMP/static.yml.bad"
cp "$TMP/static.yml" "$TMP/static.yml.good"
cp "$TMP/static.yml.bad" "$TMP/static.yml"
kill -HUP "$PID"
if t_wait "grep -q 'keeping generation 1' '$TMP/log'" 5 && [ "$(gen)" = 1 ] &&
	grep -q "static.yml:3:1: error: invalid YAML" "$TMP/log"; then t_pass; else
	t_fail "log: $(tail -5 "$TMP/log")"; fi
cp "$TMP/static.yml.good" "$TMP/static.yml"

t_case sighup_reload
# the watch may also have fired on the copies above: compare, don't assume
before=$(gen)
kill -HUP "$PID"
if t_wait "[ \$(gen) -gt $before ]" 5; then t_pass; else t_fail "generation stayed $before"; fi

t_case ctl_reload
before=$(gen)
out=$($S -s "$SOCK" -j daemon reload)
[ "$(echo "$out" | jq -r .generation)" = $((before + 1)) ] && t_pass || t_fail "got: $out"

t_case file_watch_reloads
before=$(gen)
write_dynamic 9002
if t_wait "[ \$(gen) -gt $before ]" 5 &&
	$S -s "$SOCK" -j daemon status >/dev/null; then t_pass; else
	t_fail "generation stayed $before"; fi

t_case sigterm_clean_exit
kill -TERM "$PID"
wait "$PID"; rc=$?
PID=
[ $rc -eq 0 ] && [ ! -e "$SOCK" ] && grep -q "stopped" "$TMP/log" && t_pass ||
	t_fail "exit $rc, socket $( [ -e "$SOCK" ] && echo left || echo gone)"

t_case missing_config_flag
$B/sluiced 2>/dev/null; rc=$?
[ $rc -eq 2 ] && t_pass || t_fail "exit $rc"

t_case unusable_config_refused_at_start
$B/sluiced --config "$TMP/static.yml.bad" --socket "$TMP/x.sock" 2>"$TMP/log2"; rc=$?
[ $rc -eq 1 ] && grep -q "invalid YAML" "$TMP/log2" && t_pass || t_fail "exit $rc"

t_done
