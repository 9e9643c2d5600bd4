#!/usr/bin/env bash
# 06_move.sh - a tenant of eu moved to us online (`strata tenant move`,
# docs/regions.md "Moving a tenant") while a writer creates records at 50 a
# second through eu's edge and a reader reads: no acknowledged write lost,
# errors only 503 with Retry-After inside the window (reported, with the
# bulk copy's time), tokens issued before
# the move still work after it, the audit chain continues and verifies,
# eu keeps nothing of the tenant, and the directory says us.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT
# shellcheck disable=SC1091
. "$ROOT/tests/regions/lib.sh"
regions_checks

secs_since() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }

SLUG=${MOVE_SLUG:-mv-eu}
use_region eu
mk_tenant "$SLUG"
login "$SLUG" "owner@$SLUG.test" "$PW_OWNER"
TOK=$TOKEN
json POST "$SLUG" /v1/collections '{"name":"events","fields":{"seq":{"type":"integer","indexed":true},"host":{"type":"string"}}}' "$TOK"
check "a collection in eu (201)" eq "$STATUS" 201
mk_user "$SLUG" "$TOK" "member@$SLUG.test" member
check "a second user in eu (201)" eq "$STATUS" 201
TID=$(tenant_id_in eu "$SLUG")
check "us's directory says $SLUG lives in eu" \
	directory_wait us "slug = '$SLUG' AND region = 'eu' AND status = 'active'"

# The bench tenant's size: about 1,000 records before the move.
rm -f "$TMPD/seed.stop"
in_region eu python3 "$ROOT/tests/dr/writer.py" 8443 "$CA" "$BASE" 400 "$TMPD/seed.stop" \
	"$SLUG=$TOK" >"$TMPD/seed" &
seeder=$!
for _ in $(seq 900); do
	[ "$(grep -c ' 201 ' "$TMPD/seed")" -ge 1000 ] && break
	sleep 0.1
done
touch "$TMPD/seed.stop"
wait "$seeder"
SEEDED=$(grep -c ' 201 ' "$TMPD/seed")
check "1,000 records written in eu before the move ($SEEDED)" test "$SEEDED" -ge 1000

# The writer (50 a second) and a reader, both through eu's edge, all along.
rm -f "$TMPD/stop"
in_region eu python3 "$ROOT/tests/dr/writer.py" 8443 "$CA" "$BASE" 50 "$TMPD/stop" \
	"$SLUG=$TOK" >"$TMPD/writes" &
writer=$!
(
	while [ ! -f "$TMPD/stop" ]; do
		authed GET "$SLUG" "/v1/collections/events/records?limit=5" "$TOK"
		echo "$(date +%s.%N) $STATUS $(header retry-after) $(header strata-region)"
		sleep 0.1
	done
) >"$TMPD/reads" &
reader=$!
sleep 2
t0=$(date +%s.%N)
OUT=$(in_region eu $STRATA tenant move "$SLUG" --to us 2>"$TMPD/move.err")
rc=$?
echo "# strata tenant move: $(secs_since "$t0") s: $OUT"
[ "$rc" = 0 ] || sed 's/^/#   /' "$TMPD/move.err"
check "strata tenant move $SLUG --to us succeeds" test "$rc" = 0
sleep 3
touch "$TMPD/stop"
wait "$writer" "$reader" 2>/dev/null

FROZEN=$(jq -r .frozen_ms <<<"$OUT" 2>/dev/null)
COPY=$(jq -r .copy_ms <<<"$OUT" 2>/dev/null)
echo "# move: bulk copy ${COPY} ms, writes frozen ${FROZEN} ms, $(jq -r .purged_rows <<<"$OUT" 2>/dev/null) rows purged in eu"
# The window is reported, not asserted (the target is under 5 s for the bench
# tenant's size; figures in docs/regions.md).
check "the move reports its window (writes frozen ${FROZEN} ms)" \
	eval '[[ "$FROZEN" =~ ^[0-9]+$ ]]'

