#!/usr/bin/env bash
# 13_grants.sh - grants that must not leak through other doors (issue 13,
# items 1 and 2): config:write cannot reach auth.oidc (single sign-on makes
# users, with the roles its mapping names, so only the owner changes it,
# and a mapping never names the owner role nor grants what the caller
# lacks); collections:manage cannot unmask personal data (a pii field's
# mask, its pii flag or its definition changes only with pii:read too).
# Every refusal leaves the other tenant as it was.
. "$(dirname "$0")/../lib.sh"

mk_tenant gr-a
mk_tenant gr-b
login gr-a owner@gr-a.test "$PW_OWNER"
OWNER=$TOKEN
login gr-b owner@gr-b.test "$PW_OWNER"
OWNER_B=$TOKEN
mk_user gr-a "$OWNER" admin@gr-a.test admin
login gr-a admin@gr-a.test "$PW_USER"
ADMIN=$TOKEN
mk_user gr-b "$OWNER_B" admin@gr-b.test admin
login gr-b admin@gr-b.test "$PW_USER"
ADMIN_B=$TOKEN
json POST gr-a /v1/roles '{"name":"curator","permissions":["collections:manage","records:read","records:write"]}' "$OWNER"
check "a custom role with collections:manage but not pii:read (201)" status_is 201
json POST gr-a /v1/roles '{"name":"helpdesk","permissions":["records:read","users:read"]}' "$OWNER"
mk_user gr-a "$OWNER" curator@gr-a.test curator
login gr-a curator@gr-a.test "$PW_USER"
CURATOR=$TOKEN
json POST gr-a /v1/api-keys '{"name":"deploy","permissions":["config:read","config:write"]}' "$OWNER"
CFG_KEY=$(jb .key)
check "an API key with config:write (201)" status_is 201

version() { authed GET "$1" /v1/config "${2:-$OWNER}"; jb .version; }
# audit_count HOST TOKEN ACTION: how many events of exactly that action.
audit_count() {
	authed GET "$1" "/v1/audit?action=$3&limit=200" "$2"
	jb "[.items[]|select(.action==\"$3\")]|length"
}

# ---------------------------------------------------------------------------
# 1. auth.oidc needs the owner; a mapping never names the owner role.
b64u() { basenc --base64url -w0 | tr -d '='; }
openssl genrsa -out "$TMPD/idp.pem" 2048 2>/dev/null
openssl genrsa -out "$TMPD/evil.pem" 2048 2>/dev/null
modulus() { openssl rsa -in "$1" -noout -modulus | cut -d= -f2 | basenc --base16 -d | b64u; }
N=$(modulus "$TMPD/idp.pem")
N_EVIL=$(modulus "$TMPD/evil.pem")
ISS="https://idp.gr-a.test"
# oidc ROLE_MAPPING DEFAULT_ROLE [MODULUS]: an auth.oidc object.
oidc() {
	jq -cn --arg n "${3:-$N}" --arg iss "$ISS" --argjson m "$1" --argjson d "$2" \
		'{issuer:$iss,audience:"strata-gr-a",
		jwks:{keys:[{kty:"RSA",kid:"k1",alg:"RS256",use:"sig",n:$n,e:"AQAB"}]},
		role_claim:"groups",role_mapping:$m,default_role:$d}'
}
patch_oidc() { # TOKEN OIDC-JSON
	json PATCH gr-a /v1/config "{\"settings\":{\"auth\":{\"oidc\":$2}}}" "$1"
}
idtoken() { # payload-json [key]
	local h p s
	h=$(printf '{"alg":"RS256","typ":"JWT","kid":"k1"}' | b64u)
	p=$(printf '%s' "$1" | b64u)
	s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -sign "${2:-$TMPD/idp.pem}" | b64u)
	printf '%s.%s.%s' "$h" "$p" "$s"
}
now=$(date +%s)
claims() { # SUB GROUPS-JSON
	jq -cn --arg iss "$ISS" --arg sub "$1" --argjson g "$2" --argjson now "$now" \
		'{iss:$iss,aud:"strata-gr-a",sub:$sub,iat:$now,exp:($now+300),email:($sub+"@sso.test"),name:"SSO",groups:$g}'
}

