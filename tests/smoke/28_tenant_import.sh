#!/usr/bin/env bash
# 28_tenant_import.sh - issue 16, item 4 (first half): the faithful export
# and the import round trip.  A tenant with records in several collections
# (one with personal fields), users with passwords, a custom role, an API
# key, configuration changes, an MFA enrolment, a webhook and a sealed audit
# chain is exported with its keys sealed for this region's transport key,
# imported under a new slug (a new id), and compared field by field; users
# sign in with their old passwords (and their second factor), the API key
# works, the chain verifies and goes on, old tokens are refused where
# docs/import.md says.  Then what must be refused, with nothing written.
. "$(dirname "$0")/../lib.sh"

totp_at() {
	python3 - "$1" "$2" <<'PY'
import base64, hashlib, hmac, struct, sys
s = sys.argv[1]
k = base64.b32decode(s + "=" * ((8 - len(s) % 8) % 8))
h = hmac.new(k, struct.pack(">Q", int(sys.argv[2])), hashlib.sha1).digest()
o = h[19] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))
PY
}
# A code for a step after $2 (this one or the next; waits when both are
# spent); CODE and CODE_STEP.
fresh_code() {
	local now st
	while :; do
		now=$(($(date +%s) / 30))
		for st in $now $((now + 1)); do
			if [ "$st" -gt "$2" ]; then
				CODE_STEP=$st
				CODE=$(totp_at "$1" "$st")
				return 0
			fi
		done
		sleep 2
	done
}
seen() { printf '%s\n' "$@" >>"$VAR/secrets-seen"; }
tenant_count() { psql_owner -c "SELECT count(*) FROM strata.tenants"; }
# The plain export of a tenant, without what must differ between a tenant
# and its copy (the export's time, the tenant's id and slug), keys sorted.
plain_export() {
	authed GET "$1" /v1/export "$2"
	jq -S 'del(.exported_at, .tenant.id, .tenant.slug)' <<<"$BODY"
}

# --- The source tenant.
mk_tenant im-src
login im-src owner@im-src.test "$PW_OWNER"
OWNER=$TOKEN
json POST im-src /v1/roles '{"name":"editor","permissions":["records:read","records:write"]}' "$OWNER"
check "a custom role" status_is 201
mk_user im-src "$OWNER" alice@im-src.test member "alice-Secret-pass-1"
mk_user im-src "$OWNER" bob@im-src.test editor "bob-Secret-pass-12"
BOB_ID=$NEW_ID
json POST im-src /v1/collections '{"name":"books","fields":{"title":{"type":"string","required":true,"indexed":true},"pages":{"type":"integer","indexed":true},"tags":{"type":"array"}}}' "$OWNER"
check "collection books" status_is 201
json PUT im-src /v1/collections/books '{"name":"books","fields":{"title":{"type":"string","required":true,"indexed":true},"pages":{"type":"integer","indexed":true},"tags":{"type":"array"},"year":{"type":"integer"}}}' "$OWNER"
check "books changed once (a second collection version)" eval '[ "$STATUS" = 200 ]'
json POST im-src /v1/collections '{"name":"patients","subject_field":"patient","fields":{"patient":{"type":"string","required":true},"email":{"type":"string","pii":true,"mask":"email"},"ward":{"type":"string","indexed":true}}}' "$OWNER"
check "collection patients, with a personal field" status_is 201
for b in '{"title":"Dune","pages":412,"tags":["sf"],"year":1965}' \
	'{"title":"Emma","pages":474,"tags":[]}' \
	'{"title":"Ulysses","pages":730,"tags":["x",{"deep":[1,2.5,12345678901234567890]}]}'; do
	json POST im-src /v1/collections/books/records "{\"data\":$b}" "$OWNER"
