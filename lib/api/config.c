/*
 * config.c - /v1/config: validated, versioned tenant settings.
 *
 * Every change writes a new immutable version with a compare-and-set on
 * tenants.config_version: of two writers holding the same version exactly
 * one wins, the other gets 412, and no number is skipped or used twice.
 *
 * Round trips: a read is one.  A write is two: the principal with the
 * tenant's row locked and its current version (so a concurrent writer
 * waits, then reads the winner's version and answers 412 before writing
 * anything), then the write, its domains, the audit event and COMMIT.  A
 * domain that another tenant holds fails the second trip in SQL, so
 * nothing of it commits.  No worker is notified: the version row of every
 * request carries config_version, and settings are cached by it.
 *
 * The first trip also reads what the tenant's roles grant: a write that
 * changes auth.oidc needs the owner role and a role mapping the caller
 * may hand out (api/config_oidc.h), on every path (PUT, PATCH, restore).
 */
#include "api/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/config_join.h"
#include "api/config_oidc.h"
#include "api/support.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "core/response.h"
#include "data/audit.h"
#include "data/config_versions.h"
#include "core/config.h"
#include "data/pgarray.h"
#include "data/plans.h"
#include "data/roles.h"
#include "data/settings.h"
#include "data/tenants.h"

/* A write's reads (first trip) and outcome (second trip). */
struct config_change {
	struct config_version_one cur;
	struct config_version_one old; /* restore: version n */
	struct config_written w;
	struct config_domain_taken taken;
	struct config_domains domains;
	struct role_perms_list roles; /* what auth.oidc's mapping may name */
	struct plan_row plan;         /* the tenant's plan, in the first trip */
};

static void
forget_error(struct request *req)
{
	memset(&req->err, 0, sizeof(req->err));
}

static cJSON *
parse(const char *text, int depth)
{
	const char *why;

	return json_parse(text, strlen(text), depth, &why);
}

/* {version, settings, updated_at, updated_by, comment, restored_from}. */
static cJSON *
version_object(const struct config_version *v)
{
	cJSON *o = parse(v->meta, 4);

	cJSON_AddItemToObject(o, "settings",
	                      parse(v->settings, JSON_MAX_DEPTH));
	return o;
}

/* Version 0: the tenant never wrote settings; the defaults apply. */
static cJSON *
defaults_object(void)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *t = settings_template(NULL);

	cJSON_AddNumberToObject(o, "version", 0);
	cJSON_AddNullToObject(o, "updated_at");
	cJSON_AddNullToObject(o, "updated_by");
	cJSON_AddStringToObject(o, "comment", "");
	cJSON_AddNullToObject(o, "restored_from");
	cJSON_AddItemToObject(o, "settings", t ? t : cJSON_CreateObject());
	return o;
}

static cJSON *
current_object(const struct config_version_one *cur)
{
	return cur->found ? version_object(&cur->v) : defaults_object();
}

/* 200 with o, its domain_status and ETag: its version. */
static int
respond(struct request *req, cJSON *o, const struct config_domains *d)
{
	const cJSON *v = cJSON_GetObjectItem(o, "version");
	cJSON *a = cJSON_AddArrayToObject(o, "domain_status");

	for (int i = 0; i < d->n; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "name", d->rows[i].name);
		cJSON_AddBoolToObject(e, "verified", d->rows[i].verified);
		json_add_str(e, "verified_at", d->rows[i].verified_at);
		cJSON_AddItemToArray(a, e);
	}
	api_etag(req, arena_printf(req->arena, "%.0f", v->valuedouble));
	response_json(req, 200, o);
	return 0;
}

int
config_show(struct request *req, struct plan *plan)
{
	struct config_version_one cur;
	struct config_domains d;
	int st;

	config_current(req->db, req->tenant->id_str, &cur);
	config_domain_status(req->db, req->tenant->id_str, &d);
	if ((st = plan_read(plan)) != 0)
		return st;
	return respond(req, current_object(&cur), &d);
}

