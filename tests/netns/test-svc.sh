#!/usr/bin/env bash
# The L7 service graph end to end (issue 5), inside a private network
# namespace: python backends (tests/svc/backend.py) that answer with their
# name and log what they received, curl as the client, sluiced as the
# proxy, its control socket (tests/l7/ctl.py) and the sluice CLI for
# runtime changes. Health flips come from the operator ("l7 server set ...
# up|down"), which drives the same propagation as probe results.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/check.sh
B=${BUILD:-build}
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP svc: needs root for a network namespace"
	exit 0
fi

NS=slsg-$$
TMP=$(mktemp -d /tmp/slsg.XXXXXX)
LOG=$TMP/logs
mkdir -p "$LOG"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
[ -n "${SVC_KEEP:-}" ] && trap "cp $TMP/c.yml $TMP/sluiced.log /tmp/slsg-debug/ 2>/dev/null; cleanup" EXIT

NX="ip netns exec $NS"
ip netns add "$NS"
$NX ip link set lo up

backend() { $NX $PY tests/svc/backend.py "$1" "$2" "$LOG" 2>>"$TMP/backends.log" & PIDS+=($!); }
# name port
for b in a:22101 b:22102 c:22103 d:22104 m1:22105 m2:22106 fb:22107 e:22108 f:22109 s1:22111 s2:22112 s3:22113 s4:22114; do
	backend "${b%%:*}" "${b##*:}"
done

lb() { # name port [extra yaml]
	echo "    $1: {loadBalancer: {servers: [{url: \"http://127.0.0.1:$2\"}]${3:-}}}"
}
hc=", healthCheck: {path: /health, interval: 1h}"
{
cat <<Y
entryPoints:
  web: {address: "127.0.0.1:22100"}
http:
  routers:
Y
for s in w31 nest root foo sticky lbsticky fo fohc mir mirlim mir0 pv retry rt a down hcs hcfo mirnb; do
	echo "    $s: {rule: \"Host(\`$s.test\`)\", service: $s, entryPoints: [web]}"
done
cat <<Y
  services:
$(lb a 22101)
$(lb b 22102)
$(lb c 22103)
$(lb d 22104)
$(lb m1 22105)
$(lb m2 22106)
$(lb fbl 22107)
$(lb s1 22111 "$hc")
$(lb s2 22112 "$hc")
$(lb s3 22113 "$hc")
$(lb s4 22114 "$hc")
$(lb mainhc 22101 "$hc")
$(lb fbhc 22107 "$hc")
$(lb down 22101)
    w31:
      weighted:
        services: [{name: a, weight: 3}, {name: b, weight: 1}]
    inner:
      weighted:
        services: [{name: c, weight: 1}, {name: d, weight: 2}]
    nest:
      weighted:
        services: [{name: a, weight: 2}, {name: inner, weight: 1}, {name: b, weight: 0}]
    foo:
      weighted:
        healthCheck: {}
        services: [{name: s1, weight: 1}, {name: s2, weight: 1}]
    bar:
      weighted:
        healthCheck: {}
        services: [{name: s3, weight: 1}, {name: s4, weight: 1}]
    root:
      weighted:
        healthCheck: {}
        services: [{name: foo, weight: 1}, {name: bar, weight: 1}]
    sticky:
      weighted:
        sticky: {cookie: {}}
        services: [{name: lbsticky, weight: 1}, {name: c, weight: 1}]
    lbsticky:
      loadBalancer:
        sticky:
          cookie: {name: "lvl/2", secure: true, httpOnly: true, sameSite: strict, maxAge: 120, path: /app, domain: example.test}
        servers: [{url: "http://127.0.0.1:22101"}, {url: "http://127.0.0.1:22102"}]
    fo:
      failover: {service: mainhc, fallback: fbl}
    fohc:
      failover: {service: mainhc, fallback: fbhc, healthCheck: {}}
    mir:
      mirroring:
        service: a
        mirrors: [{name: m1, percent: 10}, {name: m2, percent: 50}]
    mirlim:
      mirroring:
        service: b
        maxBodySize: 8
        mirrors: [{name: m1, percent: 100}]
    mir0:
      mirroring:
        service: c
        maxBodySize: 0
        mirrors: [{name: m2, percent: 100}]
    mirnb:
      mirroring:
        service: d
        mirrorBody: false
        mirrors: [{name: m2, percent: 100}]
    pv:
      loadBalancer:
        passiveHealthCheck: {failureWindow: 1h, maxFailedAttempts: 2}
        servers: [{url: "http://127.0.0.1:22101"}, {url: "http://127.0.0.1:22102"}]
    retry:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:22199"}, {url: "http://127.0.0.1:22103"}]
    hcs:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:22108"}, {url: "http://127.0.0.1:22109"}]
        healthCheck:
          path: /health
          interval: 300ms
          timeout: 200ms
          method: HEAD
          hostname: probe.test
          headers: {X-Probe: "yes"}
    hcfo:
      failover: {service: hcs, fallback: c}
    rt:
      loadBalancer:
        servers: [{url: "http://127.0.0.1:22101"}, {url: "http://127.0.0.1:22102"}]
Y
} >"$TMP/c.yml"