done
BOOK_ID=$(jb .id)
json POST im-src /v1/collections/patients/records '{"data":{"patient":"p-1","email":"ann@example.org","ward":"w1"}}' "$OWNER"
PAT_ID=$(jb .id)
json POST im-src /v1/collections/patients/records '{"data":{"patient":"p-2","email":"ben@example.org","ward":"w2"}}' "$OWNER"
check "five records in two collections" status_is 201
json PATCH im-src "/v1/collections/books/records/$BOOK_ID" '{"data":{"pages":731}}' "$OWNER"
check "a record at version 2" eq "$STATUS/$(jb .version)" "200/2"
json POST im-src /v1/api-keys '{"name":"ci","permissions":["records:read"]}' "$OWNER"
KEY=$(jb .key)
check "an API key" status_is 201
authed GET im-src /v1/config "$OWNER"
ETAG=$(header etag)
json PATCH im-src /v1/config '{"settings":{"display_name":"Source Co"},"comment":"rename"}' "$OWNER" -H "If-Match: $ETAG"
check "a configuration change (version 2)" eq "$STATUS/$(jb .version)" "200/2"
json POST im-src /v1/webhooks '{"url":"https://example.com/hook","events":["record.created"]}' "$OWNER"
check "a webhook" status_is 201
# Bob enrols a second factor.
login im-src bob@im-src.test "bob-Secret-pass-12"
BOB=$TOKEN
authed POST im-src /v1/me/mfa/totp "$BOB"
SECRET=$(jb .secret)
seen "$SECRET"
fresh_code "$SECRET" 0
LAST=$CODE_STEP
json POST im-src /v1/me/mfa/totp/confirm "{\"code\":\"$CODE\"}" "$BOB"
check "an MFA enrolment" status_is 200
# The chain sealed (events older than the stack's horizon).
sleep "$((AUDIT_HORIZON + 1))"
$STRATA audit seal --tenant im-src >/dev/null
V=$($STRATA audit verify --tenant im-src)
SRC_EVENTS=$(jq -r '.[0].events' <<<"$V")
check "the source chain is sealed and verifies" eval '[ "$(jq -r ".[0].valid" <<<"$V")" = true ] && [ "$SRC_EVENTS" -gt 10 ]'
SRC_ID=$(psql_owner -c "SELECT id FROM strata.tenants WHERE slug = 'im-src'")

# --- The faithful export.
$STRATA keys transport-public >"$TMPD/pub.pem"
check "keys transport-public prints a public key (PEM)" eval 'openssl pkey -pubin -in "$TMPD/pub.pem" -noout 2>/dev/null'
KF=$(dirname "$(grep '^master_key_file' "$VAR/strata.conf" | cut -d= -f2 | tr -d ' ')")/transport_key.pem
check "the transport key lives beside the master key, mode 0600" eq "$(stat -c %a "$KF")" 600
$STRATA tenant export im-src --seal-for "$TMPD/pub.pem" >"$TMPD/exp.json"
check "tenant export --seal-for writes a faithful export" eq "$(jq -r '[.format, .faithful, .tenant.slug, .keyring.format] | join(" ")' "$TMPD/exp.json")" \
	"strata-tenant-export true im-src strata-sealed-keyring"
check "it carries password hashes, MFA, API key hashes, the chain, config history" eval \
	'jq -e ".tables | (.users | length) == 3 and (.users[0].password_hash | startswith(\"\$\")) and (.mfa_totp | length) == 1 and (.api_keys | length) == 1 and (.audit_links | length) > 10 and (.config_versions | length) == 2 and (.collection_versions | length) == 3 and (.webhooks | length) == 1" "$TMPD/exp.json" >/dev/null'
check "no key, secret or personal value appears in clear" eval \
	'! grep -q "ann@example.org" "$TMPD/exp.json" && ! grep -q "$SECRET" "$TMPD/exp.json" && ! grep -q "${KEY:8}" "$TMPD/exp.json"'
plain_export im-src "$OWNER" >"$TMPD/src.json"

