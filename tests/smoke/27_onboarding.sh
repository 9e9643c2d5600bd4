#!/usr/bin/env bash
# 27_onboarding.sh - signup, customised (issue 18 item 7): the plan, a
# template and a region that plan offers and the locale, each refused
# when it is not acceptable (and nothing made then); the onboarding
# checklist (GET /v1/onboarding) flipping as the tenant gains a
# collection, a second user, an API key and single sign-on, never showing
# another tenant's state; and GET /v1/auth/providers, what a browser may
# learn of a tenant's sign-in (the console's SSO button): null without an
# authorization endpoint, never a key or the role mapping.
. "$(dirname "$0")/../lib.sh"

run=$$
errs() { jb '[.errors[]?.field] | sort | join(",")'; }
signup() { # SLUG EXTRA-MEMBERS (JSON, without braces, may be empty)
	json POST apex /v1/signup "{\"slug\":\"$1\",\"name\":\"Onboard $1\",\"owner\":{\"email\":\"o@$1.test\",\"password\":\"founder-pass-123\"}${2:+,$2}}"
}
slug_free() { # SLUG: no tenant of that slug was made
	[ -z "$($STRATA tenant list | jq -r --arg s "$1" '.[] | select(.slug == $s) | .id')" ]
}

printf 'operator-pass-13579\n' | $STRATA operator create --email "ob-ops-$run@strata.test" >/dev/null
json POST apex /v1/platform/login "{\"email\":\"ob-ops-$run@strata.test\",\"password\":\"operator-pass-13579\"}"
OP=$(jb .access_token)
authed GET apex /v1/platform/plans "$OP"
FREE_REGIONS=$(jb -c '.items[] | select(.name == "free") | .regions')
check "the default plan's regions are read" eq "$STATUS/$([ -n "$FREE_REGIONS" ] && echo y)" "200/y"
restore_regions() {
	json PATCH apex /v1/platform/plans/free "{\"regions\":$FREE_REGIONS}" "$OP"
	[ "$STATUS" = 200 ]
}

# ---------------------------------------------------------------- signup
# The default plan lists no region: none may be chosen.
S1=ob-a-$run
json PATCH apex /v1/platform/plans/free '{"regions":[]}' "$OP"
signup "$S1" '"region":"eu-west"'
check "signup: a region the plan does not offer is 422 region" eq "$STATUS/$(errs)" "422/region"
check "  ...and says what the plan offers" eq "$(jb '.errors[0].message')" "the free plan offers no choice of region"
check "  ...and nothing is made" slug_free "$S1"
signup "$S1"
check "signup without a region: the one region there is ('local')" eq "$STATUS/$(jb .tenant.region)/$(jb .tenant.plan)" "201/local/free"

# The operator gives the plan two regions.
json PATCH apex /v1/platform/plans/free '{"regions":["eu-west","us-east"]}' "$OP"
check "an operator lists regions in the default plan" eq "$STATUS/$(jb '.regions | join(",")')" "200/eu-west,us-east"
S2=ob-b-$run
signup "$S2" '"plan":"free","template":"startup","region":"us-east","locale":"fr-CA"'
check "signup with plan, template, region and locale" eq "$STATUS/$(jb .tenant.plan)/$(jb .tenant.region)" "201/free/us-east"
OWNER_B=$(jb .access_token)
ID_B=$(jb .tenant.id)
authed GET "$S2" /v1/config "$OWNER_B"
check "  ...the locale is the tenant's locale setting, on the template" eq "$(jb .settings.locale)/$(jb .settings.limits.max_records)/$(jb .comment)" "fr-CA/10000/template startup"
authed GET apex /v1/platform/tenants?limit=200 "$OP"
check "  ...the operators' list shows the region" eq "$(jb --arg id "$ID_B" '.items[] | select(.id == $id) | .region + "/" + .plan')" "us-east/free"
authed GET "$S2" "/v1/audit?action=tenant.create" "$OWNER_B"
check "  ...and the creation's audit event names it" eq "$(jb '.items[0].details.region')" "us-east"
S3=ob-c-$run
signup "$S3"
check "signup without a region gets the plan's first" eq "$STATUS/$(jb .tenant.region)" "201/eu-west"
OWNER_C=$(jb .access_token) ID_C=$(jb .tenant.id)
authed GET "$S3" /v1/config "$OWNER_C"
check "  ...and without a locale, the template's" eq "$(jb .settings.locale)" "en"

