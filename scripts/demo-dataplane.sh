#!/usr/bin/env bash
# make demo, data plane part: namespaces up, sluiced attached with XDP,
# TCP connections balanced 1:2:3 by weight, UDP in nat mode, then
# `sluice stats show` and `sluice flow show`; everything torn down on exit.
# Topology and the reasons for each veth peer setting: tests/netns/dp_lib.sh.
set -eu
cd "$(dirname "$0")/.."
. tests/netns/dp_lib.sh

if [ "$(id -u)" -ne 0 ]; then
	echo "demo-dataplane: needs root (namespaces, XDP)" >&2
	exit 1
fi
dp_init
DP_ID="demo$$"
DP_PIN=/sys/fs/bpf/sldp-$DP_ID
trap dp_cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "namespaces: client -> balancer (XDP on lc, lb1..lb3) -> be1, be2, be3"
dp_topology
dp_backends
cat >"$DP_TMP/sluice.yaml" <<'YAML'
entryPoints:
  web:
    address: "10.0.0.10:80"
  dns:
    address: "10.0.0.11:53/udp"
dataplane:
  hook: xdp
  interfaces: [lc, lb1, lb2, lb3]
tcp:
  routers:
    web:
      entryPoints: [web]
      rule: "HostSNI(`*`)"
      service: web
  services:
    web:
      loadBalancer:
        servers:
          - address: "10.0.11.2:8080"
            weight: 1
          - address: "10.0.12.2:8080"
            weight: 2
          - address: "10.0.13.2:8080"
            weight: 3
udp:
  routers:
    dns:
      entryPoints: [dns]
      service: dns
  services:
    dns:
      loadBalancer:
        forwarding: nat
        servers:
          - address: "10.0.11.2:5353"
          - address: "10.0.12.2:5353"
          - address: "10.0.13.2:5353"
YAML
sed 's/^/    /' "$DP_TMP/sluice.yaml"
sleep 0.3

step "sluiced attaches the XDP program and writes the maps"
dp_sluiced "$DP_TMP/sluice.yaml"
sed 's/^/    /' "$DP_TMP/sluiced.log"
dp_sluice prog show

step "the VIPs and their Maglev rings (weights 1:2:3)"
dp_sluice vip show

step "600 TCP connections to 10.0.0.10:80 (each answered with the backend's name)"
dp_client tcp 10.0.0.10 80 600 20000 | jq -c '{answers, failed}'

step "60 UDP datagrams to 10.0.0.11:53 (nat: backends see the client)"
dp_client udp 10.0.0.11 53 60 30000 | jq -c '{answers, peers, failed}'

step "no userspace socket listens on the VIP ports in the balancer"
dp_in l ss -H -ltnu | grep -E ':(80|53)\b' || echo "    (none)"

step "sluice stats show"
dp_sluice stats show

step "sluice flow show 10.0.0.11:53/udp (first 10)"
dp_sluice flow show 10.0.0.11:53/udp | head -10

step "tear down (sluiced --detach, namespaces removed)"
