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
#include "api/errors.h"
#include "api/pii.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "data/audit.h"
#include "data/collections.h"
#include "data/db.h"
#include "data/plans.h"
#include "data/records.h"
#include "data/settings.h"

/* A list page stops at about this many bytes of body (API.md). */
#define RECORDS_PAGE_BYTES (1024 * 1024)

/* The scope a cursor is bound to: collection, driving field, direction. */
static const char *
cursor_scope(struct request *req, const struct record_query *q)
{
	int d = records_driver(q);

	return arena_printf(req->arena, "records:%s:%s:%c", q->c->name,
	                    d >= 0 ? q->c->fields[d].name : "",
	                    q->desc ? 'd' : 'a');
}

/* Records the 400 and returns -1 (the query readers' convention). */
static int
bad_query(struct request *req, const char *why)
{
	(void)api_fail(req, 400, "bad_request", why);
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

/* The list query of the request for definition c into sql; 0 or the
 * status of a bad query string (recorded with api_fail). */
static int
list_query(struct request *req, const struct collection *c,
           struct record_query *q, struct record_sql *sql)
{
	const char *why = NULL;

	memset(sql, 0, sizeof(*sql));
	if (records_read_query(req, c, q) < 0)
		return req->err.status ? req->err.status : 400;
	if (records_build_list(req->arena, q, sql, &why) < 0)
		return api_fail(req, 400, "bad_request", why);
	return 0;
}

/* Forgets a refusal recorded while queueing ahead of authorization. */
static void
forget_error(struct request *req)
{
	memset(&req->err, 0, sizeof(req->err));
}

/* Appends the JSON text of rec as its caller may see it: the stored data
 * copied as it is when the collection has no personal fields, else with
 * them revealed (pii:read) or masked. */
static int
record_text(struct request *req, const struct collection *c,
            const struct record *rec, struct pii_reads *reads, struct buf *out)
{
	cJSON *o;

	if (c != NULL && pii_any(c)) {
		o = records_json(rec);
		cJSON_ReplaceItemInObjectCaseSensitive(
		    o, "data", pii_reveal(req, c, rec, PII_CALLER, reads));
		return buf_puts(out, json_print(o));
	}
	/* Ids and times are our own formats; the name is a validated
	 * identifier ([a-z0-9_]). */
	return buf_puts(out, "{\"id\":\"") | buf_puts(out, rec->id) |
	       buf_puts(out, "\",\"collection\":\"") |
	       buf_puts(out, rec->collection) | buf_puts(out, "\",\"data\":") |
	       buf_append(out, rec->data, rec->data_len) |
	       buf_puts(out, ",\"version\":") | buf_puts(out, rec->version) |
	       buf_puts(out, ",\"created_at\":\"") |
	       buf_puts(out, rec->created_at) |
	       buf_puts(out, "\",\"updated_at\":\"") |
	       buf_puts(out, rec->updated_at) |
	       buf_puts(out, "\",\"created_by\":\"") |
	       buf_puts(out, rec->created_by) | buf_puts(out, "\"}");
}

/* A single record answer (status 200/201) with its ETag. */
static int
respond_record(struct request *req, int status, const struct collection *c,
               const struct record *rec, struct pii_reads *reads)
{
	struct buf out;

	buf_init(&out, req->arena, rec->data_len + 512, 4 * BODY_MAX);
	if (record_text(req, c, rec, reads, &out) < 0)
		return api_fail(req, 500, "internal_error",
		                "an internal error occurred");
	api_etag(req, rec->version);
	response_json_text(req, status, buf_cstr(&out));
	return 0;
}

/* Renders a page: items one by one into the answer, which the worker
 * sends as it grows (see below for personal data).  The page stops at q->limit
 * items or once the body passes RECORDS_PAGE_BYTES, whichever comes first;
 * next_cursor then continues after the last item shown. */
static int
render_page(struct request *req, const struct record_query *q,
            const struct record_page *page)
{
	struct pii_reads reads = {0};
	struct buf item;
	size_t body = 0;
	int shown = 0;
	bool more;
	const struct record *last = NULL;

	/* A page that may reveal personal data is held until its pii.read
	 * event commits (if that fails, the error replaces it); others
	 * stream. */
	if (!pii_any(q->c))
		response_stream(req, 200, "application/json");
	else
		response_json_text(req, 200, NULL);
	req->res.content_type = "application/json";
	if (response_write(req, "{\"items\":[", 10) < 0)
		return 0;
	for (int i = 0; i < page->n && i < q->limit; i++) {
		if (shown > 0 && body >= RECORDS_PAGE_BYTES)
			break;
		buf_init(&item, req->arena, page->rows[i].data_len + 512,
		         4 * BODY_MAX);
		if (shown > 0)
			buf_putc(&item, ',');
		if (record_text(req, q->c, &page->rows[i], &reads, &item) < 0 ||
		    response_write(req, item.data, item.len) < 0)
			return 0; /* the client is gone */
		body += item.len;
		last = &page->rows[i];
		shown++;
	}
	more = shown < page->n;
	if (more && last != NULL) {
		const char *payload =
		    records_driver(q) >= 0
		        ? arena_printf(req->arena, "%s|%s", last->id,
		                       last->cursor ? last->cursor : "")
		        : last->id;
		const char *cur =
		    api_cursor_encode(req, cursor_scope(req, q), payload);

		buf_init(&item, req->arena, 256, 4096);
		buf_printf(&item, "],\"next_cursor\":\"%s\"}", cur);
		(void)response_write(req, item.data, item.len);
	} else {
		(void)response_write(req, "],\"next_cursor\":null}", 21);
	}
	return pii_audit_reads(req, &reads);
}

/* The definition this request names: this worker's copy when cur says it
 * is current, else parsed from the text cur brought; NULL when the
 * collection does not exist. */
static const struct collection *
records_definition(struct request *req, const struct collection *known,
                   const struct collection_current *cur)
{
	if (!cur->found)
		return NULL;
	if (cur->definition != NULL)
		return collection_cached(&req->tenant->id, req->args[0],
		                         cur->version, cur->definition);
	return known != NULL && known->version == cur->version ? known : NULL;
}

/* Whether this worker's copy of the collection was confirmed current at
 * a schema version: then the first trip does not read the collection,
 * and its version row tells whether the copy still is. */
static bool
confirmed(const struct collection *known)
{
	return known != NULL && known->confirmed_schema != 0;
}

/* Queues the collection of a read with its definition text, whatever the
 * worker holds: a copy is confirmed by its text, not by its version
 * number alone (collection_cached). */
static void
queue_definition(struct request *req, struct collection_current *cur)
{
	collections_current(req->db, req->tenant->id_str, req->args[0], "-1",
	                    cur);
}

void
records_known_def_open(struct request *req, struct known_def *k)
{
	memset(k, 0, sizeof(*k));
	k->c = collection_peek(&req->tenant->id, req->args[0]);
	if (k->c != NULL) {
		k->version = k->c->version;
		k->hash = k->c->def_hash;
	}
	if (!confirmed(k->c))
		queue_definition(req, &k->cur);
}

/* A confirmed copy is current while the version row shows the
 * schema_version it was confirmed at; otherwise the collection is read in
 * one more trip.  The definition read is confirmed at the version row's
 * schema_version, which the plan reads before any collection: a copy is
 * never confirmed at a version newer than itself. */
int
records_read_definition(struct request *req, struct plan *plan,
                        struct known_def *k, const struct collection **c,
                        bool *same)
{
	int st;

	*same = false;
	if (confirmed(k->c)) {
		if (k->c->confirmed_schema == plan->v.schema_version) {
			*c = k->c;
			*same = true;
			return 0;
		}
		plan_more(plan);
		queue_definition(req, &k->cur);
		if ((st = plan_more_run(plan)) != 0)
			return st;
	}
	*c = records_definition(req, NULL, &k->cur);
	if (*c == NULL)
		return 0;
	collection_confirm(&req->tenant->id, req->args[0], (*c)->version,
	                   plan->v.schema_version);
	*same = k->c != NULL && (*c)->version == k->version &&
	        (*c)->def_hash == k->hash;
	return 0;
}

int
records_list(struct request *req, struct plan *plan)
{
	const struct collection *c;
	struct known_def k;
	struct record_query q;
	struct record_sql sql;
	struct record_page page = {0};
	bool queued = false, same;
	int st;

	records_known_def_open(req, &k);
	/* With a cached definition the page rides the first trip; a bad
	 * query string is answered only after authorization. */
	if (k.c != NULL) {
		if (list_query(req, k.c, &q, &sql) == 0)
			queued = records_list_page(req->db, &sql, &page) >= 0;
		forget_error(req);
	}
	if ((st = plan_read(plan)) != 0)
		return st;
	if ((st = records_read_definition(req, plan, &k, &c, &same)) != 0)
		return st;
	if (c == NULL)
		return api_fail(req, 404, "not_found", "no such collection");
	if (!queued || !same) {
		if ((st = list_query(req, c, &q, &sql)) != 0)
			return st;
		plan_more(plan);
		records_list_page(req->db, &sql, &page);
		if ((st = plan_more_run(plan)) != 0)
			return st;
	}
	return render_page(req, &q, &page);
}

int
records_show(struct request *req, struct plan *plan)
{
	const struct collection *c;
	struct known_def k;
	struct record_one one = {0};
	struct pii_reads reads = {0};
	bool same, plain;
	int st;

	records_known_def_open(req, &k);
	/* A malformed id is simply not found, after authorization.  The
	 * record's subject key is read only for personal fields. */
	plain = k.c != NULL && !collection_has_pii(k.c);
	if (uuid_valid(req->args[1]) && plain)
		records_get_plain(req->db, req->tenant->id_str, req->args[0],
		                  req->args[1], &one);
	else if (uuid_valid(req->args[1]))
		records_get(req->db, req->tenant->id_str, req->args[0],
		            req->args[1], &one);
	if ((st = plan_read(plan)) != 0)
		return st;
	if ((st = records_read_definition(req, plan, &k, &c, &same)) != 0)
		return st;
	/* The definition gained personal fields since: read the record
	 * again, with its subject key. */
	if (c != NULL && one.found && plain && collection_has_pii(c)) {
		plan_more(plan);
		records_get(req->db, req->tenant->id_str, req->args[0],
		            req->args[1], &one);
		if ((st = plan_more_run(plan)) != 0)
			return st;
	}
	if (c == NULL || !one.found)
		return api_fail(req, 404, "not_found", "no such record");
	if ((st = respond_record(req, 200, c, &one.r, &reads)) != 0)
		return st;
	/* Clients that accept a second-old answer may get it from nginx
	 * (not one with decrypted personal data: see pii_audit_reads). */
	req->res.cacheable = true;
	return pii_audit_reads(req, &reads);
}

/* The locked definition a write read in its first trip: from the cache
 * when its version is the one this worker parsed. */
static const struct collection *
write_def(struct request *req, const struct collection_current *cur)
{
	if (!cur->found)
		return NULL;
	return collection_cached(&req->tenant->id, req->args[0], cur->version,
	                         cur->definition);
}

/* {"data": {...}} checked against c; NULL with 422 recorded. */
static cJSON *
body_data(struct request *req, const struct collection *c, bool check)
{
	static const char *const fields[] = {"data", NULL};
	const cJSON *b = api_object(req, fields);
	cJSON *data, *errors;

	if (b == NULL)
		return NULL;
	data = cJSON_GetObjectItemCaseSensitive(b, "data");
	if (!cJSON_IsObject(data)) {
		(void)api_fail_errors(
		    req, 422, "validation_failed",
		    "the body is {\"data\": {...}}",
		    json_add_field_error(NULL, "data", "must be an object"));
		return NULL;
	}
	if (check && (errors = collection_check(c, data)) != NULL) {
		(void)api_fail_errors(
		    req, 422, "validation_failed",
		    "the record does not match its collection", errors);
		return NULL;
	}
	return data;
}

/* Seals the personal fields of data for record id (in place) and gives
 * their blind indexes and the subject's.  Returns 0 or the status. */
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
	if (pii_protect(req, c, &u, data, *blind, subject) < 0)
		return req->err.status ? req->err.status
		                       : api_fail(req, 500, "internal_error",
		                                  "an internal error occurred");
	return 0;
}

