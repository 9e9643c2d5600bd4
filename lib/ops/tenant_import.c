/*
 * tenant_import.c - a tenant written out whole, and created again from it.
 */
#include "ops/tenant_import.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/host.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "data/audit.h"
#include "data/db.h"
#include "data/keyring.h"
#include "data/platform_audit.h"
#include "data/subjects.h"
#include "data/tenant_copy.h"
#include "data/tenants.h"
#include "data/collections.h"
#include "data/records.h"
#include "data/roles.h"
#include "data/settings.h"
#include "sec/rbac.h"
#include "api/pii.h"
#include "core/email.h"
#include "core/request.h"
#include "ops/keyring_transfer.h"
#include "sec/fieldcrypt.h"
#include "sec/transport.h"

#define EXPORT_FORMAT "strata-tenant-export"
/* A plain export's records are synced every PLAIN_BATCH (the statement
 * queue is bounded); its collections are at most PLAIN_MAX_COLLECTIONS. */
#define PLAIN_BATCH 200
#define PLAIN_MAX_COLLECTIONS 1000
/* A configuration version a plain export may carry: an integer that a
 * double holds exactly. */
#define CONFIG_VERSION_MAX 9007199254740991.0

const struct transport_key *
tenant_import_transport_key(void)
{
	static struct transport_key *k;
	char path[4096];

	if (k == NULL &&
	    transport_path(cfg.master_key_file, path, sizeof(path)) == 0)
		k = transport_load_or_create(path);
	return k;
}

int
tenant_import_export(struct db *db, struct arena *a, const struct uuid *tenant,
                     const struct transport_key *pub, FILE *f, const char **why)
{
	struct tenant_copy_source src;
	const char *sealed;
	char now[32];

	if (tenant_copy_queue_read(db, tenant, &src) < 0 || db_sync(db) != 0) {
		*why = "cannot read the tenant";
		return -1;
	}
	if (!src.found || src.tables == NULL) {
		*why = "no such tenant";
		return -1;
	}
	sealed =
	    keyring_transfer_seal(a, tenant, &src.keys, src.digest, pub, why);
	if (sealed == NULL)
		return -1;
	timefmt_format(clock_real_ms(), now);
	fprintf(f,
	        "{\"format\":\"" EXPORT_FORMAT "\",\"version\":1,"
	        "\"faithful\":true,\"exported_at\":\"%s\",\"tenant\":",
	        now);
	fputs(src.tenant, f);
	fputs(",\"keyring\":", f);
	fputs(sealed, f);
	fputs(",\"tables\":", f);
	fputs(src.tables, f);
	fputs("}\n", f);
	return fflush(f) == 0 && !ferror(f) ? 0 : (*why = "write failed", -1);
}

static int
refuse(struct tenant_import_result *out, int status, const char *field,
       const char *why)
{
	out->field = field;
	out->why = why;
	return status;
}

/* What the document says before anything is written. */
struct import_doc {
	const cJSON *plain; /* the document, when it is a plain export */
	const cJSON *tenant;
	const char *slug, *name, *plan, *source_id;
	struct keyring_transfer keys;
};

/* The document's shape: an export, faithful, with a tenant and a keyring
 * that opens here.  Returns 0 or a status with out's reason. */
static int
read_doc(struct arena *a, const char *doc, size_t len,
         const struct transport_key *priv, struct import_doc *d,
         struct tenant_import_result *out)
{
	const char *perr, *fmt;
	const cJSON *kr, *faithful;
	cJSON *o = json_parse(doc, len, JSON_MAX_DEPTH + 32, &perr);
	char *krtext, src[UUID_STR_LEN + 1];

