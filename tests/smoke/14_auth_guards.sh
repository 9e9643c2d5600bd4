#!/usr/bin/env bash
# 14_auth_guards.sh - issue 13, items 3, 5 and 6: a body with a duplicate
# key is refused on every route and stores nothing; an API key's last use
# is touched only by its real secret; parallel wrong guesses cannot race
# the lockout (tenant users and operators), and operator logins are in
# the platform audit log.
. "$(dirname "$0")/../lib.sh"

mk_tenant ag-a
login ag-a owner@ag-a.test "$PW_OWNER"
OWNER=$TOKEN
authed GET ag-a /v1/tenant "$OWNER"
TID=$(jb .id)

# --- Item 3: duplicate keys, at any depth, on every route with a body.
PEOPLE='{"name":"people","fields":{"name":{"type":"string"},"email":{"type":"string","pii":true,"mask":"email"},"age":{"type":"integer"},"meta":{"type":"object"},"tags":{"type":"array"}}}'
json POST ag-a /v1/collections "$PEOPLE" "$OWNER"
check "a collection with a pii field (201)" eq "$STATUS" 201
json POST ag-a /v1/collections/people/records '{"data":{"name":"Ann","email":"ann@first.test","age":30}}' "$OWNER"
RID=$(jb .id)
check "a record (201)" eq "$STATUS" 201
RAW_BEFORE=$(psql_super -c "SELECT data::text || '/' || version FROM strata.records WHERE tenant_id = '$TID' ORDER BY id")
count_records() { psql_super -c "SELECT count(*) FROM strata.records WHERE tenant_id = '$TID'"; }
N_BEFORE=$(count_records)

dup_refused() { # WHAT METHOD HOST PATH BODY [TOKEN] [curl args...]
	local what=$1
	shift
	json "$@"
	check "duplicate key refused: $what" is_problem 400 invalid_json
}
R=/v1/collections/people/records
dup_refused "pii field twice (create)" POST ag-a $R '{"data":{"name":"Bob","email":"bob@first.test","email":"bob@clear.test"}}' "$OWNER"
dup_refused "integer then string (create)" POST ag-a $R '{"data":{"name":"Bob","age":7,"age":"seven"}}' "$OWNER"
dup_refused "a key and its escaped spelling" POST ag-a $R '{"data":{"name":"Bob","email":"bob@first.test","\u0065mail":"bob@clear.test"}}' "$OWNER"
dup_refused "top level" POST ag-a $R '{"data":{"name":"Bob"},"data":{"name":"Eve"}}' "$OWNER"
dup_refused "nested object" POST ag-a $R '{"data":{"name":"Bob","meta":{"a":{"b":1,"b":2}}}}' "$OWNER"
dup_refused "object inside an array" POST ag-a $R '{"data":{"name":"Bob","tags":[1,{"k":1,"k":2}]}}' "$OWNER"
dup_refused "PUT" PUT ag-a "$R/$RID" '{"data":{"name":"Ann","email":"ann@first.test","email":"ann@clear.test"}}' "$OWNER"
dup_refused "PATCH" PATCH ag-a "$R/$RID" '{"data":{"age":31,"age":"x"}}' "$OWNER"
req PATCH ag-a "$R/$RID" -H "Authorization: Bearer $OWNER" -H "Content-Type: application/merge-patch+json" --data-binary '{"data":{"email":"a@first.test","email":"a@clear.test"}}'
check "duplicate key refused: merge patch" is_problem 400 invalid_json
check "the refusal says why" eval 'jb .detail | grep -qi duplicate'
check "no record was added or changed by a refused body" eq "$(count_records)/$(psql_super -c "SELECT data::text || '/' || version FROM strata.records WHERE tenant_id = '$TID' ORDER BY id")" "$N_BEFORE/$RAW_BEFORE"
check "no clear value reached storage" eq "$(psql_super -c "SELECT count(*) FROM strata.records WHERE data::text LIKE '%clear.test%' OR data::text LIKE '%seven%'")" 0

