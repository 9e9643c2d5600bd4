/*
 * keyring.c - tenant keys and their per-worker cache.
 */
#include "data/keyring.h"
#include "data/versions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/fnv.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/request.h"
#include "data/db.h"
#include "sec/masterkey.h"
#include "sec/secmem.h"

#define CACHE_SIZE 4096 /* power of two */
#define CACHE_FILL 700

static struct keyring *cache; /* slot used when n > 0 */
static int cache_count;

static struct db_stmt st_load =
    DB_STMT("keyring_load",
            "SELECT id, purpose, wrapped, retired_at IS NULL FROM tenant_keys "
            "WHERE tenant_id = $1 AND destroyed_at IS NULL "
            "ORDER BY created_at DESC LIMIT 32",
            1);
static struct db_stmt st_retire = DB_STMT(
    "keyring_retire",
    "UPDATE tenant_keys SET retired_at = now() WHERE tenant_id = $1 AND "
    "retired_at IS NULL",
    1);
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
            "retired_at = coalesce(retired_at, now()) WHERE tenant_id = $1 AND "
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

void
keyring_clear(void)
{
	if (cache != NULL)
		crypto_wipe(cache, CACHE_SIZE * sizeof(*cache));
	cache_count = 0;
}

static struct keyring *
slot(const struct uuid *tenant, bool for_insert)
{
	unsigned i = fnv_32(FNV_32_INIT, tenant->b, 16) & (CACHE_SIZE - 1);

	if (cache == NULL) {
		/* Unwrapped keys: dontdump, wiped (sec/secmem.h). */
		cache = secmem_alloc(CACHE_SIZE * sizeof(*cache));
		if (cache == NULL)
			abort();
	}
	for (int n = 0; n < CACHE_SIZE; n++, i = (i + 1) & (CACHE_SIZE - 1)) {
		if (cache[i].n == 0)
			return for_insert ? &cache[i] : NULL;
		if (uuid_equal(&cache[i].tenant, tenant))
			return &cache[i];
	}
	return NULL;
}

void
keyring_notify(const char *payload)
{
	/* Linear probing without tombstones: drop everything rather than
	 * one entry.  Key changes are rare. */
	struct uuid t;
	struct keyring *k;

	/* One tenant's rotation marks only its keyring stale. */
	if (strncmp(payload, "keys:", 5) == 0 &&
	    uuid_parse(payload + 5, &t) == 0) {
		if ((k = slot(&t, false)) != NULL)
			k->stale = true;
	}
}

void
keyring_check_version(const struct uuid *tenant, long long version)
{
	struct keyring *k = cache != NULL ? slot(tenant, false) : NULL;

	if (k == NULL)
		return;
	if (k->version == 0)
		k->version = version;
	else if (k->version != version)
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

/* Unwraps every row of r into k; -1 when one fails (a wrong master key,
 * or tampering with tenant_keys). */
static int
fill(struct keyring *k, const struct uuid *tenant, const PGresult *r)
{
	k->tenant = *tenant;
	k->n = 0;
	for (int i = 0; i < PQntuples(r) && k->n < KEYRING_MAX; i++) {
		struct keyring_key *key = &k->keys[k->n];
		size_t len = 0;
		unsigned char *wrapped;
		int rc;

		if (uuid_parse(db_value(r, i, 0), &key->id) < 0 ||
		    purpose_of(db_value(r, i, 1), &key->purpose) < 0)
			return -1;
		wrapped = PQunescapeBytea(
		    (const unsigned char *)db_value(r, i, 2), &len);
		if (wrapped == NULL)
			return -1;
		rc = masterkey_unwrap(tenant, purpose_names[key->purpose],
		                      &key->id, wrapped, len, key->key);
		PQfreemem(wrapped);
		if (rc < 0)
			return -1;
		key->current = db_value(r, i, 3)[0] == 't';
		k->n++;
	}
	return 0;
}

static const struct keyring *
load(struct db *db, const struct tenant *t, bool in_tx)
{
	const struct uuid *tenant = &t->id;
	const char *params[1] = {t->id_str};
	struct keyring tmp, *k;
	int h;

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
	if (fill(&tmp, tenant, db_result(db, h)) < 0) {
		crypto_wipe(&tmp, sizeof(tmp));
		log_error("tenant %s: a key does not unwrap with this master "
		          "key",
		          t->id_str);
		return NULL;
	}
	/* n == 0 marks a free slot: a tenant without keys is not cached. */
	if (tmp.n == 0)
		return NULL;
	if (cache_count >= CACHE_FILL && slot(tenant, false) == NULL)
		keyring_clear();
	k = slot(tenant, true);
	if (k == NULL) {
		crypto_wipe(&tmp, sizeof(tmp));
		return NULL;
	}
	if (k->n == 0)
		cache_count++;
	tmp.loaded_ms = clock_mono_ms();
	*k = tmp;
	crypto_wipe(&tmp, sizeof(tmp));
	return k;
}

const struct keyring *
keyring_for(struct db *db, const struct tenant *t, bool in_tx)
{
	struct keyring *k = slot(&t->id, false);

	if (k != NULL && !k->stale) {
		metrics_add(M_CACHE_HITS, 1);
		return k;
	}
	return load(db, t, in_tx);
}

const struct keyring *
keyring_reload_for(struct db *db, const struct tenant *t, bool in_tx)
{
	struct keyring *k = slot(&t->id, false);

	if (k != NULL && clock_mono_ms() - k->loaded_ms < 1000)
		return k;
	return load(db, t, in_tx);
}

const struct keyring_key *
keyring_find(const struct keyring *k, enum key_purpose purpose,
             const struct uuid *id)
{
	if (k == NULL)
		return NULL;
	for (int i = 0; i < k->n; i++) {
		const struct keyring_key *key = &k->keys[i];

		if (key->purpose != purpose)
			continue;
		if (id == NULL ? key->current : uuid_equal(&key->id, id))
			return key;
	}
	return NULL;
}

int
keyring_queue_rotate(struct db *db, const struct uuid *tenant,
                     struct uuid ids[3])
{
	char tid[UUID_STR_LEN + 1];
	const char *p1[1] = {tid};
	int h = -1;

	uuid_format(tenant, tid);
	db_queue(db, &st_retire, p1);
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
	versions_queue_bump_keyring(db, tid);
	db_queue(db, &st_notify, p1);
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
