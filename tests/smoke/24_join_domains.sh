#!/usr/bin/env bash
# 24_join_domains.sh - verified-domain joining (issue 18, item 5): a
# tenant lists e-mail domains (auth.join_domains), the operator verifies
# each (`strata tenant join-domain verify`), and whoever proves an address
# there by a mailed link joins with auth.join_role (viewer by default),
# audited.  join always answers 202 and mails only when the domain is
# listed and verified and the address is new (the medians are reported);
# naming a join role follows the grant rules; another tenant's token, a
# token of another kind, a used or an expired link are refused, and so is
# a link whose domain is no longer listed.
. "$(dirname "$0")/../lib.sh"

if [ ! -d "$VAR/mail/new" ]; then
	echo "# skip - no SMTP sink on this machine (python3-aiosmtpd): joining not tested"
	finish
fi

A=join-a
B=join-b
DOM=join-a.example
mk_tenant $A
mk_tenant $B
login $A "owner@$A.test" "$PW_OWNER"
OWNER=$TOKEN
login $B "owner@$B.test" "$PW_OWNER"
OWNER_B=$TOKEN
NEWPW="joiner-Secret-pass-1"

json PATCH $A /v1/config "{\"settings\":{\"auth\":{\"join_domains\":[\"$DOM\"]}}}" "$OWNER"
check "the owner lists a join domain" status_is 200
check "the join role is viewer by default" eq "$(jb .settings.auth.join_role)" viewer
json PATCH $A /v1/config '{"settings":{"auth":{"join_domains":["Not A Domain"]}}}' "$OWNER"
check "a malformed join domain is a 422" is_problem 422 validation_failed
json PATCH $A /v1/config "{\"settings\":{\"auth\":{\"join_domains\":[\"x.$BASE\"]}}}" "$OWNER"
check "a domain of the service itself is a 422" is_problem 422 validation_failed

json POST $A /v1/auth/join "{\"email\":\"early@$DOM\"}"
check "join answers 202 before the domain is verified" status_is 202
check "the operator may not verify a domain the tenant does not list" \
	bash -c "! $STRATA tenant join-domain verify --tenant $A --domain other.example >/dev/null 2>&1"
check "the operator verifies the listed domain" \
	bash -c "$STRATA tenant join-domain verify --tenant $A --domain $DOM | grep -q '\"verified\":true'"
json PATCH $B /v1/config "{\"settings\":{\"auth\":{\"join_domains\":[\"$DOM\"]}}}" "$OWNER_B"
check "the domain cannot be verified for a second tenant" \
	bash -c "! $STRATA tenant join-domain verify --tenant $B --domain $DOM >/dev/null 2>&1"

json POST $A /v1/auth/join "{\"email\":\"alice@$DOM\"}"
check "join answers 202" eq "$STATUS [$BODY]" "202 []"
json POST $A /v1/auth/join '{"email":"bob@elsewhere.example"}'
check "join answers 202 for an address outside the domains" eq "$STATUS [$BODY]" "202 []"
json POST $B /v1/auth/join "{\"email\":\"carl@$DOM\"}"
check "join answers 202 where the domain is listed but not verified" status_is 202
mk_user $A "$OWNER" "member@$DOM" member
json POST $A /v1/auth/join "{\"email\":\"member@$DOM\"}"
check "join answers 202 for an address that is already a user" status_is 202
json POST $A /v1/auth/join '{"email":"nope"}'
check "a malformed address is a 422" is_problem 422 validation_failed

check "the join mail reaches the address" mail_wait "alice@$DOM"
TOK=$(mail_link sjn)
check "the mail holds a join link" test -n "$TOK"
check "the mail names the tenant" grep -q "^Subject: Confirm your address to join Tenant $A" "$MAIL"
sleep 1
check "no mail before verification, outside the domains, at an unverified tenant or for a user" \
	eq "$(mail_count "early@$DOM")$(mail_count bob@elsewhere.example)$(mail_count "carl@$DOM")$(mail_count "member@$DOM")" 0000
check "the join token is stored only as a hash" eq "$(psql_super -c "SELECT count(*) FROM strata.join_requests WHERE token_hash = sha256(convert_to('$TOK', 'UTF8'))")" 1

