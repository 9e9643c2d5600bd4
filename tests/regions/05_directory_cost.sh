#!/usr/bin/env bash
# 05_directory_cost.sh - the directory holds no personal data; the cost of
# forwarding: `get` served at home versus through the other region's edge
# (wrk, one run each, the ratio), and the network round trips between the
# regions per forwarded request (TCP connections eu opened, from the
# kernel's counters, over the requests).  Measured, never asserted.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT
# shellcheck disable=SC1091
. "$ROOT/tests/regions/lib.sh"
regions_checks

cols=$(psql_region eu -c "SELECT string_agg(column_name, ',' ORDER BY ordinal_position)
	FROM information_schema.columns WHERE table_schema = 'strata' AND table_name = 'directory'")
check "the directory's columns: region, tenant, slug, domains, status, moved_to, updated_at" \
	eq "$cols" "region,tenant,slug,domains,status,moved_to,updated_at"
dump=$(psql_region us -c "SELECT d::text FROM strata.directory d")
check "no e-mail address, name or record in us's copy of the directory" \
	test -n "$dump" -a -z "$(grep -E '@|Tenant |residency-marker' <<<"$dump")"

# The bench tenant: in us, on a plan and template that do not throttle
# (as make bench's), 20 records, the owner's token.
use_region us
psql_region us -c "INSERT INTO strata.plans (name, requests_per_second, burst,
	max_records, max_collections, audit_retention_min_days, templates)
	VALUES ('bench', 100000, 1000000, 1000000000, 10000, 90, '{bench}')" >/dev/null
echo "$PW_OWNER" | $STRATA tenant create --slug cost --name "Tenant cost" \
	--owner-email owner@cost.test --plan bench --template bench >/dev/null
login cost owner@cost.test "$PW_OWNER"
tok=$TOKEN
json POST cost /v1/collections '{"name":"items","fields":{"n":{"type":"integer"}}}' "$tok"
tid=$(tenant_id_in us cost)
: >"$TMPD/bench"
for i in $(seq 20); do
	json POST cost /v1/collections/items/records "{\"data\":{\"n\":$i}}" "$tok"
	echo "cost.$BASE $tid $tok $(jb .id)" >>"$TMPD/bench"
done
directory_wait eu "slug = 'cost' AND region = 'us'" || echo "#   eu's directory does not know cost"

DUR=${REGIONS_BENCH_SECONDS:-8}
wrk_get() { # REGION (whose edge wrk talks to, inside its namespace)
	in_region "$1" env BENCH_LUA="$ROOT/tests/load" BENCH_DATA="$TMPD/bench" \
		wrk -t2 -c8 -d"${DUR}s" -s "$ROOT/tests/load/get.lua" "https://127.0.0.1:8443" 2>&1 |
		sed -n 's/^BENCH_JSON //p'
}
if ! command -v wrk >/dev/null; then
	echo "# skipped: the forwarding cost needs wrk (make deps)"
	exit 0
fi
home=$(wrk_get us)
opens0=$(in_region eu nstat -asz TcpActiveOpens | awk '/TcpActiveOpens/ { print $2 }')
fwd=$(wrk_get eu)
opens1=$(in_region eu nstat -asz TcpActiveOpens | awk '/TcpActiveOpens/ { print $2 }')
check "wrk ran at home and forwarded, without errors" \
	test "$(jq -r '.non2xx + .socket_errors' <<<"$home")/$(jq -r '.non2xx + .socket_errors' <<<"$fwd")" = 0/0
echo "#   home: $home"
echo "#   forwarded: $fwd"
# What a non-2xx answer was, from both edges' access logs (flushed within
# a second), what nginx said about it, and the worker's line for it.
if [ "$(printf '%s\n%s\n' "$home" "$fwd" | jq -s 'map(.non2xx + .socket_errors) | add')" != 0 ]; then
	sleep 1.5
	bad='select(.host == "cost.'"$BASE"'" and (.status < 200 or .status > 299))'
	for r in eu us; do
		jq -c "$bad"' | {time, request_id, remote_addr, host, status, request_time, upstream_time}' \
			"$REG_TOP/$r/log/nginx-access.log" 2>/dev/null | tail -5 | sed "s/^/#   $r access: /"
		grep -v '\[notice\]' "$REG_TOP/$r/log/nginx-error.log" 2>/dev/null | tail -5 | sed "s/^/#   $r nginx: /"
	done
	for id in $(jq -r "$bad | .request_id" "$REG_TOP"/*/log/nginx-access.log 2>/dev/null | sort -u | tail -5); do
		grep -h "$id" "$REG_TOP"/*/log/strata.log 2>/dev/null | tail -3 | sed "s/^/#   worker: /"
	done
fi
h_rps=$(jq -r .rps <<<"$home") f_rps=$(jq -r .rps <<<"$fwd")
h_p50=$(jq -r .p50_ms <<<"$home") f_p50=$(jq -r .p50_ms <<<"$fwd")
n=$(jq -r .requests <<<"$fwd")
opens=$((opens1 - opens0 - 8)) # less wrk's own 8 connections to eu's edge
[ "$opens" -ge 0 ] || opens=0
echo "# get at home (us's edge): $h_rps req/s, p50 $h_p50 ms"
echo "# get forwarded (eu's edge -> us's edge, TLS): $f_rps req/s, p50 $f_p50 ms"
awk -v h="$h_rps" -v f="$f_rps" -v hp="$h_p50" -v fp="$f_p50" 'BEGIN {
	printf "# forwarded/home: %.2f x the throughput, +%.2f ms at the median\n", f / h, fp - hp }'
# Each forwarded request is one request/response exchange on a kept-alive
# TLS connection from eu's nginx to us's; a new connection adds one round
# trip for TCP and one for TLS 1.3.
awk -v n="$n" -v o="$opens" 'BEGIN {
	rt = 1 + 2 * o / n
	printf "# round trips between the regions per forwarded request: %.3f (%d requests, %d connections opened by eu)\n", rt, n, o
	printf "# on paper, at an inter-region RTT of 80 ms (eu-us): +%.0f ms per forwarded request\n", rt * 80 }'
exit 0
