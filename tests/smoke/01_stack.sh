#!/usr/bin/env bash
# 01_stack.sh - the walking skeleton: tenancy by Host, operations endpoints,
# nginx's edges, problem+json for every refusal.
. "$(dirname "$0")/../lib.sh"

$STRATA tenant create --slug stk-one --name "Stack One" >/dev/null
$STRATA tenant create --slug stk-two --name "Stack Two" >/dev/null

# The tenant of a host.
req GET stk-one /v1/tenant
check "tenant host answers 200" status_is 200
check "tenant facts are its own" eq "$(jb .slug)/$(jb .name)/$(jb .status)" "stk-one/Stack One/active"
check "tenant id is a uuid" eval '[[ $(jb .id) =~ ^[0-9a-f-]{36}$ ]]'
check "public facts only" eq "$(jb 'keys|join(",")')" "id,name,slug,status"
check "X-Request-Id on every answer" eval '[ -n "$(header x-request-id)" ]'
check "HSTS header" eval 'header strict-transport-security | grep -q max-age='
check "nosniff header" eq "$(header x-content-type-options)" "nosniff"
check "CSP header" eval 'header content-security-policy | grep -q "default-src '"'"'none'"'"'"'
check "Referrer-Policy header" eq "$(header referrer-policy)" "no-referrer"

req GET stk-two /v1/tenant
check "second tenant sees itself" eq "$(jb .slug)" "stk-two"

# Host normalisation: case, port, trailing dot.
req GET stk-one /v1/tenant -H "Host: STK-ONE.Strata.LocalHost:$HTTPS_PORT"
check "upper-case Host is the same tenant" eq "$STATUS/$(jb .slug)" "200/stk-one"
req GET stk-one /v1/tenant -H "Host: stk-one.$BASE."
check "trailing dot Host is the same tenant" eq "$STATUS/$(jb .slug)" "200/stk-one"
req GET stk-one /v1/tenant -H "X-Forwarded-Host: stk-two.$BASE"
check "X-Forwarded-Host never picks the tenant" eq "$(jb .slug)" "stk-one"

# Refusals.
req GET nope-nope /v1/tenant
check "unknown tenant is 404 tenant_not_found" is_problem 404 tenant_not_found
req GET ab /v1/tenant
check "impossible slug is 404 tenant_not_found" is_problem 404 tenant_not_found
req GET www /v1/tenant
check "reserved slug is 404 tenant_not_found" is_problem 404 tenant_not_found
req GET stk-one /v1/tenant -H "Host: evil.example"
check "foreign Host is answered by nginx with a problem (421)" is_problem 421 misdirected_request
req GET stk-one /v1/tenant -H "Host: 127.0.0.1"
check "IP literal Host is refused" eq "$STATUS" 400
req GET stk-one /v1/tenant -H "Host: x.stk-one.$BASE"
check "a deeper name under the base is refused at the edge (421)" is_problem 421 misdirected_request
req GET stk-one /v1/tenant -H "Host: user@stk-one.$BASE"
check "Host with user-info is refused at the edge (421)" is_problem 421 misdirected_request
req GET stk-one /v1/tenant -H "Host: stk-one.$BASE/x"
check "Host with a path is refused" eq "$STATUS" 400
STATUS=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "https://127.0.0.1:$HTTPS_PORT/v1/tenant" -k)
check "bare IP address is refused" eq "$STATUS" 400

# raw_http REQUEST: the status line nginx answers to REQUEST (printf %b
# escapes) on plain HTTP.  bash's printf writes line by line: nginx refused
# two Host headers after the second line and closed, and the next write
# then raised SIGPIPE before anything was read.  dd gathers the request
# into one write, so nginx has all of it before it answers; the answer is
# read to end of file (a reset after it loses nothing already read).
raw_http() {
	exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT"
	printf '%b' "$1" | dd bs=64k iflag=fullblock status=none >&3
	timeout 5 cat <&3 2>/dev/null | head -1 | tr -d '\r'
	exec 3<&-
}
# status_line_is CODE REQUEST: nginx answers REQUEST with CODE.
status_line_is() {
	local line
	line=$(raw_http "$2")
	[[ "$line" == "HTTP/1.1 $1 "* ]] && return 0
	echo "#   expected HTTP/1.1 $1 got [$line]"
	return 1
}
check "two Host headers are refused" status_line_is 400 \
	"GET / HTTP/1.1\r\nHost: stk-one.$BASE\r\nHost: stk-two.$BASE\r\nConnection: close\r\n\r\n"
