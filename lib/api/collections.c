/*
 * collections.c - /v1/collections: typed, versioned record schemas.
 */
#include "api/collections.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "data/audit.h"
#include "data/collections.h"
#include "data/db.h"
#include "data/records.h"
#include "data/settings.h"

static struct db_stmt st_records_in = DB_STMT(
    "collection_record_count",
    "SELECT count(*) FROM records WHERE tenant_id = $1 AND collection = $2", 2);

bool
collections_prefetch_list(struct request *req)
{
	req->pf[0] = collections_queue_list(req->db, req->tenant->id_str);
	return true;
}

void
collections_list(struct request *req)
{
	api_list(req, db_result(req->db, req->pf[0]), 1, 0, 100000,
	         "collections");
}

bool
collections_prefetch_show(struct request *req)
{
	req->pf[0] = collections_queue_get(req->db, req->tenant->id_str,
	                                   req->args[0], false);
	return true;
}

void
collections_show(struct request *req)
{
	PGresult *r = db_result(req->db, req->pf[0]);

	if (r == NULL || PQntuples(r) != 1) {
		problem(req, 404, "not_found", "no such collection");
		return;
	}
	api_etag(req, db_value(r, 0, 0));
	response_json_text(req, 200, db_value(r, 0, 2));
}

/* Reads a definition from the body; writes 422 and returns NULL when it is
 * not valid. */
static const char *
read_definition(struct request *req, const cJSON *b, struct collection *c)
{
	cJSON *errors = collection_parse(b, c);

	if (errors != NULL) {
		problem_errors(req, 422, "validation_failed",
		               "the collection definition is not valid",
		               errors);
		return NULL;
	}
	return json_print(collection_definition(c));
}

void
collections_create(struct request *req)
{
	static const char *const fields[] = {"name", "fields", "subject_field",
	                                     "additional_fields", NULL};
	const cJSON *b = api_object(req, fields);
	const struct tenant_settings *s = settings_get(req);
	struct collection *c = arena_calloc(req->arena, 1, sizeof(*c));
	const char *name, *def;
	int hc, h;

	if (b == NULL)
		return;
	name = json_str(b, "name");
	if (!collection_name_valid(name)) {
		problem_errors(
		    req, 422, "validation_failed",
		    "the collection name is not valid",
		    problem_add_error(NULL, "name",
		                      "must be 1-63 of a-z, 0-9 and "
		                      "'_', starting with a letter"));
		return;
	}
	def = read_definition(req, b, c);
	if (def == NULL)
		return;
	hc = collections_queue_count(req->db, req->tenant->id_str);
	if (api_sync(req) < 0)
		return;
	if (s != NULL && strtoll(db_value(db_result(req->db, hc), 0, 0), NULL,
	                         10) >= s->max_collections) {
		problem(req, 403, "quota_exceeded",
		        "the tenant has reached its collection limit");
		return;
	}
	h = collections_queue_insert(req->db, req->tenant->id_str, name, def,
	                             req->principal.id_str);
	collections_queue_notify(req->db, req->tenant->id_str);
	audit_queue(req, "collection.create", "collection", name, AUDIT_SUCCESS,
	            NULL);
	if (api_commit(req) < 0) {
		if (db_error_is(req->db, "23505"))
			problem(req, 409, "conflict",
			        "a collection with this name exists");
		return;
	}
	api_etag(req, "1");
	api_created(req, arena_printf(req->arena, "/v1/collections/%s", name),
	            db_value(db_result(req->db, h), 0, 0));
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
			errors = problem_add_error(errors, c->fields[i].name,
			                           "pii cannot change on an "
			                           "existing field");
	}
	if (strcmp(os, ns) != 0)
		errors =
		    problem_add_error(errors, "subject_field", "cannot change");
	if (errors == NULL)
		return false;
	problem_errors(req, 422, "validation_failed",
	               "personal-data settings are fixed", errors);
	return true;
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

void
collections_replace(struct request *req)
{
	static const char *const fields[] = {"name", "fields", "subject_field",
	                                     "additional_fields", NULL};
	const cJSON *b = api_object(req, fields);
	const char *name = req->args[0], *def, *body_name, *version;
	struct collection *c = arena_calloc(req->arena, 1, sizeof(*c));
	const struct collection *old;
	PGresult *r;
	int hg, h;

	if (b == NULL)
		return;
	body_name = json_str(b, "name");
	if (body_name != NULL && strcmp(body_name, name) != 0) {
		problem_errors(
		    req, 422, "validation_failed",
		    "a collection cannot be renamed",
		    problem_add_error(NULL, "name", "differs from the path"));
		return;
	}
	def = read_definition(req, b, c);
	if (def == NULL)
		return;
	snprintf(c->name, sizeof(c->name), "%s", name);
	hg = collections_queue_get(req->db, req->tenant->id_str, name, true);
	if (api_sync(req) < 0)
		return;
	r = db_result(req->db, hg);
	if (PQntuples(r) != 1) {
		problem(req, 404, "not_found", "no such collection");
		return;
	}
	if (api_if_match(req, db_value(r, 0, 0)) < 0)
		return;
	old = collection_cached(&req->tenant->id, name,
	                        strtoll(db_value(r, 0, 0), NULL, 10),
	                        db_value(r, 0, 1));
	if (old == NULL) {
		problem(req, 500, "internal_error",
		        "the stored definition "
		        "does not parse");
		return;
	}
	version = arena_printf(req->arena, "%lld",
	                       strtoll(db_value(r, 0, 0), NULL, 10) + 1);
	if (pii_changed(req, old, c))
		return;
	queue_reindex(req, old, c);
	h = collections_queue_update(req->db, req->tenant->id_str, name, def,
	                             db_value(r, 0, 0), req->principal.id_str);
	collections_queue_notify(req->db, req->tenant->id_str);
	audit_queue(req, "collection.update", "collection", name, AUDIT_SUCCESS,
	            arena_printf(req->arena, "{\"version\":%s}", version));
	if (api_commit(req) < 0)
		return;
	api_etag(req, version);
	response_json_text(req, 200, db_value(db_result(req->db, h), 0, 0));
}

void
collections_delete(struct request *req)
{
	const char *name = req->args[0];
	const char *params[2] = {req->tenant->id_str, name};
	int hn, hd;
	PGresult *r;

	hn = db_queue(req->db, &st_records_in, params);
	if (api_sync(req) < 0)
		return;
	/* The record counter shrinks with the records. */
	records_queue_counter(
	    req->db, req->arena, req->tenant->id_str,
	    arena_printf(req->arena, "-%s",
	                 db_value(db_result(req->db, hn), 0, 0)));
	hd = collections_queue_delete(req->db, req->tenant->id_str, name);
	collections_queue_notify(req->db, req->tenant->id_str);
	audit_queue(req, "collection.delete", "collection", name, AUDIT_SUCCESS,
	            arena_printf(req->arena, "{\"records\":%s}",
	                         db_value(db_result(req->db, hn), 0, 0)));
	if (api_sync(req) < 0)
		return;
	r = db_result(req->db, hd);
	if (PQntuples(r) != 1) {
		problem(req, 404, "not_found", "no such collection");
		return;
	}
	if (api_commit(req) < 0)
		return;
	response_status(req, 204);
}
