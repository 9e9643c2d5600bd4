/*
 * privacy.c - data subjects' rights (GDPR art. 15, 17, 20) and the
 * tenant's own export.
 */
#include "api/privacy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/pii.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/metrics.h"
#include "core/problem.h"
#include "core/request.h"
#include "core/timefmt.h"
#include "data/audit.h"
#include "data/collections.h"
#include "data/db.h"
#include "data/exports.h"
#include "data/records.h"
#include "data/settings.h"
#include "data/subjects.h"

#define EXPORT_BATCH 1000
#define SUBJECT_MAX 256
/* An export is one JSON answer built in the request's arena: past this
 * much record data it is refused (507) before memory runs short. */
#define EXPORT_MAX_BYTES (48L * 1024 * 1024)

/* The tenant's collection definitions, by name. */
struct defs {
	int n;
	const char *names[1024];
	const struct collection *c[1024];
};

static int
load_defs(struct request *req, struct defs *d)
{
	int h = exports_queue_collections(req->db, req->tenant->id_str);
	PGresult *r;

	if (api_sync(req) < 0)
		return -1;
	r = db_result(req->db, h);
	d->n = 0;
	for (int i = 0; i < PQntuples(r) && d->n < 1024; i++) {
		d->names[d->n] = arena_strdup(req->arena, db_value(r, i, 0));
		/* A copy: the cache holds one definition per slot. */
		d->c[d->n] = NULL;
		{
			const struct collection *c = collection_cached(
			    &req->tenant->id, d->names[d->n],
			    strtoll(db_value(r, i, 1), NULL, 10),
			    db_value(r, i, 2));
			struct collection *copy;

			if (c == NULL)
				continue;
			copy = arena_alloc(req->arena, sizeof(*copy));
			*copy = *c;
			d->c[d->n] = copy;
		}
		d->n++;
	}
	return 0;
}

static const struct collection *
def_of(const struct defs *d, const char *name)
{
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->names[i], name) == 0)
			return d->c[i];
	return NULL;
}

/* A record with its personal fields decrypted (subject rights: the
 * subject's own data, for delivery to them). */
static cJSON *
plain_record(struct request *req, const struct defs *d, const PGresult *r,
             int i)
{
	struct record rec;
	const struct collection *c;
	cJSON *o;

	records_from_row(r, i, &rec, req->arena);
	o = records_json(&rec);
	c = def_of(d, rec.collection);
	if (c != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(
		    o, "data", pii_reveal(req, c, &rec, PII_INTERNAL, NULL));
	return o;
}

static const char *
subject_arg(struct request *req)
{
	const char *s = req->args[0];

	if (strlen(s) > SUBJECT_MAX) {
		problem(req, 404, "not_found", "no such subject");
		return NULL;
	}
	return s;
}

/* The subject's blind indexes under every index key; NULL after 503. */
static const char *
subject_hashes(struct request *req, const char *subject)
{
	const char *h = pii_subject_hashes(req, subject);

	if (h == NULL)
		problem(req, 503, "service_unavailable",
		        "the keys are unavailable");
	return h;
}

void
privacy_export(struct request *req)
{
	const char *subject = subject_arg(req), *hashes;
	struct defs *d = arena_calloc(req->arena, 1, sizeof(*d));
	struct buf ids;
	long bytes = 0;
	cJSON *o, *recs;
	PGresult *r;
	char now[32];
	int h, he;

	if (subject == NULL || load_defs(req, d) < 0)
		return;
	hashes = subject_hashes(req, subject);
	if (hashes == NULL)
		return;
	h = exports_queue_subject_records(req->db, req->tenant->id_str, hashes);
	if (api_sync(req) < 0)
		return;
	r = db_result(req->db, h);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "subject", subject);
	timefmt_format(clock_real_ms(), now);
	cJSON_AddStringToObject(o, "exported_at", now);
	cJSON_AddStringToObject(o, "tenant", req->tenant->slug);
	recs = cJSON_AddArrayToObject(o, "records");
	buf_init(&ids, req->arena, 256, 16 * 1024 * 1024);
	buf_putc(&ids, '{');
	for (int i = 0; i < PQntuples(r); i++) {
		bytes += (long)strlen(db_value(r, i, 2)) + 256;
		if (bytes > EXPORT_MAX_BYTES) {
			problem(req, 507, "export_too_large",
			        "the subject's records are too large for one "
			        "export");
			return;
		}
		cJSON_AddItemToArray(recs, plain_record(req, d, r, i));
		buf_printf(&ids, "%s%s", i ? "," : "", db_value(r, i, 0));
	}
	buf_putc(&ids, '}');
	he = exports_queue_record_events(req->db, req->tenant->id_str,
	                                 buf_cstr(&ids));
	audit_queue(req, "privacy.export", "subject", NULL, AUDIT_SUCCESS,
	            arena_printf(req->arena, "{\"records\":%d}", PQntuples(r)));
	if (api_commit(req) < 0)
		return;
	{
		PGresult *ev = db_result(req->db, he);
		cJSON *a = cJSON_AddArrayToObject(o, "audit");

		for (int i = 0; i < PQntuples(ev); i++)
			cJSON_AddItemToArray(
			    a, cJSON_CreateRaw(db_value(ev, i, 0)));
	}
	response_json(req, 200, o);
}

