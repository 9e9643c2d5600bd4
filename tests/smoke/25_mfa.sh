#!/usr/bin/env bash
# 25_mfa.sh - issue 18, item 4: TOTP enrolment and confirmation, the
# login's second step, wrong and replayed codes, recovery codes used once,
# brute force hitting the lockout, auth.mfa required_for_admins with its
# enrolment token, an owner's reset, disabling that needs a code, and a
# challenge of one tenant refused at another.
. "$(dirname "$0")/../lib.sh"

# The code of TOTP step $2 for base32 secret $1 (RFC 6238, computed here
# independently of the server).
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
# fresh_code SECRET LAST_STEP: CODE and CODE_STEP, a step after LAST_STEP
# that the server accepts now (this step or the next; waits for the next
# step when both were used).
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
# A code of no step near now (the window is one step either way).
stale_code() { totp_at "$1" $(($(date +%s) / 30 - 10)); }
seen() { printf '%s\n' "$@" >>"$VAR/secrets-seen"; }

mk_tenant mf-a
mk_tenant mf-b
login mf-a owner@mf-a.test "$PW_OWNER"
OWNER=$TOKEN
authed GET mf-a /v1/me "$OWNER"
OWNER_ID=$(jb .user.id)
authed GET mf-a /v1/tenant "$OWNER"
TID=$(jb .id)

# --- Enrolment.
authed GET mf-a /v1/me/mfa "$OWNER"
check "before enrolment: not enabled, not required" eq "$STATUS/$(jb .enabled)/$(jb .pending)/$(jb .required)" "200/false/false/false"
authed POST mf-a /v1/me/mfa/totp "$OWNER"
URI=$(jb .otpauth_uri)
SECRET=$(jb .secret)
seen "$SECRET"
check "enrolment answers an otpauth URI" eval '[ "$STATUS" = 200 ] && [[ "$URI" == otpauth://totp/* ]]'
check "the URI holds the secret, SHA1, 6 digits, 30 s" eval '[[ "$URI" == *"secret=$SECRET&"* && "$URI" == *algorithm=SHA1* && "$URI" == *digits=6* && "$URI" == *period=30* ]]'
check "the URI names the account" eval '[[ "$URI" == *"owner@mf-a.test"* ]]'
check "and its QR code as SVG without script or style" eval '[[ "$(jb .qr_svg)" == "<svg xmlns="*"</svg>" ]] && ! jb .qr_svg | grep -qi "script\|style"'
check "the secret is 160 bits of base32" eq "${#SECRET}" 32
STORED=$(psql_super -c "SELECT secret FROM strata.mfa_totp WHERE tenant_id = '$TID' AND user_id = '$OWNER_ID'")
check "the secret is stored sealed, never in clear" eval '[[ "$STORED" == enc:v1:* ]] && [[ "$STORED" != *"$SECRET"* ]]'
authed GET mf-a /v1/me/mfa "$OWNER"
check "an unconfirmed enrolment is pending, not enabled" eq "$(jb .enabled)/$(jb .pending)" "false/true"
login mf-a owner@mf-a.test "$PW_OWNER"
check "an unconfirmed enrolment does not change the login" eq "$STATUS/${TOKEN:0:3}" "200/eyJ"

# A second enrolment before confirming replaces the first secret.
authed POST mf-a /v1/me/mfa/totp "$OWNER"
OLD_SECRET=$SECRET
SECRET=$(jb .secret)
seen "$SECRET"
check "enrolling again gives a new secret" eval '[ "$STATUS" = 200 ] && [ "$SECRET" != "$OLD_SECRET" ]'

