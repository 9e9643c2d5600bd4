#!/usr/bin/env bash
# router.sh - every hot statement of the request path is a single-shard
# router plan on the Citus cluster in VAR (tests/citus/run.sh), and a
# tenant's requests touch only its own shard (the workers' statistics).
#
# The plans are PostgreSQL's own EXPLAIN of each prepared statement as the
# workers execute it, with its real parameters: auto_explain (JSON) on the
# coordinator for strata_app's sessions while one request of each kind
# runs.  A statement passes when every Citus scan of its plan has Task
# Count 1 and no distributed subplan (a subplan is a second round of
# tasks, planned apart).
. "$(dirname "$0")/../lib.sh"
STACK="$ROOT/tests/stack/stack.sh"
LOG=$VAR/log/postgres.log

mk_tenant rt-a
mk_tenant rt-b
login rt-a owner@rt-a.test "$PW_OWNER"
A=$TOKEN
login rt-b owner@rt-b.test "$PW_OWNER"
B=$TOKEN
COLL='{"name":"notes","fields":{"title":{"type":"string","indexed":true},"n":{"type":"integer","indexed":true}}}'
json POST rt-a /v1/collections "$COLL" "$A"
json POST rt-b /v1/collections "$COLL" "$B"

# One request of each hot kind, with auto_explain on (new connections of
# strata_app load it: the workers restart).
psql_super -c "ALTER ROLE strata_app SET session_preload_libraries = 'auto_explain'" \
	-c "ALTER ROLE strata_app SET auto_explain.log_min_duration = 0" \
	-c "ALTER ROLE strata_app SET auto_explain.log_format = 'json'" \
	-c "ALTER ROLE strata_app SET auto_explain.log_nested_statements = on"
"$STACK" restart-strata "$VAR" >/dev/null
from=$(stat -c %s "$LOG")
for i in 1 2 3; do
	json POST rt-a /v1/collections/notes/records "{\"data\":{\"title\":\"t$i\",\"n\":$i}}" "$A"
	ID=$(jb .id)
	authed GET rt-a "/v1/collections/notes/records/$ID" "$A"
	authed GET rt-a "/v1/collections/notes/records?filter%5Bn%5D=$i" "$A"
	req PATCH rt-a "/v1/collections/notes/records/$ID" -H "Authorization: Bearer $A" \
		-H "Content-Type: application/merge-patch+json" --data-binary '{"data":{"title":"u"}}'
	req DELETE rt-a "/v1/collections/notes/records/$ID" -H "Authorization: Bearer $A"
done
sleep 1
psql_super -c "ALTER ROLE strata_app RESET session_preload_libraries" \
	-c "ALTER ROLE strata_app RESET auto_explain.log_min_duration" \
	-c "ALTER ROLE strata_app RESET auto_explain.log_format" \
	-c "ALTER ROLE strata_app RESET auto_explain.log_nested_statements"
"$STACK" restart-strata "$VAR" >/dev/null

# The plans logged since: one JSON document per line.
tail -c +"$((from + 1))" "$LOG" | awk '
	/^[0-9][0-9][0-9][0-9]-/ { if (doc != "") print doc; doc = ""; on = 0 }
	on { doc = doc $0; next }
	/duration: .* plan:$/ { on = 1 }
	END { if (doc != "") print doc }' >"$TMPD/plans"
check "auto_explain logged the plans" test -s "$TMPD/plans"

