#!/usr/bin/env bash
# run.sh - the two-region drill (make test-regions; make test runs it too,
# REGIONS_IN_TESTS=1 by default).
#
# Two regions, eu and us, each a whole Strata in a network namespace of its
# own joined by a veth pair (tests/regions/lib.sh), then every check
# tests/regions/[0-9]*.sh against them, in order: signup per region,
# forwarding, residency in databases and backups, the directory, the
# forwarding cost (01-05), the move (06, the lead's).  Prints "ok - ..." /
# "not ok - ..." and "# ..." figures.  Everything it started is stopped by
# pid and the namespaces are deleted at the end, failed or not.  A machine
# where `ip netns` is refused (or without pgbackrest) prints one line and
# skips.  STRATA_BIN [build/strata]; REGIONS_KEEP=1 leaves them running
# (then tests/regions/run.sh down stops them).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
export ROOT
# shellcheck disable=SC1091
. "$ROOT/tests/regions/lib.sh"

if [ "${1:-}" = down ]; then
	regions_down
	exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! regions_supported; then
	echo "# skipped: the regions drill needs root, ip netns and pgbackrest (make deps)"
	exit 0
fi
export STRATA_BIN=${STRATA_BIN:-$ROOT/build/strata}
[ -x "$STRATA_BIN" ] || { echo "not ok - $STRATA_BIN is built"; exit 1; }

t_start=$(date +%s)
regions_down
rm -rf "$REG_TOP"
cleanup() {
	if [ "${REGIONS_KEEP:-0}" != 1 ]; then regions_down; fi
	return 0
}
trap cleanup EXIT
if ! regions_up; then
	echo "not ok - two regions start, each in its network namespace"
	for r in $REG_NAMES; do tail -5 "$REG_TOP/up-$r.log" 2>/dev/null | sed 's/^/#   /'; done
	exit 1
fi
echo "ok - two regions start, each in its network namespace ($(reg_ns eu), $(reg_ns us); $(reg_addr eu) and $(reg_addr us))"
echo "# regions up in $(( $(date +%s) - t_start )) s"

rc=0
# REGIONS_TESTS: only these checks (space-separated paths under the
# clone), e.g. tests/regions/02_forward.sh.
checks=("$ROOT"/tests/regions/[0-9]*.sh)
[ -n "${REGIONS_TESTS:-}" ] && read -r -a checks <<<"$REGIONS_TESTS"
for t in "${checks[@]}"; do
	case $t in /*) ;; *) t=$ROOT/$t ;; esac
	[ -f "$t" ] || continue
	echo "# == ${t#"$ROOT"/}"
	out=$(timeout 900 bash "$t" 2>&1)
	trc=$?
	printf '%s\n' "$out" | grep -E '^(ok|not ok|#)'
	if [ "$trc" -ne 0 ] && ! grep -q '^not ok ' <<<"$out"; then
		echo "not ok - ${t#"$ROOT"/} exited with $trc"
		printf '%s\n' "$out" | tail -10 | sed 's/^/#   /'
		rc=1
	fi
done
# Sanitizer reports of either region's workers count as failures.
for r in $REG_NAMES; do
	for f in "$(reg_var "$r")"/log/asan.* "$(reg_var "$r")"/log/ubsan.*; do
		[ -f "$f" ] || continue
		echo "not ok - sanitizer report $f"
		head -20 "$f" | sed 's/^/#   /'
	done
done
echo "# make test-regions: $(( $(date +%s) - t_start )) s in all"
exit "$rc"
