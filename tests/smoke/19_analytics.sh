#!/usr/bin/env bash
# 19_analytics.sh - analytics (issue 20): aggregates inside a tenant on the
# pivot (bounded, personal data only counted), the answer counts drained by
# the master's reporter, `strata report rollup`, the operators' reports
# (JSON and CSV), tenant benchmarks (no answer below k tenants, one noisy
# answer per day, the budget enforced in SQL), and the strata_report role
# that sees only k-anonymous views (docs/analytics.md).
. "$(dirname "$0")/../lib.sh"

TODAY=$(date -u +%F)
YESTERDAY=$(date -u -d yesterday +%F)
TOMORROW=$(date -u -d tomorrow +%F)
tenant_id() { $STRATA tenant list | jq -r --arg s "$1" '.[] | select(.slug == $s) | .id'; }
# psql_report SQL...: as strata_report, whose password in the private
# cluster is the app role's (tests/stack/stack.sh, docs/analytics.md).
psql_report() {
	# shellcheck disable=SC1091
	. "$VAR/secrets.env"
	PGPASSWORD=$APP_PW psql -X -q -t -A -v ON_ERROR_STOP=1 -h "$VAR/pg/run" \
		-p "$PG_PORT" -U strata_report -d strata "$@"
}

# Operators and two plans: one of 5 tenants (k), one of 4 (k - 1).
printf 'operator-pass-24680\n' | $STRATA operator create --email an-ops@strata.test >/dev/null
json POST apex /v1/platform/login '{"email":"an-ops@strata.test","password":"operator-pass-24680"}'
OP=$(jb .access_token)
for p in an-five an-four; do
	json POST apex /v1/platform/plans "{\"name\":\"$p\",\"limits\":{\"requests_per_second\":200,\"burst\":400,\"max_records\":100000,\"max_collections\":10},\"audit_retention_min_days\":90,\"templates\":[\"default\"],\"features\":{},\"regions\":[]}" "$OP"
done
check "operators make the two test plans" eq "$STATUS" 201
for i in 1 2 3 4 5; do
	echo "$PW_OWNER" | $STRATA tenant create --slug "an-f$i" --name "Five $i" --owner-email "owner@an-f$i.test" --plan an-five >/dev/null
done
for i in 1 2 3 4; do
	echo "$PW_OWNER" | $STRATA tenant create --slug "an-q$i" --name "Four $i" --owner-email "owner@an-q$i.test" --plan an-four >/dev/null
done
login an-f1 owner@an-f1.test "$PW_OWNER"
F1=$TOKEN
login an-q1 owner@an-q1.test "$PW_OWNER"
Q1=$TOKEN
TF1=$(tenant_id an-f1)

# 1. Aggregates inside a tenant.
json POST an-f1 /v1/collections '{"name":"books","fields":{
	"title":{"type":"string","indexed":true},
	"genre":{"type":"string","indexed":true},
	"pages":{"type":"integer","indexed":true},
	"price":{"type":"number","indexed":true},
	"published":{"type":"datetime","indexed":true},
	"available":{"type":"boolean","indexed":true},
	"email":{"type":"string","pii":true,"mask":"email"},
	"notes":{"type":"string"}}}' "$F1"
check "a collection with indexed and personal fields" eq "$STATUS" 201
: >"$TMPD/books"
for i in $(seq 1 24); do
	g=$(((i % 3))); genre=$(printf 'g%d' "$g")
	d=$(printf '{"title":"B%02d","genre":"%s","pages":%d,"price":%d.5,"published":"2026-0%d-1%dT00:00:00Z","available":%s,"email":"r%d@an.test","notes":"n%d"}' \
		"$i" "$genre" $((i * 10)) "$i" $((i % 9 + 1)) $((i % 10)) "$([ $((i % 2)) = 0 ] && echo true || echo false)" $((i % 4)) "$i")
	echo "$d" >>"$TMPD/books"
	json POST an-f1 /v1/collections/books/records "{\"data\":$d}" "$F1"