# The command line makes tenants by the same rules.
S5=ob-e-$run
out=$(echo "$PW_OWNER" | $STRATA tenant create --slug "$S5" --name "E" --owner-email "o@$S5.test" --region us-east --locale de 2>&1)
check "strata tenant create --region --locale" eq "$(jq -r '.region + "/" + .plan' <<<"$out" 2>/dev/null)" "us-east/free"
login "$S5" "o@$S5.test" "$PW_OWNER"
authed GET "$S5" /v1/config "$TOKEN"
check "  ...with that locale" eq "$(jb .settings.locale)" "de"
if echo "$PW_OWNER" | $STRATA tenant create --slug "$S5-x" --name "E" --owner-email "o@$S5.test" --region ap-south >/dev/null 2>&1; then
	not_ok "strata tenant create refuses a region the plan does not list"
else
	check "strata tenant create refuses a region the plan does not list" slug_free "$S5-x"
fi

S4=ob-d-$run
for c in '"region":"ap-south"=region' '"region":"EU-WEST"=region' '"region":7=region' '"region":null=region' \
	'"locale":"english"=locale' '"locale":"fr-ca"=locale' '"locale":5=locale' '"locale":""=locale' \
	'"plan":"enterprise"=plan' '"plan":["free"]=plan' '"template":"enterprise"=template' '"template":"nope"=template' \
	'"region":"ap-south","locale":"x y","plan":"team"=plan' '"owner_region":"eu-west"=?'; do
	body=${c%=*} want=${c##*=}
	signup "$S4" "$body"
	if [ "$want" = "?" ]; then
		check "signup: an unknown member ($body) is 422" eq "$STATUS" 422
	else
		check "signup: {$body} is 422 naming $want" eq "$STATUS/$(errs)" "422/$want"
	fi
done
check "  ...none of the refused signups made a tenant" slug_free "$S4"
json POST apex /v1/signup '{"slug":"'"$S4"'","name":"x","owner":{"email":"o@x.test","password":"founder-pass-123"},"region":"'"$(head -c 5000 /dev/zero | tr '\0' a)"'"}'
check "signup: a 5000-byte region is 422, not echoed" eq "$STATUS/$(errs)/$(grep -c aaaaaaaaaaaaaaaaaaaa <<<"$BODY")" "422/region/0"
req POST apex /v1/signup -H 'Content-Type: application/json' --data-binary '{"slug":"'"$S4"'","region":'
check "signup: malformed JSON is 400 invalid_json" is_problem 400 invalid_json
check "the default plan's regions are restored" restore_regions

# ---------------------------------------------------------------- checklist
steps() { jb '[.steps[] | "\(.name)=\(.done)"] | join(",")'; }
authed GET "$S1" /v1/onboarding "$OWNER_B"
check "onboarding: tenant B's token at tenant A is 401" eq "$STATUS" 401
signup_login() { login "$1" "o@$1.test" founder-pass-123; }
signup_login "$S1"
OWNER_A=$TOKEN
req GET "$S1" /v1/onboarding
check "onboarding: without a credential 401" eq "$STATUS" 401
authed GET "$S1" /v1/onboarding "$OWNER_A"
check "onboarding: a new tenant has done nothing yet" eq "$STATUS/$(steps)/$(jb .done)/$(jb .total)" \
	"200/first_collection=false,second_user=false,sso_or_mfa=false,api_key=false/0/4"
json POST "$S1" /v1/collections '{"name":"notes","fields":{"text":{"type":"string"}}}' "$OWNER_A"
authed GET "$S1" /v1/onboarding "$OWNER_A"
check "onboarding: the first collection" eq "$(steps)" "first_collection=true,second_user=false,sso_or_mfa=false,api_key=false"
mk_user "$S1" "$OWNER_A" "viewer@$S1.test" viewer
VIEWER_ID=$NEW_ID
authed GET "$S1" /v1/onboarding "$OWNER_A"
check "onboarding: a second user" eq "$(steps)" "first_collection=true,second_user=true,sso_or_mfa=false,api_key=false"
login "$S1" "viewer@$S1.test" "$PW_USER"
authed GET "$S1" /v1/onboarding "$TOKEN"
check "onboarding: a viewer (no config:read) is 403" is_problem 403 forbidden
json PATCH "$S1" "/v1/users/$VIEWER_ID" '{"status":"disabled"}' "$OWNER_A"
authed GET "$S1" /v1/onboarding "$OWNER_A"
check "onboarding: a disabled user does not count" eq "$STATUS/$(steps)" "200/first_collection=true,second_user=false,sso_or_mfa=false,api_key=false"
json PATCH "$S1" "/v1/users/$VIEWER_ID" '{"status":"active"}' "$OWNER_A"
json POST "$S1" /v1/api-keys '{"name":"ci","permissions":["records:read"]}' "$OWNER_A"
KEY_ID=$(jb .id) KEY=$(jb .key)
authed GET "$S1" /v1/onboarding "$OWNER_A"
check "onboarding: an API key" eq "$(steps)" "first_collection=true,second_user=true,sso_or_mfa=false,api_key=true"
authed GET "$S1" /v1/onboarding "$KEY"
check "onboarding: a key without config:read is 403" eq "$STATUS" 403
authed DELETE "$S1" "/v1/api-keys/$KEY_ID" "$OWNER_A"
authed GET "$S1" /v1/onboarding "$OWNER_A"
check "onboarding: a revoked key does not count" eq "$(steps)" "first_collection=true,second_user=true,sso_or_mfa=false,api_key=false"
json POST "$S1" /v1/api-keys '{"name":"ci2","permissions":["config:read"]}' "$OWNER_A"
KEY=$(jb .key)
authed GET "$S1" /v1/onboarding "$KEY"
check "onboarding: a key with config:read reads it" eq "$STATUS/$(jb '.steps[3].done')" "200/true"

# Single sign-on: a key pair made here (as 08_config.sh does).
b64u() { basenc --base64url -w0 | tr -d '='; }
openssl genrsa -out "$TMPD/idp.pem" 2048 2>/dev/null
N=$(openssl rsa -in "$TMPD/idp.pem" -noout -modulus | cut -d= -f2 | basenc --base16 -d | b64u)
ISS="https://idp.$S1.test"
oidc() { # EXTRA-MEMBERS of auth.oidc (JSON, may be empty)
	jq -cn --arg n "$N" --arg iss "$ISS" --argjson x "{${1:-}}" '{settings:{auth:{oidc:({issuer:$iss,
		audience:"console-client-77",jwks:{keys:[{kty:"RSA",kid:"secret-kid-41",alg:"RS256",use:"sig",n:$n,e:"AQAB"}]},
		role_claim:"groups-claim-93",role_mapping:{"idp-admins-58":"admin"},default_role:"viewer"} + $x)}}}'
}
req GET "$S1" /v1/auth/providers
check "providers: password only before SSO (anonymous)" eq "$STATUS/$(jb -c .)" '200/{"password":true,"oidc":null}'
json PATCH "$S1" /v1/config "$(oidc)" "$OWNER_A"
check "auth.oidc without an authorization endpoint is accepted" eq "$STATUS/$(jb .settings.auth.oidc.authorization_endpoint)" "200/null"
authed GET "$S1" /v1/onboarding "$OWNER_A"
check "onboarding: SSO configured" eq "$(steps)/$(jb .done)" "first_collection=true,second_user=true,sso_or_mfa=true,api_key=true/4"
req GET "$S1" /v1/auth/providers
check "providers: no browser flow without an authorization endpoint" eq "$STATUS/$(jb -c .oidc)" "200/null"
for bad in '"http://idp.test/authorize"' '"https://idp.test/authorize#frag"' '"javascript:alert(1)"' '42' '"https://u@idp.test/a"'; do
	json PATCH "$S1" /v1/config "$(oidc "\"authorization_endpoint\":$bad")" "$OWNER_A"
	check "auth.oidc.authorization_endpoint $bad is 422 naming it" eq "$STATUS/$(errs)" "422/auth.oidc.authorization_endpoint"
