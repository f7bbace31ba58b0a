#!/usr/bin/env bash
# The userspace TCP/UDP proxy of sluiced, end to end in namespaces with
# real clients and backends (tests/l4/): the PROXY v1/v2 bytes a backend
# receives for IPv4 and IPv6 clients, inbound PROXY honoured only from
# trusted peers, half-close with terminationDelay, SNI routing (TLS
# passthrough), distribution by weight (TCP and UDP), UDP sessions,
# 65507-byte datagrams and the session timeout.
set -u
. "$(dirname "$0")/../l4/lib.sh"
trap l4_cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP l4: needs root (network namespaces)"
	exit 0
fi
l4_setup || { echo "FAIL l4_setup: cannot create namespaces"; exit 1; }

CFG=$L4_DIR/sluice.yml
cat >"$CFG" <<'YAML'
entryPoints:
  pp1:   { address: ":20101" }
  pp2:   { address: ":20102" }
  ppin:
    address: ":20103"
    proxyProtocol: { trustedIPs: ["10.77.0.2/32", "fd77::2"] }
  hc1:   { address: ":20104" }
  hc2:   { address: ":20105" }
  hc3:   { address: ":20106" }
  tls:   { address: ":20107" }
  wrr:   { address: ":20108" }
  srvw:  { address: ":20109" }
  bulk:  { address: ":20112" }
  mix:   { address: ":20113" }
  mixall: { address: ":20114" }
  uwrr:  { address: ":20110/udp" }
  ubig:
    address: ":20111/udp"
    udp: { timeout: 1s }
tcp:
  routers:
    pp1:  { entryPoints: [pp1], rule: "HostSNI(`*`)", service: pp1 }
    pp2:  { entryPoints: [pp2], rule: "HostSNI(`*`)", service: pp2 }
    ppin: { entryPoints: [ppin], rule: "HostSNI(`*`)", service: ppin }
    hc1:  { entryPoints: [hc1], rule: "HostSNI(`*`)", service: hc1 }
    hc2:  { entryPoints: [hc2], rule: "HostSNI(`*`)", service: hc2 }
    hc3:  { entryPoints: [hc3], rule: "HostSNI(`*`)", service: hc3 }
    sni-a:
      entryPoints: [tls]
      rule: "HostSNI(`a.test`)"
      service: sa
      tls: { passthrough: true }
    sni-b:
      entryPoints: [tls]
      rule: "HostSNI(`b.test`, `*.b.test`)"
      service: sb
      tls: { passthrough: true }
    sni-star:
      entryPoints: [tls]
      rule: "HostSNI(`*`)"
      service: sc
      tls: { passthrough: true }
    plain:
      entryPoints: [tls]
      rule: "HostSNI(`*`)"
      service: sd
    wrr:  { entryPoints: [wrr], rule: "HostSNI(`*`)", service: w }
    srvw: { entryPoints: [srvw], rule: "HostSNI(`*`)", service: srvw }
    bulk: { entryPoints: [bulk], rule: "HostSNI(`*`)", service: bulk }
    sni-m:
      entryPoints: [mix]
      rule: "HostSNI(`m.test`)"
      service: sm
      tls: { passthrough: true }
    mixall: { entryPoints: [mixall], rule: "HostSNI(`*`)", service: se }
  services:
    pp1:
      loadBalancer:
        proxyProtocol: { version: 1 }
        servers: [ { address: "127.0.0.1:20601" } ]
    pp2:
      loadBalancer:
        proxyProtocol: {}
        servers: [ { address: "127.0.0.1:20602" } ]
    ppin:
      loadBalancer:
        proxyProtocol: { version: 2 }
        servers: [ { address: "127.0.0.1:20603" } ]
    hc1:
      loadBalancer:
        terminationDelay: 1000
        servers: [ { address: "127.0.0.1:20604" } ]
    hc2:
      loadBalancer:
        terminationDelay: 200
        servers: [ { address: "127.0.0.1:20605" } ]
    hc3:
      loadBalancer:
        terminationDelay: -1
        servers: [ { address: "127.0.0.1:20606" } ]
    sa: { loadBalancer: { servers: [ { address: "127.0.0.1:20611" } ] } }
    sb: { loadBalancer: { servers: [ { address: "127.0.0.1:20612" } ] } }
    sc: { loadBalancer: { servers: [ { address: "127.0.0.1:20613" } ] } }
    sd: { loadBalancer: { servers: [ { address: "127.0.0.1:20614" } ] } }
    sm: { loadBalancer: { servers: [ { address: "127.0.0.1:20615" } ] } }
    se: { loadBalancer: { servers: [ { address: "127.0.0.1:20617" } ] } }
    w:
      weighted:
        services: [ { name: wa, weight: 3 }, { name: wb, weight: 1 } ]
    wa: { loadBalancer: { servers: [ { address: "127.0.0.1:20621" } ] } }
    wb: { loadBalancer: { servers: [ { address: "127.0.0.1:20622" } ] } }
    srvw:
      loadBalancer:
        servers:
          - { address: "127.0.0.1:20623", weight: 3 }
          - { address: "127.0.0.1:20624", weight: 1 }
    bulk:
      loadBalancer:
        terminationDelay: -1
        servers: [ { address: "127.0.0.1:20625" } ]