	if (o == NULL || !cJSON_IsObject(o))
		return refuse(out, TENANT_IMPORT_MALFORMED, "",
		              o ? "an export is a JSON object"
		                : arena_printf(a, "not valid JSON: %s", perr));
	fmt = json_str(o, "format");
	faithful = cJSON_GetObjectItemCaseSensitive(o, "faithful");
	d->tenant = cJSON_GetObjectItemCaseSensitive(o, "tenant");
	if (fmt == NULL && cJSON_IsObject(d->tenant) &&
	    cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "records"))) {
		d->plain = o;
		return 0;
	}
	if (fmt == NULL || strcmp(fmt, EXPORT_FORMAT) != 0 ||
	    !cJSON_IsTrue(faithful) || !cJSON_IsObject(d->tenant))
		return refuse(out, TENANT_IMPORT_MALFORMED, "format",
		              "not a tenant export (format " EXPORT_FORMAT
		              ", faithful, tenant)");
	d->source_id = json_str(d->tenant, "id");
	d->slug = json_str(d->tenant, "slug");
	d->name = json_str(d->tenant, "name");
	d->plan = json_str(d->tenant, "plan");
	if (d->source_id == NULL || !uuid_valid(d->source_id) ||
	    d->slug == NULL || d->name == NULL || d->plan == NULL)
		return refuse(out, TENANT_IMPORT_MALFORMED, "tenant",
		              "the tenant needs id, slug, name and plan");
	kr = cJSON_GetObjectItemCaseSensitive(o, "keyring");
	if (!cJSON_IsObject(kr) || (krtext = json_print(kr)) == NULL)
		return refuse(out, TENANT_IMPORT_MALFORMED, "keyring",
		              "the export has no sealed keyring");
	if (keyring_transfer_open(a, krtext, strlen(krtext), priv, &d->keys,
	                          &out->why) < 0)
		return refuse(out, TENANT_IMPORT_INVALID, "keyring", out->why);
	uuid_format(&d->keys.tenant, src);
	if (strcmp(src, d->source_id) != 0) {
		keyring_transfer_wipe(&d->keys);
		return refuse(out, TENANT_IMPORT_INVALID, "keyring",
		              "the keyring is another tenant's");
	}
	return 0;
}

static int
by_id(const void *x, const void *y)
{
	const struct keyring_key *a = x, *b = y;

	return memcmp(a->id.b, b->id.b, sizeof(a->id.b));
}

/* The carried keys as a keyring of tenant id (what fieldcrypt and the
 * subject keys take), its keys in the arena.  Current keys are the ones
 * not retired. */
static void
as_keyring(struct arena *a, const struct keyring_transfer *t,
           const struct uuid *id, struct keyring *k)
{
	memset(k, 0, sizeof(*k));
	k->tenant = *id;
	k->n = t->n;
	k->keys =
	    arena_calloc(a, t->n > 0 ? (size_t)t->n : 1, sizeof(*k->keys));
	for (int i = 0; i < t->n; i++) {
		const char *p = t->keys[i].meta.purpose;

		k->keys[i].id = t->keys[i].meta.id;
		k->keys[i].purpose = p[0] == 's'   ? KEY_SIGNING
		                     : p[0] == 'd' ? KEY_DATA
		                                   : KEY_INDEX;
		k->keys[i].current = t->keys[i].meta.retired_at == NULL;
		memcpy(k->keys[i].key, t->keys[i].key, CRYPTO_KEY_LEN);
	}
	qsort(k->keys, (size_t)k->n, sizeof(*k->keys), by_id);
	for (int p = 0; p < 3; p++)
		k->current[p] = -1;
	for (int i = 0; i < k->n; i++)
		if (k->keys[i].current)
			k->current[k->keys[i].purpose] = i;
}

/* The carried keys a value may be sealed under: the tenant's keyring,
 * and the subject keys (a record with a subject is sealed under its
 * subject's key, so erasing the subject shreds it). */
struct reseal_keys {
	struct keyring ring;
	int n;
	struct uuid *ids;
	unsigned char (*keys)[CRYPTO_KEY_LEN];
};

/* A subject key, opened under from and wrapped again for to; the key is
 * kept in rk for the records sealed under it.  NULL when it does not
 * open; *by is its new wrapping key id. */
static const char *
reseal_subject(struct arena *a, struct reseal_keys *rk, const struct uuid *from,
               const struct uuid *to, const struct tenant_copy_sealed *s,
               const char **by)
{
	unsigned char *sk = rk->keys[rk->n];
	struct subject_new n;

	if (subjects_unwrap_key(&rk->ring, from, s->id, s->value, s->wrapped_by,
	                        &rk->ids[rk->n], sk) < 0 ||
	    subjects_wrap_key(&rk->ring, to, &rk->ids[rk->n], sk, &n) < 0)
		return NULL;
	rk->n++;
	*by = arena_strdup(a, n.wrapped_by);
	return arena_strdup(a, n.wrapped);
}