done
check "24 records" eq "$STATUS" 201
agg() { authed GET an-f1 "/v1/collections/books/aggregate?$1" "$F1"; }
# expected JSON groups from the inserted data: jq over $TMPD/books.
expect() { jq -sc "$1" "$TMPD/books"; }
agg "group_by=genre"
check "count by a string field, groups in key order" eq "$STATUS/$(jb -c .groups)" "200/$(expect 'group_by(.genre) | map({key: .[0].genre, value: length})')"
agg "group_by=genre&metric=sum(pages)"
check "sum of an integer field by group" eq "$(jb -c .groups)" "$(expect 'group_by(.genre) | map({key: .[0].genre, value: (map(.pages) | add)})')"
agg "group_by=available&metric=max(pages)"
check "max by a boolean key (JSON booleans)" eq "$(jb -c .groups)" "$(expect 'group_by(.available) | map({key: .[0].available, value: (map(.pages) | max)})')"
agg "group_by=genre&metric=avg(price)"
check "avg of a number field" eq "$(jb -c '[.groups[] | {key, value: (.value * 1000 | round)}]')" "$(expect 'group_by(.genre) | map({key: .[0].genre, value: ((map(.price) | add / length) * 1000 | round)})')"
agg "metric=min(published)"
check "without group_by one group, key null; min of a date-time" eq "$(jb -c .groups)" "$(expect '[{key: null, value: (map(.published) | min | sub("Z$"; ".000Z"))}]')"
agg "metric=count&filter%5Bpages%5D%5Bgte%5D=100&filter%5Bgenre%5D=g1"
check "filters on indexed fields narrow the groups" eq "$(jb -c .groups)" "$(expect '[map(select(.pages >= 100 and .genre == "g1")) | {key: null, value: length}]')"
agg "group_by=pages&metric=count&filter%5Bavailable%5D=true"
check "numeric keys in numeric order" eq "$(jb -c '[.groups[].key]')" "$(expect 'map(select(.available)) | map(.pages) | sort')"
agg "metric=count(email)&filter%5Bemail%5D=r1@an.test"
check "a personal field is counted and filtered by equality (blind index)" eq "$STATUS/$(jb -c .groups)" "200/$(expect '[map(select(.email == "r1@an.test")) | {key: null, value: length}]')"
agg "group_by=email"
check "a personal field cannot be grouped" is_problem 400 bad_request
agg "metric=max(email)"
check "nor aggregated other than counted" is_problem 400 bad_request
agg "group_by=notes"
check "an unindexed field cannot be grouped" is_problem 400 bad_request
agg "filter%5Bnotes%5D=n1"
check "nor filter an aggregate" is_problem 400 bad_request
agg "metric=sum(title)"
check "sum of a string is refused" is_problem 400 bad_request
for m in "median(pages)" "sum(nope)" "sum(" "count()" "sum(pages)x"; do
	agg "metric=$(jq -rn --arg m "$m" '$m|@uri')"
	[ "$STATUS" = 400 ] || break
done
check "malformed metrics are 400" is_problem 400 bad_request
authed GET an-f1 /v1/collections/nope/aggregate "$F1"
check "an unknown collection is 404" is_problem 404 not_found
authed GET an-q1 /v1/collections/books/aggregate "$Q1"
check "another tenant's collection is 404 there" is_problem 404 not_found
authed GET an-q1 /v1/collections/books/aggregate "$F1"
check "a token of another tenant is 401" eq "$STATUS" 401
json POST an-f1 /v1/api-keys '{"name":"cfg","permissions":["config:read"]}' "$F1"
CFG_KEY=$(jb .key)
authed GET an-f1 /v1/collections/books/aggregate "$CFG_KEY"
check "aggregates need records:read" is_problem 403 forbidden
# The bound: 1,001 distinct keys (written as the API would, in SQL).
json POST an-f1 /v1/collections '{"name":"many","fields":{"k":{"type":"integer","indexed":true}}}' "$F1"
psql_super -c "BEGIN" -c "SET LOCAL strata.tenant_id = '$TF1'" -c "
	WITH r AS (INSERT INTO strata.records (tenant_id, id, collection, data, schema_version)
		SELECT '$TF1', gen_random_uuid(), 'many', jsonb_build_object('k', g), 1 FROM generate_series(1, 1001) g
		RETURNING id, data)
	INSERT INTO strata.record_index (tenant_id, collection, field, record_id, v_num)
	SELECT '$TF1', 'many', 'k', id, (data->>'k')::numeric FROM r" -c "COMMIT" >/dev/null
