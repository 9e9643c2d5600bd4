/*
 * token_cache.c - verified access tokens, per worker.
 */
#include "sec/token_cache.h"

#include <stdint.h>
#include <string.h>

#include "sec/crypto.h"
#include "sec/secmem.h"

struct entry {
	uint64_t used;         /* tick of the last hit or store; 0 = empty */
	unsigned char key[32]; /* SHA-256 of tenant, origin and token */
	struct uuid kid;
	struct token_claims claims;
};

#define SLOTS (TOKEN_CACHE_SETS * TOKEN_CACHE_WAYS)

static struct entry *table; /* SLOTS entries */
static uint64_t tick;
static bool unavailable;

/* The table, mapped on first use (untouched sets cost no memory) in
 * secret memory: out of core dumps, wiped when freed. */
static struct entry *
entries(void)
{
	if (table == NULL && !unavailable) {
		table = secmem_alloc(sizeof(struct entry) * SLOTS);
		unavailable = table == NULL;
	}
	return table;
}

/* The entry key of token for tid at origin, and its set: -1 when it
 * cannot be cached.  The key covers all three, so a token presented for
 * another tenant or origin is another key (a miss, then verified as any
 * token is); no token is kept, only its digest. */
static struct entry *
key_of(const char *token, const char *tid, const char *origin,
       unsigned char key[32])
{
	char in[UUID_STR_LEN + TOKEN_CACHE_ORIGIN_MAX + TOKEN_CACHE_TOKEN_MAX +
	        2];
	size_t lt = token != NULL ? strlen(token) : 0;
	size_t lo = origin != NULL ? strlen(origin) : 0;
	struct entry *t;
	uint64_t tag;
	int rc;

	if (lt == 0 || lt > TOKEN_CACHE_TOKEN_MAX || tid == NULL ||
	    strlen(tid) != UUID_STR_LEN || origin == NULL ||
	    lo > TOKEN_CACHE_ORIGIN_MAX || (t = entries()) == NULL)
		return NULL;
	/* tid has a fixed length and origin none of the separator, so the
	 * concatenation reads back one way only. */
	if (memchr(origin, '\n', lo) != NULL)
		return NULL;
	memcpy(in, tid, UUID_STR_LEN);
	memcpy(in + UUID_STR_LEN, origin, lo);
	in[UUID_STR_LEN + lo] = '\n';
	memcpy(in + UUID_STR_LEN + lo + 1, token, lt);
	rc = crypto_sha256(in, UUID_STR_LEN + lo + 1 + lt, key);
	crypto_wipe(in, UUID_STR_LEN + lo + 1 + lt);
	if (rc < 0)
		return NULL;
	memcpy(&tag, key, sizeof(tag));
	return t + (tag % TOKEN_CACHE_SETS) * TOKEN_CACHE_WAYS;
}

static void
forget(struct entry *e)
{
	crypto_wipe(e, sizeof(*e));
}

void
token_cache_store(const char *token, const char *tid, const char *origin,
                  const struct uuid *kid, const struct token_claims *c)
{
	unsigned char key[32];
	struct entry *set = key_of(token, tid, origin, key), *e;

	if (set == NULL)
		return;
	e = &set[0];
	for (int i = 0; i < TOKEN_CACHE_WAYS; i++) {
		struct entry *w = &set[i];

		if (w->used != 0 && crypto_equal(w->key, key, sizeof(key))) {
			e = w; /* the same token again: refreshed in place */
			break;
		}
		if (w->used < e->used)
			e = w; /* an empty way, else the least recently used */
	}
	forget(e);
	e->used = ++tick;
	memcpy(e->key, key, sizeof(key));
	e->kid = *kid;
	e->claims = *c;
	crypto_wipe(key, sizeof(key));
}

bool
token_cache_find(const char *token, const char *tid, const char *origin,
                 long now, struct uuid *kid, struct token_claims *c)
{
	unsigned char key[32];
	struct entry *set = key_of(token, tid, origin, key);
	bool hit = false;

	if (set == NULL)
		return false;
	for (int i = 0; i < TOKEN_CACHE_WAYS; i++) {
		struct entry *e = &set[i];

		if (e->used == 0 || !crypto_equal(e->key, key, sizeof(key)))
			continue;
		if (e->claims.exp + TOKEN_LEEWAY < now) {
			forget(e);
			break;
		}
		e->used = ++tick;
		*kid = e->kid;
		*c = e->claims;
		hit = true;
		break;
	}
	crypto_wipe(key, sizeof(key));
	return hit;
}

void
token_cache_clear(void)
{
	if (table != NULL)
		crypto_wipe(table, sizeof(struct entry) * SLOTS);
	tick = 0;
}
