/*
 * keyring.c - tenant keys and their per-worker cache.
 */
#include "data/keyring.h"
#include "data/versions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cacheset.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/fnv.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/request.h"
#include "data/db.h"
#include "sec/masterkey.h"
#include "sec/secmem.h"

/* 32,768 keyrings in sets of eight (core/cacheset.h); past that the least
 * recently used of a set makes room. */
#define CACHE_SETS 4096
#define CACHE_SLOTS (CACHE_SETS * CACHESET_WAYS)

static struct keyring *cache; /* slot used when n > 0 */
static struct cacheset slots = {.nsets = CACHE_SETS};

/* Key arrays of keyrings replaced or cleared, freed by keyring_collect(). */
struct grave {
	struct keyring_key *keys;
	int n;
};
static struct grave *graves;
static int ngraves, graves_cap;

static struct db_stmt st_load = DB_STMT(
    "keyring_load",
    "SELECT k.id, k.purpose, k.wrapped, k.retired_at IS NULL, "
    "coalesce(extract(epoch FROM k.expires_at)::bigint, 0), "
    "coalesce((SELECT v.keyring_version FROM tenant_versions v WHERE "
    "v.tenant_id = $1), 0) FROM tenant_keys k WHERE k.tenant_id = $1 AND "
    "k.destroyed_at IS NULL AND k.wrapped IS NOT NULL AND (k.expires_at IS "
    "NULL OR k.expires_at > now()) ORDER BY k.id",
    1);
/* now() stays out of CASE and coalesce(): Citus refuses a volatile
 * function there in an UPDATE (docs/scale-out.md).
 * The retired signing key verifies until the longest access token it can
 * have signed expires: the longest lifetime of any settings version in
 * force in the last day (the lifetime's maximum), $2 where none is set. */
static struct db_stmt st_retire = DB_STMT(
    "keyring_retire",
    "UPDATE tenant_keys SET retired_at = now(), expires_at = now() + CASE "
    "WHEN purpose = 'signing' THEN make_interval(secs => 60 + "
    "greatest($2::int, coalesce((SELECT max(coalesce((v.settings #>> "
    "'{auth,access_token_ttl}')::numeric, $2::int)) FROM (SELECT settings, "
    "lead(created_at) OVER (ORDER BY version) AS until FROM config_versions "
    "WHERE tenant_id = $1) v WHERE v.until IS NULL OR v.until > now() - "
    "interval '1 day'), 0))::int) END WHERE tenant_id = $1 AND retired_at "
    "IS NULL",
    2);
static struct db_stmt st_insert =
    DB_STMT("keyring_insert",
            "INSERT INTO tenant_keys (tenant_id, id, purpose, wrapped) VALUES "
            "($1, $2, $3, $4)",
            4);
static struct db_stmt st_notify = DB_STMT(
    "keyring_notify", "SELECT pg_notify('strata_cache', 'keys:' || $1)", 1);
static struct db_stmt st_destroy =
    DB_STMT("keyring_destroy",
            "UPDATE tenant_keys SET wrapped = NULL, destroyed_at = now(), "
            "retired_at = least(retired_at, now()) WHERE tenant_id = $1 AND "
            "destroyed_at IS NULL",
            1);
/* Subjects' keys are wrapped by the tenant's data keys; they go too. */
static struct db_stmt st_destroy_subjects =
    DB_STMT("keyring_destroy_subjects",
            "DELETE FROM subject_keys WHERE tenant_id = $1", 1);

static const char *const purpose_names[] = {"signing", "data", "index"};

const char *
keyring_purpose_name(enum key_purpose p)
{
	return purpose_names[p];
}

/* Puts k's keys in the graveyard and empties k. */
static void
bury(struct keyring *k)
{
	if (k->keys != NULL) {
		if (ngraves == graves_cap) {
			int cap = graves_cap ? graves_cap * 2 : 16;
			struct grave *g =
			    realloc(graves, (size_t)cap * sizeof(*graves));

			if (g == NULL)
				abort();
			graves = g;
			graves_cap = cap;
		}
		graves[ngraves].keys = k->keys;
		graves[ngraves++].n = k->n;
	}
	memset(k, 0, sizeof(*k));
}

void
keyring_collect(void)
{
	for (int i = 0; i < ngraves; i++) {
		secmem_free(graves[i].keys,
		            (size_t)graves[i].n * sizeof(*graves[i].keys));
	}
	ngraves = 0;
}

void
keyring_clear(void)
{
	if (cache == NULL)
		return;
	for (unsigned i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].n > 0)
			bury(&cache[i]);
	memset(slots.stamp, 0, CACHE_SLOTS * sizeof(*slots.stamp));
}

static unsigned
set_of(const struct uuid *tenant)
{
	return cacheset_first(&slots, fnv_32(FNV_32_INIT, tenant->b, 16));
}

