#!/usr/bin/env bash
# 15_keyring.sh - key lifecycle: 100 rotations keep every older value,
# blind-index filter, subject export, erasure and token working; `strata
# keys reencrypt` re-seals everything under the current keys while writes
# go on, and only then retires the old data and index keys.
. "$(dirname "$0")/../lib.sh"

mk_tenant kr-a
login kr-a owner@kr-a.test "$PW_OWNER"
OWNER=$TOKEN
authed GET kr-a /v1/tenant "$OWNER"
TID=$(jb .id)
json POST kr-a /v1/api-keys '{"name":"kr","permissions":["records:read"]}' "$OWNER"
APIKEY=$(jb .key)

json POST kr-a /v1/collections '{"name":"people","subject_field":"person","fields":{"person":{"type":"string","required":true},"email":{"type":"string","pii":true},"born":{"type":"integer","pii":true},"city":{"type":"string","indexed":true}}}' "$OWNER"
check "a collection with a subject and personal fields" eq "$STATUS" 201
json POST kr-a /v1/collections '{"name":"notes","fields":{"secret":{"type":"string","pii":true},"tag":{"type":"string"}}}' "$OWNER"
check "a collection with personal fields and no subject" eq "$STATUS" 201

# mk_round N: a person, a note and a session token made under the keys
# of round N (sets P_N, N_N, T_N).
mk_round() {
	json POST kr-a /v1/collections/people/records "{\"data\":{\"person\":\"p-$1\",\"email\":\"p$1@kr.example\",\"born\":$((1900 + $1)),\"city\":\"c$1\"}}" "$OWNER"
	printf -v "P_$1" %s "$(jb .id)"
	json POST kr-a /v1/collections/notes/records "{\"data\":{\"secret\":\"note-$1\",\"tag\":\"t$1\"}}" "$OWNER"
	printf -v "N_$1" %s "$(jb .id)"
	login kr-a owner@kr-a.test "$PW_OWNER"
	printf -v "T_$1" %s "$TOKEN"
}
ROUNDS="0 10 20 30 40 50 60 70 80 90 100"
mk_round 0
json POST kr-a /v1/collections/people/records '{"data":{"person":"span","email":"span1@kr.example","born":1950,"city":"s"}}' "$OWNER"
SPAN1=$(jb .id)
OLD_NOTE=$(psql_super -c "SELECT data->>'secret' FROM strata.records WHERE tenant_id = '$TID' AND id = '$N_0'")

rot_failed=0
for i in $(seq 1 100); do
	req POST kr-a /v1/keys/rotate -H "Authorization: Bearer $OWNER"
	[ "$STATUS" = 200 ] || rot_failed=$((rot_failed + 1))
	[ $((i % 10)) = 0 ] && mk_round "$i"
done
check "100 rotations through the API (the first token stays valid)" eq "$rot_failed" 0
check "the tenant has 101 keys of each purpose" eq "$(psql_super -c "SELECT string_agg(n::text, '/' ORDER BY purpose) FROM (SELECT purpose, count(*) n FROM strata.tenant_keys WHERE tenant_id = '$TID' GROUP BY purpose) x")" "101/101/101"

# everything ROUND: every value, filter, token of every round still works.
everything() {
	local bad="" r v e t n
	for r in $ROUNDS; do
		v=P_$r n=N_$r t=T_$r
		authed GET kr-a "/v1/collections/people/records/${!v}" "$OWNER"
		[ "$(jb .data.email)/$(jb .data.born)" = "p$r@kr.example/$((1900 + r))" ] || bad="$bad read:$r"
		if [ -n "${!n}" ]; then # (the note of round 0 goes below)
			authed GET kr-a "/v1/collections/notes/records/${!n}" "$OWNER"
			[ "$(jb .data.secret)" = "note-$r" ] || bad="$bad note:$r"
			authed GET kr-a "/v1/collections/notes/records?filter%5Bsecret%5D=note-$r" "$OWNER"
			[ "$(jb '[.items[].id]|join(",")')" = "${!n}" ] || bad="$bad nfilter:$r"
		fi
		authed GET kr-a "/v1/collections/people/records?filter%5Bemail%5D=p$r@kr.example" "$OWNER"
		[ "$(jb '[.items[].id]|join(",")')" = "${!v}" ] || bad="$bad filter:$r"
		authed GET kr-a "/v1/privacy/subjects/p-$r/export" "$OWNER"
		e=$(jb '.records[].data.email' | grep -cx "p$r@kr.example")
		[ "$STATUS/$e" = "200/1" ] || bad="$bad export:$r"
		authed GET kr-a /v1/me "${!t}"
		[ "$STATUS" = 200 ] || bad="$bad token:$r"
	done
	authed GET kr-a /v1/me "$APIKEY"
	[ "$STATUS" = 200 ] || bad="$bad api-key"
	echo "${bad# }"
}