# plan_of PATTERN: the plans whose query text contains PATTERN.
plan_of() {
	jq -c --arg p "$1" 'select(."Query Text" | contains($p))' "$TMPD/plans" 2>/dev/null
}
router() { # NAME PATTERN [STEPS]: one Citus scan (or one of the counts STEPS), Task Count 1
	local plans tasks steps
	plans=$(plan_of "$2")
	if [ -z "$plans" ]; then
		echo "#   no plan of $1 was logged"
		return 1
	fi
	tasks=$(jq -r '[.. | objects | ."Task Count"? // empty] | map(tostring) | join(",")' <<<"$plans" | sort -u | tr '\n' ' ')
	steps=$(jq -r '[.. | objects | select(."Custom Plan Provider"? == "Citus Adaptive")] | length' <<<"$plans" | sort -u | tr '\n' ' ')
	echo "# $1: $(wc -l <<<"$plans") plans, Citus steps ${steps}Task Count ${tasks}"
	jq -e -s --argjson n "[${3:-1}]" 'all(.[]; ([.. | objects | ."Task Count"? // empty] | length > 0 and all(. == 1))
		and (([.. | objects | select(."Custom Plan Provider"? == "Citus Adaptive")] | length) as $k | $n | index($k) != null))' <<<"$plans" >/dev/null
}
check "get is a single-shard router plan" router get 'r.tenant_id = $1 AND r.collection = $2 AND r.id = $3'
check "list with a filter is a single-shard router plan" router list 'FROM record_index d JOIN records r'
# Citus plans an INSERT inside a CTE apart from the query around it: the
# create is up to three single-task steps (the INSERT on the tenant's
# shard, the subject key read there, their join on the coordinator; a
# collection without personal fields reads no subject key), each routed.
check "create is single-task steps on the tenant's shard" router create 'WITH r AS (INSERT INTO records' "1,2,3"
check "update is a single-shard router plan" router update 'WITH r AS (UPDATE records'
check "delete is a single-shard router plan" router delete 'DELETE FROM records WHERE tenant_id = $1'
check "principal is a single-shard router plan" router principal 'FROM users u WHERE u.tenant_id = $1 AND u.id = $2'
check "version row is a single-shard router plan" router version 'FROM tenants t LEFT JOIN tenant_versions v'
check "audit insert is a single-shard router plan" router audit 'INSERT INTO audit_events (tenant_id, actor_type, actor_id'

# The workers' own statistics: a burst of rt-b's requests changes the
# counters of rt-b's shards only (records and its pivot, on the worker
# that holds them).  Statistics are flushed within about 10 s of a
# session going idle.
shard_b=$(psql_super -c "SELECT get_shard_id_for_distribution_column('strata.records', id) FROM strata.tenants WHERE slug = 'rt-b'")
group_b=$(psql_super -c "SELECT string_agg(s.shardid::text, ' ') FROM pg_dist_shard s JOIN pg_dist_shard ref ON ref.shardid = $shard_b AND s.shardminvalue = ref.shardminvalue AND s.logicalrelid IN (SELECT logicalrelid FROM pg_dist_partition WHERE colocationid = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'strata.records'::regclass))")
worker_counts() {
	local port
	for port in "$CITUS_W1_PORT" "$CITUS_W2_PORT"; do
		psql_worker "$port" -F ' ' -c "SET citus.override_table_visibility TO off" -c "SELECT relname, coalesce(seq_scan, 0) + coalesce(idx_scan, 0) + n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables WHERE schemaname = 'strata' AND (relname LIKE 'records%' OR relname LIKE 'record_index%') ORDER BY 1"
	done
}
sleep 11
worker_counts >"$TMPD/before"
for i in $(seq 1 20); do
	json POST rt-b /v1/collections/notes/records "{\"data\":{\"title\":\"b$i\",\"n\":$i}}" "$B"
	authed GET rt-b "/v1/collections/notes/records/$(jb .id)" "$B"
done
sleep 11
worker_counts >"$TMPD/after"
changed=$(join "$TMPD/before" "$TMPD/after" | awk '$3 != $2 { print $1 }')
echo "# shards of rt-b: $group_b; tables that changed: $(echo $changed)"
outside=$(for t in $changed; do id=${t##*_}; case " $group_b " in *" $id "*) ;; *) echo "$t" ;; esac; done)
check "rt-b's requests changed counters on the workers" test -n "$changed"
check "rt-b's requests touched only rt-b's shards" eq "$(echo $outside)" ""
finish
