#!/usr/bin/env bash
# 01_signup.sh - signup per region: a tenant is created in the region its
# signup names (allowed by its plan), whichever edge received it, and in
# that region only; the directory tells every region where it lives.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT
# shellcheck disable=SC1091
. "$ROOT/tests/regions/lib.sh"
regions_checks

signup() { # REGION_FIELD SLUG (at the current region's apex)
	local reg=""
	[ -n "$1" ] && reg=",\"region\":\"$1\""
	json POST apex /v1/signup "{\"slug\":\"$2\",\"name\":\"Tenant $2\",\"owner\":{\"email\":\"owner@$2.test\",\"password\":\"$PW_OWNER\"}$reg}"
}

use_region eu
signup eu su-eu
check "signup at eu's edge for region eu: 201, Strata-Region: eu" \
	test "$STATUS/$(header strata-region)/$(jb .tenant.region)" = "201/eu/eu"
signup us su-us
check "signup at eu's edge for region us: 201 from us (Strata-Region: us)" \
	test "$STATUS/$(header strata-region)/$(jb .tenant.region)" = "201/us/us"
TOK_US=$(jb .access_token)
use_region us
signup "" su-us2
check "signup at us's edge without a region: created in us" \
	test "$STATUS/$(header strata-region)/$(jb .tenant.region)" = "201/us/us"
check "su-eu is in eu's database only" \
	test -n "$(tenant_id_in eu su-eu)" -a -z "$(tenant_id_in us su-eu)"
check "su-us is in us's database only" \
	test -n "$(tenant_id_in us su-us)" -a -z "$(tenant_id_in eu su-us)"
authed GET su-us /v1/me "$TOK_US"
check "the owner's token from the signup passed on works at home (200)" eq "$STATUS" 200

# The directory: each region's own row, replicated to the other.
check "eu's directory learns su-us (active in us) by replication" \
	directory_wait eu "slug = 'su-us' AND region = 'us' AND status = 'active'"
check "us's directory learns su-eu (active in eu) by replication" \
	directory_wait us "slug = 'su-eu' AND region = 'eu' AND status = 'active'"
check "each region wrote only its own rows" \
	test "$(psql_region eu -c "SELECT count(*) FROM strata.directory WHERE region = 'eu' AND slug LIKE 'su-us%'")/$(psql_region us -c "SELECT count(*) FROM strata.directory WHERE region = 'us' AND slug = 'su-eu'")" = 0/0

# A slug is one tenant's in every region.
use_region us
signup us su-eu
check "a slug taken in eu cannot be signed up for in us (409)" \
	eq "$STATUS/$(jb .code)" "409/slug_taken"
use_region eu
signup mars su-mars
check "a region no one serves is refused (422, at the edge)" \
	test "$STATUS/$(jb '.errors[0].field')" = "422/region"
# The plan decides which regions a tenant may choose: the free plan
# offering eu only, a signup for us is refused there (checked at home).
for r in eu us; do psql_region "$r" -c "UPDATE strata.plans SET regions = '{eu}', version = nextval('strata.plan_versions') WHERE name = 'free'" >/dev/null; done
signup us su-plan
check "a region the plan does not offer is refused by that region (422)" \
	test "$STATUS/$(jb '.errors[0].field')/$(header strata-region)" = "422/region/us"
signup eu su-plan
check "the region the plan offers is accepted (201)" eq "$STATUS" 201
for r in eu us; do psql_region "$r" -c "UPDATE strata.plans SET regions = '{}', version = nextval('strata.plan_versions') WHERE name = 'free'" >/dev/null; done
exit 0
