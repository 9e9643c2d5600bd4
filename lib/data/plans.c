/*
 * plans.c - the platform's plans: their rows, and their rules for a
 * tenant's settings.
 */
#include "data/plans.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "data/db.h"
#include "data/pgarray.h"
#include "data/settings.h"

#define PLAN_JSON                                                              \
	"json_build_object('name', p.name, 'limits', json_build_object("       \
	"'requests_per_second', p.requests_per_second, 'burst', p.burst, "     \
	"'max_records', p.max_records, 'max_collections', "                    \
	"p.max_collections), 'audit_retention_min_days', "                     \
	"p.audit_retention_min_days, 'templates', "                            \
	"array_to_json(p.templates), "                                         \
	"'features', p.features, 'regions', array_to_json(p.regions), "        \
	"'version', p.version, 'created_at', ts(p.created_at), 'updated_at', " \
	"ts(p.updated_at))::text"

#define PLAN_COLUMNS                                                           \
	"p.name, p.version, p.requests_per_second, p.burst, p.max_records, "   \
	"p.max_collections, p.audit_retention_min_days, "                      \
	"array_to_json(p.templates)::text, p.features::text, " PLAN_JSON

static struct db_stmt st_list = DB_STMT(
    "plans_list", "SELECT " PLAN_JSON " FROM plans p ORDER BY p.name", 0);
static struct db_stmt st_get = DB_STMT(
    "plans_get", "SELECT " PLAN_COLUMNS " FROM plans p WHERE p.name = $1", 1);
static struct db_stmt st_of_tenant =
    DB_STMT("plans_of_tenant",
            "SELECT " PLAN_COLUMNS " FROM tenants t JOIN plans p ON p.name "
            "= t.plan WHERE t.id = $1::uuid",
            1);
/* The answers are built after the write, not in its RETURNING, and the
 * version is drawn in a CTE: on Citus (plans is a reference table) a
 * RETURNING takes only IMMUTABLE functions and an UPDATE no VOLATILE one.
 * PostgreSQL runs the CTE only when a row is updated, as before. */
static struct db_stmt st_insert = DB_STMT(
    "plans_insert",
    "WITH p AS (INSERT INTO plans (name, requests_per_second, burst, "
    "max_records, max_collections, audit_retention_min_days, templates, "
    "features, regions) VALUES ($1, $2::integer, $3::integer, $4::bigint, "
    "$5::integer, $6::integer, $7::text[], $8::jsonb, $9::text[]) "
    "RETURNING *) SELECT " PLAN_COLUMNS " FROM p",
    9);
static struct db_stmt st_update = DB_STMT(
    "plans_update",
    "WITH v AS (SELECT nextval('plan_versions') AS n), p AS (UPDATE plans "
    "p SET requests_per_second = coalesce($2::integer, "
    "p.requests_per_second), burst = coalesce($3::integer, p.burst), "
    "max_records = coalesce($4::bigint, p.max_records), max_collections "
    "= coalesce($5::integer, p.max_collections), audit_retention_min_days "
    "= coalesce($6::integer, p.audit_retention_min_days), templates = "
    "coalesce($7::text[], p.templates), features = coalesce($8::jsonb, "
    "p.features), regions = coalesce($9::text[], p.regions), version = "
    "(SELECT n FROM v), updated_at = now() WHERE p.name = $1 RETURNING "
    "p.*) SELECT " PLAN_COLUMNS " FROM p",
    9);

static struct db_stmt st_quota_lock =
    DB_STMT("plans_quota_lock", "SELECT quota_lock($1::uuid)", 1);

static void
decode_list(const PGresult *r, void *out, struct arena *a)
{
	struct plan_list *l = out;

	l->n = db_rows(r);
	l->json = arena_calloc(a, (size_t)l->n + 1, sizeof(*l->json));
	for (int i = 0; i < l->n; i++)
		l->json[i] = db_str(r, i, 0, a);
}