# --- The import, under a new slug.
N0=$(tenant_count)
OUT=$($STRATA tenant import "$TMPD/exp.json" --slug im-dst)
check "tenant import makes the copy under a new slug and id" eval \
	'[ "$(jq -r .slug <<<"$OUT")" = im-dst ] && [ "$(jq -r .source_id <<<"$OUT")" = "$SRC_ID" ] && [ "$(jq -r .id <<<"$OUT")" != "$SRC_ID" ]'
check "three keys adopted, and the sealed values sealed again for the new id" eq "$(jq -r '[.keys, .resealed] | join("/")' <<<"$OUT")" "3/6"
DST_ID=$(jq -r .id <<<"$OUT")
login im-dst owner@im-src.test "$PW_OWNER"
OWNER2=$TOKEN
check "the owner signs in at the copy with the old password" eq "$STATUS" 200
plain_export im-dst "$OWNER2" >"$TMPD/dst.json"
check "the copy's export equals the source's, field by field" eval 'diff "$TMPD/src.json" "$TMPD/dst.json" >&2'
check "and it holds what was made (5 records, 3 users, 2 config versions)" eq \
	"$(jq -r '[(.records|length), (.users|length), (.config_versions|length), (.collections|length)] | join("/")' "$TMPD/dst.json")" "5/3/2/2"
login im-dst alice@im-src.test "alice-Secret-pass-1"
check "alice signs in with her old password" eq "$STATUS/${TOKEN:0:3}" "200/eyJ"
login im-dst bob@im-src.test "bob-Secret-pass-12"
CH=$(jb .challenge)
seen "$CH"
check "bob's second factor came along: mfa_required" is_problem 401 mfa_required
fresh_code "$SECRET" "$LAST"
json POST im-dst /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"$CODE\"}"
check "and his old authenticator's code opens it (the secret was sealed again)" eq "$STATUS/$(jb '.access_token | length > 20')" "200/true"
authed GET im-dst /v1/collections/books/records "$KEY"
check "the API key works at the copy" eq "$STATUS/$(jb '.items | length')" "200/3"
authed GET im-src /v1/collections/books/records "$KEY"
check "and still at the source" status_is 200
authed GET im-dst "/v1/collections/patients/records/$PAT_ID" "$OWNER2"
check "a personal field opens at the copy" eq "$STATUS/$(jb .data.email)" "200/ann@example.org"
authed GET im-dst '/v1/collections/patients/records?filter%5Bemail%5D=ben@example.org' "$OWNER2"
check "the blind index finds it by equality" eq "$(jb '[.items[].data.patient] | join(",")')" "p-2"
authed GET im-dst '/v1/collections/books/records?filter%5Bpages%5D%5Bgte%5D=470&sort=pages' "$OWNER2"
check "the record index came along (filter and sort)" eq "$(jb '[.items[].data.title] | join(",")')" "Emma,Ulysses"
authed GET im-dst /v1/webhooks "$OWNER2"
check "the webhook came along" eq "$STATUS/$(jb '.items | length')" "200/1"
S1=$(psql_super -c "SELECT secret FROM strata.webhooks WHERE tenant_id = '$SRC_ID'")
S2=$(psql_super -c "SELECT secret FROM strata.webhooks WHERE tenant_id = '$DST_ID'")
check "its signing secret sealed again for the copy (same key, new tenant id)" eval '[[ "$S2" == enc:v1:"${S1:7:36}":* ]] && [ "$S1" != "$S2" ]'
authed GET im-dst /v1/config/versions "$OWNER2"
check "the configuration history came along" eq "$(jb '[.items[].version] | sort | join(",")')" "1,2"

# Tokens: bound to their tenant (tid, iss, aud); the copy is another tenant.
authed GET im-dst /v1/me "$OWNER"
check "a token the source issued is refused at the copy (401)" eq "$STATUS" 401
authed GET im-src /v1/me "$OWNER2"
check "and a token of the copy at the source (401)" eq "$STATUS" 401
authed GET im-src /v1/me "$OWNER"
check "the source's own token still works there" status_is 200

