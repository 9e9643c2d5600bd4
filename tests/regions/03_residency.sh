#!/usr/bin/env bash
# 03_residency.sh - a tenant's rows, audit chain and keys are in its home
# region's database only: every table with a tenant_id (and tenants by
# id) is counted in both regions, and a marker written through the other
# region's edge is found in one database only.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT
# shellcheck disable=SC1091
. "$ROOT/tests/regions/lib.sh"
regions_checks

MARKER=residency-marker-$(openssl rand -hex 8)
echo "$MARKER" >"$REG_TOP/marker"
use_region eu
mk_tenant res-eu
login res-eu owner@res-eu.test "$PW_OWNER"
json POST res-eu /v1/collections '{"name":"docs","fields":{"text":{"type":"string"}}}' "$TOKEN"
# Written through us's edge: passed on to eu, stored there only.
use_region us
check "us's directory knows res-eu" \
	directory_wait us "slug = 'res-eu' AND region = 'eu' AND status = 'active'"
for i in 1 2 3; do
	json POST res-eu /v1/collections/docs/records "{\"data\":{\"text\":\"$MARKER $i\"}}" "$TOKEN"
done
check "records written through us's edge (201, Strata-Region: eu)" \
	test "$STATUS/$(header strata-region)" = 201/eu
use_region eu
$STRATA audit seal --tenant res-eu >/dev/null 2>&1
TID=$(tenant_id_in eu res-eu)

# counts REGION: "table=n" for each table with a tenant_id holding rows
# of TID (partitions through their parent), and tenants by id.
counts() {
	local sql="SELECT 'tenants' AS t, count(*) AS n FROM strata.tenants WHERE id = '$TID'" rel
	for rel in $(psql_region "$1" -c "SELECT s.nspname || '.' || c.relname FROM pg_class c
		JOIN pg_namespace s ON s.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		WHERE s.nspname IN ('strata', 'strata_analytics') AND c.relkind IN ('r', 'p')
		AND NOT c.relispartition ORDER BY 1"); do
		sql="$sql UNION ALL SELECT '${rel#strata.}', count(*) FROM $rel WHERE tenant_id = '$TID'"
	done
	psql_region "$1" -c "SELECT string_agg(t || '=' || n, ' ' ORDER BY t) FROM ($sql) x WHERE n > 0"
}
eu_rows=$(counts eu)
us_rows=$(counts us)
echo "#   eu holds res-eu's rows: $eu_rows"
check "eu's database holds res-eu's tenant row, records, audit events and keys" \
	eval 'for t in tenants= records= audit_events= tenant_keys=; do grep -q "$t" <<<"$eu_rows" || exit 1; done'
check "us's database holds no row of res-eu in any tenant table" eq "$(tr -d ' ' <<<"$us_rows")" ""
check "the marker is in eu's records only" \
	test "$(psql_region eu -c "SELECT count(*) FROM strata.records WHERE data::text LIKE '%$MARKER%'")/$(psql_region us -c "SELECT count(*) FROM strata.records WHERE data::text LIKE '%$MARKER%'")" = 3/0
check "us's directory holds res-eu's row from eu, and no other" \
	eq "$(psql_region us -c "SELECT region || ':' || status FROM strata.directory WHERE tenant = '$TID'")" "eu:active"
exit 0
