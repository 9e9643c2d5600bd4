#!/usr/bin/env bash
# 26_support_access.sh - operator support access with the tenant's consent
# (issue 18, item 6): support_access denied by default, then allowed (the
# session works, says so in a header, and is audited in both logs with its
# reason), then ask (pending until an owner approves, refused once denied);
# the routes a support session may not use; a session ended by the tenant
# and one expired; the body's limits; another tenant's token; an operator
# without the support role; a tenant token at the platform route.
. "$(dirname "$0")/../lib.sh"

tenant_id() { $STRATA tenant list | jq -r --arg s "$1" '.[] | select(.slug == $s) | .id'; }
errs() { jb '[.errors[]? | .field] | sort | join(",")'; }

OP_ID=$(printf 'operator-pass-97531\n' | $STRATA operator create --email sa-ops@strata.test | jq -r .id)
printf 'operator-pass-97531\n' | $STRATA operator create --email sa-plain@strata.test >/dev/null
check "the command line gives the support role" eq "$($STRATA operator support grant --email sa-ops@strata.test | jq -r .support)" true
check "and refuses an unknown operator" eval '! $STRATA operator support grant --email sa-nobody@strata.test 2>/dev/null'
json POST apex /v1/platform/login '{"email":"sa-ops@strata.test","password":"operator-pass-97531"}'
OP=$(jb .access_token)
json POST apex /v1/platform/login '{"email":"sa-plain@strata.test","password":"operator-pass-97531"}'
PLAIN=$(jb .access_token)

mk_tenant sa-a
mk_tenant sa-b
A=$(tenant_id sa-a)
B=$(tenant_id sa-b)
login sa-a owner@sa-a.test "$PW_OWNER"
OWNER=$TOKEN
mk_user sa-a "$OWNER" member@sa-a.test member
MEMBER_ID=$NEW_ID
mk_user sa-a "$OWNER" admin@sa-a.test admin
ADMIN_ID=$NEW_ID
login sa-a admin@sa-a.test "$PW_USER"
ADMIN=$TOKEN
json POST sa-a /v1/collections '{"name":"tickets","fields":{"title":{"type":"string"}}}' "$OWNER"
json POST sa-a /v1/collections/tickets/records '{"data":{"title":"printer on fire"}}' "$OWNER"
REC=$(jb .id)

imp() { # tenant-id body token
	json POST apex "/v1/platform/tenants/$1/impersonate" "$2" "$3"
}
BODY_A="{\"user_id\":\"$ADMIN_ID\",\"reason\":\"ticket 4711: export fails\",\"minutes\":10}"