json POST mf-a /v1/me/mfa/totp/confirm "{\"code\":\"$(stale_code "$SECRET")\"}" "$OWNER"
check "confirming with a wrong code: 422 invalid_mfa_code" is_problem 422 invalid_mfa_code
fresh_code "$OLD_SECRET" 0
json POST mf-a /v1/me/mfa/totp/confirm "{\"code\":\"$CODE\"}" "$OWNER"
check "the replaced secret's code does not confirm" is_problem 422 invalid_mfa_code
json POST mf-a /v1/me/mfa/totp/confirm '{"code":12345}' "$OWNER"
check "a code that is not a string: 422" is_problem 422 validation_failed
json POST mf-a /v1/me/mfa/totp/confirm '{"code":"123456","x":1}' "$OWNER"
check "an unknown field: 422" is_problem 422 validation_failed
json POST mf-a /v1/me/mfa/totp/confirm '{"code":' "$OWNER"
check "malformed JSON: 400" is_problem 400 invalid_json
fresh_code "$SECRET" 0
LAST=$CODE_STEP
CONFIRM_CODE=$CODE
json POST mf-a /v1/me/mfa/totp/confirm "{\"code\":\"$CODE\"}" "$OWNER"
check "confirming with the current code: 200" status_is 200
mapfile -t RC < <(jb '.recovery_codes[]')
seen "${RC[@]}"
check "ten recovery codes, all different" eq "${#RC[@]}/$(printf '%s\n' "${RC[@]}" | sort -u | grep -c .)" "10/10"
check "a normal session gets no new tokens from confirming" eq "$(jb 'has("access_token")')" false
HASHES=$(psql_super -c "SELECT code_hash FROM strata.mfa_recovery_codes WHERE tenant_id = '$TID' AND user_id = '$OWNER_ID'")
check "ten recovery codes stored, as hashes only" eval '[ "$(grep -c . <<<"$HASHES")" = 10 ] && ! grep -qF "${RC[0]}" <<<"$HASHES" && ! grep -qF "${RC[0]//-/}" <<<"$HASHES"'
json POST mf-a /v1/me/mfa/totp/confirm "{\"code\":\"$CODE\"}" "$OWNER"
check "confirming twice: 409" is_problem 409 conflict
authed POST mf-a /v1/me/mfa/totp "$OWNER"
check "enrolling while enabled: 409 (disable first)" is_problem 409 conflict
authed GET mf-a /v1/me/mfa "$OWNER"
check "enabled, with ten recovery codes left" eq "$(jb .enabled)/$(jb .recovery_codes_left)" "true/10"

# --- The login's second step.
login mf-a owner@mf-a.test "$PW_OWNER"
CH=$(jb .challenge)
seen "$CH"
check "the password alone: 401 mfa_required" is_problem 401 mfa_required
check "with a challenge, and no token" eval '[[ "$CH" == smc_* ]] && [ "$(jb "has(\"access_token\")")" = false ] && [ "$(jb .expires_in)" -gt 0 ]'
check "the wrong password is still invalid_credentials" eval 'login mf-a owner@mf-a.test wrong-password-123; is_problem 401 invalid_credentials'
json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"$(stale_code "$SECRET")\"}"
check "a wrong code: 401 invalid_mfa_code" is_problem 401 invalid_mfa_code
json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"$CONFIRM_CODE\"}"
check "the code that confirmed enrolment cannot be replayed at login" is_problem 401 invalid_mfa_code
fresh_code "$SECRET" "$LAST"
LAST=$CODE_STEP
USED=$CODE
json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"$CODE\"}"
MFA_TOKEN=$(jb .access_token)
check "the right code: 200 with a token pair" eval '[ "$STATUS" = 200 ] && [ -n "$(jb .refresh_token)" ] && [ "$(jb .token_type)" = Bearer ]'
authed GET mf-a /v1/me "$MFA_TOKEN"
check "the token works" eq "$STATUS/$(jb .user.id)" "200/$OWNER_ID"
json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"$USED\"}"
check "a challenge is single use" is_problem 401 invalid_challenge
login mf-a owner@mf-a.test "$PW_OWNER"
CH=$(jb .challenge)
seen "$CH"
json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"$USED\"}"
check "a used code replayed on a new challenge: 401" is_problem 401 invalid_mfa_code
authed GET mf-a "/v1/audit?action=auth.mfa&limit=50" "$OWNER"
check "the replay is audited as such" eval '[ "$(jb "[.items[]|select(.outcome==\"failure\" and .details.reason==\"replayed\")]|length")" -ge 1 ]'
check "and the audit trail holds no code" eval '! grep -q "$USED" <<<"$BODY"'

