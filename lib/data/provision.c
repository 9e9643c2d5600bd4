/*
 * provision.c - a new tenant in one transaction.
 */
#include "data/provision.h"

#include <string.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/email.h"
#include "core/host.h"
#include "core/log.h"
#include "core/json.h"
#include "data/config_versions.h"
#include "data/db.h"
#include "data/settings.h"
#include "data/keyring.h"
#include "data/plans.h"
#include "data/roles.h"
#include "data/tenants.h"
#include "data/users.h"
#include "sec/password.h"

static struct db_stmt st_audit = DB_STMT(
    "provision_audit",
    "INSERT INTO audit_events (tenant_id, actor_type, action, "
    "target_type, target_id, outcome, details) VALUES ($1::uuid, 'system', "
    "'tenant.create', 'tenant', $1::text, 'success', $2::jsonb)",
    2);

static int
refuse(struct provision_refusal *r, const char *field, const char *why,
       enum provision_status status)
{
	r->field = field;
	r->why = why;
	return status;
}

static int
check(const struct provision *p, const char **norm, struct provision_refusal *r,
      struct arena *a)
{
	const char *why;

	if (p->slug == NULL || !host_slug_valid(p->slug))
		return refuse(
		    r, "slug",
		    "slug must be 3-63 of a-z, 0-9 and '-', not reserved",
		    PROVISION_INVALID);
	if (p->name == NULL || *p->name == '\0' || strlen(p->name) > 200)
		return refuse(r, "name", "name must be 1-200 characters",
		              PROVISION_INVALID);
	*norm = NULL;
	if (p->owner_email == NULL)
		return 0;
	if ((*norm = email_norm(a, p->owner_email)) == NULL)
		return refuse(r, "owner.email", "owner e-mail is not valid",
		              PROVISION_INVALID);
	if (p->owner_password == NULL)
		return refuse(r, "owner.password", "owner password is required",
		              PROVISION_INVALID);
	why = password_policy(p->owner_password, p->owner_email,
	                      PASSWORD_MIN_DEFAULT);
	if (why != NULL)
		return refuse(r, "owner.password", why, PROVISION_INVALID);
	return 0;
}

/* The templates of a plan row as "a, b". */
static const char *
template_names(struct arena *a, const struct plan_row *plan)
{
	const char *why, *out = "";
	cJSON *t =
	    json_parse(plan->templates, strlen(plan->templates), 4, &why);
	const cJSON *e;

	cJSON_ArrayForEach(e, t)
	{
		if (cJSON_IsString(e))
			out = arena_printf(a, "%s%s%s", out, *out ? ", " : "",
			                   e->valuestring);
	}
	return *out ? out : "none";
}

/* The region of the new tenant under plan (its "regions" list, in the
 * plan's API object): the one asked for when the plan lists it, else a
 * refusal; none asked: the plan's first, or NULL ('local') when it lists
 * none.  0 or the status of the refusal. */
static int
check_region(struct arena *a, const struct plan_row *plan, const char *want,
             const char **region, struct provision_refusal *r)
{
	const char *why, *names = "";
	cJSON *o = json_parse(plan->json, strlen(plan->json), 4, &why);
	const cJSON *e, *list = cJSON_GetObjectItemCaseSensitive(o, "regions");

	*region = NULL;
	/* Multi-region: the tenant lives where it is created, and nowhere
	 * else (docs/regions.md); a plan without a list allows any region. */
	if (*cfg.region != '\0') {
		if (want == NULL)
			want = cfg.region;
		if (strcmp(want, cfg.region) != 0)
			return refuse(r, "region",
			              arena_printf(a,
			                           "this is region %s: a "
			                           "tenant of %s is created "
			                           "there",
			                           cfg.region, want),
			              PROVISION_INVALID);
		if (cJSON_GetArraySize(list) == 0) {
			*region = cfg.region;
			return 0;
		}
	}
	cJSON_ArrayForEach(e, list)
	{
		if (!cJSON_IsString(e))
			continue;
		if (want == NULL || strcmp(e->valuestring, want) == 0) {
			*region = arena_strdup(a, e->valuestring);
			return 0;
		}
		names = arena_printf(a, "%s%s%s", names, *names ? ", " : "",
		                     e->valuestring);
	}
	if (want == NULL)
		return 0;
	return refuse(r, "region",
	              *names
	                  ? arena_printf(a, "the %s plan offers the regions %s",
	                                 plan->name, names)
	                  : arena_printf(a,
	                                 "the %s plan offers no choice of "
	                                 "region",
	                                 plan->name),
	              PROVISION_INVALID);
}

/* The locale asked for, set in the template's settings and checked by
 * the settings schema.  0 or the status of the refusal. */