/* The key a value names: a data key, or a subject key. */
static const unsigned char *
value_key(const struct reseal_keys *rk, const struct uuid *kid)
{
	const struct keyring_key *k = keyring_find(&rk->ring, KEY_DATA, kid);

	if (k != NULL)
		return k->key;
	for (int i = 0; i < rk->n; i++)
		if (uuid_equal(&rk->ids[i], kid))
			return rk->keys[i];
	return NULL;
}

/* One record field, MFA or webhook secret sealed under from, sealed again
 * for to under the same key; NULL when it does not open with the carried keys.
 */
static const char *
reseal_value(struct arena *a, const struct reseal_keys *rk,
             const struct uuid *from, const struct uuid *to,
             const struct tenant_copy_sealed *s)
{
	bool mfa = strcmp(s->kind, "mfa") == 0;
	bool hook = strcmp(s->kind, "webhook") == 0;
	const unsigned char *key;
	struct field_aad ad;
	struct uuid rid, kid;
	const char *plain;

	if (uuid_parse(s->id, &rid) < 0 || fieldcrypt_kid(s->value, &kid) < 0 ||
	    (key = value_key(rk, &kid)) == NULL)
		return NULL;
	ad.tenant = from;
	ad.record = &rid;
	ad.collection = mfa ? "mfa_totp" : hook ? "webhooks" : s->collection;
	ad.field = mfa || hook ? "secret" : s->field;
	if ((plain = fieldcrypt_open(a, key, &ad, s->value)) == NULL)
		return NULL;
	ad.tenant = to;
	return fieldcrypt_seal(a, key, &kid, &ad, plain);
}

/* The tenant's failure after a trip, as a status. */
static int
trip_failed(struct db *db, int rc, struct tenant_import_result *out,
            const char *what)
{
	if (rc == DB_UNAVAILABLE)
		return refuse(out, TENANT_IMPORT_UNAVAILABLE, "",
		              "the database is unavailable");
	if (db_error_is(db, "23505"))
		return refuse(out, TENANT_IMPORT_CONFLICT, "tenant",
		              "a tenant with this slug or id exists");
	log_error("tenant import: %s: %s %s", what, db->sqlstate, db->errmsg);
	if (db->sqlstate[0] == '2' || db->sqlstate[0] == '4')
		return refuse(out, TENANT_IMPORT_INVALID, "tables",
		              "the export's rows do not fit this region's "
		              "schema (or were changed)");
	return refuse(out, TENANT_IMPORT_FAILED, "",
	              "the tenant could not be imported");
}

/* Queues the sealed values again for the new id: subject keys first (the
 * values of records with a subject are sealed under them), then every
 * other.  Returns 0, or -1 when one does not open (logged). */
static int
queue_reseals(struct db *db, struct arena *a, struct reseal_keys *rk,
              const struct uuid *from, const struct uuid *to, const char *tid,
              const struct tenant_copy_sealed_rows *rows)
{
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < rows->n; i++) {
			const struct tenant_copy_sealed *s = &rows->rows[i];
			bool subject = strcmp(s->kind, "subject") == 0;
			const char *by = NULL, *v;

			if (subject != (pass == 0))
				continue;
			v = subject ? reseal_subject(a, rk, from, to, s, &by)
			            : reseal_value(a, rk, from, to, s);
			if (v == NULL) {
				log_error("tenant import: a sealed %s value "
				          "(%s) does not open with the carried "
				          "keys",
				          s->kind, s->id);
				return -1;
			}
			tenant_copy_queue_reseal(db, tid, s, v, by);
		}
	return 0;
}

/* Trip 3's sealed values, opened under the source id and queued sealed
 * for the new one (they go with the commit).  Returns 0 or a status. */
static int
reseal_all(struct db *db, struct arena *a, const struct import_doc *d,
           const struct uuid *id, const char *tid,
           struct tenant_import_result *out)
{
	struct tenant_copy_sealed_rows rows;
	struct reseal_keys rk = {0};
	struct uuid from;
	int rc;

	uuid_parse(d->source_id, &from);
	tenant_copy_queue_sealed(db, tid, &rows);
	if ((rc = db_sync(db)) != 0)
		return trip_failed(db, rc, out, "reading sealed values");
	as_keyring(a, &d->keys, id, &rk.ring);
	rk.ids = arena_calloc(a, (size_t)rows.n + 1, sizeof(*rk.ids));
	rk.keys = arena_calloc(a, (size_t)rows.n + 1, sizeof(*rk.keys));
	rc = queue_reseals(db, a, &rk, &from, id, tid, &rows);
	for (int i = 0; i < rk.ring.n; i++)
		crypto_wipe(rk.ring.keys[i].key, CRYPTO_KEY_LEN);
	crypto_wipe(rk.keys, ((size_t)rows.n + 1) * sizeof(*rk.keys));
	if (rc < 0)
		return refuse(out, TENANT_IMPORT_INVALID, "tables",
		              "a sealed value does not open with the carried "
		              "keys");
	out->resealed = rows.n;
	return 0;
}