V0=$(version gr-a)
U0=$(audit_count gr-a "$OWNER" config.update)
patch_oidc "$ADMIN" "$(oidc '{"admins":"admin"}' '"owner"')"
check "an admin (config:write, not owner) cannot set auth.oidc at all (403)" is_problem 403 forbidden
check "the refusal names the owner role" eval '[[ "$(jb .detail)" == *owner* ]]'
patch_oidc "$ADMIN" "$(oidc '{"admins":"owner"}' null)"
check "nor map a group to owner (403)" is_problem 403 forbidden
patch_oidc "$ADMIN" "$(oidc '{"admins":"admin"}' '"viewer"')"
check "nor set a harmless mapping (403)" is_problem 403 forbidden
patch_oidc "$CFG_KEY" "$(oidc '{}' '"viewer"')"
check "an API key with config:write cannot set auth.oidc (403)" is_problem 403 forbidden
check "nothing was written by any of them" eq "$(version gr-a)" "$V0"

patch_oidc "$OWNER" "$(oidc '{"admins":"admin"}' '"owner"')"
check "the owner cannot make owner the default role (422)" is_problem 422 validation_failed
check "the error names auth.oidc.default_role" eq "$(jb '[.errors[].field]|join(",")')" "auth.oidc.default_role"
patch_oidc "$OWNER" "$(oidc '{"admins":"admin","founders":"owner"}' '"viewer"')"
check "nor map a group to owner (422 naming the path)" eq "$STATUS/$(jb '[.errors[].field]|join(",")')" "422/auth.oidc.role_mapping.founders"
patch_oidc "$OWNER" "$(oidc '{"staff":"nosuchrole"}' '"owner"')"
check "every offending path is named" eq "$STATUS/$(jb '[.errors[].field]|sort|join(",")')" "422/auth.oidc.default_role,auth.oidc.role_mapping.staff"
check "nothing was written" eq "$(version gr-a)" "$V0"

patch_oidc "$OWNER" "$(oidc '{"admins":"admin","support":"helpdesk"}' '"viewer"')"
check "the owner sets single sign-on (200)" status_is 200
V1=$(jb .version)
check "the change is audited as config.oidc_changed" eq "$(audit_count gr-a "$OWNER" config.oidc_changed)" 1
authed GET gr-a "/v1/audit?action=config.oidc_changed&limit=200" "$OWNER"
check "its details name what changed, without the keys" eq "$(jb -c '[.items[]|select(.action=="config.oidc_changed")][0].details.changed')" '["issuer","audience","jwks","role_claim","default_role","role_mapping"]'
check "and carry no key material" eval '! grep -q "${N:0:40}" <<<"$BODY"'
check "the version is audited as ever (config.update)" eq "$(audit_count gr-a "$OWNER" config.update)" $((U0 + 1))

authed GET gr-a /v1/me "$(idtoken "$(claims sso-1 '["staff"]')")"
check "an SSO user gets the default role" eq "$STATUS/$(jb '.user.roles|join(",")')" "200/viewer"
authed GET gr-a /v1/me "$(idtoken "$(claims sso-2 '["support"]')")"
check "a mapping to a custom role works" eq "$STATUS/$(jb '.user.roles|join(",")')" "200/helpdesk"

# The admin's escalation attempts after SSO is on.
patch_oidc "$ADMIN" "$(oidc '{"admins":"admin","support":"helpdesk"}' '"owner"')"
check "an admin cannot raise the default role to owner (403)" is_problem 403 forbidden
authed GET gr-a /v1/me "$(idtoken "$(claims sso-3 '["nobody"]')")"
check "so a new SSO user is no owner" eq "$STATUS/$(jb '.user.roles|join(",")')" "200/viewer"
patch_oidc "$ADMIN" "$(oidc '{"admins":"admin","support":"helpdesk"}' '"viewer"' "$N_EVIL")"
check "an admin cannot swap the keys (403)" is_problem 403 forbidden
authed GET gr-a /v1/me "$(idtoken "$(claims sso-1 '["staff"]')" "$TMPD/evil.pem")"
check "so a token of its own key cannot impersonate an SSO user (401)" eq "$STATUS" 401
json PATCH gr-a /v1/config '{"settings":{"auth":{"oidc":null}}}' "$ADMIN"
check "an admin cannot turn single sign-on off (403)" is_problem 403 forbidden
json PATCH gr-a /v1/config '{"auth":{"oidc":{"default_role":"admin"}}}' "$ADMIN"
check "a bare merge patch of one oidc member is 403" is_problem 403 forbidden
check "nothing was written" eq "$(version gr-a)" "$V1"

