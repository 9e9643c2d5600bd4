#!/usr/bin/env bash
# 05_records.sh - collections and records: validation, versions, ETags,
# merge patches, filters, sorts, keyset pages, limits, hostile values.
. "$(dirname "$0")/../lib.sh"

mk_tenant rec-a
mk_tenant rec-b
login rec-a owner@rec-a.test "$PW_OWNER"
OWNER=$TOKEN
login rec-b owner@rec-b.test "$PW_OWNER"
OWNER_B=$TOKEN
mk_user rec-a "$OWNER" member@rec-a.test member
login rec-a member@rec-a.test "$PW_USER"
MEMBER=$TOKEN
mk_user rec-a "$OWNER" viewer@rec-a.test viewer
login rec-a viewer@rec-a.test "$PW_USER"
VIEWER=$TOKEN
enc() { jq -rn --arg v "$1" '$v|@uri'; }

BOOKS='{"name":"books","fields":{"title":{"type":"string","required":true,"max_length":40,"indexed":true},"pages":{"type":"integer","indexed":true},"price":{"type":"number","indexed":true},"published":{"type":"datetime","indexed":true},"available":{"type":"boolean","indexed":true},"author":{"type":"string"},"tags":{"type":"array"},"meta":{"type":"object"}}}'

# Collections.
json POST rec-a /v1/collections "$BOOKS" "$MEMBER"
check "a member cannot create collections" eq "$STATUS" 403
json POST rec-a /v1/collections "$BOOKS" "$OWNER"
check "owner creates a collection (201)" eq "$STATUS/$(header location)/$(jb .version)" "201//v1/collections/books/1"
json POST rec-a /v1/collections "$BOOKS" "$OWNER"
check "the same name again is 409" eq "$STATUS" 409
json POST rec-b /v1/collections "$BOOKS" "$OWNER_B"
check "another tenant may use the same name" eq "$STATUS" 201
for bad in '{"name":"Bad Name","fields":{"a":{"type":"string"}}}' '{"name":"x","fields":{"a":{"type":"blob"}}}' '{"name":"x","fields":{}}' '{"name":"x","fields":{"a":{"type":"object","indexed":true}}}' '{"name":"x","fields":{"a":{"type":"string"}},"tenant_id":"x"}'; do
	json POST rec-a /v1/collections "$bad" "$OWNER"
	check "invalid definition is 422: ${bad:0:50}" is_problem 422 validation_failed
done
authed GET rec-a /v1/collections "$VIEWER"
check "a viewer lists collections" eq "$STATUS/$(jb '[.items[].name]|join(",")')" "200/books"
authed GET rec-a /v1/collections/books "$VIEWER"
check "one collection with its fields" eq "$STATUS/$(jb '.fields.title.type')/$(header etag)" '200/string/"1"'
authed GET rec-a /v1/collections/nope "$VIEWER"
check "unknown collection is 404" eq "$STATUS" 404

# Records.
json POST rec-a /v1/collections/books/records '{"data":{"title":"Dune","pages":412,"price":9.5,"published":"1965-08-01T00:00:00Z","available":true,"author":"Herbert","tags":["sf"],"meta":{"isbn":"0441013597"}}}' "$MEMBER"
ID=$(jb .id)
check "a member creates a record (201)" eq "$STATUS/$(jb .version)/$(jb .collection)" "201/1/books"
check "Location names the record" eq "$(header location)" "/v1/collections/books/records/$ID"
check "ETag is the version" eq "$(header etag)" '"1"'
check "the record carries its fields" eq "$(jb '.data.title + "/" + (.data.pages|tostring) + "/" + .created_by')" "Dune/412/$(authed GET rec-a /v1/me "$MEMBER"; jb .user.id)"
authed GET rec-a "/v1/collections/books/records/$ID" "$VIEWER"
check "a viewer reads it" eq "$STATUS/$(jb .data.title)/$(header etag)" '200/Dune/"1"'
authed GET rec-b "/v1/collections/books/records/$ID" "$OWNER_B"
check "another tenant's record id is 404" is_problem 404 not_found
authed GET rec-a "/v1/collections/books/records/01a21c0f-0000-7000-8000-000000000000" "$VIEWER"
check "unknown record is 404" eq "$STATUS" 404
authed GET rec-a "/v1/collections/books/records/1%27%20OR%201=1" "$VIEWER"
check "a malformed id is 404" eq "$STATUS" 404
authed GET rec-a "/v1/collections/nope/records/$ID" "$VIEWER"
check "a record through the wrong collection is 404" eq "$STATUS" 404
json POST rec-a /v1/collections/books/records '{"data":{"title":"x"}}' "$VIEWER"
check "a viewer cannot write" eq "$STATUS" 403
json POST rec-a /v1/collections/nope/records '{"data":{"title":"x"}}' "$MEMBER"
check "writing to an unknown collection is 404" eq "$STATUS" 404