# The chain: carried events keep their hashes; the import is appended.
V=$($STRATA audit verify --tenant im-dst)
check "the copy's chain verifies with the carried events" eval '[ "$(jq -r ".[0].valid" <<<"$V")" = true ] && [ "$(jq -r ".[0].events" <<<"$V")" -ge "$SRC_EVENTS" ]'
json POST im-dst /v1/collections/books/records '{"data":{"title":"New","pages":1}}' "$OWNER2"
check "the copy takes writes" status_is 201
sleep "$((AUDIT_HORIZON + 1))"
$STRATA audit seal --tenant im-dst >/dev/null
V=$($STRATA audit verify --tenant im-dst)
check "and its chain goes on past the import and verifies" eval '[ "$(jq -r ".[0].valid" <<<"$V")" = true ] && [ "$(jq -r ".[0].events" <<<"$V")" -gt "$SRC_EVENTS" ]'
authed GET im-dst '/v1/audit?action=tenant.import' "$OWNER2"
check "the import is in the copy's audit trail" eq "$(jb '.items[0].details.source_id')" "$SRC_ID"
check "tenant count went up by one" eq "$(tenant_count)" "$((N0 + 1))"
psql_super -c "SELECT seq FROM strata.audit_events WHERE tenant_id = '$DST_ID' ORDER BY seq DESC LIMIT 1" >"$TMPD/last"
check "new events come after every carried one" eval '[ "$(cat "$TMPD/last")" -gt "$(jq "[.tables.audit_events[].seq] | max" "$TMPD/exp.json")" ]'

# --- The same through the operator API.
printf 'operator-pass-12345\n' | $STRATA operator create --email importops@strata.test >/dev/null
json POST apex /v1/platform/login '{"email":"importops@strata.test","password":"operator-pass-12345"}'
OP=$(jb .access_token)
imp() { req POST apex "/v1/platform/tenants/import$1" -H "Authorization: Bearer $OP" -H 'Content-Type: application/json' --data-binary "@$2"; }
imp '?slug=im-api' "$TMPD/exp.json"
check "POST /v1/platform/tenants/import: 201 with the tenant" eq "$STATUS/$(jb .tenant.slug)/$(jb .source_id)" "201/im-api/$SRC_ID"
login im-api alice@im-src.test "alice-Secret-pass-1"
check "and alice signs in there too" status_is 200
req GET apex /v1/platform/audit -H "Authorization: Bearer $OP"
check "the platform log has the import, by the operator" eq "$(jb '[.items[] | select(.action == "tenant.import")][0].actor.type')" operator

