/*
 * onboarding.c - the onboarding checklist as one statement.
 */
#include "data/onboarding.h"

#include <string.h>

#include "data/db.h"

/* Each step is an EXISTS or a bounded count on an index that starts with
 * tenant_id: the cost does not grow with the tenant.  The settings are
 * the current version's document (tenants.config_version). */
static struct db_stmt st_steps = DB_STMT(
    "onboarding_steps",
    "SELECT EXISTS (SELECT 1 FROM collections c WHERE c.tenant_id = "
    "$1::uuid), (SELECT count(*) FROM (SELECT 1 FROM users u WHERE "
    "u.tenant_id = $1::uuid AND u.status = 'active' LIMIT 2) x) >= 2, "
    "coalesce((SELECT jsonb_typeof(v.settings #> '{auth,oidc}') = "
    "'object' OR coalesce(v.settings #>> '{auth,mfa}', '') IN "
    "('required_for_admins', 'required') FROM tenants t JOIN "
    "config_versions v ON v.tenant_id = t.id AND v.version = "
    "t.config_version WHERE t.id = $1::uuid AND v.tenant_id = $1::uuid), "
    "false) OR EXISTS (SELECT 1 FROM mfa_totp m WHERE m.tenant_id = "
    "$1::uuid AND m.confirmed_at IS NOT NULL), EXISTS (SELECT 1 FROM api_keys "
    "k WHERE k.tenant_id = "
    "$1::uuid AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR "
    "k.expires_at > now()))",
    1);

static const char *const names[ONBOARDING_STEPS] = {
    [ONBOARDING_FIRST_COLLECTION] = "first_collection",
    [ONBOARDING_SECOND_USER] = "second_user",
    [ONBOARDING_SSO_OR_MFA] = "sso_or_mfa",
    [ONBOARDING_API_KEY] = "api_key",
};

const char *
onboarding_step_name(enum onboarding_step s)
{
	return (unsigned)s < ONBOARDING_STEPS ? names[s] : NULL;
}

static void
decode_steps(const PGresult *r, void *out, struct arena *a)
{
	struct onboarding_state *o = out;

	(void)a;
	if (db_rows(r) != 1)
		return;
	o->found = true;
	for (int i = 0; i < ONBOARDING_STEPS; i++)
		o->done[i] = db_bool(r, 0, i);
}

int
onboarding_get(struct db *db, const char *tid, struct onboarding_state *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_steps, p, decode_steps, out);
}
