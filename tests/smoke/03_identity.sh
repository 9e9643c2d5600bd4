#!/usr/bin/env bash
# 03_identity.sh - login, tenant-bound tokens, refresh rotation and reuse,
# logout, users, roles, escalation, API keys, lockout, key rotation,
# operators and signup, against the real stack.
. "$(dirname "$0")/../lib.sh"

mk_tenant id-a
mk_tenant id-b
login id-a owner@id-a.test "$PW_OWNER"
OWNER=$TOKEN
RT=$(jq -r .refresh_token <<<"$LOGIN_BODY")
check "owner logs in" eq "$STATUS" 200
check "login answers Bearer tokens" eq "$(jq -r '.token_type, .expires_in, (.refresh_token|startswith("srt_"))' <<<"$LOGIN_BODY" | tr '\n' ' ')" "Bearer 900 true "
login id-b owner@id-b.test "$PW_OWNER"
OWNER_B=$TOKEN

# Wrong password and unknown e-mail: the same answer.
login id-a owner@id-a.test "wrong-password-xx"
check "wrong password is 401 invalid_credentials" is_problem 401 invalid_credentials
wrong=$(jq -c 'del(.request_id)' <<<"$BODY")
login id-a nobody@id-a.test "wrong-password-xx"
check "unknown e-mail gets the very same answer" eq "$(jq -c 'del(.request_id)' <<<"$BODY")" "$wrong"
login id-a "owner@id-b.test" "$PW_OWNER"
check "another tenant's user cannot log in here" is_problem 401 invalid_credentials
login id-a "OWNER@ID-A.TEST" "$PW_OWNER"
check "e-mail is case-insensitive" eq "$STATUS" 200

# Who am I.
authed GET id-a /v1/me "$OWNER"
check "me answers the caller" eq "$STATUS/$(jb .user.email)/$(jb '.user.roles|join(",")')/$(jb .tenant.slug)" "200/owner@id-a.test/owner/id-a"
check "owner holds every permission" eq "$(jb '.permissions|length')" 15

# Tokens are bound to their tenant, twice over.
authed GET id-b /v1/me "$OWNER"
check "tenant A's token at tenant B is 401" is_problem 401 invalid_token
check "401 carries WWW-Authenticate: Bearer" eval 'header www-authenticate | grep -q "^Bearer"'
req GET id-a /v1/me
check "no token is 401" is_problem 401 unauthorized
check "no token: WWW-Authenticate" eval 'header www-authenticate | grep -q "^Bearer"'
req GET id-a "/v1/me?access_token=$OWNER"
check "a token in the query string is refused" eq "$STATUS" 401
authed GET id-a /v1/me "garbage"
check "garbage token is 401" is_problem 401 invalid_token
authed GET id-a /v1/me "$OWNER_B"
check "B's token at A is 401" eq "$STATUS" 401
b64() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
payload=$(cut -d. -f2 <<<"$OWNER")
kid=$(cut -d. -f1 <<<"$OWNER" | tr '_-' '/+' | base64 -d 2>/dev/null | jq -r .kid)
authed GET id-a /v1/me "$(b64 "{\"alg\":\"none\",\"kid\":\"$kid\"}").$payload."
check "alg none is refused" eq "$STATUS" 401
authed GET id-a /v1/me "$(b64 "{\"alg\":\"RS256\",\"kid\":\"$kid\"}").$payload.$(cut -d. -f3 <<<"$OWNER")"
check "RS256 header is refused" eq "$STATUS" 401
authed GET id-a /v1/me "$(cut -d. -f1 <<<"$OWNER").$(b64 '{"sub":"x"}').$(cut -d. -f3 <<<"$OWNER")"
check "payload swapped under a valid signature is refused" eq "$STATUS" 401
authed GET id-a /v1/me "$(cut -d. -f1 <<<"$OWNER_B").$payload.$(cut -d. -f3 <<<"$OWNER_B")"
check "another tenant's kid and signature are refused" eq "$STATUS" 401

