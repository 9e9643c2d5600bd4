/*
 * config.c - /v1/config: validated, versioned tenant settings.
 *
 * Every change writes a new immutable version with a compare-and-set on
 * tenants.config_version: of two writers holding the same version exactly
 * one wins, the other gets 412, and no number is skipped or used twice.
 */
#include "api/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "data/audit.h"
#include "data/config_versions.h"
#include "data/db.h"
#include "data/pgarray.h"
#include "data/settings.h"
#include "data/tenants.h"

enum { PF_CURRENT, PF_DOMAINS };

/* {version, settings, updated_at, updated_by, comment, restored_from} from
 * a row of (version, settings, json). */
static cJSON *
version_object(const PGresult *r, int i)
{
	const char *why;
	const char *meta = db_value(r, i, 2), *s = db_value(r, i, 1);
	cJSON *o = json_parse(meta, strlen(meta), 4, &why);

	cJSON_AddItemToObject(o, "settings",
	                      json_parse(s, strlen(s), JSON_MAX_DEPTH, &why));
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

bool
config_prefetch_show(struct request *req)
{
	req->pf[PF_CURRENT] =
	    config_queue_current(req->db, req->tenant->id_str);
	req->pf[PF_DOMAINS] =
	    config_queue_domain_status(req->db, req->tenant->id_str);
	return true;
}

static void
add_domain_status(cJSON *o, const PGresult *r)
{
	cJSON *a = cJSON_AddArrayToObject(o, "domain_status");

	for (int i = 0; r != NULL && i < PQntuples(r); i++) {
		cJSON *d = cJSON_CreateObject();

		cJSON_AddStringToObject(d, "name", db_value(r, i, 0));
		cJSON_AddBoolToObject(d, "verified",
		                      db_value(r, i, 1)[0] == 't');
		json_add_str(d, "verified_at",
		             db_is_null(r, i, 2) ? NULL : db_value(r, i, 2));
		cJSON_AddItemToArray(a, d);
	}
}

static void
respond(struct request *req, cJSON *o, const PGresult *domains)
{
	const cJSON *v = cJSON_GetObjectItem(o, "version");

	add_domain_status(o, domains);
	api_etag(req, arena_printf(req->arena, "%.0f", v->valuedouble));
	response_json(req, 200, o);
}

void
config_show(struct request *req)
{
	PGresult *r = db_result(req->db, req->pf[PF_CURRENT]);

	respond(req,
	        PQntuples(r) == 1 ? version_object(r, 0) : defaults_object(),
	        db_result(req->db, req->pf[PF_DOMAINS]));
}

/* The current version and settings, in the open transaction. */
static cJSON *
current(struct request *req)
{
	int h = config_queue_current(req->db, req->tenant->id_str);
	PGresult *r;

	if (api_sync(req) < 0)
		return NULL;
	r = db_result(req->db, h);
	return PQntuples(r) == 1 ? version_object(r, 0) : defaults_object();
}

static const char *
names_array(struct request *req, const cJSON *doc)
{
	const char *a =
	    pgarray_from_json(req->arena, cJSON_GetObjectItem(doc, "domains"));

	return a ? a : "{}";
}

/* Writes doc as the version after expected.  Answers every outcome. */
static void
write_version(struct request *req, const cJSON *doc, long long expected,
              const char *comment, const char *restored_from)
{
	const char *settings = json_print(doc);
	PGresult *taken;
	int hw, ht, hd;

	hw = config_queue_write(req->db, req->tenant->id_str,
	                        arena_printf(req->arena, "%lld", expected),
	                        settings, comment ? comment : "",
	                        req->principal.id_str, restored_from);
	ht = config_queue_domains(req->db, req->tenant->id_str,
	                          names_array(req, doc));
	hd = config_queue_domain_status(req->db, req->tenant->id_str);
	audit_queue(
	    req, restored_from ? "config.restore" : "config.update", "config",
	    arena_printf(req->arena, "%lld", expected + 1), AUDIT_SUCCESS,
	    arena_printf(req->arena, "{\"from_version\":%lld%s%s}", expected,
	                 restored_from ? ",\"restored_from\":" : "",
	                 restored_from ? restored_from : ""));
	if (api_sync(req) < 0)
		return;
	if (PQntuples(db_result(req->db, hw)) != 1) {
		problem(req, 412, "precondition_failed",
		        "the configuration changed since that version");
		return;
	}
	taken = db_result(req->db, ht);
	if (PQntuples(taken) > 0) {
		problem_errors(
		    req, 422, "validation_failed",
		    "a domain belongs to another tenant",
		    problem_add_error(NULL, "domains", db_value(taken, 0, 0)));
		return;
	}
	if (api_commit(req) < 0)
		return;
	req->tenant->config_version = expected + 1;
	tenants_cache_clear();
	{
		const char *why, *meta = db_value(db_result(req->db, hw), 0, 0);
		cJSON *o = json_parse(meta, strlen(meta), 4, &why);

		cJSON_AddItemToObject(o, "settings",
		                      cJSON_Duplicate(doc, true));
		respond(req, o, db_result(req->db, hd));
	}
}

static const cJSON *
read_body(struct request *req, bool patch, const char **comment)
{
	static const char *const fields[] = {"settings", "comment", NULL};
	const cJSON *b, *c, *s;

	/* PATCH also takes a bare merge patch of the settings (API.md): a
	 * body with neither member (no setting is named either). */
	if (patch && cJSON_IsObject(req->json) &&
	    !cJSON_HasObjectItem(req->json, "settings") &&
	    !cJSON_HasObjectItem(req->json, "comment")) {
		*comment = NULL;
		return req->json;
	}
	b = api_object(req, fields);
	if (b == NULL)
		return NULL;
	c = cJSON_GetObjectItemCaseSensitive(b, "comment");
	if (c != NULL && (!cJSON_IsString(c) || strlen(c->valuestring) > 500)) {
		problem_errors(req, 422, "validation_failed",
		               "the comment is not valid",
		               problem_add_error(NULL, "comment",
		                                 "must be a string of at most "
		                                 "500 bytes"));
		return NULL;
	}
	*comment = c ? c->valuestring : NULL;
	s = cJSON_GetObjectItemCaseSensitive(b, "settings");
	if (!cJSON_IsObject(s) && !(patch && s == NULL)) {
		problem_errors(
		    req, 422, "validation_failed", "settings must be an object",
		    problem_add_error(NULL, "settings", "must be an object"));
		return NULL;
	}
	return s ? s : cJSON_CreateObject();
}

/* The version the client holds (If-Match); NULL after 412/428. */
static const char *
expected_version(struct request *req, bool required)
{
	const char *v = api_if_match_version(req);

	if (v == NULL)
		return NULL;
	if (*v == '\0' && required) {
		problem(req, 428, "precondition_required",
		        "send If-Match with the version you are replacing");
		return NULL;
	}
	return v;
}

static void
write_normalized(struct request *req, const cJSON *in, const char *want,
                 const char *comment, const char *restored_from)
{
	cJSON *errors = NULL, *doc, *cur;
	long long ver;

	doc = settings_normalize(in, settings_template(NULL), &errors);
	if (doc == NULL) {
		problem_errors(req, 422, "validation_failed",
		               "the settings are not valid", errors);
		return;
	}
	cur = current(req);
	if (cur == NULL)
		return;
	ver = (long long)cJSON_GetObjectItem(cur, "version")->valuedouble;
	if (*want != '\0' && strcmp(want, "*") != 0 &&
	    strtoll(want, NULL, 10) != ver) {
		problem(req, 412, "precondition_failed",
		        "the configuration changed since that version");
		return;
	}
	write_version(req, doc, ver, comment, restored_from);
}

void
config_replace(struct request *req)
{
	const char *want = expected_version(req, true), *comment = NULL;
	const cJSON *s = want ? read_body(req, false, &comment) : NULL;

	if (s != NULL)
		write_normalized(req, s, want, comment, NULL);
}

void
config_patch(struct request *req)
{
	const char *want = expected_version(req, false), *comment = NULL;
	const cJSON *patch = want ? read_body(req, true, &comment) : NULL;
	cJSON *cur;

	if (patch == NULL)
		return;
	cur = current(req);
	if (cur == NULL)
		return;
	write_normalized(
	    req, json_merge_patch(cJSON_GetObjectItem(cur, "settings"), patch),
	    want, comment, NULL);
}

void
config_versions(struct request *req)
{
	struct api_page p;
	int h;

	if (api_page(req, "config_versions", &p) < 0)
		return;
	h = config_queue_list(req->db, req->tenant->id_str, p.after, p.fetch);
	if (api_commit(req) < 0)
		return;
	api_list(req, db_result(req->db, h), 1, 0, p.limit, "config_versions");
}

/* The {n} of the path: a positive integer, else 404. */
static const char *
version_arg(struct request *req)
{
	const char *n = req->args[0];
	size_t len = strlen(n);

	if (len == 0 || len > 18 || strspn(n, "0123456789") != len ||
	    n[0] == '0') {
		problem(req, 404, "not_found", "no such version");
		return NULL;
	}
	return n;
}

void
config_version_show(struct request *req)
{
	const char *n = version_arg(req);
	PGresult *r;
	int h;

	if (n == NULL)
		return;
	h = config_queue_get(req->db, req->tenant->id_str, n);
	if (api_commit(req) < 0)
		return;
	r = db_result(req->db, h);
	if (PQntuples(r) != 1) {
		problem(req, 404, "not_found", "no such version");
		return;
	}
	api_etag(req, n);
	response_json(req, 200, version_object(r, 0));
}

void
config_restore(struct request *req)
{
	const char *n = version_arg(req), *want;
	cJSON *old;
	PGresult *r;
	int h;

	if (n == NULL || (want = expected_version(req, false)) == NULL)
		return;
	h = config_queue_get(req->db, req->tenant->id_str, n);
	if (api_sync(req) < 0)
		return;
	r = db_result(req->db, h);
	if (PQntuples(r) != 1) {
		problem(req, 404, "not_found", "no such version");
		return;
	}
	old = version_object(r, 0);
	write_normalized(req, cJSON_GetObjectItem(old, "settings"), want, NULL,
	                 n);
}
