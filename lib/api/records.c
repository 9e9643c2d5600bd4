/*
 * records.c - records: validated writes, versioned updates, indexed lists.
 *
 * Round trips: a read by id is one (it rides the authentication round
 * trip); a list is one when the collection's definition is cached; a
 * write is two (authentication with the collection's current definition
 * under a share lock, then the write with its pivot rows, counter and
 * audit event, committed together).
 */
#include "api/records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/pii.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "data/audit.h"
#include "data/collections.h"
#include "data/db.h"
#include "data/records.h"
#include "data/settings.h"

/* Handles in req->pf. */
enum { PF_COLLECTION, PF_RECORD, PF_COUNT, PF_LIST };

static void
not_found(struct request *req)
{
	problem(req, 404, "not_found", "no such record");
}

/* The scope a cursor is bound to: collection, driving field, direction. */
static const char *
cursor_scope(struct request *req, const struct record_query *q)
{
	int d = records_driver(q);

	return arena_printf(req->arena, "records:%s:%s:%c", q->c->name,
	                    d >= 0 ? q->c->fields[d].name : "",
	                    q->desc ? 'd' : 'a');
}

static int
bad_query(struct request *req, const char *why)
{
	problem(req, 400, "bad_request", why);
	return -1;
}

/* filter[f] or filter[f][op] = v into q. */
static int
read_filter(struct request *req, const struct collection *c,
            struct record_query *q, const char *key, const char *value)
{
	char field[FIELD_NAME_MAX + 1], op[8] = "eq";
	const char *p = key + 7, *end = strchr(p, ']');
	struct record_filter *f;
	const char *why;
	size_t n;
	int i, o;

	if (end == NULL || (size_t)(end - p) > FIELD_NAME_MAX)
		return bad_query(req, "filters read filter[field][op]=value");
	n = (size_t)(end - p);
	memcpy(field, p, n);
	field[n] = '\0';
	if (end[1] == '[') {
		const char *oe = strchr(end + 2, ']');

		if (oe == NULL || oe[1] != '\0' ||
		    (size_t)(oe - end - 2) >= sizeof(op))
			return bad_query(req, "unknown filter operator");
		memcpy(op, end + 2, (size_t)(oe - end - 2));
		op[oe - end - 2] = '\0';
	} else if (end[1] != '\0') {
		return bad_query(req, "filters read filter[field][op]=value");
	}
	i = collection_field(c, field);
	if (i < 0)
		return bad_query(req, "a filter names an unknown field");
	o = records_op(op);
	if (o < 0)
		return bad_query(req,
		                 "unknown filter operator (eq ne lt lte gt "
		                 "gte in)");
	if (!c->fields[i].indexed && o != OP_EQ)
		return bad_query(req, "unindexed fields are filtered by "
		                      "equality only");
	if (c->fields[i].pii && o != OP_EQ)
		return bad_query(req, "personal data fields are filtered by "
		                      "equality only");
	why = records_value_ok(&c->fields[i], (enum filter_op)o, value);
	if (why != NULL)
		return bad_query(
		    req, arena_printf(req->arena, "the filter value %s", why));
	if (q->nf == RECORD_MAX_FILTERS)
		return bad_query(req, "at most 8 filters");
	f = &q->f[q->nf++];
	f->field = i;
	f->op = (enum filter_op)o;
	f->value = value;
	if (c->fields[i].pii) {
		/* Equality by blind index, under every index key. */
		f->op = OP_IN;
		f->value = pii_blind_filter(req, &c->fields[i], value);
		if (f->value == NULL)
			return bad_query(req,
			                 "personal data cannot be searched "
			                 "now");
	}
	return 0;
}

static int
read_sort(struct request *req, const struct collection *c,
          struct record_query *q, const char *v)
{
	int i;

