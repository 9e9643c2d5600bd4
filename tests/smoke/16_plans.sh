#!/usr/bin/env bash
# 16_plans.sh - plans are the platform's (issue 13, items 7 and 8): the
# operators' plan routes, signup on the default plan and its templates,
# limits capped by the plan (a tenant lowers, never raises past it), an
# operator moving a tenant between plans (capped at once, audited), quotas
# that hold under parallel creates, and the audit retention floor (only
# lengthened, every change audited).
. "$(dirname "$0")/../lib.sh"

# errs: "field=message" of every error of the last answer, sorted.
errs() { jb '[.errors[]? | "\(.field)=\(.message)"] | sort | join(";")'; }
tenant_id() { $STRATA tenant list | jq -r --arg s "$1" '.[] | select(.slug == $s) | .id'; }

printf 'operator-pass-24680\n' | $STRATA operator create --email pl-ops@strata.test >/dev/null
json POST apex /v1/platform/login '{"email":"pl-ops@strata.test","password":"operator-pass-24680"}'
OP=$(jb .access_token)
mk_tenant pl-a
login pl-a owner@pl-a.test "$PW_OWNER"
OWNER=$TOKEN
ID_A=$(tenant_id pl-a)

# The plans.
authed GET apex /v1/platform/plans "$OP"
check "operators list the plans free, team and enterprise" eq "$STATUS/$(jb '[.items[].name] | sort | join(",")')" "200/enterprise,free,team"
check "a plan caps limits and names its floor, templates and features" eq "$(jb '.items[] | select(.name == "free") | [.limits.requests_per_second, .limits.burst, .limits.max_records, .limits.max_collections, .audit_retention_min_days, (.templates | join("+")), .features.beta, .features.sso] | map(tostring) | join(",")')" "200,400,100000,100,90,default+startup,true,false"
req GET apex /v1/platform/plans
check "the plan routes need an operator" eq "$STATUS" 401
authed GET apex /v1/platform/plans "$OWNER"
check "a tenant's token opens none of them" eq "$STATUS" 401
authed GET pl-a /v1/platform/plans "$OWNER"
check "and they are not on tenant hosts" eq "$STATUS" 404

TINY='{"name":"pl-tiny","limits":{"requests_per_second":50,"burst":100,"max_records":3,"max_collections":2},"audit_retention_min_days":120,"templates":["default"],"features":{},"regions":[]}'
json POST apex /v1/platform/plans "$TINY" "$OP"
check "an operator makes a plan" eq "$STATUS/$(header location)/$(jb .limits.max_records)" "201//v1/platform/plans/pl-tiny/3"
TINY_V=$(jb .version)
json POST apex /v1/platform/plans "$TINY" "$OP"
check "a taken plan name is 409" eq "$STATUS" 409
json POST apex /v1/platform/plans '{"name":"Bad Name","limits":{"requests_per_second":0,"burst":1,"max_records":1,"max_collections":1,"speed":2},"audit_retention_min_days":0,"templates":["nope"],"features":{"x":"on"},"regions":[]}' "$OP"
check "an invalid plan is 422 with every problem" eq "$STATUS/$(jb '[.errors[].field] | sort | join(",")')" "422/audit_retention_min_days,features.x,limits.requests_per_second,limits.speed,name,templates"
json POST apex /v1/platform/plans '{"name":"pl-half"}' "$OP"
check "a new plan needs every member" eq "$STATUS/$(jb '[.errors[].field] | sort | join(",")')" "422/audit_retention_min_days,features,limits,regions,templates"
json PATCH apex /v1/platform/plans/pl-tiny '{"limits":{"max_records":4}}' "$OP"
check "an operator edits a plan: a new version, other members kept" eq "$STATUS/$(jb .limits.max_records)/$(jb .limits.max_collections)/$(jb ".version != $TINY_V")" "200/4/2/true"
json PATCH apex /v1/platform/plans/pl-tiny '{"name":"other"}' "$OP"
check "a plan's name is fixed" eq "$STATUS/$(jb '.errors[0].field')" "422/name"
json PATCH apex /v1/platform/plans/pl-none '{"audit_retention_min_days":100}' "$OP"
check "an unknown plan is 404" eq "$STATUS" 404
authed GET apex "/v1/platform/audit?action=plan." "$OP"
check "plan changes are in the platform audit log: the creation and the one edit, not the refusals" eq "$STATUS/$(jb '[.items[] | select(.target.id == "pl-tiny" or .target.id == "pl-none") | .action + ":" + .target.id] | join(",")')" "200/plan.update:pl-tiny,plan.create:pl-tiny"