N0=$(tenant_count)
imp '?slug=im-api' "$TMPD/exp.json"
check "a slug that exists: 409" eval 'status_is 409 && is_problem 409 tenant_exists'
imp '?slug=im-keep&keep_id=true' "$TMPD/exp.json"
check "an id that exists (keep_id): 409" is_problem 409 tenant_exists
imp '?slug=X!' "$TMPD/exp.json"
check "an invalid slug: 422" is_problem 422 export_refused
jq -c '.tables.records[0].data.title = "Changed"' "$TMPD/exp.json" >"$TMPD/t1.json"
imp '?slug=im-t1' "$TMPD/t1.json"
check "a changed record: 422 (the tables' digest is sealed with the keys)" is_problem 422 export_refused
jq -c '.tables.audit_events[0].action = "nothing.happened"' "$TMPD/exp.json" >"$TMPD/t2.json"
imp '?slug=im-t2' "$TMPD/t2.json"
check "a changed audit event: 422" is_problem 422 export_refused
jq -c '.keyring.box |= (.[0:200] + (if .[200:201] == "A" then "B" else "A" end) + .[201:])' "$TMPD/exp.json" >"$TMPD/t3.json"
imp '?slug=im-t3' "$TMPD/t3.json"
check "a changed keyring: 422" is_problem 422 export_refused
jq -c 'del(.tables.users)' "$TMPD/exp.json" >"$TMPD/t4.json"
imp '?slug=im-t4' "$TMPD/t4.json"
check "a table missing: 422" is_problem 422 export_refused
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMPD/other.key" 2>/dev/null
openssl pkey -in "$TMPD/other.key" -pubout -out "$TMPD/other.pem"
$STRATA tenant export im-src --seal-for "$TMPD/other.pem" >"$TMPD/t5.json"
imp '?slug=im-t5' "$TMPD/t5.json"
check "an export sealed for another region's key: 422" is_problem 422 export_refused
head -c 3000 "$TMPD/exp.json" >"$TMPD/t6.json"
imp '?slug=im-t6' "$TMPD/t6.json"
check "a truncated export: 400" is_problem 400 invalid_json
echo '[1,2]' >"$TMPD/t8.json"
imp '?slug=im-t8' "$TMPD/t8.json"
check "a JSON array: 400" is_problem 400 invalid_export
echo '{"format":"strata-tenant-export","faithful":true}' >"$TMPD/t9.json"
imp '?slug=im-t9' "$TMPD/t9.json"
check "an export without its tenant: 400" is_problem 400 invalid_export
jq -c '.tables.records[0].version = "x"' "$TMPD/exp.json" >"$TMPD/t10.json"
check "a changed file is refused by the command line too (exit 1)" eval '! $STRATA tenant import "$TMPD/t10.json" --slug im-t10 2>/dev/null'
head -c 3000 "$TMPD/exp.json" >"$TMPD/t11.json"
check "and a truncated one" eval '! $STRATA tenant import "$TMPD/t11.json" --slug im-t11 2>/dev/null'
python3 -c 'import json,sys; print(json.dumps({"format":"strata-tenant-export","pad":"x"*(1100*1024)}))' >"$TMPD/big.json"
imp '?slug=im-big' "$TMPD/big.json"
check "a body over 1 MiB: 413 (the command line takes any size)" eq "$STATUS" 413
req POST apex /v1/platform/tenants/import -H "Authorization: Bearer $OWNER" -H 'Content-Type: application/json' --data-binary "@$TMPD/exp.json"
check "a tenant's token cannot import (401)" eq "$STATUS" 401
check "none of the refusals wrote a tenant" eq "$(tenant_count)" "$N0"
check "nor any row under their slugs" eq "$(psql_super -c "SELECT count(*) FROM strata.tenants WHERE slug LIKE 'im-t%' OR slug = 'im-big'")" 0

# --- A plain export (GET /v1/export): new keys, users without passwords.
authed GET im-src /v1/export "$OWNER"
printf '%s' "$BODY" >"$TMPD/plain.json"
N0=$(tenant_count)
imp '?slug=im-plain' "$TMPD/plain.json"
check "a plain export imports: 201, and the answer says passwords must be reset" eval \
	'status_is 201 && [ "$(jb .format)" = plain ] && [[ "$(jb .passwords)" == *"reset"* ]]'
login im-plain owner@im-src.test "$PW_OWNER"
check "the old password does not sign in there" eq "$STATUS" 401
MARK=$TMPD/mark
touch "$MARK"
sleep 1
json POST im-plain /v1/auth/password/forgot '{"email":"owner@im-src.test"}'
check "the owner asks for a reset" eq "$STATUS" 202
mail_wait owner@im-src.test "$MARK"
TOK=$(mail_link spr)
json POST im-plain /v1/auth/password/reset "{\"token\":\"$TOK\",\"password\":\"owner-New-pass-123\"}"
check "and sets a new password" eq "$STATUS" 204
login im-plain owner@im-src.test "owner-New-pass-123"
check "then signs in" status_is 200
OWNER3=$TOKEN
plain_export im-plain "$OWNER3" | jq -S 'del(.api_keys)' >"$TMPD/plain-dst.json"
jq -S 'del(.api_keys)' "$TMPD/src.json" >"$TMPD/plain-src.json"
check "its export equals the source's but for API keys (not carried)" eval 'diff "$TMPD/plain-src.json" "$TMPD/plain-dst.json" >&2'
authed GET im-plain "/v1/collections/patients/records/$PAT_ID" "$OWNER3"
check "personal fields were sealed under the copy's new keys, and open" eq "$STATUS/$(jb .data.email)" "200/ann@example.org"
P_ID=$(psql_owner -c "SELECT id FROM strata.tenants WHERE slug = 'im-plain'")
check "stored sealed, not in clear" eq "$(psql_super -c "SELECT count(*) FROM strata.records WHERE tenant_id = '$P_ID' AND data::text LIKE '%ann@example.org%'")" 0
authed GET im-plain '/v1/collections/patients/records?filter%5Bemail%5D=ben@example.org' "$OWNER3"
check "and found by their blind index" eq "$(jb '[.items[].data.patient] | join(",")')" "p-2"
authed GET im-plain '/v1/collections/books/records?filter%5Bpages%5D%5Bgte%5D=470&sort=pages' "$OWNER3"
check "indexed fields filter and sort" eq "$(jb '[.items[].data.title] | join(",")')" "Emma,Ulysses"
check "no signing key is shared with the source" eq \
	"$(psql_super -c "SELECT count(*) FROM (SELECT id FROM strata.tenant_keys WHERE tenant_id IN ('$SRC_ID', '$P_ID') GROUP BY id HAVING count(DISTINCT tenant_id) > 1) s")" 0