# Erasure of a subject of round 30 (keys 70 rotations old).
req DELETE kr-a /v1/privacy/subjects/p-30 -H "Authorization: Bearer $OWNER"
check "erasing a subject of round 30 is 204" eq "$STATUS" 204
authed GET kr-a "/v1/collections/people/records/$P_30" "$OWNER"
check "its record is gone" eq "$STATUS" 404
authed GET kr-a /v1/privacy/subjects/p-30/export "$OWNER"
check "and its export is empty" eq "$STATUS/$(jb '.records|length')" "200/0"
ROUNDS="0 10 20 40 50 60 70 80 90 100"
check "after 100 rotations every older value, filter, export and token works" eq "$(everything)" ""

# Subjects whose records span 100 rotations (two subject keys, under the
# first and the last index keys): one export and one erasure find both.
json POST kr-a /v1/collections/people/records '{"data":{"person":"p-0","email":"again@kr.example","born":2000,"city":"c"}}' "$OWNER"
authed GET kr-a /v1/privacy/subjects/p-0/export "$OWNER"
check "one subject, records under the first and the last keys: both exported" eq "$(jb '[.records[].data.email]|sort|join(",")')" "again@kr.example,p0@kr.example"
json POST kr-a /v1/collections/people/records '{"data":{"person":"span","email":"span2@kr.example","born":1951,"city":"s"}}' "$OWNER"
SPAN2=$(jb .id)
check "the spanning subject has two subject keys" eq "$(psql_super -c "SELECT count(DISTINCT subject) FROM strata.records WHERE tenant_id = '$TID' AND id IN ('$SPAN1', '$SPAN2')")" 2
req DELETE kr-a /v1/privacy/subjects/span -H "Authorization: Bearer $OWNER"
authed GET kr-a "/v1/collections/people/records/$SPAN1" "$OWNER"
s1=$STATUS
authed GET kr-a "/v1/collections/people/records/$SPAN2" "$OWNER"
check "one erasure removes both records" eq "$s1/$STATUS" "404/404"
check "and both subject keys" eq "$(psql_super -c "SELECT count(*) FROM strata.subject_keys s WHERE tenant_id = '$TID' AND NOT EXISTS (SELECT 1 FROM strata.records r WHERE r.tenant_id = s.tenant_id AND r.subject = s.subject_hash)")" 0

# Re-encryption while writes go on.
(
	for w in $(seq 1 40); do
		json POST kr-a /v1/collections/people/records "{\"data\":{\"person\":\"w-$w\",\"email\":\"w$w@kr.example\",\"born\":1999,\"city\":\"w\"}}" "$OWNER"
		echo "$STATUS $(jb .id)" >>"$TMPD/writes"
	done
) &
WRITER=$!
OUT=$($STRATA keys reencrypt --tenant kr-a 2>"$TMPD/re.err")
RC=$?
wait "$WRITER"
check "keys reencrypt succeeds while writes go on" eq "$RC/$(jq -r .retired_data_keys <<<"$OUT" 2>/dev/null)" "0/100"
[ "$RC" = 0 ] || cat "$TMPD/re.err"
check "it re-sealed every record" eval '[ "$(jq -r .records <<<"$OUT")" -ge 21 ]'
check "the concurrent writes all succeeded" eq "$(grep -vc '^201 ' "$TMPD/writes")" 0
bad=""
while read -r _ id; do
	authed GET kr-a "/v1/collections/people/records/$id" "$OWNER"
	w=$(jb .data.person)
	[ "$STATUS" = 200 ] && [ "$(jb .data.email)" = "w${w#w-}@kr.example" ] || bad="$bad $id"