static const char *
names_array(struct request *req, const cJSON *doc)
{
	const char *a =
	    pgarray_from_json(req->arena, cJSON_GetObjectItem(doc, "domains"));

	return a ? a : "{}";
}

/* The first trip of a write: the principal, the tenant's row locked, its
 * current version and, restoring, version n (NULL: none). */
static int
begin_write(struct request *req, struct plan *plan, struct config_change *c,
            const char *n)
{
	const char *tid = req->tenant->id_str;

	memset(c, 0, sizeof(*c));
	config_lock(req->db, tid);
	config_current(req->db, tid, &c->cur);
	roles_list_perms(req->db, tid, &c->roles);
	if (n != NULL)
		config_get(req->db, tid, n, &c->old);
	plans_of_tenant(req->db, tid, &c->plan);
	return plan_run(plan);
}

/* The plan's rules (data/plans.h) for doc against the current settings:
 * 0, or 422 naming each cap or floor passed. */
static int
check_plan(struct request *req, const struct config_change *c, const cJSON *doc)
{
	const cJSON *cur =
	    cJSON_GetObjectItem(current_object(&c->cur), "settings");
	cJSON *errors = plans_check_settings(doc, cur, &c->plan,
	                                     cfg.audit_retention_floor_days);

	if (errors == NULL)
		return 0;
	return api_fail_errors(
	    req, 422, "validation_failed",
	    arena_printf(req->arena,
	                 "the settings exceed what the %s plan allows",
	                 c->plan.name),
	    errors);
}

/* A change of the retention section is audited as its own action, with
 * the sections before and after. */
static void
audit_retention(struct request *req, const struct config_change *c,
                const cJSON *doc, long long version)
{
	const cJSON *cur =
	    cJSON_GetObjectItem(current_object(&c->cur), "settings");
	const cJSON *was = cJSON_GetObjectItem(cur, "retention");
	const cJSON *now = cJSON_GetObjectItem(doc, "retention");
	cJSON *d;

	if (cJSON_Compare(was, now, true))
		return;
	d = cJSON_CreateObject();
	cJSON_AddItemToObject(d, "from", cJSON_Duplicate(was, true));
	cJSON_AddItemToObject(d, "to", cJSON_Duplicate(now, true));
	api_audit(req, "config.retention", "config",
	          arena_printf(req->arena, "%lld", version), AUDIT_SUCCESS,
	          json_print(d));
}

/* Writes doc as the version after expected, in the second trip. */
static int
write_version(struct request *req, struct plan *plan, struct config_change *c,
              const cJSON *doc, long long expected, const char *comment,
              const char *restored_from)
{
	const char *tid = req->tenant->id_str;
	cJSON *o;
	int st;

	config_write(req->db, tid, arena_printf(req->arena, "%lld", expected),
	             json_print(doc), comment ? comment : "",
	             req->principal.id_str, restored_from, &c->w);
	config_domains_sync(req->db, tid, names_array(req, doc), &c->taken);
	audit_retention(req, c, doc, expected + 1);
	config_domain_status(req->db, tid, &c->domains);
	api_audit(
	    req, restored_from ? "config.restore" : "config.update", "config",
	    arena_printf(req->arena, "%lld", expected + 1), AUDIT_SUCCESS,
	    arena_printf(req->arena, "{\"from_version\":%lld%s%s}", expected,
	                 restored_from ? ",\"restored_from\":" : "",
	                 restored_from ? restored_from : ""));
	api_event(req, "config.updated", "config", "settings", NULL,
	          arena_printf(req->arena, "%lld", expected + 1),
	          arena_printf(req->arena, "{\"version\":%lld}", expected + 1));
	if ((st = plan_commit(plan)) != 0) {
		if (c->taken.name == NULL)
			return st;
		forget_error(req);
		return api_fail_errors(
		    req, 422, "validation_failed",
		    "a domain belongs to another tenant",
		    json_add_field_error(NULL, "domains", c->taken.name));
	}
	/* The row lock of the first trip makes this unreachable. */
	if (!c->w.written)
		return api_fail(req, 412, "precondition_failed",
		                "the configuration changed since that version");
	req->tenant->config_version = expected + 1;
	tenants_cache_put(req->tenant);
	o = parse(c->w.meta, 4);
	cJSON_AddItemToObject(o, "settings", cJSON_Duplicate(doc, true));
	return respond(req, o, &c->domains);
}