static const char *
audit_detail(struct request *req, const struct collection *c)
{
	return arena_printf(req->arena, "{\"collection\":\"%s\"}", c->name);
}

/* The outbox event of a record write: its id, collection, version and
 * data (personal fields masked; none for a delete). */
static void
record_event(struct request *req, const char *type, const char *collection,
             const char *id, const char *version, const char *data)
{
	api_event(req, type, "record", id, collection, version,
	          arena_printf(req->arena,
	                       "{\"id\":\"%s\",\"collection\":\"%s\","
	                       "\"version\":%s%s%s}",
	                       id, collection, version,
	                       data ? ",\"data\":" : "", data ? data : ""));
}

/* The new version of a record read at version v (text). */
static const char *
next_version(struct request *req, const char *v)
{
	return arena_printf(req->arena, "%lld",
	                    (v ? strtoll(v, NULL, 10) : 0) + 1);
}

/* Within this many records of the cap, a create takes the tenant's quota
 * lock and counts again (one more round trip) before it writes, so the
 * creates near the cap are decided one at a time on committed counts and
 * two parallel creates at the cap cannot both pass.  Further away, the
 * count of the first trip decides without the lock (no create waits for
 * another): that count could only be overtaken if more than this many
 * creates committed while one create was between its two trips. */
