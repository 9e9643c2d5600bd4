#!/usr/bin/env bash
# 09_limits.sh - per-tenant rate limits (token bucket from the settings,
# 429 + Retry-After + RateLimit-* headers, other tenants unaffected) and
# the nginx microcache (opt-in by the client, keyed by credential and host,
# never for errors).
. "$(dirname "$0")/../lib.sh"

mk_tenant rl-a
mk_tenant rl-b
login rl-a owner@rl-a.test "$PW_OWNER"
OWNER=$TOKEN
login rl-b owner@rl-b.test "$PW_OWNER"
OWNER_B=$TOKEN

authed GET rl-a /v1/me "$OWNER"
check "answers carry RateLimit-Limit and RateLimit-Remaining" eval '[ -n "$(header ratelimit-limit)" ] && [ -n "$(header ratelimit-remaining)" ]'
json PATCH rl-a /v1/config '{"settings":{"limits":{"requests_per_second":2,"burst":4}}}' "$OWNER"
burst() { # slug token n -> status codes, one per line, over one connection
	local args=()
	for _ in $(seq "$3"); do args+=(-o /dev/null "https://$1.$BASE:$HTTPS_PORT/v1/me"); done
	curl -s --cacert "$CA" -H "Authorization: Bearer $2" -w '%{http_code}\n' "${args[@]}"
}
codes=$(burst rl-a "$OWNER" 12 | sort | uniq -c | tr -s ' ' | tr '\n' ';')
check "a tenant over its rate gets 429s ($codes)" eval 'grep -q " 429;" <<<"$codes" && grep -q " 200;" <<<"$codes"'
authed GET rl-a /v1/me "$OWNER"
check "429 is a problem with Retry-After and RateLimit-Remaining 0" eval 'is_problem 429 rate_limited && [ "$(header retry-after)" -ge 1 ] && [ "$(header ratelimit-remaining)" = 0 ]'
check "RateLimit-Reset: seconds until the bucket of 4 at 2/s is full again" eval '[ "$(header ratelimit-reset)" -ge 1 ] && [ "$(header ratelimit-reset)" -le 2 ]'
codes=$(burst rl-b "$OWNER_B" 12 | sort -u | tr '\n' ' ')
check "another tenant at the same moment gets none" eq "$codes" "200 "
sleep 2.2
authed GET rl-a /v1/me "$OWNER"
check "the bucket refills" eq "$STATUS" 200
# Back to the free plan's caps (its default template's limits).
json PATCH rl-a /v1/config '{"settings":{"limits":{"requests_per_second":200,"burst":400}}}' "$OWNER"
sleep 1
req GET apex /metrics
check "refusals are counted in metrics" eval '[ "$(awk "/^strata_rate_limited_total /{print \$2}" "$TMPD/b")" -gt 0 ]'

# The microcache.
mk_user rl-a "$OWNER" u2@rl-a.test member
login rl-a u2@rl-a.test "$PW_USER"
USER2=$TOKEN
cached() { authed GET "$1" "$2" "$3" -H "Cache-Control: max-age=1" "${@:4}"; }
cached rl-a /v1/me "$OWNER"
cached rl-a /v1/me "$OWNER"
check "a client that accepts a second-old answer gets a cache HIT" eq "$(header x-cache-status)/$(jb .user.email)" "HIT/owner@rl-a.test"
cached rl-a /v1/me "$USER2"
check "another user of the tenant never gets it" eq "$(header x-cache-status)/$(jb .user.email)" "MISS/u2@rl-a.test"
cached rl-a /v1/me "$USER2" -H "Host: RL-A.$BASE"
check "host spelling variants share only their own tenant's entry" eq "$(jb .user.email)" "u2@rl-a.test"
cached rl-b /v1/me "$OWNER"
check "a token cached at one tenant opens nothing at another" eq "$STATUS/$(header x-cache-status)" "401/MISS"
cached rl-b /v1/me "$OWNER"
check "and 401 answers are never cached" eq "$STATUS/$(header x-cache-status)" "401/MISS"
cached rl-a /v1/nothing "$OWNER"
cached rl-a /v1/nothing "$OWNER"
check "nor 404 answers" eq "$STATUS/$(header x-cache-status)" "404/MISS"
authed GET rl-a /v1/me "$OWNER"
check "without max-age every request reaches the workers" eq "$(header x-cache-status)" "BYPASS"
authed GET rl-a /v1/me "$OWNER" -H "Cache-Control: max-age=1, no-cache"
check "Cache-Control: no-cache bypasses it" eq "$(header x-cache-status)" "BYPASS"
req GET rl-a /v1/tenant -H "Cache-Control: max-age=1"
req GET rl-b /v1/tenant -H "Cache-Control: max-age=1"
check "tenants never share entries" eq "$(jb .slug)" "rl-b"
finish