/* The current settings, normalised as a write's are (so that a member
 * the schema fills in is no change), or as stored when they no longer
 * validate. */
static const cJSON *
current_settings(const struct config_change *c)
{
	const cJSON *cur =
	    cJSON_GetObjectItem(current_object(&c->cur), "settings");
	cJSON *errors = NULL;
	cJSON *norm = settings_normalize(cur, settings_template(NULL), &errors);

	return norm ? norm : cur;
}

static int
write_normalized(struct request *req, struct plan *plan,
                 struct config_change *c, const cJSON *in, const char *want,
                 const char *comment, const char *restored_from)
{
	cJSON *errors = NULL, *doc;
	long long ver = c->cur.found ? c->cur.v.version : 0;
	const char *oidc = NULL;
	int st;

	if (!c->plan.found)
		return api_fail(req, 503, "service_unavailable",
		                "the tenant's plan cannot be read now");
	doc = settings_normalize(in,
	                         plans_defaults(settings_template(NULL),
	                                        &c->plan.caps,
	                                        cfg.audit_retention_floor_days),
	                         &errors);
	if (doc == NULL)
		return api_fail_errors(req, 422, "validation_failed",
		                       "the settings are not valid", errors);
	if ((st = check_plan(req, c, doc)) != 0)
		return st;
	if (*want != '\0' && strcmp(want, "*") != 0 &&
	    strtoll(want, NULL, 10) != ver)
		return api_fail(req, 412, "precondition_failed",
		                "the configuration changed since that version");
	if ((st = config_oidc_check(req, current_settings(c), doc, &c->roles,
	                            &oidc)) != 0 ||
	    (st = config_join_check(req, current_settings(c), doc,
	                            &c->roles)) != 0)
		return st;
	if ((st = support_access_check(req, current_settings(c), doc)) != 0)
		return st;
	if (oidc != NULL)
		api_audit(req, "config.oidc_changed", "config",
		          arena_printf(req->arena, "%lld", ver + 1),
		          AUDIT_SUCCESS, oidc);
	return write_version(req, plan, c, doc, ver, comment, restored_from);
}

/* The settings of the body into *out, its comment into *comment. */
static int
read_body(struct request *req, bool patch, const cJSON **out,
          const char **comment)
{
	static const char *const fields[] = {"settings", "comment", NULL};
	const cJSON *b, *c, *s;

	/* PATCH also takes a bare merge patch of the settings (API.md): a
	 * body with neither member (no setting is named either). */
	if (patch && cJSON_IsObject(req->json) &&
	    !cJSON_HasObjectItem(req->json, "settings") &&
	    !cJSON_HasObjectItem(req->json, "comment")) {
		*comment = NULL;
		*out = req->json;
		return 0;
	}
	if ((b = api_object(req, fields)) == NULL)
		return req->err.status;
	c = cJSON_GetObjectItemCaseSensitive(b, "comment");
	if (c != NULL && (!cJSON_IsString(c) || strlen(c->valuestring) > 500))
		return api_fail_errors(
		    req, 422, "validation_failed", "the comment is not valid",
		    json_add_field_error(
		        NULL, "comment",
		        "must be a string of at most 500 bytes"));
	*comment = c ? c->valuestring : NULL;
	s = cJSON_GetObjectItemCaseSensitive(b, "settings");
	if (!cJSON_IsObject(s) && !(patch && s == NULL))
		return api_fail_errors(
		    req, 422, "validation_failed", "settings must be an object",
		    json_add_field_error(NULL, "settings",
		                         "must be an object"));
	*out = s ? s : cJSON_CreateObject();
	return 0;
}

/* The version the client holds (If-Match) into *want: 412 when
 * malformed, 428 when required and absent. */
