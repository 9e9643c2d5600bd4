#!/usr/bin/env bash
# 02_forward.sh - routing: a request for a tenant of us reaching eu's edge
# is passed on over TLS to us's edge and gets the same answer as at home,
# with Strata-Region: us; tokens and data are checked at home only; a slug
# no region knows is a 404; a client cannot forge the loop guard.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT
# shellcheck disable=SC1091
. "$ROOT/tests/regions/lib.sh"
regions_checks

use_region us
mk_tenant fwd-us
login fwd-us owner@fwd-us.test "$PW_OWNER"
HOME_TOK=$TOKEN
use_region eu
check "eu's directory knows fwd-us's home" \
	directory_wait eu "slug = 'fwd-us' AND region = 'us' AND status = 'active'"

# The same request at home and through eu: same status and body (but the
# request id, each edge's own), Strata-Region: us once.
both() { # METHOD PATH [BODY] [CONTENT_TYPE]: sets HOME_A, FWD_A, FWD_REGION
	local args=(-H "Authorization: Bearer $HOME_TOK")
	[ -n "${3:-}" ] && args+=(-H "Content-Type: ${4:-application/json}" --data-binary "$3")
	use_region us
	req "$1" fwd-us "$2" "${args[@]}"
	HOME_A=$(answer)
	use_region eu
	req "$1" fwd-us "$2" "${args[@]}"
	FWD_A=$(answer)
	FWD_REGION=$(all_headers strata-region | paste -sd,)
}
same() { # WHAT
	if [ "$HOME_A" = "$FWD_A" ] && [ "$FWD_REGION" = us ]; then
		ok "$1: the same answer through eu as at home, Strata-Region: us"
	else
		not_ok "$1: the same answer through eu as at home, Strata-Region: us"
		echo "#   home: ${HOME_A:0:200}"
		echo "#   eu:   ${FWD_A:0:200} (Strata-Region: $FWD_REGION)"
	fi
}

login fwd-us owner@fwd-us.test "$PW_OWNER"
check "login through eu: 200 and a token, Strata-Region: us" \
	test "$STATUS/$(header strata-region)" = 200/us -a -n "$TOKEN"
FWD_TOK=$TOKEN
authed GET fwd-us /v1/me "$FWD_TOK"
check "the token issued through eu works through eu (200)" eq "$STATUS" 200
use_region us
authed GET fwd-us /v1/me "$FWD_TOK"
check "the token issued through eu is us's own: it works at home (200)" eq "$STATUS" 200
use_region eu

json POST fwd-us /v1/collections '{"name":"notes","fields":{"n":{"type":"integer"},"text":{"type":"string"}}}' "$HOME_TOK"
check "POST with a body through eu: 201, Strata-Region: us" \
	test "$STATUS/$(header strata-region)" = 201/us
json POST fwd-us /v1/collections/notes/records '{"data":{"n":1,"text":"first"}}' "$HOME_TOK"
RID=$(jb .id)
check "a record created through eu (201)" eq "$STATUS" 201
both GET "/v1/collections/notes/records/$RID"
same "GET a record"
both PATCH "/v1/collections/notes/records/$RID" '{"data":{"text":"patched"}}' application/merge-patch+json
use_region us
authed GET fwd-us "/v1/collections/notes/records/$RID" "$HOME_TOK"
check "PATCH through eu reached home (the text is patched)" eq "$(jb .data.text)" patched
use_region eu
for i in $(seq 2 60); do
	json POST fwd-us /v1/collections/notes/records "{\"data\":{\"n\":$i,\"text\":\"note $i\"}}" "$HOME_TOK"
