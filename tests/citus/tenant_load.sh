#!/usr/bin/env bash
# tenant_load.sh - per-tenant load on the Citus cluster in VAR
# (tests/citus/run.sh): citus_stat_tenants (citus.stat_tenants_track =
# all) reaches /metrics through the strata-load process
# (lib/ops/tenant_load.c: the busiest 10 tenants by CPU, every 5 s) and
# `strata tenant stats`.  A burst of one tenant's reads makes it the
# busiest; its series must then appear, within a bounded label set.
. "$(dirname "$0")/../lib.sh"

# tl-a on the enterprise plan with its own limits raised, so that the burst
# is served, not answered 429 before any statement: then it is the
# busiest tenant whatever ran on the cluster before.
echo "$PW_OWNER" | $STRATA tenant create --slug tl-a --name "Tenant tl-a" --plan enterprise \
	--owner-email owner@tl-a.test >/dev/null
login tl-a owner@tl-a.test "$PW_OWNER"
A=$TOKEN
json PATCH tl-a /v1/config '{"settings":{"limits":{"requests_per_second":10000,"burst":20000}}}' "$A"
check "tl-a's limits raised for the burst (200)" eq "$STATUS" 200
json POST tl-a /v1/collections '{"name":"notes","fields":{"n":{"type":"integer","indexed":true}}}' "$A"
json POST tl-a /v1/collections/notes/records '{"data":{"n":1}}' "$A"
ID=$(jb .id)
OUT=$TMPD/burst METHOD=GET DELAY_MS=0 wrk -t 1 -c 4 -d 10s -s "$ROOT/tests/citus/load.lua" \
	-H "Host: tl-a.$BASE" -H "Authorization: Bearer $A" \
	"https://127.0.0.1:$HTTPS_PORT/v1/collections/notes/records/$ID" >"$TMPD/burst.out" 2>&1
echo "# tenant load: a burst of $(cat "$TMPD"/burst.[0-9]* | wc -l) reads of tl-a ($(cat "$TMPD"/burst.[0-9]* | awk '$2 == 200' | wc -l) answered 200)"

metrics() { curl -s --cacert "$CA" "https://$BASE:$HTTPS_PORT/metrics"; }
# The process refreshes every 5 s; Citus counts a query when it ends.  The
# busiest tenant by Citus's own count (`strata tenant stats --top 1`, the
# same source) must reach /metrics: tl-a after its burst, unless the
# background work of tenants of earlier scripts (webhook retries, mail)
# used more CPU in Citus's last two periods.
for _ in $(seq 1 30); do
	top=$($STRATA tenant stats --top 1 2>/dev/null | jq -r '.[0].tenant // empty')
	metrics >"$TMPD/metrics"
	[ -n "$top" ] && grep -q "^strata_citus_tenant_queries{tenant=\"$top\"}" "$TMPD/metrics" && break
	sleep 1
done
q=$(awk -v k="strata_citus_tenant_queries{tenant=\"$top\"}" '$1 == k { print $2 }' "$TMPD/metrics")
cpu=$(awk -v k="strata_citus_tenant_cpu_seconds{tenant=\"$top\"}" '$1 == k { print $2 }' "$TMPD/metrics")
rank=$($STRATA tenant stats --top 1000 2>/dev/null | jq -r '[.[].tenant] | index("tl-a") // "none"')
echo "# tenant load: the busiest tenant ${top:-none} (tl-a ranks $rank from 0); /metrics shows it with ${q:-no} queries, ${cpu:-no} CPU seconds; $(grep -c '^strata_citus_tenant_queries{' "$TMPD/metrics") tenants shown"
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