# Validation lists every problem.
json POST rec-a /v1/collections/books/records '{"data":{"pages":"many","price":"cheap","available":"yes","published":"soon","extra":1,"tags":{}}}' "$MEMBER"
check "bad data is 422" is_problem 422 validation_failed
check "every bad field is named" eq "$(jb '[.errors[].field]|sort|join(",")')" "available,extra,pages,price,published,tags,title"
json POST rec-a /v1/collections/books/records "{\"data\":{\"title\":\"$(printf 'x%.0s' $(seq 41))\"}}" "$MEMBER"
check "a string over max_length is 422" eq "$(jb '.errors[0].field')" title
json POST rec-a /v1/collections/books/records '{"title":"x"}' "$MEMBER"
check "a body without data is 422" eq "$STATUS" 422
json POST rec-a /v1/collections/books/records '{"data":{"title":"x"},"id":"01a21c0f-0000-7000-8000-000000000000"}' "$MEMBER"
check "a client-chosen id is refused" eq "$STATUS" 422
json POST rec-a /v1/collections/books/records '{"data":{"title":"x","pages":1.5}}' "$MEMBER"
check "a fraction for an integer is 422" eq "$STATUS" 422
json POST rec-a /v1/collections/books/records '{"data":{"title":"x","pages":9007199254740993}}' "$MEMBER"
check "an integer beyond 2^53 is 422" eq "$STATUS" 422

# Hostile values are stored and returned verbatim.
evil="Robert'); DROP TABLE records;-- \"\\\\ \$1 %s \\u0000x"
json POST rec-a /v1/collections/books/records "$(jq -cn --arg t "${evil:0:40}" '{data:{title:$t, author:"O'"'"'Brien \" ; DELETE FROM users"}}')" "$MEMBER"
EVIL_ID=$(jb .id)
check "SQL-looking values are accepted" eq "$STATUS" 201
authed GET rec-a "/v1/collections/books/records/$EVIL_ID" "$MEMBER"
check "and come back verbatim" eq "$(jb .data.title)" "${evil:0:40}"
authed GET rec-a "/v1/collections/books/records?filter%5Btitle%5D=$(enc "${evil:0:40}")" "$MEMBER"
check "and filter verbatim" eq "$STATUS/$(jb '.items|length')" "200/1"

# Versions, ETags, merge patches.
json PUT rec-a "/v1/collections/books/records/$ID" '{"data":{"title":"Dune","pages":500}}' "$MEMBER" -H 'If-Match: "1"'
check "PUT with the current If-Match is 200, version 2" eq "$STATUS/$(jb .version)/$(header etag)" '200/2/"2"'
check "PUT replaces the data" eq "$(jb '.data|keys|join(",")')" "pages,title"
json PUT rec-a "/v1/collections/books/records/$ID" '{"data":{"title":"Stale"}}' "$MEMBER" -H 'If-Match: "1"'
check "a stale If-Match is 412" is_problem 412 precondition_failed
req PATCH rec-a "/v1/collections/books/records/$ID" -H "Authorization: Bearer $MEMBER" -H "Content-Type: application/merge-patch+json" --data-binary '{"data":{"pages":null,"author":"Frank Herbert","meta":{"a":{"b":1}}}}'
check "PATCH merges (RFC 7396)" eq "$STATUS/$(jb '.data|keys|join(",")')/$(jb .data.meta.a.b)/$(jb .version)" "200/author,meta,title/1/3"
json PATCH rec-a "/v1/collections/books/records/$ID" '{"data":{"title":null}}' "$MEMBER"
check "PATCH that removes a required field is 422" eq "$STATUS" 422
json PATCH rec-a "/v1/collections/books/records/$ID" '{"data":{"pages":"x"}}' "$MEMBER"
check "PATCH to a wrong type is 422 and writes nothing" eq "$STATUS/$(authed GET rec-a "/v1/collections/books/records/$ID" "$MEMBER"; jb .version)" "422/3"
json PUT rec-b "/v1/collections/books/records/$ID" '{"data":{"title":"Mine"}}' "$OWNER_B"
check "another tenant cannot overwrite it (404)" eq "$STATUS" 404
req DELETE rec-a "/v1/collections/books/records/$ID" -H "Authorization: Bearer $MEMBER"
check "a member lacks records:delete (403)" eq "$STATUS" 403
req DELETE rec-b "/v1/collections/books/records/$ID" -H "Authorization: Bearer $OWNER_B"
check "another tenant cannot delete it (404)" eq "$STATUS" 404
req DELETE rec-a "/v1/collections/books/records/$ID" -H "Authorization: Bearer $OWNER" -H 'If-Match: "2"'
check "a stale If-Match on DELETE is 412" eq "$STATUS" 412
req DELETE rec-a "/v1/collections/books/records/$ID" -H "Authorization: Bearer $OWNER"
check "the owner deletes it (204)" eq "$STATUS" 204
authed GET rec-a "/v1/collections/books/records/$ID" "$OWNER"
check "then it is gone" eq "$STATUS" 404
req DELETE rec-a "/v1/collections/books/records/$ID" -H "Authorization: Bearer $OWNER"
check "deleting again is 404" eq "$STATUS" 404

