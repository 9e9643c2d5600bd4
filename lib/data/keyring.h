/*
 * keyring.h - each tenant's keys: token signing, data encryption, blind
 * index.  Stored wrapped in tenant_keys; unwrapped into a per-worker cache
 * that is wiped when an entry is evicted, when PostgreSQL notifies a change
 * ("keys:<tenant>") and after a reconnect.
 *
 * Rotation adds a key per purpose and retires the previous ones: retired
 * keys still verify tokens and decrypt data, only current keys sign and
 * encrypt.  Destruction (tenant deletion, crypto-shredding) empties the
 * wrapped bytes; nothing can unwrap them again.
 */
#ifndef STRATA_DATA_KEYRING_H
#define STRATA_DATA_KEYRING_H

#include <stdbool.h>

#include "core/uuid.h"
#include "sec/crypto.h"

#define KEYRING_MAX 32

struct tenant;
struct db;

enum key_purpose { KEY_SIGNING, KEY_DATA, KEY_INDEX };

struct keyring_key {
	struct uuid id;
	enum key_purpose purpose;
	bool current;
	unsigned char key[CRYPTO_KEY_LEN];
};

struct keyring {
	struct uuid tenant;
	long long loaded_ms;
	long long version; /* the tenant's keyring_version it matches; 0 = not
	                    * yet seen */
	bool stale;        /* reload on the next keyring_for */
	int n;
	struct keyring_key keys[KEYRING_MAX];
};

/* Tenant t's keyring, from the cache or loaded (inside the caller's open
 * transaction when in_tx, else in one of its own: one round trip).  NULL
 * when the database is unavailable or a key does not unwrap (logged); the
 * caller answers 503 or 500. */
const struct keyring *keyring_for(struct db *db, const struct tenant *t,
                                  bool in_tx);

/* Loads the tenant's keys again (a token names a key id we do not know:
 * perhaps just rotated).  At most once a second per tenant, so tokens with
 * random key ids cannot turn every request into a round trip. */
const struct keyring *keyring_reload_for(struct db *db, const struct tenant *t,
                                         bool in_tx);

/* The tenant's keyring_version from this request's version row: a cached
 * keyring of another version is reloaded on its next use. */
void keyring_check_version(const struct uuid *tenant, long long version);

/* The key of purpose with id, or the current one when id is NULL. */
const struct keyring_key *keyring_find(const struct keyring *k,
                                       enum key_purpose purpose,
                                       const struct uuid *id);

/* Queues, in the caller's transaction of tenant, the creation of one new
 * current key per purpose, retiring the previous ones and notifying the
 * workers.  Returns the handle of the last statement or -1. */
int keyring_queue_rotate(struct db *db, const struct uuid *tenant,
                         struct uuid ids[3]);

/* Queues the destruction of every key of tenant (crypto-shredding). */
int keyring_queue_destroy(struct db *db, const struct uuid *tenant);

void keyring_notify(const char *payload);
void keyring_clear(void);

const char *keyring_purpose_name(enum key_purpose p);

#endif
