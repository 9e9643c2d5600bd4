#!/usr/bin/env bash
# compare.sh - get and create on one PostgreSQL against the Citus cluster
# in VAR, both with the release build behind the same nginx settings: a
# single-node stack of its own (var/citus-single) and the cluster's stack
# with its workers restarted on build/strata.  wrk, 1 thread, 4
# connections, COMPARE_SECONDS (5) each, in the same run, a tenant on the
# enterprise plan and the per-tenant rate limit out of the way; the ratios are
# reported, never asserted (the checks are that each load ran).
#
# The rate a tenant's requests meet is its own settings' limits (the
# template's: default.json says 200 a second, burst 400), capped by its
# plan; strata.conf's rate_rps is only the fallback when they cannot be
# read.  The cluster's gets met 429s at about 280 a second (200 + 400 / 5 s)
# for that reason, so the harness sets the tenant's limits to its plan's
# caps (10,000 a second, burst 20,000) on both stacks, through the API.
. "$(dirname "$0")/../lib.sh"
STACK=$ROOT/tests/stack/stack.sh
REL=$ROOT/build/strata
SECS=${COMPARE_SECONDS:-5}
SINGLE=$ROOT/var/citus-single
# shellcheck disable=SC1091
. "$ROOT/tests/stack/free_port.sh"