# Lists: 30 records, pages, filters, sorts.
for i in $(seq 1 30); do
	printf '{"data":{"title":"b%02d","pages":%d,"price":%d.5,"published":"2020-01-%02dT00:00:00Z","available":%s,"author":"a%d"}}\n' \
		"$i" "$((i * 10))" "$i" "$i" "$([ $((i % 2)) = 0 ] && echo true || echo false)" "$((i % 3))"
done | while read -r body; do
	curl -s -o /dev/null --cacert "$CA" -H "Authorization: Bearer $MEMBER" -H "Content-Type: application/json" \
		--data-binary "$body" "https://rec-a.$BASE:$HTTPS_PORT/v1/collections/books/records"
done
list() { authed GET rec-a "/v1/collections/books/records?$1" "$MEMBER"; }
seen="" cur="" pages=0
while :; do
	list "limit=7${cur:+&cursor=$cur}"
	[ "$STATUS" = 200 ] || break
	seen="$seen $(jb '[.items[].id]|join(" ")')"
	pages=$((pages + 1))
	cur=$(jb .next_cursor)
	[ "$cur" = null ] && break
done
titles=$(tr ' ' '\n' <<<"$seen" | grep -c .)
list "limit=200"
total=$(jb '.items|length')
check "keyset pages of 7 cover all $total records exactly once" eq "$pages/$titles/$(tr ' ' '\n' <<<"$seen" | grep . | sort -u | wc -l)" "$(( (total + 6) / 7 ))/$total/$total"
list "filter%5Bpages%5D%5Bgte%5D=250"
check "gte on an indexed integer" eq "$(jb '[.items[].data.pages]|join(",")')" "250,260,270,280,290,300"
list "filter%5Bpages%5D%5Blt%5D=30"
check "lt" eq "$(jb '[.items[].data.pages]|join(",")')" "10,20"
list "filter%5Bpages%5D=120"
check "eq" eq "$(jb '[.items[].data.title]|join(",")')" "b12"
list "filter%5Bpages%5D%5Bin%5D=10,20,999"
check "in" eq "$(jb '[.items[].data.pages]|sort|join(",")')" "10,20"
list "filter%5Bpages%5D%5Bne%5D=10&filter%5Bpages%5D%5Blte%5D=30"
check "ne with lte" eq "$(jb '[.items[].data.pages]|join(",")')" "20,30"
list "filter%5Bprice%5D%5Bgt%5D=28"
check "gt on an indexed number" eq "$(jb '[.items[].data.price]|join(",")')" "28.5,29.5,30.5"
list "filter%5Bpublished%5D%5Blte%5D=$(enc 2020-01-02T23:00:00Z)"
check "lte on a datetime" eq "$(jb '[.items[].data.title]|join(",")')" "b01,b02"
list "filter%5Bavailable%5D=true&filter%5Bpages%5D%5Bgt%5D=260"
check "boolean with a range" eq "$(jb '[.items[].data.pages]|join(",")')" "280,300"
list "filter%5Bauthor%5D=a1&filter%5Bpages%5D%5Blt%5D=80"
check "unindexed equality with an indexed range" eq "$(jb '[.items[].data.pages]|join(",")')" "10,40,70"
list "sort=-pages&limit=3"
check "sort descending" eq "$(jb '[.items[].data.pages]|join(",")')" "300,290,280"
cur=$(jb .next_cursor)
list "sort=-pages&limit=3&cursor=$cur"
check "the next descending page" eq "$(jb '[.items[].data.pages]|join(",")')" "270,260,250"
list "sort=pages&limit=3&cursor=$cur"
check "a cursor from another order is 400" eq "$STATUS" 400
list "sort=title&limit=2&filter%5Bpages%5D%5Bgte%5D=100"
check "sort by one field, filter by another" eq "$(jb '[.items[].data.title]|join(",")')" "b10,b11"
for q in "filter%5Bauthor%5D%5Bgt%5D=a" "filter%5Bnope%5D=1" "filter%5Bpages%5D%5Blike%5D=1" "filter%5Bpages%5D=ten" "limit=0" "limit=100000" "sort=%3Bdrop%20table" "sort=author" "filter%5Btags%5D=x" "cursor=garbage" "filter%5Bpages"; do
	list "$q"
	check "bad query is 400: $q" is_problem 400 bad_request