done
AUTHZ="https://idp.$S1.test:9443/oauth2/authorize?realm=r1"
json PATCH "$S1" /v1/config "$(oidc "\"authorization_endpoint\":\"$AUTHZ\"")" "$OWNER_A"
check "an https authorization endpoint is accepted" eq "$STATUS/$(jb .settings.auth.oidc.authorization_endpoint)" "200/$AUTHZ"
req GET "$S1" /v1/auth/providers
check "providers: the SSO button's facts, at once" eq "$STATUS/$(jb -c .)" \
	"200/{\"password\":true,\"oidc\":{\"issuer\":\"$ISS\",\"authorization_endpoint\":\"$AUTHZ\",\"client_id\":\"console-client-77\"}}"
check "providers: never the keys, the claim or the role mapping" eval \
	'! grep -qiE "jwks|secret-kid-41|groups-claim-93|idp-admins-58|role_mapping|default_role|AQAB|${N:0:24}" <<<"$BODY"'
check "providers: no-store (nothing cached past a change)" eval '[ -z "$(header cache-control)" ] || ! grep -qi "max-age=[1-9]" <<<"$(header cache-control)"'
req GET "$S2" /v1/auth/providers
check "providers: another tenant shows its own (none)" eq "$STATUS/$(jb -c .oidc)" "200/null"
req GET apex /v1/auth/providers
check "providers: not on the apex" eq "$STATUS" 404
json PATCH "$S1" /v1/config '{"settings":{"auth":{"oidc":null}}}' "$OWNER_A"
req GET "$S1" /v1/auth/providers
check "providers: SSO switched off shows at once" eq "$STATUS/$(jb -c .oidc)" "200/null"
authed GET "$S1" /v1/onboarding "$OWNER_A"
check "onboarding: SSO off again" eq "$(jb '.steps[2].done')" "false"

