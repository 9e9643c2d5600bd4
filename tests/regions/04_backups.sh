#!/usr/bin/env bash
# 04_backups.sh - a tenant's backups exist only in its home region: a full
# backup in each region (pgBackRest, compress-type none), then both
# repositories are searched for the marker 03_residency.sh wrote into
# res-eu's records: in eu's, never in us's.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT
# shellcheck disable=SC1091
. "$ROOT/tests/regions/lib.sh"
regions_checks

MARKER=$(cat "$REG_TOP/marker" 2>/dev/null)
check "03_residency.sh left its marker" test -n "$MARKER"
for r in eu us; do
	t0=$(date +%s.%N)
	out=$("$ROOT/tests/dr/backup.sh" "$(reg_var "$r")" full 2>&1)
	check "a full backup of region $r (pgBackRest, its own repository)" test $? = 0
	[ -n "$out" ] && printf '%s\n' "$out" | tail -3 | sed 's/^/#   /'
	echo "# backup of $r: $(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }') s"
done
# WAL with the records is archived too: a switch, then wait for it.
for r in eu us; do "$ROOT/tests/dr/backup.sh" "$(reg_var "$r")" check >/dev/null 2>&1; done
hits() { grep -rlaF "$MARKER" "$(reg_var "$1")/backrest/repo" 2>/dev/null | wc -l; }
eu_hits=$(hits eu)
us_hits=$(hits us)
echo "#   files of the repositories holding the marker: eu $eu_hits, us $us_hits"
check "eu's repository holds res-eu's data (the marker)" test "$eu_hits" -gt 0
check "us's repository holds none of it" eq "$us_hits" 0
check "the slug is in us's repository (its directory row): the search sees that repository's data" \
	test "$(grep -rlaF "res-eu" "$(reg_var us)/backrest/repo" 2>/dev/null | wc -l)" -gt 0
exit 0
