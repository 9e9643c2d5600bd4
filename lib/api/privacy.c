/*
 * privacy.c - data subjects' rights (GDPR art. 15, 17, 20) and the
 * tenant's own export and usage.
 */
#include "api/privacy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/cors.h"
#include "api/pii.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/request.h"
#include "core/response.h"
#include "core/timefmt.h"
#include "data/audit.h"
#include "data/collections.h"
#include "data/db.h"
#include "data/erasures.h"
#include "data/exports.h"
#include "data/keyring.h"
#include "data/records.h"
#include "data/settings.h"
#include "data/subjects.h"

#define SUBJECT_MAX 256
/* A subject's export is one JSON answer built in the request's arena:
 * past this much record data it is refused (507) before memory runs
 * short.  The tenant export streams and has no such cap. */
#define SUBJECT_MAX_BYTES (48L * 1024 * 1024)
/* The tenant export reads records in batches of at most this many rows
 * and about this much data, each released once written out. */
#define EXPORT_BATCH_ROWS 1000
#define EXPORT_BATCH_BYTES ((size_t)4 * 1024 * 1024)
#define EXPORT_ARENA_CHUNK (256 * 1024)
#define EXPORT_ARENA_CAP (256UL * 1024 * 1024)
#define EXPORT_CHUNK (64 * 1024)

/* The tenant's collection definitions, by name. */
struct defs {
	int n;
	const char **names;
	const struct collection **c;
	bool pii; /* any of them has a personal-data field */
};

/* The definitions of the rows read (a collection whose definition does
 * not parse is left out). */
static void
load_defs(struct request *req, const struct export_collections *rows,
          struct defs *d)
{
	memset(d, 0, sizeof(*d));
	d->names =
	    arena_calloc(req->arena, (size_t)rows->n + 1, sizeof(*d->names));
	d->c = arena_calloc(req->arena, (size_t)rows->n + 1,
	                    sizeof(const struct collection *));
	for (int i = 0; i < rows->n; i++) {
		const struct collection *c = collection_cached(
		    &req->tenant->id, rows->rows[i].name, rows->rows[i].version,
		    rows->rows[i].definition);
		struct collection *copy;

		if (c == NULL)
			continue;
		/* A copy: the cache holds one definition per slot. */
		copy = arena_alloc(req->arena, sizeof(*copy));
		*copy = *c;
		d->names[d->n] = rows->rows[i].name;
		d->c[d->n] = copy;
		d->pii = d->pii || pii_any(copy);
		d->n++;
	}
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
 * subject's own data, for delivery to them; the owner's export). */