http:
  routers:
    web:
      entryPoints: [mix, mixall]
      rule: "Host(`h.test`)"
      service: web
  services:
    web: { loadBalancer: { servers: [ { url: "http://127.0.0.1:20616" } ] } }
udp:
  routers:
    uwrr: { entryPoints: [uwrr], service: uw }
    ubig: { entryPoints: [ubig], service: ubig }
  services:
    uw:
      weighted:
        services: [ { name: ua, weight: 3 }, { name: ub, weight: 1 } ]
    ua: { loadBalancer: { servers: [ { address: "127.0.0.1:20631" } ] } }
    ub: { loadBalancer: { servers: [ { address: "127.0.0.1:20632" } ] } }
    ubig: { loadBalancer: { servers: [ { address: "[::1]:20633" } ] } }
YAML

OUT=$L4_DIR/out
mkdir -p "$OUT"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test \
	-keyout "$L4_DIR/key.pem" -out "$L4_DIR/cert.pem" >/dev/null 2>&1
TLSK=(--tls "$L4_DIR/cert.pem" "$L4_DIR/key.pem")
ok=1
l4_backend tcp 127.0.0.1 20601 pp1 "$OUT" || ok=0
l4_backend tcp 127.0.0.1 20602 pp2 "$OUT" || ok=0
l4_backend tcp 127.0.0.1 20603 ppin "$OUT" || ok=0
l4_backend tcp 127.0.0.1 20604 hc1 "$OUT" --reply-after-eof 0 || ok=0
l4_backend tcp 127.0.0.1 20605 hc2 "$OUT" --reply-after-eof 2 || ok=0
l4_backend tcp 127.0.0.1 20606 hc3 "$OUT" --reply-after-eof 1 || ok=0
l4_backend tcp 127.0.0.1 20611 A "$OUT" "${TLSK[@]}" || ok=0
l4_backend tcp 127.0.0.1 20612 B "$OUT" "${TLSK[@]}" || ok=0
l4_backend tcp 127.0.0.1 20613 C "$OUT" "${TLSK[@]}" || ok=0
l4_backend tcp 127.0.0.1 20614 D "$OUT" || ok=0
l4_backend tcp 127.0.0.1 20615 M "$OUT" "${TLSK[@]}" || ok=0
l4_backend tcp 127.0.0.1 20617 E "$OUT" || ok=0
ip netns exec "$NS_L" python3 "$L4_ROOT/tests/l7/backend.py" H 20616 \
	>"$L4_DIR/http.out" 2>&1 &
L4_PIDS+=($!)
l4_backend tcp 127.0.0.1 20621 WA "$OUT" || ok=0
l4_backend tcp 127.0.0.1 20622 WB "$OUT" || ok=0
l4_backend tcp 127.0.0.1 20623 WC "$OUT" || ok=0
l4_backend tcp 127.0.0.1 20624 WD "$OUT" || ok=0
l4_backend tcp 127.0.0.1 20625 BULK "$OUT" --send-size 6000000 || ok=0
l4_backend udp 127.0.0.1 20631 UA || ok=0
l4_backend udp 127.0.0.1 20632 UB || ok=0
l4_backend udp ::1 20633 UBIG || ok=0
if [ $ok = 0 ] || ! l4_sluiced "$CFG"; then
	echo "FAIL l4_start: backends or sluiced did not start"
	exit 1
fi

hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }
hexs() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
sig=0d0a0d0a000d0a515549540a

