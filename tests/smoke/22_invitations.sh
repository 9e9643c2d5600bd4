#!/usr/bin/env bash
# 22_invitations.sh - invitations by mail (issue 18, item 2) and the mail
# they travel in (item 1): the grant rules (nobody invites into roles
# beyond their own, only an owner invites an owner), 409 for an address
# that exists, the mail in the SMTP sink with a single-use link that
# expires, the answer and the database never holding the token, accept
# creating the user with the roles and signing it in (audited), a used,
# revoked or expired link refused, another tenant's token refused, list
# and revoke, templates per tenant and locale, and no header injection
# through the tenant's display name.
. "$(dirname "$0")/../lib.sh"

if [ ! -d "$VAR/mail/new" ]; then
	echo "# skip - no SMTP sink on this machine (python3-aiosmtpd): invitations not tested"
	finish
fi

A=inv-a
B=inv-b
mk_tenant $A
mk_tenant $B
login $A "owner@$A.test" "$PW_OWNER"
OWNER=$TOKEN
login $B "owner@$B.test" "$PW_OWNER"
OWNER_B=$TOKEN
NEWPW="invited-Secret-pass-1"

# A user manager who holds little: it may invite only into what it holds.
json POST $A /v1/roles '{"name":"hr","permissions":["users:read","users:manage"]}' "$OWNER"
check "a user-manager role is created" status_is 201
mk_user $A "$OWNER" "hr@$A.test" hr
login $A "hr@$A.test" "$PW_USER"
HR=$TOKEN
mk_user $A "$OWNER" "member@$A.test" member
login $A "member@$A.test" "$PW_USER"
MEMBER=$TOKEN
mk_user $A "$OWNER" "admin@$A.test" admin
login $A "admin@$A.test" "$PW_USER"
ADMIN=$TOKEN

json POST $A /v1/invitations '{"email":"x1@example.com","roles":["viewer"]}' "$MEMBER"
check "inviting needs users:manage (403)" is_problem 403 forbidden
json POST $A /v1/invitations '{"email":"x2@example.com","roles":["member"]}' "$HR"
check "an invitation into a role beyond the inviter's is refused (403)" is_problem 403 forbidden
json POST $A /v1/invitations '{"email":"x3@example.com","roles":["owner"]}' "$ADMIN"
check "only an owner invites an owner (403)" is_problem 403 forbidden
json POST $A /v1/invitations '{"email":"x4@example.com","roles":["hr"]}' "$HR"
check "an invitation into the inviter's own role is made (201)" status_is 201
check "no mail was sent for a refused invitation" eq "$(mail_count x2@example.com)$(mail_count x3@example.com)" 00

json POST $A /v1/invitations '{"email":"not-an-address","roles":["viewer"]}' "$OWNER"
check "a malformed address is a 422" is_problem 422 validation_failed
json POST $A /v1/invitations '{"email":"x5@example.com","roles":"viewer"}' "$OWNER"
check "roles that are not a list are a 422" is_problem 422 validation_failed
json POST $A /v1/invitations '{"email":"x5@example.com","roles":["nosuchrole"]}' "$OWNER"
check "an unknown role is a 422" is_problem 422 validation_failed
json POST $A /v1/invitations '{"email":"x5@example.com","roles":["viewer"],"token":"x"}' "$OWNER"
check "an unknown member is refused" is_problem 422 validation_failed
json POST $A /v1/invitations '{"email":' "$OWNER"
check "malformed JSON is a 400" is_problem 400 invalid_json
json POST $A /v1/invitations "{\"email\":\"owner@$A.test\",\"roles\":[\"viewer\"]}" "$OWNER"
check "an address that is a user of the tenant is a 409" is_problem 409 conflict

json POST $A /v1/invitations '{"email":"carol@example.com","roles":["member"]}' "$OWNER"
check "the owner invites carol (201)" status_is 201
CAROL_INV=$(jb .id)
check "the answer shows the invitation, pending" eq "$(jb '.status + " " + (.roles | join(","))')" "pending member"
check "the answer holds no token" eq "$(grep -c 'sin_' <<<"$BODY")" 0
json POST $A /v1/invitations '{"email":"Carol@Example.com","roles":["viewer"]}' "$OWNER"
check "a second invitation to a pending address is a 409" is_problem 409 conflict

