#!/usr/bin/env bash
# run.sh - the disaster-recovery drill (make test-dr; make test runs it too).
#
# A stack of its own under var/dr on free ports, with the two-node layout
# (HA=1, tests/dr/ha.sh).  Writers create records for 5 tenants through
# nginx at about 100 per second in all and remember every answer
# (tests/dr/writer.py).  Then:
#   - a full backup (pgBackRest);
#   - failover: the primary's postmaster is killed (-9), Patroni promotes
#     the synchronous standby; every acknowledged record is readable (RPO),
#     the seconds until writes succeed again are reported (RTO), every other
#     answer was 503 with Retry-After, and the old primary rejoins as a
#     synchronous standby;
#   - the same back the other way;
#   - an incremental backup, then a restore to a whole second T into a
#     scratch cluster: exactly the records committed by T are there.
# Prints "ok - ..." / "not ok - ..." and "# ..." figures.  Without the
# packages (patroni, etcd, pgbackrest) it prints one line and skips.
# STRATA_BIN [build/strata]; DR_KEEP=1 leaves the stack running.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
HA_SH=$ROOT/tests/dr/ha.sh
STACK=$ROOT/tests/stack/stack.sh

if ! "$HA_SH" have-packages; then
	echo "# skipped: the drill needs patroni, etcd and pgbackrest (make deps)"
	exit 0
fi

# shellcheck disable=SC1091
. "$ROOT/tests/stack/free_port.sh"
VAR_DIR=$ROOT/var/dr
"$STACK" down "$VAR_DIR" >/dev/null 2>&1
rm -rf "$VAR_DIR"
export HA=1 SEED=0 PG_FAST=0 WORKERS=${WORKERS:-2}
HTTPS_PORT=$(free_port) HTTP_PORT=$(free_port) PG_PORT=$(free_port)
PG_PORT2=$(free_port) PATRONI_API1=$(free_port) PATRONI_API2=$(free_port)
ETCD_PORT=$(free_port) ETCD_PEER_PORT=$(free_port) SMTP_PORT=$(free_port)
export HTTPS_PORT HTTP_PORT PG_PORT PG_PORT2 PATRONI_API1 PATRONI_API2 \
	ETCD_PORT ETCD_PEER_PORT SMTP_PORT
export STRATA_BIN=${STRATA_BIN:-$ROOT/build/strata}
export SCRYPT_LOG2N=${SCRYPT_LOG2N:-12} RATE_RPS=2000 RATE_BURST=4000
export AUTH_RATE=200r/s AUTH_BURST=400

t_start=$(date +%s)
if ! "$STACK" up "$VAR_DIR" >"$ROOT/var/dr-up.log" 2>&1; then
	echo "not ok - the two-node stack starts (HA=1)"
	tail -20 "$ROOT/var/dr-up.log"
	"$STACK" down "$VAR_DIR" >/dev/null 2>&1
	exit 1
fi
VAR=$(realpath -m "$VAR_DIR")
mv "$ROOT/var/dr-up.log" "$VAR/log/up.log"
export VAR ROOT
# shellcheck disable=SC1091
. "$ROOT/tests/lib.sh"
# shellcheck disable=SC1091
. "$ROOT/tests/dr/lib.sh"
cleanup() {
	touch "$TMPD/stop"
	[ -n "${WPID:-}" ] && wait "$WPID" 2>/dev/null
	scratch_stop
	if [ "${DR_KEEP:-0}" != 1 ]; then "$STACK" down "$VAR" >/dev/null 2>&1; fi
	rm -rf "$TMPD"
	return 0
}
trap cleanup EXIT
echo "ok - the two-node stack starts (HA=1): primary $(ha leader), synchronous standby"

# Five tenants, each with a collection and an owner's token.
writers=()
for i in 1 2 3 4 5; do
	slug=dr-$i
	mk_tenant "$slug"
	login "$slug" "owner@$slug.test" "$PW_OWNER"
	json POST "$slug" /v1/collections \
		'{"name":"events","fields":{"seq":{"type":"integer"},"host":{"type":"string"}}}' "$TOKEN"
	[ "$STATUS" = 201 ] || echo "#   collection for $slug: $STATUS $BODY"
	writers+=("$slug=$TOKEN")
	printf '%s' "$TOKEN" >"$TMPD/$slug.token"
done

# A full backup before anything fails.
t0=$(date +%s.%N)
check "a full backup (pgBackRest)" backup full
echo "# full backup: $(secs_since "$t0") s"

LOG=$TMPD/writes
python3 "$ROOT/tests/dr/writer.py" "$HTTPS_PORT" "$CA" "$BASE" 100 "$TMPD/stop" \
	"${writers[@]}" >"$LOG" &
WPID=$!
sleep 5
check "writers are acknowledged before the failover" \
	test "$(awk '$3 == 201' "$LOG" | wc -l)" -gt 100

failover 1
sleep 3
failover 2
sleep 2

# Backups go on across timelines: an incremental one on the new primary.
t0=$(date +%s.%N)
check "an incremental backup after both failovers (strata backup)" \
	$STRATA backup --type incr
echo "# incremental backup: $(secs_since "$t0") s"
check "the repository holds one full and one incremental backup" \
	eq "$(backup_kinds)" "full incr"

pitr_drill

touch "$TMPD/stop"
wait "$WPID"
WPID=""
acked=$(awk '$3 == 201 { print $5 }' "$LOG" | sort -u)
stored=$(psql_rw -c "SELECT id FROM records WHERE collection = 'events'" | sort -u)
n_acked=$(wc -l <<<"$acked")
n_lost=$(comm -23 <(printf '%s\n' "$acked") <(printf '%s\n' "$stored") | grep -c . || true)
echo "# writes: $(wc -l <"$LOG") answers, $n_acked acknowledged, $n_lost lost"
check "RPO 0: every acknowledged record is readable after both failovers" eq "$n_lost" 0
others=$(awk '$3 != 201 && !($3 == 503 && $4 != "-")' "$LOG" | wc -l)
check "every answer but 201 was 503 with Retry-After" eq "$others" 0
[ "$others" = 0 ] || awk '$3 != 201 && !($3 == 503 && $4 != "-")' "$LOG" | head -5 | sed 's/^/#   /'
tenant_drill

echo "# drill: $(( $(date +%s) - t_start )) s in all"
exit 0