static cJSON *
plain_record(struct request *req, const struct defs *d,
             const struct record *rec)
{
	const struct collection *c = def_of(d, rec->collection);
	cJSON *o = records_json(rec);

	if (c != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(
		    o, "data", pii_reveal(req, c, rec, PII_INTERNAL, NULL));
	return o;
}

/* The subject of the path, or NULL (404 recorded) when over-long. */
static const char *
subject_arg(struct request *req)
{
	const char *s = req->args[0];

	if (strlen(s) > SUBJECT_MAX) {
		(void)api_fail(req, 404, "not_found", "no such subject");
		return NULL;
	}
	return s;
}

/* The subject's blind indexes under every index key (a text[] literal),
 * or NULL (503 recorded). */
static const char *
subject_hashes(struct request *req, const char *subject)
{
	const char *h = pii_subject_hashes(req, subject);

	if (h == NULL)
		(void)api_fail(req, 503, "service_unavailable",
		               "the keys are unavailable");
	return h;
}

/* The ids of the records (a text[] literal), or NULL (507 recorded) when
 * their data is too large for one answer. */
static const char *
subject_ids(struct request *req, const struct export_batch *recs)
{
	struct buf ids;
	long bytes = 0;

	buf_init(&ids, req->arena, 256, 16 * 1024 * 1024);
	buf_putc(&ids, '{');
	for (int i = 0; i < recs->n; i++) {
		bytes += (long)recs->rows[i].data_len + 256;
		if (bytes > SUBJECT_MAX_BYTES) {
			(void)api_fail(req, 507, "export_too_large",
			               "the subject's records are too large "
			               "for one export");
			return NULL;
		}
		buf_printf(&ids, "%s%s", i ? "," : "", recs->rows[i].id);
	}
	buf_putc(&ids, '}');
	return buf_cstr(&ids);
}

int
privacy_export(struct request *req, struct plan *plan)
{
	const char *subject, *hashes, *ids;
	const char *tid = req->tenant->id_str;
	struct export_collections cols;
	struct export_batch recs;
	struct export_texts events;
	struct defs d;
	cJSON *o, *a;
	char now[32];
	int st;

	exports_collections(req->db, tid, &cols);
	if ((st = plan_run(plan)) != 0)
		return st;
	if ((subject = subject_arg(req)) == NULL)
		return req->err.status;
	load_defs(req, &cols, &d);
	if ((hashes = subject_hashes(req, subject)) == NULL)
		return req->err.status;
	exports_subject_records(req->db, tid, hashes, &recs);
	if ((st = plan_run(plan)) != 0)
		return st;
	if ((ids = subject_ids(req, &recs)) == NULL)
		return req->err.status;
	exports_record_events(req->db, tid, ids, &events);
	api_audit(req, "privacy.export", "subject", NULL, AUDIT_SUCCESS,
	          arena_printf(req->arena, "{\"records\":%d}", recs.n));
	if ((st = plan_commit(plan)) != 0)
		return st;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "subject", subject);
	timefmt_format(clock_real_ms(), now);
	cJSON_AddStringToObject(o, "exported_at", now);
	cJSON_AddStringToObject(o, "tenant", req->tenant->slug);
	a = cJSON_AddArrayToObject(o, "records");
	for (int i = 0; i < recs.n; i++)
		cJSON_AddItemToArray(a, plain_record(req, &d, &recs.rows[i]));
	a = cJSON_AddArrayToObject(o, "audit");
	for (int i = 0; i < events.n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateRaw(events.rows[i]));
	response_json(req, 200, o);
	return 0;
}

int
privacy_erase(struct request *req, struct plan *plan)
{
	const char *subject, *hashes;
	const char *tid = req->tenant->id_str;
	struct subjects_count keys;
	struct export_count recs;
	int st;

	if ((st = plan_run(plan)) != 0)
		return st;
	if ((subject = subject_arg(req)) == NULL)
		return req->err.status;
	if ((hashes = subject_hashes(req, subject)) == NULL)
		return req->err.status;
	/* The ledger first: every restore re-applies it (data/erasures.h),
	 * so the subject stays erased in a copy from before this commit.
	 * Then the key: from this commit on, every copy of the subject's
	 * sealed values lacks its key in this database. */
	erasures_queue_record(req->db, tid, hashes);
	subjects_destroy(req->db, tid, hashes, &keys);
	exports_erase_subject(req->db, tid, hashes, &recs);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (recs.n > 0)
		records_queue_counter(req->db, req->arena, tid,
		                      arena_printf(req->arena, "-%d", recs.n));
	api_audit(req, "privacy.erase", "subject", NULL, AUDIT_SUCCESS,
	          arena_printf(req->arena, "{\"records\":%d,\"keys\":%d}",
	                       recs.n, keys.n));
	/* The subject itself is personal data: the event names none. */
	api_event(req, "subject.erased", "subject", req->request_id, NULL, NULL,
	          arena_printf(req->arena, "{\"records\":%d}", recs.n));
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_status(req, 204);
	return 0;
}

/* What the tenant export reads beside its records. */
struct tenant_tables {
	struct export_collections cols;
	struct export_array users, roles, config, keys;
};

static struct arena *
export_arena(void)
{
	static struct arena *a;

	if (a == NULL)
		a = arena_new(EXPORT_ARENA_CHUNK, EXPORT_ARENA_CAP);
	return a;
}

static void
close_file(void *f)
{
	fclose(f);
}

/* The document up to its records array, opened: every member but
 * "records" as cJSON prints it, then "records":[.  Returns 0 or -1. */