	q->desc = v[0] == '-';
	if (v[0] == '-' || v[0] == '+')
		v++;
	if (strcmp(v, "id") == 0) {
		q->sort = -1;
		return 0;
	}
	i = collection_field(c, v);
	if (i < 0 || !c->fields[i].indexed || c->fields[i].pii)
		return bad_query(req, "sort names an unknown, unindexed or "
		                      "personal data field");
	q->sort = i;
	return 0;
}

int
records_read_query(struct request *req, const struct collection *c,
                   struct record_query *q)
{
	const char *payload;
	bool bad;

	memset(q, 0, sizeof(*q));
	q->c = c;
	q->tid = req->tenant->id_str;
	q->sort = -1;
	if (api_limit(req, &q->limit) < 0)
		return -1;
	for (int i = 0; i < req->nparams; i++) {
		const char *k = req->params[i].key, *v = req->params[i].value;

		if (strncmp(k, "filter[", 7) == 0) {
			if (read_filter(req, c, q, k, v) < 0)
				return -1;
		} else if (strcmp(k, "sort") == 0) {
			if (read_sort(req, c, q, v) < 0)
				return -1;
		}
	}
	payload = api_cursor_decode(req, cursor_scope(req, q), &bad);
	if (bad)
		return bad_query(req, "the cursor is not valid");
	if (payload != NULL) {
		if (strlen(payload) < UUID_STR_LEN ||
		    (payload[UUID_STR_LEN] != '\0' &&
		     payload[UUID_STR_LEN] != '|'))
			return bad_query(req, "the cursor is not valid");
		q->after_id = arena_strndup(req->arena, payload, UUID_STR_LEN);
		if (payload[UUID_STR_LEN] == '|')
			q->after_value = payload + UUID_STR_LEN + 1;
	}
	return 0;
}

/* Queues the list query; returns 0 or -1 after writing the problem. */
static int
queue_list(struct request *req, const struct collection *c,
           struct record_query *q)
{
	struct record_sql sql = {0};
	const char *why = NULL;

	if (records_read_query(req, c, q) < 0)
		return -1;
	if (records_build_list(req->arena, q, &sql, &why) < 0)
		return bad_query(req, why);
	req->pf[PF_LIST] =
	    db_queue_text(req->db, sql.sql, sql.nparams, sql.params);
	return 0;
}

bool
records_prefetch_list(struct request *req)
{
	const struct collection *c =
	    collection_peek(&req->tenant->id, req->args[0]);
	struct record_query *q = arena_alloc(req->arena, sizeof(*q));
	struct response saved = req->res;

	req->pf[PF_LIST] = -1;
	if (c == NULL)
		return false;
	/* A query problem is answered by the handler, after authorization:
	 * the response written here is taken back. */
	if (queue_list(req, c, q) < 0) {
		req->res = saved;
		req->pf[PF_LIST] = -1;
		return false;
	}
	req->ctx = q;
	return true;
}

/* A record as its caller may see it: personal fields revealed (pii:read)
 * or masked. */
static cJSON *
record_json(struct request *req, const struct collection *c, const PGresult *r,
            int i, struct pii_reads *reads)
{
	cJSON *o = records_json(r, i);

	if (c != NULL && pii_any(c))
		cJSON_ReplaceItemInObjectCaseSensitive(
		    o, "data", pii_reveal(req, c, r, i, PII_CALLER, reads));
	return o;
}

static void
render_list(struct request *req, const struct record_query *q, PGresult *r)
{
	int rows = PQntuples(r), shown = rows > q->limit ? q->limit : rows;
	cJSON *o = cJSON_CreateObject();
	cJSON *items = cJSON_AddArrayToObject(o, "items");

	struct pii_reads reads = {0};

	for (int i = 0; i < shown; i++)
		cJSON_AddItemToArray(items,
		                     record_json(req, q->c, r, i, &reads));
	if (rows > q->limit) {
		const char *id = db_value(r, shown - 1, 0);
		const char *payload =
		    records_driver(q) >= 0
		        ? arena_printf(
		              req->arena, "%s|%s", id,
		              db_value(r, shown - 1, RECORD_CURSOR_COL))
		        : id;

		json_add_str(
		    o, "next_cursor",
		    api_cursor_encode(req, cursor_scope(req, q), payload));
	} else {
		cJSON_AddNullToObject(o, "next_cursor");
	}
	response_json(req, 200, o);
	pii_audit_reads(req, &reads);
}

