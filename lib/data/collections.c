/*
 * collections.c - collection definitions and record validation.
 */
#include "data/collections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fnv.h"
#include "core/json.h"
#include "core/timefmt.h"
#include "core/arena.h"
#include "data/db.h"
#include "data/versions.h"

/* Direct-mapped; at 8,192 slots, 10,000 tenants pushed each other out. */
#define CACHE_SIZE 32768
#define MAX_LENGTH_LIMIT (1024 * 1024)
#define INTEGER_LIMIT 9007199254740992.0 /* 2^53: beyond, doubles skip */

static const char *const type_names[] = {
    "string", "integer", "number", "boolean", "datetime", "object", "array",
};
static const char *const mask_names[] = {"none", "email", "phone", "last4",
                                         "full"};

#define COLLECTION_JSON                                                        \
	"json_build_object('name', c.name, 'version', c.version, 'fields', "   \
	"c.definition -> 'fields', 'subject_field', c.definition -> "          \
	"'subject_field', 'additional_fields', c.definition -> "               \
	"'additional_fields', 'created_at', ts(c.created_at), 'updated_at', "  \
	"ts(c.updated_at))"

static struct db_stmt st_get =
    DB_STMT("collection_get",
            "SELECT c.version, c.definition::text, " COLLECTION_JSON
            " FROM collections c WHERE c.tenant_id = $1 AND c.name = $2",
            2);
static struct db_stmt st_current = DB_STMT(
    "collection_current",
    "SELECT c.version, CASE WHEN c.version = $3::bigint THEN NULL ELSE "
    "c.definition::text END FROM collections c WHERE c.tenant_id = $1 AND "
    "c.name = $2",
    3);
static struct db_stmt st_get_share = DB_STMT(
    "collection_get_share",
    "SELECT c.version, c.definition::text, " COLLECTION_JSON
    " FROM collections c WHERE c.tenant_id = $1 AND c.name = $2 FOR SHARE",
    2);
static struct db_stmt st_list =
    DB_STMT("collection_list",
            "SELECT c.name, " COLLECTION_JSON " FROM collections c WHERE "
            "c.tenant_id = $1 ORDER BY c.name",
            1);
static struct db_stmt st_count =
    DB_STMT("collection_count",
            "SELECT count(*) FROM collections WHERE tenant_id = $1", 1);
/* The version rows are written from the statement's parameters, or from
 * the row as it was, never from the CTE: Citus runs an INSERT ... SELECT
 * from a CTE through COPY on the coordinator, which forced RLS refuses
 * (docs/scale-out.md). */
static struct db_stmt st_insert = DB_STMT(
    "collection_insert",
    "WITH c AS (INSERT INTO collections (tenant_id, name, definition, "
    "created_by) VALUES ($1, $2, $3::jsonb, $4) RETURNING *), v AS (INSERT "
    "INTO collection_versions (tenant_id, name, version, definition, "
    "created_by) VALUES ($1, $2, 1, $3::jsonb, $4)) SELECT " COLLECTION_JSON
    " FROM c",
    4);
static struct db_stmt st_update = DB_STMT(
    "collection_update",
    "WITH c AS (UPDATE collections SET definition = $3::jsonb, version = "
    "version + 1, updated_at = now() WHERE tenant_id = $1 AND name = $2 "
    "AND version = $4::bigint RETURNING *) SELECT " COLLECTION_JSON " FROM c",
    4);
/* An update's version row: a statement of its own after the update, from
 * the row it left (version $3 + 1).  A CTE of the update reading the row as
 * it was would do on one node, but Citus runs a modifying CTE before the
 * rest of its statement, which then sees the new row.  Nothing when the
 * update matched no row, or when another made that version. */
static struct db_stmt st_update_version = DB_STMT(
    "collection_update_version",
    "INSERT INTO collection_versions (tenant_id, name, version, "
    "definition, created_by) SELECT tenant_id, name, version, definition, "
    "$4 FROM collections WHERE tenant_id = $1 AND name = $2 AND version = "
    "$3::bigint + 1 ON CONFLICT DO NOTHING",
    4);
static struct db_stmt st_delete = DB_STMT(
    "collection_delete",
    "DELETE FROM collections WHERE tenant_id = $1 AND name = $2 RETURNING "
    "name",
    2);
