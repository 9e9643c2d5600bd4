#!/usr/bin/env bash
# 08_config.sh - tenant configuration: validation, versions, optimistic
# concurrency, restore, instant propagation to every worker, and settings
# that take effect (token lifetime, password policy, lockout, limits, CORS,
# custom domains, templates, OIDC single sign-on).
. "$(dirname "$0")/../lib.sh"

mk_tenant cf-a
mk_tenant cf-b
login cf-a owner@cf-a.test "$PW_OWNER"
OWNER=$TOKEN
login cf-b owner@cf-b.test "$PW_OWNER"
OWNER_B=$TOKEN
mk_user cf-a "$OWNER" member@cf-a.test member
login cf-a member@cf-a.test "$PW_USER"
MEMBER=$TOKEN
mk_user cf-a "$OWNER" viewer@cf-a.test viewer
login cf-a viewer@cf-a.test "$PW_USER"
VIEWER=$TOKEN
put() {
	if [ -n "${2:-}" ]; then
		json PUT cf-a /v1/config "$1" "$OWNER" -H "If-Match: \"$2\""
	else
		json PUT cf-a /v1/config "$1" "$OWNER"
	fi
}
version() { authed GET cf-a /v1/config "$OWNER"; jb .version; }

authed GET cf-a /v1/config "$MEMBER"
check "a member reads the configuration (version 1 from the template)" eq "$STATUS/$(jb .version)/$(header etag)" '200/1/"1"'
check "the template's defaults are there" eq "$(jb '.settings.auth.access_token_ttl')/$(jb '.settings.limits.max_records')" "900/100000"
SETTINGS=$(jb -c .settings)
authed GET cf-a /v1/config "$VIEWER"
check "a viewer cannot (403)" eq "$STATUS" 403

put "{\"settings\":$SETTINGS}"
check "PUT without If-Match is 428" is_problem 428 precondition_required
put "{\"settings\":$SETTINGS}" 7
check "PUT with a stale If-Match is 412" eq "$STATUS" 412
json PUT cf-a /v1/config "{\"settings\":$SETTINGS}" "$OWNER" -H 'If-Match: garbage'
check "PUT with a garbage If-Match is 412" eq "$STATUS" 412
json PUT cf-a /v1/config "{\"settings\":$SETTINGS}" "$MEMBER" -H 'If-Match: "1"'
check "a member cannot write (403)" eq "$STATUS" 403
put "{\"settings\":$(jq -c '.display_name = "Acme" | .features.beta = true' <<<"$SETTINGS"),\"comment\":\"rename\"}" 1
check "PUT with the current version writes version 2" eq "$STATUS/$(jb .version)/$(header etag)/$(jb .comment)" '200/2/"2"/rename'
check "the new settings are returned" eq "$(jb .settings.display_name)" Acme

# Invalid settings: 422 naming each problem, no version written.
for bad in '{"settings":{"colour":"red"}}' '{"settings":{"limits":{"max_records":-1}}}' '{"settings":{"auth":{"access_token_ttl":"long"}}}' '{"settings":{"auth":{"access_token_ttl":5}}}' '{"settings":{"branding":{"primary_color":"red"}}}' '{"settings":{"cors":{"allowed_origins":["javascript:alert(1)"]}}}' '{"settings":{"locale":"english"}}' '{"settings":{"features":{"x":"yes"}}}' '{"settings":[]}' '{"settings":"x"}' '{"settings":{"domains":["sub.cf-a.strata.localhost"]}}' '{"settings":{"auth":{"oidc":{"issuer":"http://idp","audience":"a","jwks":{"keys":[{"kty":"oct","kid":"k","k":"c2VjcmV0"}]}}}}}' '{"settings":{"branding":{"logo_url":"http://x/logo.png"}}}'; do
	put "$bad" 2
	check "invalid settings are 422: ${bad:12:50}" is_problem 422 validation_failed