/* The import's events: in the new tenant's chain and the platform's. */
static void
queue_audit(struct db *db, struct arena *a, const char *tid,
            const struct tenant_import_options *o,
            const struct tenant_import_result *out)
{
	const char *details = arena_printf(
	    a,
	    "{\"source_id\":\"%s\",\"slug\":\"%s\",\"rows\":%lld,\"keys\":%d,"
	    "\"resealed\":%d,\"format\":\"%s\"}",
	    out->source_id, out->slug, out->rows, out->keys, out->resealed,
	    out->plain ? "plain" : "faithful");
	struct audit_event e = {
	    .tenant_id = tid,
	    .actor_type = o->actor_type,
	    .actor_id = o->actor_id,
	    .action = "tenant.import",
	    .target_type = "tenant",
	    .target_id = tid,
	    .outcome = AUDIT_SUCCESS,
	    .request_id = o->request_id,
	    .client_addr = o->client_addr,
	    .details = details,
	};

	audit_queue_event(db, &e);
	e.tenant_id = NULL;
	platform_audit_queue(db, &e);
}

/* Trip 1: the tenant row and the staged document, checked. */
static int
create_and_stage(struct db *db, struct arena *a, const char *doc,
                 const struct import_doc *d, const char *tid,
                 struct tenant_copy_check *c, struct tenant_import_result *out)
{
	int rc;

	/* At home in this region (and in its directory row) when regions are
	 * configured. */
	tenants_queue_insert(db, tid, out->slug, d->name, d->plan,
	                     *cfg.region ? cfg.region : NULL);
	tenant_copy_queue_stage(db, doc, c);
	if ((rc = db_sync(db)) != 0) {
		if (db_error_is(db, "23503"))
			return refuse(out, TENANT_IMPORT_INVALID, "tenant.plan",
			              arena_printf(a,
			                           "plan %s does not exist "
			                           "in this region",
			                           d->plan));
		return trip_failed(db, rc, out, "creating the tenant");
	}
	if (c->missing != NULL && *c->missing)
		return refuse(
		    out, TENANT_IMPORT_INVALID, "tables",
		    arena_printf(a, "tables missing: %s", c->missing));
	if (c->digest == NULL || strcmp(c->digest, d->keys.digest) != 0)
		return refuse(out, TENANT_IMPORT_INVALID, "tables",
		              "the tables do not match the digest sealed with "
		              "the keyring (changed after the export)");
	return 0;
}

/* A plain export (GET /v1/export): what it holds, under new keys. */

/* A plain export's users, without passwords.  Returns 0 or a status. */
static int
plain_users(struct db *db, struct arena *a, const char *tid, const cJSON *users,
            struct tenant_import_result *out)
{
	const cJSON *u;

	cJSON_ArrayForEach(u, users)
	{
		const char *f[6] = {json_str(u, "id"),
		                    json_str(u, "email"),
		                    NULL,
		                    json_str(u, "name"),
		                    json_str(u, "status"),
		                    json_str(u, "created_at")};
		const cJSON *roles =
		    cJSON_GetObjectItemCaseSensitive(u, "roles");
		const cJSON *r;
		int nroles = 0, i = 0;
		const char **names;

		f[2] = f[1] ? email_norm(a, f[1]) : NULL;
		if (f[0] == NULL || !uuid_valid(f[0]) || f[2] == NULL ||
		    f[3] == NULL || f[4] == NULL || !cJSON_IsArray(roles))
			return refuse(
			    out, TENANT_IMPORT_INVALID, "users",
			    "a user needs id, email, name, status and "
			    "roles");
		nroles = cJSON_GetArraySize(roles);
		names = arena_calloc(a, nroles > 0 ? (size_t)nroles : 1,
		                     sizeof(*names));
		cJSON_ArrayForEach(r, roles)
		{
			if (!cJSON_IsString(r) ||
			    strpbrk(r->valuestring, "{},\"\\ ") ||
			    !*r->valuestring)
				return refuse(out, TENANT_IMPORT_INVALID,
				              "users",
				              "a user's roles are role names");
			names[i++] = r->valuestring;
		}
		tenant_copy_queue_plain_user(db, tid, f, names, i);
	}
	return 0;
}