# Signup: the default plan, and only its templates (seen: enterprise was
# accepted).
json POST apex /v1/signup '{"slug":"pl-s1","name":"S1","template":"enterprise","owner":{"email":"o@pl-s1.test","password":"founder-pass-123"}}'
check "self-service signup may not pick the enterprise template" eq "$STATUS/$(jb '.errors[0].field')" "422/template"
check "the problem names the plan's templates" eq "$(jb .detail)" "the free plan offers the templates default, startup"
sleep 1
json POST apex /v1/signup '{"slug":"pl-s1","name":"S1","plan":"enterprise","owner":{"email":"o@pl-s1.test","password":"founder-pass-123"}}'
check "nor another plan" eq "$STATUS/$(jb '.errors[0].field')" "422/plan"
sleep 1
json POST apex /v1/signup '{"slug":"pl-s1","name":"S1","template":"startup","owner":{"email":"o@pl-s1.test","password":"founder-pass-123"}}'
check "signup gets the default plan and a template it offers" eq "$STATUS/$(jb .tenant.plan)" "201/free"
check "the new tenant is on free in the operators' list" eq "$($STRATA tenant list | jq -r '.[] | select(.slug == "pl-s1") | .plan')" free

# Limits: a tenant lowers them, never raises them past its plan (seen:
# 100,000 requests/s and 10^9 records were accepted).
json PATCH pl-a /v1/config '{"settings":{"limits":{"requests_per_second":100000,"max_records":1000000000}}}' "$OWNER"
check "limits past the plan are 422 with the plan's caps" eq "$STATUS/$(errs)" "422/limits.max_records=may be at most 100000 on the free plan;limits.requests_per_second=may be at most 200 on the free plan"
json PATCH pl-a /v1/config '{"settings":{"limits":{"burst":401}}}' "$OWNER"
check "one over the cap is refused" eq "$STATUS/$(jb '.errors[0].field')" "422/limits.burst"
json PATCH pl-a /v1/config '{"settings":{"limits":{"requests_per_second":150,"max_collections":10}}}' "$OWNER"
check "lowering is allowed" eq "$STATUS/$(jb .settings.limits.requests_per_second)" "200/150"
json PATCH pl-a /v1/config '{"settings":{"limits":{"requests_per_second":200}}}' "$OWNER"
check "and raising again up to the cap" eq "$STATUS" 200
json PATCH pl-a /v1/config '{"settings":{"features":{"sso":true,"webhooks":true}}}' "$OWNER"
check "a feature the plan withholds is 422" eq "$STATUS/$(errs)" "422/features.sso=is not offered by the free plan;features.webhooks=is not offered by the free plan"
json PATCH pl-a /v1/config '{"settings":{"features":{"beta":true,"sso":false,"dark":true}}}' "$OWNER"
check "one it offers, the tenant's own flags, or any flag turned off are accepted" eq "$STATUS/$(jb -c .settings.features)" '200/{"beta":true,"sso":false,"dark":true}'
json PATCH apex /v1/platform/plans/team '{"features":{"beta":true,"sso":true,"webhooks":true}}' "$OP"
check "an operator changes what a plan offers" eq "$STATUS/$(jb .features.sso)" "200/true"