void
privacy_erase(struct request *req)
{
	const char *subject = subject_arg(req), *hashes;
	int hk, hr, n;
	PGresult *r;

	if (subject == NULL)
		return;
	hashes = subject_hashes(req, subject);
	if (hashes == NULL)
		return;
	/* The key first: from this commit on, every copy of the subject's
	 * sealed values (backups included, see docs/compliance.md) lacks
	 * its key in this database. */
	hk = subjects_queue_destroy(req->db, req->tenant->id_str, hashes);
	hr = exports_queue_erase_subject(req->db, req->tenant->id_str, hashes);
	if (api_sync(req) < 0)
		return;
	r = db_result(req->db, hr);
	n = PQntuples(r);
	if (n > 0)
		records_queue_counter(req->db, req->arena, req->tenant->id_str,
		                      arena_printf(req->arena, "-%d", n));
	audit_queue(req, "privacy.erase", "subject", NULL, AUDIT_SUCCESS,
	            arena_printf(req->arena, "{\"records\":%d,\"keys\":%d}", n,
	                         PQntuples(db_result(req->db, hk))));
	if (api_commit(req) < 0)
		return;
	response_status(req, 204);
}

/* One of the tenant's json arrays (users, roles, config, keys). */
static void
add_array(struct request *req, cJSON *o, const char *key, int h)
{
	cJSON_AddItemToObject(
	    o, key, cJSON_CreateRaw(db_value(db_result(req->db, h), 0, 0)));
}

/* Every record of the tenant into o.records: 0, 1 when they are more than
 * one answer may hold, -1 after a database problem. */
static int
add_records(struct request *req, const struct defs *d, cJSON *o)
{
	cJSON *recs = cJSON_AddArrayToObject(o, "records");
	const char *after = NULL;
	long bytes = 0;
	char limit[16];

	snprintf(limit, sizeof(limit), "%d", EXPORT_BATCH);
	for (;;) {
		int h = exports_queue_records(req->db, req->tenant->id_str,
		                              after, limit);
		PGresult *r;
		int rows;

		if (api_sync(req) < 0)
			return -1;
		r = db_result(req->db, h);
		rows = PQntuples(r);
		for (int i = 0; i < rows; i++) {
			bytes += (long)strlen(db_value(r, i, 2)) + 256;
			if (bytes > EXPORT_MAX_BYTES)
				return 1;
			cJSON_AddItemToArray(recs, plain_record(req, d, r, i));
		}
		if (rows < EXPORT_BATCH)
			return 0;
		after = arena_strdup(req->arena, db_value(r, rows - 1, 0));
	}
}