/* The tenant's cached keyring, or NULL. */
static struct keyring *
slot(const struct uuid *tenant)
{
	unsigned first;

	if (cache == NULL) {
		/* Unwrapped keys: dontdump, wiped (sec/secmem.h). */
		cache = secmem_alloc(CACHE_SLOTS * sizeof(*cache));
		slots.stamp = calloc(CACHE_SLOTS, sizeof(*slots.stamp));
		if (cache == NULL || slots.stamp == NULL)
			abort();
	}
	first = set_of(tenant);
	for (unsigned i = first; i < first + CACHESET_WAYS; i++)
		if (cache[i].n > 0 && uuid_equal(&cache[i].tenant, tenant))
			return &cache[i];
	return NULL;
}

/* The slot for the tenant's new keyring: its old one, a free one or the
 * least recently used of its set (emptied). */
static struct keyring *
slot_for_insert(const struct uuid *tenant)
{
	struct keyring *k = slot(tenant);
	int v;

	if (k == NULL) {
		/* Without a keep rule some slot of the set is always offered.
		 */
		if (cache == NULL ||
		    (v = cacheset_victim(&slots, set_of(tenant), NULL, NULL)) <
		        0)
			abort();
		k = &cache[v];
	}
	if (k->n > 0)
		bury(k);
	return k;
}

void
keyring_forget(const struct uuid *tenant)
{
	struct keyring *k = slot(tenant);

	if (k != NULL) {
		bury(k);
		cacheset_drop(&slots, (unsigned)(k - cache));
	}
}

void
keyring_notify(const char *payload)
{
	struct uuid t;
	struct keyring *k;

	/* One tenant's rotation marks only its keyring stale. */
	if (strncmp(payload, "keys:", 5) == 0 &&
	    uuid_parse(payload + 5, &t) == 0) {
		if ((k = slot(&t)) != NULL)
			k->stale = true;
	}
}

void
keyring_check_version(const struct uuid *tenant, long long version)
{
	struct keyring *k = cache != NULL ? slot(tenant) : NULL;

	if (k != NULL && k->version != version)
		k->stale = true;
}

static int
purpose_of(const char *s, enum key_purpose *p)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, purpose_names[i]) == 0) {
			*p = (enum key_purpose)i;
			return 0;
		}
	return -1;
}

static int
by_id(const void *a, const void *b)
{
	return memcmp(((const struct keyring_key *)a)->id.b,
	              ((const struct keyring_key *)b)->id.b, 16);
}

/* Row i of r into key; -1 when it does not unwrap (a wrong master key, or
 * tampering with tenant_keys). */
static int
fill_one(const struct uuid *tenant, const PGresult *r, int i,
         struct keyring_key *key)
{
	size_t len = 0;
	unsigned char *wrapped;
	int rc;

	if (uuid_parse(db_value(r, i, 0), &key->id) < 0 ||
	    purpose_of(db_value(r, i, 1), &key->purpose) < 0)
		return -1;
	wrapped =
	    PQunescapeBytea((const unsigned char *)db_value(r, i, 2), &len);
	if (wrapped == NULL)
		return -1;
	rc = masterkey_unwrap(tenant, purpose_names[key->purpose], &key->id,
	                      wrapped, len, key->key);
	PQfreemem(wrapped);
	key->current = db_value(r, i, 3)[0] == 't';
	key->expires_s = strtoll(db_value(r, i, 4), NULL, 10);
	return rc;
}

/* Unwraps every row of r into k (its keys on the heap, sorted by id); -1
 * when one fails or there are more than KEYRING_MAX. */
static int
fill(struct keyring *k, const struct uuid *tenant, const PGresult *r)
{
	int rows = PQntuples(r);

	k->tenant = *tenant;
	k->n = 0;
	for (int p = 0; p < 3; p++)
		k->current[p] = -1;
	if (rows == 0)
		return 0;
	if (rows > KEYRING_MAX)
		return -1;
	k->version = strtoll(db_value(r, 0, 5), NULL, 10);
	/* Unwrapped keys: dontdump, wiped when freed (sec/secmem.h). */
	k->keys = secmem_alloc((size_t)rows * sizeof(*k->keys));
	if (k->keys == NULL)
		abort();
	for (int i = 0; i < rows; i++) {
		if (fill_one(tenant, r, i, &k->keys[i]) < 0) {
			k->n = rows;
			return -1;
		}
	}
	k->n = rows;
	qsort(k->keys, (size_t)rows, sizeof(*k->keys), by_id);
	for (int i = 0; i < rows; i++)
		if (k->keys[i].current)
			k->current[k->keys[i].purpose] = i;
	return 0;
}

/* Frees tmp's keys at once: nothing outside load() has seen them. */
static void
discard(struct keyring *tmp)
{
	if (tmp->keys != NULL) {
		secmem_free(tmp->keys, (size_t)tmp->n * sizeof(*tmp->keys));
	}
	memset(tmp, 0, sizeof(*tmp));
}

