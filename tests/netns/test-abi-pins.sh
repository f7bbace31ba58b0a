#!/usr/bin/env bash
# Pins of another ABI version are left alone: a data plane pinned under
# <pin root>/v<other>/ (made here by renaming this version's folder, as a
# v1 sluiced would have left it) keeps its interface; attaching fails and
# the error names that version's link pin; this version's detach leaves
# it; removing its folder frees the interface. Private namespace and pin
# root, both removed on exit.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/check.sh
B=${BUILD:-build}
NS=slsc-abi-$$
PIN=/sys/fs/bpf/slsc-abi-$$
V=$(sed -n 's/^#define LB_ABI_VERSION[[:space:]]*\([0-9]*\).*/\1/p' bpf/lb_abi.h)
OLD=v$((V + 100))	# any other version: its folder name is all that counts
cleanup() {
	nsenter --net="/run/netns/$NS" "$B/sluice" -P "$PIN" prog detach >/dev/null 2>&1
	rm -rf "$PIN"
	ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ] || [ ! -x "$B/sluice" ]; then
	echo "SKIP abi_pins: needs root and $B/sluice"
	exit 0
fi
ip netns add "$NS" || { echo "FAIL abi_pins: cannot create $NS"; exit 1; }
ip -n "$NS" link add slscab0 type veth peer name slscab1
ip -n "$NS" link set slscab0 up
ip -n "$NS" link set slscab1 up
in_ns() { nsenter --net="/run/netns/$NS" "$@"; }
attach() { in_ns "$B/sluice" -P "$PIN" prog attach slscab0 mode skb >/dev/null 2>&1; }

t_case abi_pins_attach
t_expect "prog attach failed" attach

t_case abi_pins_other_version_holds_iface
mv "$PIN/v$V" "$PIN/$OLD"
out=$(in_ns "$B/sluice" -P "$PIN" prog attach slscab0 mode skb 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "$PIN/$OLD/link_slscab0" <<<"$out" &&
   grep -q "another ABI version" <<<"$out"; then
	t_pass
else
	t_fail "rc $rc, output: $out"
fi

t_case abi_pins_show_lists_own_version_only
# this version's folder (maps without a link, from the failed attach) is
# the CLI's; the other version's link is not listed
out=$(in_ns "$B/sluice" -P "$PIN" -j prog show 2>&1)
if ! grep -q slscab0 <<<"$out"; then t_pass; else t_fail "lists the other version's link: $out"; fi

t_case abi_pins_detach_leaves_other_version
in_ns "$B/sluice" -P "$PIN" prog detach >/dev/null 2>&1
if [ -e "$PIN/$OLD/link_slscab0" ] &&
   ip -n "$NS" link show slscab0 | grep -q xdp; then
	t_pass
else
	t_fail "the other version's link or program is gone"
fi

t_case abi_pins_removing_other_version_frees_iface
rm -rf "${PIN:?}/$OLD"
if t_wait "! ip -n $NS link show slscab0 | grep -q xdp" 5 &&
   attach; then
	t_pass
else
	t_fail "interface not freed, or attach still fails"
fi
t_done
