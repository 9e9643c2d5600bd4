/*
 * collections.c - /v1/collections: typed, versioned record schemas.
 */
#include "api/collections.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "data/audit.h"
#include "data/collections.h"
#include "data/plans.h"
#include "data/db.h"
#include "data/records.h"
#include "data/settings.h"
#include "sec/rbac.h"

int
collections_list(struct request *req, struct plan *plan)
{
	struct collection_list l;
	struct buf out;
	int st;

	collections_list_all(req->db, req->tenant->id_str, &l);
	if ((st = plan_read(plan)) != 0)
		return st;
	buf_init(&out, req->arena, 1024, 64 * 1024 * 1024);
	buf_puts(&out, "{\"items\":[");
	for (int i = 0; i < l.n; i++) {
		if (i > 0)
			buf_putc(&out, ',');
		buf_puts(&out, l.json[i]);
	}
	if (buf_puts(&out, "],\"next_cursor\":null}") < 0)
		return api_fail(req, 500, "internal_error",
		                "an internal error occurred");
	response_json_text(req, 200, buf_cstr(&out));
	return 0;
}

int
collections_show(struct request *req, struct plan *plan)
{
	struct collection_current c;
	int st;

	collections_get(req->db, req->tenant->id_str, req->args[0], &c);
	if ((st = plan_read(plan)) != 0)
		return st;
	if (!c.found)
		return api_fail(req, 404, "not_found", "no such collection");
	api_etag(req, arena_printf(req->arena, "%lld", c.version));
	response_json_text(req, 200, c.json);
	return 0;
}

/* Reads a definition from the body; records 422 and returns NULL when it
 * is not valid. */
static const char *
read_definition(struct request *req, const cJSON *b, struct collection *c)
{
	cJSON *errors = collection_parse(b, c);

	if (errors != NULL) {
		(void)api_fail_errors(req, 422, "validation_failed",
		                      "the collection definition is not valid",
		                      errors);
		return NULL;
	}
	return json_print(collection_definition(c));
}

static const char *const definition_fields[] = {
    "name", "fields", "subject_field", "additional_fields", NULL};

int
collections_create(struct request *req, struct plan *plan)
{
	const struct tenant_settings *s;
	struct collection *c = arena_calloc(req->arena, 1, sizeof(*c));
	const char *name, *def;
	struct db_text json;
	const cJSON *b;
	long long count;
	int st, rc;

	/* Counted under the tenant's quota lock: of two creates at the
	 * cap, the second counts the first one's row. */
	plans_lock_quota(req->db, req->tenant->id_str);
	collections_count(req->db, req->tenant->id_str, &count);
	/* The caller's permission first: an unauthorized body is a 403. */
	if ((st = plan_run(plan)) != 0)
		return st;
	if ((b = api_object(req, definition_fields)) == NULL)
		return req->err.status;
	name = json_str(b, "name");
	if (!collection_name_valid(name))
		return api_fail_errors(
		    req, 422, "validation_failed",
		    "the collection name is not valid",
		    json_add_field_error(NULL, "name",
		                         "must be 1-63 of a-z, 0-9 and "
		                         "'_', starting with a letter"));
	if ((def = read_definition(req, b, c)) == NULL)
		return req->err.status;
	s = api_settings(req);
	if (s != NULL && count >= s->max_collections)
		return api_fail(
		    req, 403, "quota_exceeded",
		    arena_printf(req->arena,
		                 "the tenant has reached its limit of %d "
		                 "collections",
		                 s->max_collections));
	collections_insert(req->db, req->tenant->id_str, name, def,
	                   req->principal.id_str, &json);
	api_audit(req, "collection.create", "collection", name, AUDIT_SUCCESS,
	          NULL);
	if ((rc = plan_commit(plan)) != 0) {
		if (db_error_is(req->db, "23505")) {
			memset(&req->err, 0, sizeof(req->err));
			return api_fail(req, 409, "conflict",
			                "a collection with this name exists");
		}
		return rc;
	}
	api_etag(req, "1");
	api_created(req, arena_printf(req->arena, "/v1/collections/%s", name),
	            json.v);
	return 0;
}

/* Pivot rows follow the definition: a field that became indexed or
 * changed type is indexed afresh, one that stopped being indexed loses
 * its rows. */
/* A field's pii flag and the subject field are fixed once records may
 * exist: stored values were sealed (or not) and keyed under them. */
static bool
pii_changed(struct request *req, const struct collection *old,
            const struct collection *c)
{
	cJSON *errors = NULL;
	const char *os =
	    old->subject >= 0 ? old->fields[old->subject].name : "";
	const char *ns = c->subject >= 0 ? c->fields[c->subject].name : "";

	for (int i = 0; i < c->nfields; i++) {
		int j = collection_field(old, c->fields[i].name);

		if (j >= 0 && old->fields[j].pii != c->fields[i].pii)
			errors = json_add_field_error(errors, c->fields[i].name,
			                              "pii cannot change on an "
			                              "existing field");
	}
	if (strcmp(os, ns) != 0)
		errors = json_add_field_error(errors, "subject_field",
		                              "cannot change");
	if (errors == NULL)
		return false;
	(void)api_fail_errors(req, 422, "validation_failed",
	                      "personal-data settings are fixed", errors);
	return true;
}