#define RECORD_QUOTA_MARGIN 1024

/* 0 when the tenant may store one more record, given the count read in
 * the first trip; otherwise 403 quota_exceeded with the limit. */
static int
record_quota(struct request *req, struct plan *plan, long long count)
{
	struct settings_limits l;
	int st;

	if (!settings_limits_for(req->db, req->tenant, req->tx_open, &l))
		return api_fail(req, 503, "service_unavailable",
		                "the tenant's settings cannot be read now");
	if (count < l.max_records - RECORD_QUOTA_MARGIN)
		return 0;
	if (count < l.max_records) {
		plans_lock_quota(req->db, req->tenant->id_str);
		records_count(req->db, req->tenant->id_str, &count);
		if ((st = plan_run(plan)) != 0)
			return st;
	}
	if (count < l.max_records)
		return 0;
	return api_fail(req, 403, "quota_exceeded",
	                arena_printf(req->arena,
	                             "the tenant has reached its limit of %lld "
	                             "records",
	                             l.max_records));
}

int
records_create(struct request *req, struct plan *plan)
{
	const struct collection *c;
	struct collection_current cur;
	struct record_one out;
	char id[UUID_STR_LEN + 1], ver[24];
	const char **blind, *subject, *masked, *text;
	long long count;
	struct uuid u;
	cJSON *data;
	int st;

	collections_get_for_share(req->db, req->tenant->id_str, req->args[0],
	                          &cur);
	records_count(req->db, req->tenant->id_str, &count);
	if ((st = plan_run(plan)) != 0)
		return st;
	if ((c = write_def(req, &cur)) == NULL)
		return api_fail(req, 404, "not_found", "no such collection");
	if ((data = body_data(req, c, true)) == NULL)
		return req->err.status;
	if ((st = record_quota(req, plan, count)) != 0)
		return st;
	uuid_v7(&u);
	uuid_format(&u, id);
	snprintf(ver, sizeof(ver), "%lld", c->version);
	masked = pii_any(c) ? pii_event_data(req, c, data) : NULL;
	if ((st = protect(req, c, id, data, &blind, &subject)) != 0)
		return st;
	text = json_print(data);
	records_insert(req->db, req->tenant->id_str, id, c->name, text, ver,
	               subject, req->principal.id_str, &out);
	records_queue_pivot(req->db, req->arena, req->tenant->id_str, c, id,
	                    data, blind, false);
	records_queue_counter(req->db, req->arena, req->tenant->id_str, "1");
	api_audit(req, "record.create", "record", id, AUDIT_SUCCESS,
	          audit_detail(req, c));
	record_event(req, "record.created", c->name, id, "1",
	             masked ? masked : text);
	pii_audit_write(req, c, id, data);
	if ((st = plan_commit(plan)) != 0)
		return st;
	if (!out.found)
		return api_fail(req, 500, "internal_error",
		                "an internal error occurred");
	if ((st = respond_record(req, 201, c, &out.r, NULL)) != 0)
		return st;
	response_header(req, "Location",
	                arena_printf(req->arena,
	                             "/v1/collections/%s/records/%s", c->name,
	                             id));
	return 0;
}