static void
decode_row(const PGresult *r, void *out, struct arena *a)
{
	struct plan_row *p = out;

	if (db_rows(r) != 1)
		return;
	p->found = true;
	snprintf(p->name, sizeof(p->name), "%s", db_value(r, 0, 0));
	p->caps.version = db_int(r, 0, 1);
	p->caps.rps = (int)db_int(r, 0, 2);
	p->caps.burst = (int)db_int(r, 0, 3);
	p->caps.max_records = db_int(r, 0, 4);
	p->caps.max_collections = (int)db_int(r, 0, 5);
	p->caps.audit_min_days = (int)db_int(r, 0, 6);
	p->templates = db_str(r, 0, 7, a);
	p->features = db_str(r, 0, 8, a);
	p->json = db_str(r, 0, 9, a);
}

int
plans_list(struct db *db, struct plan_list *out)
{
	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_list, NULL, decode_list, out);
}

int
plans_get(struct db *db, const char *name, struct plan_row *out)
{
	const char *p[1] = {name};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get, p, decode_row, out);
}

int
plans_of_tenant(struct db *db, const char *tid, struct plan_row *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_of_tenant, p, decode_row, out);
}

int
plans_lock_quota(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_quota_lock, p);
}

static int
write_row(struct db *db, struct db_stmt *st, const struct plan_fields *f,
          struct plan_row *out)
{
	const char *p[9] = {f->name,
	                    f->rps,
	                    f->burst,
	                    f->max_records,
	                    f->max_collections,
	                    f->audit_min_days,
	                    f->templates,
	                    f->features,
	                    f->regions};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, st, p, decode_row, out);
}

int
plans_insert(struct db *db, const struct plan_fields *f, struct plan_row *out)
{
	return write_row(db, &st_insert, f, out);
}

int
plans_update(struct db *db, const struct plan_fields *f, struct plan_row *out)
{
	return write_row(db, &st_update, f, out);
}

/* Parsing a plan body. */

struct parse {
	struct arena *a;
	bool create;
	cJSON *errors;
};

static void
bad(struct parse *ps, const char *field, const char *msg)
{
	ps->errors = json_add_field_error(ps->errors, field, msg);
}

static bool
name_ok(const char *s, bool letter_first)
{
	size_t n = strlen(s);

	return n >= 1 && n <= PLANS_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n &&
	       (!letter_first || (s[0] >= 'a' && s[0] <= 'z'));
}

/* An integer member lo..hi as text, or NULL (absent, or an error). */
static const char *
integer(struct parse *ps, const cJSON *o, const char *key, const char *field,
        double lo, double hi)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	if (x == NULL) {
		if (ps->create)
			bad(ps, field, "is required");
		return NULL;
	}
	if (!cJSON_IsNumber(x) || x->valuedouble != floor(x->valuedouble) ||
	    x->valuedouble < lo || x->valuedouble > hi) {
		bad(ps, field,
		    json_printf("must be an integer from %.0f to %.0f", lo,
		                hi));
		return NULL;
	}
	return arena_printf(ps->a, "%.0f", x->valuedouble);
}

static void
limits(struct parse *ps, const cJSON *x, struct plan_fields *f)
{
	static const char *const keys[] = {"requests_per_second", "burst",
	                                   "max_records", "max_collections"};
	const cJSON *m;

	if (x == NULL && !ps->create)
		return;
	if (!cJSON_IsObject(x)) {
		bad(ps, "limits", "must be an object");
		return;
	}
	cJSON_ArrayForEach(m, x)
	{
		bool known = false;

		for (int i = 0; i < 4; i++)
			known |= strcmp(m->string, keys[i]) == 0;
		if (!known)
			bad(ps, json_printf("limits.%s", m->string),
			    "is not a known limit");
	}
	f->rps =
	    integer(ps, x, keys[0], "limits.requests_per_second", 1, 100000);
	f->burst = integer(ps, x, keys[1], "limits.burst", 1, 1000000);
	f->max_records = integer(ps, x, keys[2], "limits.max_records", 0, 1e9);
	f->max_collections =
	    integer(ps, x, keys[3], "limits.max_collections", 1, 10000);
}

/* A list of names as a text[] literal; templates must exist. */
static const char *
names(struct parse *ps, const cJSON *x, const char *field, bool templates)
{
	const cJSON *e;

	if (x == NULL) {
		if (ps->create)
			bad(ps, field, "is required");
		return NULL;
	}
	if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) > 50) {
		bad(ps, field, "must be a list of at most 50 names");
		return NULL;
	}
	cJSON_ArrayForEach(e, x)
	{
		if (!cJSON_IsString(e) || !name_ok(e->valuestring, false)) {
			bad(ps, field, "names are 1-63 of a-z, 0-9, '_', '-'");
			return NULL;
		}
		if (templates && settings_template(e->valuestring) == NULL) {
			bad(ps, field,
			    json_printf("there is no template %s",
			                e->valuestring));
			return NULL;
		}
	}
	return pgarray_from_json(ps->a, x);
}