/* The collection's definition in the open transaction. */
static const struct collection *
load_collection(struct request *req, bool lock)
{
	int h = collections_queue_get(req->db, req->tenant->id_str,
	                              req->args[0], lock);
	PGresult *r;

	if (api_sync(req) < 0)
		return NULL;
	r = db_result(req->db, h);
	if (PQntuples(r) != 1) {
		problem(req, 404, "not_found", "no such collection");
		return NULL;
	}
	return collection_cached(&req->tenant->id, req->args[0],
	                         strtoll(db_value(r, 0, 0), NULL, 10),
	                         db_value(r, 0, 1));
}

void
records_list(struct request *req)
{
	struct record_query q;
	const struct collection *c;

	if (req->pf[PF_LIST] >= 0) {
		render_list(req, req->ctx,
		            db_result(req->db, req->pf[PF_LIST]));
		return;
	}
	c = load_collection(req, false);
	if (c == NULL || queue_list(req, c, &q) < 0 || api_commit(req) < 0)
		return;
	render_list(req, &q, db_result(req->db, req->pf[PF_LIST]));
}

bool
records_prefetch_show(struct request *req)
{
	/* The definition comes back only when this worker's copy is stale. */
	const struct collection *c =
	    collection_peek(&req->tenant->id, req->args[0]);

	req->pf[PF_COLLECTION] = collections_queue_current(
	    req->db, req->tenant->id_str, req->args[0],
	    c ? arena_printf(req->arena, "%lld", c->version) : "-1");
	req->pf[PF_RECORD] = -1;
	if (uuid_valid(req->args[1]))
		req->pf[PF_RECORD] =
		    records_queue_get(req->db, req->tenant->id_str,
		                      req->args[0], req->args[1], false);
	return true;
}

static void
respond_record(struct request *req, int status, const struct collection *c,
               const PGresult *r, struct pii_reads *reads)
{
	api_etag(req, db_value(r, 0, 3));
	response_json(req, status, record_json(req, c, r, 0, reads));
}

/* The definition of the collection a read prefetched: from the cache when
 * the version this worker knows is current, else parsed from the text the
 * same round trip brought.  *out is NULL when the collection is gone; -1
 * after writing the problem when the database fails. */
static int
read_collection(struct request *req, const struct collection **out)
{
	PGresult *r = db_result(req->db, req->pf[PF_COLLECTION]);
	const struct collection *c;
	long long version;
	int h;

	*out = NULL;
	if (r == NULL || PQntuples(r) != 1)
		return 0;
	version = strtoll(db_value(r, 0, 0), NULL, 10);
	if (!db_is_null(r, 0, 1)) {
		*out = collection_cached(&req->tenant->id, req->args[0],
		                         version, db_value(r, 0, 1));
		return 0;
	}
	c = collection_peek(&req->tenant->id, req->args[0]);
	if (c != NULL && c->version == version) {
		*out = c;
		return 0;
	}
	/* Dropped from the cache since the prefetch (a notification or a
	 * collision): one more round trip. */
	api_begin(req);
	h = collections_queue_get(req->db, req->tenant->id_str, req->args[0],
	                          false);
	if (api_commit(req) < 0)
		return -1;
	r = db_result(req->db, h);
	if (r != NULL && PQntuples(r) == 1)
		*out = collection_cached(&req->tenant->id, req->args[0],
		                         strtoll(db_value(r, 0, 0), NULL, 10),
		                         db_value(r, 0, 1));
	return 0;
}