static struct db_stmt st_records_in = DB_STMT(
    "collection_record_count",
    "SELECT count(*) FROM records WHERE tenant_id = $1 AND collection = $2", 2);
static struct db_stmt st_reindex =
    DB_STMT("collection_reindex", "SELECT reindex_field($1, $2, $3, $4)", 4);
static struct db_stmt st_notify =
    DB_STMT("collection_notify",
            "SELECT pg_notify('strata_cache', 'collection:' || $1::text)", 1);

const char *
collection_type_name(enum field_type t)
{
	return type_names[t];
}

static int
lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

bool
collection_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n >= 1 && n <= COLLECTION_NAME_MAX && name[0] >= 'a' &&
	       name[0] <= 'z' &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static bool
field_name_valid(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= FIELD_NAME_MAX &&
	       ((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_') &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static cJSON *
err(cJSON *errors, const char *field, const char *msg)
{
	return json_add_field_error(errors, field, msg);
}

static bool
opt_bool(const cJSON *o, const char *key, bool *out, bool dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = dflt;
	if (v == NULL)
		return true;
	if (!cJSON_IsBool(v))
		return false;
	*out = cJSON_IsTrue(v);
	return true;
}

/* One field definition; returns the errors so far. */
static cJSON *
parse_field(const cJSON *f, struct field_def *d, cJSON *errors)
{
	static const char *const keys[] = {"type", "required", "pii",
	                                   "mask", "indexed",  "max_length"};
	const char *path = f->string;
	const cJSON *item, *v;
	int t;

	memset(d, 0, sizeof(*d));
	if (!field_name_valid(path))
		return err(errors, path,
		           "field names are 1-63 of a-z, 0-9 and '_'");
	snprintf(d->name, sizeof(d->name), "%s", path);
	if (!cJSON_IsObject(f))
		return err(errors, path, "must be an object");
	cJSON_ArrayForEach(item, f)
	{
		if (lookup(keys, 6, item->string) < 0)
			errors = err(errors, path, "has an unknown attribute");
	}
	v = cJSON_GetObjectItemCaseSensitive(f, "type");
	t = cJSON_IsString(v) ? lookup(type_names, 7, v->valuestring) : -1;
	if (t < 0)
		return err(errors, path,
		           "type must be string, integer, number, boolean, "
		           "datetime, object or array");
	d->type = (enum field_type)t;
	if (!opt_bool(f, "required", &d->required, false) ||
	    !opt_bool(f, "pii", &d->pii, false) ||
	    !opt_bool(f, "indexed", &d->indexed, false))
		errors =
		    err(errors, path, "required, pii and indexed are booleans");
	if (d->indexed && (d->type == FT_OBJECT || d->type == FT_ARRAY))
		errors =
		    err(errors, path, "objects and arrays cannot be indexed");
	v = cJSON_GetObjectItemCaseSensitive(f, "mask");
	d->mask = d->pii ? MASK_FULL : MASK_NONE;
	if (v != NULL) {
		int m = cJSON_IsString(v)
		            ? lookup(mask_names, 5, v->valuestring)
		            : -1;

		if (m < 0)
			errors = err(errors, path,
			             "mask must be email, phone, last4, full "
			             "or none");
		else
			d->mask = (enum field_mask)m;
	}
	if (d->pii && (d->type == FT_OBJECT || d->type == FT_ARRAY))
		errors = err(errors, path,
		             "personal data fields hold scalar values");
	v = cJSON_GetObjectItemCaseSensitive(f, "max_length");
	if (v != NULL) {
		if (d->type != FT_STRING || !cJSON_IsNumber(v) ||
		    v->valuedouble < 1 || v->valuedouble > MAX_LENGTH_LIMIT ||
		    v->valuedouble != floor(v->valuedouble))
			errors = err(errors, path,
			             "max_length is an integer from 1 to "
			             "1048576, for strings");
		else
			d->max_length = (long)v->valuedouble;
	}
	return errors;
}

cJSON *
collection_parse(const cJSON *def, struct collection *c)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(def, "fields");
	const cJSON *subject =
	    cJSON_GetObjectItemCaseSensitive(def, "subject_field");
	const cJSON *f;
	cJSON *errors = NULL;

	c->nfields = 0;
	c->subject = -1;
	if (!cJSON_IsObject(fields) || cJSON_GetArraySize(fields) < 1)
		return err(NULL, "fields",
		           "must be an object of field "
		           "definitions");
	if (cJSON_GetArraySize(fields) > COLLECTION_MAX_FIELDS)
		return err(NULL, "fields", "at most 100 fields");
	cJSON_ArrayForEach(f, fields)
	{
		if (collection_field(c, f->string) >= 0) {
			errors = err(errors, f->string, "is defined twice");
			continue;
		}
		errors = parse_field(f, &c->fields[c->nfields], errors);
		c->nfields++;
	}
	if (!opt_bool(def, "additional_fields", &c->additional, false))
		errors = err(errors, "additional_fields", "must be a boolean");
	if (subject != NULL && !cJSON_IsNull(subject)) {
		c->subject = cJSON_IsString(subject)
		                 ? collection_field(c, subject->valuestring)
		                 : -1;
		if (c->subject < 0 || c->fields[c->subject].type != FT_STRING)
			errors = err(errors, "subject_field",
			             "must name a string field");
	}
	return errors;
}

cJSON *
collection_definition(const struct collection *c)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *fields = cJSON_AddObjectToObject(o, "fields");

	for (int i = 0; i < c->nfields; i++) {
		const struct field_def *d = &c->fields[i];
		cJSON *f = cJSON_AddObjectToObject(fields, d->name);

		cJSON_AddStringToObject(f, "type", type_names[d->type]);
		cJSON_AddBoolToObject(f, "required", d->required);
		cJSON_AddBoolToObject(f, "indexed", d->indexed);
		cJSON_AddBoolToObject(f, "pii", d->pii);
		cJSON_AddStringToObject(f, "mask", mask_names[d->mask]);
		if (d->max_length > 0)
			cJSON_AddNumberToObject(f, "max_length",
			                        (double)d->max_length);
	}
	if (c->subject >= 0)
		cJSON_AddStringToObject(o, "subject_field",
		                        c->fields[c->subject].name);
	else
		cJSON_AddNullToObject(o, "subject_field");
	cJSON_AddBoolToObject(o, "additional_fields", c->additional);
	return o;
}

bool
collection_has_pii(const struct collection *c)
{
	for (int i = 0; i < c->nfields; i++)
		if (c->fields[i].pii)
			return true;
	return false;
}

int
collection_field(const struct collection *c, const char *name)
{
	for (int i = 0; i < c->nfields; i++)
		if (strcmp(c->fields[i].name, name) == 0)
			return i;
	return -1;
}

cJSON *
collection_pii_exposures(const struct collection *old,
                         const struct collection *c)
{
	cJSON *errors = NULL;

	for (int i = 0; i < old->nfields; i++) {
		const struct field_def *o = &old->fields[i];
		int j = collection_field(c, o->name);
		const char *why = NULL;

		if (!o->pii)
			continue;
		if (j < 0)
			why = "removing a personal-data field needs pii:read";
		else if (!c->fields[j].pii)
			why = "turning pii off needs pii:read";
		else if (c->fields[j].mask != o->mask)
			why = "changing the mask of a personal-data field "
			      "needs pii:read";
		if (why != NULL)
			errors = json_add_field_error(
			    errors, json_printf("fields.%s", o->name), why);
	}
	return errors;
}

static size_t
codepoints(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Why v is not a value of d's type, or NULL. */
static const char *
type_error(const struct field_def *d, const cJSON *v)
{
	int64_t ms;

	switch (d->type) {
	case FT_STRING:
		if (!cJSON_IsString(v))
			return "must be a string";
		if (d->max_length > 0 &&
		    codepoints(v->valuestring) > (size_t)d->max_length)
			return "is longer than max_length";
		return NULL;
	case FT_INTEGER:
		if (!cJSON_IsNumber(v) ||
		    v->valuedouble != floor(v->valuedouble))
			return "must be an integer";
		if (fabs(v->valuedouble) >= INTEGER_LIMIT)
			return "is out of the exact integer range (2^53)";
		return NULL;
	case FT_NUMBER:
		return cJSON_IsNumber(v) && isfinite(v->valuedouble)
		           ? NULL
		           : "must be a number";
	case FT_BOOLEAN:
		return cJSON_IsBool(v) ? NULL : "must be true or false";
	case FT_DATETIME:
		return cJSON_IsString(v) &&
		               timefmt_parse(v->valuestring, &ms) == 0
		           ? NULL
		           : "must be an RFC 3339 date-time";
	case FT_OBJECT:
		return cJSON_IsObject(v) ? NULL : "must be an object";
	case FT_ARRAY:
		return cJSON_IsArray(v) ? NULL : "must be an array";
	}
	return "has an unknown type";
}

cJSON *
collection_check(const struct collection *c, const cJSON *data)
{
	cJSON *errors = NULL;
	const cJSON *v;

	if (!cJSON_IsObject(data))
		return err(NULL, "data", "must be an object");
	for (int i = 0; i < c->nfields; i++) {
		const struct field_def *d = &c->fields[i];
		const char *why;

		v = cJSON_GetObjectItemCaseSensitive(data, d->name);
		if (v == NULL || cJSON_IsNull(v)) {
			if (d->required)
				errors = err(errors, d->name, "is required");
			continue;
		}
		why = type_error(d, v);
		if (why != NULL)
			errors = err(errors, d->name, why);
	}
	if (!c->additional) {
		cJSON_ArrayForEach(v, data)
		{
			if (collection_field(c, v->string) < 0)
				errors = err(errors, v->string,
				             "is not a field of this "
				             "collection");
		}
	}
	return errors;
}

/* The cache: parsed definitions by (tenant, name), replaced when a newer
 * version is seen.  Cleared when full or on notification. */
static struct collection *cache[CACHE_SIZE];

static unsigned
slot_of(const struct uuid *tenant, const char *name)
{
	return fnv_32_str(fnv_32(FNV_32_INIT, tenant->b, 16), name) %
	       CACHE_SIZE;
}

void
collections_clear(void)
{
	for (int i = 0; i < CACHE_SIZE; i++) {
		free(cache[i]);
		cache[i] = NULL;
	}
}

/* One tenant's definitions go: "collection:<tenant>" (a definition
 * changed) and "tenant:<tenant>" (the tenant changed, moved or was
 * purged).  "tenants" (all of them) clears the cache. */
void
collections_notify(const char *payload)
{
	struct uuid id;
	const char *tid = NULL;

	if (strncmp(payload, "collection:", 11) == 0)
		tid = payload + 11;
	else if (strncmp(payload, "tenant:", 7) == 0)
		tid = payload + 7;
	else if (strcmp(payload, "tenants") == 0)
		collections_clear();
	if (tid == NULL || uuid_parse(tid, &id) != 0)
		return;
	for (int i = 0; i < CACHE_SIZE; i++) {
		if (cache[i] != NULL && uuid_equal(&cache[i]->tenant, &id)) {
			free(cache[i]);
			cache[i] = NULL;
		}
	}
}

const struct collection *
collection_peek(const struct uuid *tenant, const char *name)
{
	struct collection *c = cache[slot_of(tenant, name)];

	if (c != NULL && uuid_equal(&c->tenant, tenant) &&
	    strcmp(c->name, name) == 0)
		return c;
	return NULL;
}

const struct collection *
collection_cached(const struct uuid *tenant, const char *name,
                  long long version, const char *definition)
{
	unsigned s = slot_of(tenant, name);
	struct collection *c = cache[s];
	uint64_t h = fnv_64_str(definition);
	const char *why;
	cJSON *def;

	if (c != NULL && uuid_equal(&c->tenant, tenant) &&
	    strcmp(c->name, name) == 0 && c->version == version &&
	    c->def_hash == h)
		return c;
	def = json_parse(definition, strlen(definition), JSON_MAX_DEPTH, &why);
	if (def == NULL)
		return NULL;
	if (c == NULL) {
		c = malloc(sizeof(*c));
		if (c == NULL)
			abort();
		cache[s] = c;
	}
	if (collection_parse(def, c) != NULL) {
		free(c);
		cache[s] = NULL;
		return NULL;
	}
	c->tenant = *tenant;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->version = version;
	c->confirmed_schema = 0;
	c->def_hash = h;
	return c;
}

void
collection_confirm(const struct uuid *tenant, const char *name,
                   long long version, long long schema_version)
{
	struct collection *c = cache[slot_of(tenant, name)];

	if (c != NULL && uuid_equal(&c->tenant, tenant) &&
	    strcmp(c->name, name) == 0 && c->version == version)
		c->confirmed_schema = schema_version;
}

int
collections_queue_get(struct db *db, const char *tid, const char *name,
                      bool for_share)
{
	const char *p[2] = {tid, name};

	return db_queue(db, for_share ? &st_get_share : &st_get, p);
}

int
collections_queue_current(struct db *db, const char *tid, const char *name,
                          const char *known)
{
	const char *p[3] = {tid, name, known};

	return db_queue(db, &st_current, p);
}

static void
decode_current(const PGresult *r, void *out, struct arena *a)
{
	struct collection_current *c = out;

	if (db_rows(r) != 1)
		return;
	c->found = true;
	c->version = db_int(r, 0, 0);
	c->definition = db_str(r, 0, 1, a);
	c->json = PQnfields(r) > 2 ? db_str(r, 0, 2, a) : NULL;
}

int
collections_current(struct db *db, const char *tid, const char *name,
                    const char *known, struct collection_current *out)
{
	const char *p[3] = {tid, name, known};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_current, p, decode_current, out);
}

int
collections_get(struct db *db, const char *tid, const char *name,
                struct collection_current *out)
{
	const char *p[2] = {tid, name};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get, p, decode_current, out);
}