done
put '{"settings":{"colour":"red","limits":{"burst":0},"locale":5}}' 2
check "every problem is listed" eq "$(jb '[.errors[].field]|sort|join(",")')" "colour,limits.burst,locale"
head -c 2100000 /dev/zero | tr '\0' ' ' >"$TMPD/huge"
printf '{"settings":{}}' >>"$TMPD/huge"
req PUT cf-a /v1/config -H "Authorization: Bearer $OWNER" -H "Content-Type: application/json" -H 'If-Match: "2"' --data-binary @"$TMPD/huge"
check "a 2 MiB settings document is 413" eq "$STATUS" 413
check "no version was written by any of them" eq "$(version)" 2

# PATCH (merge patch), history, restore.
json PATCH cf-a /v1/config '{"settings":{"features":{"beta":null,"dark":true}},"comment":"flags"}' "$OWNER"
check "PATCH merges into a new version" eq "$STATUS/$(jb .version)/$(jb -c .settings.features)" '200/3/{"dark":true}'
json PATCH cf-a /v1/config '{"settings":{"limits":{"burst":"lots"}}}' "$OWNER"
check "an invalid PATCH is 422" eq "$STATUS/$(version)" "422/3"
json PATCH cf-a /v1/config '{"settings":{"locale":"fr-CA"}}' "$OWNER" -H 'If-Match: "1"'
check "a stale PATCH is 412" eq "$STATUS" 412
authed GET cf-a /v1/config/versions "$MEMBER"
check "history lists every version, newest first" eq "$(jb '[.items[].version]|join(",")')" "3,2,1"
authed GET cf-a /v1/config/versions/1 "$MEMBER"
check "one version" eq "$STATUS/$(jb .version)/$(jb .settings.display_name)" "200/1/"
V1=$(jb -c .settings)
for n in 99 0 abc -1 "1%20OR%201=1"; do
	authed GET cf-a "/v1/config/versions/$n" "$MEMBER"
	check "version $n is 404" eq "$STATUS" 404
done
authed GET cf-b /v1/config/versions/3 "$OWNER_B"
check "another tenant's version number is 404" eq "$STATUS" 404
req POST cf-a /v1/config/versions/99/restore -H "Authorization: Bearer $OWNER"
check "restoring a missing version is 404 and writes nothing" eq "$STATUS/$(version)" "404/3"
req POST cf-a /v1/config/versions/1/restore -H "Authorization: Bearer $OWNER"
check "restore writes a new version" eq "$STATUS/$(jb .version)/$(jb .restored_from)" "200/4/1"
check "equal to the restored one" eq "$(jq -cS .settings <<<"$BODY")" "$(jq -cS . <<<"$V1")"

