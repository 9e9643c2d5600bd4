#!/usr/bin/env bash
# 23_password_reset.sh - password reset by mail (issue 18, item 3):
# forgot always answers 202 and mails only a user of the tenant, with the
# same work for unknown addresses (the medians are reported); reset is
# single use, expires, applies the password policy, ends every session of
# the user at once (refresh tokens, and access tokens on every worker) and
# is audited; another tenant's token, a token of another kind, a used or
# an expired one are refused.
. "$(dirname "$0")/../lib.sh"

if [ ! -d "$VAR/mail/new" ]; then
	echo "# skip - no SMTP sink on this machine (python3-aiosmtpd): password reset not tested"
	finish
fi

A=pwr-a
B=pwr-b
mk_tenant $A
mk_tenant $B
login $A "owner@$A.test" "$PW_OWNER"
OWNER=$TOKEN
ALICE=alice@pwr.example.com
mk_user $A "$OWNER" "$ALICE" member
ALICE_ID=$NEW_ID
NEWPW="brand-new-Secret-9"

login $A "$ALICE" "$PW_USER"
AT1=$TOKEN
RT1=$(jq -r .refresh_token <<<"$LOGIN_BODY")
login $A "$ALICE" "$PW_USER"
AT2=$TOKEN

json POST $A /v1/auth/password/forgot '{"email":"nobody@pwr.example.com"}'
UNKNOWN="$STATUS [$BODY]"
json POST $A /v1/auth/password/forgot "{\"email\":\"$ALICE\"}"
KNOWN="$STATUS [$BODY]"
check "forgot answers 202 for a user" eq "$KNOWN" "202 []"
check "forgot answers the same for an unknown address" eq "$UNKNOWN" "$KNOWN"
json POST $A /v1/auth/password/forgot '{"email":"not an address"}'
check "a malformed address is a 422" is_problem 422 validation_failed
json POST $A /v1/auth/password/forgot '{"email":'
check "malformed JSON is a 400" is_problem 400 invalid_json
json POST $A /v1/auth/password/forgot "{\"email\":\"$ALICE\",\"x\":1}"
check "an unknown member is refused" is_problem 422 validation_failed

check "the reset mail reaches the user" mail_wait "$ALICE"
TOK=$(mail_link spr)
check "the mail holds a reset link" test -n "$TOK"
check "the mail says the link lasts 30 minutes" grep -q "expires in 30 minutes" "$MAIL"
sleep 1
check "an unknown address got no mail" eq "$(mail_count nobody@pwr.example.com)" 0
check "the reset token is stored only as a hash" eq "$(psql_super -c "SELECT count(*) FROM strata.password_resets WHERE token_hash = sha256(convert_to('$TOK', 'UTF8')) AND expires_at <= now() + interval '30 minutes'")" 1
check "no row holds the reset token in clear" eq "$(psql_super -c "SELECT count(*) FROM strata.mail_outbox m WHERE m::text LIKE '%$TOK%'")" 0

json POST $B /v1/auth/password/reset "{\"token\":\"$TOK\",\"password\":\"$NEWPW\"}"
check "tenant A's reset token at tenant B is refused (400)" is_problem 400 invalid_token
json POST $A /v1/auth/password/reset "{\"token\":\"sin_${TOK#spr_}\",\"password\":\"$NEWPW\"}"
check "the reset secret under another prefix is refused (400)" is_problem 400 invalid_token
json POST $A /v1/auth/password/reset '{"token":42,"password":"x"}'
check "a token that is not a string is refused (400)" is_problem 400 invalid_token
json POST $A /v1/auth/password/reset "{\"token\":\"$TOK\",\"password\":\"short\"}"
check "a password against the policy is a 422" is_problem 422 validation_failed
json POST $A /v1/auth/password/reset "{\"token\":\"$TOK\",\"password\":\"$ALICE\"}"
check "a password equal to the address is a 422" is_problem 422 validation_failed