# prepare VAR_DIR: a tenant, its token, a collection and one record in
# $TMPD/<name>.env (TOKEN, ID, PORT).
prepare() {
	local var=$1 name=$2 port tok id
	port=$(sed -n 's/^HTTPS_PORT=//p' "$var/stack.env")
	echo "$PW_OWNER" | $REL --config "$var/strata.conf" tenant create --slug cmp-a \
		--name "Compare" --plan enterprise --owner-email owner@cmp-a.test >/dev/null 2>&1
	c() { curl -s --cacert "$var/tls/cert.pem" --resolve "cmp-a.$BASE:$port:127.0.0.1" "$@"; }
	tok=$(c "https://cmp-a.$BASE:$port/v1/auth/login" -H 'Content-Type: application/json' \
		-d "{\"email\":\"owner@cmp-a.test\",\"password\":\"$PW_OWNER\"}" | jq -r .access_token)
	c "https://cmp-a.$BASE:$port/v1/collections" -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' \
		-d '{"name":"notes","fields":{"title":{"type":"string","indexed":true},"n":{"type":"integer","indexed":true}}}' >/dev/null
	id=$(c "https://cmp-a.$BASE:$port/v1/collections/notes/records" -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' -d '{"data":{"title":"x","n":1}}' | jq -r .id)
	limit0=$(c -D - -o /dev/null "https://cmp-a.$BASE:$port/v1/collections/notes/records/$id" \
		-H "Authorization: Bearer $tok" | tr -d '\r' | sed -n 's/^ratelimit-limit: //Ip')
	c -X PATCH "https://cmp-a.$BASE:$port/v1/config" -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' \
		-d '{"settings":{"limits":{"requests_per_second":10000,"burst":20000}}}' -o /dev/null
	limit=$(c -D - -o /dev/null "https://cmp-a.$BASE:$port/v1/collections/notes/records/$id" \
		-H "Authorization: Bearer $tok" | tr -d '\r' | sed -n 's/^ratelimit-limit: //Ip')
	printf 'TOKEN=%s\nID=%s\nPORT=%s\nLIMIT=%s\nLIMIT0=%s\n' "$tok" "$id" "$port" "$limit" "$limit0" >"$TMPD/$name.env"
}
rps() { # NAME METHOD PATH: requests per second of one wrk run
	# shellcheck disable=SC1090
	. "$TMPD/$1.env"
	local extra=()
	[ "$2" = POST ] && extra=(-H "Content-Type: application/json")
	OUT=$TMPD/$1-$2 METHOD=$2 DELAY_MS=0 wrk -t 1 -c 4 -d "${SECS}s" \
		-s "$ROOT/tests/citus/load.lua" -H "Host: cmp-a.$BASE" \
		-H "Authorization: Bearer $TOKEN" "${extra[@]}" \
		"https://127.0.0.1:$PORT$3" 2>/dev/null | awk '/Requests\/sec/ { printf "%d", $2 }'
}

# The single node.
"$STACK" down "$SINGLE" >/dev/null 2>&1
rm -rf "$SINGLE"
HTTPS_PORT=$(free_port) HTTP_PORT=$(free_port) PG_PORT=$(free_port) CITUS=0 \
	RATE_RPS=100000 RATE_BURST=200000 STRATA_BIN=$REL SEED=0 "$STACK" up "$SINGLE" >"$TMPD/single.log" 2>&1
check "the single-node stack started" test -f "$SINGLE/stack.env"
prepare "$SINGLE" single
# Without Citus, /metrics has no Citus series (lib/ops/tenant_load.c).
sp=$(sed -n 's/^HTTPS_PORT=//p' "$SINGLE/stack.env")
check "one node: /metrics shows no Citus series" eq "$(curl -s --cacert "$SINGLE/tls/cert.pem" --resolve "$BASE:$sp:127.0.0.1" "https://$BASE:$sp/metrics" | grep -c '^strata_citus_')" 0
check "one node: /metrics answers" eval 'curl -s --cacert "$SINGLE/tls/cert.pem" --resolve "$BASE:$sp:127.0.0.1" "https://$BASE:$sp/metrics" | grep -q "^strata_worker_starts_total"'
# The cluster's workers on the release build (restored afterwards).
# restart-strata keeps strata.conf: its rate (the fallback) is raised
# there too.
cp "$VAR/stack.env" "$TMPD/stack.env.saved"
cp "$VAR/strata.conf" "$TMPD/strata.conf.saved"
sed -i -e "s|^STRATA_BIN=.*|STRATA_BIN=$REL|" -e "s|^RATE_RPS=.*|RATE_RPS=100000|" \
	-e "s|^RATE_BURST=.*|RATE_BURST=200000|" "$VAR/stack.env"
sed -i -e "s|^rate_rps = .*|rate_rps = 100000|" -e "s|^rate_burst = .*|rate_burst = 200000|" \
	"$VAR/strata.conf"
"$STACK" restart-strata "$VAR" >/dev/null
prepare "$VAR" cluster

# shellcheck disable=SC1090
. "$TMPD/cluster.env"
c_limit=$LIMIT c_limit0=$LIMIT0
# shellcheck disable=SC1090
. "$TMPD/single.env"
echo "# the tenant's RateLimit-Limit before its limits were raised: single node ${LIMIT0:-none}, cluster ${c_limit0:-none}; after: ${LIMIT:-none}, ${c_limit:-none}"
check "the tenant's own rate limit is raised alike on both stacks" eval '[ "${LIMIT:-0}" = "${c_limit:-1}" ] && [ "${LIMIT:-0}" -ge 10000 ]'
s_get=$(rps single GET "/v1/collections/notes/records/$ID")
s_create=$(rps single POST /v1/collections/notes/records)
# shellcheck disable=SC1090
. "$TMPD/cluster.env"
c_get=$(rps cluster GET "/v1/collections/notes/records/$ID")
c_create=$(rps cluster POST /v1/collections/notes/records)
"$STACK" down "$SINGLE" >/dev/null 2>&1
cp "$TMPD/stack.env.saved" "$VAR/stack.env"
cp "$TMPD/strata.conf.saved" "$VAR/strata.conf"
"$STACK" restart-strata "$VAR" >/dev/null

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "# compare (wrk -t1 -c4 -d${SECS}s, release build): get single ${s_get:-0}/s, cluster ${c_get:-0}/s (x$(ratio "${c_get:-0}" "${s_get:-0}")); create single ${s_create:-0}/s, cluster ${c_create:-0}/s (x$(ratio "${c_create:-0}" "${s_create:-0}"))"
check "every comparison load ran" eval '[ "${s_get:-0}" -gt 0 ] && [ "${c_get:-0}" -gt 0 ] && [ "${s_create:-0}" -gt 0 ] && [ "${c_create:-0}" -gt 0 ]'
echo "# the cluster's gets by status: $(cat "$TMPD"/cluster-GET.* | awk '{ print $2 }' | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
check "the cluster's gets were all 200" eq "$(cat "$TMPD"/cluster-GET.* | awk '$2 != 200' | wc -l)" 0
check "the cluster's creates were all 201" eq "$(cat "$TMPD"/cluster-POST.* | awk '$2 != 201' | wc -l)" 0
finish
