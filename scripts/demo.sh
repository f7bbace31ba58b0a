#!/usr/bin/env bash
# make demo: shows sluice end to end. Each part is a script of its own;
# this one runs them in order and stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build}
export BUILD=$B

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }

say "1. The configuration: a Traefik file, validated and normalised"
run "$B/sluice" config check examples/sluice.yml
run "$B/sluice" -j config show examples/sluice.yml | jq -c '.config.http.services["app@file"]'
echo "A typo is caught with its place and a suggestion:"
bad=$(mktemp)
trap 'rm -f "$bad"' EXIT
sed 's/passHostHeader/passHostHeadr/; s/serversTransport: internal-tls/serversTransport: internal-tlz/' \
	examples/sluice.yml >"$bad"
"$B/sluice" config check "$bad" | sed "s|$bad|sluice.yml|" || true

for part in scripts/demo-*.sh; do
	[ -x "$part" ] || continue
	say "$(sed -n 2p "$part" | sed 's/^# *//')"
	"$part"
done
say "done"
