#!/usr/bin/env bash
# A data plane that cannot start (an interface that does not exist) leaves
# nothing behind: sluiced falls back to the userspace proxy, says so, and
# removes the pin folder its failed start created (a running data plane's
# pins, re-used, would stay: tests/netns/test-dataplane.sh restarts).
set -u
cd "$(dirname "$0")/../.."
. tests/netns/dp_lib.sh

dp_require
dp_init
NS=sldp-fail-$DP_ID
cleanup() {
	dp_sluiced_stop
	ip netns del "$NS" 2>/dev/null
	rm -rf "$DP_PIN" "$DP_TMP"
}
trap cleanup EXIT
ip netns add "$NS" || { echo "FAIL dp_fail_setup: cannot create a namespace"; exit 1; }
cat >"$DP_TMP/c.yaml" <<'YAML'
entryPoints:
  web: { address: "127.0.0.1:20180" }
dataplane:
  interfaces: [sldpnosuch0]
tcp:
  routers:
    web: { entryPoints: [web], rule: "HostSNI(`*`)", service: web }
  services:
    web:
      loadBalancer:
        servers: [ { address: "127.0.0.1:9" } ]
YAML
nsenter --net="/run/netns/$NS" "$DP_BUILD/sluiced" -c "$DP_TMP/c.yaml" \
	-s "$DP_TMP/sock" -P "$DP_PIN" >>"$DP_TMP/sluiced.log" 2>&1 &
DP_SLUICED=$!
# the control socket answers once every subsystem has started
for i in $(seq 50); do
	"$DP_BUILD/sluice" -s "$DP_TMP/sock" daemon status >/dev/null 2>&1 && break
	sleep 0.1
done
if grep -q "dataplane: not attached" "$DP_TMP/sluiced.log" &&
   grep -q "l4: no kernel data plane" "$DP_TMP/sluiced.log" &&
   [ ! -e "$DP_PIN" ]; then
	echo "PASS dp_fail_leaves_nothing"
else
	echo "FAIL dp_fail_leaves_nothing: pins: $(ls -R "$DP_PIN" 2>&1 | head -3 | tr '\n' ' '); log: $(tail -4 "$DP_TMP/sluiced.log" | tr '\n' ' ')"
	failed=1
fi
# and it stops on SIGTERM (a stop right after a failed start used to hang
# in the L7 workers' join)
kill "$DP_SLUICED"
for i in $(seq 50); do
	kill -0 "$DP_SLUICED" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$DP_SLUICED" 2>/dev/null; then
	echo "FAIL dp_fail_stops: still running 5 s after SIGTERM"
	kill -9 "$DP_SLUICED"
	failed=1
else
	echo "PASS dp_fail_stops"
fi
DP_SLUICED=

# SIGTERM while sluiced is still starting (the control socket exists,
# the subsystems are coming up): it must still stop, 5 times in a row
stuck=0
for round in 1 2 3 4 5; do
	rm -f "$DP_TMP/sock"
	nsenter --net="/run/netns/$NS" "$DP_BUILD/sluiced" -c "$DP_TMP/c.yaml" \
		-s "$DP_TMP/sock" -P "$DP_PIN" >>"$DP_TMP/sluiced.log" 2>&1 &
	DP_SLUICED=$!
	for i in $(seq 100); do
		[ -S "$DP_TMP/sock" ] && break
		sleep 0.02
	done
	kill "$DP_SLUICED"
	for i in $(seq 50); do
		kill -0 "$DP_SLUICED" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DP_SLUICED" 2>/dev/null; then
		stuck=$((stuck + 1))
		kill -9 "$DP_SLUICED"
	fi
	wait "$DP_SLUICED" 2>/dev/null
done
DP_SLUICED=
if [ "$stuck" = 0 ]; then
	echo "PASS dp_fail_stops_while_starting"
else
	echo "FAIL dp_fail_stops_while_starting: $stuck of 5 ignored SIGTERM"
	failed=1
fi
[ ! -e "$DP_PIN" ] || { echo "FAIL dp_fail_pins_left: $(ls "$DP_PIN")"; failed=1; }
exit ${failed:-0}
