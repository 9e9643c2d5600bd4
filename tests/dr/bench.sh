#!/usr/bin/env bash
# bench.sh - backup and restore times of the bench data set on the HA=1
# layout (make bench-dr): 1,000 tenants x 1,000 records (BENCH_TENANTS,
# BENCH_RECORDS), the shape of make bench (the items collection, two
# pivot rows per record).  One tenant is made through the API; the
# others' rows are bulk-loaded by SQL under session_replication_role =
# replica (their tenant rows are not made: what a backup or a restore
# costs is the volume, and the tenant restore is timed on the real one).
# Prints, from one run: the load, a full backup, an incremental one after
# some writes, a restore to a time into a scratch cluster, and `strata
# tenant restore` of the real tenant from that copy.  Nothing is asserted.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
STACK=$ROOT/tests/stack/stack.sh
if ! "$ROOT/tests/dr/ha.sh" have-packages; then
	echo "# skipped: needs patroni, etcd and pgbackrest (make deps)"
	exit 0
fi
# shellcheck disable=SC1091
. "$ROOT/tests/stack/free_port.sh"
TENANTS=${BENCH_TENANTS:-1000} RECORDS=${BENCH_RECORDS:-1000}
VAR_DIR=$ROOT/var/drbench
"$STACK" down "$VAR_DIR" >/dev/null 2>&1
rm -rf "$VAR_DIR"
export HA=1 SEED=0 PG_FAST=0 WORKERS=${WORKERS:-2}
HTTPS_PORT=$(free_port) HTTP_PORT=$(free_port) PG_PORT=$(free_port)
PG_PORT2=$(free_port) PATRONI_API1=$(free_port) PATRONI_API2=$(free_port)
ETCD_PORT=$(free_port) ETCD_PEER_PORT=$(free_port) SMTP_PORT=$(free_port)
export HTTPS_PORT HTTP_PORT PG_PORT PG_PORT2 PATRONI_API1 PATRONI_API2 \
	ETCD_PORT ETCD_PEER_PORT SMTP_PORT
export STRATA_BIN=${STRATA_BIN:-$ROOT/build/strata} SCRYPT_LOG2N=${SCRYPT_LOG2N:-12}
"$STACK" up "$VAR_DIR" >"$ROOT/var/drbench-up.log" 2>&1 ||
	{ tail -20 "$ROOT/var/drbench-up.log"; exit 1; }
VAR=$(realpath -m "$VAR_DIR")
export VAR ROOT
# shellcheck disable=SC1091
. "$ROOT/tests/lib.sh"
# shellcheck disable=SC1091
. "$ROOT/tests/dr/lib.sh"
cleanup() {
	scratch_stop
	[ "${DR_KEEP:-0}" = 1 ] || "$STACK" down "$VAR" >/dev/null 2>&1
	rm -rf "$TMPD"
}
trap cleanup EXIT
say() { echo "# $*"; }

mk_tenant drb-1
login drb-1 owner@drb-1.test "$PW_OWNER"
json POST drb-1 /v1/collections '{"name":"items","fields":{"title":{"type":"string"},"category":{"type":"string","indexed":true},"price":{"type":"number","indexed":true},"qty":{"type":"integer"}}}' "$TOKEN"
[ "$STATUS" = 201 ] || { echo "the collection: $STATUS $BODY"; exit 1; }
REAL=$(psql_rw -c "SELECT id FROM tenants WHERE slug = 'drb-1'")
t0=$(date +%s.%N)
psql_rw >/dev/null <<EOF
SET session_replication_role = replica;
SET work_mem = '256MB';
CREATE TEMP TABLE batch AS
	SELECT '$REAL'::uuid AS id
	UNION ALL SELECT gen_random_uuid() FROM generate_series(2, $TENANTS);
WITH ins AS (
	INSERT INTO records (tenant_id, id, collection, data, schema_version)
	SELECT b.id, gen_random_uuid(), 'items',
		jsonb_build_object('title', 'item ' || g, 'category', 'c' || (g % 50),
			'price', (g % 1000) / 10.0, 'qty', g), 1
	FROM batch b, generate_series(1, $RECORDS) g
	RETURNING tenant_id, id, data)
INSERT INTO record_index (tenant_id, collection, field, record_id, v_text, v_num)
SELECT i.tenant_id, 'items', f.field, i.id, f.t, f.n
FROM ins i, LATERAL (VALUES ('category', i.data->>'category', NULL::numeric),
	('price', NULL, (i.data->>'price')::numeric)) f(field, t, n);
INSERT INTO tenant_counters (tenant_id, shard, records) VALUES ('$REAL', 0, $RECORDS)
	ON CONFLICT (tenant_id, shard) DO UPDATE SET records = EXCLUDED.records;
EOF
psql_rw -c "VACUUM (ANALYZE) strata.records" -c "CHECKPOINT" >/dev/null
say "loaded $TENANTS x $RECORDS records in $(secs_since "$t0") s; database $(psql_rw -c "SELECT pg_size_pretty(pg_database_size('strata'))")"
t0=$(date +%s.%N)
backup full || exit 1
say "full backup: $(secs_since "$t0") s"
for i in $(seq 100); do
	json POST drb-1 /v1/collections/items/records "{\"data\":{\"title\":\"late $i\",\"category\":\"c1\",\"price\":1,\"qty\":$i}}" "$TOKEN"
done
t0=$(date +%s.%N)
backup incr || exit 1
say "incremental backup after 100 writes: $(secs_since "$t0") s"
say "repository: $(du -sh "$VAR/backrest/repo" | cut -f1)"
sleep 1
target=$(date -u '+%Y-%m-%d %H:%M:%S+00')
sleep 1.2
"$ROOT/tests/dr/backup.sh" "$VAR" check >/dev/null 2>&1
t0=$(date +%s.%N)
scratch_restore "$target" || { echo "the scratch restore failed"; exit 1; }
say "restore to $target into a scratch cluster: $(secs_since "$t0") s ($(psql_scratch -c "SELECT count(*) FROM records") records there)"
t0=$(date +%s.%N)
out=$($STRATA tenant restore drb-1 --to "$target" --from "$(scratch_url)" 2>&1) || { echo "tenant restore: $out"; exit 1; }
say "strata tenant restore drb-1 ($((RECORDS + 100)) records): $(secs_since "$t0") s in all; $out"