for p in 22101 22102 22103 22104 22105 22106 22107 22108 22109 22111 22112 22113 22114; do
	t_wait "$NX curl -s -o /dev/null http://127.0.0.1:$p/" 10 ||
		{ echo "FAIL svc_setup: backend $p did not start"; exit 1; }
done
rm -f "$LOG"/*.log

$NX env SLUICE_L7_WORKERS=2 $B/sluiced --config "$TMP/c.yml" \
	--socket "$TMP/s.sock" --no-dataplane >"$TMP/sluiced.log" 2>&1 &
PIDS+=($!)
if ! t_wait "$NX curl -s -o /dev/null http://127.0.0.1:22100/" 10; then
	echo "FAIL svc_setup: sluiced did not listen"; cat "$TMP/sluiced.log"; exit 1
fi

WEB=http://127.0.0.1:22100
c() { $NX timeout 10 curl -s -m 8 "$@"; }
ctl() { $NX timeout 10 $PY tests/l7/ctl.py "$TMP/s.sock" "$@"; }
# N copies of URL $1 for one curl (one connection, requests in order)
urls() { local i; for ((i = 0; i < $2; i++)); do printf '%s ' "$1"; done; }
# names answered for N requests to Host $1: "aab..." order kept
names() { c -H "Host: $1.test" "${@:3}" $(urls "$WEB/" "$2") | tr -d '\n'; }
# "a:6 b:2" counts
counts() { names "$@" | fold -w1 | sort | uniq -c | awk '{printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1}'; }
# "s2:4 s4:4" counts of whole answers
lcounts() { c -H "Host: $1.test" $(urls "$WEB/" "$2") | sort | uniq -c | awk '{printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1}'; }
nlog() { [ -f "$LOG/$1.log" ] && wc -l <"$LOG/$1.log" || echo 0; }
clear_logs() { rm -f "$LOG"/*.log; }

t_case svc_weighted_exact_edf_sequence
# backends answer their one-letter name: 3:1 is AABA AAAB (semantics §2.2)
got=$(names w31 8)
[ "$got" = "aabaaaab" ] && t_pass || t_fail "got $got"

t_case svc_weighted_nested_counts_weight0_left_out
# nest: a 2 / inner 1 / b 0; inner: c 1 / d 2 -> per 9 requests a 6, c 1, d 2
got=$(counts nest 18)
[ "$got" = "a:12 c:2 d:4" ] && t_pass || t_fail "got $got"

t_case svc_sticky_cookies_byte_for_byte
h=$(c -i -H 'Host: sticky.test' $WEB/ | tr -d '\r' | grep -i '^set-cookie:')
# weighted level: default name _ + sha1("_TRAEFIK_BACKEND_sticky@file")[:5],
# value sha256("lbsticky")[:16]; LB level: "lvl/2" sanitised to lvl_2
wname=_$(printf '%s' "_TRAEFIK_BACKEND_sticky@file" | sha1sum | cut -c1-5)
wval=$(printf '%s' lbsticky | sha256sum | cut -c1-16)
first=$(echo "$h" | sed -n 2p | sed 's/.*lvl_2=\([0-9a-f]*\);.*/\1/')
v1=$(printf '%s' http://127.0.0.1:22101 | sha256sum | cut -c1-16)
v2=$(printf '%s' http://127.0.0.1:22102 | sha256sum | cut -c1-16)
want="Set-Cookie: $wname=$wval; Path=/
Set-Cookie: lvl_2=$first; Path=/app; Domain=example.test; Max-Age=120; HttpOnly; Secure; SameSite=Strict"
if [ "$h" = "$want" ] && { [ "$first" = "$v1" ] || [ "$first" = "$v2" ]; }; then
	t_pass
else
	t_fail "got [$h] want [$want]"
fi

t_case svc_sticky_100_requests_one_server
ck="$wname=$wval; lvl_2=$first"
owner=$([ "$first" = "$v1" ] && echo a || echo b)
got=$(names sticky 100 -H "Cookie: $ck" | fold -w1 | sort -u | tr -d '\n')
sc=$(c -i -H 'Host: sticky.test' -H "Cookie: $ck" $WEB/ | grep -ci '^set-cookie')
[ "$got" = "$owner" ] && [ "$sc" = 0 ] && t_pass || t_fail "got $got set-cookies $sc"

t_case svc_sticky_server_fails_and_recovers
ourl=$([ "$owner" = a ] && echo http://127.0.0.1:22101 || echo http://127.0.0.1:22102)
other=$([ "$owner" = a ] && echo b || echo a)
ctl "l7 server set" lbsticky@file "$ourl" down >/dev/null
r1=$(c -i -H 'Host: sticky.test' -H "Cookie: $ck" $WEB/ | tr -d '\r')
ctl "l7 server set" lbsticky@file "$ourl" up >/dev/null
r2=$(c -H 'Host: sticky.test' -H "Cookie: $ck" $WEB/)
ov=$([ "$other" = a ] && echo "$v1" || echo "$v2")
if echo "$r1" | tail -1 | grep -qx "$other" &&
   echo "$r1" | grep -q "^Set-Cookie: lvl_2=$ov; " &&
   ! echo "$r1" | grep -q "^Set-Cookie: $wname" && [ "$r2" = "$owner" ]; then
	t_pass
else
	t_fail "down: [$r1] back: [$r2]"
fi

t_case svc_sticky_garbage_and_legacy_values
r=$(c -i -H 'Host: lbsticky.test' -H 'Cookie: lvl_2=not-a-server' $WEB/ | tr -d '\r')
code=$(echo "$r" | head -1 | cut -d' ' -f2)
legacy=$(c -i -H 'Host: lbsticky.test' -H 'Cookie: lvl_2=http://127.0.0.1:22102' $WEB/ | tr -d '\r')
if [ "$code" = 200 ] && echo "$r" | grep -q '^Set-Cookie: lvl_2=' &&
   [ "$(echo "$legacy" | tail -1)" = b ] &&
   echo "$legacy" | grep -q "^Set-Cookie: lvl_2=$v2; "; then
	t_pass
else
	t_fail "garbage [$r] legacy [$legacy]"
fi

t_case svc_propagation_nested_weighted
ctl "l7 server set" s1@file http://127.0.0.1:22111 down >/dev/null
ctl "l7 server set" s3@file http://127.0.0.1:22113 down >/dev/null
got=$(lcounts root 8)
ctl "l7 server set" s2@file http://127.0.0.1:22112 down >/dev/null
st=$(ctl "service show" foo@file | jq -r .status)
ctl "l7 server set" s4@file http://127.0.0.1:22114 down >/dev/null
all=$(c -i -H 'Host: root.test' $WEB/ | tr -d '\r')
rst=$(ctl "service show" root@file | jq -r .status)
for s in 1 2 3 4; do ctl "l7 server set" s$s@file http://127.0.0.1:2211$s up >/dev/null; done
back=$(lcounts root 8)
if [ "$got" = "s2:4 s4:4" ] && [ "$st" = down ] && [ "$rst" = down ] &&
   echo "$all" | head -1 | grep -q '^HTTP/1.1 503' &&
   [ "$(echo "$all" | tail -1)" = "no available server" ] && [ "$back" = "s1:2 s2:2 s3:2 s4:2" ]; then
	t_pass
else
	t_fail "two down: $got foo: $st root: $rst all down: [$all] back: $back"
fi

t_case svc_failover_and_back
one=$(c -H 'Host: fo.test' $WEB/)
ctl "l7 server set" mainhc@file http://127.0.0.1:22101 down >/dev/null
two=$(c -H 'Host: fo.test' $WEB/)
ctl "l7 server set" fbhc@file http://127.0.0.1:22107 down >/dev/null
three=$(c -i -H 'Host: fohc.test' $WEB/ | tr -d '\r')
untracked=$(c -H 'Host: fo.test' $WEB/)
ctl "l7 server set" mainhc@file http://127.0.0.1:22101 up >/dev/null
four=$(c -H 'Host: fo.test' $WEB/)
ctl "l7 server set" fbhc@file http://127.0.0.1:22107 up >/dev/null
if [ "$one" = a ] && [ "$two" = fb ] && [ "$four" = a ] && [ "$untracked" = fb ] &&
   echo "$three" | head -1 | grep -q '^HTTP/1.1 503' &&
   [ "$(echo "$three" | tail -1)" = "Service Unavailable" ]; then
	t_pass
else
	t_fail "main: $one main down: $two both down: [$three] untracked: $untracked back: $four"
fi

wait_log() { t_wait "[ \$(nlog $1) -ge $2 ]" 5; }

t_case svc_mirroring_percent_counts
clear_logs
got=$(names mir 10 -X POST --data-binary 01234567890123456789)
wait_log m2 5
sleep 0.3
m1=$(nlog m1) m2=$(nlog m2) a=$(nlog a)
body=$(jq -r .body "$LOG/m2.log" | sort -u)
meth=$(jq -r .method "$LOG/m1.log" | sort -u)
[ "$got" = aaaaaaaaaa ] && [ "$a" = 10 ] && [ "$m1" = 1 ] && [ "$m2" = 5 ] &&
   [ "$body" = 01234567890123456789 ] && [ "$meth" = POST ] && t_pass ||
	t_fail "client: $got main: $a m1: $m1 m2: $m2 body: $body"

t_case svc_mirroring_max_body_size
clear_logs
small=$(names mirlim 3 -X POST --data-binary 12345)
wait_log m1 3
big=$(names mirlim 3 -X POST --data-binary 01234567890123456789)
names mirlim 1 >/dev/null	# a body-less request is mirrored
wait_log m1 4
sleep 0.3
m1=$(nlog m1) b=$(nlog b)
bodies=$(jq -r .body "$LOG/b.log" | tr '\n' ,)
last=$(tail -1 "$LOG/m1.log" | jq -r .method)
[ "$small$big" = bbbbbb ] && [ "$m1" = 4 ] && [ "$b" = 7 ] && [ "$last" = GET ] &&
   [ "$bodies" = "12345,12345,12345,01234567890123456789,01234567890123456789,01234567890123456789,," ] &&
	t_pass || t_fail "m1: $m1 main: $b bodies: $bodies last: $last"

t_case svc_mirroring_max_body_zero_chunked
clear_logs
c -H 'Host: mir0.test' -H 'Transfer-Encoding: chunked' --data-binary x $WEB/ >/dev/null
c -H 'Host: mir0.test' $WEB/ -o /dev/null
wait_log m2 1
sleep 0.3
[ "$(nlog m2)" = 1 ] && [ "$(nlog c)" = 2 ] && [ "$(jq -r .method "$LOG/m2.log")" = GET ] &&
	t_pass || t_fail "m2: $(nlog m2) c: $(nlog c)"

t_case svc_mirroring_without_body
clear_logs
main=$(c -H 'Host: mirnb.test' --data-binary hello $WEB/)
wait_log m2 1
r=$(jq -r '[.method, .body, ([.headers[] | select(.[0] == "Content-Length") | .[1]] | join(""))] | join(" ")' "$LOG/m2.log" 2>/dev/null)
[ "$main" = d ] && [ "$(jq -r .body "$LOG/d.log")" = hello ] && [ "$r" = "POST  0" ] &&
	t_pass || t_fail "main $main mirror: $r"

t_case svc_mirroring_client_gone
clear_logs
c -m 0.3 -H 'Host: mir.test' "$WEB/slow?ms=800" >/dev/null
sleep 1
c -H 'Host: mir.test' $WEB/ >/dev/null
sleep 0.5
# the counters advanced for both (#1 of a fresh run was mirrored before);
# the first request's copy is never sent: m1/m2 logs show no /slow
grep -q '/slow' "$LOG"/m1.log "$LOG"/m2.log 2>/dev/null && t_fail "mirrored a cancelled request" || t_pass

t_case svc_no_available_server_503
ctl "l7 server set" down@file http://127.0.0.1:22101 down >/dev/null
r=$(c -i -H 'Host: down.test' $WEB/ | tr -d '\r')
ctl "l7 server set" down@file http://127.0.0.1:22101 up >/dev/null
echo "$r" | head -1 | grep -q '^HTTP/1.1 503 Service Unavailable' &&
   echo "$r" | grep -q '^X-Content-Type-Options: nosniff' &&
   [ "$(echo "$r" | tail -1)" = "no available server" ] && t_pass || t_fail "$r"

t_case svc_passive_health
got=$(c -H 'Host: pv.test' $(urls "$WEB/fail" 6) | tr -d '\n')
after=$(names pv 4)
# each server failed; once a server has two 500s it is out for the window
h=$(ctl "service show" pv@file | jq -r '[.servers[].health] | join(",")')
[ "$h" = "passive-down,passive-down" ] && [ "$after" = "no available serverno available serverno available serverno available server" ] &&
	t_pass || t_fail "fail answers: $got after: $after health: $h"

t_case svc_retry_other_server
got=$(names retry 6)
post=$(c -o /dev/null -w '%{http_code}' -X POST -d x -H 'Host: retry.test' $WEB/; c -o /dev/null -w '%{http_code}' -X POST -d x -H 'Host: retry.test' $WEB/)
[ "$got" = cccccc ] && echo "$post" | grep -q 502 && t_pass || t_fail "GETs: $got POSTs: $post"

t_case svc_runtime_weight_drain
ctl "l7 server set" rt@file http://127.0.0.1:22101 weight 3 >/dev/null
w=$(counts rt 8)
ctl "l7 server set" rt@file http://127.0.0.1:22102 drain >/dev/null
d=$(counts rt 4)
bad=$(ctl "l7 server set" rt@file http://127.0.0.1:9 weight 1 | jq -r .error)
ctl "l7 server set" rt@file http://127.0.0.1:22102 up >/dev/null
[ "$w" = "a:6 b:2" ] && [ "$d" = "a:4" ] && [ -n "$bad" ] && [ "$bad" != null ] &&
	t_pass || t_fail "weight 3: $w drain: $d error: $bad"

t_case svc_service_show_json
j=$($NX timeout 10 $B/sluice -s "$TMP/s.sock" -j service show root@file)
ok=$(echo "$j" | jq -r '[.kind, .status, (.services | map(.name + "=" + (.weight|tostring) + ":" + .status) | join(","))] | join(" ")')
lbj=$($NX timeout 10 $B/sluice -s "$TMP/s.sock" -j service show rt@file | jq -r '[.servers[] | .url + "=" + .health + "/" + (.runtime_weight|tostring)] | join(",")')
case "$lbj" in
"http://127.0.0.1:22101=up/3,http://127.0.0.1:22102=up/1"|"http://127.0.0.1:22102=up/1,http://127.0.0.1:22101=up/3") lbok=1 ;;
*) lbok=0 ;;
esac
# compound services count their own requests: w31 served the first 8
wreq=$(ctl "service show" w31@file | jq -r '[.requests, .in_flight] | join(" ")')
[ "$ok" = "weighted up foo@file=1:up,bar@file=1:up" ] && [ $lbok = 1 ] &&
   [ "$wreq" = "8 0" ] && t_pass || t_fail "root: $ok rt: $lbj w31: $wreq"

t_case svc_cli_server_set_and_show_text
S="$NX timeout 10 $B/sluice -s $TMP/s.sock"
$S server set rt@file http://127.0.0.1:22102 drain >/dev/null
txt=$($S server show rt@file | grep 22102)
$S server set rt@file http://127.0.0.1:22102 up >/dev/null
$S server set rt@file http://127.0.0.1:22101 weight 1 >/dev/null
$S server set rt@file http://127.0.0.1:22101 bogus >/dev/null 2>&1; rc=$?
ftxt=$($S service show fohc@file | sed -n 2,3p | tr '\n' '|')
w=$(counts rt 4)
case "$txt" in *"health up runtime_weight 1 drain requests"*) t1=1 ;; *) t1=0 ;; esac
[ $t1 = 1 ] && [ $rc = 2 ] && [ "$w" = "a:2 b:2" ] &&
   [ "$ftxt" = "  main mainhc@file status up|  fallback fbhc@file status up|" ] &&
	t_pass || t_fail "show: [$txt] rc $rc counts $w failover: [$ftxt]"

