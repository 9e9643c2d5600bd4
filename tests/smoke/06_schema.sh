#!/usr/bin/env bash
# 06_schema.sh - the database walls, checked on the catalog and on data:
# forced row-level security on every tenant table, an app role that owns
# nothing and bypasses nothing, the Citus distribution rules of DESIGN.md,
# and list queries answered from indexes at 100,000 records.
. "$(dirname "$0")/../lib.sh"

q() { psql_super -c "$1"; }
TENANT_TABLES="SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
	WHERE n.nspname = 'strata' AND c.relkind IN ('r', 'p')"

# The catalog.
check "there are tenant tables" eval '[ "$(q "SELECT count(*) FROM ($TENANT_TABLES) t")" -ge 10 ]'
bad=$(q "SELECT string_agg(c.relname, ',') FROM pg_class c WHERE c.oid IN ($TENANT_TABLES)
	AND NOT (c.relrowsecurity AND c.relforcerowsecurity)")
check "every tenant table has RLS enabled and forced" eq "$bad" ""
bad=$(q "SELECT string_agg(c.relname, ',') FROM pg_class c WHERE c.oid IN ($TENANT_TABLES)
	AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid
	  AND pg_get_expr(p.polqual, p.polrelid) LIKE '%strata.tenant_id%'
	  AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%strata.tenant_id%'
	  AND p.polcmd = '*' AND p.polpermissive)")
check "every tenant table has the USING + WITH CHECK policy" eq "$bad" ""
check "strata_app has no BYPASSRLS and is no superuser" eq "$(q "SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = 'strata_app'")" f
owned=$(q "SELECT (SELECT count(*) FROM pg_class WHERE relowner = 'strata_app'::regrole)
	+ (SELECT count(*) FROM pg_proc WHERE proowner = 'strata_app'::regrole)
	+ (SELECT count(*) FROM pg_namespace WHERE nspowner = 'strata_app'::regrole)
	+ (SELECT count(*) FROM pg_type WHERE typowner = 'strata_app'::regrole)")
check "strata_app owns nothing" eq "$owned" 0
bad=$(q "SELECT string_agg(i.indexrelid::regclass::text, ',') FROM pg_index i
	WHERE i.indrelid IN ($TENANT_TABLES)
	AND i.indkey[0] <> (SELECT attnum FROM pg_attribute WHERE attrelid = i.indrelid AND attname = 'tenant_id')")
check "every index, primary and unique key leads with tenant_id" eq "$bad" ""
bad=$(q "SELECT string_agg(con.conname, ',') FROM pg_constraint con
	WHERE con.contype = 'f' AND con.conrelid IN ($TENANT_TABLES) AND con.confrelid IN ($TENANT_TABLES)
	AND (con.conkey[1] <> (SELECT attnum FROM pg_attribute WHERE attrelid = con.conrelid AND attname = 'tenant_id')
	  OR con.confkey[1] <> (SELECT attnum FROM pg_attribute WHERE attrelid = con.confrelid AND attname = 'tenant_id'))")
check "foreign keys between tenant tables carry tenant_id first" eq "$bad" ""
bad=$(q "SELECT string_agg(tgname, ',') FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN ($TENANT_TABLES)")
check "no trigger on a tenant table" eq "$bad" ""
bad=$(q "SELECT string_agg(seqrelid::regclass::text, ',') FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
	JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'strata' AND s.seqtypid IN ('int2'::regtype, 'int4'::regtype)")
check "no int sequence" eq "$bad" ""
bad=$(q "SELECT string_agg(c.relname || '.' || a.attname, ',') FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
	JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'strata' AND c.relkind IN ('r','p')
	AND a.attnum > 0 AND (a.attidentity <> '' OR pg_get_expr((SELECT adbin FROM pg_attrdef d WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum), a.attrelid) LIKE 'nextval%')
	AND a.atttypid IN ('int2'::regtype, 'int4'::regtype)")
check "no int serial or identity column" eq "$bad" ""
bad=$(q "SELECT string_agg(c.relname, ',') FROM pg_class c JOIN pg_partitioned_table p ON p.partrelid = c.oid
	WHERE c.relname IN ('records', 'record_index', 'audit_events') AND p.partstrat <> 'h'")
check "records, their index and audit events are hash-partitioned" eq "$bad$(q "SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname IN ('records','record_index','audit_events')")" "3"
check "16 partitions by default" eq "$(q "SELECT count(*) FROM pg_inherits WHERE inhparent = 'strata.records'::regclass")" 16
check "the app may not update or delete audit events" eq "$(q "SELECT has_table_privilege('strata_app', 'strata.audit_events', 'UPDATE') OR has_table_privilege('strata_app', 'strata.audit_events', 'DELETE')")" f

# The wall on data.
mk_tenant wall-a
mk_tenant wall-b
for t in wall-a wall-b; do
	login "$t" "owner@$t.test" "$PW_OWNER"
	json POST "$t" /v1/collections '{"name":"notes","fields":{"text":{"type":"string","indexed":true}}}' "$TOKEN"
	json POST "$t" /v1/collections/notes/records "{\"data\":{\"text\":\"secret of $t\"}}" "$TOKEN"
done
TA=$(curl -s --cacert "$CA" "https://wall-a.$BASE:$HTTPS_PORT/v1/tenant" | jq -r .id)
TB=$(curl -s --cacert "$CA" "https://wall-b.$BASE:$HTTPS_PORT/v1/tenant" | jq -r .id)
tables=$(q "SELECT string_agg(c.relname, ' ') FROM pg_class c WHERE c.oid IN ($TENANT_TABLES) AND NOT c.relispartition")
visible=0
for t in $tables; do
	n=$(psql_app -c "SELECT count(*) FROM strata.$t" 2>/dev/null)
	visible=$((visible + ${n:-1}))
done
check "as strata_app with no tenant set, every tenant table shows 0 rows" eq "$visible" 0
leak=0
for t in $tables; do
	n=$(psql_app -c "BEGIN" -c "SET LOCAL strata.tenant_id = '$TA'" -c "SELECT count(*) FROM strata.$t WHERE tenant_id <> '$TA'" -c "COMMIT" 2>/dev/null | sed -n 1p)
	leak=$((leak + ${n:-1}))
done
check "with tenant A set, no row of another tenant is visible" eq "$leak" 0
check "with tenant A set, A's own rows are visible" eq "$(psql_app -c "BEGIN" -c "SET LOCAL strata.tenant_id = '$TA'" -c "SELECT data->>'text' FROM strata.records" -c "COMMIT" | sed -n 1p)" "secret of wall-a"
out=$(psql_app -c "BEGIN" -c "SET LOCAL strata.tenant_id = '$TA'" -c "INSERT INTO strata.collections (tenant_id, name, definition) VALUES ('$TB', 'evil', '{}')" 2>&1)
check "an INSERT with B's tenant_id while A is set fails" eval 'grep -q "row-level security" <<<"$out"'
out=$(psql_app -c "BEGIN" -c "SET LOCAL strata.tenant_id = '$TA'" -c "UPDATE strata.records SET tenant_id = '$TB'" 2>&1)
# On Citus the statement stops earlier, before RLS: tenant_id is the
# distribution column, and Citus refuses any change of it.  Either wall
# holds; the row stays where it was (checked below).
check "moving a row to B while A is set fails" eval 'grep -q -e "row-level security" -e "modifying the partition value of rows is not allowed" <<<"$out"'
check "and the row is still A's" eq "$(psql_app -c "BEGIN" -c "SET LOCAL strata.tenant_id = '$TA'" -c "SELECT count(*) FROM strata.records" -c "COMMIT" | sed -n 1p)" 1
out=$(psql_app -c "BEGIN" -c "SET LOCAL strata.tenant_id = '$TA'" -c "UPDATE strata.records SET data = '{}' WHERE tenant_id = '$TB'" -c "COMMIT" 2>&1)
check "updating B's rows while A is set touches nothing" eq "$(psql_super -c "SELECT data->>'text' FROM strata.records WHERE tenant_id = '$TB'")" "secret of wall-b"
out=$(psql_app -c "SELECT count(*) FROM strata.records_p0" 2>&1)
check "partitions cannot be read directly" eval 'grep -q "permission denied" <<<"$out"'
out=$(psql_app -c "BEGIN" -c "SET LOCAL strata.tenant_id = '$TA'" -c "DELETE FROM strata.audit_events" 2>&1)
check "the app cannot delete audit events" eval 'grep -q "permission denied" <<<"$out"'

# Lists are served by indexes at 100,000 records.
mk_tenant exp-a
login exp-a owner@exp-a.test "$PW_OWNER"
json POST exp-a /v1/collections '{"name":"items","fields":{"n":{"type":"integer","indexed":true},"s":{"type":"string","indexed":true},"t":{"type":"datetime","indexed":true},"u":{"type":"string"}}}' "$TOKEN"
TE=$(curl -s --cacert "$CA" "https://exp-a.$BASE:$HTTPS_PORT/v1/tenant" | jq -r .id)
psql_super -c "BEGIN" -c "SET LOCAL strata.tenant_id = '$TE'" -c "
INSERT INTO strata.records (tenant_id, id, collection, data, schema_version)
SELECT '$TE', gen_random_uuid(), 'items', jsonb_build_object('n', g, 's', 's' || (g % 1000), 't', '2026-01-01T00:00:00Z'::timestamptz + g * interval '1 minute', 'u', 'u' || (g % 50)), 1
FROM generate_series(1, 100000) g" -c "
INSERT INTO strata.record_index (tenant_id, collection, field, record_id, v_num)
SELECT tenant_id, collection, 'n', id, (data->>'n')::numeric FROM strata.records WHERE tenant_id = '$TE'" -c "
INSERT INTO strata.record_index (tenant_id, collection, field, record_id, v_text)
SELECT tenant_id, collection, 's', id, data->>'s' FROM strata.records WHERE tenant_id = '$TE'" -c "
INSERT INTO strata.record_index (tenant_id, collection, field, record_id, v_time)
SELECT tenant_id, collection, 't', id, (data->>'t')::timestamptz FROM strata.records WHERE tenant_id = '$TE'" -c "COMMIT" -c "ANALYZE strata.records" -c "ANALYZE strata.record_index" >/dev/null
for shape in "" "filter[n]=500" "filter[n][gte]=99950" "filter[n][lt]=40&limit=50" "sort=-n&limit=50" "filter[s]=s7&limit=50" "filter[s][in]=s1,s2&sort=t" "filter[t][gte]=2026-03-01T00:00:00Z&filter[n][lt]=90000" "filter[u]=u7&limit=50" "filter[u]=u7&filter[n][gte]=1000"; do
	plan=$($STRATA explain --tenant exp-a --collection items --query "$shape" 2>&1)
	check "list '${shape:-all}' at 100k records uses an index, no seq scan" eval '! grep -q "Seq Scan" <<<"$plan" && grep -q "Index" <<<"$plan" || { echo "$plan" | sed "s/^/#   /"; false; }'
done
authed GET exp-a "/v1/collections/items/records?filter%5Bn%5D%5Bgte%5D=99951&sort=n" "$TOKEN"
check "and answers through the API" eq "$STATUS/$(jb '[.items[].data.n]|join(",")')" "200/99951,99952,99953,99954,99955,99956,99957,99958,99959,99960,99961,99962,99963,99964,99965,99966,99967,99968,99969,99970,99971,99972,99973,99974,99975,99976,99977,99978,99979,99980,99981,99982,99983,99984,99985,99986,99987,99988,99989,99990,99991,99992,99993,99994,99995,99996,99997,99998,99999,100000"
finish