# Concurrent writers: exactly one wins.
echo "{\"settings\":$(jq -c '.display_name = "race"' <<<"$V1")}" >"$TMPD/race.json"
codes=$(seq 8 | xargs -P 8 -n 1 sh -c 'curl -s -o /dev/null -w "%{http_code}\n" --cacert "$0" \
	-X PUT -H "Authorization: Bearer $1" -H "Content-Type: application/json" -H "If-Match: \"4\"" \
	--data-binary @"$2" "$3"' "$CA" "$OWNER" "$TMPD/race.json" "https://cf-a.$BASE:$HTTPS_PORT/v1/config" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
check "8 concurrent PUTs: one 200, seven 412 ($codes)" eq "$codes" " 1 200; 7 412;"
authed GET cf-a "/v1/config/versions?limit=200" "$MEMBER"
check "versions are contiguous: none skipped, none twice" eq "$(jb '[.items[].version]|join(",")')" "5,4,3,2,1"

# Propagation: the next request on every worker sees it.
json PATCH cf-a /v1/config '{"settings":{"auth":{"access_token_ttl":120}}}' "$OWNER"
ttls=""
for i in 1 2 3 4 5 6; do
	login cf-a member@cf-a.test "$PW_USER"
	ttls="$ttls$(jq -r .expires_in <<<"$LOGIN_BODY") "
done
check "the token lifetime applies to the very next logins everywhere" eq "$ttls" "120 120 120 120 120 120 "
exp=$(cut -d. -f2 <<<"$TOKEN" | tr '_-' '/+' | base64 -d 2>/dev/null | jq '.exp - .iat')
check "and to the token itself" eq "$exp" 120
vers=""
for i in 1 2 3 4 5 6; do vers="$vers$(version) "; done
check "every worker reads the new version" eq "$vers" "6 6 6 6 6 6 "
json PATCH cf-a /v1/config '{"settings":{"auth":{"password_min_length":16}}}' "$OWNER"
mk_user cf-a "$OWNER" pw@cf-a.test viewer "fifteen-chars-x"
check "password policy from the settings" eq "$STATUS/$(jb '.errors[0].field')" "422/password"
json PATCH cf-a /v1/config '{"settings":{"auth":{"lockout_threshold":2}}}' "$OWNER"
login cf-a viewer@cf-a.test "wrong-password-1"
login cf-a viewer@cf-a.test "wrong-password-2"
login cf-a viewer@cf-a.test "wrong-password-3"
check "lockout threshold from the settings" eq "$STATUS" 429

# Limits.
json POST cf-a /v1/collections '{"name":"n","fields":{"x":{"type":"integer"}}}' "$OWNER"
json POST cf-a /v1/collections/n/records '{"data":{"x":1}}' "$OWNER"
json PATCH cf-a /v1/config '{"settings":{"limits":{"max_records":1,"max_collections":1}}}' "$OWNER"
json POST cf-a /v1/collections/n/records '{"data":{"x":2}}' "$OWNER"
check "max_records from the settings" is_problem 403 quota_exceeded
json POST cf-a /v1/collections '{"name":"m","fields":{"x":{"type":"integer"}}}' "$OWNER"
check "max_collections from the settings" is_problem 403 quota_exceeded

# CORS.
# burst N ORIGIN: N concurrent GET /v1/me with ORIGIN, 8 at a time (so
# every worker serves some); prints how many answers allowed the origin.
burst() {
	seq "$1" | xargs -P 8 -I{} curl -s -o /dev/null -D "$TMPD/burst.{}" \
		--cacert "$CA" --resolve "cf-a.$BASE:$HTTPS_PORT:127.0.0.1" \
		-H "Authorization: Bearer $MEMBER" -H "Origin: $2" \
		"https://cf-a.$BASE:$HTTPS_PORT/v1/me"
	cat "$TMPD"/burst.* | grep -ci "^access-control-allow-origin: $2"
	rm -f "$TMPD"/burst.*
}
# Every worker holds the settings from before the change...
check "before the change no answer allows the origin" eq "$(burst 32 https://app.example.test)" 0
json PATCH cf-a /v1/config '{"settings":{"cors":{"allowed_origins":["https://app.example.test"]},"limits":{"max_records":100000,"max_collections":100}}}' "$OWNER"
# ... and the next request on each of them sees it.
check "after it every answer on every worker allows it" eq "$(burst 32 https://app.example.test)" 32
pre() { req OPTIONS cf-a "$1" -H "Origin: $2" -H "Access-Control-Request-Method: ${3:-GET}" -H "Access-Control-Request-Headers: authorization"; }
pre /v1/me https://app.example.test
check "preflight from an allowed origin: 204" eq "$STATUS/$(header access-control-allow-origin)" "204/https://app.example.test"
check "it allows the Authorization header" eval 'header access-control-allow-headers | grep -qi authorization'
pre /v1/me https://evil.example.test
check "preflight from another origin: 403, no CORS headers" eq "$STATUS/$(header access-control-allow-origin)" "403/"
pre /v1/me https://app.example.test DELETE
check "preflight for a method the path does not have: 403" eq "$STATUS" 403
authed GET cf-a /v1/me "$MEMBER" -H "Origin: https://app.example.test"
check "answers to an allowed origin carry Access-Control-Allow-Origin" eq "$(header access-control-allow-origin)/$(header vary)" "https://app.example.test/Origin"
authed GET cf-a /v1/me "garbage" -H "Origin: https://app.example.test"
check "even an error answer (so the browser can read it)" eq "$STATUS/$(header access-control-allow-origin)" "401/https://app.example.test"
req POST cf-a /v1/collections -H "Authorization: Bearer $MEMBER" -H "Origin: https://app.example.test" -H "Content-Type: application/json" --data-binary '{"name":'
check "and a refusal before authentication (malformed JSON)" eq "$STATUS/$(header access-control-allow-origin)" "400/https://app.example.test"
authed GET cf-a /v1/me "$MEMBER" -H "Origin: https://evil.example.test"
check "other origins get none" eq "$(header access-control-allow-origin)" ""
json PATCH cf-a /v1/config '{"settings":{"cors":{"allowed_origins":[]}}}' "$OWNER"
pre /v1/me https://app.example.test
check "a removed origin is refused on the next preflight" eq "$STATUS" 403

# Custom domains.
json PATCH cf-a /v1/config '{"settings":{"domains":["api.cf-a-custom.test"]}}' "$OWNER"
check "a custom domain is recorded unverified" eq "$(jb '.domain_status[0].name')/$(jb '.domain_status[0].verified')" "api.cf-a-custom.test/false"
# (The dev certificate does not name custom domains: -k for these.)
req GET api.cf-a-custom.test /v1/tenant -k
check "it serves nothing before verification" is_problem 421 misdirected_request
$STRATA tenant domain verify --tenant cf-a --domain api.cf-a-custom.test >/dev/null
req GET api.cf-a-custom.test /v1/tenant -k
check "once verified it serves its tenant" eq "$STATUS/$(jb .slug)" "200/cf-a"
authed GET api.cf-a-custom.test /v1/me "$MEMBER" -k
check "its tenant's tokens work there too (the same tenant)" eq "$STATUS" 200
authed GET api.cf-a-custom.test /v1/me "$OWNER_B" -k
check "another tenant's tokens do not" eq "$STATUS" 401
json PATCH cf-b /v1/config '{"settings":{"domains":["api.cf-a-custom.test"]}}' "$OWNER_B"
check "another tenant cannot claim it (422)" eq "$STATUS" 422
check "the command line refuses a domain the tenant did not name" eval '! $STRATA tenant domain verify --tenant cf-b --domain api.cf-a-custom.test 2>/dev/null'

# Templates.
echo "$PW_OWNER" | $STRATA tenant create --slug cf-t --name T --owner-email owner@cf-t.test --template startup >/dev/null
login cf-t owner@cf-t.test "$PW_OWNER"
authed GET cf-t /v1/config "$TOKEN"
check "a tenant made from the startup template" eq "$(jb .settings.limits.max_records)/$(jb .settings.retention.audit_days)" "10000/90"
check "an unknown template is refused" eval '! echo "$PW_OWNER" | $STRATA tenant create --slug cf-u --name U --owner-email o@cf-u.test --template nope 2>/dev/null'
# Signup may pick the templates of the default plan only (16_plans.sh).
json POST apex /v1/signup '{"slug":"cf-s","name":"S","template":"startup","owner":{"email":"o@cf-s.test","password":"founder-pass-123"}}'
check "signup with a template" eq "$STATUS" 201
authed GET cf-s /v1/config "$(jb .access_token)"
check "the template applies" eq "$(jb .settings.limits.max_records)/$(jb .settings.features.beta)" "10000/true"

# OIDC single sign-on with a key pair made here.
b64u() { basenc --base64url -w0 | tr -d '='; }
openssl genrsa -out "$TMPD/idp.pem" 2048 2>/dev/null
N=$(openssl rsa -in "$TMPD/idp.pem" -noout -modulus | cut -d= -f2 | basenc --base16 -d | b64u)
ISS="https://idp.cf-a.test"
oidc_cfg=$(jq -cn --arg n "$N" --arg iss "$ISS" '{settings:{auth:{oidc:{issuer:$iss,audience:"strata-cf-a",
	jwks:{keys:[{kty:"RSA",kid:"k1",alg:"RS256",use:"sig",n:$n,e:"AQAB"}]},
	role_claim:"groups",role_mapping:{admins:"admin"},default_role:"viewer"}}}}')