# An operator moves the tenant to another plan (audited), and the caps
# follow at once.
authed GET pl-a /v1/config "$OWNER"
VER=$(jb .version)
json PATCH apex "/v1/platform/tenants/$ID_A" '{"plan":"enterprise"}' "$OP"
check "an operator sets a tenant's plan" eq "$STATUS/$(jb .plan)/$(jb .slug)" "200/enterprise/pl-a"
json PATCH pl-a /v1/config '{"settings":{"limits":{"requests_per_second":5000,"burst":8000,"max_records":500000}}}' "$OWNER"
check "the tenant may now raise its limits within enterprise" eq "$STATUS/$(jb .settings.limits.requests_per_second)" "200/5000"
json PATCH apex "/v1/platform/tenants/$ID_A" '{"plan":"pl-tiny"}' "$OP"
check "and the operator moves it to a small plan" eq "$STATUS/$(jb .plan)" "200/pl-tiny"
authed GET pl-a /v1/usage "$OWNER"
check "the effective limits are min(setting, cap) at once" eq "$(jb '[.limits.requests_per_second, .limits.burst, .limits.max_records, .limits.max_collections] | map(tostring) | join(",")')" "50,100,4,2"
authed GET pl-a /v1/config "$OWNER"
check "while the stored settings are left as they were" eq "$(jb .settings.limits.requests_per_second)" 5000
json PATCH pl-a /v1/config '{"settings":{"display_name":"Acme"}}' "$OWNER"
check "other changes still save with settings above the new caps" eq "$STATUS" 200
json PATCH pl-a /v1/config '{"settings":{"limits":{"requests_per_second":6000}}}' "$OWNER"
check "but nothing above a cap may rise" eq "$STATUS/$(errs)" "422/limits.requests_per_second=may be at most 50 on the pl-tiny plan"
json PATCH pl-a /v1/config '{"settings":{"limits":{"requests_per_second":4000}}}' "$OWNER"
check "lowering above the cap is allowed" eq "$STATUS" 200
authed GET pl-a "/v1/audit?action=tenant.plan" "$OWNER"
check "each plan change is in the tenant's audit trail, with the operator" eq "$(jb '[.items[] | "\(.details.from)>\(.details.to)"] | join(",")')/$(jb '.items[0].actor.type')" "enterprise>pl-tiny,free>enterprise/operator"
json PATCH apex "/v1/platform/tenants/$ID_A" '{"plan":"nope"}' "$OP"
check "an unknown plan is 422" eq "$STATUS/$(jb '.errors[0].field')" "422/plan"
json PATCH apex "/v1/platform/tenants/$ID_A" '{"plan":5,"colour":"red"}' "$OP"
check "a bad body is 422" eq "$STATUS" 422
json PATCH apex /v1/platform/tenants/00000000-0000-7000-8000-000000000000 '{"plan":"team"}' "$OP"
check "an unknown tenant is 404" eq "$STATUS" 404
json PATCH apex "/v1/platform/tenants/$ID_A" '{"plan":"team"}' "$OWNER"
check "only operators set plans" eq "$STATUS" 401

# Quotas hold under parallel creates: pl-tiny allows 2 collections and 4
# records.
par() { # host path body n -> the status codes, sorted, one line
	for _ in $(seq "$4"); do
		curl -s -o /dev/null -w '%{http_code}\n' --cacert "$CA" \
			--resolve "$1.$BASE:$HTTPS_PORT:127.0.0.1" -X POST \
			-H "Authorization: Bearer $OWNER" -H "Content-Type: application/json" \
			--data-binary "$3" "https://$1.$BASE:$HTTPS_PORT$2" &
	done | sort | uniq -c | tr -s ' ' | sed 's/^ //' | tr '\n' ';'
	wait
}
codes=""
for i in 1 2 3 4 5 6; do
	json POST pl-a /v1/collections "{\"name\":\"c$i\",\"fields\":{\"n\":{\"type\":\"integer\"}}}" "$OWNER" &
done
wait
authed GET pl-a /v1/collections "$OWNER"
check "six parallel collection creates at a cap of 2 leave 2" eq "$(jb '.items | length')" 2
C1=$(jb '.items[0].name')
codes=$(par pl-a "/v1/collections/$C1/records" '{"data":{"n":1}}' 8)
check "eight parallel record creates at a cap of 4: 4 pass ($codes)" eq "$codes" "4 201;4 403;"
authed GET pl-a /v1/usage "$OWNER"
check "and the tenant holds exactly 4 records" eq "$(jb .records)" 4
json POST pl-a "/v1/collections/$C1/records" '{"data":{"n":1}}' "$OWNER"
check "the refusal is a clear problem with the limit" eq "$STATUS/$(jb .code)/$(jb .detail)" "403/quota_exceeded/the tenant has reached its limit of 4 records"
json POST pl-a /v1/collections '{"name":"c9","fields":{"n":{"type":"integer"}}}' "$OWNER"
check "and for collections" eq "$STATUS/$(jb .detail)" "403/the tenant has reached its limit of 2 collections"

