#!/usr/bin/env bash
# 07_audit.sh - the audit trail: one event per audited action with the
# right actor and outcome, none for a failed write, tenant isolation and
# permissions, filters and pages, the hash chain and its tamper detection,
# purge with a chain link, metrics.
. "$(dirname "$0")/../lib.sh"

mk_tenant au-a
mk_tenant au-b
login au-a owner@au-a.test "$PW_OWNER"
OWNER=$TOKEN
authed GET au-a /v1/me "$OWNER"
OWNER_ID=$(jb .user.id)
login au-b owner@au-b.test "$PW_OWNER"
OWNER_B=$TOKEN
login au-a owner@au-a.test "wrong-password-1"
mk_user au-a "$OWNER" m@au-a.test member
MEMBER_ID=$NEW_ID
login au-a m@au-a.test "$PW_USER"
MEMBER=$TOKEN
RT=$(jq -r .refresh_token <<<"$LOGIN_BODY")
json POST au-a /v1/auth/refresh "{\"refresh_token\":\"$RT\"}"
json POST au-a /v1/auth/refresh "{\"refresh_token\":\"$RT\"}"
login au-a m@au-a.test "$PW_USER"
MEMBER=$TOKEN
json POST au-a /v1/collections '{"name":"notes","fields":{"text":{"type":"string","required":true}}}' "$OWNER"
json POST au-a /v1/collections/notes/records '{"data":{"text":"hello"}}' "$MEMBER"
REC=$(jb .id)
json PATCH au-a "/v1/collections/notes/records/$REC" '{"data":{"text":"hi"}}' "$MEMBER"
req DELETE au-a "/v1/collections/notes/records/$REC" -H "Authorization: Bearer $OWNER"
json POST au-a /v1/roles '{"name":"reader","permissions":["records:read"]}' "$OWNER"
json POST au-a /v1/api-keys '{"name":"ci","permissions":["records:read"]}' "$OWNER"
KEY_ID=$(jb .id)
req DELETE au-a "/v1/api-keys/$KEY_ID" -H "Authorization: Bearer $OWNER"
req POST au-a /v1/keys/rotate -H "Authorization: Bearer $OWNER"
# Failed writes: no event.
json POST au-a /v1/collections/notes/records '{"data":{"text":5}}' "$MEMBER"
json POST au-a /v1/collections/notes/records '{"data":{"text":"x"}}' "$(echo "$MEMBER" | rev)"
mk_user au-a "$OWNER" m@au-a.test member
json POST au-a /v1/roles '{"name":"reader","permissions":[]}' "$OWNER"

events() { # action -> the events of that action (as JSON lines)
	authed GET au-a "/v1/audit?action=$1&limit=200" "$OWNER"
	jq -c '.items[]' <<<"$BODY"
}
one() { # description action actor-id outcome
	local ev n
	ev=$(events "$2")
	n=$(grep -c . <<<"$ev")
	check "$1: exactly one event" eq "$n" 1
	check "$1: actor and outcome" eq "$(jq -r '.actor.id + "/" + .outcome' <<<"$ev")" "$3/$4"
}
authed GET au-a "/v1/audit?action=auth.login&actor=$OWNER_ID" "$OWNER"
check "the owner's login: exactly one success event, by the owner" eq "$(jb '[.items[]|.outcome]|join(",")')" success
authed GET au-a "/v1/audit?action=auth.login&limit=200" "$OWNER"
check "the failed login is recorded too, against its user" eq "$(jb '[.items[]|select(.outcome=="failure")|.target.id]|join(",")')" "$OWNER_ID"
check "and it holds no password" eval '! grep -q "wrong-password" <<<"$BODY"'
one "refresh-token reuse" auth.refresh_reuse "$MEMBER_ID" failure
one "user created" user.create "$OWNER_ID" success
one "collection created" collection.create "$OWNER_ID" success
check "record created: one event by the member" eq "$(events record.create | jq -r '.actor.id + "/" + .target.id')" "$MEMBER_ID/$REC"
one "record updated" record.update "$MEMBER_ID" success
one "record deleted" record.delete "$OWNER_ID" success
one "role created" role.create "$OWNER_ID" success
one "API key created" api_key.create "$OWNER_ID" success
one "API key revoked" api_key.revoke "$OWNER_ID" success
one "keys rotated" keys.rotate "$OWNER_ID" success
authed GET au-a "/v1/audit?action=record.&limit=200" "$OWNER"
check "a prefix filter (record.) matches every record action" eq "$(jb '[.items[].action]|unique|join(",")')" "record.create,record.delete,record.update"
authed GET au-a "/v1/audit?actor=$MEMBER_ID&limit=200" "$OWNER"
check "actor filter" eq "$(jb '[.items[].actor.id]|unique|join(",")')" "$MEMBER_ID"
check "events are newest first" eq "$(jb '[.items[].seq] == ([.items[].seq]|sort|reverse)')" true
authed GET au-a "/v1/audit?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z" "$OWNER"
check "a time window with no events is empty" eq "$STATUS/$(jb '.items|length')" "200/0"
authed GET au-a "/v1/audit?since=yesterday" "$OWNER"
check "a malformed time is 400" eq "$STATUS" 400
authed GET au-a "/v1/audit?limit=3" "$OWNER"
first=$(jb '[.items[].seq]|join(",")')
authed GET au-a "/v1/audit?limit=3&cursor=$(jb .next_cursor)" "$OWNER"
check "pages continue below the last seq" eval '[ "$(jb ".items[0].seq")" -lt "${first##*,}" ]'
authed GET au-b "/v1/audit?limit=3&cursor=$(authed GET au-a "/v1/audit?limit=3" "$OWNER"; jb .next_cursor)" "$OWNER_B"
check "another tenant's audit cursor is 400" is_problem 400 bad_request
for q in "cursor=garbage" "limit=0" "limit=201" "limit=ten"; do
	authed GET au-a "/v1/audit?$q" "$OWNER"
	check "a bad page argument is 400: $q" is_problem 400 bad_request
	authed GET au-a "/v1/config/versions?$q" "$OWNER"
	check "also for configuration versions: $q" is_problem 400 bad_request