static int
write_head(struct request *req, const struct tenant_tables *t,
           const struct defs *d, FILE *f)
{
	cJSON *o = cJSON_CreateObject(), *ten, *cols;
	const char *text;
	char now[32];

	timefmt_format(clock_real_ms(), now);
	cJSON_AddStringToObject(o, "exported_at", now);
	ten = cJSON_AddObjectToObject(o, "tenant");
	cJSON_AddStringToObject(ten, "id", req->tenant->id_str);
	cJSON_AddStringToObject(ten, "slug", req->tenant->slug);
	cJSON_AddStringToObject(ten, "name", req->tenant->name);
	cJSON_AddRawToObject(o, "users", t->users.json);
	cJSON_AddRawToObject(o, "roles", t->roles.json);
	cJSON_AddRawToObject(o, "config_versions", t->config.json);
	cJSON_AddRawToObject(o, "api_keys", t->keys.json);
	cols = cJSON_AddArrayToObject(o, "collections");
	for (int i = 0; i < d->n; i++) {
		cJSON *c = collection_definition(d->c[i]);

		cJSON_AddStringToObject(c, "name", d->names[i]);
		cJSON_AddItemToArray(cols, c);
	}
	text = json_print(o);
	if (text == NULL || strlen(text) < 2)
		return -1;
	/* The printed object without its closing brace. */
	fwrite(text, 1, strlen(text) - 1, f);
	fputs(",\"records\":[", f);
	return 0;
}

/* One record into the file: its stored data copied as it is, or, when
 * its collection has personal fields, with them decrypted. */
static void
write_record(struct request *req, const struct defs *d,
             const struct record *rec, FILE *f)
{
	const struct collection *c = def_of(d, rec->collection);
	struct buf b;

	if (c != NULL && pii_any(c)) {
		fputs(json_print(plain_record(req, d, rec)), f);
		return;
	}
	buf_init(&b, req->arena, 512, 64 * 1024);
	buf_puts(&b, "{\"id\":");
	buf_json_str(&b, rec->id);
	buf_puts(&b, ",\"collection\":");
	buf_json_str(&b, rec->collection);
	buf_puts(&b, ",\"data\":");
	fwrite(b.data, 1, b.len, f);
	fwrite(rec->data, 1, rec->data_len, f);
	b.len = 0;
	buf_printf(&b, ",\"version\":%s,\"created_at\":", rec->version);
	buf_json_str(&b, rec->created_at);
	buf_puts(&b, ",\"updated_at\":");
	buf_json_str(&b, rec->updated_at);
	buf_puts(&b, ",\"created_by\":");
	buf_json_str(&b, rec->created_by);
	buf_putc(&b, '}');
	fwrite(b.data, 1, b.len, f);
}

/* Renders one batch into f with everything it allocates (decrypted
 * values, cJSON trees) in the batch's arena, released with it. */
static void
write_batch(struct request *req, const struct defs *d,
            const struct export_batch *b, struct arena *batch, FILE *f,
            long long *count)
{
	struct arena *own = req->arena;

	req->arena = batch;
	json_use_arena(batch);
	for (int i = 0; i < b->n; i++) {
		if (*count > 0)
			fputc(',', f);
		write_record(req, d, &b->rows[i], f);
		(*count)++;
	}
	req->arena = own;
	json_use_arena(own);
}

/* Every record of the tenant into f, in batches read in the export's
 * transaction, each batch's results released once written.  Returns 0 or
 * the status of a failed trip (the transaction then rolled back). */
static int
write_records(struct request *req, struct plan *plan, const struct defs *d,
              FILE *f, long long *count)
{
	struct arena *batch = export_arena();
	char after[UUID_STR_LEN + 1] = "";
	struct export_batch b;
	bool done = false;
	int st = 0;

	/* Warm, in the request's arena, what decrypting will need. */
	if (d->pii)
		(void)api_keyring(req);
	*count = 0;
	while (!done && st == 0) {
		db_rebind(req->db, batch);
		exports_records(req->db, req->tenant->id_str,
		                after[0] ? after : NULL, EXPORT_BATCH_ROWS,
		                EXPORT_BATCH_BYTES, &b);
		if ((st = plan_run(plan)) == 0) {
			write_batch(req, d, &b, batch, f, count);
			if (b.n > 0)
				snprintf(after, sizeof(after), "%s",
				         b.rows[b.n - 1].id);
			done = b.n < EXPORT_BATCH_ROWS &&
			       b.bytes < EXPORT_BATCH_BYTES;
		} else {
			db_finish(req->db);
			req->tx_open = false;
		}
		/* The batch's results go with its arena, once the queue
		 * lives in the request's again (not after a lost
		 * connection left it busy: the next export resets it). */
		if (db_rebind(req->db, req->arena) == 0)
			arena_reset(batch);
	}
	return st;
}