/* The plain export's collections parsed into cols (n of them) and
 * queued.  Returns 0 or a status. */
static int
plain_collections(struct db *db, struct arena *a, const char *tid,
                  const cJSON *list, struct collection *cols, int *n,
                  struct tenant_import_result *out)
{
	const cJSON *e;

	*n = 0;
	cJSON_ArrayForEach(e, list)
	{
		const char *name = json_str(e, "name");
		cJSON *def = cJSON_Duplicate(e, true);
		struct collection *c = &cols[*n];

		cJSON_DeleteItemFromObjectCaseSensitive(def, "name");
		if (name == NULL || !collection_name_valid(name) ||
		    collection_parse(def, c) != NULL)
			return refuse(out, TENANT_IMPORT_INVALID, "collections",
			              arena_printf(a,
			                           "collection %s is not valid",
			                           name ? name : "(unnamed)"));
		snprintf(c->name, sizeof(c->name), "%s", name);
		c->version = 1;
		collections_queue_insert(db, tid, name,
		                         json_print(collection_definition(c)),
		                         "import");
		(*n)++;
	}
	return 0;
}

static const struct collection *
find_collection(const struct collection *cols, int n, const char *name)
{
	for (int i = 0; name != NULL && i < n; i++)
		if (strcmp(cols[i].name, name) == 0)
			return &cols[i];
	return NULL;
}

/* One record of a plain export, checked against its collection, its
 * personal fields sealed under the new tenant's keys (req->tenant) and
 * queued with its pivot rows, version and times.  Returns 0 or a status. */
static int
plain_record(struct request *req, const struct collection *cols, int ncols,
             const cJSON *rec, struct tenant_import_result *out)
{
	const char *id = json_str(rec, "id"), *subject = NULL;
	const struct collection *c =
	    find_collection(cols, ncols, json_str(rec, "collection"));
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, "version");
	const char **blind;
	struct record_one *one;
	cJSON *data;
	struct uuid u;

	if (c == NULL || id == NULL || uuid_parse(id, &u) < 0 ||
	    !cJSON_IsNumber(v) || v->valuedouble < 1 ||
	    (data =
	         cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec, "data"),
	                         true)) == NULL ||
	    collection_check(c, data) != NULL)
		return refuse(out, TENANT_IMPORT_INVALID, "records",
		              arena_printf(req->arena,
		                           "record %s does not match its "
		                           "collection",
		                           id ? id : "(no id)"));
	blind =
	    arena_calloc(req->arena, (size_t)c->nfields + 1, sizeof(*blind));
	if ((pii_any(c) || c->subject >= 0) &&
	    pii_protect(req, c, &u, data, blind, &subject) < 0)
		return refuse(out, TENANT_IMPORT_FAILED, "records",
		              "the personal fields cannot be sealed");
	one = arena_alloc(req->arena, sizeof(*one));
	records_insert(req->db, req->tenant->id_str, id, c->name,
	               json_print(data), "1", subject,
	               json_str(rec, "created_by"), one);
	records_queue_pivot(req->db, req->arena, req->tenant->id_str, c, id,
	                    data, blind, false);
	tenant_copy_queue_record_meta(
	    req->db, req->tenant->id_str, id,
	    arena_printf(req->arena, "%.0f", v->valuedouble),
	    json_str(rec, "created_at"), json_str(rec, "updated_at"));
	return 0;
}

/* Every record, synced in batches (the statement queue is bounded). */
static int
plain_records(struct request *req, const struct collection *cols, int ncols,
              const cJSON *records, struct tenant_import_result *out)
{
	const cJSON *rec;
	long long n = 0;
	int rc;

	cJSON_ArrayForEach(rec, records)
	{
		if ((rc = plain_record(req, cols, ncols, rec, out)) != 0)
			return rc;
		if (++n % PLAIN_BATCH == 0 && (rc = db_sync(req->db)) != 0)
			return trip_failed(req->db, rc, out,
			                   "inserting records");
	}
	records_queue_counter(req->db, req->arena, req->tenant->id_str,
	                      arena_printf(req->arena, "%lld", n));
	out->rows += n;
	return 0;
}