json POST $A /v1/auth/password/reset "{\"token\":\"$TOK\",\"password\":\"$NEWPW\"}"
check "the reset answers 204" status_is 204
json POST $A /v1/auth/password/reset "{\"token\":\"$TOK\",\"password\":\"$NEWPW-2\"}"
check "a used reset link is refused (410)" is_problem 410 gone
login $A "$ALICE" "$PW_USER"
check "the old password no longer works" is_problem 401 invalid_credentials
login $A "$ALICE" "$NEWPW"
check "the new password works" status_is 200
json POST $A /v1/auth/refresh "{\"refresh_token\":\"$RT1\"}"
check "an earlier refresh token is revoked" is_problem 401 invalid_token
# Several requests, so that every worker answers at least once.
codes=""
for _ in 1 2 3 4 5 6; do
	authed GET $A /v1/me "$AT1"
	codes="$codes$STATUS "
	authed GET $A /v1/me "$AT2"
	codes="$codes$STATUS "
done
check "every earlier access token is refused at once, on every worker" eq "$codes" "$(printf '401 %.0s' $(seq 12))"
authed GET $A "/v1/audit?action=auth.password_reset" "$OWNER"
check "the reset is audited" eq "$(jb '[.items[] | select(.target.id == "'"$ALICE_ID"'")] | length')" 1

# Two links: using one spends the other.
json POST $A /v1/auth/password/forgot "{\"email\":\"$ALICE\"}"
json POST $A /v1/auth/password/forgot "{\"email\":\"$ALICE\"}"
for _ in $(seq 100); do [ "$(mail_count "$ALICE")" -ge 3 ] && break; sleep 0.2; done
mapfile -t toks < <(grep -ho 'token=spr_[A-Za-z0-9_-]*' $(grep -lx "X-RcptTo: $ALICE" "$VAR"/mail/new/*) | cut -d= -f2 | sort -u | grep -vx "$TOK")
check "two more reset links came" eq "${#toks[@]}" 2
json POST $A /v1/auth/password/reset "{\"token\":\"${toks[0]}\",\"password\":\"$NEWPW-3\"}"
check "one of them resets (204)" status_is 204
json POST $A /v1/auth/password/reset "{\"token\":\"${toks[1]}\",\"password\":\"$NEWPW-4\"}"
check "the other is spent with it (410)" is_problem 410 gone

# Expiry.
json POST $A /v1/auth/password/forgot "{\"email\":\"$ALICE\"}"
for _ in $(seq 100); do [ "$(mail_count "$ALICE")" -ge 4 ] && break; sleep 0.2; done
LAST=$(grep -ho 'token=spr_[A-Za-z0-9_-]*' $(grep -lx "X-RcptTo: $ALICE" "$VAR"/mail/new/*) | cut -d= -f2 | sort -u | grep -vx -e "$TOK" -e "${toks[0]}" -e "${toks[1]}")
psql_super -c "UPDATE strata.password_resets SET expires_at = now() - interval '1 second' WHERE token_hash = sha256(convert_to('$LAST', 'UTF8'))" >/dev/null
json POST $A /v1/auth/password/reset "{\"token\":\"$LAST\",\"password\":\"$NEWPW-5\"}"
check "an expired reset link is refused (410)" is_problem 410 gone

# A disabled user gets no link.
mk_user $A "$OWNER" "off@pwr.example.com" viewer
json PATCH $A "/v1/users/$NEW_ID" '{"status":"disabled"}' "$OWNER"
json POST $A /v1/auth/password/forgot '{"email":"off@pwr.example.com"}'
check "forgot answers 202 for a disabled user too" status_is 202
sleep 1
check "a disabled user gets no mail" eq "$(mail_count off@pwr.example.com)" 0

# Equal work: the medians of known and unknown addresses, reported.
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for i in $(seq 9); do
	for who in "$ALICE" "nobody$i@pwr.example.com"; do
		curl -s -o /dev/null -w '%{time_total}\n' --cacert "$CA" \
			--resolve "$A.$BASE:$HTTPS_PORT:127.0.0.1" -H 'Content-Type: application/json' \
			--data-binary "{\"email\":\"$who\"}" \
			"https://$A.$BASE:$HTTPS_PORT/v1/auth/password/forgot" >>"$TMPD/t-${who%%@*}"
	done
done
k=$(med <"$TMPD/t-alice")
u=$(cat "$TMPD"/t-nobody* | med)
echo "# forgot: median $k s for a user, $u s for unknown addresses (ratio $(awk -v a="$k" -v b="$u" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'))"

finish