# check_bytes NAME FILE WANT_HEX
check_bytes() {
	if ! wait_file "$2"; then
		fail "$1" "backend received no connection"
	elif [ "$(hex "$2")" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "backend got $(hex "$2"), want $3"
	fi
}

test_fallback_message() {
	local n
	n=$(grep -c "serving tcp/udp in userspace" "$L4_DIR/sluiced.log")
	if [ "$n" = 1 ] &&
	   [ "$(ctl "l4 show" dataplane_active)" = false ] &&
	   [ "$(ctl "l4 show" entrypoints/name=pp1/path)" = userspace ]; then
		pass l4_fallback_message
	else
		fail l4_fallback_message "said $n times; $(cat "$L4_DIR/sluiced.log")"
	fi
}

test_pp_v1() {
	client tcp 10.77.0.1 20101 --src 10.77.0.2,31001 --send hello \
		--halfclose >/dev/null
	check_bytes l4_pp_v1_ipv4 "$OUT/pp1.1.bin" \
		"$(hexs $'PROXY TCP4 10.77.0.2 10.77.0.1 31001 20101\r\nhello')"
	client tcp fd77::1 20101 --src fd77::2,31002 --send hello6 \
		--halfclose >/dev/null
	check_bytes l4_pp_v1_ipv6 "$OUT/pp1.2.bin" \
		"$(hexs $'PROXY TCP6 fd77::2 fd77::1 31002 20101\r\nhello6')"
}

test_pp_v2() {
	client tcp 10.77.0.1 20102 --src 10.77.0.2,31003 --send hello \
		--halfclose >/dev/null
	check_bytes l4_pp_v2_ipv4 "$OUT/pp2.1.bin" \
		"${sig}2111000c0a4d00020a4d0001$(printf '%04x%04x' 31003 20102)$(hexs hello)"
	client tcp fd77::1 20102 --src fd77::2,31004 --send hello6 \
		--halfclose >/dev/null
	check_bytes l4_pp_v2_ipv6 "$OUT/pp2.2.bin" \
		"${sig}21210024fd770000000000000000000000000002fd770000000000000000000000000001$(printf '%04x%04x' 31004 20102)$(hexs hello6)"
}

# Inbound PROXY v1 from a trusted peer (10.77.0.2) is honoured: the
# backend's v2 header carries the address it announced. From an untrusted
# peer (10.77.0.3) the header is consumed and ignored: the backend sees the
# peer's own address.
test_pp_inbound() {
	local hdr=$'PROXY TCP4 198.51.100.7 203.0.113.9 4242 443\r\n'

	client tcp 10.77.0.1 20103 --src 10.77.0.2,31005 \
		--send "${hdr}data" --halfclose >/dev/null
	check_bytes l4_pp_in_trusted "$OUT/ppin.1.bin" \
		"${sig}2111000cc6336407cb007109$(printf '%04x%04x' 4242 443)$(hexs data)"
	client tcp 10.77.0.1 20103 --src 10.77.0.3,31006 \
		--send "${hdr}data" --halfclose >/dev/null
	check_bytes l4_pp_in_untrusted "$OUT/ppin.2.bin" \
		"${sig}2111000c0a4d00030a4d0001$(printf '%04x%04x' 31006 20103)$(hexs data)"
	# v2 inbound from a trusted IPv6 peer
	client tcp fd77::1 20103 --src fd77::2,31007 --send-hex \
		"${sig}21210024$(printf '2001%028x' 7)$(printf '2001%028x' 9)$(printf '%04x%04x' 5555 443)$(hexs data)" \
		--halfclose >/dev/null
	check_bytes l4_pp_in_trusted_v2_ipv6 "$OUT/ppin.3.bin" \
		"${sig}21210024$(printf '2001%028x' 7)$(printf '2001%028x' 9)$(printf '%04x%04x' 5555 443)$(hexs data)"
	if [ "$(ctl "l4 show" entrypoints/name=ppin/pp_in)" = 2 ] &&
	   [ "$(ctl "l4 show" entrypoints/name=ppin/pp_ignored)" = 1 ]; then
		pass l4_pp_in_counters
	else
		fail l4_pp_in_counters "$(ctl "l4 show" entrypoints/name=ppin)"
	fi
}

# The client half-closes; the backend answers after its read of EOF.
test_halfclose() {
	local got

	got=$(client tcp 10.77.0.1 20104 --send q --halfclose)
	[ "$got" = REPLY ] && pass l4_halfclose_reply_before_delay ||
		fail l4_halfclose_reply_before_delay "client got '$got'"
	# reply 2 s after EOF, terminationDelay 200 ms: cut off
	got=$(client tcp 10.77.0.1 20105 --send q --halfclose)
	[ "$got" = "" ] && pass l4_halfclose_reply_after_delay ||
		fail l4_halfclose_reply_after_delay "client got '$got'"
	# reply 1 s after EOF, terminationDelay -1: never forced
	got=$(client tcp 10.77.0.1 20106 --send q --halfclose)
	[ "$got" = REPLY ] && pass l4_halfclose_negative_delay ||
		fail l4_halfclose_negative_delay "client got '$got'"
	wait_file "$OUT/hc2.1.bin" && [ "$(cat "$OUT/hc2.1.bin")" = q ] &&
		pass l4_halfclose_client_bytes ||
		fail l4_halfclose_client_bytes "backend did not get the bytes"
}

test_sni() {
	local got want sni

	for sni in a.test:A b.test:B x.b.test:B other.test:C; do
		want=${sni#*:}
		got=$(client tcp 10.77.0.1 20107 --tls "${sni%:*}")
		[ "$got" = "$want" ] && pass "l4_sni_${sni%:*}" ||
			fail "l4_sni_${sni%:*}" "got '$got', want $want"
	done
	got=$(client tcp 10.77.0.1 20107 --send plain --recv 1 --halfclose)
	[ "$got" = D ] && pass l4_sni_plain_catch_all ||
		fail l4_sni_plain_catch_all "got '$got', want D"
}

# An entryPoint with tcp and http routers: TCP routers first (a
# ClientHello for m.test), HTTP routers for what none takes (plain HTTP),
# with the client's address kept; a plain catch-all TCP router takes
# everything (Traefik's order).
test_tcp_then_http() {
	local got i

	for i in $(seq 50); do
		ip netns exec "$NS_L" curl -s -o /dev/null http://127.0.0.1:20616/ && break
		sleep 0.1
	done
	got=$(client tcp 10.77.0.1 20113 --tls m.test)
	[ "$got" = M ] && pass l4_mix_tls_to_tcp_router ||
		fail l4_mix_tls_to_tcp_router "got '$got', want M"
	got=$(timeout 10 ip netns exec "$NS_C" curl -s -m 5 \
		-H 'Host: h.test' http://10.77.0.1:20113/hello)
	if [ "$(jq -r .name <<<"$got" 2>/dev/null)" = H ] &&
	   [ "$(jq -r .path <<<"$got")" = /hello ] &&
	   jq -e '.headers[] | select(.[0] == "X-Forwarded-For" and .[1] == "10.77.0.2")' \
		<<<"$got" >/dev/null; then
		pass l4_mix_plain_to_http_router
	else
		fail l4_mix_plain_to_http_router "got '$got'"
	fi
	got=$(ctl "l4 show" entrypoints/name=mix/to_http)
	[ "$got" = 1 ] && pass l4_mix_to_http_counted ||
		fail l4_mix_to_http_counted "to_http $got, want 1"
	got=$(client tcp 10.77.0.1 20114 \
		--send $'GET / HTTP/1.1\r\nHost: h.test\r\n\r\n' --recv 1 --halfclose)
	[ "$got" = E ] && pass l4_mix_catch_all_wins ||
		fail l4_mix_catch_all_wins "got '$got', want E"
}

# count_replies N PORT: N connections, the replies counted by backend name
count_replies() {
	local i
	for i in $(seq "$1"); do
		client tcp 10.77.0.1 "$2" --recv 2 --halfclose
	done | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}'
}

test_weights() {
	local got

	got=$(count_replies 8 20108)
	[ "$got" = "WA=6 WB=2 " ] && pass l4_weighted_3_1 ||
		fail l4_weighted_3_1 "got '$got'"
	got=$(count_replies 8 20109)
	[ "$got" = "WC=6 WD=2 " ] && pass l4_server_weights_3_1 ||
		fail l4_server_weights_3_1 "got '$got'"
}

test_udp() {
	local got i before after

	got=$(for i in $(seq 8); do
		client udp 10.77.0.1 20110 --src 10.77.0.2,$((32000 + i)) \
			--send x
	done | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}')
	[ "$got" = "UA:x=6 UB:x=2 " ] && pass l4_udp_weighted_sessions ||
		fail l4_udp_weighted_sessions "got '$got'"
	# the same client address keeps its session (and its backend)
	before=$(ctl "l4 show" entrypoints/name=uwrr/sessions_total)
	got=$(client udp 10.77.0.1 20110 --src 10.77.0.2,32100 --send y \
		--count 3 | sort -u)
	after=$(ctl "l4 show" entrypoints/name=uwrr/sessions_total)
	[ "$(echo "$got" | wc -l)" = 1 ] && [ "$after" = $((before + 1)) ] &&
		pass l4_udp_session_reuse ||
		fail l4_udp_session_reuse "got '$got', sessions $before -> $after"
	got=$(client udp 10.77.0.1 20111 --size 65507)
	[ "$got" = same ] && pass l4_udp_max_ipv4_datagram ||
		fail l4_udp_max_ipv4_datagram "got '$got'"
	got=$(client udp fd77::1 20111 --size 65527)
	[ "$got" = same ] && pass l4_udp_max_ipv6_datagram ||
		fail l4_udp_max_ipv6_datagram "got '$got'"
}

# udp.timeout 1s: a session idle for 2.5 s is gone, the next datagram from
# the same address opens a new one.
test_udp_timeout() {
	local before after active

	client udp 10.77.0.1 20111 --src 10.77.0.2,33001 --send t >/dev/null
	before=$(ctl "l4 show" entrypoints/name=ubig/sessions_total)
	sleep 2.5
	active=$(ctl "l4 show" entrypoints/name=ubig/sessions_active)
	client udp 10.77.0.1 20111 --src 10.77.0.2,33001 --send t >/dev/null
	after=$(ctl "l4 show" entrypoints/name=ubig/sessions_total)
	if [ "$active" = 0 ] && [ "$after" = $((before + 1)) ]; then
		pass l4_udp_timeout
	else
		fail l4_udp_timeout "active $active, sessions $before -> $after"
	fi
}

# Megabytes both ways at once (the splice path once a read fills the
# buffer): every byte arrives, in order.
test_bulk() {
	local want got

	want=$(python3 -c 'import hashlib, sys
sys.path.insert(0, sys.argv[1])
import client
print(hashlib.sha256(client.pattern(int(sys.argv[2]))).hexdigest())' \
		"$L4_ROOT/tests/l4" 6000000)
	got=$(client tcp 10.77.0.1 20112 --send-size 5000000 --halfclose \
		--sha256)
	[ "$got" = "$want" ] && pass l4_bulk_download ||
		fail l4_bulk_download "sha256 $got, want $want"
	want=$(python3 -c 'import hashlib, sys
sys.path.insert(0, sys.argv[1])
import client
print(hashlib.sha256(client.pattern(int(sys.argv[2]))).hexdigest())' \
		"$L4_ROOT/tests/l4" 5000000)
	if wait_file "$OUT/BULK.1.bin" &&
	   [ "$(sha256sum <"$OUT/BULK.1.bin" | cut -d' ' -f1)" = "$want" ]; then
		pass l4_bulk_upload
	else
		fail l4_bulk_upload "backend got $(stat -c %s "$OUT/BULK.1.bin" 2>/dev/null) bytes"
	fi
}

# A reload while a connection is open: the connection keeps its backend
# and PROXY header (v1), a new connection uses the new service (v2).
test_reload() {
	local gen

	client tcp 10.77.0.1 20101 --src 10.77.0.2,31010 --send before \
		--wait-file "$L4_DIR/go" --send2 after --halfclose >/dev/null &
	wait_ctl entrypoints/name=pp1/conns_active 1
	sed -i 's/proxyProtocol: { version: 1 }/proxyProtocol: { version: 2 }/' \
		"$CFG"
	gen=$(ctl "l4 show" generation)
	ctl reload >/dev/null
	touch "$L4_DIR/go"
	wait $!
	check_bytes l4_reload_established_kept "$OUT/pp1.3.bin" \
		"$(hexs $'PROXY TCP4 10.77.0.2 10.77.0.1 31010 20101\r\nbeforeafter')"
	client tcp 10.77.0.1 20101 --src 10.77.0.2,31011 --send new \
		--halfclose >/dev/null
	check_bytes l4_reload_new_graph "$OUT/pp1.4.bin" \
		"${sig}2111000c0a4d00020a4d0001$(printf '%04x%04x' 31011 20101)$(hexs new)"
	[ "$(ctl "l4 show" generation)" = $((gen + 1)) ] &&
		pass l4_reload_generation ||
		fail l4_reload_generation "generation $gen -> $(ctl "l4 show" generation)"
}

test_fallback_message
test_pp_v1
test_pp_v2
test_pp_inbound
test_halfclose
test_sni
test_tcp_then_http
test_weights
test_udp
test_udp_timeout
test_bulk
test_reload
exit $L4_FAILED
