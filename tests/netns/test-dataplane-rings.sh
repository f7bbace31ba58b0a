#!/usr/bin/env bash
# Per-VIP ring sizes through sluiced (ABI v2): a VIP of 9 backends gets a
# 1601-entry ring, shrinks to 1021 when a reload leaves 3, grows back;
# after each change a new connection from a given source port reaches the
# backend `sluice vip lookup` predicts for it (the kernel and the CLI use
# the same ring size). Topology: tests/netns/dp_lib.sh, with two more
# servers (ports 8081, 8082) in each backend namespace.
set -u
cd "$(dirname "$0")/../.."
. tests/netns/dp_lib.sh

dp_require
dp_init
trap dp_cleanup EXIT
# write_config N: VIP 10.0.0.20:80/tcp over N of the 9 servers.
write_config() {
	local n=$1 i k=0 p
	{
		cat <<YAML
entryPoints:
  big:
    address: "10.0.0.20:80"
dataplane:
  hook: xdp
  interfaces: [lc, lb1, lb2, lb3]
tcp:
  routers:
    big:
      entryPoints: [big]
      rule: "HostSNI(\`*\`)"
      service: big
  services:
    big:
      loadBalancer:
        servers:
YAML
		for p in 8080 8081 8082; do
			for i in 1 2 3; do
				[ $k -lt "$n" ] && echo "          - address: \"10.0.1$i.2:$p\""
				k=$((k + 1))
			done
		done
	} >"$DP_TMP/sluice.yaml"
}

# name_of ADDR:PORT: the name the server at that address answers with.
name_of() {
	local host=${1%:*} port=${1##*:} i=${1:6:1}
	case $port in
	8080) echo "be$i" ;;
	8081) echo "be${i}b" ;;
	8082) echo "be${i}c" ;;
	esac
}

# check_ring CASE SIZE FIRST_SPORT: ring size, then 12 new connections
# land where vip lookup says.
check_ring() {
	local name=$1 want=$2 sport=$3 size s pred got bad=0
	size=$(dp_sluice -j vip show 10.0.0.20:80/tcp | jq '.[0].ring_size')
	[ "$size" = "$want" ] || { fail "$name" "ring size $size, want $want"; return; }
	for s in $(seq "$sport" $((sport + 11))); do
		pred=$(dp_sluice -j vip lookup 10.0.0.20:80/tcp "10.0.1.2:$s" | jq -r .backend)
		got=$(dp_client tcp 10.0.0.20 80 1 "$s" | jq -r '.answers | keys[0]')
		[ "$(name_of "$pred")" = "$got" ] || { bad=1; break; }
	done
	if [ $bad = 0 ]; then
		pass "$name"
	else
		fail "$name" "source port $s: vip lookup says $pred, the connection reached $got"
	fi
}

if ! dp_topology; then
	echo "FAIL topology: cannot build namespaces"; exit 1
fi
dp_backends
for i in 1 2 3; do
	nsenter --net="/run/netns/$(dp_ns b$i)" \
		"$DP_PY" "$DP_ROOT/tests/netns/dp_backend.py" be${i}b 8081 5354 &
	DP_PIDS+=($!)
	nsenter --net="/run/netns/$(dp_ns b$i)" \
		"$DP_PY" "$DP_ROOT/tests/netns/dp_backend.py" be${i}c 8082 5355 &
	DP_PIDS+=($!)
done
write_config 9
sleep 0.3
if ! dp_sluiced "$DP_TMP/sluice.yaml"; then
	echo "FAIL sluiced_start: $(tail -5 "$DP_TMP/sluiced.log" | tr '\n' ' ')"
	exit 1
fi

check_ring rings_9_backends_1601 1601 42000
write_config 3
dp_sluice daemon reload >/dev/null || fail rings_reload "reload failed"
check_ring rings_shrink_to_1021 1021 42100
write_config 9
dp_sluice daemon reload >/dev/null || fail rings_reload "reload failed"
check_ring rings_grow_to_1601 1601 42200
exit $failed
