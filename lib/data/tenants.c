/*
 * tenants.c - tenant lookup with a per-worker cache.
 */
#include "data/tenants.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/fnv.h"
#include "core/cacheset.h"
#include "core/json.h"
#include "core/metrics.h"
#include "data/db.h"
#include "data/directory.h"

/* 32,768 slots in sets of eight (core/cacheset.h): ten thousand tenants
 * and their custom domains stay cached, and past that the least recently
 * used entry of a set makes room. */
#define CACHE_SETS 4096
#define CACHE_SLOTS (CACHE_SETS * CACHESET_WAYS)
#define NEGATIVE_TTL_MS 5000

struct entry {
	bool negative;
	long long expires_ms; /* negative entries only */
	char slug[SLUG_MAX + 1];
	struct tenant t;
};

static struct entry *cache;
static struct cacheset slots = {.nsets = CACHE_SETS};

static struct db_stmt st_by_slug =
    DB_STMT("tenant_by_slug",
            "SELECT " TENANT_COLUMNS " FROM tenants WHERE slug = $1", 1);
/* The id is cast after the CASE, never inside it: Citus evaluates every
 * subexpression without a column before the query runs, the cast of a
 * slug too. */
static struct db_stmt st_get =
    DB_STMT("tenant_get",
            "SELECT " TENANT_COLUMNS " FROM tenants WHERE slug = $1 OR id = "
            "(CASE WHEN $1 ~ '^[0-9a-f-]{36}$' THEN $1 END)::uuid",
            1);
static struct db_stmt st_insert =
    DB_STMT("tenant_insert",
            "INSERT INTO tenants (id, slug, name, plan, region) VALUES ($1, "
            "$2, $3, $4, coalesce($5, 'local')) RETURNING " TENANT_COLUMNS,
            5);
static struct db_stmt st_update =
    DB_STMT("tenant_update",
            "WITH t AS (UPDATE tenants SET plan = coalesce($2, plan), name = "
            "coalesce($3, name), updated_at = now() WHERE id = $1::uuid AND "
            "status <> 'deleted' RETURNING " TENANT_COLUMNS ") "
            "SELECT t.*, pg_notify('strata_cache', 'tenant:' || t.id) FROM t",
            3);
static struct db_stmt st_status =
    DB_STMT("tenant_set_status",
            "WITH t AS (UPDATE tenants SET status = $2, updated_at = now() "
            "WHERE (slug = $1 OR id = (CASE WHEN $1 ~ '^[0-9a-f-]{36}$' "
            "THEN $1 END)::uuid) AND status <> 'deleted' "
            "RETURNING " TENANT_COLUMNS ") "
            "SELECT t.*, pg_notify('strata_cache', 'tenant:' || t.id) FROM t",
            2);
static struct db_stmt st_list = DB_STMT(
    "tenant_list", "SELECT " TENANT_COLUMNS " FROM tenants ORDER BY slug", 0);

static struct db_stmt st_page = DB_STMT(
    "tenant_page",
    "WITH page AS (SELECT * FROM tenants WHERE $1::text IS NULL OR slug > "
    "$1 ORDER BY slug LIMIT $2) SELECT p.slug, json_build_object('id', "
    "p.id, 'slug', p.slug, 'name', p.name, 'status', p.status, 'plan', "
    "p.plan, 'region', p.region, 'created_at', ts(p.created_at), "
    "'counts', json_build_object('users', coalesce(c.users, 0), "
    "'api_keys', coalesce(c.api_keys, 0))) FROM page p LEFT JOIN "
    "tenant_user_counts(ARRAY(SELECT id FROM page WHERE status <> "
    "'deleted')) c ON c.tenant_id = p.id ORDER BY p.slug",
    2);