done
authed GET au-a /v1/audit "$MEMBER"
check "a member cannot read the audit trail" eq "$STATUS" 403
authed GET au-a /v1/audit "$OWNER_B"
check "another tenant's token cannot either" eq "$STATUS" 401
authed GET au-b "/v1/audit?limit=200" "$OWNER_B"
check "tenant B's trail holds none of A's events" eval '! grep -q "$OWNER_ID\|$MEMBER_ID\|notes" <<<"$BODY"'

# The chain.
sleep 1.5
authed GET au-a /v1/audit/verify "$OWNER"
check "the chain verifies" eq "$STATUS/$(jb .valid)/$(jb .broken_at)" "200/true/null"
check "it covers every event" eval '[ "$(jb .events)" -ge 15 ] && [ "$(jb .unsealed)" -eq 0 ]'
check "and names its head" eval '[ "$(jb .head | wc -c)" -eq 65 ]'
HEAD=$(jb .head)
TID=$(curl -s --cacert "$CA" "https://au-a.$BASE:$HTTPS_PORT/v1/tenant" | jq -r .id)
SEQ=$(events record.update | jq -r .seq)
psql_super -c "UPDATE strata.audit_events SET outcome = 'failure' WHERE tenant_id = '$TID' AND seq = $SEQ" >/dev/null
authed GET au-a /v1/audit/verify "$OWNER"
check "an edited event breaks the chain at that event" eq "$(jb .valid)/$(jb .broken_at)" "false/$SEQ"
psql_super -c "UPDATE strata.audit_events SET outcome = 'success' WHERE tenant_id = '$TID' AND seq = $SEQ" >/dev/null
authed GET au-a /v1/audit/verify "$OWNER"
check "restored, it verifies again" eq "$(jb .valid)" true
DSEQ=$(events role.create | jq -r .seq)
psql_super -c "CREATE TEMP TABLE keep AS SELECT * FROM strata.audit_events WHERE tenant_id = '$TID' AND seq = $DSEQ; DELETE FROM strata.audit_events WHERE tenant_id = '$TID' AND seq = $DSEQ" >/dev/null
authed GET au-a /v1/audit/verify "$OWNER"
check "a deleted event breaks the chain" eq "$(jb .valid)/$(jb .broken_at)" "false/$DSEQ"
psql_super -c "INSERT INTO strata.audit_events (tenant_id, actor_type, action, outcome, at) VALUES ('$TID', 'system', 'forged', 'success', now() - interval '1 hour')" >/dev/null
check "the command line reports a broken chain" eval '! $STRATA audit verify --tenant au-a >/dev/null'
authed GET au-a /v1/audit/verify "$OWNER_B"
check "verify needs a token of this tenant" eq "$STATUS" 401

# Purge by retention leaves a link that says so.
TB=$(curl -s --cacert "$CA" "https://au-b.$BASE:$HTTPS_PORT/v1/tenant" | jq -r .id)
psql_super -c "INSERT INTO strata.audit_events (tenant_id, actor_type, action, outcome, at) SELECT '$TB', 'system', 'old.event', 'success', now() - interval '40 days' FROM generate_series(1, 5)" >/dev/null
$STRATA audit seal --tenant au-b >/dev/null
json POST au-b /v1/collections '{"name":"fresh","fields":{"x":{"type":"string"}}}' "$OWNER_B"
before=$(authed GET au-b /v1/audit/verify "$OWNER_B"; jb .events)
out=$($STRATA audit purge --tenant au-b --days 30)
check "purge removes the events past retention" eq "$(jq -r '.[0].purged' <<<"$out")" 5
sleep 1.2
authed GET au-b /v1/audit/verify "$OWNER_B"
check "after a purge the chain still verifies" eq "$(jb .valid)" true
check "and shows the purge" eq "$(jb .purged.events)" 5
authed GET au-b "/v1/audit?action=old.event" "$OWNER_B"
check "the purged events are gone" eq "$(jb '.items|length')" 0
authed GET au-b "/v1/audit?action=collection.create" "$OWNER_B"
check "newer events stay" eq "$(jb '.items|length')" 1

# Metrics count audit work.
req GET apex /metrics
check "metrics count audit events written" eval '[ "$(awk "/^strata_audit_events_total /{print \$2}" "$TMPD/b")" -gt 10 ]'
check "metrics count events sealed" eval '[ "$(awk "/^strata_audit_sealed_total /{print \$2}" "$TMPD/b")" -gt 0 ]'
check "metrics show the seal lag" eval 'grep -q "^strata_audit_seal_lag_events " "$TMPD/b"'
finish
