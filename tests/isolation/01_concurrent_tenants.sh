#!/usr/bin/env bash
# 01_concurrent_tenants.sh - isolation proven under concurrency: three
# tenants, three users each, twelve clients at once creating, reading,
# listing, filtering and deleting.  Every record carries its tenant's
# marker and every answer is checked to belong to the caller's tenant;
# other tenants' ids and cursors must yield 404/400, never data.
. "$(dirname "$0")/../lib.sh"

TENANTS="iso-a iso-b iso-c"
COLL='{"name":"items","fields":{"marker":{"type":"string","required":true,"indexed":true},"n":{"type":"integer","indexed":true},"note":{"type":"string"}}}'
for t in $TENANTS; do
	mk_tenant "$t"
	login "$t" "owner@$t.test" "$PW_OWNER"
	echo "$TOKEN" >"$TMPD/$t.owner"
	json POST "$t" /v1/collections "$COLL" "$TOKEN"
	for u in w1 w2; do mk_user "$t" "$TOKEN" "$u@$t.test" admin; done
	# Records whose ids the other tenants will try to reach.
	for i in 1 2 3; do
		json POST "$t" /v1/collections/items/records "{\"data\":{\"marker\":\"$t\",\"n\":$i}}" "$TOKEN"
		jb .id >>"$TMPD/$t.ids"
	done
	authed GET "$t" "/v1/collections/items/records?limit=1" "$TOKEN"
	jb .next_cursor >"$TMPD/$t.cursor"
done

# One client: tenant, user, round.  Prints "ok" or "FAIL <why>" lines.
client() {
	local t=$1 u=$2 r=$3 base="https://$1.$BASE:$HTTPS_PORT" tok id mine body o
	api() { curl -s --cacert "$CA" -w '\n%{http_code}' -H "Authorization: Bearer $tok" "$@"; }
	code() { tail -1 <<<"$1"; }
	payload() { sed '$d' <<<"$1"; }
	tok=$(curl -s --cacert "$CA" -H 'Content-Type: application/json' \
		-d "{\"email\":\"$u@$t.test\",\"password\":\"$PW_USER\"}" "$base/v1/auth/login" | jq -r .access_token)
	[ -n "$tok" ] && [ "$tok" != null ] || { echo "FAIL $t/$u login"; return; }
	for i in 1 2 3 4; do
		body=$(api -H 'Content-Type: application/json' \
			-d "{\"data\":{\"marker\":\"$t\",\"n\":$((r * 100 + i)),\"note\":\"$u\"}}" \
			"$base/v1/collections/items/records")
		[ "$(code "$body")" = 201 ] || { echo "FAIL $t create $(code "$body")"; continue; }
		mine=$(payload "$body" | jq -r .id)
		body=$(api "$base/v1/collections/items/records/$mine")
		[ "$(payload "$body" | jq -r .data.marker)" = "$t" ] && echo ok || echo "FAIL $t read-back"
	done
	body=$(api "$base/v1/collections/items/records?limit=200")
	payload "$body" | jq -e --arg t "$t" '.items | length > 0 and all(.data.marker == $t)' >/dev/null &&
		echo ok || echo "FAIL $t list holds foreign data"
	body=$(api "$base/v1/collections/items/records?filter%5Bmarker%5D=$t&filter%5Bn%5D%5Bgte%5D=$((r * 100))&limit=200")
	payload "$body" | jq -e --arg t "$t" 'all(.items[]; .data.marker == $t)' >/dev/null &&
		echo ok || echo "FAIL $t filter"
	for o in $TENANTS; do
		[ "$o" = "$t" ] && continue
		body=$(api "$base/v1/collections/items/records?filter%5Bmarker%5D=$o")
		[ "$(payload "$body" | jq '.items|length')" = 0 ] && echo ok || echo "FAIL $t sees $o by filter"
		while read -r id; do
			body=$(api "$base/v1/collections/items/records/$id")
			[ "$(code "$body")" = 404 ] && echo ok || echo "FAIL $t read $o's record: $(code "$body")"
			body=$(api -X PUT -H 'Content-Type: application/json' -d "{\"data\":{\"marker\":\"$t\"}}" \
				"$base/v1/collections/items/records/$id")
			[ "$(code "$body")" = 404 ] && echo ok || echo "FAIL $t overwrote $o's record"
			body=$(api -X DELETE "$base/v1/collections/items/records/$id")
			[ "$(code "$body")" = 404 ] && echo ok || echo "FAIL $t deleted $o's record"
		done <"$TMPD/$o.ids"
		body=$(api "$base/v1/collections/items/records?limit=1&cursor=$(cat "$TMPD/$o.cursor")")
		[ "$(code "$body")" = 400 ] && echo ok || echo "FAIL $t used $o's cursor: $(code "$body")"
		body=$(curl -s --cacert "$CA" -w '\n%{http_code}' -H "Authorization: Bearer $(cat "$TMPD/$o.owner")" \
			"$base/v1/collections/items/records")
		[ "$(code "$body")" = 401 ] && echo ok || echo "FAIL $o's token worked at $t"
	done
	body=$(api -X DELETE "$base/v1/collections/items/records/$mine")
	[ "$(code "$body")" = 204 ] && echo ok || echo "FAIL $t delete own"
}
export -f client
export CA BASE HTTPS_PORT PW_USER TMPD TENANTS

jobs=""
for r in 1 2; do for t in $TENANTS; do for u in w1 w2; do jobs="$jobs$t $u $r"$'\n'; done; done; done
out=$(printf '%s' "$jobs" | xargs -P 12 -L 1 bash -c 'client "$0" "$1" "$2"')
oks=$(grep -c '^ok$' <<<"$out")
fails=$(grep '^FAIL' <<<"$out" | sort | uniq -c)
check "12 concurrent clients (2 rounds x 3 tenants x 2 users): $oks of 372 checks, no foreign data" eval '[ -z "$fails" ] && [ "$oks" -eq 372 ] || { echo "$fails" | head -20 | sed "s/^/#   /"; false; }'

# Afterwards each tenant holds exactly its own records.
for t in $TENANTS; do
	authed GET "$t" "/v1/collections/items/records?limit=200" "$(cat "$TMPD/$t.owner")"
	check "$t holds 3 + 4 x 4 - 4 = 15 records, all its own" eq "$(jb '.items|length')/$(jq --arg t "$t" '[.items[]|select(.data.marker != $t)]|length' <<<"$BODY")" "15/0"
done
finish