done <"$TMPD/writes"
check "the records written meanwhile read back" eq "$bad" ""

check "after reencrypt every value, filter, export and token still works" eq "$(everything)" ""
authed GET kr-a /v1/privacy/subjects/p-0/export "$OWNER"
check "the subject spanning rotations is still exported whole" eq "$(jb '[.records[].data.email]|sort|join(",")')" "again@kr.example,p0@kr.example"

check "only the current data and index keys are left live" eq "$(psql_super -c "SELECT purpose || ':' || count(*) FROM strata.tenant_keys WHERE tenant_id = '$TID' AND purpose IN ('data', 'index') AND (expires_at IS NULL OR expires_at > now()) GROUP BY purpose ORDER BY purpose")" "data:1
index:1"
LIVE_DATA=$(psql_super -c "SELECT id FROM strata.tenant_keys WHERE tenant_id = '$TID' AND purpose = 'data' AND expires_at IS NULL")
check "no stored value is sealed under a retired key" eq "$(psql_super -c "SELECT count(*) FROM strata.records r, jsonb_each_text(r.data) e WHERE r.tenant_id = '$TID' AND e.value LIKE 'enc:v1:%' AND split_part(e.value, ':', 3)::uuid NOT IN (SELECT id FROM strata.subject_keys WHERE tenant_id = '$TID' UNION ALL SELECT '$LIVE_DATA'::uuid)")/$(psql_super -c "SELECT count(*) FROM strata.subject_keys WHERE tenant_id = '$TID' AND wrapped_by <> '$LIVE_DATA'")" "0/0"
check "subject keys under old index keys that seal nothing are gone" eq "$(psql_super -c "SELECT count(*) FROM strata.subject_keys s WHERE tenant_id = '$TID' AND NOT EXISTS (SELECT 1 FROM strata.records r WHERE r.tenant_id = s.tenant_id AND r.subject = s.subject_hash)")" 0

# A retired key is no longer loaded: a ciphertext from round 0 (as a
# backup would hold it) no longer opens.
psql_super -c "UPDATE strata.records SET data = jsonb_set(data, '{secret}', to_jsonb('$OLD_NOTE'::text)) WHERE tenant_id = '$TID' AND id = '$N_0'" >/dev/null
authed GET kr-a "/v1/collections/notes/records/$N_0" "$OWNER"
check "a value under a retired data key no longer opens" eq "$STATUS/$(jb .data.secret)" "200/null"
psql_super -c "DELETE FROM strata.records WHERE tenant_id = '$TID' AND id = '$N_0'" >/dev/null
N_0=

OUT=$($STRATA keys reencrypt --tenant kr-a 2>&1)
check "running it again is harmless (nothing left to retire)" eq "$?/$(jq -r .retired_data_keys <<<"$OUT" 2>/dev/null)" "0/0"
authed GET kr-a "/v1/audit?action=keys.reencrypt" "$OWNER"
check "each run is audited with its counts" eq "$(jb '.items|length')/$(jb '[.items[].details.retired_data_keys]|sort|join(",")')" "2/0,100"
$STRATA keys reencrypt --tenant no-such-tenant >/dev/null 2>&1
check "an unknown tenant is an error" eq "$?" 1