# Recovery codes: once each, in any case, dashes optional.
UPPER=$(tr 'a-z' 'A-Z' <<<"${RC[0]}")
json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"$UPPER\"}"
check "a recovery code completes the login" eq "$STATUS/$(jb .token_type)" "200/Bearer"
login mf-a owner@mf-a.test "$PW_OWNER"
CH=$(jb .challenge)
seen "$CH"
json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"${RC[0]//-/}\"}"
check "the same recovery code a second time: 401" is_problem 401 invalid_mfa_code
json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"abcd-efgh-ijkl\"}"
check "an unknown recovery code: 401" is_problem 401 invalid_mfa_code
authed GET mf-a /v1/me/mfa "$OWNER"
check "nine recovery codes left" eq "$(jb .recovery_codes_left)" 9

# Malformed second steps.
json POST mf-a /v1/auth/mfa '{"challenge":"smc_nope","code":"123456"}'
check "a malformed challenge: 401 invalid_challenge" is_problem 401 invalid_challenge
json POST mf-a /v1/auth/mfa "{\"challenge\":\"smc_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | head -c 43)\",\"code\":\"123456\"}"
check "an unknown challenge: 401 invalid_challenge" is_problem 401 invalid_challenge
json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH\"}"
check "no code: 422" is_problem 422 validation_failed
json POST mf-a /v1/auth/mfa '[]'
check "not an object: 422" is_problem 422 validation_failed

# --- A challenge of tenant A presented at tenant B.
json POST mf-b /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"${RC[1]}\"}"
check "tenant A's challenge at tenant B: 401 invalid_challenge" is_problem 401 invalid_challenge
json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"${RC[1]}\"}"
check "and it did not spend the recovery code: the challenge completes at A" eq "$STATUS" 200
B_OWNER_TOKEN=$(jb .access_token)
authed GET mf-b /v1/me "$B_OWNER_TOKEN"
check "tenant A's token from the second step is refused at B" eq "$STATUS" 401

# --- API keys have no second factor.
json POST mf-a /v1/api-keys '{"name":"ci","permissions":["records:read"]}' "$OWNER"
KEY=$(jb .key)
authed POST mf-a /v1/me/mfa/totp "$KEY"
check "an API key cannot enrol: 403" is_problem 403 forbidden

# --- Brute force hits the lockout (three failures lock, for this test).
json PATCH mf-a /v1/config '{"settings":{"auth":{"lockout_threshold":3}}}' "$OWNER"
check "lockout threshold 3" status_is 200
mk_user mf-a "$OWNER" bob@mf-a.test member
BOB_ID=$NEW_ID
login mf-a bob@mf-a.test "$PW_USER"
BOB=$TOKEN
authed POST mf-a /v1/me/mfa/totp "$BOB"
BOB_SECRET=$(jb .secret)
seen "$BOB_SECRET"
fresh_code "$BOB_SECRET" 0
BOB_LAST=$CODE_STEP
json POST mf-a /v1/me/mfa/totp/confirm "{\"code\":\"$CODE\"}" "$BOB"
check "a member enrols too" status_is 200
login mf-a bob@mf-a.test "$PW_USER"
CH=$(jb .challenge)
seen "$CH"
for i in 1 2; do
	json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"$(stale_code "$BOB_SECRET")\"}"