done
both GET "/v1/collections/notes/records?limit=100"
same "a streamed list of 60 records"
check "the list through eu holds the 60 records" eq "$(jq '.items | length' <<<"${FWD_A#* }")" 60
# The event stream (served by the stream process, not a worker) through
# eu: passed on unbuffered to us's edge; a record created meanwhile
# arrives on it at once.
curl -sN --max-time 30 -D "$TMPD/stream.h" -o "$TMPD/stream.out" --cacert "$CA" \
	--resolve "fwd-us.$BASE:$HTTPS_PORT:127.0.0.1" -H "Authorization: Bearer $HOME_TOK" \
	"https://fwd-us.$BASE:$HTTPS_PORT/v1/events/stream" &
spid=$!
for _ in $(seq 50); do grep -q '^retry:' "$TMPD/stream.out" 2>/dev/null && break; sleep 0.1; done
check "the event stream through eu: 200 text/event-stream, Strata-Region: us" \
	test "$(awk 'NR == 1 {print $2}' "$TMPD/stream.h")/$(grep -ci '^content-type: text/event-stream' "$TMPD/stream.h")/$(grep -i '^strata-region:' "$TMPD/stream.h" | tr -d '\r' | awk '{print $2}' | paste -sd,)" = 200/1/us
json POST fwd-us /v1/collections/notes/records '{"data":{"n":999,"text":"streamed"}}' "$HOME_TOK"
for _ in $(seq 150); do grep -q '"n": *999' "$TMPD/stream.out" && break; sleep 0.1; done
check "a record created meanwhile arrives on the stream through eu (within 15 s)" grep -q '"n": *999' "$TMPD/stream.out"
grep -q '"n": *999' "$TMPD/stream.out" || echo "#   stream: $(head -c 300 "$TMPD/stream.out" | tr '\n' ' ')"
# The stream's curl runs under `ip netns exec`, a child of $spid.
pkill -P "$spid" 2>/dev/null
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$CA" --resolve "fwd-us.$BASE:$HTTPS_PORT:127.0.0.1" \
	-H "Authorization: Bearer not.a.token" "https://fwd-us.$BASE:$HTTPS_PORT/v1/events/stream" >"$TMPD/stream.code"
check "a bad token on the stream through eu: 401 from home" eq "$(cat "$TMPD/stream.code")" 401
both POST /v1/collections/notes/records '{"data": {"n": '
same "malformed JSON (400 problem)"
both POST /v1/collections/notes/records '{"data":{"n":"not a number"}}'
same "a wrong type (422 problem)"
{ printf '{"data":{"text":"'; head -c 1100000 /dev/zero | tr '\0' a; printf '"}}'; } >"$TMPD/big.json"
json POST fwd-us /v1/collections/notes/records "@$TMPD/big.json" "$HOME_TOK"
check "a body over 1 MiB is refused at eu's edge, never passed on (413)" \
	eq "$STATUS" 413
authed DELETE fwd-us "/v1/collections/notes/records/$RID" "$HOME_TOK"
check "DELETE through eu: 204, Strata-Region: us" \
	test "$STATUS/$(header strata-region)" = 204/us
both GET "/v1/collections/notes/records/$RID"
same "GET a deleted record (404 problem)"
authed GET fwd-us /v1/me "not-a-token"
check "a bad token through eu: 401 from home (Strata-Region: us)" \
	test "$STATUS/$(header strata-region)" = 401/us
use_region eu
mk_tenant fwd-eu
login fwd-eu owner@fwd-eu.test "$PW_OWNER"
EU_TOK=$TOKEN
check "us's directory knows fwd-eu's home" \
	directory_wait us "slug = 'fwd-eu' AND region = 'eu' AND status = 'active'"
authed GET fwd-us /v1/me "$EU_TOK"
check "a token of an eu tenant presented for fwd-us through eu: 401 at home" eq "$STATUS" 401

req GET nobody-anywhere /v1/tenant
check "a slug no region knows: 404 tenant_not_found, Strata-Region: eu" \
	test "$STATUS/$(jb .code)/$(header strata-region)" = "404/tenant_not_found/eu"

# The loop guard: only the edges' secret marks a request as passed on.
authed GET fwd-us /v1/me "$HOME_TOK" -H "X-Strata-Forward: 1"
check "a forged loop-guard header from a client is ignored (passed on, 200 from us)" \
	test "$STATUS/$(header strata-region)" = 200/us
use_region us
authed GET fwd-eu /v1/me "$EU_TOK" -H "X-Strata-Forward: $(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 64)"
check "a forged secret at us for an eu tenant is ignored too (passed on, 200 from eu)" \
	test "$STATUS/$(header strata-region)" = 200/eu
authed GET fwd-eu /v1/me "$EU_TOK" -H "X-Strata-Forward: $(cat "$REG_TOP/forward.secret")"
check "a request marked as passed on is never passed on again (503 at us)" \
	test "$STATUS/$(header strata-region)" = 503/us

# No home while a tenant is between two regions: us hands fwd-us over
# (its row: moved), nobody has taken it over yet: eu answers 503 with
# Retry-After; taken over again by us, eu passes it on again.
FID=$(tenant_id_in us fwd-us)
psql_region us -c "SELECT strata.directory_hand_over('$FID', 'eu')" >/dev/null
check "eu's directory learns that us handed fwd-us over" \
	directory_wait eu "tenant = '$FID' AND region = 'us' AND status = 'moved' AND moved_to = 'eu'"
use_region eu
authed GET fwd-us /v1/me "$HOME_TOK"
check "a tenant with no home answers 503 with Retry-After (at eu)" \
	test "$STATUS/$(jb .code)" = 503/service_unavailable -a -n "$(header retry-after)"
psql_region us -c "SELECT strata.directory_take_over('$FID')" >/dev/null
directory_wait eu "tenant = '$FID' AND region = 'us' AND status = 'active'" >/dev/null
authed GET fwd-us /v1/me "$HOME_TOK"
check "taken over by us again, eu passes fwd-us on again (200, Strata-Region: us)" \
	test "$STATUS/$(header strata-region)" = 200/us
check "hand_over refuses a region to itself and a tenant not at home" \
	test -n "$(psql_region us -c "SELECT strata.directory_hand_over('$FID', 'us')" 2>&1 | grep ERROR)" -a \
	-n "$(psql_region eu -c "SELECT strata.directory_hand_over('$FID', 'us')" 2>&1 | grep ERROR)"
check "nginx keeps the secret from the workers (not in either region's logs)" \
	test -z "$(grep -rlF "$(cat "$REG_TOP/forward.secret")" "$(reg_var eu)/log" "$(reg_var us)/log" 2>/dev/null)"
exit 0