# 10,000 distinct keys are fine; one repeated at the end is not.
meta=$(seq 0 9999 | awk '{ printf "%s\"k%d\":%d", (NR > 1 ? "," : ""), $1, $1 }')
printf '{"data":{"name":"Many","meta":{%s}}}' "$meta" >"$TMPD/many"
printf '{"data":{"name":"Many","meta":{%s,"k17":0}}}' "$meta" >"$TMPD/many-dup"
req POST ag-a $R -H "Authorization: Bearer $OWNER" -H "Content-Type: application/json" --data-binary @"$TMPD/many"
check "10,000 distinct keys are accepted" eq "$STATUS/$(jb '.data.meta|length')" "201/10000"
N_BEFORE=$(count_records)
req POST ag-a $R -H "Authorization: Bearer $OWNER" -H "Content-Type: application/json" --data-binary @"$TMPD/many-dup"
check "duplicate key refused: the 10,001st key of an object" is_problem 400 invalid_json
check "and nothing was stored" eq "$(count_records)" "$N_BEFORE"

# Config, collections, users, roles, login, signup, platform login.
authed GET ag-a /v1/config "$OWNER"
CV=$(jb .version)
dup_refused "PUT /v1/config" PUT ag-a /v1/config '{"settings":{"display_name":"A","display_name":"B"}}' "$OWNER" -H "If-Match: \"$CV\""
req PATCH ag-a /v1/config -H "Authorization: Bearer $OWNER" -H "Content-Type: application/merge-patch+json" -H "If-Match: \"$CV\"" --data-binary '{"settings":{"locale":"en","locale":"fr"}}'
check "duplicate key refused: PATCH /v1/config" is_problem 400 invalid_json
authed GET ag-a /v1/config "$OWNER"
check "the configuration kept its version" eq "$(jb .version)" "$CV"
dup_refused "POST /v1/collections" POST ag-a /v1/collections '{"name":"twice","fields":{"a":{"type":"string"},"a":{"type":"integer"}}}' "$OWNER"
dup_refused "PUT /v1/collections/{c}" PUT ag-a /v1/collections/people '{"name":"people","fields":{"email":{"type":"string","pii":true,"mask":"email"},"email":{"type":"string"}}}' "$OWNER"
authed GET ag-a /v1/collections/twice "$OWNER"
check "no collection was created" eq "$STATUS" 404
authed GET ag-a /v1/collections/people "$OWNER"
check "the pii field kept its definition" eq "$(jb .version)/$(jb .fields.email.mask)" "1/email"
dup_refused "POST /v1/users" POST ag-a /v1/users "{\"email\":\"dup@ag-a.test\",\"name\":\"D\",\"password\":\"$PW_USER\",\"roles\":[\"viewer\"],\"roles\":[\"owner\"]}" "$OWNER"
login ag-a dup@ag-a.test "$PW_USER"
check "no user was created" eq "$STATUS" 401
dup_refused "POST /v1/roles" POST ag-a /v1/roles '{"name":"r1","permissions":["records:read"],"permissions":["keys:manage"]}' "$OWNER"
authed GET ag-a /v1/roles "$OWNER"
check "no role was created" eq "$(jb '[.items[]|select(.name=="r1")]|length')" 0
dup_refused "POST /v1/auth/login" POST ag-a /v1/auth/login "{\"email\":\"owner@ag-a.test\",\"password\":\"wrong-password-1\",\"password\":\"$PW_OWNER\"}"
dup_refused "POST /v1/api-keys" POST ag-a /v1/api-keys '{"name":"k","permissions":["records:read"],"name":"k2"}' "$OWNER"
dup_refused "POST /v1/signup" POST apex /v1/signup "{\"slug\":\"ag-dup\",\"slug\":\"ag-dup2\",\"name\":\"D\",\"owner\":{\"email\":\"o@ag-dup.test\",\"password\":\"$PW_OWNER\"}}"
req GET ag-dup /v1/tenant
check "no tenant was signed up" eq "$STATUS" 404
dup_refused "POST /v1/platform/login" POST apex /v1/platform/login '{"email":"x@strata.test","password":"a","password":"b"}'
json POST ag-a $R '{"data":{"name":"Cy","Name":"x"}}' "$OWNER"
check "keys that differ in case are not duplicates (422 for the unknown field)" is_problem 422 validation_failed

