/*
 * plans.h - the platform's plans (sql/010_platform_plans.sql): what a
 * tenant may set for itself.  Not the request's struct plan (api/plan.h),
 * which is the round trip a handler queues its statements into.
 *
 * A plan caps a tenant's limits (rate, burst, records, collections), sets
 * the shortest audit retention the tenant may choose (never below the
 * platform's floor, cfg.audit_retention_floor_days), and names the
 * templates a tenant of it may start from and the platform's feature
 * flags it offers (true) or withholds (false).  Operators edit plans; tenants
 * read only their effect.
 *
 * The rules, in one place (docs/config.md, "Plans"):
 *   - the effective limits are min(setting, cap) and the effective audit
 *     retention max(setting, floor): a tenant moved to a smaller plan keeps
 *     its stored settings, and they are capped from the next request;
 *   - a settings write may lower a value or leave it as it is, never raise
 *     it past the cap; it may not turn on a feature flag that the plan
 *     names as false (flags the plan does not name are the tenant's own);
 *   - audit retention may only be lengthened, and not set below the floor.
 *
 * The typed reads and writes queue one statement each and fill their
 * struct (zeroed now, in db's arena) during db_sync; each returns the
 * statement's handle or -1 (db_queue's loud failure).
 */
#ifndef STRATA_DATA_PLANS_H
#define STRATA_DATA_PLANS_H

#include <stdbool.h>

#include <cJSON.h>

#define PLANS_NAME_MAX 63

struct arena;
struct db;
struct tenant_settings;

/* The numbers of a plan the request path applies. */
struct plan_caps {
	long long version; /* this plan at this edit (0: none known) */
	int rps;
	int burst;
	long long max_records;
	int max_collections;
	int audit_min_days; /* the plan's own floor */
};

/* One plan: found, its name, caps, the JSON texts of its templates (an
 * array of names) and features (an object of flags), and the API object
 * {name, limits, audit_retention_min_days, templates, features, regions,
 * version, updated_at} as JSON text. */
struct plan_row {
	bool found;
	char name[PLANS_NAME_MAX + 1];
	struct plan_caps caps;
	const char *templates;
	const char *features;
	const char *json;
};

struct plan_list {
	int n;
	const char **json;
};

/* Every plan, by name. */
int plans_list(struct db *db, struct plan_list *out);

/* The plan named name. */
int plans_get(struct db *db, const char *name, struct plan_row *out);

/* The plan of tenant tid (text uuid). */
int plans_of_tenant(struct db *db, const char *tid, struct plan_row *out);

/* A plan's columns as text, for plans_insert and plans_update; in an
 * update a NULL member keeps the stored value.  templates and regions
 * are text[] literals, features a JSON object text. */
struct plan_fields {
	const char *name;
	const char *rps;
	const char *burst;
	const char *max_records;
	const char *max_collections;
	const char *audit_min_days;
	const char *templates;
	const char *features;
	const char *regions;
};

/* Inserts a plan (a taken name fails the trip with SQLSTATE 23505). */
int plans_insert(struct db *db, const struct plan_fields *f,
                 struct plan_row *out);

/* Updates plan f->name with the non-NULL members of f and gives it a new
 * version; out->found when it existed. */
int plans_update(struct db *db, const struct plan_fields *f,
                 struct plan_row *out);

/* Takes tenant tid's quota lock until the transaction ends: a create that
 * counts after it sees every create that held it before (they have
 * committed), so two creates at a quota cannot both pass.  Queue it
 * before the count. */
int plans_lock_quota(struct db *db, const char *tid);

/* A plan body of the API checked and turned into fields (strings in the
 * arena a).  create: every member is required and name is
 * taken from the body; otherwise (an update) name must be absent and
 * absent members stay as stored.  Returns NULL, or the errors
 * ({field, message}) found. */
cJSON *plans_parse(struct arena *a, const cJSON *body, bool create,
                   struct plan_fields *f);

/* The audit floor under a plan: the platform's floor or the plan's, the
 * longer. */
int plans_floor(const struct plan_caps *c, int platform_floor);

/* Applies c to compiled settings s: limits min(setting, cap), audit
 * retention max(setting, floor).  c->version 0 (no plan known) leaves s
 * as it is. */
void plans_cap(struct tenant_settings *s, const struct plan_caps *c,
               int platform_floor);

/* The defaults a settings write under plan c starts from: a copy of
 * tmpl (a complete settings document) with its limits capped and its audit
 * retention raised to the floor, so that a document that leaves them out
 * is valid under the plan.  In the current JSON arena. */
cJSON *plans_defaults(const cJSON *tmpl, const struct plan_caps *c,
                      int platform_floor);

/* The plan's rules for a settings write: doc (normalised) against cur
 * (the tenant's current normalised settings, or the defaults) under plan
 * p.  Returns NULL when doc may be written, or the errors found, each
 * naming the cap or floor. */
cJSON *plans_check_settings(const cJSON *doc, const cJSON *cur,
                            const struct plan_row *p, int platform_floor);

/* True when p offers the template named name (NULL: "default"). */
bool plans_template_allowed(const struct plan_row *p, const char *name);

#endif