authed GET an-f1 "/v1/collections/many/aggregate?group_by=k" "$F1"
check "more than 1,000 groups is a 422, never a cut list" is_problem 422 validation_failed
authed GET an-f1 "/v1/collections/many/aggregate?group_by=k&filter%5Bk%5D%5Blte%5D=1000" "$F1"
check "1,000 groups are answered" eq "$STATUS/$(jb '.groups | length')" "200/1000"
# The statement records_build_aggregate makes for it, as a worker runs it
# (generic plan, parameters).
# On Citus the plan is the coordinator's one task on the tenant's shard
# (Task Count: 1), and the worker plans the shard, whose partition holds
# this tenant's 1,001 rows nearly alone: there a Seq Scan is the cheaper
# plan, so the check turns seq scans off (SET LOCAL reaches the shard) to
# show that the pivot index serves the statement there.  Its shard's name
# is Citus's, cut to 63 bytes with a hash: "..._v_n[u]_<hash>_<shard id>".
noseq=()
[ "${CITUS:-0}" = 1 ] && noseq=(-c "SET LOCAL enable_seqscan = off")
plan=$(psql_super -c "BEGIN" -c "SET LOCAL strata.tenant_id = '$TF1'" -c "SET LOCAL plan_cache_mode = force_generic_plan" "${noseq[@]}" \
	-c "PREPARE agg (uuid, text, text) AS SELECT g.v_num::text, count(*)::text FROM strata.record_index g WHERE g.tenant_id = \$1 AND g.collection = \$2 AND g.field = \$3 AND g.v_num IS NOT NULL GROUP BY g.v_num ORDER BY g.v_num LIMIT 1001" \
	-c "EXPLAIN (COSTS OFF) EXECUTE agg ('$TF1', 'many', 'k')" -c "COMMIT")
check "a grouped count runs on the pivot index" eval 'grep -qE "Index (Only )?Scan using record_index_p[0-9]+_tenant_id_collection_field_v_n(um|[a-z]*_[0-9a-f]{8}_[0-9]+ )" <<<"$plan" && ! grep -q "Seq Scan" <<<"$plan" && { [ "${CITUS:-0}" != 1 ] || grep -q "Task Count: 1$" <<<"$plan"; }'

# 2. Answer counts reach the database through the master's reporter.
REPORTER=$(pgrep -x -P "$(cat "$VAR/run/strata.pid")" strata-reporter)
check "the master runs one reporter process" eq "$(wc -w <<<"$REPORTER")" 1
check "in the workers' sandbox (no_new_privs, seccomp filter)" eq "$(awk '/^NoNewPrivs|^Seccomp:/ {printf "%s", $2}' "/proc/$REPORTER/status" 2>/dev/null)" 12
for t in an-f2 an-f3 an-f4 an-f5 an-q2 an-q3 an-q4; do
	login "$t" "owner@$t.test" "$PW_OWNER"
	for _ in 1 2 3; do authed GET "$t" /v1/me "$TOKEN"; done
	authed GET "$t" /v1/collections/none "$TOKEN"
done
for _ in $(seq 60); do
	n=$(psql_super -c "SELECT count(*) FROM strata_analytics.activity a JOIN strata.tenants t ON t.id = a.tenant_id WHERE t.slug LIKE 'an-%' AND a.day = '$TODAY' AND a.requests > 0")
	[ "$n" -ge 9 ] && break
	sleep 0.5