static struct db_stmt st_usage = DB_STMT(
    "tenant_usage",
    "SELECT json_build_object('tenants', (SELECT coalesce(json_object_agg("
    "status, n), '{}') FROM (SELECT status, count(*) AS n FROM tenants "
    "GROUP BY status) s), 'users', (SELECT coalesce(sum(users), 0) FROM "
    "tenant_user_counts(ARRAY(SELECT id FROM tenants WHERE status <> "
    "'deleted'))), 'api_keys', (SELECT coalesce(sum(api_keys), 0) FROM "
    "tenant_user_counts(ARRAY(SELECT id FROM tenants WHERE status <> "
    "'deleted'))))",
    0);

static struct db_stmt st_by_domain = DB_STMT(
    "tenant_by_domain",
    "SELECT t.id, t.slug, t.name, t.status, t.config_version, "
    "ts(t.created_at), t.plan, t.region FROM domains d JOIN tenants t ON "
    "t.id = d.owner_tenant_id WHERE d.name = $1 AND d.verified_at IS NOT "
    "NULL",
    1);

/* tenant_purge() (023) clears every tenant table by name: the audit
 * links, events and mail outbox have no foreign key to cascade from. */
static struct db_stmt st_purge =
    DB_STMT("tenant_purge",
            "SELECT tenant_purge(id) FROM tenants WHERE id = $1 AND status = "
            "'deleted'",
            1);

void
tenants_cache_clear(void)
{
	if (slots.stamp != NULL)
		memset(slots.stamp, 0, CACHE_SLOTS * sizeof(*slots.stamp));
}

static void
ensure_cache(void)
{
	if (cache != NULL)
		return;
	cache = calloc(CACHE_SLOTS, sizeof(*cache));
	slots.stamp = calloc(CACHE_SLOTS, sizeof(*slots.stamp));
	if (cache == NULL || slots.stamp == NULL)
		abort();
}

static unsigned
set_of(const char *key)
{
	return cacheset_first(&slots, fnv_32_str(FNV_32_INIT, key));
}

/* The slot holding key, or -1. */
static int
lookup(const char *key)
{
	unsigned first = set_of(key);

	for (unsigned i = first; i < first + CACHESET_WAYS; i++)
		if (slots.stamp[i] != 0 && strcmp(cache[i].slug, key) == 0)
			return (int)i;
	return -1;
}

/* A known tenant is never pushed out to remember an unknown slug. */
static int
keep_known(unsigned slot, void *ctx)
{
	(void)ctx;
	return !cache[slot].negative;
}

static void
store(const char *key, const struct tenant *t)
{
	int i = lookup(key);

	if (i < 0)
		i = cacheset_victim(&slots, set_of(key),
		                    t == NULL ? keep_known : NULL, NULL);
	if (i < 0)
		return;
	snprintf(cache[i].slug, sizeof(cache[i].slug), "%s", key);
	cache[i].negative = t == NULL;
	cache[i].expires_ms = clock_mono_ms() + NEGATIVE_TTL_MS;
	if (t != NULL)
		cache[i].t = *t;
	cacheset_touch(&slots, (unsigned)i);
}

void
tenants_cache_put(const struct tenant *t)
{
	int i = cache != NULL ? lookup(t->slug) : -1;

	if (i >= 0 && !cache[i].negative && uuid_equal(&cache[i].t.id, &t->id))
		cache[i].t = *t;
}

void
tenants_cache_forget(const struct uuid *id)
{
	if (cache == NULL)
		return;
	/* Under its slug and under each custom domain. */
	for (unsigned i = 0; i < CACHE_SLOTS; i++)
		if (slots.stamp[i] != 0 && !cache[i].negative &&
		    uuid_equal(&cache[i].t.id, id))
			cacheset_drop(&slots, i);
}

void
tenants_notify(const char *payload)
{
	struct uuid id;

	if (strncmp(payload, "tenant:", 7) == 0 &&
	    uuid_parse(payload + 7, &id) == 0)
		tenants_cache_forget(&id);
	else if (strcmp(payload, "tenants") == 0)
		tenants_cache_clear();
}