jq -c '.records[0].data = {"title": 5}' "$TMPD/plain.json" >"$TMPD/p1.json"
imp '?slug=im-p1' "$TMPD/p1.json"
check "a plain record that does not match its collection: 422, nothing written" eval 'is_problem 422 export_refused && [ "$(tenant_count)" = "$((N0 + 1))" ]'
jq -c '.roles += [{"name":"rogue","permissions":["everything"],"builtin":false}]' "$TMPD/plain.json" >"$TMPD/p3.json"
imp '?slug=im-p3' "$TMPD/p3.json"
check "a plain role with an unknown permission: 422" is_problem 422 export_refused
jq -c '.config_versions[-1].settings.unknown_key = 1' "$TMPD/plain.json" >"$TMPD/p4.json"
imp '?slug=im-p4' "$TMPD/p4.json"
check "plain settings outside the schema: 422" is_problem 422 export_refused
jq -c '.config_versions[-1].version = 1.5' "$TMPD/plain.json" >"$TMPD/p5.json"
imp '?slug=im-p5' "$TMPD/p5.json"
check "a plain configuration version that is no whole number: 422, nothing written" eval 'is_problem 422 export_refused && [ "$(tenant_count)" = "$((N0 + 1))" ]'
jq -c 'del(.records)' "$TMPD/plain.json" >"$TMPD/p2.json"
imp '?slug=im-p2' "$TMPD/p2.json"
check "a plain export without its records: 400" is_problem 400 invalid_export

# --- Keys alone: sealed for a public key, adopted by an existing tenant
# (the building blocks `strata tenant move` uses).
mk_tenant im-keys
$STRATA tenant export im-src --seal-for "$TMPD/pub.pem" --keys-only >"$TMPD/keys.json"
check "--keys-only writes a sealed keyring alone" eq "$(jq -r '[.format, (has("tables"))] | join(" ")' "$TMPD/keys.json")" "strata-sealed-keyring false"
KO=$($STRATA tenant import-keys im-keys "$TMPD/keys.json")
check "tenant import-keys adopts them" eq "$(jq -r .keys <<<"$KO")" 3
KID=$(psql_super -c "SELECT id FROM strata.tenant_keys WHERE tenant_id = '$SRC_ID' AND purpose = 'data' AND retired_at IS NULL")
check "the adopted data key is im-keys' current one now" eq \
	"$(psql_super -c "SELECT k.id FROM strata.tenant_keys k JOIN strata.tenants t ON t.id = k.tenant_id WHERE t.slug = 'im-keys' AND purpose = 'data' AND retired_at IS NULL")" "$KID"
check "a keyring sealed for another key is refused" eval '! $STRATA tenant import-keys im-keys "$TMPD/t5.json" 2>/dev/null'
finish