done
check "every test tenant's answers are counted per day, off the request path" eq "$n" 9
check "answers of 400 and more are errors" eq "$(psql_super -c "SELECT a.errors > 0 FROM strata_analytics.activity a JOIN strata.tenants t ON t.id = a.tenant_id WHERE t.slug = 'an-f2' AND a.day = '$TODAY'")" t
check "the reporter rolled up the day before at start" eval 'grep -q "report rollup of $YESTERDAY" "$VAR/log/strata.log"'

out=$($STRATA report rollup --day "$TODAY")
check "strata report rollup rolls up a day" eval '[ "$(jq .tenants <<<"$out")" -ge 9 ] && [ "$(jq .k <<<"$out")" = 5 ]'
check "the rollup holds one row per tenant and day with its figures" eq "$(psql_super -c "SELECT plan, records >= 24, storage_bytes > 0, users, active_users >= 1, requests > 0 FROM strata_analytics.daily WHERE tenant_id = '$TF1' AND day = '$TODAY'")" "an-five|t|t|1|t|t"
$STRATA report rollup --day 2026-02-30 >/dev/null 2>&1
check "a day that is not a date is refused" eq "$?" 1
$STRATA report rollup --day yesterday >/dev/null 2>&1
check "a day not written YYYY-MM-DD is refused" eq "$?" 1

# 3. Operator reports.
authed GET apex "/v1/platform/reports/usage?from=$TODAY&to=$TODAY" "$OP"
check "usage: a series by plan and region, and today's totals" eval '[ "$STATUS" = 200 ] && [ "$(jb "[.series[] | select(.plan == \"an-five\")][0].tenants")" = 5 ] && [ "$(jb .tenants.active)" -ge 9 ] && [ "$(jb .users)" -ge 9 ]'
authed GET apex "/v1/platform/reports/plans?from=$TODAY&to=$TODAY" "$OP"
check "plans: tenants, new and active tenants per plan" eq "$(jb -c '[.series[] | select(.plan == "an-four") | [.tenants, .new_tenants, .active_tenants]][0]')" "[4,4,4]"
authed GET apex "/v1/platform/reports/growth?from=$YESTERDAY&to=$TODAY&interval=month" "$OP"
check "growth by month" eval '[ "$STATUS" = 200 ] && [ "$(jb ".series[-1].period")" = "$(date -u +%Y-%m-01)" ] && [ "$(jb ".series[-1].tenants")" -ge 9 ]'
authed GET apex "/v1/platform/reports/activity?from=$TODAY&to=$TODAY&interval=week" "$OP"
check "activity: top tenants by load and by storage, named" eval '[ "$STATUS" = 200 ] && [ "$(jb "[.top_by_requests, .top_by_storage] | map(length >= 1) | all")" = true ] && [ "$(jb ".top_by_requests | (map(.requests) == (map(.requests) | sort | reverse))")" = true ] && [ "$(jb ".top_by_storage | (map(.storage_bytes) == (map(.storage_bytes) | sort | reverse))")" = true ] && [ "$(jb "[.top_by_requests[] | (.slug != \"\") and (has(\"data\") | not)] | all")" = true ]'
JSON_ROWS=$(authed GET apex "/v1/platform/reports/plans?from=$TODAY&to=$TODAY" "$OP"; jb '.series | length')
authed GET apex "/v1/platform/reports/plans?from=$TODAY&to=$TODAY" "$OP" -H 'Accept: text/csv'
check "CSV with Accept: text/csv: a header and the same rows" eval '[[ "$(header content-type)" == text/csv* ]] && [ "$(head -1 <<<"$BODY" | tr -d "\r")" = "period,plan,tenants,new_tenants,active_tenants,requests,records,storage_bytes" ] && [ "$(($(wc -l <<<"$BODY") - 1))" = "$JSON_ROWS" ]'
authed GET apex "/v1/platform/reports/usage?interval=year" "$OP"
check "an unknown interval is 400" is_problem 400 bad_request
authed GET apex "/v1/platform/reports/usage?from=2026-13" "$OP"
check "a malformed date is 400" is_problem 400 bad_request
authed GET apex "/v1/platform/reports/usage?from=$TODAY&to=$YESTERDAY" "$OP"
check "from after to is 400" is_problem 400 bad_request
authed GET apex /v1/platform/reports/secrets "$OP"
check "an unknown report is 404" is_problem 404 not_found
authed GET apex /v1/platform/reports/usage "$F1"
check "reports need an operator" eq "$STATUS" 401
authed GET an-f1 /v1/platform/reports/usage "$F1"
check "and are not on tenant hosts" eq "$STATUS" 404

