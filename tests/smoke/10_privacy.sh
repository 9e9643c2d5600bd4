#!/usr/bin/env bash
# 10_privacy.sh - personal data: sealed at rest (raw rows hold no plaintext),
# masks for callers without pii:read, audited reveals, blind-index equality
# search, ciphertexts bound to their place, subject export and erasure with
# the subject's key destroyed, tenant export and usage, tenant deletion
# destroying every key.
. "$(dirname "$0")/../lib.sh"

mk_tenant priv-a
mk_tenant priv-b
login priv-a owner@priv-a.test "$PW_OWNER"
OWNER=$TOKEN
login priv-b owner@priv-b.test "$PW_OWNER"
OWNER_B=$TOKEN
authed GET priv-a /v1/tenant "$OWNER"
TID=$(jb .id)
authed GET priv-b /v1/tenant "$OWNER_B"
TID_B=$(jb .id)
json POST priv-a /v1/roles '{"name":"clinician","permissions":["records:read","records:write","pii:read"]}' "$OWNER"
mk_user priv-a "$OWNER" clin@priv-a.test clinician
login priv-a clin@priv-a.test "$PW_USER"
CLIN=$TOKEN
mk_user priv-a "$OWNER" viewer@priv-a.test viewer
VIEWER_ID=$NEW_ID
login priv-a viewer@priv-a.test "$PW_USER"
VIEWER=$TOKEN
mk_user priv-a "$OWNER" member@priv-a.test member
login priv-a member@priv-a.test "$PW_USER"
MEMBER=$TOKEN
mk_user priv-a "$OWNER" admin@priv-a.test admin
login priv-a admin@priv-a.test "$PW_USER"
ADMIN=$TOKEN

PATIENTS='{"name":"patients","subject_field":"patient","fields":{"patient":{"type":"string","required":true},"email":{"type":"string","pii":true,"mask":"email","max_length":60},"phone":{"type":"string","pii":true,"mask":"phone"},"card":{"type":"string","pii":true,"mask":"last4"},"notes":{"type":"string","pii":true,"mask":"full"},"born":{"type":"integer","pii":true},"ward":{"type":"string","indexed":true}}}'
json POST priv-a /v1/collections "$PATIENTS" "$OWNER"
check "a collection with personal fields and a subject (201)" eq "$STATUS/$(jb .subject_field)/$(jb .fields.email.pii)/$(jb .fields.email.mask)" "201/patient/true/email"
json POST priv-b /v1/collections "$PATIENTS" "$OWNER_B"
json POST priv-a /v1/collections '{"name":"bad","fields":{"a":{"type":"string","pii":true,"mask":"stars"}}}' "$OWNER"
check "an unknown mask is 422" is_problem 422 validation_failed
json POST priv-a /v1/collections '{"name":"bad","subject_field":"nope","fields":{"a":{"type":"string"}}}' "$OWNER"
check "a subject_field naming no field is 422" is_problem 422 validation_failed

mk_patient() { # HOST TOKEN PATIENT EMAIL PHONE CARD -> PID
	json POST "$1" /v1/collections/patients/records "{\"data\":{\"patient\":\"$3\",\"email\":\"$4\",\"phone\":\"$5\",\"card\":\"$6\",\"notes\":\"allergic to penicillin $3\",\"born\":1971,\"ward\":\"north\"}}" "$2"
	PID=$(jb .id)
}
mk_patient priv-a "$CLIN" s-1001 jane.doe@example.com "+44 20 7946 0958" 4111111111111111
P1=$PID
check "a clinician writes a patient (201) and sees its own values" eq "$STATUS/$(jb .data.email)/$(jb .data.born)" "201/jane.doe@example.com/1971"
mk_patient priv-a "$CLIN" s-1001 jane.d@work.example "+1 555 0100 2233" 5500005555555559
P1B=$PID
mk_patient priv-a "$CLIN" s-1002 john.smith@example.org "+33 1 23 45 67 89" 3400000000000009
P2=$PID
mk_patient priv-a "$MEMBER" s-1003 ann.other@example.net "+49 30 1234567" 6011000000000004
P3=$PID
check "a member without pii:read writes, and gets masks back" eq "$STATUS/$(jb .data.email)" "201/a***@e***.net"
mk_patient priv-b "$OWNER_B" s-1001 bob.b@example.com "+44 1 2222 3333" 4000000000000002
PB=$PID