# --- Item 5: an API key's last use is touched by its real secret only.
json POST ag-a /v1/api-keys '{"name":"touch","permissions":["records:read"]}' "$OWNER"
KEY=$(jb .key)
KEY_ID=$(jb .id)
last_used() {
	authed GET ag-a /v1/api-keys "$OWNER"
	jb ".items[]|select(.id==\"$KEY_ID\")|.last_used_at"
}
check "a new key has no last use" eq "$(last_used)" null
secret=${KEY:37}
flipped=$([ "${secret:0:1}" = A ] && echo B || echo A)${secret:1}
for bad in "${KEY:0:37}$flipped" "${KEY:0:37}garbage" "${KEY:0:37}"; do
	authed GET ag-a /v1/me "$bad"
	check "right id, wrong secret is 401 (${bad:37:8}...)" eq "$STATUS" 401
done
check "a wrong secret did not touch last_used_at" eq "$(last_used)" null
authed GET ag-a /v1/me "$KEY"
check "the real key authenticates" eq "$STATUS" 200
used=$(last_used)
check "the real secret touches last_used_at" eval '[ "$used" != null ] && [ -n "$used" ]'
# Open the once-a-minute window again, then guess once more.
psql_super -c "UPDATE strata.api_keys SET last_used_at = now() - interval '2 hours' WHERE tenant_id = '$TID' AND id = '$KEY_ID'"
old=$(last_used)
authed GET ag-a /v1/me "${KEY:0:37}$flipped"
check "with the window open, a wrong secret still touches nothing" eq "$(last_used)" "$old"

# --- Item 6: the lockout cannot be raced.
# par_post HOST PATH BODY N: N parallel POSTs; their statuses in $TMPD/par.
par_post() {
	local host
	host=$(url_host "$1")
	seq "$4" | xargs -P "$4" -I{} curl -s -o /dev/null -w '%{http_code}\n' \
		--cacert "$CA" --resolve "$host:$HTTPS_PORT:127.0.0.1" -X POST \
		-H 'Content-Type: application/json' --data-binary "$3" \
		"https://$host:$HTTPS_PORT$2" >"$TMPD/par"
}
n_status() { grep -c "^$1\$" "$TMPD/par"; }
THRESHOLD=5

mk_user ag-a "$OWNER" race@ag-a.test viewer
RACE_ID=$NEW_ID
par_post ag-a /v1/auth/login '{"email":"race@ag-a.test","password":"wrong-password-x"}' 20
echo "# tenant login, 20 parallel wrong guesses: $(sort "$TMPD/par" | uniq -c | tr '\n' ' ')"
check "20 parallel wrong guesses: each is 401 or 429" eq "$(($(n_status 401) + $(n_status 429)))" 20
authed GET ag-a "/v1/audit?action=auth.login&limit=200" "$OWNER"
evaluated=$(jb "[.items[]|select(.target.id==\"$RACE_ID\" and .details.reason==\"bad_password\")]|length")
refused=$(jb "[.items[]|select(.target.id==\"$RACE_ID\" and .details.reason==\"locked\")]|length")
echo "# password evaluated $evaluated times, refused unevaluated $refused times"
check "the password was evaluated at most threshold+1 times" eval '[ "$evaluated" -le $((THRESHOLD + 1)) ]'
check "counted atomically: exactly threshold evaluations, the rest locked" eq "$evaluated/$refused/$(n_status 401)" "$THRESHOLD/$((20 - THRESHOLD))/$THRESHOLD"
check "the failure counter shows threshold" eq "$(psql_super -c "SELECT failures FROM strata.login_failures WHERE tenant_id = '$TID' AND email_norm = 'race@ag-a.test'")" "$THRESHOLD"
login ag-a race@ag-a.test "$PW_USER"
check "the right password waits while locked" is_problem 429 rate_limited