t_case svc_active_probe_as_received
t_wait "grep -q '\"HEAD\"' $LOG/e.log 2>/dev/null" 5
p=$(grep '"HEAD"' "$LOG/e.log" | head -1 | jq -r '[.method, .path, .host, ([.headers[] | select(.[0] == "X-Probe") | .[1]] | join(""))] | join(" ")')
st=$($NX timeout 10 $B/sluice -s "$TMP/s.sock" server show hcs@file | grep -c 'health up runtime_weight 1 probe up last_probe 20[0-9-]*T[0-9:]*Z requests')
[ "$p" = "HEAD /health probe.test yes" ] && [ "$st" = 2 ] && t_pass || t_fail "probe: $p server show lines: $st"

t_case svc_active_probe_down_propagates_and_recovers
echo 503 >"$LOG/e.health"
t_wait '[ "$(names hcs 4)" = ffff ]' 5 && one=ok || one=$(names hcs 4)
echo 503 >"$LOG/f.health"
t_wait '[ "$(names hcfo 2)" = cc ]' 5 && two=ok || two=$(names hcfo 2)
rm -f "$LOG/e.health" "$LOG/f.health"
t_wait '[ "$(counts hcs 4)" = "e:2 f:2" ]' 5 && three=ok || three=$(counts hcs 4)
fo=$(names hcfo 2)
[ $one = ok ] && [ $two = ok ] && [ $three = ok ] && { [ "$fo" = ef ] || [ "$fo" = fe ]; } &&
   grep -q 'l7: service hcs@file is down' "$TMP/sluiced.log" &&
   grep -q 'l7: service hcs@file is up' "$TMP/sluiced.log" && t_pass ||
	t_fail "e down: $one both down: $two back: $three failover: $fo"

t_case svc_health_transitions_logged_and_counted
n=$(grep -c 'l7: service foo@file is down' "$TMP/sluiced.log")
m=$(ctl "l7 metrics" | jq -r .text | grep '^sluice_service_health_transitions_total{service="foo@file"}' | awk '{print $2}')
[ "$n" = 1 ] && [ "$m" = 2 ] && t_pass || t_fail "log lines $n metric $m"

t_done
