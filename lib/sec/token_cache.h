/*
 * token_cache.h - access tokens this worker has verified, so that a warm
 * request does not decode, parse and HMAC its token again.
 *
 * An entry holds the SHA-256 of the tenant, the origin the token was
 * verified for and the token's bytes (compared in constant time), the kid
 * of its signing key and its claims; not the token itself, so the table
 * holds no bearer credential, and an entry takes 224 bytes instead of the
 * 1,520 it took with the token in it: a worker keeps 32,768 in sets of
 * eight (7 MiB), enough for 10,000 tenants' tokens without two of them
 * meeting in a full set.  A lookup
 * hits only for the same bytes, tenant and origin, and only while the
 * token has not expired (with TOKEN_LEEWAY); the caller must still find
 * the kid in the tenant's current keyring, so a destroyed or retired
 * signing key ends its tokens here as it does in token_verify().
 * Revocation (sessions, users, roles) is the principal's business and is
 * checked on every request as before.
 *
 * The table is set-associative, least recently used out, fixed in size
 * and kept out of core dumps (the claims are the sessions').  Tokens longer
 * than TOKEN_CACHE_TOKEN_MAX or origins longer than
 * TOKEN_CACHE_ORIGIN_MAX are not cached (they are verified every time).
 */
#ifndef STRATA_SEC_TOKEN_CACHE_H
#define STRATA_SEC_TOKEN_CACHE_H

#include <stdbool.h>

#include "core/uuid.h"
#include "sec/token.h"

#define TOKEN_CACHE_SETS 4096 /* x 8 ways: 32,768 tokens in 7 MiB */
#define TOKEN_CACHE_WAYS 8
#define TOKEN_CACHE_TOKEN_MAX 1024
#define TOKEN_CACHE_ORIGIN_MAX 256

/* A token verified for tenant tid (UUID text) at origin, signed by kid:
 * remembered.  Does nothing when it cannot be cached. */
void token_cache_store(const char *token, const char *tid, const char *origin,
                       const struct uuid *kid, const struct token_claims *c);

/* The claims and kid of a token stored for this tenant and origin that
 * has not expired at now: true and *c, *kid filled; false otherwise. */
bool token_cache_find(const char *token, const char *tid, const char *origin,
                      long now, struct uuid *kid, struct token_claims *c);

/* Forgets every entry (tests; a worker never needs it). */
void token_cache_clear(void);

#endif