# auth.mfa: a policy that asks for a second factor counts; so does one
# confirmed authenticator under the optional policy.
for m in required_for_admins=true required=true optional=false; do
	json PATCH "$S3" /v1/config "{\"settings\":{\"auth\":{\"mfa\":\"${m%=*}\"}}}" "$OWNER_C"
	authed GET "$S3" /v1/onboarding "$OWNER_C"
	check "onboarding: auth.mfa ${m%=*} counts as sso_or_mfa=${m#*=}" eq "$STATUS/$(jb '.steps[2].done')" "200/${m#*=}"
done
totp_now() { # SECRET: the RFC 6238 code of now
	python3 -c 'import base64, hashlib, hmac, struct, sys, time
s = sys.argv[1]; k = base64.b32decode(s + "=" * (-len(s) % 8))
m = hmac.new(k, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = m[19] & 15
print("%06d" % ((struct.unpack(">I", m[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$1"
}
json POST "$S3" /v1/me/mfa/totp '{}' "$OWNER_C"
SECRET_C=$(jb .secret)
authed GET "$S3" /v1/onboarding "$OWNER_C"
check "onboarding: an enrolment not yet confirmed does not count" eq "$(jb '.steps[2].done')" false
json POST "$S3" /v1/me/mfa/totp/confirm "{\"code\":\"$(totp_now "$SECRET_C")\"}" "$OWNER_C"
check "the owner confirms the enrolment (200)" eq "$STATUS" 200
authed GET "$S3" /v1/onboarding "$OWNER_C"
check "onboarding: one confirmed authenticator counts as sso_or_mfa" eq "$(jb '.steps[2].done')" true

# Tenant B has done none of A's steps, whatever A did.
authed GET "$S2" /v1/onboarding "$OWNER_B"
check "onboarding: another tenant's checklist is its own" eq "$STATUS/$(steps)" "200/first_collection=false,second_user=false,sso_or_mfa=false,api_key=false"
finish