# The last test greps every log of the run for these personal values too.
printf '%s\n' jane.doe@example.com jane.d@work.example john.smith@example.org \
	ann.other@example.net bob.b@example.com "+44 20 7946 0958" 4111111111111111 \
	5500005555555559 "allergic to penicillin" >>"$VAR/secrets-seen"

# Raw storage: no plaintext personal value anywhere a table keeps it.
RAW=$(psql_super -c "SELECT data::text FROM strata.records WHERE tenant_id IN ('$TID','$TID_B')
	UNION ALL SELECT coalesce(v_text,'') FROM strata.record_index WHERE tenant_id IN ('$TID','$TID_B')
	UNION ALL SELECT details::text FROM strata.audit_events WHERE tenant_id IN ('$TID','$TID_B')
	UNION ALL SELECT subject_hash FROM strata.subject_keys WHERE tenant_id IN ('$TID','$TID_B')
	UNION ALL SELECT coalesce(subject,'') FROM strata.records WHERE tenant_id IN ('$TID','$TID_B')")
leak=""
# As whole words: a hex digest or an id in these rows can hold "1971" by
# chance; the plaintext stands between JSON punctuation or spaces.
for v in jane.doe example.com 7946 0958 4111111111111111 penicillin 1971 john.smith bob.b; do
	grep -qw -- "$v" <<<"$RAW" && leak="$leak $v"
done
check "raw rows, index, audit and key tables hold no plaintext personal value" eq "$leak" ""
check "subjects are kept as blind indexes only" eq "$(psql_super -c "SELECT count(*) FROM strata.records WHERE tenant_id IN ('$TID','$TID_B') AND subject !~ '^[0-9a-f]{64}$'")/$(psql_super -c "SELECT count(*) FROM strata.subject_keys WHERE tenant_id IN ('$TID','$TID_B') AND subject_hash !~ '^[0-9a-f]{64}$'")" "0/0"
check "sealed values are self-describing (enc:v1:<key id>:...)" eq "$(grep -c '"email": "enc:v1:[0-9a-f-]\{36\}:' <<<"$RAW")" 5
check "the non-personal field stays plain and indexed" eq "$(grep -c '"ward": "north"' <<<"$RAW")" 5

# Masks for callers without pii:read; values for those with it.
authed GET priv-a "/v1/collections/patients/records/$P1" "$VIEWER"
check "a viewer sees masks of each kind" eq "$STATUS|$(jb '[.data.email,.data.phone,.data.card,.data.notes,(.data.born|tostring),.data.patient,.data.ward]|join("|")')" "200|j***@e***.com|***58|****1111|***|***|s-1001|north"
check "a masked answer may be microcached" eq "$(header cache-control)" "no-cache"
authed GET priv-a /v1/audit?action=pii.read "$OWNER"
check "masked reads are not audited as reveals (only the clinician's three writes are)" eq "$(jb "[.items[]|select(.actor.id==\"$VIEWER_ID\")]|length")/$(jb '.items|length')" "0/3"
authed GET priv-a "/v1/collections/patients/records/$P1" "$CLIN"
check "a pii:read caller sees the values" eq "$STATUS|$(jb '[.data.email,.data.phone,.data.card,.data.notes,(.data.born|tostring)]|join("|")')" "200|jane.doe@example.com|+44 20 7946 0958|4111111111111111|allergic to penicillin s-1001|1971"
check "a revealed answer is never cached" eq "$(header cache-control)/$(header x-accel-expires)" "no-store/"
authed GET priv-a "/v1/collections/patients/records/$P1" "$CLIN" -H "Cache-Control: max-age=5"
authed GET priv-a "/v1/collections/patients/records/$P1" "$CLIN" -H "Cache-Control: max-age=5"
check "not even for a client that accepts stale answers" eq "$STATUS/$(header cache-control)" "200/no-store"
authed GET priv-a "/v1/audit?action=pii.read" "$OWNER"
check "each reveal is one audit event (none served from a cache) naming the record and fields" eq "$(jb '.items|length')/$(jb '.items[0].target.id')/$(jb '.items[0].details.fields|sort|join(",")')" "6/$P1/born,card,email,notes,phone"
check "a write whose answer shows the values is audited as a reveal too" eq "$(jb "[.items[]|select(.target.id==\"$P2\")]|length")" 1
check "reveal events hold no value" eq "$(jb -c '.items' | grep -c -e jane.doe -e '7946 0958' -e 4111111111111111 -e penicillin)" 0
check "the reveal event names the clinician" eq "$(jb '.items[0].actor.type')" user

# Lists: masks, one event per request, blind-index equality only.
enc() { jq -rn --arg v "$1" '$v|@uri'; }
authed GET priv-a "/v1/collections/patients/records?filter%5Bemail%5D=$(enc ' JANE.Doe@Example.com ')" "$VIEWER"
check "equality on a personal field finds by blind index (normalised)" eq "$STATUS/$(jb '[.items[].id]|join(",")')/$(jb '.items[0].data.email')" "200/$P1/j***@e***.com"
authed GET priv-a "/v1/collections/patients/records?filter%5Bborn%5D=1971&limit=10" "$CLIN"
check "a number on a personal field is found too" eq "$(jb '.items|length')" 4
authed GET priv-a "/v1/audit?action=pii.read" "$OWNER"
check "a list that reveals is one event listing its records" eq "$(jb '.items|length')/$(jb '.items[0].details.records|length')" "7/4"
for q in 'filter%5Bemail%5D%5Bgte%5D=a' 'filter%5Bborn%5D%5Blt%5D=2000' 'filter%5Bemail%5D%5Bin%5D=a,b' 'filter%5Bemail%5D%5Bne%5D=a' 'sort=email' 'sort=-born'; do
	authed GET priv-a "/v1/collections/patients/records?$q" "$CLIN"
	check "range, set, negation and sort on a personal field are 400: $q" is_problem 400 bad_request
done
authed GET priv-a "/v1/collections/patients/records?filter%5Bemail%5D=nobody@example.com" "$CLIN"
check "an unknown value finds nothing" eq "$STATUS/$(jb '.items|length')" "200/0"
authed GET priv-b "/v1/collections/patients/records?filter%5Bemail%5D=jane.doe@example.com" "$OWNER_B"
check "another tenant's value is not found by its blind index" eq "$(jb '.items|length')" 0

# Errors never echo a personal value.
long="secret-$(printf 'x%.0s' $(seq 60))@example.com"
json POST priv-a /v1/collections/patients/records "{\"data\":{\"patient\":\"s-9\",\"email\":\"$long\",\"born\":\"nineteen-seventy\"}}" "$CLIN"
check "invalid personal values are 422" is_problem 422 validation_failed
check "the errors name fields, not values" eq "$(grep -c -e secret- -e nineteen <<<"$BODY")/$(jb '[.errors[].field]|sort|join(",")')" "0/born,email"
authed GET priv-a "/v1/collections/patients/records?filter%5Bborn%5D=old-secret" "$CLIN"
check "a bad filter value is not echoed" eq "$STATUS/$(grep -c old-secret <<<"$BODY")" "400/0"

# Writes: a merge patch keeps the other sealed values; the seal is fresh.
OLD_EMAIL=$(psql_super -c "SELECT data->>'email' FROM strata.records WHERE tenant_id = '$TID' AND id = '$P1'")
json PATCH priv-a "/v1/collections/patients/records/$P1" '{"data":{"phone":"+44 20 7946 0000"}}' "$CLIN"
check "a merge patch of one personal field keeps the others" eq "$STATUS/$(jb .data.email)/$(jb .data.phone)" "200/jane.doe@example.com/+44 20 7946 0000"
NEW_EMAIL=$(psql_super -c "SELECT data->>'email' FROM strata.records WHERE tenant_id = '$TID' AND id = '$P1'")
check "values are sealed afresh on every write" test "$OLD_EMAIL" != "$NEW_EMAIL"
json PUT priv-a /v1/collections/patients "$(jq -c '.fields.ward.pii=true|del(.name)' <<<"$PATIENTS")" "$OWNER" -H 'If-Match: "1"'
check "a field cannot become personal once defined" eq "$STATUS/$(jb '.errors[0].field')" "422/ward"
json PUT priv-a /v1/collections/patients "$(jq -c '.subject_field="email"|del(.name)' <<<"$PATIENTS")" "$OWNER" -H 'If-Match: "1"'
check "the subject field is fixed" eq "$STATUS/$(jb '.errors[0].field')" "422/subject_field"

# A ciphertext moved to another record or field does not open there.
psql_super -c "UPDATE strata.records SET data = jsonb_set(data, '{email}', to_jsonb('$NEW_EMAIL'::text)) WHERE tenant_id = '$TID' AND id = '$P3'"
psql_super -c "UPDATE strata.records SET data = jsonb_set(data, '{phone}', to_jsonb('$NEW_EMAIL'::text)) WHERE tenant_id = '$TID' AND id = '$P1B'"
authed GET priv-a "/v1/collections/patients/records/$P3" "$CLIN"
check "a value copied to another record reads as null" eq "$STATUS/$(jb .data.email)/$(jb .data.card)" "200/null/6011000000000004"
authed GET priv-a "/v1/collections/patients/records/$P1B" "$CLIN"
check "a value copied to another field reads as null" eq "$STATUS/$(jb .data.phone)/$(jb .data.email)" "200/null/jane.d@work.example"
psql_super -c "UPDATE strata.records SET data = jsonb_set(data, '{email}', to_jsonb('$NEW_EMAIL'::text)) WHERE tenant_id = '$TID_B' AND id = '$PB'"
authed GET priv-b "/v1/collections/patients/records/$PB" "$OWNER_B"
check "a value copied to another tenant reads as null" eq "$STATUS/$(jb .data.email)" "200/null"

# Subject access (art. 15/20).
authed GET priv-a /v1/privacy/subjects/s-1001/export "$VIEWER"
check "a viewer cannot export a subject" is_problem 403 forbidden
authed GET priv-a /v1/privacy/subjects/s-1001/export "$CLIN"
check "pii:read alone does not grant subject rights" eq "$STATUS" 403
authed GET priv-a /v1/privacy/subjects/s-1001/export "$OWNER"
check "the subject's export holds its records, decrypted" eq "$STATUS/$(jb .subject)/$(jb '[.records[].id]|sort|join(",")')/$(jb '[.records[].data.email]|sort|join(",")')" "200/s-1001/$(printf '%s\n' "$P1" "$P1B" | sort | paste -sd,)/jane.d@work.example,jane.doe@example.com"
check "and the audit trail of those records" eq "$(jb '[.audit[]|select(.target.id=="'"$P1"'")|.action]|unique|join(",")')" "pii.read,record.create,record.update"
check "the export is a portable JSON document" eq "$(header content-type)/$(header cache-control)" "application/json/no-store"
authed GET priv-a /v1/privacy/subjects/S-1001/export "$OWNER"
check "subjects are matched as normalised" eq "$(jb '.records|length')" 2
authed GET priv-b /v1/privacy/subjects/s-1002/export "$OWNER_B"
check "another tenant finds nothing of this tenant's subject" eq "$STATUS/$(jb '.records|length')" "200/0"
authed GET priv-a "/v1/privacy/subjects/$(printf 'x%.0s' $(seq 300))/export" "$OWNER"
check "an over-long subject is 404" eq "$STATUS" 404
authed GET priv-a /v1/audit?action=privacy.export "$OWNER"
check "subject exports are audited without the subject" eq "$(jb '.items|length')/$(jb -c .items | grep -c s-100)" "2/0"

# Erasure (art. 17): the key goes in the same transaction as the rows.
KID=$(cut -d: -f3 <<<"$NEW_EMAIL")
check "the subject's values are sealed under its own key" eq "$(psql_super -c "SELECT count(*) FROM strata.subject_keys WHERE tenant_id = '$TID' AND id = '$KID'")" 1
req DELETE priv-a /v1/privacy/subjects/s-1001 -H "Authorization: Bearer $VIEWER"
check "a viewer cannot erase" eq "$STATUS" 403
req DELETE priv-a /v1/privacy/subjects/s-1001 -H "Authorization: Bearer $OWNER"
check "erasure is 204" eq "$STATUS" 204
check "the subject's key is gone" eq "$(psql_super -c "SELECT count(*) FROM strata.subject_keys WHERE id = '$KID'")" 0
check "no tenant key has that id either: the old ciphertext opens with no key left" eq "$(psql_super -c "SELECT count(*) FROM strata.tenant_keys WHERE id = '$KID'")" 0
check "the subject's rows are purged" eq "$(psql_super -c "SELECT count(*) FROM strata.records WHERE tenant_id = '$TID' AND id IN ('$P1','$P1B')")/$(psql_super -c "SELECT count(*) FROM strata.record_index WHERE tenant_id = '$TID' AND record_id IN ('$P1','$P1B')")" "0/0"
authed GET priv-a /v1/privacy/subjects/s-1001/export "$OWNER"
check "the erased subject's export is empty" eq "$STATUS/$(jb '.records|length')" "200/0"
authed GET priv-a "/v1/collections/patients/records/$P1" "$CLIN"
check "its records are gone" eq "$STATUS" 404
# A backup taken before the erasure: the row comes back, its values do not.
psql_super -c "INSERT INTO strata.records (tenant_id, id, collection, data, schema_version, subject, created_by)
	SELECT tenant_id, '$P1', collection, jsonb_set(data, '{email}', to_jsonb('$NEW_EMAIL'::text)), schema_version, 'restored-from-backup', created_by FROM strata.records WHERE tenant_id = '$TID' AND id = '$P2'"
authed GET priv-a "/v1/collections/patients/records/$P1" "$CLIN"
check "an old ciphertext restored from a backup reads as null" eq "$STATUS/$(jb .data.email)" "200/null"
psql_super -c "DELETE FROM strata.records WHERE tenant_id = '$TID' AND id = '$P1'"
authed GET priv-a "/v1/collections/patients/records/$P2" "$CLIN"
check "other subjects are untouched" eq "$STATUS/$(jb .data.email)/$(jb .data.card)" "200/john.smith@example.org/3400000000000009"
authed GET priv-b "/v1/collections/patients/records/$PB" "$OWNER_B"
check "the same subject id in another tenant is untouched" eq "$STATUS/$(jb .data.patient)/$(jb .data.card)" "200/s-1001/4000000000000002"
authed GET priv-a /v1/audit?action=privacy.erase "$OWNER"
check "the erasure is audited as a fact, with counts only" eq "$(jb '.items|length')/$(jb '.items[0].details.records')/$(jb -c .items | grep -c s-1001)" "1/2/0"
req DELETE priv-a /v1/privacy/subjects/s-1001 -H "Authorization: Bearer $OWNER"
check "erasing again is idempotent" eq "$STATUS" 204

# Key rotation: old values and old blind indexes stay usable.
req POST priv-a /v1/keys/rotate -H "Authorization: Bearer $OWNER"
check "keys rotate" eq "$STATUS" 200
authed GET priv-a "/v1/collections/patients/records?filter%5Bemail%5D=john.smith@example.org" "$CLIN"
check "after rotation, old values are found and read" eq "$(jb '[.items[].data.email]|join(",")')" "john.smith@example.org"
mk_patient priv-a "$CLIN" s-1004 new.one@example.com "+44 20 0000 0044" 4242424242424242
P4=$PID
authed GET priv-a "/v1/collections/patients/records?filter%5Bemail%5D=new.one@example.com" "$CLIN"
check "new values are found under the new index key" eq "$(jb '[.items[].id]|join(",")')" "$P4"

# The tenant's own export and usage.
authed GET priv-a /v1/export "$ADMIN"
check "only the owner exports the tenant" is_problem 403 forbidden
authed GET priv-a /v1/export "$OWNER"
check "the owner's export has users, roles, config and records" eq "$STATUS/$(jb '[(.users|length>=5), (.roles|length>=5), (.config_versions|length>=1), (.records|length==3), (.collections[0].name=="patients")]|all')" "200/true"
check "records are decrypted in it" eq "$(jb '[.records[]|select(.id=="'"$P2"'")][0].data.email')" "john.smith@example.org"
check "users without secrets" eq "$(jb '[.users[]|keys[]]|unique|join(",")')/$(grep -c -e '\$scrypt' -e password_hash -e token_hash -e key_hash <<<"$BODY")" "created_at,email,id,name,oidc_issuer,roles,status/0"
check "delivered as an attachment" eq "$(header content-disposition)" 'attachment; filename="priv-a-export.json"'
authed GET priv-a /v1/audit?action=tenant.export "$OWNER"
check "the export is audited" eq "$(jb '.items|length')" 1
authed GET priv-a /v1/usage "$MEMBER"
check "usage for config:read" eq "$STATUS/$(jb '.records')/$(jb '.collections')/$(jb '.limits.max_records > 0')/$(jb '.storage_bytes > 0')" "200/3/1/true/true"
authed GET priv-a /v1/usage "$VIEWER"
check "not for a viewer" eq "$STATUS" 403

# Transport: TLS 1.2 and 1.3 only (the client here is willing to speak
# 1.0/1.1 at security level 0; the server must say no), HSTS.
tls() { echo | timeout 10 openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "priv-a.$BASE" "$@" 2>&1; }
check "TLS 1.2 is served" eval 'tls -tls1_2 | grep -q "Cipher is ECDHE"'
check "TLS 1.3 is served" eval 'tls -tls1_3 | grep -q "Cipher is TLS_"'
check "TLS 1.1 is refused by the server" eval 'tls -tls1_1 -cipher "DEFAULT:@SECLEVEL=0" | grep -q "alert protocol version"'
check "TLS 1.0 is refused by the server" eval 'tls -tls1 -cipher "DEFAULT:@SECLEVEL=0" | grep -q "alert protocol version"'
authed GET priv-a /v1/tenant "$VIEWER"
check "HSTS on tenant answers" eval 'header strict-transport-security | grep -q "max-age=63072000"'

# Retention: records past their collection's days go, counted and audited.
json PATCH priv-a /v1/config '{"settings":{"retention":{"collections":{"patients":30}}}}' "$OWNER"
check "a retention period per collection is configured" eq "$STATUS/$(jb .settings.retention.collections.patients)" "200/30"
psql_super -c "UPDATE strata.records SET created_at = now() - interval '31 days' WHERE tenant_id = '$TID' AND id = '$P3'"
OUT=$($STRATA retention run --tenant priv-a)
check "strata retention run purges what is older" eq "$(jq -c '.[0]' <<<"$OUT")" '{"tenant":"priv-a","collections":{"patients":{"days":30,"purged":1}},"purged":1}'
authed GET priv-a "/v1/collections/patients/records/$P3" "$CLIN"
check "the expired record is gone" eq "$STATUS" 404
authed GET priv-a "/v1/collections/patients/records/$P2" "$CLIN"
check "a recent one stays" eq "$STATUS" 200
authed GET priv-a /v1/audit?action=retention.purge "$OWNER"
check "the purge is audited by the system with its count" eq "$(jb '.items|length')/$(jb '.items[0].actor.type')/$(jb '.items[0].details.records')/$(jb '.items[0].target.id')" "1/system/1/patients"
authed GET priv-a /v1/usage "$MEMBER"
check "the record count follows" eq "$(jb .records)" 2
OUT=$($STRATA retention run)
check "a second run over every tenant purges nothing more, and fails for none" eq "$(jq -c '[([.[].purged]|add), ([.[]|select(.purged < 0)]|length), (length > 1)]' <<<"$OUT")" '[0,0,true]'
err=$($STRATA retention run --tenant no-such-tenant 2>&1 >/dev/null)
rc=$?
check "retention run for an unknown tenant fails, saying so" eq "$err/$rc" "strata: no such tenant/1"
check "retention run without 'run' is a usage error" test "$($STRATA retention 2>/dev/null; echo $?)" -ne 0

# Tenant deletion destroys every key of the tenant, subjects' included.
check "before: tenant B has keys and a subject key" eq "$(psql_super -c "SELECT (SELECT count(*) > 0 FROM strata.tenant_keys WHERE tenant_id = '$TID_B' AND wrapped IS NOT NULL) AND (SELECT count(*) > 0 FROM strata.subject_keys WHERE tenant_id = '$TID_B')")" t
printf 'operator-pass-12345\n' | $STRATA operator create --email privops@strata.test >/dev/null
json POST apex /v1/platform/login '{"email":"privops@strata.test","password":"operator-pass-12345"}'
OPS=$(jb .access_token)
req DELETE apex "/v1/platform/tenants/$TID_B" -H "Authorization: Bearer $OPS"
check "the operator deletes tenant B" eq "$STATUS/$(jb .keys)" "202/destroyed"
check "no key of tenant B remains" eq "$(psql_super -c "SELECT (SELECT count(*) FROM strata.tenant_keys WHERE tenant_id = '$TID_B' AND wrapped IS NOT NULL) + (SELECT count(*) FROM strata.subject_keys WHERE tenant_id = '$TID_B')")" 0
authed GET priv-b "/v1/collections/patients/records/$PB" "$OWNER_B"
check "and tenant B answers no more" test "$STATUS" -ge 400
authed GET priv-a "/v1/collections/patients/records/$P2" "$CLIN"
check "tenant A is unaffected" eq "$STATUS/$(jb .data.email)" "200/john.smith@example.org"
finish