/* collections:manage alone cannot reveal what is stored sealed: a change
 * that unmasks, un-flags or drops a pii field needs pii:read too (403
 * naming it and each field).  Returns 0 or the status. */
static int
check_exposures(struct request *req, const struct collection *old,
                const struct collection *c)
{
	cJSON *errors = collection_pii_exposures(old, c);

	if (errors == NULL || rbac_allows(req->principal.perms, P_PII_READ))
		return 0;
	return api_fail_errors(req, 403, "forbidden",
	                       "this change exposes personal data: it needs "
	                       "pii:read as well as collections:manage",
	                       errors);
}

static void
queue_reindex(struct request *req, const struct collection *old,
              const struct collection *c)
{
	const char *tid = req->tenant->id_str;

	for (int i = 0; i < c->nfields; i++) {
		const struct field_def *n = &c->fields[i];
		int j = collection_field(old, n->name);
		const struct field_def *o = j >= 0 ? &old->fields[j] : NULL;

		/* Personal fields are only blind-indexed, at write time. */
		if (n->pii || (o != NULL && o->pii))
			continue;
		if (n->indexed &&
		    (o == NULL || !o->indexed || o->type != n->type))
			collections_queue_reindex(
			    req->db, tid, c->name, n->name,
			    collection_type_name(n->type));
		else if (!n->indexed && o != NULL && o->indexed)
			collections_queue_reindex(req->db, tid, c->name,
			                          n->name, NULL);
	}
	for (int j = 0; j < old->nfields; j++)
		if (old->fields[j].indexed && !old->fields[j].pii &&
		    collection_field(c, old->fields[j].name) < 0)
			collections_queue_reindex(req->db, tid, c->name,
			                          old->fields[j].name, NULL);
}

int
collections_replace(struct request *req, struct plan *plan)
{
	const char *name = req->args[0], *def, *body_name, *version, *known;
	struct collection *c = arena_calloc(req->arena, 1, sizeof(*c));
	const struct collection *old;
	struct collection_current cur;
	struct db_text json;
	const cJSON *b;
	int st;

	collections_get_for_share(req->db, req->tenant->id_str, name, &cur);
	/* The caller's permission first: an unauthorized body is a 403. */
	if ((st = plan_run(plan)) != 0)
		return st;
	if ((b = api_object(req, definition_fields)) == NULL)
		return req->err.status;
	body_name = json_str(b, "name");
	if (body_name != NULL && strcmp(body_name, name) != 0)
		return api_fail_errors(
		    req, 422, "validation_failed",
		    "a collection cannot be renamed",
		    json_add_field_error(NULL, "name",
		                         "differs from the path"));
	if ((def = read_definition(req, b, c)) == NULL)
		return req->err.status;
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (!cur.found)
		return api_fail(req, 404, "not_found", "no such collection");
	known = arena_printf(req->arena, "%lld", cur.version);
	if (api_if_match(req, known) < 0)
		return req->err.status;
	old = collection_cached(&req->tenant->id, name, cur.version,
	                        cur.definition);
	if (old == NULL)
		return api_fail(req, 500, "internal_error",
		                "the stored definition does not parse");
	version = arena_printf(req->arena, "%lld", cur.version + 1);
	if ((st = check_exposures(req, old, c)) != 0)
		return st;
	if (pii_changed(req, old, c))
		return req->err.status;
	queue_reindex(req, old, c);
	collections_update(req->db, req->tenant->id_str, name, def, known,
	                   req->principal.id_str, &json);
	api_audit(req, "collection.update", "collection", name, AUDIT_SUCCESS,
	          arena_printf(req->arena, "{\"version\":%s}", version));
	if ((st = plan_commit(plan)) != 0)
		return st;
	if (!json.found)
		return api_fail(req, 409, "conflict",
		                "a concurrent change conflicted; retry");
	api_etag(req, version);
	response_json_text(req, 200, json.v);
	return 0;
}

int
collections_delete(struct request *req, struct plan *plan)
{
	const char *name = req->args[0];
	struct db_text deleted;
	long long n;
	int st;

	collections_record_count(req->db, req->tenant->id_str, name, &n);
	if ((st = plan_run(plan)) != 0)
		return st;
	/* The record counter shrinks with the records. */
	records_queue_counter(req->db, req->arena, req->tenant->id_str,
	                      arena_printf(req->arena, "-%lld", n));
	collections_remove(req->db, req->tenant->id_str, name, &deleted);
	api_audit(req, "collection.delete", "collection", name, AUDIT_SUCCESS,
	          arena_printf(req->arena, "{\"records\":%lld}", n));
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!deleted.found)
		return api_fail(req, 404, "not_found", "no such collection");
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_status(req, 204);
	return 0;
}