check "missing Host is refused" status_line_is 400 "GET /v1/tenant HTTP/1.0\r\n\r\n"
check "HTTP/1.1 without Host is refused" status_line_is 400 \
	"GET /v1/tenant HTTP/1.1\r\nConnection: close\r\n\r\n"

# HTTP redirects to HTTPS.
loc=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://stk-one.$BASE:$HTTP_PORT/v1/tenant?a=1")
check "HTTP redirects to HTTPS" eq "$loc" "301 https://stk-one.$BASE:$HTTPS_PORT/v1/tenant?a=1"

# Paths and methods.
req GET stk-one /v1/nothing-here
check "unknown path is 404 problem" is_problem 404 not_found
req GET stk-one /v1/tenant/
check "trailing slash is 404" eq "$STATUS" 404
req DELETE stk-one /v1/tenant
check "wrong method is 405" is_problem 405 method_not_allowed
check "405 lists Allow" eq "$(header allow)" "GET, HEAD"
req HEAD stk-one /v1/tenant
check "HEAD is served by GET routes" eq "$STATUS" 200
req GET apex /v1/tenant
check "apex serves no tenant data" is_problem 404 not_found
req GET stk-one "/v1/tenant?x=%zz"
check "malformed query escape is 400" is_problem 400 bad_request

# Bodies.
head -c 2000000 /dev/zero | tr '\0' 'a' >"$TMPD/big"
req POST stk-one /v1/tenant -H "Content-Type: application/json" --data-binary @"$TMPD/big"
check "body over 1 MiB is 413 problem" is_problem 413 body_too_large

# Operations endpoints, any host.
req GET stk-one /healthz
check "healthz 200" eq "$STATUS/$(jb .status)" "200/ok"
req GET apex /healthz
check "healthz on the apex" eq "$STATUS" 200
req GET nope-nope /healthz
check "healthz even on an unknown tenant host" eq "$STATUS" 200
req GET apex /readyz
check "readyz 200 with database and migrations" eq "$STATUS" 200
req GET apex /metrics
check "metrics served to loopback" eq "$STATUS" 200
check "metrics count requests by route" eval 'grep -q "strata_requests_total{method=\"GET\",route=\"/v1/tenant\",status=\"2xx\"}" "$TMPD/b"'
check "metrics have a latency histogram" eval 'grep -q "strata_request_duration_seconds_bucket{le=\"+Inf\"}" "$TMPD/b"'
check "metrics count worker restarts" eval 'grep -q "^strata_worker_crashes_total " "$TMPD/b"'
check "metrics count database errors" eval 'grep -q "^strata_db_errors_total " "$TMPD/b"'
check "metrics parse as Prometheus text" "$ROOT/tests/promcheck.sh" "$TMPD/b"

# Suspension is seen on the very next request, on every worker.
$STRATA tenant suspend stk-two >/dev/null
bad=0
for _ in 1 2 3 4 5 6; do
	req GET stk-two /v1/tenant
	is_problem 403 tenant_suspended || bad=$((bad + 1))
done
check "suspended tenant answers 403 tenant_suspended on every worker" eq "$bad" 0
$STRATA tenant resume stk-two >/dev/null
bad=0
for _ in 1 2 3 4 5 6; do
	req GET stk-two /v1/tenant
	[ "$STATUS" = 200 ] || bad=$((bad + 1))
done
check "resumed tenant answers again on every worker" eq "$bad" 0

# The command line.
check "tenant list prints JSON with both tenants" eval '$STRATA tenant list | jq -e "map(.slug) | index(\"stk-one\") != null and index(\"stk-two\") != null" >/dev/null'
check "duplicate slug is refused" eval '! $STRATA tenant create --slug stk-one --name Again 2>/dev/null'
check "invalid slug is refused" eval '! $STRATA tenant create --slug "Bad_Slug" --name X 2>/dev/null'
check "reserved slug is refused" eval '! $STRATA tenant create --slug admin --name X 2>/dev/null'
check "migrate again applies nothing" eval '$STRATA migrate | tail -1 | jq -e ".applied_now == 0" >/dev/null'
finish