# Config:write keeps the rest of the settings.
json PATCH gr-a /v1/config '{"settings":{"locale":"fr-CA"}}' "$ADMIN"
check "an admin still changes other settings (200)" eq "$STATUS/$(jb .settings.auth.oidc.default_role)" "200/viewer"
SETTINGS=$(jb -c .settings)
V2=$(jb .version)
json PUT gr-a /v1/config "{\"settings\":$(jq -c '.display_name = "A"' <<<"$SETTINGS")}" "$ADMIN" -H "If-Match: \"$V2\""
check "a PUT of the whole document with auth.oidc as it was (200)" status_is 200
V3=$(jb .version)
json PUT gr-a /v1/config "{\"settings\":$(jq -c 'del(.auth.oidc)' <<<"$SETTINGS")}" "$ADMIN" -H "If-Match: \"$V3\""
check "a PUT that drops auth.oidc (its default is off) is 403" is_problem 403 forbidden
json PUT gr-a /v1/config "{\"settings\":$(jq -c '.auth.oidc.audience = "other"' <<<"$SETTINGS")}" "$ADMIN" -H "If-Match: \"$V3\""
check "a PUT that changes the audience is 403" is_problem 403 forbidden
check "no oidc change was audited for them" eq "$(audit_count gr-a "$OWNER" config.oidc_changed)" 1

# Restoring a version with other single sign-on settings is a change of them.
req POST gr-a "/v1/config/versions/$V0/restore" -H "Authorization: Bearer $ADMIN"
check "an admin cannot restore a version with other auth.oidc (403)" is_problem 403 forbidden
req POST gr-a "/v1/config/versions/$V2/restore" -H "Authorization: Bearer $ADMIN"
check "but restores one with the same auth.oidc (200)" status_is 200
req POST gr-a "/v1/config/versions/$V0/restore" -H "Authorization: Bearer $OWNER"
check "the owner restores it (200), single sign-on off" eq "$STATUS/$(jb .settings.auth.oidc)" "200/null"
check "audited as config.oidc_changed" eq "$(audit_count gr-a "$OWNER" config.oidc_changed)" 2

# The other tenant: untouched, and its own owner alone decides.
check "the other tenant's configuration is untouched" eq "$(version gr-b "$OWNER_B")" 1
json PATCH gr-b /v1/config "{\"settings\":{\"auth\":{\"oidc\":$(oidc '{}' '"viewer"')}}}" "$ADMIN"
check "an admin of one tenant is nobody at another (401)" eq "$STATUS" 401
json PATCH gr-b /v1/config "{\"settings\":{\"auth\":{\"oidc\":$(oidc '{}' '"viewer"')}}}" "$ADMIN_B"
check "the other tenant's admin is refused too (403)" is_problem 403 forbidden
json PATCH gr-b /v1/config "{\"settings\":{\"auth\":{\"oidc\":$(oidc '{"admins":"admin"}' '"member"')}}}" "$OWNER_B"
check "the other tenant's owner sets its own (200)" status_is 200
check "the other tenant's audit has its own oidc change only" eq "$(audit_count gr-b "$OWNER_B" config.oidc_changed)" 1

# Settings written before this rule may name owner: single sign-on still
# never makes one.  The version is changed in storage before any worker
# has read it.
json PATCH gr-b /v1/config '{"settings":{"locale":"de"}}' "$OWNER_B"
VB=$(jb .version)
psql_super -c "UPDATE strata.config_versions SET settings = jsonb_set(jsonb_set(settings, '{auth,oidc,default_role}', '\"owner\"'), '{auth,oidc,role_mapping,admins}', '\"owner\"') WHERE tenant_id = (SELECT id FROM strata.tenants WHERE slug = 'gr-b') AND version = $VB" >/dev/null
authed GET gr-b /v1/config "$OWNER_B"
check "(a stored mapping to owner, as written before the rule)" eq "$(jb .settings.auth.oidc.default_role)/$(jb .settings.auth.oidc.role_mapping.admins)" "owner/owner"
authed GET gr-b /v1/me "$(idtoken "$(claims legacy-1 '["admins"]')")"
check "such a mapping provisions no owner" eq "$STATUS/$(jb '.user.roles|join(",")')" "200/"
authed GET gr-b /v1/me "$(idtoken "$(claims legacy-2 '["nobody"]')")"
check "nor does such a default role" eq "$STATUS/$(jb '.user.roles|join(",")')" "200/"