int
collections_get_for_share(struct db *db, const char *tid, const char *name,
                          struct collection_current *out)
{
	const char *p[2] = {tid, name};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get_share, p, decode_current, out);
}

static void
decode_list(const PGresult *r, void *out, struct arena *a)
{
	struct collection_list *l = out;

	l->n = db_rows(r);
	l->json = arena_calloc(a, (size_t)l->n + 1, sizeof(*l->json));
	for (int i = 0; i < l->n; i++)
		l->json[i] = db_str(r, i, 1, a);
}

int
collections_list_all(struct db *db, const char *tid,
                     struct collection_list *out)
{
	const char *p[1] = {tid};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_list, p, decode_list, out);
}

int
collections_count(struct db *db, const char *tid, long long *out)
{
	const char *p[1] = {tid};

	*out = 0;
	return db_queue_into(db, &st_count, p, db_decode_int, out);
}

int
collections_record_count(struct db *db, const char *tid, const char *name,
                         long long *out)
{
	const char *p[2] = {tid, name};

	*out = 0;
	return db_queue_into(db, &st_records_in, p, db_decode_int, out);
}

int
collections_insert(struct db *db, const char *tid, const char *name,
                   const char *definition, const char *by, struct db_text *json)
{
	const char *p[4] = {tid, name, definition, by};

	memset(json, 0, sizeof(*json));
	versions_queue_bump_schema(db, tid);
	return db_queue_into(db, &st_insert, p, db_decode_text, json);
}