static const char *
features(struct parse *ps, const cJSON *x)
{
	const cJSON *m;

	if (x == NULL) {
		if (ps->create)
			bad(ps, "features", "is required");
		return NULL;
	}
	if (!cJSON_IsObject(x) || cJSON_GetArraySize(x) > 100) {
		bad(ps, "features", "must be an object of at most 100 flags");
		return NULL;
	}
	cJSON_ArrayForEach(m, x)
	{
		if (!name_ok(m->string, false) || !cJSON_IsBool(m)) {
			bad(ps, json_printf("features.%s", m->string),
			    "flags are lower-case names with true or false");
			return NULL;
		}
	}
	return json_print(x);
}

cJSON *
plans_parse(struct arena *a, const cJSON *body, bool create,
            struct plan_fields *f)
{
	static const char *const keys[] = {
	    "name",      "limits",   "audit_retention_min_days",
	    "templates", "features", "regions",
	    NULL};
	struct parse ps = {a, create, NULL};
	const cJSON *m;

	memset(f, 0, sizeof(*f));
	cJSON_ArrayForEach(m, body)
	{
		bool known = false;

		for (const char *const *k = keys; *k != NULL; k++)
			known |= strcmp(m->string, *k) == 0;
		if (!known)
			bad(&ps, m->string, "is not a member of a plan");
	}
	m = cJSON_GetObjectItemCaseSensitive(body, "name");
	if (!create && m != NULL)
		bad(&ps, "name", "is fixed: make a new plan instead");
	else if (create &&
	         (!cJSON_IsString(m) || !name_ok(m->valuestring, true)))
		bad(&ps, "name",
		    "must be 1-63 of a-z, 0-9, '_', '-', starting with a "
		    "letter");
	else if (create)
		f->name = m->valuestring;
	limits(&ps, cJSON_GetObjectItemCaseSensitive(body, "limits"), f);
	f->audit_min_days = integer(&ps, body, "audit_retention_min_days",
	                            "audit_retention_min_days", 1, 36500);
	f->templates =
	    names(&ps, cJSON_GetObjectItemCaseSensitive(body, "templates"),
	          "templates", true);
	f->features =
	    features(&ps, cJSON_GetObjectItemCaseSensitive(body, "features"));
	f->regions =
	    names(&ps, cJSON_GetObjectItemCaseSensitive(body, "regions"),
	          "regions", false);
	return ps.errors;
}

/* The rules. */

int
plans_floor(const struct plan_caps *c, int platform_floor)
{
	return c->audit_min_days > platform_floor ? c->audit_min_days
	                                          : platform_floor;
}

static long long
min_ll(long long a, long long b)
{
	return a < b ? a : b;
}

void
plans_cap(struct tenant_settings *s, const struct plan_caps *c,
          int platform_floor)
{
	int floor_days = plans_floor(c, platform_floor);

	if (c->version == 0)
		return;
	s->rate_rps = (int)min_ll(s->rate_rps, c->rps);
	s->rate_burst = (int)min_ll(s->rate_burst, c->burst);
	s->max_records = min_ll(s->max_records, c->max_records);
	s->max_collections =
	    (int)min_ll(s->max_collections, c->max_collections);
	if (s->audit_days < floor_days)
		s->audit_days = floor_days;
}

/* The limits by name with the plan's cap of each. */
struct limit_cap {
	const char *key;
	double cap;
};

static void
limit_caps(const struct plan_caps *c, struct limit_cap out[4])
{
	out[0] = (struct limit_cap){"requests_per_second", c->rps};
	out[1] = (struct limit_cap){"burst", c->burst};
	out[2] = (struct limit_cap){"max_records", (double)c->max_records};
	out[3] = (struct limit_cap){"max_collections", c->max_collections};
}

static const cJSON *
member(const cJSON *doc, const char *section, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(doc, section), key);
}

