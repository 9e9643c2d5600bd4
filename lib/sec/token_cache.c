/*
 * token_cache.c - verified access tokens, per worker.
 */
#include "sec/token_cache.h"

#include <stdint.h>
#include <string.h>

#include "core/fnv.h"
#include "sec/crypto.h"
#include "sec/secmem.h"

struct entry {
	uint64_t tag;  /* FNV-1a of the token: picks the set, skips most */
	uint64_t used; /* tick of the last hit or store; 0 = empty */
	uint16_t len;
	char token[TOKEN_CACHE_TOKEN_MAX];
	char tid[UUID_STR_LEN + 1];
	char origin[TOKEN_CACHE_ORIGIN_MAX + 1];
	struct uuid kid;
	struct token_claims claims;
};

static struct entry *table; /* TOKEN_CACHE_SETS * TOKEN_CACHE_WAYS */
static uint64_t tick;
static bool unavailable;

/* The table, mapped on first use (untouched sets cost no memory) in
 * secret memory: out of core dumps, wiped when freed. */
static struct entry *
entries(void)
{
	if (table == NULL && !unavailable) {
		table = secmem_alloc(sizeof(struct entry) * TOKEN_CACHE_SETS *
		                     TOKEN_CACHE_WAYS);
		unavailable = table == NULL;
	}
	return table;
}

static struct entry *
set_of(uint64_t tag)
{
	struct entry *t = entries();

	return t == NULL ? NULL
	                 : t + (tag % TOKEN_CACHE_SETS) * TOKEN_CACHE_WAYS;
}

static bool
cacheable(size_t len, const char *tid, const char *origin)
{
	return len > 0 && len <= TOKEN_CACHE_TOKEN_MAX && tid != NULL &&
	       strlen(tid) == UUID_STR_LEN && origin != NULL &&
	       strlen(origin) <= TOKEN_CACHE_ORIGIN_MAX;
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
	size_t len = token != NULL ? strlen(token) : 0;
	uint64_t tag;
	struct entry *set, *e;

	if (!cacheable(len, tid, origin))
		return;
	tag = fnv_64_str(token);
	if ((set = set_of(tag)) == NULL)
		return;
	e = &set[0];
	for (int i = 0; i < TOKEN_CACHE_WAYS; i++) {
		struct entry *w = &set[i];

		if (w->used != 0 && w->tag == tag && w->len == len &&
		    crypto_equal(w->token, token, len)) {
			e = w; /* the same token again: refreshed in place */
			break;
		}
		if (w->used < e->used)
			e = w; /* an empty way, else the least recently used */
	}
	forget(e);
	e->tag = tag;
	e->used = ++tick;
	e->len = (uint16_t)len;
	memcpy(e->token, token, len);
	memcpy(e->tid, tid, UUID_STR_LEN + 1);
	memcpy(e->origin, origin, strlen(origin) + 1);
	e->kid = *kid;
	e->claims = *c;
}

bool
token_cache_find(const char *token, const char *tid, const char *origin,
                 long now, struct uuid *kid, struct token_claims *c)
{
	size_t len = token != NULL ? strlen(token) : 0;
	uint64_t tag;
	struct entry *set;

	if (!cacheable(len, tid, origin))
		return false;
	tag = fnv_64_str(token);
	if ((set = set_of(tag)) == NULL)
		return false;
	for (int i = 0; i < TOKEN_CACHE_WAYS; i++) {
		struct entry *e = &set[i];

		if (e->used == 0 || e->tag != tag || e->len != len ||
		    !crypto_equal(e->token, token, len))
			continue;
		if (e->claims.exp + TOKEN_LEEWAY < now) {
			forget(e);
			return false;
		}
		if (strcmp(e->tid, tid) != 0 || strcmp(e->origin, origin) != 0)
			return false;
		e->used = ++tick;
		*kid = e->kid;
		*c = e->claims;
		return true;
	}
	return false;
}

void
token_cache_clear(void)
{
	if (table != NULL)
		crypto_wipe(table, sizeof(struct entry) * TOKEN_CACHE_SETS *
		                       TOKEN_CACHE_WAYS);
	tick = 0;
}