void
tenants_from_row(struct tenant *t, const PGresult *r, int i)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->id_str, sizeof(t->id_str), "%s", db_value(r, i, 0));
	uuid_parse(t->id_str, &t->id);
	snprintf(t->slug, sizeof(t->slug), "%s", db_value(r, i, 1));
	snprintf(t->name, sizeof(t->name), "%s", db_value(r, i, 2));
	snprintf(t->status, sizeof(t->status), "%s", db_value(r, i, 3));
	t->config_version = strtoll(db_value(r, i, 4), NULL, 10);
	snprintf(t->created_at, sizeof(t->created_at), "%s", db_value(r, i, 5));
	snprintf(t->plan, sizeof(t->plan), "%s", db_value(r, i, 6));
	snprintf(t->region, sizeof(t->region), "%s",
	         PQnfields(r) > 7 ? db_value(r, i, 7) : "local");
}

cJSON *
tenants_json(const struct tenant *t)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", t->id_str);
	cJSON_AddStringToObject(o, "slug", t->slug);
	cJSON_AddStringToObject(o, "name", t->name);
	cJSON_AddStringToObject(o, "status", t->status);
	cJSON_AddStringToObject(o, "plan", t->plan);
	cJSON_AddStringToObject(o, "region", t->region);
	cJSON_AddStringToObject(o, "created_at", t->created_at);
	return o;
}

enum tenant_lookup
tenants_status_of(const char *status)
{
	if (strcmp(status, "active") == 0)
		return TENANT_FOUND;
	if (strcmp(status, "suspended") == 0)
		return TENANT_SUSPENDED;
	if (strcmp(status, "restoring") == 0)
		return TENANT_RESTORING;
	if (strcmp(status, "moving") == 0)
		return TENANT_MOVING;
	return TENANT_NOT_FOUND;
}

enum tenant_lookup
tenants_status(const struct tenant *t)
{
	if (strcmp(t->status, "active") != 0)
		tenants_cache_forget(&t->id); /* perhaps stale: ask again */
	return tenants_status_of(t->status);
}

/* The tenant under cache key key (a slug, or "@host"), asked with stmt
 * when this worker does not know it. */
static enum tenant_lookup
resolve(struct db *db, struct arena *a, const char *key, bool cacheable,
        struct db_stmt *stmt, const char *param, struct tenant **out)
{
	int i = cacheable ? (ensure_cache(), lookup(key)) : -1;
	struct entry *e = i >= 0 ? &cache[i] : NULL;
	const char *params[1] = {param};
	PGresult *r;
	int h;

	*out = NULL;
	if (e != NULL && (!e->negative || clock_mono_ms() < e->expires_ms)) {
		metrics_add(M_CACHE_HITS, 1);
		cacheset_touch(&slots, (unsigned)i);
		if (e->negative)
			return TENANT_NOT_FOUND;
		*out = arena_alloc(a, sizeof(struct tenant));
		**out = e->t;
		return tenants_status(*out);
	}
	metrics_add(M_CACHE_MISSES, 1);
	h = db_queue(db, stmt, params);
	if (h < 0 || db_sync(db) != DB_OK)
		return TENANT_UNAVAILABLE;
	r = db_result(db, h);
	if (db_rows(r) == 0) {
		if (cacheable)
			store(key, NULL);
		return TENANT_NOT_FOUND;
	}
	*out = arena_alloc(a, sizeof(struct tenant));
	tenants_from_row(*out, r, 0);
	if (cacheable)
		store(key, *out);
	return tenants_status(*out);
}

enum tenant_lookup
tenants_resolve(struct db *db, struct arena *a, const char *slug,
                struct tenant **out)
{
	return resolve(db, a, slug, true, &st_by_slug, slug, out);
}

/* Custom domains share the slug cache, under a key no slug can take. */
enum tenant_lookup
tenants_resolve_domain(struct db *db, struct arena *a, const char *host,
                       struct tenant **out)
{
	char key[HOST_MAX + 3];

	snprintf(key, sizeof(key), "@%s", host);
	/* Too long for a cache key: always asked (rare). */
	return resolve(db, a, key, strlen(key) <= SLUG_MAX, &st_by_domain, host,
	               out);
}