static const struct keyring *
load(struct db *db, const struct tenant *t, bool in_tx)
{
	const struct uuid *tenant = &t->id;
	const char *params[1] = {t->id_str};
	struct keyring tmp, *k;
	int h, rows;

	metrics_add(M_CACHE_MISSES, 1);
	memset(&tmp, 0, sizeof(tmp));
	/* Inside the request's open transaction, or in one of its own. */
	if (!in_tx)
		db_begin(db, tenant);
	h = db_queue(db, &st_load, params);
	if (!in_tx)
		db_commit(db);
	if (h < 0 || db_sync(db) != 0)
		return NULL;
	rows = PQntuples(db_result(db, h));
	if (fill(&tmp, tenant, db_result(db, h)) < 0) {
		discard(&tmp);
		if (rows > KEYRING_MAX)
			log_error("tenant %s: %d live keys, more than %d",
			          t->id_str, rows, KEYRING_MAX);
		else
			log_error("tenant %s: a key does not unwrap with this "
			          "master key",
			          t->id_str);
		return NULL;
	}
	/* n == 0 marks a free slot: a tenant without keys is not cached. */
	if (tmp.n == 0)
		return NULL;
	k = slot_for_insert(tenant);
	tmp.loaded_ms = clock_mono_ms();
	*k = tmp;
	cacheset_touch(&slots, (unsigned)(k - cache));
	return k;
}

const struct keyring *
keyring_for(struct db *db, const struct tenant *t, bool in_tx)
{
	struct keyring *k = slot(&t->id);

	if (k != NULL && !k->stale) {
		metrics_add(M_CACHE_HITS, 1);
		cacheset_touch(&slots, (unsigned)(k - cache));
		return k;
	}
	return load(db, t, in_tx);
}

const struct keyring *
keyring_reload_for(struct db *db, const struct tenant *t, bool in_tx)
{
	struct keyring *k = slot(&t->id);

	if (k != NULL && clock_mono_ms() - k->loaded_ms < 1000)
		return k;
	return load(db, t, in_tx);
}

/* The key, unless it has expired since the keyring was loaded. */
static const struct keyring_key *
live(const struct keyring_key *key)
{
	if (key == NULL ||
	    (key->expires_s > 0 && (long long)clock_real_s() >= key->expires_s))
		return NULL;
	return key;
}

const struct keyring_key *
keyring_find(const struct keyring *k, enum key_purpose purpose,
             const struct uuid *id)
{
	struct keyring_key probe;
	const struct keyring_key *key;

	if (k == NULL || k->n == 0)
		return NULL;
	if (id == NULL)
		return k->current[purpose] >= 0
		           ? live(&k->keys[k->current[purpose]])
		           : NULL;
	probe.id = *id;
	key = bsearch(&probe, k->keys, (size_t)k->n, sizeof(*k->keys), by_id);
	return key != NULL && key->purpose == purpose ? live(key) : NULL;
}

int
keyring_queue_changed(struct db *db, const char *tenant_id)
{
	const char *p1[1] = {tenant_id};

	versions_queue_bump_keyring(db, tenant_id);
	return db_queue(db, &st_notify, p1);
}

int
keyring_queue_rotate(struct db *db, const struct uuid *tenant,
                     struct uuid ids[3])
{
	char tid[UUID_STR_LEN + 1], ttl[16];
	const char *p2[2] = {tid, ttl};
	int h = -1;

	uuid_format(tenant, tid);
	snprintf(ttl, sizeof(ttl), "%d", cfg.access_ttl);
	db_queue(db, &st_retire, p2);
	for (int i = 0; i < 3; i++) {
		unsigned char key[CRYPTO_KEY_LEN];
		unsigned char wrapped[MASTERKEY_WRAPPED_LEN];
		char kid[UUID_STR_LEN + 1], hex[2 * MASTERKEY_WRAPPED_LEN + 3];
		const char *p4[4] = {tid, kid, purpose_names[i], hex};

		if (uuid_v7(&ids[i]) < 0 || crypto_random(key, sizeof(key)) ||
		    masterkey_wrap(tenant, purpose_names[i], &ids[i], key,
		                   wrapped) < 0) {
			crypto_wipe(key, sizeof(key));
			return -1;
		}
		crypto_wipe(key, sizeof(key));
		uuid_format(&ids[i], kid);
		hex[0] = '\\';
		hex[1] = 'x';
		hex_encode(wrapped, sizeof(wrapped), hex + 2);
		h = db_queue(db, &st_insert, p4);
	}
	keyring_queue_changed(db, tid);
	return h;
}

int
keyring_queue_destroy(struct db *db, const struct uuid *tenant)
{
	char tid[UUID_STR_LEN + 1];
	const char *p1[1] = {tid};

	uuid_format(tenant, tid);
	db_queue(db, &st_destroy, p1);
	db_queue(db, &st_destroy_subjects, p1);
	versions_queue_bump_keyring(db, tid);
	return db_queue(db, &st_notify, p1);
}