done
check "two wrong codes: still 401" is_problem 401 invalid_mfa_code
login mf-a bob@mf-a.test "$PW_USER"
check "the right password does not clear the failures" is_problem 401 mfa_required
CH2=$(jb .challenge)
seen "$CH2"
# The right code is ready before the lock begins (it lasts 5 s).
fresh_code "$BOB_SECRET" "$BOB_LAST"
json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH2\",\"code\":\"$(stale_code "$BOB_SECRET")\"}"
check "the third wrong code (over two challenges) is refused" is_problem 401 invalid_mfa_code
json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH2\",\"code\":\"$CODE\"}"
check "then even the right code is locked out: 429" is_problem 429 rate_limited
check "with Retry-After" eval '[ -n "$(header retry-after)" ]'
login mf-a bob@mf-a.test "$PW_USER"
check "and the password login is locked too" is_problem 429 rate_limited
authed GET mf-a "/v1/audit?action=auth.mfa&actor=$BOB_ID&limit=50" "$OWNER"
check "the lockout of the second step is audited" eval '[ "$(jb "[.items[]|select(.outcome==\"denied\")]|length")" -ge 1 ]'
check "bob's other sessions are untouched" eval 'authed GET mf-a /v1/me "$BOB"; [ "$STATUS" = 200 ]'
# A challenge allows five tries at most, whatever the lockout.
json PATCH mf-a /v1/config '{"settings":{"auth":{"lockout_threshold":100}}}' "$OWNER"
psql_super -c "DELETE FROM strata.login_failures WHERE tenant_id = '$TID'" >/dev/null
login mf-a bob@mf-a.test "$PW_USER"
CH=$(jb .challenge)
seen "$CH"
for i in 1 2 3 4 5; do
	json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"$(stale_code "$BOB_SECRET")\"}"
done
fresh_code "$BOB_SECRET" "$BOB_LAST"
json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"$CODE\"}"
check "after five wrong codes the challenge is spent" is_problem 401 invalid_challenge

# --- Key rotation and re-encryption: the sealed secret follows the keys.
req POST mf-a /v1/keys/rotate -H "Authorization: Bearer $OWNER"
check "the tenant's keys are rotated" status_is 200
OUT=$($STRATA keys reencrypt --tenant mf-a 2>"$TMPD/re.err")
check "keys reencrypt re-seals the TOTP secrets and retires the old data key" eq "$(jq -r '"\(.mfa_secrets >= 1)/\(.retired_data_keys >= 1)"' <<<"$OUT" 2>/dev/null)" "true/true"
check "no secret is left under a retired key" eq "$(psql_super -c "SELECT count(*) FROM strata.mfa_totp m WHERE m.tenant_id = '$TID' AND split_part(m.secret, ':', 3) NOT IN (SELECT id::text FROM strata.tenant_keys k WHERE k.tenant_id = '$TID' AND k.purpose = 'data' AND k.retired_at IS NULL)")" 0
login mf-a bob@mf-a.test "$PW_USER"
CH=$(jb .challenge)
seen "$CH"
fresh_code "$BOB_SECRET" "$BOB_LAST"
BOB_LAST=$CODE_STEP
json POST mf-a /v1/auth/mfa "{\"challenge\":\"$CH\",\"code\":\"$CODE\"}"
check "after re-encryption the second step still works" eq "$STATUS/$(jb .token_type)" "200/Bearer"