int
tenants_queue_insert(struct db *db, const char *id, const char *slug,
                     const char *name, const char *plan, const char *region)
{
	const char *params[5] = {id, slug, name, plan, region};
	int h = db_queue(db, &st_insert, params);

	/* The directory's row, in the same transaction (docs/regions.md). */
	if (h >= 0 && directory_queue_sync(db, id) < 0)
		return -1;
	return h;
}

int
tenants_queue_get(struct db *db, const char *slug_or_id)
{
	const char *params[1] = {slug_or_id};

	return db_queue(db, &st_get, params);
}

int
tenants_queue_set_status(struct db *db, const char *slug_or_id,
                         const char *status)
{
	const char *params[2] = {slug_or_id, status};
	int h = db_queue(db, &st_status, params);

	if (h >= 0 && directory_queue_sync_by(db, slug_or_id) < 0)
		return -1;
	return h;
}

int
tenants_queue_list(struct db *db)
{
	return db_queue(db, &st_list, NULL);
}

int
tenants_queue_page(struct db *db, const char *after, const char *limit)
{
	const char *params[2] = {after, limit};

	return db_queue(db, &st_page, params);
}

int
tenants_queue_usage(struct db *db)
{
	return db_queue(db, &st_usage, NULL);
}

int
tenants_purge(struct db *db, const struct uuid *tenant)
{
	char id[UUID_STR_LEN + 1];
	const char *params[1] = {id};

	uuid_format(tenant, id);
	db_begin(db, tenant);
	db_queue(db, &st_purge, params);
	db_commit(db);
	return db_sync(db) == 0 ? 0 : -1;
}

static void
decode_one(const PGresult *r, void *out, struct arena *a)
{
	struct tenant_one *o = out;

	(void)a;
	if (db_rows(r) != 1)
		return;
	o->found = true;
	tenants_from_row(&o->t, r, 0);
}

int
tenants_get(struct db *db, const char *slug_or_id, struct tenant_one *out)
{
	const char *params[1] = {slug_or_id};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get, params, decode_one, out);
}

int
tenants_set_status(struct db *db, const char *slug_or_id, const char *status,
                   struct tenant_one *out)
{
	const char *params[2] = {slug_or_id, status};
	int h;

	memset(out, 0, sizeof(*out));
	h = db_queue_into(db, &st_status, params, decode_one, out);
	if (h >= 0 && directory_queue_sync_by(db, slug_or_id) < 0)
		return -1;
	return h;
}

int
tenants_update(struct db *db, const char *id, const char *plan,
               const char *name, struct tenant_one *out)
{
	const char *params[3] = {id, plan, name};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_update, params, decode_one, out);
}

static void
decode_page(const PGresult *r, void *out, struct arena *a)
{
	struct tenant_page *p = out;
	int n = db_rows(r);

	if (n == 0)
		return;
	p->rows = arena_calloc(a, (size_t)n, sizeof(*p->rows));
	for (int i = 0; i < n; i++) {
		p->rows[i].slug = db_str(r, i, 0, a);
		p->rows[i].json = db_str(r, i, 1, a);
	}
	p->n = n;
}

/* tenant_user_counts() enters one tenant after another (SET LOCAL under
 * Citus): both statements run in a block of their own. */
int
tenants_page(struct db *db, const char *after, const char *limit,
             struct tenant_page *out)
{
	const char *params[2] = {after, limit};

	memset(out, 0, sizeof(*out));
	return db_queue_in_block(db, &st_page, params, decode_page, out);
}

static void
decode_usage(const PGresult *r, void *out, struct arena *a)
{
	const char **json = out;

	if (db_rows(r) == 1)
		*json = db_str(r, 0, 0, a);
}

int
tenants_usage(struct db *db, const char **json)
{
	*json = NULL;
	return db_queue_in_block(db, &st_usage, NULL, decode_usage, json);
}