/* The committed export from f: 200 with its length, sent in chunks. */
static int
send_file(struct request *req, FILE *f)
{
	char *chunk = arena_alloc(req->arena, EXPORT_CHUNK);
	off_t size = ftello(f);
	size_t n;

	if (size < 0 || fseeko(f, 0, SEEK_SET) != 0) {
		log_error("export: the temporary file cannot be read back");
		return api_fail(req, 500, "internal_error",
		                "an internal error occurred");
	}
	response_header(req, "Content-Disposition",
	                arena_printf(req->arena,
	                             "attachment; filename=\"%s-export.json\"",
	                             req->tenant->slug));
	/* The head leaves with the first chunk, before the pipeline would
	 * add these. */
	cors_apply(req);
	response_stream(req, 200, "application/json");
	if (req->res.streaming)
		response_header(
		    req, "Content-Length",
		    arena_printf(req->arena, "%lld", (long long)size));
	while ((n = fread(chunk, 1, EXPORT_CHUNK, f)) > 0)
		if (response_write(req, chunk, n) < 0)
			return 0; /* the client is gone */
	if (ferror(f))
		log_error("export: reading the temporary file failed");
	return 0;
}

int
privacy_tenant_export(struct request *req, struct plan *plan)
{
	const char *tid = req->tenant->id_str;
	struct tenant_tables t;
	struct defs d;
	long long count;
	FILE *f;
	int st;

	/* The owner is checked in a trip of its own: the export reads in a
	 * REPEATABLE READ transaction, one snapshot for every batch. */
	if ((st = plan_read(plan)) != 0)
		return st;
	if ((f = tmpfile()) == NULL) {
		log_error("export: no temporary file: %s", strerror(errno));
		return api_fail(req, 503, "service_unavailable",
		                "the export cannot be written now");
	}
	arena_cleanup(req->arena, close_file, f);
	exports_begin(req->db, &req->tenant->id);
	req->tx_open = true;
	exports_collections(req->db, tid, &t.cols);
	exports_users(req->db, tid, &t.users);
	exports_roles(req->db, tid, &t.roles);
	exports_config(req->db, tid, &t.config);
	exports_api_keys(req->db, tid, &t.keys);
	if ((st = plan_run(plan)) != 0)
		return st;
	load_defs(req, &t.cols, &d);
	if (write_head(req, &t, &d, f) < 0)
		return api_fail(req, 500, "internal_error",
		                "an internal error occurred");
	if ((st = write_records(req, plan, &d, f, &count)) != 0)
		return st;
	fputs("]}", f);
	/* The document is complete before anything commits: a failure from
	 * here on rolls the audit event back and never answers 200. */
	if (fflush(f) != 0 || ferror(f)) {
		log_error("export: writing the temporary file failed");
		return api_fail(req, 503, "service_unavailable",
		                "the export cannot be written now");
	}
	api_audit(req, "tenant.export", "tenant", tid, AUDIT_SUCCESS,
	          arena_printf(req->arena, "{\"records\":%lld}", count));
	if ((st = plan_commit(plan)) != 0)
		return st;
	return send_file(req, f);
}

int
privacy_usage(struct request *req, struct plan *plan)
{
	const struct tenant_settings *s;
	struct export_usage u;
	cJSON *o, *l;
	int st;

	exports_usage(req->db, req->tenant->id_str, &u);
	if ((st = plan_read(plan)) != 0)
		return st;
	if ((s = api_settings(req)) == NULL || !u.found)
		return api_fail(req, 503, "service_unavailable",
		                "the tenant's settings cannot be read now");
	o = cJSON_CreateObject();
	cJSON_AddRawToObject(o, "records", u.records);
	cJSON_AddRawToObject(o, "collections", u.collections);
	cJSON_AddRawToObject(o, "storage_bytes", u.storage_bytes);
	cJSON_AddRawToObject(o, "users", u.users);
	cJSON_AddNumberToObject(
	    o, "requests", (double)metrics_tenant_requests(req->tenant->slug));
	l = cJSON_AddObjectToObject(o, "limits");
	cJSON_AddNumberToObject(l, "max_records", (double)s->max_records);
	cJSON_AddNumberToObject(l, "max_collections", s->max_collections);
	cJSON_AddNumberToObject(l, "requests_per_second", s->rate_rps);
	cJSON_AddNumberToObject(l, "burst", s->rate_burst);
	response_json(req, 200, o);
	return 0;
}