/* The newest of a plain export's configuration versions (plain_valid()
 * checked each), 0 when it has none. */
static long long
newest_config(const cJSON *doc)
{
	const cJSON *e;
	long long max = 0;

	cJSON_ArrayForEach(
	    e, cJSON_GetObjectItemCaseSensitive(doc, "config_versions"))
	{
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "version");

		if ((long long)v->valuedouble > max)
			max = (long long)v->valuedouble;
	}
	return max;
}

/* The new tenant's row, keys, built-in roles, and the export's roles,
 * configuration, users and collections: trip 1. */
static int
plain_create(struct request *req, const cJSON *doc, const char *text,
             const char *tid, const struct uuid *id, struct collection *cols,
             int *ncols, struct tenant *t, struct tenant_import_result *out)
{
	struct db *db = req->db;
	struct uuid keys[3];
	int h, rc;

	h = tenants_queue_insert(db, tid, out->slug, out->name,
	                         cfg.default_plan,
	                         *cfg.region ? cfg.region : NULL);
	if (keyring_queue_rotate(db, id, keys) < 0)
		return refuse(out, TENANT_IMPORT_FAILED, "",
		              "cannot make the tenant's keys");
	roles_queue_builtins(db, tid);
	tenant_copy_queue_plain(db, tid, text, newest_config(doc), req->arena);
	if ((rc = plain_users(db, req->arena, tid,
	                      cJSON_GetObjectItemCaseSensitive(doc, "users"),
	                      out)) != 0 ||
	    (rc = plain_collections(
	         db, req->arena, tid,
	         cJSON_GetObjectItemCaseSensitive(doc, "collections"), cols,
	         ncols, out)) != 0)
		return rc;
	if ((rc = db_sync(db)) != 0)
		return trip_failed(db, rc, out, "creating the tenant");
	tenants_from_row(t, db_result(db, h), 0);
	return 0;
}

/* The plain export's arrays, each present. */
static bool
plain_shaped(const cJSON *doc)
{
	static const char *const members[] = {
	    "users", "roles", "config_versions", "collections", "records"};
	const cJSON *cols =
	    cJSON_GetObjectItemCaseSensitive(doc, "collections");

	for (size_t i = 0; i < sizeof(members) / sizeof(*members); i++)
		if (!cJSON_IsArray(
		        cJSON_GetObjectItemCaseSensitive(doc, members[i])))
			return false;
	return cJSON_GetArraySize(cols) <= PLAIN_MAX_COLLECTIONS;
}

/* The roles and configuration of a plain export, checked as the API
 * checks them: permissions by name, every settings version against the
 * schema (docs/config.md).  Returns 0 or a status. */
static int
plain_valid(struct arena *a, const cJSON *doc, struct tenant_import_result *out)
{
	const cJSON *e, *defaults = settings_template(NULL);
	const char *bad;
	uint32_t bits;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "roles"))
	{
		const char *name = json_str(e, "name");

		if (name == NULL || rbac_parse(cJSON_GetObjectItemCaseSensitive(
		                                   e, "permissions"),
		                               &bits, &bad) < 0)
			return refuse(out, TENANT_IMPORT_INVALID, "roles",
			              arena_printf(a,
			                           "role %s: a name and known "
			                           "permissions are needed",
			                           name ? name : "(unnamed)"));
	}
	cJSON_ArrayForEach(
	    e, cJSON_GetObjectItemCaseSensitive(doc, "config_versions"))
	{
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "version");
		cJSON *errors = NULL;

		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1) ||
		    v->valuedouble > CONFIG_VERSION_MAX ||
		    v->valuedouble != (double)(long long)v->valuedouble ||
		    defaults == NULL ||
		    settings_normalize(
		        cJSON_GetObjectItemCaseSensitive(e, "settings"),
		        defaults, &errors) == NULL)
			return refuse(out, TENANT_IMPORT_INVALID,
			              "config_versions",
			              "a configuration version does not match "
			              "the settings schema (docs/config.md)");
	}
	return 0;
}

static int
import_plain(struct request *req, const cJSON *doc, const char *text,
             const struct tenant_import_options *o,
             struct tenant_import_result *out)
{
	const cJSON *ten = cJSON_GetObjectItemCaseSensitive(doc, "tenant");
	struct tenant *was = req->tenant, t;
	struct collection *cols;
	struct uuid id;
	char tid[UUID_STR_LEN + 1];
	int ncols = 0, rc;