cJSON *
plans_defaults(const cJSON *tmpl, const struct plan_caps *c, int platform_floor)
{
	cJSON *d = cJSON_Duplicate(tmpl, true);
	cJSON *x;
	struct limit_cap caps[4];

	if (d == NULL || c->version == 0)
		return d;
	limit_caps(c, caps);
	for (int i = 0; i < 4; i++) {
		x = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(d, "limits"), caps[i].key);
		if (cJSON_IsNumber(x) && x->valuedouble > caps[i].cap)
			cJSON_SetNumberValue(x, caps[i].cap);
	}
	x = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(d, "retention"), "audit_days");
	if (cJSON_IsNumber(x) &&
	    x->valuedouble < plans_floor(c, platform_floor))
		cJSON_SetNumberValue(x, plans_floor(c, platform_floor));
	return d;
}

static void
check_limits(const cJSON *doc, const cJSON *cur, const struct plan_row *p,
             cJSON **errors)
{
	struct limit_cap caps[4];

	limit_caps(&p->caps, caps);
	for (int i = 0; i < 4; i++) {
		const cJSON *n = member(doc, "limits", caps[i].key);
		const cJSON *o = member(cur, "limits", caps[i].key);

		/* Lowering, or keeping, a value above a new plan's cap is
		 * allowed: the cap applies to it anyway. */
		if (!cJSON_IsNumber(n) || n->valuedouble <= caps[i].cap ||
		    (cJSON_IsNumber(o) && n->valuedouble <= o->valuedouble))
			continue;
		*errors = json_add_field_error(
		    *errors, json_printf("limits.%s", caps[i].key),
		    json_printf("may be at most %.0f on the %s plan",
		                caps[i].cap, p->name));
	}
}

static void
check_features(const cJSON *doc, const cJSON *cur, const struct plan_row *p,
               cJSON **errors)
{
	const char *why;
	cJSON *offered = p->features
	                     ? json_parse(p->features, strlen(p->features),
	                                  JSON_MAX_DEPTH, &why)
	                     : NULL;
	const cJSON *m;

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(doc, "features"))
	{
		const cJSON *o =
		    cJSON_GetObjectItemCaseSensitive(offered, m->string);

		/* Flags the plan does not name are the tenant's own. */
		if (!cJSON_IsTrue(m) || o == NULL || cJSON_IsTrue(o) ||
		    cJSON_IsTrue(member(cur, "features", m->string)))
			continue;
		*errors = json_add_field_error(
		    *errors, json_printf("features.%s", m->string),
		    json_printf("is not offered by the %s plan", p->name));
	}
}

static void
check_retention(const cJSON *doc, const cJSON *cur, const struct plan_row *p,
                int platform_floor, cJSON **errors)
{
	const cJSON *n = member(doc, "retention", "audit_days");
	const cJSON *o = member(cur, "retention", "audit_days");
	int floor_days = plans_floor(&p->caps, platform_floor);
	bool same = cJSON_IsNumber(o) && cJSON_IsNumber(n) &&
	            n->valuedouble == o->valuedouble;

	if (!cJSON_IsNumber(n) || same)
		return;
	if (n->valuedouble < floor_days)
		*errors = json_add_field_error(
		    *errors, "retention.audit_days",
		    json_printf("must be at least %d days on the %s plan",
		                floor_days, p->name));
	else if (cJSON_IsNumber(o) && n->valuedouble < o->valuedouble)
		*errors = json_add_field_error(
		    *errors, "retention.audit_days",
		    json_printf("can only be lengthened: it is %.0f days",
		                o->valuedouble));
}

cJSON *
plans_check_settings(const cJSON *doc, const cJSON *cur,
                     const struct plan_row *p, int platform_floor)
{
	cJSON *errors = NULL;

	check_limits(doc, cur, p, &errors);
	check_features(doc, cur, p, &errors);
	check_retention(doc, cur, p, platform_floor, &errors);
	return errors;
}

bool
plans_template_allowed(const struct plan_row *p, const char *name)
{
	const char *why;
	cJSON *t = p->templates
	               ? json_parse(p->templates, strlen(p->templates), 4, &why)
	               : NULL;
	const cJSON *e;

	if (name == NULL)
		name = "default";
	cJSON_ArrayForEach(e, t)
	{
		if (cJSON_IsString(e) && strcmp(e->valuestring, name) == 0)
			return true;
	}
	return false;
}