/* The first trip of a change: the locked definition and record, the
 * caller authorized, the record found and If-Match checked.  Returns 0 or
 * the status. */
static int
read_current(struct request *req, struct plan *plan, bool with_def,
             struct collection_current *cur, struct record_one *rec)
{
	int st;

	memset(cur, 0, sizeof(*cur));
	memset(rec, 0, sizeof(*rec));
	if (with_def)
		collections_get_for_share(req->db, req->tenant->id_str,
		                          req->args[0], cur);
	/* A malformed id is simply not found, after authorization. */
	if (uuid_valid(req->args[1]))
		records_get_for_update(req->db, req->tenant->id_str,
		                       req->args[0], req->args[1], rec);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (with_def && !cur->found)
		return api_fail(req, 404, "not_found", "no such collection");
	if (!rec->found)
		return api_fail(req, 404, "not_found", "no such record");
	if (api_if_match(req, rec->r.version) < 0)
		return req->err.status;
	return 0;
}

static int
write_change(struct request *req, struct plan *plan, const struct collection *c,
             cJSON *data, const char *version)
{
	char ver[24];
	const char **blind, *subject, *masked, *text;
	struct record_one out;
	cJSON *errors = collection_check(c, data);
	int st;

	if (errors != NULL)
		return api_fail_errors(
		    req, 422, "validation_failed",
		    "the record does not match its collection", errors);
	snprintf(ver, sizeof(ver), "%lld", c->version);
	masked = pii_any(c) ? pii_event_data(req, c, data) : NULL;
	if ((st = protect(req, c, req->args[1], data, &blind, &subject)) != 0)
		return st;
	text = json_print(data);
	records_update(req->db, req->tenant->id_str, c->name, req->args[1],
	               text, ver, subject, &out);
	records_queue_pivot(req->db, req->arena, req->tenant->id_str, c,
	                    req->args[1], data, blind, true);
	api_audit(req, "record.update", "record", req->args[1], AUDIT_SUCCESS,
	          audit_detail(req, c));
	record_event(req, "record.updated", c->name, req->args[1],
	             next_version(req, version), masked ? masked : text);
	pii_audit_write(req, c, req->args[1], data);
	if ((st = plan_commit(plan)) != 0)
		return st;
	if (!out.found)
		return api_fail(req, 500, "internal_error",
		                "an internal error occurred");
	return respond_record(req, 200, c, &out.r, NULL);
}