# --- denied (the default) -------------------------------------------------
authed GET sa-a /v1/config "$OWNER"
check "support_access is denied by default" eq "$(jb .settings.support_access)" denied
imp "$A" "$BODY_A" "$OP"
check "denied: 403 support_access_denied" is_problem 403 support_access_denied
check "and no token" eq "$(jb '.access_token // "none"')" none
authed GET apex "/v1/platform/audit?action=support.impersonate&limit=20" "$OP"
check "the refused attempt is in the platform log" eq "$(jb "[.items[] | select(.target.id == \"$A\" and .outcome == \"denied\")] | length")" 1

# --- who may change support_access -----------------------------------------
json PATCH sa-a /v1/config '{"settings":{"support_access":"allowed"}}' "$ADMIN"
check "an admin may not change support_access (owner only)" is_problem 403 forbidden
json PATCH sa-a /v1/config '{"settings":{"support_access":"sometimes"}}' "$OWNER"
check "an unknown value is 422" eq "$STATUS/$(errs)" "422/support_access"
json PATCH sa-a /v1/config '{"settings":{"support_access":"allowed"}}' "$OWNER"
check "the owner allows support access" eq "$STATUS/$(jb .settings.support_access)" "200/allowed"
authed GET sa-a "/v1/audit?action=config.support_access_changed" "$OWNER"
check "the change is audited, from and to" eq "$(jb '.items[0].details.from + ">" + .items[0].details.to')" "denied>allowed"

# --- the platform route's guards ----------------------------------------
imp "$A" "$BODY_A" "$PLAIN"
check "an operator without the support role: 403" is_problem 403 support_role_required
imp "$A" "$BODY_A" "$OWNER"
check "a tenant user's token at the platform route: 401" eq "$STATUS" 401
imp "$A" "$BODY_A" ""
check "no token: 401" eq "$STATUS" 401
json POST sa-a "/v1/platform/tenants/$A/impersonate" "$BODY_A" "$OP"
check "the route is not on tenant hosts" eq "$STATUS" 404
imp "$A" "{\"user_id\":\"$ADMIN_ID\",\"reason\":\"x\",\"minutes\":61}" "$OP"
check "minutes over 60: 422" eq "$STATUS/$(errs)" "422/minutes"
imp "$A" "{\"user_id\":\"$ADMIN_ID\",\"reason\":\"x\",\"minutes\":2.5}" "$OP"
check "minutes must be whole" eq "$STATUS/$(errs)" "422/minutes"
imp "$A" "{\"user_id\":\"$ADMIN_ID\",\"minutes\":5}" "$OP"
check "a reason is required" eq "$STATUS/$(errs)" "422/reason"
imp "$A" "{\"user_id\":\"$ADMIN_ID\",\"reason\":\"$(head -c 501 /dev/zero | tr '\0' r)\"}" "$OP"
check "a reason over 500 bytes: 422" eq "$STATUS/$(errs)" "422/reason"
imp "$A" "{\"user_id\":\"$ADMIN_ID\",\"reason\":\"x\",\"role\":\"owner\"}" "$OP"
check "unknown members: 422" eq "$STATUS" 422
imp "$A" '{"user_id":' "$OP"
check "malformed JSON: 400" is_problem 400 invalid_json
OWNER_B_ID=$(psql_super -c "SELECT u.id FROM strata.users u WHERE u.tenant_id = '$B'")
imp "$A" "{\"user_id\":\"$OWNER_B_ID\",\"reason\":\"x\"}" "$OP"
check "another tenant's user is not a user of this one: 422" eq "$STATUS/$(errs)" "422/user_id"
imp "01a21c0f-0000-7000-8000-000000000000" "$BODY_A" "$OP"
check "an unknown tenant: 404" eq "$STATUS" 404

# --- allowed --------------------------------------------------------------
imp "$A" "$BODY_A" "$OP"
check "allowed: 201 with a token for 10 minutes" eq "$STATUS/$(jb .expires_in)/$(jb .token_type)" "201/600/Bearer"
IMP=$(jb .access_token)
SID=$(jb .session_id)
claims() { cut -d. -f2 <<<"$1" | tr '_-' '/+' | { b=$(cat); while [ $((${#b} % 4)) -ne 0 ]; do b="$b="; done; base64 -d <<<"$b"; }; }
check "the token carries act (RFC 8693) naming the operator, sub the user, sid the session" \
	eq "$(claims "$IMP" | jq -r '[.act.sub, .sub, .sid, .tid] | join(",")')" "$OP_ID,$ADMIN_ID,$SID,$A"
authed GET sa-a /v1/me "$IMP"
check "the session acts as the user" eq "$STATUS/$(jb .user.id)" "200/$ADMIN_ID"
check "every answer carries Strata-Impersonated-By (through nginx)" eq "$(header strata-impersonated-by)" "$OP_ID"
authed GET sa-a "/v1/collections/tickets/records/$REC" "$IMP"
check "and reads what the user reads" eq "$STATUS/$(jb .data.title)/$(header strata-impersonated-by)" "200/printer on fire/$OP_ID"
authed GET sa-a "/v1/collections/tickets/records/$REC" "$IMP" -H 'Cache-Control: max-age=5'
authed GET sa-a "/v1/collections/tickets/records/$REC" "$IMP" -H 'Cache-Control: max-age=5'
authed GET sa-a /v1/me "$OWNER"
check "an ordinary answer carries no such header" eq "$(header strata-impersonated-by)" ""
authed GET sa-a /v1/collections/nope "$IMP"
check "refusals carry it too" eq "$STATUS/$(header strata-impersonated-by)" "404/$OP_ID"

authed GET sa-a "/v1/audit?action=support.request&limit=200" "$OWNER"
check "every request under the session is in the tenant's trail, by the operator, with the reason" \
	eq "$(jb "[.items[] | select(.details.session == \"$SID\" and .actor.type == \"operator\" and .actor.id == \"$OP_ID\" and .details.reason == \"ticket 4711: export fails\")] | length")" 5
check "with method, path and status" eq "$(jb "[.items[] | select(.details.session == \"$SID\") | .details.method + \" \" + .details.path + \" \" + (.details.status|tostring)] | last")" "GET /v1/me 200"
authed GET sa-a "/v1/audit?action=support.session_start" "$OWNER"
check "the start is in the tenant's trail with its reason" eq "$(jb '.items[0].actor.id + "/" + .items[0].target.id + "/" + .items[0].details.reason')" "$OP_ID/$ADMIN_ID/ticket 4711: export fails"
authed GET apex "/v1/platform/audit?action=support.request&actor=$OP_ID&limit=200" "$OP"
check "and in the platform log, with the reason and the user" \
	eq "$(jb "[.items[] | select(.target.id == \"$A\" and .details.session == \"$SID\" and .details.reason == \"ticket 4711: export fails\" and .details.user == \"$ADMIN_ID\")] | length")" 5
authed GET apex "/v1/platform/audit?action=support.session_start&actor=$OP_ID" "$OP"
check "the platform log has the start" eq "$(jb "[.items[] | select(.target.id == \"$A\" and .details.session == \"$SID\")] | length")" 1
authed GET sa-a /v1/audit/verify "$OWNER"
check "the tenant's chain still verifies" eq "$STATUS/$(jb .valid)" "200/true"

# --- what a support session may not do -----------------------------------
NREFUSED=0
refused() { # description method path body
	NREFUSED=$((NREFUSED + 1))
	if [ -n "$4" ]; then json "$2" sa-a "$3" "$4" "$IMP"; else authed "$2" sa-a "$3" "$IMP"; fi
	check "refused under impersonation: $1" is_problem 403 impersonation_forbidden
}
refused "a user's password" PATCH "/v1/users/$MEMBER_ID" '{"password":"another-Secret-pass-9"}'
refused "disabling a user (their sessions)" PATCH "/v1/users/$MEMBER_ID" '{"status":"disabled"}'
refused "deleting a user" DELETE "/v1/users/$MEMBER_ID"
refused "a user with a password" POST /v1/users '{"email":"x@sa-a.test","name":"x","password":"another-Secret-pass-9","roles":["viewer"]}'
refused "logout (sessions)" POST /v1/auth/logout '{"refresh_token":"x"}'
refused "an API key" POST /v1/api-keys '{"name":"k","permissions":["records:read"]}'
refused "revoking an API key" DELETE /v1/api-keys/01a21c0f-0000-7000-8000-000000000000
refused "key rotation" POST /v1/keys/rotate
refused "MFA enrolment" POST /v1/me/mfa/totp '{}'
refused "an invitation (a new credential)" POST /v1/invitations '{"email":"inv@sa-a.test","roles":["viewer"]}'
refused "the sign-in settings (auth.mfa)" PATCH /v1/config '{"settings":{"auth":{"mfa":"required"}}}'
check "the problem says what" eq "$(jb .detail)" "a support session cannot change the sign-in settings (auth)"
refused "support sessions" GET /v1/support/sessions
refused "ending its own session" DELETE "/v1/support/sessions/$SID"
refused "support_access" PATCH /v1/config '{"settings":{"support_access":"denied"}}'
check "the problem says what" eq "$(jb .detail)" "a support session cannot change support_access"
json PATCH sa-a "/v1/users/$MEMBER_ID" '{"name":"Renamed by support"}' "$IMP"
check "other writes the user may make pass" eq "$STATUS/$(jb .name)" "200/Renamed by support"
authed GET sa-a /v1/config "$OWNER"
check "support_access is unchanged" eq "$(jb .settings.support_access)" allowed
authed GET sa-a "/v1/audit?action=support.request&limit=200" "$OWNER"
check "refused requests are audited as denied" eq "$(jb "[.items[] | select(.details.session == \"$SID\" and .outcome == \"denied\")] | length")" "$NREFUSED"

# --- token theft between tenants -------------------------------------------
authed GET sa-b /v1/me "$IMP"
check "tenant A's impersonation token at tenant B: 401" is_problem 401 invalid_token
check "and B's answer names no operator" eq "$(header strata-impersonated-by)" ""
authed GET apex /v1/platform/tenants "$IMP"
check "nor is it an operator token" eq "$STATUS" 401

# --- the tenant lists and ends sessions ------------------------------------
authed GET sa-a /v1/support/sessions "$ADMIN"
check "an admin lists the support sessions" eq "$STATUS/$(jb "[.items[] | select(.id == \"$SID\") | .operator_id + \"/\" + .user_id + \"/\" + (.active|tostring)] | join(\",\")")" "200/$OP_ID/$ADMIN_ID/true"
login sa-a member@sa-a.test "$PW_USER"
MEMBER=$TOKEN
authed GET sa-a /v1/support/sessions "$MEMBER"
check "a member may not" eq "$STATUS" 403
authed DELETE sa-a "/v1/support/sessions/$SID" "$MEMBER"
check "nor end one" eq "$STATUS" 403
login sa-b owner@sa-b.test "$PW_OWNER"
OWNER_B=$TOKEN
authed DELETE sa-b "/v1/support/sessions/$SID" "$OWNER_B"
check "another tenant's session is not found" eq "$STATUS" 404
authed GET sa-a /v1/me "$IMP"
check "the session still works" eq "$STATUS" 200
# Warm every worker's token cache with the session's token first.
for _ in 1 2 3 4 5 6; do authed GET sa-a /v1/me "$IMP"; done
authed DELETE sa-a "/v1/support/sessions/$SID" "$ADMIN"
check "the admin ends it" eq "$STATUS" 204
bad=0
for _ in 1 2 3 4 5 6 7 8; do
	authed GET sa-a /v1/me "$IMP"
	[ "$STATUS" = 401 ] || bad=$((bad + 1))
done
check "its token is refused at once, on every worker" eq "$bad" 0
check "saying the session was ended" eq "$(jb .detail)" "the support session has been ended"
authed GET sa-a /v1/support/sessions "$ADMIN"
check "the list shows it ended, by the admin" eq "$(jb ".items[] | select(.id == \"$SID\") | (.active|tostring) + \"/\" + .ended_by")" "false/$ADMIN_ID"
authed DELETE sa-a "/v1/support/sessions/$SID" "$ADMIN"
check "ending it again is still 204" eq "$STATUS" 204
authed GET sa-a "/v1/audit?action=support.session_end" "$OWNER"
check "the end is audited once" eq "$(jb "[.items[] | select(.target.id == \"$SID\")] | length")" 1

# --- expired -----------------------------------------------------------------
imp "$A" "{\"user_id\":\"$MEMBER_ID\",\"reason\":\"ticket 4712\",\"minutes\":1}" "$OP"
check "a second session: 1 minute" eq "$STATUS/$(jb .expires_in)" "201/60"
IMP2=$(jb .access_token)
SID2=$(jb .session_id)
authed GET sa-a /v1/me "$IMP2"
check "it works" eq "$STATUS/$(jb .user.id)" "200/$MEMBER_ID"
psql_super -c "UPDATE strata.support_sessions SET expires_at = now() - interval '1 second' WHERE id = '$SID2'"
authed GET sa-a /v1/me "$IMP2"
check "once its time is up its token is refused" eq "$STATUS/$(jb .detail)" "401/the support session has expired"

# --- ask ---------------------------------------------------------------------
json PATCH sa-a /v1/config '{"settings":{"support_access":"ask"}}' "$OWNER"
check "the owner asks to be asked" eq "$STATUS/$(jb .settings.support_access)" "200/ask"
BODY_ASK="{\"user_id\":\"$MEMBER_ID\",\"reason\":\"ticket 4713: sync\",\"minutes\":5}"
imp "$A" "$BODY_ASK" "$OP"
check "ask: 202 pending with a request id" eq "$STATUS/$(jb .status)/$(jb '.access_token // "none"')" "202/pending/none"
RID=$(jb .request_id)
imp "$A" "$BODY_ASK" "$OP"
check "a retry before the decision: the same pending request" eq "$STATUS/$(jb .request_id)" "202/$RID"
authed GET sa-a /v1/support/requests "$ADMIN"
check "the tenant lists the request with its reason" eq "$STATUS/$(jb ".items[] | select(.id == \"$RID\") | .status + \"/\" + .reason + \"/\" + .operator_id")" "200/pending/ticket 4713: sync/$OP_ID"
authed POST sa-a "/v1/support/requests/$RID/approve" "$ADMIN"
check "an admin cannot approve (owner only)" eq "$STATUS" 403
authed POST sa-b "/v1/support/requests/$RID/approve" "$OWNER_B"
check "another tenant's owner cannot see it" eq "$STATUS" 404
authed POST sa-a "/v1/support/requests/$RID/approve" "$OWNER"
check "the owner approves" eq "$STATUS/$(jb .status)" "200/approved"
authed POST sa-a "/v1/support/requests/$RID/deny" "$OWNER"
check "a decided request is not decided again" eq "$STATUS" 409
imp "$A" "$BODY_ASK" "$OP"
check "the operator's retry now succeeds" eq "$STATUS/$(jb .expires_in)" "201/300"
IMP3=$(jb .access_token)
authed GET sa-a /v1/me "$IMP3"
check "and the session works" eq "$STATUS/$(jb .user.id)/$(header strata-impersonated-by)" "200/$MEMBER_ID/$OP_ID"
$STRATA operator support revoke --email sa-ops@strata.test >/dev/null
authed GET sa-a /v1/me "$IMP3"
check "taking the operator's support role ends its sessions" eq "$STATUS/$(jb .detail)" "401/the operator no longer holds the support role"
imp "$A" "$BODY_ASK" "$OP"
check "and it cannot start another" is_problem 403 support_role_required
$STRATA operator support grant --email sa-ops@strata.test >/dev/null
imp "$A" "$BODY_ASK" "$OP"
check "an approval is used once: the next attempt asks again" eq "$STATUS/$(jb '.request_id != "'"$RID"'"')" "202/true"
RID2=$(jb .request_id)
authed POST sa-a "/v1/support/requests/$RID2/deny" "$OWNER"
check "the owner denies the next one" eq "$STATUS/$(jb .status)" "200/denied"
imp "$A" "$BODY_ASK" "$OP"
check "after a denial the operator is refused" is_problem 403 support_request_denied
authed GET sa-a "/v1/audit?action=support.&limit=200" "$OWNER"
check "opening, approving and denying are audited" eq "$(jb '[.items[] | select(.action == "support.request_open" or .action == "support.request_approve" or .action == "support.request_deny") | .action] | sort | unique | join(",")')" "support.request_approve,support.request_deny,support.request_open"
finish