# Operators: the same lockout, and every login in the platform audit log.
printf 'operator-pass-12345\n' | $STRATA operator create --email ag-race@strata.test >/dev/null
printf 'operator-pass-12345\n' | $STRATA operator create --email ag-audit@strata.test >/dev/null
json POST apex /v1/platform/login '{"email":"ag-audit@strata.test","password":"operator-pass-12345"}'
OPS=$(jb .access_token)
check "an operator logs in" eq "$STATUS" 200
json POST apex /v1/platform/login '{"email":"ag-audit@strata.test","password":"wrong-pass-12345"}'
check "a wrong operator password is 401 invalid_credentials" is_problem 401 invalid_credentials
par_post apex /v1/platform/login '{"email":"ag-race@strata.test","password":"wrong-pass-12345"}' 20
echo "# operator login, 20 parallel wrong guesses: $(sort "$TMPD/par" | uniq -c | tr '\n' ' ')"
check "operator: each guess is 401 or 429" eq "$(($(n_status 401) + $(n_status 429)))" 20
check "operator: at most threshold+1 guesses evaluated" eval '[ "$(n_status 401)" -le $((THRESHOLD + 1)) ]'
check "operator: exactly threshold evaluated, the rest locked" eq "$(n_status 401)/$(n_status 429)" "$THRESHOLD/$((20 - THRESHOLD))"
json POST apex /v1/platform/login '{"email":"ag-race@strata.test","password":"operator-pass-12345"}'
check "a locked operator waits, even with the right password" is_problem 429 rate_limited
check "the lock says how long (Retry-After)" eval '[ "$(header retry-after)" -ge 1 ]'
json POST apex /v1/platform/login '{"email":"ag-audit@strata.test","password":"operator-pass-12345"}'
check "another operator is not locked" eq "$STATUS" 200

authed GET apex "/v1/platform/audit?action=operator.login&limit=200" "$OPS"
check "operators read the platform audit log" eq "$STATUS" 200
AUD_ID=$(psql_super -c "SELECT id FROM strata.operators WHERE email_norm = 'ag-audit@strata.test'")
RACE_OP=$(psql_super -c "SELECT id FROM strata.operators WHERE email_norm = 'ag-race@strata.test'")
count_ev() { jb "[.items[]|select(.target.id==\"$1\" and .outcome==\"$2\")]|length"; }
check "successful operator logins are audited" eq "$(count_ev "$AUD_ID" success)" 2
check "a failed operator login is audited" eq "$(count_ev "$AUD_ID" failure)" 1
check "the raced guesses are audited: threshold failures, the rest denied (locked)" eq "$(count_ev "$RACE_OP" failure)/$(count_ev "$RACE_OP" denied)" "$THRESHOLD/$((20 - THRESHOLD + 1))"
check "newest first, with actor, client and request id" eq "$(jb '.items[0].outcome + "/" + .items[0].actor.type + "/" + (.items[0].actor.id // "") + "/" + (.items[0].request_id|length>0|tostring)')" "success/operator/$AUD_ID/true"
check "no password or token in the platform log" eval '! grep -q "operator-pass-12345\|wrong-pass-12345" <<<"$BODY"'
json POST apex /v1/platform/login '{"email":"not an e-mail","password":"wrong-pass-12345"}'
check "a malformed operator e-mail is 401 invalid_credentials" is_problem 401 invalid_credentials
authed GET apex "/v1/platform/audit?limit=1" "$OPS"
check "and audited as a failure with no target" eq "$(jb '.items[0] | .action + "/" + .outcome + "/" + .actor.type + "/" + (.target.id // "none")')" "operator.login/failure/anonymous/none"
authed GET apex "/v1/platform/audit?limit=2" "$OPS"
NEXT=$(jb .next_cursor)
check "the platform audit log pages" eq "$STATUS/$(jb '.items|length')/$([ "$NEXT" != null ] && echo more)" "200/2/more"
authed GET apex "/v1/platform/audit?limit=2&cursor=$NEXT" "$OPS"
check "the next page continues below" eq "$STATUS/$(jb '.items|length')" "200/2"
authed GET apex "/v1/platform/audit?cursor=garbage" "$OPS"
check "a bad cursor is 400" is_problem 400 bad_request
req GET apex /v1/platform/audit
check "the platform audit log needs an operator token" eq "$STATUS" 401
authed GET apex /v1/platform/audit "$OWNER"
check "a tenant token does not open it" eq "$STATUS" 401
authed GET ag-a /v1/platform/audit "$OWNER"
check "it does not exist on tenant hosts" eq "$STATUS" 404
check "the app role cannot rewrite the platform log" eval '! psql_app -c "UPDATE strata.platform_audit_events SET outcome = '"'success'"'" 2>/dev/null'

finish