check "the invitation mail reaches the sink" mail_wait carol@example.com
CAROL_TOK=$(mail_link sin)
check "the mail holds a link with the token" test -n "$CAROL_TOK"
check "the mail names the tenant in its subject" grep -q "^Subject: You are invited to join Tenant $A" "$MAIL"
check "the link points at the tenant's own origin" grep -q "https://$A.$BASE:$HTTPS_PORT/console/" "$MAIL"
check "the mail has a plain text and an HTML part" eq "$(grep -c '^Content-Type: text/\(plain\|html\)' "$MAIL")" 2
check "the token is stored only as a hash" eq "$(psql_super -c "SELECT count(*) FROM strata.invitations WHERE token_hash = sha256(convert_to('$CAROL_TOK', 'UTF8'))")" 1
check "no table holds the token in clear" eq "$(psql_super -c "SELECT count(*) FROM strata.mail_outbox m WHERE m::text LIKE '%$CAROL_TOK%'")$(psql_super -c "SELECT count(*) FROM strata.invitations i WHERE i::text LIKE '%$CAROL_TOK%'")" 00
check "a sent mail forgets its sealed link" eq "$(psql_super -c "SELECT count(*) FROM strata.mail_outbox WHERE to_addr = 'carol@example.com' AND status = 'sent' AND sealed_link IS NULL")" 1

# Another tenant's token, or a token of another kind, is refused.
json POST $B /v1/invitations/accept "{\"token\":\"$CAROL_TOK\",\"password\":\"$NEWPW\",\"name\":\"Carol\"}"
check "tenant A's invitation token at tenant B is refused (400)" is_problem 400 invalid_token
json POST $A /v1/invitations/accept "{\"token\":\"spr_${CAROL_TOK#sin_}\",\"password\":\"$NEWPW\",\"name\":\"Carol\"}"
check "the token's secret under another prefix is refused (400)" is_problem 400 invalid_token
json POST $A /v1/invitations/accept '{"token":"sin_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","password":"x","name":"x"}'
check "an unknown token is refused (400)" is_problem 400 invalid_token
json POST $A /v1/invitations/accept "{\"token\":\"$CAROL_TOK\",\"password\":\"short\",\"name\":\"Carol\"}"
check "a password against the policy is a 422" is_problem 422 validation_failed
json POST $A /v1/invitations/accept "{\"token\":\"$CAROL_TOK\",\"password\":\"$NEWPW\",\"name\":7}"
check "a name that is not a string is a 422" is_problem 422 validation_failed

json POST $A /v1/invitations/accept "{\"token\":\"$CAROL_TOK\",\"password\":\"$NEWPW\",\"name\":\"Carol\"}"
check "accepting creates the user and signs it in (200)" status_is 200
CAROL=$(jb .access_token)
check "the answer is a token pair" eq "$(jb '(.access_token | length > 20) and (.refresh_token | startswith("srt_"))')" true
authed GET $A /v1/me "$CAROL"
check "the new user has the invitation's roles" eq "$(jb '.user.email + " " + (.user.roles | join(","))')" "carol@example.com member"
login $A carol@example.com "$NEWPW"
check "the new user logs in with its password" status_is 200
json POST $A /v1/invitations/accept "{\"token\":\"$CAROL_TOK\",\"password\":\"$NEWPW\",\"name\":\"Carol\"}"
check "a used link is refused (410)" is_problem 410 gone
authed GET $A "/v1/audit?action=invitation.accept" "$OWNER"
check "accepting is audited" eq "$(jb '[.items[] | select(.target.id == "'"$CAROL_INV"'")] | length')" 1

# Two accepts of one link at once: one user, one answer 200.
json POST $A /v1/invitations '{"email":"race@example.com","roles":["viewer"]}' "$OWNER"
mail_wait race@example.com
RACE_TOK=$(mail_link sin)
for i in 1 2 3 4; do
	curl -s -o /dev/null -w '%{http_code}\n' --cacert "$CA" \
		--resolve "$A.$BASE:$HTTPS_PORT:127.0.0.1" -H 'Content-Type: application/json' \
		--data-binary "{\"token\":\"$RACE_TOK\",\"password\":\"$NEWPW\",\"name\":\"R$i\"}" \
		"https://$A.$BASE:$HTTPS_PORT/v1/invitations/accept" >>"$TMPD/race" &
done
wait
check "of four parallel accepts of one link exactly one succeeds" eq "$(sort "$TMPD/race" | uniq -c | awk '{print $1 ":" $2}' | tr '\n' ' ')" "1:200 3:410 "
check "the raced link made one user" eq "$(psql_super -c "SELECT count(*) FROM strata.users WHERE email_norm = 'race@example.com'")" 1