# ---------------------------------------------------------------------------
# 2. collections:manage cannot unmask personal data.
PEOPLE='{"name":"people","fields":{"name":{"type":"string","max_length":80},"email":{"type":"string","pii":true,"mask":"email"},"ssn":{"type":"string","pii":true,"mask":"last4"}}}'
json POST gr-a /v1/collections "$PEOPLE" "$OWNER"
check "a collection with personal fields (201)" status_is 201
json POST gr-b /v1/collections "$PEOPLE" "$OWNER_B"
json POST gr-a /v1/collections/people/records '{"data":{"name":"Jo","email":"jo.public@example.com","ssn":"123-45-6789"}}' "$OWNER"
RID=$(jb .id)
authed GET gr-a "/v1/collections/people/records/$RID" "$CURATOR"
check "the curator (no pii:read) reads masks" eq "$STATUS/$(jb .data.email)/$(jb .data.ssn)" "200/j***@e***.com/****6789"

# put_people TOKEN JQ-FILTER [HOST]: PUT the definition changed by the filter.
put_people() {
	json PUT "${3:-gr-a}" /v1/collections/people "$(jq -c "$2" <<<"$PEOPLE")" "$1"
}
cversion() { authed GET "${1:-gr-a}" /v1/collections/people "$OWNER"; jb .version; }
CV=$(cversion)
put_people "$CURATOR" '.fields.email.mask = "none"'
check "unmasking a pii field needs pii:read (403)" is_problem 403 forbidden
check "the refusal names pii:read" eval '[[ "$(jb .detail)" == *pii:read* ]]'
check "and the field" eq "$(jb '[.errors[].field]|join(",")')" "fields.email"
put_people "$CURATOR" '.fields.ssn.mask = "full"'
check "any change of a pii field's mask needs pii:read (403)" is_problem 403 forbidden
put_people "$CURATOR" 'del(.fields.ssn.mask)'
check "a mask left to its default (full) is a change too (403)" is_problem 403 forbidden
put_people "$CURATOR" 'del(.fields.ssn)'
check "dropping a pii field needs pii:read (403)" is_problem 403 forbidden
put_people "$CURATOR" '.fields.email.pii = false'
check "turning pii off needs pii:read (403)" is_problem 403 forbidden
put_people "$CURATOR" 'del(.fields.email) | .fields.ssn.mask = "none"'
check "every such field is named" eq "$STATUS/$(jb '[.errors[].field]|sort|join(",")')" "403/fields.email,fields.ssn"
check "no version was written" eq "$(cversion)" "$CV"
authed GET gr-a "/v1/collections/people/records/$RID" "$CURATOR"
check "the curator still reads masks" eq "$(jb .data.email)/$(jb .data.ssn)" "j***@e***.com/****6789"

put_people "$CURATOR" '.fields.name.max_length = 120 | .fields.phone = {type:"string",pii:true,mask:"none"} | .fields.note = {type:"string"}'
check "adding a pii field and changing others needs only collections:manage (200)" eq "$STATUS/$(jb .fields.phone.mask)/$(jb .fields.email.mask)" "200/none/email"
PEOPLE=$(jq -c '.fields.name.max_length = 120 | .fields.phone = {type:"string",pii:true,mask:"none"} | .fields.note = {type:"string"}' <<<"$PEOPLE")
json POST gr-a /v1/collections '{"name":"scratch","fields":{"secret":{"type":"string","pii":true}}}' "$CURATOR"
check "the curator creates a collection with a pii field (201)" status_is 201
req DELETE gr-a /v1/collections/scratch -H "Authorization: Bearer $CURATOR"
check "and deletes it, records and all (204)" status_is 204

put_people "$OWNER" '.fields.email.pii = false'
check "with pii:read, pii stays fixed (422)" is_problem 422 validation_failed
put_people "$ADMIN" '.fields.email.mask = "none"'
check "an admin (pii:read) changes the mask (200)" eq "$STATUS/$(jb .fields.email.mask)" "200/none"
authed GET gr-a "/v1/collections/people/records/$RID" "$CURATOR"
check "which the mask now shows" eq "$(jb .data.email)" "jo.public@example.com"
put_people "$OWNER" 'del(.fields.ssn)'
check "the owner drops a pii field (200)" status_is 200

authed GET gr-b /v1/collections/people "$OWNER_B"
check "the other tenant's collection is untouched" eq "$(jb .version)/$(jb .fields.email.mask)/$(jb .fields.ssn.pii)" "1/email/true"
put_people "$CURATOR" '.fields.email.mask = "none"' gr-b
check "the curator is nobody at the other tenant (401)" eq "$STATUS" 401
finish