void
records_show(struct request *req)
{
	PGresult *r = db_result(req->db, req->pf[PF_RECORD]);
	const struct collection *c;
	struct pii_reads reads = {0};

	if (r == NULL || PQntuples(r) != 1) {
		not_found(req);
		return;
	}
	if (read_collection(req, &c) < 0)
		return;
	if (c == NULL) {
		not_found(req);
		return;
	}
	respond_record(req, 200, c, r, &reads);
	/* Clients that accept a second-old answer may get it from nginx
	 * (not one with decrypted personal data: see pii_audit_reads). */
	req->res.cacheable = true;
	pii_audit_reads(req, &reads);
}

bool
records_prefetch_create(struct request *req)
{
	req->pf[PF_COLLECTION] = collections_queue_get(
	    req->db, req->tenant->id_str, req->args[0], true);
	req->pf[PF_COUNT] = records_queue_count(req->db, req->tenant->id_str);
	return false;
}

/* The prefetched definition, or NULL after 404. */
static const struct collection *
prefetched_collection(struct request *req)
{
	PGresult *r = db_result(req->db, req->pf[PF_COLLECTION]);

	if (r == NULL || PQntuples(r) != 1) {
		problem(req, 404, "not_found", "no such collection");
		return NULL;
	}
	return collection_cached(&req->tenant->id, req->args[0],
	                         strtoll(db_value(r, 0, 0), NULL, 10),
	                         db_value(r, 0, 1));
}

/* {"data": {...}} checked against c; NULL after 400/422. */
static cJSON *
read_data(struct request *req, const struct collection *c, cJSON *data)
{
	cJSON *errors = collection_check(c, data);

	if (errors != NULL) {
		problem_errors(req, 422, "validation_failed",
		               "the record does not match its collection",
		               errors);
		return NULL;
	}
	return data;
}

static cJSON *
body_data(struct request *req)
{
	static const char *const fields[] = {"data", NULL};
	const cJSON *b = api_object(req, fields);
	cJSON *data;

	if (b == NULL)
		return NULL;
	data = cJSON_GetObjectItemCaseSensitive(b, "data");
	if (!cJSON_IsObject(data)) {
		problem_errors(
		    req, 422, "validation_failed",
		    "the body is {\"data\": {...}}",
		    problem_add_error(NULL, "data", "must be an object"));
		return NULL;
	}
	return data;
}

/* Seals the personal fields of data for record id (in place) and gives
 * their blind indexes and the subject's.  Returns 0, or -1 after writing
 * the problem. */
static int
protect(struct request *req, const struct collection *c, const char *id,
        cJSON *data, const char ***blind, const char **subject)
{
	struct uuid u;

	*blind =
	    arena_calloc(req->arena, (size_t)c->nfields + 1, sizeof(char *));
	*subject = NULL;
	if (!pii_any(c) && c->subject < 0)
		return 0;
	uuid_parse(id, &u);
	return pii_protect(req, c, &u, data, *blind, subject);
}

static const char *
audit_detail(struct request *req, const struct collection *c)
{
	return arena_printf(req->arena, "{\"collection\":\"%s\"}", c->name);
}

void
records_create(struct request *req)
{
	const struct tenant_settings *s = settings_get(req);
	const struct collection *c = prefetched_collection(req);
	cJSON *data = c ? body_data(req) : NULL;
	char id[UUID_STR_LEN + 1], ver[24];
	const char **blind, *subject;
	struct uuid u;
	int h;

	if (data == NULL || read_data(req, c, data) == NULL)
		return;
	if (s != NULL &&
	    strtoll(db_value(db_result(req->db, req->pf[PF_COUNT]), 0, 0), NULL,
	            10) >= s->max_records) {
		problem(req, 403, "quota_exceeded",
		        "the tenant has reached its record limit");
		return;
	}
	uuid_v7(&u);
	uuid_format(&u, id);
	snprintf(ver, sizeof(ver), "%lld", c->version);
	if (protect(req, c, id, data, &blind, &subject) < 0)
		return;
	h = records_queue_insert(req->db, req->tenant->id_str, id, c->name,
	                         json_print(data), ver, subject,
	                         req->principal.id_str);
	records_queue_pivot(req->db, req->arena, req->tenant->id_str, c, id,
	                    data, blind, false);
	records_queue_counter(req->db, req->arena, req->tenant->id_str, "1");
	audit_queue(req, "record.create", "record", id, AUDIT_SUCCESS,
	            audit_detail(req, c));
	pii_audit_write(req, c, id, data);
	if (api_commit(req) < 0)
		return;
	respond_record(req, 201, c, db_result(req->db, h), NULL);
	response_header(req, "Location",
	                arena_printf(req->arena,
	                             "/v1/collections/%s/records/%s", c->name,
	                             id));
}