done
list "limit=2"
cur=$(jb .next_cursor)
authed GET rec-b "/v1/collections/books/records?limit=2&cursor=$cur" "$OWNER_B"
check "another tenant's cursor is 400" eq "$STATUS" 400
# One character changed (never to itself: that is the same cursor).
swap=A
[ "${cur:20:1}" = A ] && swap=B
list "limit=2&cursor=${cur:0:20}${swap}${cur:21}"
check "a tampered cursor is 400" eq "$STATUS" 400
authed GET rec-b /v1/collections/books/records "$OWNER_B"
check "tenant B sees none of A's records" eq "$(jb '.items|length')" 0

# A definition change: a new version, old records readable, new index.
authed GET rec-a /v1/collections/books "$OWNER"
def=$(jq -c '{fields:(.fields + {author:{type:"string",indexed:true}, isbn:{type:"string"}}), additional_fields:false}' <<<"$BODY")
json PUT rec-a /v1/collections/books "$def" "$OWNER" -H 'If-Match: "1"'
check "PUT writes version 2 of the collection" eq "$STATUS/$(jb .version)" "200/2"
json PUT rec-a /v1/collections/books "$def" "$OWNER" -H 'If-Match: "1"'
check "a stale collection If-Match is 412" eq "$STATUS" 412
list "filter%5Bauthor%5D%5Bgte%5D=a2&limit=100"
check "a newly indexed field filters existing records" eq "$STATUS/$(jb '.items|length')" "200/10"
list "filter%5Btitle%5D=b01"
check "records written under version 1 stay readable" eq "$STATUS/$(jb '.items[0].data.title')" "200/b01"

# The record limit (counters pushed near it, as a full tenant would be).
TID=$(curl -s --cacert "$CA" "https://rec-a.$BASE:$HTTPS_PORT/v1/tenant" | jq -r .id)
psql_super -c "UPDATE strata.tenant_counters SET records = records + 100000 WHERE tenant_id = '$TID' AND shard = (SELECT min(shard) FROM strata.tenant_counters WHERE tenant_id = '$TID')" >/dev/null
json POST rec-a /v1/collections/books/records '{"data":{"title":"over"}}' "$MEMBER"
check "beyond max records: 403 quota_exceeded" is_problem 403 quota_exceeded
psql_super -c "UPDATE strata.tenant_counters SET records = records - 100000 WHERE tenant_id = '$TID' AND records >= 100000" >/dev/null
json POST rec-a /v1/collections/books/records '{"data":{"title":"under"}}' "$MEMBER"
check "under it again: 201" eq "$STATUS" 201