# 4. Benchmarks.
authed GET an-f1 /v1/benchmarks "$F1"
B1=$BODY
check "a tenant among 5 of its plan gets its percentiles" eq "$STATUS/$(jb .cohort.plan)/$(jb '.metrics | keys | join(",")')/$(jb '[.metrics[].percentile | select(. >= 0 and . <= 100)] | length')" "200/an-five/active_users,error_rate,records,requests/4"
check "with the epsilon per metric it was drawn at" eq "$(jb .epsilon_per_metric)/$(jb .day)" "1/$TODAY"
authed GET an-q1 /v1/benchmarks "$Q1"
check "with k - 1 tenants in a plan there is no answer" is_problem 404 not_found
check "and nothing was drawn for them" eq "$(psql_super -c "SELECT count(*) FROM strata_analytics.benchmarks b JOIN strata.tenants t ON t.id = b.tenant_id WHERE t.slug LIKE 'an-q%'")" 0
authed GET an-f1 /v1/benchmarks "$CFG_KEY"
check "benchmarks need config:read (an API key with it)" eq "$STATUS" 200
json POST an-f1 /v1/api-keys '{"name":"rec","permissions":["records:read"]}' "$F1"
authed GET an-f1 /v1/benchmarks "$(jb .key)"
check "and without it 403" is_problem 403 forbidden
# Another tenant changes a lot, and the day is rolled up again.
login an-f2 owner@an-f2.test "$PW_OWNER"
F2=$TOKEN
json POST an-f2 /v1/collections '{"name":"c","fields":{"v":{"type":"integer"}}}' "$F2"
for i in $(seq 1 30); do json POST an-f2 /v1/collections/c/records "{\"data\":{\"v\":$i}}" "$F2"; done
$STRATA report rollup --day "$TODAY" >/dev/null
check "the rollup sees the other tenant's change" eq "$(psql_super -c "SELECT records FROM strata_analytics.daily d JOIN strata.tenants t ON t.id = d.tenant_id WHERE t.slug = 'an-f2' AND d.day = '$TODAY'")" 30
same=1
for _ in 1 2 3 4 5; do
	authed GET an-f1 /v1/benchmarks "$F1"
	[ "$BODY" = "$B1" ] || same=0
done
check "repeated queries get the one answer of the day: nothing to average" eq "$same" 1
check "each tenant spent at most its daily budget" eq "$(psql_super -c "SELECT count(*) FILTER (WHERE spent > budget), count(*) FILTER (WHERE spent = 4.0) FROM strata_analytics.budget WHERE day = '$TODAY' AND tenant_id IN (SELECT id FROM strata.tenants WHERE slug LIKE 'an-f%')")" "0|5"
out=$(psql_app -c "UPDATE strata_analytics.benchmarks SET percentile = 50" 2>&1)
check "the app role cannot redraw a stored answer" eval 'grep -q "permission denied" <<<"$out"'
out=$(psql_app -c "SELECT report_benchmark_store('$TODAY', ARRAY['$TF1']::uuid[], ARRAY['records'], ARRAY['an-five'], ARRAY[5], ARRAY[1.0])" 2>&1)
check "storing a second answer for a day keeps the first" eq "$out" 0
$STRATA report configure --budget 2 >/dev/null
$STRATA report rollup --day "$TOMORROW" >/dev/null 2>"$TMPD/err"
rc=$?
$STRATA report configure --budget 4 >/dev/null
check "a day whose answers would exceed the budget is refused whole, in SQL" eval '[ "$rc" = 1 ] && grep -q "budget" "$TMPD/err" && [ "$(psql_super -c "SELECT count(*) FROM strata_analytics.benchmarks WHERE day = '"'$TOMORROW'"'")" = 0 ]'
psql_super -c "DELETE FROM strata_analytics.daily WHERE day = '$TOMORROW'" >/dev/null
$STRATA report configure --k 1 >/dev/null 2>&1
check "k below 2 is refused" eq "$?" 1