# Every answer was a 201 or a 503 with Retry-After; every 201 is in us.
BAD=$(awk '$3 != 201 && !($3 == 503 && $4 != "-")' "$TMPD/writes" | wc -l)
N503=$(awk '$3 == 503' "$TMPD/writes" | wc -l)
check "the writer got only 201s, and 503s with Retry-After ($N503 of them; $BAD others)" eq "$BAD" 0
awk '$3 == 201 { print $5 }' "$TMPD/writes" >"$TMPD/acked"
awk '$3 == 201 { print $5 }' "$TMPD/seed" >>"$TMPD/acked"
if [ "$N503" -gt 0 ]; then
	W=$(awk '$3 == 503 { if (!a) a = $1; b = $1 } END { printf "%.2f", b - a }' "$TMPD/writes")
	echo "# the writer's 503s spanned $W s"
fi
RBAD=$(awk '$2 != 200 && !($2 == 503 && $3 != "")' "$TMPD/reads" | wc -l)
check "the reader got only 200s, and 503s with Retry-After ($RBAD others)" eq "$RBAD" 0
check "after the move, answers through eu come from us (Strata-Region: us)" \
	test "$(tail -1 "$TMPD/reads" | awk '{ print $NF }')" = us

# Read at us's edge, served by us itself (Strata-Region: us, not passed on).
use_region us
LOST=0
while read -r id; do
	authed GET "$SLUG" "/v1/collections/events/records/$id" "$TOK"
	[ "$STATUS/$(header strata-region)" = 200/us ] || LOST=$((LOST + 1))
done <"$TMPD/acked"
check "every acknowledged write is readable in us with the token of before ($(wc -l <"$TMPD/acked") writes, $LOST lost)" eq "$LOST" 0
authed GET "$SLUG" /v1/me "$TOK"
check "the token issued in eu before the move works in us (200, Strata-Region: us)" \
	eq "$STATUS/$(header strata-region)" 200/us
login "$SLUG" "member@$SLUG.test" "$PW_USER"
check "the member's password works in us (200, Strata-Region: us)" \
	eq "$STATUS/$(header strata-region)" 200/us
authed GET "$SLUG" /v1/audit/verify "$TOK"
check "the audit chain continues across the move and verifies in us" \
	test "$STATUS/$(jb .valid)/$(header strata-region)" = 200/true/us
authed GET "$SLUG" "/v1/audit?action=tenant.moved&limit=200" "$TOK"
check "the move is in the tenant's audit trail" \
	test "$(jb '[.items[] | select(.action == "tenant.moved")] | length')" = 1

check "eu's database holds no row of the tenant" \
	eq "$(psql_region eu -c "SELECT coalesce(sum(n), 0) FROM strata.tenant_digest('$TID')")/$(psql_region eu -c "SELECT count(*) FROM strata.tenants WHERE id = '$TID'")" 0/0
check "us's database holds it, at home in us" \
	eq "$(psql_region us -c "SELECT status || ' ' || region FROM strata.tenants WHERE id = '$TID'")" "active us"
check "no publication or slot of the move is left in eu" \
	eq "$(psql_region eu -c "SELECT count(*) FROM pg_publication WHERE pubname LIKE 'strata_move_%'")/$(psql_region eu -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'strata_move_%'")" 0/0
check "no subscription of the move is left in us" \
	eq "$(psql_region us -c "SELECT count(*) FROM pg_subscription WHERE subname LIKE 'strata_move_%'")" 0
moved_in_both() {
	directory_wait eu "tenant = '$TID' AND region = 'us' AND status = 'active'" &&
		directory_wait us "tenant = '$TID' AND region = 'eu' AND status = 'moved' AND moved_to = 'us'"
}
check "both directories say us is home and eu was" moved_in_both

# A move to the region the tenant is in, or to no region, is refused.
OUT=$(in_region us $STRATA tenant move "$SLUG" --to us 2>&1)
check "a move to the tenant's own region is refused" test $? -ne 0
OUT=$(in_region us $STRATA tenant move "$SLUG" --to mars 2>&1)
check "a move to an unknown region is refused" test $? -ne 0
finish