int
records_replace(struct request *req, struct plan *plan)
{
	struct collection_current cur;
	struct record_one rec;
	const struct collection *c;
	cJSON *data;
	int st;

	if ((st = read_current(req, plan, true, &cur, &rec)) != 0)
		return st;
	c = write_def(req, &cur);
	if ((data = body_data(req, c, false)) == NULL)
		return req->err.status;
	return write_change(req, plan, c, data, rec.r.version);
}

int
records_patch(struct request *req, struct plan *plan)
{
	struct collection_current cur;
	struct record_one rec;
	const struct collection *c;
	cJSON *patch;
	int st;

	if ((st = read_current(req, plan, true, &cur, &rec)) != 0)
		return st;
	c = write_def(req, &cur);
	if ((patch = body_data(req, c, false)) == NULL)
		return req->err.status;
	/* The merge applies to the plain values. */
	return write_change(
	    req, plan, c,
	    json_merge_patch(pii_reveal(req, c, &rec.r, PII_INTERNAL, NULL),
	                     patch),
	    rec.r.version);
}

int
records_delete(struct request *req, struct plan *plan)
{
	struct collection_current cur;
	struct record_one rec;
	int st;

	if ((st = read_current(req, plan, false, &cur, &rec)) != 0)
		return st;
	records_remove(req->db, req->tenant->id_str, req->args[0],
	               req->args[1]);
	records_queue_counter(req->db, req->arena, req->tenant->id_str, "-1");
	api_audit(
	    req, "record.delete", "record", req->args[1], AUDIT_SUCCESS,
	    arena_printf(req->arena, "{\"collection\":\"%s\"}", req->args[0]));
	record_event(req, "record.deleted", req->args[0], req->args[1],
	             rec.r.version, NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_status(req, 204);
	return 0;
}