json PATCH cf-a /v1/config "$oidc_cfg" "$OWNER"
check "an OIDC issuer with an RSA key is accepted" eq "$STATUS" 200
idtoken() { # payload-json [key]
	local h p s
	h=$(printf '{"alg":"RS256","typ":"JWT","kid":"k1"}' | b64u)
	p=$(printf '%s' "$1" | b64u)
	s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -sign "${2:-$TMPD/idp.pem}" | b64u)
	printf '%s.%s.%s' "$h" "$p" "$s"
}
now=$(date +%s)
claims() { jq -cn --arg iss "${1:-$ISS}" --arg aud "${2:-strata-cf-a}" --arg sub "${3:-idp-user-1}" --argjson exp "${4:-$((now + 300))}" --argjson g "${5:-[\"admins\"]}" \
	'{iss:$iss,aud:$aud,sub:$sub,iat:'"$now"',exp:$exp,email:"sso@cf-a.test",name:"SSO User",groups:$g}'; }
SSO=$(idtoken "$(claims)")
authed GET cf-a /v1/me "$SSO"
check "an identity provider's token is accepted at its tenant" eq "$STATUS/$(jb '.user.roles|join(",")')" "200/admin"
SSO_ID=$(jb .user.id)
authed GET cf-a /v1/me "$SSO"
check "the same identity is the same user (matched by issuer and sub)" eq "$(jb .user.id)" "$SSO_ID"
authed GET cf-a /v1/me "$(idtoken "$(claims "$ISS" strata-cf-a idp-user-2 "" '["staff"]')")"
check "an unmapped group gets the default role" eq "$STATUS/$(jb '.user.roles|join(",")')" "200/viewer"
authed GET cf-b /v1/me "$SSO"
check "the token is refused at another tenant" eq "$STATUS" 401
authed GET cf-a /v1/me "$(idtoken "$(claims "$ISS" other-audience)")"
check "wrong audience is refused" eq "$STATUS" 401
authed GET cf-a /v1/me "$(idtoken "$(claims "https://evil.test")")"
check "wrong issuer is refused" eq "$STATUS" 401
authed GET cf-a /v1/me "$(idtoken "$(claims "$ISS" strata-cf-a idp-user-1 $((now - 600)))")"
check "an expired token is refused" eq "$STATUS" 401
openssl genrsa -out "$TMPD/evil.pem" 2048 2>/dev/null
authed GET cf-a /v1/me "$(idtoken "$(claims)" "$TMPD/evil.pem")"
check "a token signed by another key is refused" eq "$STATUS" 401
login cf-a sso@cf-a.test "anything-at-all-1"
check "the provisioned user has no password login" eq "$STATUS" 401
json PATCH cf-b /v1/config "$(jq -c '.settings.auth.oidc.issuer = "https://idp.cf-b.test"' <<<"$oidc_cfg")" "$OWNER_B"
authed GET cf-b /v1/me "$SSO"
check "a token whose issuer belongs to another tenant is refused" eq "$STATUS" 401

# Every change is audited.
authed GET cf-a "/v1/audit?action=config.&limit=200" "$OWNER"
check "configuration changes are audited" eval '[ "$(jb "[.items[]|select(.action==\"config.update\")]|length")" -ge 10 ] && [ "$(jb "[.items[]|select(.action==\"config.restore\")]|length")" -eq 1 ]'

# A bare merge patch of the settings (API.md: PATCH is a JSON merge patch).
json PATCH cf-a /v1/config '{"locale":"de-AT","features":{"bare":true}}' "$OWNER"
check "a bare merge patch of the settings is a new version" eq "$STATUS/$(jb .settings.locale)/$(jb .settings.features.bare)" "200/de-AT/true"
json PATCH cf-a /v1/config '{"locale":"not a locale","nope":1}' "$OWNER"
check "an invalid bare patch is 422 naming each problem" eq "$STATUS/$(jb '[.errors[].field]|sort|join(",")')" "422/locale,nope"
finish
