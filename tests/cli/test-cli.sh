#!/usr/bin/env bash
# The sluice CLI without a daemon: grammar, exit codes, JSON on every path,
# config check and show.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/check.sh
S=${BUILD:-build}/sluice
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cat >"$TMP/good.yml" <<'Y'
entryPoints:
  web: {address: ":8000"}
http:
  routers:
    r: {rule: "Host(`a.example`)", service: app}
  services:
    app:
      loadBalancer:
        servers: [{url: "http://10.0.0.1:8080"}]
Y
cat >"$TMP/bad.yml" <<'Y'
http:
  services:
    app:
      loadBalancer:
        servrs: []
Y

t_case version
out=$($S version) && [[ $out == "sluice "* ]] && t_pass || t_fail "got: $out"

t_case version_json
v=$($S -j version | jq -r .version) && [ "$v" = "$(cat VERSION)" ] && t_pass || t_fail "got: $v"

t_case help_json_is_null
out=$($S -j help) && [ "$out" = null ] && t_pass || t_fail "got: $out"

t_case no_object_is_usage_error
$S >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && t_pass || t_fail "exit $rc"

t_case unknown_command_exit_2_json_error
out=$($S -j config frobnicate x 2>/dev/null); rc=$?
[ $rc -eq 2 ] && [ "$(echo "$out" | jq -r .error)" = "unknown command 'frobnicate' (try 'help')" ] \
	&& t_pass || t_fail "exit $rc, got: $out"

t_case prefix_matching
out=$($S conf che "$TMP/good.yml") && [ "$out" = ok ] && t_pass || t_fail "got: $out"

t_case check_ok
$S config check "$TMP/good.yml" >/dev/null; rc=$?
[ $rc -eq 0 ] && t_pass || t_fail "exit $rc"

t_case check_errors_text
out=$($S config check "$TMP/bad.yml"); rc=$?
[ $rc -eq 1 ] && [[ $out == "$TMP/bad.yml:5:9: error: http.services.app.loadBalancer.servrs: unknown key \"servrs\" in loadBalancer (did you mean \"servers\"?)"* ]] \
	&& t_pass || t_fail "exit $rc, got: $out"

t_case check_errors_json
out=$($S -j config check "$TMP/bad.yml"); rc=$?
[ $rc -eq 1 ] && [ "$(echo "$out" | jq -c '[.ok, .errors, .diagnostics[0].line, .diagnostics[0].col, .diagnostics[0].path]')" \
	= '[false,1,5,9,"http.services.app.loadBalancer.servrs"]' ] && t_pass || t_fail "exit $rc, got: $out"

t_case check_bad_rule
cat >"$TMP/rule.yml" <<'Y'
http:
  routers:
    r:
      rule: "Hots(`a.example`)"
      service: app
  services:
    app:
      loadBalancer:
        servers: [{url: "http://10.0.0.1"}]
Y
out=$($S config check "$TMP/rule.yml"); rc=$?
[ $rc -eq 1 ] && [[ $out == "$TMP/rule.yml:3:5: error: http.routers.r.rule: invalid rule: 1:1: unknown matcher \"Hots\" (did you mean \"Host\"?)"* ]] \
	&& t_pass || t_fail "exit $rc, got: $out"

t_case check_unreadable
out=$($S -j config check "$TMP/none.yml"); rc=$?
[ $rc -eq 1 ] && echo "$out" | jq -e '.diagnostics[0].message | startswith("cannot read")' >/dev/null \
	&& t_pass || t_fail "exit $rc, got: $out"

t_case show_json_normalised
out=$($S -j config show "$TMP/good.yml")
[ "$(echo "$out" | jq -c '[.config.http.routers["r@file"].service, .config.http.routers["r@file"].priority, .config.http.services["app@file"].loadBalancer.passHostHeader, .config.entryPoints.web.udp.timeout]')" \
	= '["app@file",17,true,"3s"]' ] && t_pass || t_fail "got: $out"

t_case show_text_is_json_document
$S config show "$TMP/good.yml" | jq -e '.config.http.services["app@file"]' >/dev/null \
	&& t_pass || t_fail "text mode output is not the model"

t_case pretty_implies_json
$S -p version | jq -e .version >/dev/null && [ "$($S -p version | wc -l)" -gt 1 ] \
	&& t_pass || t_fail "not pretty JSON"

t_case daemon_status_without_daemon
out=$($S -s "$TMP/none.sock" -j daemon status); rc=$?
[ $rc -eq 1 ] && echo "$out" | jq -e '.error | test("sluiced is not running")' >/dev/null \
	&& t_pass || t_fail "exit $rc, got: $out"

t_case server_show_service_asks_the_agent
# with a SERVICE, `server show` is the http service's servers, from sluiced
out=$($S -s "$TMP/none.sock" -P "$TMP/nopins" -j server show web@file); rc=$?
[ $rc -eq 1 ] && echo "$out" | jq -e '.error | test("sluiced is not running")' >/dev/null \
	&& t_pass || t_fail "exit $rc, got: $out"

t_case ambiguous_object_prefix
out=$($S -j s show 2>/dev/null); rc=$?
[ $rc -eq 2 ] && echo "$out" | jq -e '.error | test("ambiguous command .s.: could be")' >/dev/null \
	&& t_pass || t_fail "exit $rc, got: $out"

t_done