# Refresh rotation; reuse revokes the family.
json POST id-a /v1/auth/refresh "{\"refresh_token\":\"$RT\"}"
check "refresh gives a new pair" eq "$STATUS" 200
RT2=$(jb .refresh_token)
AT2=$(jb .access_token)
check "the new refresh token differs" eval '[ "$RT2" != "$RT" ]'
json POST id-a /v1/auth/refresh "{\"refresh_token\":\"$RT\"}"
check "a spent refresh token is 401" is_problem 401 invalid_token
json POST id-a /v1/auth/refresh "{\"refresh_token\":\"$RT2\"}"
check "reuse revoked the whole family" eq "$STATUS" 401
authed GET id-a /v1/me "$AT2"
check "and the family's access tokens stop working" eq "$STATUS" 401
json POST id-b /v1/auth/refresh "{\"refresh_token\":\"$RT2\"}"
check "a refresh token at another tenant is 401" eq "$STATUS" 401
json POST id-a /v1/auth/refresh '{"refresh_token":"srt_bogus"}'
check "a malformed refresh token is 401" eq "$STATUS" 401
# SET LOCAL in a transaction, one statement a string, as the workers do:
# on Citus only that reaches the shards' policies
# (citus.propagate_set_commands = local).
reuse=$(psql_owner -c "BEGIN" -c "SET LOCAL strata.tenant_id = '$(jq -r .id <(curl -s --cacert "$CA" "https://id-a.$BASE:$HTTPS_PORT/v1/tenant"))'" -c "SELECT count(*) FROM audit_events WHERE action = 'auth.refresh_reuse'" -c "COMMIT")
check "reuse is audited" eq "$(tail -1 <<<"$reuse")" 1

# Logout ends the session.
login id-a owner@id-a.test "$PW_OWNER"
OWNER=$TOKEN
RT=$(jq -r .refresh_token <<<"$LOGIN_BODY")
json POST id-a /v1/auth/logout "{\"refresh_token\":\"$RT\"}" "$OWNER"
check "logout is 204" eq "$STATUS" 204
authed GET id-a /v1/me "$OWNER"
check "after logout the access token is refused" eq "$STATUS" 401
json POST id-a /v1/auth/refresh "{\"refresh_token\":\"$RT\"}"
check "after logout the refresh token is refused" eq "$STATUS" 401
login id-a owner@id-a.test "$PW_OWNER"
OWNER=$TOKEN

# Users.
mk_user id-a "$OWNER" member@id-a.test member
MEMBER_ID=$NEW_ID
check "owner creates a member (201)" eq "$STATUS" 201
check "Location names the user" eq "$(header location)" "/v1/users/$MEMBER_ID"
check "the user has its role" eq "$(jb '.roles|join(",")')" member
check "no password hash in the answer" eval '! grep -qi "hash\|scrypt" <<<"$BODY"'
mk_user id-a "$OWNER" viewer@id-a.test viewer
VIEWER_ID=$NEW_ID
mk_user id-a "$OWNER" admin@id-a.test admin
ADMIN_ID=$NEW_ID
mk_user id-a "$OWNER" MEMBER@id-a.test member
check "duplicate e-mail (any case) is 409" eq "$STATUS" 409
mk_user id-a "$OWNER" not-an-email member
check "invalid e-mail is 422 with errors" eval 'is_problem 422 validation_failed && [ "$(jb ".errors[0].field")" = email ]'
mk_user id-a "$OWNER" weak@id-a.test member "password1234"
check "common password is 422" eq "$(jb '.errors[0].field')" password
mk_user id-a "$OWNER" short@id-a.test member "short"
check "short password is 422" eq "$STATUS" 422
mk_user id-a "$OWNER" x@id-a.test nosuchrole
check "unknown role is 422" eq "$STATUS" 422
for field in '"tenant_id":"00000000-0000-0000-0000-000000000000"' '"id":"00000000-0000-0000-0000-000000000001"' '"created_at":"2020-01-01T00:00:00Z"' '"password_hash":"$scrypt$x"'; do
	json POST id-a /v1/users "{\"email\":\"mass@id-a.test\",\"roles\":[\"member\"],$field}" "$OWNER"
	check "mass assignment of ${field%%:*} is refused" eq "$STATUS" 422
done
json POST id-a /v1/users '{"email":"x@id-a.test","roles":"member"}' "$OWNER"
check "roles of the wrong type is 422" eq "$STATUS" 422
json POST id-a /v1/users '[1,2]' "$OWNER"
check "a body that is not an object is 422" eq "$STATUS" 422
json POST id-a /v1/users '{"email":' "$OWNER"
check "malformed JSON is 400" is_problem 400 invalid_json
req POST id-a /v1/users -H "Authorization: Bearer $OWNER" -H "Content-Type: text/plain" --data-binary 'email=x'
check "non-JSON body is 415" is_problem 415 unsupported_media_type
printf '{"email":"\xff@id-a.test"}' >"$TMPD/bad"
req POST id-a /v1/users -H "Authorization: Bearer $OWNER" -H "Content-Type: application/json" --data-binary @"$TMPD/bad"
check "invalid UTF-8 is 400" is_problem 400 invalid_json
deep=$(printf '%.0s[' $(seq 40))$(printf '%.0s]' $(seq 40))
json POST id-a /v1/users "$deep" "$OWNER"
check "nesting over 32 is 400" is_problem 400 invalid_json

login id-a member@id-a.test "$PW_USER"

MEMBER=$TOKEN
login id-a viewer@id-a.test "$PW_USER"
VIEWER=$TOKEN
login id-a admin@id-a.test "$PW_USER"
ADMIN=$TOKEN
mk_user id-a "$VIEWER" v2@id-a.test viewer
check "a viewer cannot create users (403)" is_problem 403 forbidden
authed GET id-a /v1/users "$MEMBER"
check "a member cannot list users (403)" eq "$STATUS" 403
authed GET id-a /v1/users "$ADMIN"
check "an admin lists users" eq "$STATUS/$(jb '.items|length')" "200/4"
authed GET id-a "/v1/users/$MEMBER_ID" "$ADMIN"
check "one user by id, with ETag" eq "$STATUS/$(header etag)" '200/"1"'
authed GET id-b "/v1/users/$MEMBER_ID" "$OWNER_B"
check "another tenant's user id is 404" is_problem 404 not_found
authed GET id-a "/v1/users/not-a-uuid" "$ADMIN"
check "a malformed id is 404" eq "$STATUS" 404

# Pages.
authed GET id-a "/v1/users?limit=2" "$ADMIN"
CUR=$(jb .next_cursor)
check "a page of 2 has a cursor" eq "$(jb '.items|length')" 2
authed GET id-a "/v1/users?limit=2&cursor=$CUR" "$ADMIN"
check "the next page continues" eq "$(jb '.items|length')/$(jb .next_cursor)" "2/null"
authed GET id-b "/v1/users?limit=2&cursor=$CUR" "$OWNER_B"
check "another tenant's cursor is 400" eq "$STATUS" 400
authed GET id-a "/v1/users?limit=2&cursor=${CUR%?}x" "$ADMIN"
check "a tampered cursor is 400" eq "$STATUS" 400
for l in 0 201 -1 abc 1e2; do
	authed GET id-a "/v1/users?limit=$l" "$ADMIN"
	check "limit=$l is 400" eq "$STATUS" 400
done

# Escalation.
mk_user id-a "$ADMIN" boss@id-a.test owner
check "an admin cannot make an owner" eq "$STATUS" 403
json POST id-a /v1/roles '{"name":"usermgr","permissions":["users:read","users:manage"]}' "$OWNER"
check "owner creates a custom role" eq "$STATUS" 201
mk_user id-a "$OWNER" mgr@id-a.test usermgr
login id-a mgr@id-a.test "$PW_USER"
MGR=$TOKEN
mk_user id-a "$MGR" e1@id-a.test member
check "a user manager cannot grant records permissions" is_problem 403 forbidden
json POST id-a /v1/api-keys '{"name":"k","permissions":["records:read"]}' "$MGR"
check "nor create keys without apikeys:manage" eq "$STATUS" 403
json PATCH id-a "/v1/users/$ADMIN_ID" '{"status":"disabled"}' "$MGR"
check "nor disable a more powerful user" eq "$STATUS" 403
json POST id-a /v1/roles '{"name":"sneaky","permissions":["keys:manage"]}' "$MGR"
check "nor create roles" eq "$STATUS" 403
json POST id-a /v1/roles '{"name":"owner","permissions":[]}' "$OWNER"
check "built-in role names are taken" eq "$STATUS" 409
json PATCH id-a /v1/roles/viewer '{"permissions":["records:read","pii:read"]}' "$OWNER"
check "built-in roles cannot be changed" eq "$STATUS" 409
req DELETE id-a /v1/roles/usermgr -H "Authorization: Bearer $OWNER"
check "a role in use cannot be deleted" eq "$STATUS" 409
json POST id-a /v1/roles '{"name":"bogus","permissions":["root:all"]}' "$OWNER"
check "unknown permissions are 422" eq "$STATUS" 422

# Changes take effect on the next request, not at token expiry.
authed GET id-a /v1/users "$MGR"
check "user manager lists users" eq "$STATUS" 200
json PATCH id-a /v1/roles/usermgr '{"permissions":["users:manage"]}' "$OWNER"
authed GET id-a /v1/users "$MGR"
check "a permission taken from the role is gone on the next request" eq "$STATUS" 403
json PATCH id-a "/v1/users/$MEMBER_ID" '{"roles":["viewer"]}' "$OWNER"
authed GET id-a /v1/me "$MEMBER"
check "a role change shows on the next request" eq "$(jb '.user.roles|join(",")')" viewer
json PATCH id-a "/v1/users/$VIEWER_ID" '{"status":"disabled"}' "$OWNER"
check "owner disables a user" eq "$STATUS/$(jb .status)" "200/disabled"
authed GET id-a /v1/me "$VIEWER"
check "a disabled user is cut off at once (401)" eq "$STATUS" 401
login id-a viewer@id-a.test "$PW_USER"
check "a disabled user cannot log in" is_problem 401 invalid_credentials
json PATCH id-a "/v1/users/$MEMBER_ID" '{"name":"New"}' "$OWNER" -H 'If-Match: "1"'
check "a stale If-Match is 412" is_problem 412 precondition_failed
json PATCH id-a "/v1/users/$MEMBER_ID" '{"name":"New"}' "$OWNER" -H 'If-Match: garbage'
check "a garbage If-Match is 412" eq "$STATUS" 412

# The last owner stays.
authed GET id-a /v1/me "$OWNER"
OWNER_ID=$(jb .user.id)
json PATCH id-a "/v1/users/$OWNER_ID" '{"roles":["admin"]}' "$OWNER"
check "the last owner cannot be demoted" is_problem 409 last_owner
json PATCH id-a "/v1/users/$OWNER_ID" '{"status":"disabled"}' "$OWNER"
check "the last owner cannot be disabled" eq "$STATUS" 409
req DELETE id-a "/v1/users/$OWNER_ID" -H "Authorization: Bearer $OWNER"
check "the last owner cannot be deleted" eq "$STATUS" 409
req DELETE id-a "/v1/users/$OWNER_ID" -H "Authorization: Bearer $ADMIN"
check "an admin cannot delete an owner" eq "$STATUS" 403
req DELETE id-a "/v1/users/$MEMBER_ID" -H "Authorization: Bearer $ADMIN"
check "an admin deletes a member" eq "$STATUS" 204
authed GET id-a /v1/me "$MEMBER"
check "a deleted user's token is refused" eq "$STATUS" 401

# API keys.
json POST id-a /v1/api-keys '{"name":"ci","permissions":["records:read","users:read"]}' "$OWNER"
KEY=$(jb .key)
KEY_ID=$(jb .id)
check "an API key is created and shown once" eq "$STATUS/${KEY:0:4}" "201/stk_"
authed GET id-a /v1/api-keys "$OWNER"
check "the list never shows secrets" eval '[ "$(jb "[.items[] | has(\"key\")] | any")" = false ] && ! grep -q "${KEY:37}" <<<"$BODY"'
authed GET id-a /v1/me "$KEY"
check "the key authenticates" eq "$STATUS/$(jb .api_key.id)/$(jb '.permissions|join(",")')" "200/$KEY_ID/records:read,users:read"
authed GET id-a /v1/users "$KEY"
check "the key's permissions apply" eq "$STATUS" 200
authed GET id-a /v1/roles "$KEY"
check "and nothing more: roles need users:read (allowed)" eq "$STATUS" 200
json POST id-a /v1/users '{"email":"k@id-a.test","roles":["viewer"]}' "$KEY"
check "a read-only key cannot create users" eq "$STATUS" 403
authed GET id-b /v1/me "$KEY"
check "the key at another tenant is 401" eq "$STATUS" 401
c=${KEY:50:1}
authed GET id-a /v1/me "${KEY:0:50}$([ "$c" = A ] && echo B || echo A)${KEY:51}"
check "a wrong secret is 401" eq "$STATUS" 401
json POST id-a /v1/api-keys '{"name":"old","permissions":[],"expires_at":"2001-01-01T00:00:00Z"}' "$OWNER"
check "a key expiring in the past is 422" eq "$STATUS" 422
json POST id-a /v1/api-keys '{"name":"x","permissions":["keys:manage"]}' "$ADMIN"
check "admin may make a key within its permissions" eq "$STATUS" 201
req DELETE id-a "/v1/api-keys/$KEY_ID" -H "Authorization: Bearer $OWNER"
check "revoking is 204" eq "$STATUS" 204
authed GET id-a /v1/me "$KEY"
check "a revoked key is refused at once" eq "$STATUS" 401
req DELETE id-b "/v1/api-keys/$KEY_ID" -H "Authorization: Bearer $OWNER_B"
check "another tenant's key id is 404" eq "$STATUS" 404

# Lockout with growing delays.
mk_user id-a "$OWNER" lock@id-a.test viewer
for i in 1 2 3 4 5; do login id-a lock@id-a.test "wrong-password-$i"; done
login id-a lock@id-a.test "wrong-password-6"
check "after 5 failures: 429" is_problem 429 rate_limited
first=$(header retry-after)
check "429 carries Retry-After" eval '[ "${first:-0}" -ge 1 ]'
login id-a lock@id-a.test "$PW_USER"
check "even the right password waits while locked" eq "$STATUS" 429
sleep $((first + 1))
login id-a lock@id-a.test "wrong-password-7"
login id-a lock@id-a.test "wrong-password-8"
second=$(header retry-after)
check "the next lock is longer ($first s, then $second s)" eval '[ "${second:-0}" -gt "$first" ]'
login id-a owner@id-a.test "$PW_OWNER"
check "other users of the tenant are not locked" eq "$STATUS" 200

# Key rotation: old tokens stay valid, new ones use the new key.
login id-a owner@id-a.test "$PW_OWNER"
OLD=$TOKEN
req POST id-a /v1/keys/rotate -H "Authorization: Bearer $OLD"
check "keys rotate" eq "$STATUS" 200
NEW_KID=$(jb .signing_key_id)
authed GET id-a /v1/me "$OLD"
check "a token signed with the old key still works" eq "$STATUS" 200
login id-a owner@id-a.test "$PW_OWNER"
NEW=$TOKEN
check "new tokens name the new key" eq "$(cut -d. -f1 <<<"$NEW" | tr '_-' '/+' | base64 -d 2>/dev/null | jq -r .kid)" "$NEW_KID"
authed GET id-a /v1/me "$NEW"
check "and work" eq "$STATUS" 200
$STRATA keys rotate --tenant id-a >/dev/null
authed GET id-a /v1/me "$NEW"
check "the command line rotates too; tokens survive" eq "$STATUS" 200
mk_user id-a "$NEW" rot@id-a.test member
login id-a rot@id-a.test "$PW_USER"
req POST id-a /v1/keys/rotate -H "Authorization: Bearer $TOKEN"
check "a member cannot rotate keys" eq "$STATUS" 403

# Raw rows hold no secret in clear.
raw=$(psql_super -c "SELECT string_agg(wrapped::text, '') FROM strata.tenant_keys" -c "SELECT string_agg(password_hash, '') FROM strata.users" -c "SELECT string_agg(encode(token_hash, 'hex'), '') FROM strata.refresh_tokens")
phc=$(psql_super -c "SELECT bool_and(password_hash LIKE '\$scrypt\$ln=%') FROM strata.users WHERE password_hash IS NOT NULL")
check "password hashes are scrypt PHC strings" eq "$phc" t
check "no refresh token is stored in clear" eval '! grep -q "${RT2#srt_}" <<<"$raw"'

# Operators and the apex.
printf 'operator-pass-12345\n' | $STRATA operator create --email ops@strata.test >/dev/null
json POST apex /v1/platform/login '{"email":"ops@strata.test","password":"operator-pass-12345"}'
OPS=$(jb .access_token)
check "an operator logs in on the apex" eq "$STATUS" 200
json POST apex /v1/platform/login '{"email":"ops@strata.test","password":"wrong-pass-12345"}'
check "a wrong operator password is 401" eq "$STATUS" 401
json POST id-a /v1/platform/login '{"email":"ops@strata.test","password":"operator-pass-12345"}'
check "platform login does not exist on tenant hosts" eq "$STATUS" 404
authed GET id-a /v1/me "$OPS"
check "an operator token opens no tenant" eq "$STATUS" 401
authed GET apex /v1/platform/tenants "$OWNER"
check "a tenant token opens no platform route" eq "$STATUS" 401
req GET apex /v1/platform/tenants
check "platform routes need a token" eq "$STATUS" 401
authed GET apex /v1/platform/tenants "$OPS"
check "operators list tenants with counts" eq "$STATUS/$(jb '[.items[]|select(.slug=="id-a")][0].counts.users')" "200/6"
TID_B=$(jb '[.items[]|select(.slug=="id-b")][0].id')
req POST apex "/v1/platform/tenants/$TID_B/suspend" -H "Authorization: Bearer $OPS"
check "operators suspend a tenant" eq "$STATUS/$(jb .status)" "200/suspended"
authed GET id-b /v1/me "$OWNER_B"
check "a suspended tenant answers 403 to everyone" is_problem 403 tenant_suspended
req GET id-b /v1/tenant
check "even its public facts" eq "$STATUS" 403
req POST apex "/v1/platform/tenants/$TID_B/resume" -H "Authorization: Bearer $OPS"
authed GET id-b /v1/me "$OWNER_B"
check "resumed, it answers again" eq "$STATUS" 200
authed GET apex /v1/platform/reports/usage "$OPS"
check "usage report holds aggregates" eval '[ "$(jb .users)" -ge 7 ] && [ "$(jb .tenants.active)" -ge 2 ]'

# Signup.
json POST apex /v1/signup '{"slug":"id-new","name":"New Co","owner":{"email":"founder@new.test","password":"founder-pass-123","name":"F"}}'
check "signup creates a tenant (201)" eq "$STATUS/$(jb .tenant.slug)" "201/id-new"
NEWT=$(jb .access_token)
authed GET id-new /v1/me "$NEWT"
check "the founder is signed in as owner" eq "$STATUS/$(jb '.user.roles|join(",")')" "200/owner"
json POST apex /v1/signup '{"slug":"id-new","name":"Again","owner":{"email":"x@new.test","password":"founder-pass-123"}}'
check "a taken slug is 409" eq "$STATUS" 409
json POST apex /v1/signup '{"slug":"admin","name":"X","owner":{"email":"x@new.test","password":"founder-pass-123"}}'
check "a reserved slug is 422" eq "$STATUS" 422
json POST apex /v1/signup '{"slug":"Bad Slug","name":"X","owner":{"email":"x@new.test","password":"founder-pass-123"}}'
check "an invalid slug is 422" eq "$STATUS" 422
json POST apex /v1/signup '{"slug":"id-weak","name":"X","owner":{"email":"x@new.test","password":"password1234"}}'
check "a weak founder password is 422" eq "$STATUS" 422
json POST id-a /v1/signup '{}'
check "signup exists only on the apex" eq "$STATUS" 404

# Concurrent logins of several users in several tenants.
for t in id-a id-b; do for u in c1 c2 c3; do mk_user "$t" "$( [ $t = id-a ] && echo "$NEW" || echo "$OWNER_B")" "$u@$t.test" viewer; done; done
conc() {
	local t=$1 u=$2 tok me
	tok=$(curl -s --cacert "$CA" -H 'Content-Type: application/json' -d "{\"email\":\"$u@$t.test\",\"password\":\"$PW_USER\"}" "https://$t.$BASE:$HTTPS_PORT/v1/auth/login" | jq -r .access_token)
	me=$(curl -s --cacert "$CA" -H "Authorization: Bearer $tok" "https://$t.$BASE:$HTTPS_PORT/v1/me" | jq -r '.tenant.slug + "/" + .user.email')
	echo "$t/$u@$t.test=$me"
}
export -f conc
export CA BASE HTTPS_PORT PW_USER
out=$(for i in 1 2 3; do for t in id-a id-b; do for u in c1 c2 c3; do echo "$t $u"; done; done; done | xargs -P 8 -n 2 bash -c 'conc "$0" "$1"')
bad=$(awk -F= '$1 != $2' <<<"$out" | wc -l)
check "18 concurrent logins in two tenants each see only themselves" eq "$(wc -l <<<"$out")/$bad" "18/0"
finish
