#!/usr/bin/env bash
# tenant_load.sh - per-tenant load on the Citus cluster in VAR
# (tests/citus/run.sh): citus_stat_tenants (citus.stat_tenants_track =
# all) reaches /metrics through the strata-load process
# (lib/ops/tenant_load.c: the busiest 10 tenants by CPU, every 5 s) and
# `strata tenant stats`.  A burst of one tenant's reads makes it the
# busiest; its series must then appear, within a bounded label set.
. "$(dirname "$0")/../lib.sh"

mk_tenant tl-a
login tl-a owner@tl-a.test "$PW_OWNER"
A=$TOKEN
json POST tl-a /v1/collections '{"name":"notes","fields":{"n":{"type":"integer","indexed":true}}}' "$A"
json POST tl-a /v1/collections/notes/records '{"data":{"n":1}}' "$A"
ID=$(jb .id)
OUT=$TMPD/burst METHOD=GET DELAY_MS=0 wrk -t 1 -c 4 -d 4s -s "$ROOT/tests/citus/load.lua" \
	-H "Host: tl-a.$BASE" -H "Authorization: Bearer $A" \
	"https://127.0.0.1:$HTTPS_PORT/v1/collections/notes/records/$ID" >"$TMPD/burst.out" 2>&1
echo "# tenant load: a burst of $(cat "$TMPD"/burst.[0-9]* | wc -l) reads of tl-a"

metrics() { curl -s --cacert "$CA" "https://$BASE:$HTTPS_PORT/metrics"; }
# The process refreshes every 5 s; Citus counts a query when it ends.
for _ in $(seq 1 30); do
	metrics >"$TMPD/metrics"
	grep -q '^strata_citus_tenant_queries{tenant="tl-a"}' "$TMPD/metrics" && break
	sleep 1
done
q=$(awk '$1 == "strata_citus_tenant_queries{tenant=\"tl-a\"}" { print $2 }' "$TMPD/metrics")
cpu=$(awk '$1 == "strata_citus_tenant_cpu_seconds{tenant=\"tl-a\"}" { print $2 }' "$TMPD/metrics")
echo "# tenant load: /metrics shows tl-a with ${q:-no} queries, ${cpu:-no} CPU seconds; $(grep -c '^strata_citus_tenant_queries{' "$TMPD/metrics") tenants shown"
check "/metrics shows the busiest tenant's Citus query count" test "${q:-0}" -gt 0
check "and its CPU time" eval 'awk -v c="${cpu:-0}" "BEGIN { exit !(c > 0) }"'
check "the Citus series are gauges with HELP" eval 'grep -q "^# TYPE strata_citus_tenant_queries gauge" "$TMPD/metrics" && grep -q "^# HELP strata_citus_tenant_cpu_seconds " "$TMPD/metrics"'
shown=$(grep -c '^strata_citus_tenant_queries{' "$TMPD/metrics")
check "the label set is bounded (1-10 tenants)" eval '[ "$shown" -ge 1 ] && [ "$shown" -le 10 ]'
out=$($STRATA tenant stats --top 3 2>&1)
check "strata tenant stats --top 3 answers at most 3 tenants" eq "$(jq 'length <= 3 and length >= 1' <<<"$out" 2>/dev/null)" true
check "each with queries, reads and CPU seconds" eq "$(jq '[.[] | (.tenant | type) == "string" and (.queries | type) == "number" and (.reads | type) == "number" and (.cpu_seconds | type) == "number"] | all' <<<"$out" 2>/dev/null)" true
check "tl-a is among the busiest" eq "$($STRATA tenant stats --top 1000 | jq '[.[] | select(.tenant == "tl-a" and .queries > 0)] | length')" 1
$STRATA tenant stats --top 0 >/dev/null 2>&1
check "--top 0 is refused" test $? -ne 0
finish