# Audit retention (seen: audit_days 1 was accepted).  The floor is the
# platform's (90 days) or the plan's, the longer; a tenant only lengthens.
mk_tenant pl-r
login pl-r owner@pl-r.test "$PW_OWNER"
OWNER_R=$TOKEN
json PATCH pl-r /v1/config '{"settings":{"retention":{"audit_days":1}}}' "$OWNER_R"
check "audit_days 1 is refused with the floor" eq "$STATUS/$(errs)" "422/retention.audit_days=must be at least 90 days on the free plan"
json PATCH pl-r /v1/config '{"settings":{"retention":{"audit_days":364}}}' "$OWNER_R"
check "shortening is refused, above the floor too" eq "$STATUS/$(errs)" "422/retention.audit_days=can only be lengthened: it is 365 days"
json PATCH pl-r /v1/config '{"settings":{"retention":{"audit_days":400}}}' "$OWNER_R"
check "lengthening is accepted" eq "$STATUS/$(jb .settings.retention.audit_days)" "200/400"
json PATCH pl-r /v1/config '{"settings":{"retention":{"collections":{"notes":30}}}}' "$OWNER_R"
check "a collection's retention may be set" eq "$STATUS" 200
json PATCH pl-r /v1/config '{"settings":{"display_name":"R"}}' "$OWNER_R"
authed GET pl-r "/v1/audit?action=config.retention" "$OWNER_R"
check "every retention change is audited, with before and after" eq "$(jb '[.items[] | "\(.details.from.audit_days)>\(.details.to.audit_days):\(.details.to.collections.notes // "-")"] | join(",")')" "400>400:30,365>400:-"
authed GET pl-r /v1/config "$OWNER_R"
json PUT pl-r /v1/config '{"settings":{"display_name":"R2"}}' "$OWNER_R" -H "If-Match: $(header etag)"
check "a PUT that leaves retention out takes the defaults, so it would shorten: 422" eq "$STATUS/$(jb '.errors[0].field')" "422/retention.audit_days"
ID_R=$(tenant_id pl-r)
json PATCH apex "/v1/platform/tenants/$ID_R" '{"plan":"pl-tiny"}' "$OP"
json PATCH pl-r /v1/config '{"settings":{"retention":{"audit_days":100}}}' "$OWNER_R"
check "a plan's floor above the platform's applies" eq "$STATUS/$(errs)" "422/retention.audit_days=must be at least 120 days on the pl-tiny plan"
# The effective retention is max(setting, floor): a startup tenant keeps
# 90 days, the platform floor raised in strata.conf lifts it.
echo "$PW_OWNER" | $STRATA tenant create --slug pl-t --name T --owner-email owner@pl-t.test --template startup >/dev/null
out=$($STRATA audit purge --tenant pl-t)
check "a startup tenant's audit is kept 90 days" eq "$(jq -r ".[0].days" <<<"$out")" 90
out=$(STRATA_AUDIT_RETENTION_FLOOR_DAYS=200 $STRATA audit purge --tenant pl-t)
check "an operator's floor of 200 days in the configuration keeps it 200" eq "$(jq -r ".[0].days" <<<"$out")" 200
check "the CLI refuses a template the plan does not offer" eval '! echo "$PW_OWNER" | $STRATA tenant create --slug pl-u --name U --owner-email o@pl-u.test --template enterprise 2>/dev/null'
echo "$PW_OWNER" | $STRATA tenant create --slug pl-e --name E --owner-email o@pl-e.test --template enterprise --plan enterprise >/dev/null
check "but makes an enterprise tenant on the enterprise plan" eq "$($STRATA tenant list | jq -r '.[] | select(.slug == "pl-e") | .plan')" enterprise
finish
