#!/usr/bin/env bash
# Installs every Debian package sluice, its tests and its benchmarks need.
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail

PKGS=(
	# build
	make gcc clang llvm pkg-config
	libbpf-dev libxdp-dev xdp-tools bpftool linux-libc-dev
	libelf-dev zlib1g-dev libssl-dev libevent-dev libyaml-dev
	libhttp-parser-dev libcmocka-dev
	# tests
	iproute2 ethtool jq curl socat openssl python3 procps util-linux
	nftables conntrack
	# benchmarks
	iperf3 wrk haproxy nginx-light gnuplot-nox
)

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo -E "$0" "$@"
	fi
	echo "install-deps: need root to install: ${missing[*]}" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# nginx-light and haproxy start services on install where an init exists;
# policy-rc.d keeps them from starting on hosts with one.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d.sluice
chmod +x /usr/sbin/policy-rc.d.sluice
if [ ! -e /usr/sbin/policy-rc.d ]; then
	cp /usr/sbin/policy-rc.d.sluice /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.sluice' EXIT
else
	trap 'rm -f /usr/sbin/policy-rc.d.sluice' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
