/*
 * token.h - access tokens: JWTs (libjwt) signed HS256 with a per-tenant
 * key named by the header's kid.
 *
 * Claims: iss = aud = the tenant's origin (https://{slug}.{base}[:port]),
 * sub = user id, tid = tenant id, sid = session (refresh family) id, iat,
 * nbf, exp, jti.  Platform operators' tokens carry scope "platform", no
 * tid, and the apex origin as audience, and are signed with the platform
 * key: no tenant host accepts them and the apex accepts no tenant token.
 *
 * Verification accepts HS256 only (never "none", never an asymmetric alg
 * with the HMAC key as a public key), only a kid the caller resolves to a
 * key of the resolved tenant, exp/nbf/iat with TOKEN_LEEWAY seconds of
 * leeway, and iss/aud/tid equal to the expected values.
 *
 * An operator's support session (impersonation) is a tenant token with a
 * session id and an "act" claim (RFC 8693, the actor): {"sub": <operator
 * id>} and nothing else.  Verification refuses an act claim of any other
 * shape (a string, a nested act, a sub that is no uuid) and an act without
 * a sid; a token without act is an ordinary token (c->act empty).
 */
#ifndef STRATA_SEC_TOKEN_H
#define STRATA_SEC_TOKEN_H

#include <stdbool.h>

#include "core/uuid.h"
#include "sec/crypto.h"

#define TOKEN_MAX 2048
#define TOKEN_LEEWAY 30

struct arena;

struct token_claims {
	char sub[UUID_STR_LEN + 1];
	char sid[UUID_STR_LEN + 1];
	char jti[UUID_STR_LEN + 1];
	char act[UUID_STR_LEN + 1]; /* the actor's (operator's) id, or "" */
	long iat, exp;
};

/* Reads the kid of token's header after checking that the header is
 * {"alg":"HS256"[,"typ":"JWT"],"kid":<uuid>}.  Returns 0 or -1. */
int token_peek_kid(const char *token, struct uuid *kid);

/* Reads alg and kid of any JWT header whose alg is HS256, RS256 or ES256
 * into alg[8] and kid[128].  Returns 0 or -1. */
int token_peek(const char *token, char alg[8], char kid[128]);

/* Verifies token with key.  tid NULL means a platform token is expected.
 * Returns 0 and fills c, or -1 (any failure: the caller answers 401). */
int token_verify(const char *token, const unsigned char key[CRYPTO_KEY_LEN],
                 const char *origin, const char *tid, long now,
                 struct token_claims *c);

/* Signs a token valid for ttl seconds from now; the string lives in the
 * arena.  sid may be NULL.  Returns NULL on failure, and when the token
 * would be longer than TOKEN_MAX (which token_verify refuses). */
char *token_issue(struct arena *a, const unsigned char key[CRYPTO_KEY_LEN],
                  const struct uuid *kid, const char *origin, const char *tid,
                  const char *sub, const char *sid, long now, int ttl);

/* token_issue() of an impersonation token: sid (the support session) and
 * act (the operator id) are required.  NULL on failure. */
char *token_issue_act(struct arena *a, const unsigned char key[CRYPTO_KEY_LEN],
                      const struct uuid *kid, const char *origin,
                      const char *tid, const char *sub, const char *sid,
                      const char *act, long now, int ttl);

#endif