bool
records_prefetch_change(struct request *req)
{
	req->pf[PF_COLLECTION] = collections_queue_get(
	    req->db, req->tenant->id_str, req->args[0], true);
	req->pf[PF_RECORD] = -1;
	if (uuid_valid(req->args[1]))
		req->pf[PF_RECORD] =
		    records_queue_get(req->db, req->tenant->id_str,
		                      req->args[0], req->args[1], true);
	return false;
}

/* The locked current row, after 404/412 checks; NULL when answered. */
static PGresult *
current(struct request *req)
{
	PGresult *r = db_result(req->db, req->pf[PF_RECORD]);

	if (r == NULL || PQntuples(r) != 1) {
		not_found(req);
		return NULL;
	}
	if (api_if_match(req, db_value(r, 0, 3)) < 0)
		return NULL;
	return r;
}

static void
write_change(struct request *req, const struct collection *c, cJSON *data)
{
	char ver[24];
	const char **blind, *subject;
	int h;

	if (read_data(req, c, data) == NULL)
		return;
	snprintf(ver, sizeof(ver), "%lld", c->version);
	if (protect(req, c, req->args[1], data, &blind, &subject) < 0)
		return;
	h = records_queue_update(req->db, req->tenant->id_str, c->name,
	                         req->args[1], json_print(data), ver, subject);
	records_queue_pivot(req->db, req->arena, req->tenant->id_str, c,
	                    req->args[1], data, blind, true);
	audit_queue(req, "record.update", "record", req->args[1], AUDIT_SUCCESS,
	            audit_detail(req, c));
	pii_audit_write(req, c, req->args[1], data);
	if (api_commit(req) < 0)
		return;
	respond_record(req, 200, c, db_result(req->db, h), NULL);
}

void
records_replace(struct request *req)
{
	const struct collection *c = prefetched_collection(req);
	cJSON *data;

	if (c == NULL || current(req) == NULL)
		return;
	data = body_data(req);
	if (data != NULL)
		write_change(req, c, data);
}

void
records_patch(struct request *req)
{
	const struct collection *c = prefetched_collection(req);
	PGresult *r = c ? current(req) : NULL;
	cJSON *patch, *data;

	if (r == NULL)
		return;
	patch = body_data(req);
	if (patch == NULL)
		return;
	/* The merge applies to the plain values. */
	data = pii_reveal(req, c, r, 0, PII_INTERNAL, NULL);
	write_change(req, c, json_merge_patch(data, patch));
}

bool
records_prefetch_delete(struct request *req)
{
	req->pf[PF_RECORD] = -1;
	if (uuid_valid(req->args[1]))
		req->pf[PF_RECORD] =
		    records_queue_get(req->db, req->tenant->id_str,
		                      req->args[0], req->args[1], true);
	return false;
}

void
records_delete(struct request *req)
{
	if (current(req) == NULL)
		return;
	records_queue_delete(req->db, req->tenant->id_str, req->args[0],
	                     req->args[1]);
	records_queue_counter(req->db, req->arena, req->tenant->id_str, "-1");
	audit_queue(
	    req, "record.delete", "record", req->args[1], AUDIT_SUCCESS,
	    arena_printf(req->arena, "{\"collection\":\"%s\"}", req->args[0]));
	if (api_commit(req) < 0)
		return;
	response_status(req, 204);
}