void
privacy_tenant_export(struct request *req)
{
	struct defs *d = arena_calloc(req->arena, 1, sizeof(*d));
	const char *tid = req->tenant->id_str;
	cJSON *o, *t, *cols;
	const char *text;
	char now[32];
	int hu, hr, hc, hk;

	if (load_defs(req, d) < 0)
		return;
	hu = exports_queue_users(req->db, tid);
	hr = exports_queue_roles(req->db, tid);
	hc = exports_queue_config(req->db, tid);
	hk = exports_queue_api_keys(req->db, tid);
	if (api_sync(req) < 0)
		return;
	o = cJSON_CreateObject();
	timefmt_format(clock_real_ms(), now);
	cJSON_AddStringToObject(o, "exported_at", now);
	t = cJSON_AddObjectToObject(o, "tenant");
	cJSON_AddStringToObject(t, "id", tid);
	cJSON_AddStringToObject(t, "slug", req->tenant->slug);
	cJSON_AddStringToObject(t, "name", req->tenant->name);
	add_array(req, o, "users", hu);
	add_array(req, o, "roles", hr);
	add_array(req, o, "config_versions", hc);
	add_array(req, o, "api_keys", hk);
	cols = cJSON_AddArrayToObject(o, "collections");
	for (int i = 0; i < d->n; i++) {
		cJSON *c = d->c[i] ? collection_definition(d->c[i])
		                   : cJSON_CreateObject();

		cJSON_AddStringToObject(c, "name", d->names[i]);
		cJSON_AddItemToArray(cols, c);
	}
	switch (add_records(req, d, o)) {
	case -1:
		return;
	case 1:
		/* Nothing was exported: no audit event (the transaction is
		 * rolled back). */
		problem(req, 507, "export_too_large",
		        "the tenant is too large for one export");
		return;
	default:
		break;
	}
	/* The document is complete before anything commits: a failure
	 * from here on rolls the audit event back and never answers 200. */
	text = json_print(o);
	if (text == NULL) {
		problem(req, 500, "internal_error",
		        "an internal error occurred");
		return;
	}
	if (audit_queue(req, "tenant.export", "tenant", tid, AUDIT_SUCCESS,
	                arena_printf(req->arena, "{\"records\":%d}",
	                             cJSON_GetArraySize(cJSON_GetObjectItem(
	                                 o, "records")))) < 0 ||
	    api_commit(req) < 0) {
		if (req->res.status == 500 && req->res.body.len == 0)
			problem(req, 500, "internal_error",
			        "an internal error occurred");
		return;
	}
	response_json_text(req, 200, text);
	response_header(req, "Content-Disposition",
	                arena_printf(req->arena,
	                             "attachment; filename=\"%s-export.json\"",
	                             req->tenant->slug));
}

static struct db_stmt st_usage = DB_STMT(
    "tenant_usage_one",
    "SELECT (SELECT coalesce(sum(records), 0) FROM tenant_counters WHERE "
    "tenant_id = $1), (SELECT count(*) FROM collections WHERE tenant_id "
    "= $1), (SELECT coalesce(sum(pg_column_size(data)), 0) FROM records "
    "WHERE tenant_id = $1), (SELECT count(*) FROM users WHERE tenant_id = "
    "$1)",
    1);

void
privacy_usage(struct request *req)
{
	const struct tenant_settings *s = settings_get(req);
	const char *p[1] = {req->tenant->id_str};
	int h = db_queue(req->db, &st_usage, p);
	cJSON *o, *l;
	PGresult *r;

	if (s == NULL || api_commit(req) < 0)
		return;
	r = db_result(req->db, h);
	o = cJSON_CreateObject();
	cJSON_AddRawToObject(o, "records", db_value(r, 0, 0));
	cJSON_AddRawToObject(o, "collections", db_value(r, 0, 1));
	cJSON_AddRawToObject(o, "storage_bytes", db_value(r, 0, 2));
	cJSON_AddRawToObject(o, "users", db_value(r, 0, 3));
	cJSON_AddNumberToObject(
	    o, "requests", (double)metrics_tenant_requests(req->tenant->slug));
	l = cJSON_AddObjectToObject(o, "limits");
	cJSON_AddNumberToObject(l, "max_records", (double)s->max_records);
	cJSON_AddNumberToObject(l, "max_collections", s->max_collections);
	cJSON_AddNumberToObject(l, "requests_per_second", s->rate_rps);
	cJSON_AddNumberToObject(l, "burst", s->rate_burst);
	response_json(req, 200, o);
}