json POST $B /v1/auth/join/accept "{\"token\":\"$TOK\",\"password\":\"$NEWPW\",\"name\":\"Alice\"}"
check "tenant A's join token at tenant B is refused (400)" is_problem 400 invalid_token
json POST $A /v1/auth/join/accept "{\"token\":\"sin_${TOK#sjn_}\",\"password\":\"$NEWPW\",\"name\":\"Alice\"}"
check "the join secret under another prefix is refused (400)" is_problem 400 invalid_token
json POST $A /v1/invitations/accept "{\"token\":\"$TOK\",\"password\":\"$NEWPW\",\"name\":\"Alice\"}"
check "a join token is not an invitation (400)" is_problem 400 invalid_token
json POST $A /v1/auth/join/accept "{\"token\":\"$TOK\",\"password\":\"short\",\"name\":\"Alice\"}"
check "a password against the policy is a 422" is_problem 422 validation_failed
json POST $A /v1/auth/join/accept "{\"token\":\"$TOK\",\"password\":\"$NEWPW\"}"
check "the name is required (422)" is_problem 422 validation_failed
json POST $A /v1/auth/join/accept "{\"token\":\"$TOK\",\"password\":\"$NEWPW\",\"name\":\"Alice\"}"
check "accepting joins and signs in (200)" status_is 200
ALICE=$(jb .access_token)
authed GET $A /v1/me "$ALICE"
check "the new member has the join role" eq "$(jb '.user.email + " " + (.user.roles | join(","))')" "alice@$DOM viewer"
ALICE_ID=$(jb .user.id)
json POST $A /v1/auth/join/accept "{\"token\":\"$TOK\",\"password\":\"$NEWPW\",\"name\":\"Alice\"}"
check "a used join link is refused (410)" is_problem 410 gone
authed GET $A "/v1/audit?action=auth.join" "$OWNER"
check "joining is audited with its domain and role" eq "$(jb '[.items[] | select(.target.id == "'"$ALICE_ID"'") | .details.domain + " " + .details.role] | join(",")')" "$DOM viewer"

# The join role follows the grant rules.
json POST $A /v1/roles '{"name":"cfg","permissions":["config:read","config:write"]}' "$OWNER"
mk_user $A "$OWNER" "cfg@$A.test" cfg
login $A "cfg@$A.test" "$PW_USER"
CFG=$TOKEN
json PATCH $A /v1/config '{"settings":{"auth":{"join_role":"member"}}}' "$CFG"
check "a join role beyond the setter's own is refused (403)" is_problem 403 forbidden
json PATCH $A /v1/config '{"settings":{"auth":{"join_role":"owner"}}}' "$OWNER"
check "the owner role is never a join role (422)" is_problem 422 validation_failed
json PATCH $A /v1/config '{"settings":{"auth":{"join_role":"nosuch"}}}' "$OWNER"
check "a join role that does not exist is a 422" is_problem 422 validation_failed
json PATCH $A /v1/config '{"settings":{"auth":{"join_role":"member"}}}' "$OWNER"
check "the owner names member as the join role" eq "$STATUS $(jb .settings.auth.join_role)" "200 member"
json PATCH $A /v1/config "{\"settings\":{\"auth\":{\"join_domains\":[\"$DOM\",\"more.example\"]}}}" "$CFG"
check "adding a join domain needs the right to grant the join role (403)" is_problem 403 forbidden
json PATCH $A /v1/config '{"settings":{"display_name":"Join A"}}' "$CFG"
check "other settings stay open to config:write" status_is 200

json POST $A /v1/auth/join "{\"email\":\"dora@$DOM\"}"
mail_wait "dora@$DOM"
DORA=$(mail_link sjn)
json POST $A /v1/auth/join "{\"email\":\"eve@$DOM\"}"
mail_wait "eve@$DOM"
EVE=$(mail_link sjn)
json POST $A /v1/auth/join/accept "{\"token\":\"$DORA\",\"password\":\"$NEWPW\",\"name\":\"Dora\"}"
check "a later joiner gets the new join role" eq "$STATUS $(authed GET $A /v1/me "$(jb .access_token)"; jb '.user.roles | join(",")')" "200 member"
psql_super -c "UPDATE strata.join_requests SET expires_at = now() - interval '1 second' WHERE token_hash = sha256(convert_to('$EVE', 'UTF8'))" >/dev/null
json POST $A /v1/auth/join/accept "{\"token\":\"$EVE\",\"password\":\"$NEWPW\",\"name\":\"Eve\"}"
check "an expired join link is refused (410)" is_problem 410 gone

json POST $A /v1/auth/join "{\"email\":\"fred@$DOM\"}"
mail_wait "fred@$DOM"
FRED=$(mail_link sjn)
json PATCH $A /v1/config '{"settings":{"auth":{"join_domains":[]}}}' "$OWNER"
json POST $A /v1/auth/join/accept "{\"token\":\"$FRED\",\"password\":\"$NEWPW\",\"name\":\"Fred\"}"
check "a link whose domain is no longer listed is refused (410)" is_problem 410 gone
json POST $A /v1/auth/join "{\"email\":\"gina@$DOM\"}"
sleep 1
check "an unlisted domain mails nothing, even verified" eq "$(mail_count "gina@$DOM")" 0

# Equal work: the medians for a joining and an outside address, reported.
json PATCH $A /v1/config "{\"settings\":{\"auth\":{\"join_domains\":[\"$DOM\"]}}}" "$OWNER"
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for i in $(seq 9); do
	for who in "t$i@$DOM" "t$i@outside.example"; do
		curl -s -o /dev/null -w '%{time_total}\n' --cacert "$CA" \
			--resolve "$A.$BASE:$HTTPS_PORT:127.0.0.1" -H 'Content-Type: application/json' \
			--data-binary "{\"email\":\"$who\"}" \
			"https://$A.$BASE:$HTTPS_PORT/v1/auth/join" >>"$TMPD/t-${who#*@}"
	done
done
k=$(med <"$TMPD/t-$DOM")
u=$(med <"$TMPD/t-outside.example")
echo "# join: median $k s in the domain, $u s outside (ratio $(awk -v a="$k" -v b="$u" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'))"

finish