# 5. The reporting role.
check "strata_report logs in and reads its views" eval '[ "$(psql_report -c "SELECT count(*) > 0 FROM usage_by_month")" = t ]'
for t in strata.records strata.record_index strata.users strata.audit_events strata.tenant_keys strata.tenants strata.refresh_tokens strata_analytics.daily strata_analytics.activity strata_analytics.benchmarks; do
	out=$(psql_report -c "SELECT count(*) FROM $t" 2>&1)
	grep -q "permission denied" <<<"$out" || break
done
check "it cannot read records, users, audit, keys or the per-tenant figures" eval 'grep -q "permission denied" <<<"$out"'
out=$(psql_report -c "BEGIN" -c "SET LOCAL strata.tenant_id = '$TF1'" -c "SELECT count(*) FROM strata.records" 2>&1)
check "not even with a tenant set" eval 'grep -q "permission denied" <<<"$out"'
out=$(psql_report -c "CREATE TEMP TABLE x (a int)" 2>&1)
check "it creates nothing, not even a temporary table" eval 'grep -q "permission denied" <<<"$out"'
check "it has no BYPASSRLS and owns nothing" eq "$(psql_super -c "SELECT r.rolbypassrls OR r.rolsuper, (SELECT count(*) FROM pg_class WHERE relowner = r.oid) + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid) + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid) FROM pg_roles r WHERE r.rolname = 'strata_report'")" "f|0"
# Citus's own catalog views (citus_tables, citus_schemas: members of the
# extension, readable by everyone) are left out of the count and named.
check "it may read only the views of strata_report" eq "$(psql_super -c "SELECT string_agg(DISTINCT n.nspname || '.' || c.relkind::text, ',') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND has_table_privilege('strata_report', c.oid, 'SELECT') AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_extension x ON x.oid = d.refobjid WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e' AND x.extname = 'citus')")" "strata_report.v"
if [ "${CITUS:-0}" = 1 ]; then
	check "on Citus, besides them only Citus's catalog views" eq "$(psql_super -c "SELECT string_agg(n.nspname || '.' || c.relname, ',' ORDER BY n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e' JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'citus' WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND has_table_privilege('strata_report', c.oid, 'SELECT')")" "public.citus_schemas,public.citus_tables"
fi
check "no view has a tenant id, slug or name" eq "$(psql_super -c "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'strata_report' AND column_name IN ('id', 'tenant_id', 'slug', 'name', 'tenant')")" 0
small=$(psql_report -c "SELECT (SELECT count(*) FROM usage_by_plan WHERE tenants < 5) + (SELECT count(*) FROM usage_by_region WHERE tenants < 5) + (SELECT count(*) FROM usage_by_size WHERE tenants < 5) + (SELECT count(*) FROM usage_by_month WHERE tenants < 5)")
check "no group of fewer than k tenants" eq "$small" 0
check "the plan of 4 tenants is never a group of its own" eq "$(psql_report -c "SELECT count(*) FROM usage_by_plan WHERE plan = 'an-four'")" 0
check "the groups of a dimension add up to the month (no hidden remainder to subtract)" eq "$(psql_report -c "SELECT (SELECT sum(tenants) FROM usage_by_plan WHERE month = date_trunc('month', now())::date) = (SELECT tenants FROM usage_by_month WHERE month = date_trunc('month', now())::date)")" t
$STRATA report configure --k 10000 >/dev/null
check "k is the platform's to set: at k = 10000 every group is suppressed" eq "$(psql_report -c "SELECT (SELECT count(*) FROM usage_by_plan) + (SELECT count(*) FROM usage_by_month)")" 0
$STRATA report configure --k 5 >/dev/null
check "k back at 5" eq "$(psql_report -c "SELECT count(*) > 0 FROM usage_by_month")" t

finish