# Resuming, and the last check: a checkpoint that claims every record is
# done (as a run stopped and resumed would find it) while a value is still
# under the previous data key: nothing is retired; the next run starts over.
$STRATA keys rotate --tenant kr-a >/dev/null
KEYS=$(psql_super -c "SELECT string_agg(id::text, ',' ORDER BY purpose) FROM strata.tenant_keys WHERE tenant_id = '$TID' AND retired_at IS NULL AND purpose IN ('data', 'index')")
# The last record's id read first: Citus takes no subquery in an INSERT.
LAST_ID=$(psql_super -c "SELECT id FROM strata.records WHERE tenant_id = '$TID' ORDER BY id DESC LIMIT 1")
psql_super -c "INSERT INTO strata.key_reencrypt (tenant_id, data_key_id, index_key_id, after_id, records) VALUES ('$TID', '${KEYS%,*}', '${KEYS#*,}', '$LAST_ID', 7)" >/dev/null
OUT=$($STRATA keys reencrypt --tenant kr-a 2>&1)
check "a resumed run that finds a value under an old key retires nothing" eq "$?/$(grep -c 'old keys are still needed' <<<"$OUT")/$(psql_super -c "SELECT count(*) FROM strata.tenant_keys WHERE tenant_id = '$TID' AND purpose = 'data' AND retired_at IS NOT NULL AND expires_at IS NULL")" "1/1/1"
authed GET kr-a "/v1/collections/people/records/$P_100" "$OWNER"
check "and the value still reads" eq "$(jb .data.email)" "p100@kr.example"
OUT=$($STRATA keys reencrypt --tenant kr-a 2>&1)
check "the next run starts over and retires the previous key" eq "$?/$(jq -r '"\(.resumed)/\(.retired_data_keys)/\(.retired_index_keys)"' <<<"$OUT" 2>/dev/null)" "0/false/1/1"
check "everything still works" eq "$(everything)" ""

# Signing keys: a retired one verifies until the longest token it signed
# can expire, then is no longer loaded.
check "retired signing keys expire 900 s (the token lifetime) and a minute after retiring" eq "$(psql_super -c "SELECT count(*) FILTER (WHERE expires_at - retired_at = interval '960 seconds') || '/' || count(*) FILTER (WHERE expires_at IS NULL) FROM strata.tenant_keys WHERE tenant_id = '$TID' AND purpose = 'signing' AND retired_at IS NOT NULL")" "101/0"
# The lifetime comes from the settings, and the longest one in force in
# the last day counts: lowered to 60 s just before a rotation, the tokens
# signed under 3600 s still verify.
json PATCH kr-a /v1/config '{"settings":{"auth":{"access_token_ttl":3600}}}' "$OWNER"
check "the token lifetime is raised to 3600 s" eq "$STATUS" 200
login kr-a owner@kr-a.test "$PW_OWNER"
LONG=$TOKEN
json PATCH kr-a /v1/config '{"settings":{"auth":{"access_token_ttl":60}}}' "$OWNER"
$STRATA keys rotate --tenant kr-a >/dev/null
check "a lifetime lowered just before the rotation: the key still lives 3600 s and a minute" eq "$(psql_super -c "SELECT extract(epoch FROM expires_at - retired_at)::int FROM strata.tenant_keys WHERE tenant_id = '$TID' AND purpose = 'signing' AND retired_at IS NOT NULL ORDER BY created_at DESC LIMIT 1")" 3660
authed GET kr-a /v1/me "$LONG"
check "a token signed under the longer lifetime still verifies" eq "$STATUS" 200
login kr-a owner@kr-a.test "$PW_OWNER"
LAST=$TOKEN
$STRATA keys rotate --tenant kr-a >/dev/null
psql_super -c "UPDATE strata.tenant_keys SET expires_at = now() - interval '1 second' WHERE tenant_id = '$TID' AND purpose = 'signing' AND retired_at IS NOT NULL; UPDATE strata.tenant_versions SET keyring_version = keyring_version + 1 WHERE tenant_id = '$TID'" >/dev/null
authed GET kr-a /v1/me "$LAST"
check "a signing key past its expiry is no longer loaded" eq "$STATUS" 401
login kr-a owner@kr-a.test "$PW_OWNER"
authed GET kr-a /v1/me "$TOKEN"
check "the current signing key works" eq "$STATUS" 200

finish