	out->plain = true;
	out->source_id = json_str(ten, "id");
	out->name = json_str(ten, "name");
	out->slug = o->slug ? o->slug : json_str(ten, "slug");
	if (out->source_id == NULL || !uuid_valid(out->source_id) ||
	    out->name == NULL || !plain_shaped(doc))
		return refuse(
		    out, TENANT_IMPORT_MALFORMED, "tenant",
		    "a plain export needs its tenant (id, slug, name) "
		    "and users, roles, config_versions, collections "
		    "and records");
	if (out->slug == NULL || !host_slug_valid(out->slug))
		return refuse(out, TENANT_IMPORT_INVALID, "slug",
		              "slug must be 3-63 of a-z, 0-9 and '-', not "
		              "reserved");
	if ((rc = plain_valid(req->arena, doc, out)) != 0)
		return rc;
	if (o->keep_id)
		uuid_parse(out->source_id, &id);
	else
		uuid_v7(&id);
	uuid_format(&id, tid);
	snprintf(out->id, sizeof(out->id), "%s", tid);
	cols = arena_calloc(req->arena, PLAIN_MAX_COLLECTIONS, sizeof(*cols));
	db_begin(req->db, &id);
	rc = plain_create(req, doc, text, tid, &id, cols, &ncols, &t, out);
	if (rc == 0) {
		req->tenant = &t;
		req->tx_open = true;
		rc = plain_records(
		    req, cols, ncols,
		    cJSON_GetObjectItemCaseSensitive(doc, "records"), out);
	}
	if (rc == 0) {
		out->keys = 3;
		queue_audit(req->db, req->arena, tid, o, out);
		db_commit(req->db);
		if ((rc = db_sync(req->db)) != 0)
			rc = trip_failed(req->db, rc, out, "committing");
	}
	req->tenant = was;
	req->tx_open = false;
	if (rc != 0)
		db_finish(req->db);
	return rc;
}

int
tenant_import_run(struct request *req, const char *doc, size_t len,
                  const struct transport_key *priv,
                  const struct tenant_import_options *o,
                  struct tenant_import_result *out)
{
	struct db *db = req->db;
	struct arena *a = req->arena;
	struct import_doc d = {0};
	struct tenant_copy_check c;
	struct uuid id;
	char tid[UUID_STR_LEN + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	if (priv == NULL)
		return refuse(out, TENANT_IMPORT_FAILED, "",
		              "this region has no transport key");
	if ((rc = read_doc(a, doc, len, priv, &d, out)) != 0)
		return rc;
	if (d.plain != NULL)
		return import_plain(req, d.plain, doc, o, out);
	out->slug = o->slug ? o->slug : d.slug;
	out->name = d.name;
	out->source_id = d.source_id;
	rc = TENANT_IMPORT_INVALID;
	if (!host_slug_valid(out->slug)) {
		refuse(out, rc, "slug",
		       "slug must be 3-63 of a-z, 0-9 and '-', not reserved");
		goto out;
	}
	if (o->keep_id)
		uuid_parse(d.source_id, &id);
	else
		uuid_v7(&id);
	uuid_format(&id, tid);
	snprintf(out->id, sizeof(out->id), "%s", tid);
	db_begin(db, &id);
	if ((rc = create_and_stage(db, a, doc, &d, tid, &c, out)) != 0)
		goto out;
	out->rows = c.rows;
	tenant_copy_queue_insert(db, tid, doc, &c, a);
	if (keyring_transfer_queue_adopt(db, a, &id, &d.keys) < 0) {
		rc = refuse(out, TENANT_IMPORT_FAILED, "keyring",
		            "the keys cannot be wrapped (is the master key "
		            "loaded?)");
		goto out;
	}
	if ((rc = db_sync(db)) != 0) {
		rc = trip_failed(db, rc, out, "inserting rows");
		goto out;
	}
	out->keys = d.keys.n;
	if (strcmp(tid, d.source_id) != 0 &&
	    (rc = reseal_all(db, a, &d, &id, tid, out)) != 0)
		goto out;
	queue_audit(db, a, tid, o, out);
	db_commit(db);
	if ((rc = db_sync(db)) != 0)
		rc = trip_failed(db, rc, out, "committing");
out:
	keyring_transfer_wipe(&d.keys);
	if (rc != 0)
		db_finish(db);
	return rc;
}