static int
expected_version(struct request *req, bool required, const char **want)
{
	if ((*want = api_if_match_version(req)) == NULL)
		return req->err.status;
	if (**want == '\0' && required)
		return api_fail(req, 428, "precondition_required",
		                "send If-Match with the version you are "
		                "replacing");
	return 0;
}

int
config_replace(struct request *req, struct plan *plan)
{
	struct config_change c;
	const char *want = NULL, *comment = NULL;
	const cJSON *s = NULL;
	int st;

	if ((st = begin_write(req, plan, &c, NULL)) != 0 ||
	    (st = expected_version(req, true, &want)) != 0 ||
	    (st = read_body(req, false, &s, &comment)) != 0)
		return st;
	return write_normalized(req, plan, &c, s, want, comment, NULL);
}

int
config_patch(struct request *req, struct plan *plan)
{
	struct config_change c;
	const char *want = NULL, *comment = NULL;
	const cJSON *patch = NULL;
	cJSON *cur;
	int st;

	if ((st = begin_write(req, plan, &c, NULL)) != 0 ||
	    (st = expected_version(req, false, &want)) != 0 ||
	    (st = read_body(req, true, &patch, &comment)) != 0)
		return st;
	cur = current_object(&c.cur);
	return write_normalized(
	    req, plan, &c,
	    json_merge_patch(cJSON_GetObjectItem(cur, "settings"), patch), want,
	    comment, NULL);
}

int
config_versions(struct request *req, struct plan *plan)
{
	struct config_version_page page = {0};
	struct api_page p;
	cJSON *o, *items;
	int st, shown;
	bool bad = api_page(req, "config_versions", &p) < 0;

	/* A bad cursor or limit is answered after authorization. */
	forget_error(req);
	if (!bad)
		config_list(req->db, req->tenant->id_str, p.after, p.fetch,
		            &page);
	if ((st = plan_read(plan)) != 0)
		return st;
	if (bad) {
		(void)api_page(req, "config_versions", &p);
		return req->err.status;
	}
	shown = page.n > p.limit ? p.limit : page.n;
	o = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(o, "items");
	for (int i = 0; i < shown; i++)
		cJSON_AddItemToArray(items, cJSON_CreateRaw(page.rows[i].meta));
	if (page.n > p.limit)
		json_add_str(o, "next_cursor",
		             api_cursor_encode(
		                 req, "config_versions",
		                 arena_printf(req->arena, "%lld",
		                              page.rows[shown - 1].version)));
	else
		cJSON_AddNullToObject(o, "next_cursor");
	response_json(req, 200, o);
	return 0;
}

/* The {n} of the path when it is a positive integer, else NULL (a 404,
 * answered after authorization). */
static const char *
version_arg(struct request *req)
{
	const char *n = req->args[0];
	size_t len = strlen(n);

	if (len == 0 || len > 18 || strspn(n, "0123456789") != len ||
	    n[0] == '0')
		return NULL;
	return n;
}

int
config_version_show(struct request *req, struct plan *plan)
{
	const char *n = version_arg(req);
	struct config_version_one one = {0};
	int st;

	if (n != NULL)
		config_get(req->db, req->tenant->id_str, n, &one);
	if ((st = plan_read(plan)) != 0)
		return st;
	if (!one.found)
		return api_fail(req, 404, "not_found", "no such version");
	api_etag(req, n);
	response_json(req, 200, version_object(&one.v));
	return 0;
}

int
config_restore(struct request *req, struct plan *plan)
{
	const char *n = version_arg(req), *want;
	struct config_change c;
	cJSON *old;
	int st;

	if ((st = begin_write(req, plan, &c, n)) != 0)
		return st;
	if (n == NULL)
		return api_fail(req, 404, "not_found", "no such version");
	if ((st = expected_version(req, false, &want)) != 0)
		return st;
	if (!c.old.found)
		return api_fail(req, 404, "not_found", "no such version");
	old = version_object(&c.old.v);
	return write_normalized(
	    req, plan, &c, cJSON_GetObjectItem(old, "settings"), want, NULL, n);
}
