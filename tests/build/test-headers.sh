#!/usr/bin/env bash
# Every header compiles on its own (style §8.4): a one-line .c per header,
# with the project's flags. One PASS/FAIL line per header.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/check.sh
B=${BUILD:-build}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CC=${CC:-gcc}
INC="-Ibpf -Iuserspace/lib -Iloader -Il7proxy -Iuserspace/agent -Iuserspace/cli -I$B/bpf"
for d in userspace/l4proxy tests/lib; do [ -d "$d" ] && INC="$INC -I$d"; done
for h in userspace/lib/*.h userspace/agent/*.h userspace/cli/*.h loader/*.h \
	 l7proxy/*.h userspace/l4proxy/*.h bpf/lb_abi.h; do
	[ -f "$h" ] || continue
	t_case "$h"
	echo "#include \"$(basename "$h")\"" >"$TMP/t.c"
	if out=$($CC -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -fsyntax-only \
		-I"$(dirname "$h")" $INC "$TMP/t.c" 2>&1); then
		t_pass
	else
		t_fail "$(echo "$out" | head -3 | tr '\n' ' ')"
	fi
done
t_done