static int
apply_locale(cJSON *settings, const char *locale, struct provision_refusal *r)
{
	cJSON *errors = NULL;

	if (locale == NULL)
		return 0;
	cJSON_DeleteItemFromObjectCaseSensitive(settings, "locale");
	cJSON_AddStringToObject(settings, "locale", locale);
	if (settings_normalize(settings, settings, &errors) == NULL)
		return refuse(r, "locale",
		              "must be a language tag like en or fr-CA",
		              PROVISION_INVALID);
	return 0;
}

/* The tenant's plan, read in a trip of its own: it must exist and offer
 * the template.  0 or the status of the refusal. */
static int
check_plan(struct db *db, struct arena *a, const struct provision *p,
           struct plan_row *plan, struct provision_refusal *r)
{
	const char *name = p->plan_name ? p->plan_name : cfg.default_plan;
	int rc;

	if (strlen(name) > PLANS_NAME_MAX)
		return refuse(r, "plan", "there is no such plan",
		              PROVISION_INVALID);
	plans_get(db, name, plan);
	rc = db_sync(db);
	if (rc == -2)
		return refuse(r, "plan", "the database is unavailable",
		              PROVISION_UNAVAILABLE);
	if (rc < 0)
		return refuse(r, "plan", "the plan cannot be read",
		              PROVISION_FAILED);
	if (!plan->found)
		return refuse(
		    r, "plan", arena_printf(a, "there is no plan %s", name),
		    p->plan_name ? PROVISION_INVALID : PROVISION_FAILED);
	if (!plans_template_allowed(plan, p->template_name))
		return refuse(
		    r, "template",
		    arena_printf(a, "the %s plan offers the templates %s",
		                 plan->name, template_names(a, plan)),
		    PROVISION_INVALID);
	return 0;
}

int
provision_tenant(struct db *db, struct arena *a, const struct provision *p,
                 struct tenant *t, struct uuid *owner_id,
                 struct provision_refusal *r)
{
	struct uuid id, keys[3];
	char ids[UUID_STR_LEN + 1], uid[UUID_STR_LEN + 1];
	char hash[PASSWORD_HASH_MAX];
	const char *norm, *region, *audit[2];
	struct plan_row plan;
	cJSON *settings;
	int h, rc = check(p, &norm, r, a);

	if (rc != 0)
		return rc;
	/* The first configuration version comes from a template. */
	settings = settings_template(p->template_name);
	if (settings == NULL)
		return refuse(r, "template", "no such settings template",
		              PROVISION_INVALID);
	if ((rc = apply_locale(settings, p->locale, r)) != 0 ||
	    (rc = check_plan(db, a, p, &plan, r)) != 0 ||
	    (rc = check_region(a, &plan, p->region, &region, r)) != 0)
		return rc;
	if (norm != NULL &&
	    password_hash(p->owner_password, cfg.scrypt_log2n, hash) < 0)
		return refuse(r, "owner.password", "cannot hash the password",
		              PROVISION_FAILED);
	uuid_v7(&id);
	uuid_format(&id, ids);
	db_begin(db, &id);
	h = tenants_queue_insert(db, ids, p->slug, p->name, plan.name, region);
	if (keyring_queue_rotate(db, &id, keys) < 0)
		return refuse(
		    r, "",
		    "cannot make the tenant's keys (is the master key "
		    "loaded?)",
		    PROVISION_FAILED);
	roles_queue_builtins(db, ids);
	if (norm != NULL) {
		uuid_v7(owner_id);
		uuid_format(owner_id, uid);
		users_queue_insert(db, ids, uid, p->owner_email, norm,
		                   p->owner_name ? p->owner_name : "", hash);
		users_queue_set_roles(db, ids, uid, "{owner}");
	}
	config_queue_write(
	    db, ids, "0", json_print(settings),
	    arena_printf(a, "template %s",
	                 p->template_name ? p->template_name : "default"),
	    "", NULL);
	audit[0] = ids;
	audit[1] = arena_printf(
	    a, "{\"slug\":\"%s\",\"plan\":\"%s\",\"region\":\"%s\"}", p->slug,
	    plan.name, region ? region : "local");
	db_queue(db, &st_audit, audit);
	db_commit(db);
	rc = db_sync(db);
	if (rc == -2)
		return refuse(r, "", "the database is unavailable",
		              PROVISION_UNAVAILABLE);
	if (rc < 0) {
		if (db_error_is(db, "23505"))
			return refuse(r, "slug", "this slug is taken",
			              PROVISION_TAKEN);
		log_error("tenant creation failed: %s %s", db->sqlstate,
		          db->errmsg);
		return refuse(r, "", "the tenant could not be created",
		              PROVISION_FAILED);
	}
	tenants_from_row(t, db_result(db, h), 0);
	t->config_version = 1;
	return 0;
}