# Deleting a collection takes its records.
json POST rec-a /v1/collections '{"name":"tmp","fields":{"x":{"type":"integer","indexed":true}}}' "$OWNER"
json POST rec-a /v1/collections/tmp/records '{"data":{"x":1}}' "$OWNER"
req DELETE rec-a /v1/collections/tmp -H "Authorization: Bearer $MEMBER"
check "a member cannot delete a collection" eq "$STATUS" 403
req DELETE rec-a /v1/collections/tmp -H "Authorization: Bearer $OWNER"
check "the owner deletes a collection (204)" eq "$STATUS" 204
authed GET rec-a /v1/collections/tmp/records "$OWNER"
check "its records are gone with it" eq "$STATUS" 404
# A worker's copy of a definition is confirmed by the version row's
# schema_version, read in every request's trip: after a change, the very
# next read on every worker uses the new definition, also when the
# collection was deleted and made again (its version starts again at 1).
# Parallel requests, so that both workers hold a confirmed copy first.
par() { # N PATH TOKEN: N requests at once; their statuses, sorted
	local n=$1 path=$2 tok=$3 i
	for i in $(seq "$n"); do
		curl -s -o /dev/null -w '%{http_code}\n' --cacert "$CA" --resolve "rec-a.$BASE:$HTTPS_PORT:127.0.0.1" \
			-H "Authorization: Bearer $tok" "https://rec-a.$BASE:$HTTPS_PORT$path" >"$TMPD/par.$i" &
	done
	wait
	cat "$TMPD"/par.* | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'
	rm -f "$TMPD"/par.*
}
EVO1='{"name":"evolving","fields":{"a":{"type":"string","indexed":true}}}'
EVO2='{"name":"evolving","fields":{"a":{"type":"string","indexed":true},"b":{"type":"integer","indexed":true}}}'
json POST rec-a /v1/collections "$EVO1" "$OWNER"
json POST rec-a /v1/collections/evolving/records '{"data":{"a":"x"}}' "$OWNER"
EVO=$(jb .id)
for _ in 1 2 3; do par 6 "/v1/collections/evolving/records/$EVO" "$OWNER" >/dev/null; par 6 "/v1/collections/evolving/records?filter%5Ba%5D=x" "$OWNER" >/dev/null; done
check "before the change, a filter on b is refused on every worker (400)" eq "$(par 6 "/v1/collections/evolving/records?filter%5Bb%5D=1" "$OWNER")" "400:6 "
for _ in 1 2 3; do par 6 "/v1/collections/evolving/aggregate?group_by=a" "$OWNER" >/dev/null; done
check "and so is an aggregate of b (400)" eq "$(par 6 "/v1/collections/evolving/aggregate?metric=sum(b)" "$OWNER")" "400:6 "
json PUT rec-a /v1/collections/evolving "$EVO2" "$OWNER"
check "the definition gains b (200, version 2)" eq "$STATUS/$(jb .version)" "200/2"
check "the next 6 lists filtered on b, on every worker, use it (200)" eq "$(par 6 "/v1/collections/evolving/records?filter%5Bb%5D=1" "$OWNER")" "200:6 "
check "and reads of its record still answer (200)" eq "$(par 6 "/v1/collections/evolving/records/$EVO" "$OWNER")" "200:6 "
check "the next 6 aggregates of b, on every worker, use it (200)" eq "$(par 6 "/v1/collections/evolving/aggregate?metric=sum(b)" "$OWNER")" "200:6 "
req DELETE rec-a /v1/collections/evolving -H "Authorization: Bearer $OWNER"
json POST rec-a /v1/collections "$EVO1" "$OWNER"
check "deleted and made again without b: version 1" eq "$STATUS/$(jb .version)" "201/1"
check "the next 6 lists filtered on b are refused again on every worker (400)" eq "$(par 6 "/v1/collections/evolving/records?filter%5Bb%5D=1" "$OWNER")" "400:6 "
check "and the old record is gone on every worker (404)" eq "$(par 6 "/v1/collections/evolving/records/$EVO" "$OWNER")" "404:6 "
check "and aggregates of b are refused again on every worker (400)" eq "$(par 6 "/v1/collections/evolving/aggregate?metric=sum(b)" "$OWNER")" "400:6 "
# Made again at the same version number with b: a copy of version 1
# without b must not pass for it.
req DELETE rec-a /v1/collections/evolving -H "Authorization: Bearer $OWNER"
json POST rec-a /v1/collections "$EVO2" "$OWNER"
check "made again with b: version 1 again" eq "$STATUS/$(jb .version)" "201/1"
check "the next 6 aggregates of b use the new version 1 (200)" eq "$(par 6 "/v1/collections/evolving/aggregate?metric=sum(b)" "$OWNER")" "200:6 "
check "and so do the next 6 lists filtered on b (200)" eq "$(par 6 "/v1/collections/evolving/records?filter%5Bb%5D=1" "$OWNER")" "200:6 "
finish