# --- Two concurrent uses of one code (and of one recovery code): one wins.
mfa_post() { # HOST CHALLENGE CODE OUTFILE: the status into OUTFILE
	local host
	host=$(url_host "$1")
	curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" \
		--resolve "$host:$HTTPS_PORT:127.0.0.1" -X POST \
		-H 'Content-Type: application/json' \
		--data-binary "{\"challenge\":\"$2\",\"code\":\"$3\"}" \
		"https://$host:$HTTPS_PORT/v1/auth/mfa" >"$4"
}
two_challenges() {
	login mf-a bob@mf-a.test "$PW_USER"
	CH_A=$(jb .challenge)
	login mf-a bob@mf-a.test "$PW_USER"
	CH_B=$(jb .challenge)
	seen "$CH_A" "$CH_B"
}
two_challenges
fresh_code "$BOB_SECRET" "$BOB_LAST"
BOB_LAST=$CODE_STEP
mfa_post mf-a "$CH_A" "$CODE" "$TMPD/race-a" &
mfa_post mf-a "$CH_B" "$CODE" "$TMPD/race-b" &
wait
check "one TOTP code sent twice at once: exactly one login" eq "$(cat "$TMPD/race-a" "$TMPD/race-b" | fold -w3 | sort | tr '\n' ' ')" "200 401 "
# Bob's first recovery codes were not kept: the owner resets his MFA and
# he enrols again.
authed DELETE mf-a "/v1/users/$BOB_ID/mfa" "$OWNER"
authed POST mf-a /v1/me/mfa/totp "$BOB"
BOB_SECRET=$(jb .secret)
seen "$BOB_SECRET"
fresh_code "$BOB_SECRET" 0
BOB_LAST=$CODE_STEP
json POST mf-a /v1/me/mfa/totp/confirm "{\"code\":\"$CODE\"}" "$BOB"
BOB_RC=$(jb '.recovery_codes[0]')
seen "$BOB_RC"
check "after an owner's reset bob enrols again" status_is 200
two_challenges
mfa_post mf-a "$CH_A" "$BOB_RC" "$TMPD/race-a" &
mfa_post mf-a "$CH_B" "$BOB_RC" "$TMPD/race-b" &
wait
check "one recovery code sent twice at once: exactly one login" eq "$(cat "$TMPD/race-a" "$TMPD/race-b" | fold -w3 | sort | tr '\n' ' ')" "200 401 "

# --- Disabling needs a code.
req DELETE mf-a /v1/me/mfa -H "Authorization: Bearer $OWNER"
check "disabling without a code: refused" eval '[ "$STATUS" = 400 ] || [ "$STATUS" = 422 ]'
json DELETE mf-a /v1/me/mfa "{\"code\":\"$(stale_code "$SECRET")\"}" "$OWNER"
check "disabling with a wrong code: 403 invalid_mfa_code" is_problem 403 invalid_mfa_code
json DELETE mf-a /v1/me/mfa "{\"code\":\"${RC[0]}\"}" "$OWNER"
check "disabling with a used recovery code: 403" is_problem 403 invalid_mfa_code
authed GET mf-a /v1/me/mfa "$OWNER"
check "MFA is still enabled after the refusals" eq "$(jb .enabled)" true
json DELETE mf-a /v1/me/mfa "{\"code\":\"${RC[2]}\"}" "$OWNER"
check "disabling with a recovery code: 204" status_is 204
login mf-a owner@mf-a.test "$PW_OWNER"
check "the password alone signs in again" eq "$STATUS/${TOKEN:0:3}" "200/eyJ"
check "no authenticator or recovery code is left" eq "$(psql_super -c "SELECT (SELECT count(*) FROM strata.mfa_totp WHERE tenant_id = '$TID' AND user_id = '$OWNER_ID') + (SELECT count(*) FROM strata.mfa_recovery_codes WHERE tenant_id = '$TID' AND user_id = '$OWNER_ID')")" 0
json DELETE mf-a /v1/me/mfa '{"code":"123456"}' "$OWNER"
check "disabling when not enabled: 409" is_problem 409 conflict
authed GET mf-a "/v1/audit?action=mfa.&limit=50" "$OWNER"
check "enrol, enable, disable (refused and done) and the owner's reset are audited" eval '[ "$(jb "[.items[]|.action+\"/\"+.outcome]|unique|join(\",\")")" = "mfa.disable/failure,mfa.disable/success,mfa.enable/success,mfa.enrol/success,mfa.reset/success" ]'

# --- auth.mfa = required_for_admins, and the enrolment token.
mk_tenant mf-c
login mf-c owner@mf-c.test "$PW_OWNER"
C_OWNER=$TOKEN
mk_user mf-c "$C_OWNER" ann@mf-c.test admin
ANN_ID=$NEW_ID
mk_user mf-c "$C_OWNER" max@mf-c.test member
json PATCH mf-c /v1/config '{"settings":{"auth":{"mfa":"sometimes"}}}' "$C_OWNER"
check "an unknown auth.mfa value: 422" is_problem 422 validation_failed
json PATCH mf-c /v1/config '{"settings":{"auth":{"mfa":"required_for_admins"}}}' "$C_OWNER"
check "auth.mfa = required_for_admins" eq "$STATUS/$(jb .settings.auth.mfa)" "200/required_for_admins"
login mf-c max@mf-c.test "$PW_USER"
check "a member still signs in with the password" eq "$STATUS/${TOKEN:0:3}" "200/eyJ"
login mf-c ann@mf-c.test "$PW_USER"
ENROL=$(jb .enrolment_token)
seen "$ENROL"
check "an admin without MFA is told to enrol: 403 mfa_enrolment_required" is_problem 403 mfa_enrolment_required
check "with an enrolment token and no session" eval '[ -n "$ENROL" ] && [ "$(jb "has(\"access_token\") or has(\"refresh_token\")")" = false ]'
authed GET mf-c /v1/me "$ENROL"
check "the enrolment token reads /v1/me, which says what it is for" eq "$STATUS/$(jb .mfa_enrolment_required)/$(jb '.permissions|length')" "200/true/0"
authed GET mf-c /v1/users "$ENROL"
check "and nothing else: /v1/users is 403 mfa_enrolment_required" is_problem 403 mfa_enrolment_required
authed GET mf-c /v1/config "$ENROL"
check "/v1/config is refused too" is_problem 403 mfa_enrolment_required
authed DELETE mf-c "/v1/users/$ANN_ID/mfa" "$ENROL"
check "an owner-only route is refused too" is_problem 403 mfa_enrolment_required
authed GET mf-a /v1/me "$ENROL"
check "tenant C's enrolment token at tenant A: 401" eq "$STATUS" 401
authed GET mf-c /v1/me/mfa "$ENROL"
check "the enrolment status says required" eq "$STATUS/$(jb .required)/$(jb .enabled)" "200/true/false"
authed POST mf-c /v1/me/mfa/totp "$ENROL"
ANN_SECRET=$(jb .secret)
seen "$ANN_SECRET"
check "the enrolment token enrols" status_is 200
fresh_code "$ANN_SECRET" 0
ANN_LAST=$CODE_STEP
json POST mf-c /v1/me/mfa/totp/confirm "{\"code\":\"$CODE\"}" "$ENROL"
ANN=$(jb .access_token)
check "confirming gives recovery codes and a real session" eq "$STATUS/$(jb '.recovery_codes|length')/$(jb .token_type)" "200/10/Bearer"
authed GET mf-c /v1/users "$ANN"
check "which opens the admin's routes" status_is 200
login mf-c ann@mf-c.test "$PW_USER"
check "the admin's next login asks for the code" is_problem 401 mfa_required

# --- An owner resets a member's MFA.
authed DELETE mf-c "/v1/users/$ANN_ID/mfa" "$ANN"
check "an admin (not owner) cannot reset MFA: 403" is_problem 403 forbidden
authed DELETE mf-c "/v1/users/$BOB_ID/mfa" "$C_OWNER"
check "another tenant's user: 404" is_problem 404 not_found
authed DELETE mf-c "/v1/users/not-a-uuid/mfa" "$C_OWNER"
check "a malformed id: 404" is_problem 404 not_found
authed DELETE mf-c "/v1/users/$ANN_ID/mfa" "$C_OWNER"
check "the owner resets the admin's MFA: 204" status_is 204
authed GET mf-c "/v1/audit?action=mfa.reset" "$C_OWNER"
check "the reset is audited, by the owner, against the admin" eq "$(jb '.items[0].target.id')/$(jb '.items[0].outcome')" "$ANN_ID/success"
login mf-c ann@mf-c.test "$PW_USER"
check "after the reset the policy asks the admin to enrol again" is_problem 403 mfa_enrolment_required
seen "$(jb .enrolment_token)"
authed GET mf-a /v1/me/mfa "$BOB"
check "the reset in tenant C left tenant A's bob alone" eq "$(jb .enabled)" true

# --- auth.mfa = required: every password user.
json PATCH mf-c /v1/config '{"settings":{"auth":{"mfa":"required"}}}' "$C_OWNER"
login mf-c max@mf-c.test "$PW_USER"
check "required: a member is told to enrol as well" is_problem 403 mfa_enrolment_required
seen "$(jb .enrolment_token)"
json PATCH mf-c /v1/config '{"settings":{"auth":{"mfa":"optional"}}}' "$C_OWNER"
login mf-c max@mf-c.test "$PW_USER"
check "optional again: the password suffices" eq "$STATUS/${TOKEN:0:3}" "200/eyJ"

finish