int
collections_update(struct db *db, const char *tid, const char *name,
                   const char *definition, const char *version, const char *by,
                   struct db_text *json)
{
	const char *p[4] = {tid, name, definition, version};
	const char *pv[4] = {tid, name, version, by};
	int h;

	memset(json, 0, sizeof(*json));
	versions_queue_bump_schema(db, tid);
	h = db_queue_into(db, &st_update, p, db_decode_text, json);
	if (h >= 0 && db_queue(db, &st_update_version, pv) < 0)
		return -1;
	return h;
}

int
collections_remove(struct db *db, const char *tid, const char *name,
                   struct db_text *deleted)
{
	const char *p[2] = {tid, name};

	memset(deleted, 0, sizeof(*deleted));
	versions_queue_bump_schema(db, tid);
	return db_queue_into(db, &st_delete, p, db_decode_text, deleted);
}

int
collections_queue_list(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_list, p);
}

int
collections_queue_count(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_count, p);
}

int
collections_queue_insert(struct db *db, const char *tid, const char *name,
                         const char *definition, const char *by)
{
	const char *p[4] = {tid, name, definition, by};

	return db_queue(db, &st_insert, p);
}

int
collections_queue_delete(struct db *db, const char *tid, const char *name)
{
	const char *p[2] = {tid, name};

	return db_queue(db, &st_delete, p);
}

int
collections_queue_reindex(struct db *db, const char *tid, const char *name,
                          const char *field, const char *type)
{
	const char *p[4] = {tid, name, field, type};

	return db_queue(db, &st_reindex, p);
}

int
collections_queue_notify(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	versions_queue_bump_schema(db, tid);
	return db_queue(db, &st_notify, p);
}