# Expired, revoked.
json POST $A /v1/invitations '{"email":"late@example.com","roles":["viewer"]}' "$OWNER"
mail_wait late@example.com
LATE_TOK=$(mail_link sin)
psql_super -c "UPDATE strata.invitations SET expires_at = now() - interval '1 second' WHERE email_norm = 'late@example.com'" >/dev/null
json POST $A /v1/invitations/accept "{\"token\":\"$LATE_TOK\",\"password\":\"$NEWPW\",\"name\":\"Late\"}"
check "an expired link is refused (410)" is_problem 410 gone
json POST $A /v1/invitations '{"email":"dave@example.com","roles":["viewer"]}' "$OWNER"
DAVE_INV=$(jb .id)
mail_wait dave@example.com
DAVE_TOK=$(mail_link sin)
authed GET $A /v1/invitations "$OWNER"
check "the list shows the invitations with their status" eq "$(jb '[.items[] | select(.id == "'"$DAVE_INV"'") | .status] | join(",")')" pending
authed GET $A /v1/invitations "$MEMBER"
check "listing needs users:manage (403)" is_problem 403 forbidden
authed DELETE $B "/v1/invitations/$DAVE_INV" "$OWNER_B"
check "another tenant's invitation is not found (404)" is_problem 404 not_found
authed DELETE $A "/v1/invitations/$DAVE_INV" "$OWNER"
check "revoking an invitation answers 204" status_is 204
json POST $A /v1/invitations/accept "{\"token\":\"$DAVE_TOK\",\"password\":\"$NEWPW\",\"name\":\"Dave\"}"
check "a revoked link is refused (410)" is_problem 410 gone
authed DELETE $A "/v1/invitations/$DAVE_INV" "$OWNER"
check "revoking twice is a 409" is_problem 409 conflict
authed DELETE $A /v1/invitations/01a232dd-0000-7000-8000-000000000000 "$OWNER"
check "an unknown invitation is not found (404)" is_problem 404 not_found

# Templates per tenant and locale; nothing a tenant writes starts a
# header line.
json PATCH $B /v1/config '{"settings":{"locale":"fr","display_name":"Soci\u00e9t\u00e9 B\r\nBcc: thief@example.com","branding":{"primary_color":"#aa3300"}}}' "$OWNER_B"
check "tenant B is set to French with a display name holding CR LF" status_is 200
json POST $B /v1/invitations '{"email":"fr@example.com","roles":["viewer"]}' "$OWNER_B"
check "tenant B invites (201)" status_is 201
check "the French mail reaches the sink" mail_wait fr@example.com
check "the mail is in French" grep -q "Vous êtes invité(e) à rejoindre Société B  Bcc: thief@example.com" "$MAIL"
check "the subject is encoded (RFC 2047)" grep -q '^Subject: =?UTF-8?B?' "$MAIL"
check "the tenant's colour is in the HTML part" grep -q 'background:#aa3300' "$MAIL"
check "the display name's CR LF made no header" eq "$(grep -ci '^bcc:' "$MAIL")" 0
check "the mail went to the invitee only" eq "$(grep -c '^X-RcptTo:' "$MAIL") $(mail_count thief@example.com)" "1 0"
check "tenant B's invitation is not in tenant A's list" eq "$(authed GET $A /v1/invitations "$OWNER"; jb '[.items[] | select(.email == "fr@example.com")] | length')" 0

# The relay down: the mail is retried with backoff, then given up (the
# test stack's MAIL_RETRY_WINDOW_S is 30 s), and forgets its link.
"$ROOT/tests/stack/stack.sh" sink-stop "$VAR"
json POST $A /v1/invitations '{"email":"nosink@example.com","roles":["viewer"]}' "$OWNER"
check "an invitation is made while the relay is down (201)" status_is 201
q="SELECT status || ' ' || (attempts > 1) || ' ' || (sealed_link IS NULL) || ' ' || (last_error <> '') FROM strata.mail_outbox WHERE to_addr = 'nosink@example.com'"
for _ in $(seq 60); do
	[ "$(psql_super -c "$q")" = "failed true true true" ] && break
	sleep 1
done
check "the mail was tried again, then given up, and forgot its link" eq "$(psql_super -c "$q")" "failed true true true"
"$ROOT/tests/stack/stack.sh" sink-start "$VAR"
json POST $A /v1/invitations '{"email":"back@example.com","roles":["viewer"]}' "$OWNER"
check "with the relay back, mail flows again" mail_wait back@example.com

# auth.mfa required: the invited person enrols a second factor before
# any session (as a login would make them).
json PATCH $A /v1/config '{"settings":{"auth":{"mfa":"required"}}}' "$OWNER"
check "the owner requires MFA of everyone" status_is 200
json POST $A /v1/invitations '{"email":"mfa-new@example.com","roles":["viewer"]}' "$OWNER"
mail_wait mfa-new@example.com
MFA_TOK=$(mail_link sin)
json POST $A /v1/invitations/accept "{\"token\":\"$MFA_TOK\",\"password\":\"$NEWPW\",\"name\":\"Mia\"}"
check "accepting then answers 403 mfa_enrolment_required, no token pair" \
	eval 'is_problem 403 mfa_enrolment_required && [ "$(jb .refresh_token)" = null ] && [ "$(jb .access_token)" = null ]'
ENROL=$(jb .enrolment_token)
authed GET $A /v1/me "$ENROL"
check "its enrolment token opens /v1/me as the new user" eq "$STATUS/$(jb .user.email)" "200/mfa-new@example.com"
authed GET $A /v1/users "$OWNER"
check "and the user was made" eq "$(jb '[.items[] | select(.email == "mfa-new@example.com")] | length')" 1
json PATCH $A /v1/config '{"settings":{"auth":{"mfa":"optional"}}}' "$OWNER"

finish
