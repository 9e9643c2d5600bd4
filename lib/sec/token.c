/*
 * token.c - JWT issue and verification over libjwt 1.10.
 */
#include "sec/token.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>
#include <jwt.h>

#include "core/arena.h"
#include "core/json.h"

/* The header of a compact JWT as JSON (in the current arena), or NULL when
 * the token is too long or its first part is not base64url JSON. */
static cJSON *
header_json(const char *token)
{
	const char *dot, *why;
	unsigned char hdr[512];
	char text[513];
	int n;

	if (token == NULL || strlen(token) > TOKEN_MAX)
		return NULL;
	dot = strchr(token, '.');
	if (dot == NULL || dot == token || (size_t)(dot - token) > 680)
		return NULL;
	n = crypto_b64url_dec(token, (size_t)(dot - token), hdr, sizeof(hdr));
	if (n <= 0)
		return NULL;
	memcpy(text, hdr, (size_t)n);
	text[n] = '\0';
	return json_parse(text, (size_t)n, 2, &why);
}

/* Decodes and checks the header ourselves before libjwt sees the token:
 * libjwt picks the algorithm from the header, and we accept one. */
int
token_peek_kid(const char *token, struct uuid *kid)
{
	int members = 0, rc = -1;
	cJSON *h = header_json(token), *item;

	if (!cJSON_IsObject(h))
		return -1;
	cJSON_ArrayForEach(item, h)
	{
		members++;
		if (strcmp(item->string, "alg") == 0) {
			if (!cJSON_IsString(item) ||
			    strcmp(item->valuestring, "HS256") != 0)
				return -1;
		} else if (strcmp(item->string, "typ") == 0) {
			if (!cJSON_IsString(item) ||
			    strcmp(item->valuestring, "JWT") != 0)
				return -1;
		} else if (strcmp(item->string, "kid") == 0) {
			if (!cJSON_IsString(item) ||
			    uuid_parse(item->valuestring, kid) < 0)
				return -1;
			rc = 0;
		} else {
			return -1; /* jku, x5u, crit, ...: none of ours */
		}
	}
	if (!json_is(h, "alg", cJSON_String) || members > 3)
		return -1;
	return rc;
}

int
token_peek(const char *token, char alg[8], char kid[128])
{
	const char *a, *k;
	cJSON *h = header_json(token);

	a = json_str(h, "alg");
	k = json_str(h, "kid");
	if (a == NULL || k == NULL || strlen(k) == 0 || strlen(k) >= 128 ||
	    (strcmp(a, "HS256") != 0 && strcmp(a, "RS256") != 0 &&
	     strcmp(a, "ES256") != 0) ||
	    cJSON_GetObjectItemCaseSensitive(h, "jku") != NULL ||
	    cJSON_GetObjectItemCaseSensitive(h, "jwk") != NULL ||
	    cJSON_GetObjectItemCaseSensitive(h, "x5u") != NULL ||
	    cJSON_GetObjectItemCaseSensitive(h, "crit") != NULL)
		return -1;
	snprintf(alg, 8, "%s", a);
	snprintf(kid, 128, "%s", k);
	return 0;
}

static void
free_jwt(void *p)
{
	jwt_free(p);
}

static bool
claim_is(jwt_t *j, const char *name, const char *want)
{
	const char *v = jwt_get_grant(j, name);

	return v != NULL && want != NULL && strcmp(v, want) == 0;
}

static int
copy_uuid_claim(jwt_t *j, const char *name, char out[UUID_STR_LEN + 1])
{
	const char *v = jwt_get_grant(j, name);

	if (v == NULL || !uuid_valid(v))
		return -1;
	memcpy(out, v, UUID_STR_LEN + 1);
	return 0;
}

static long
int_claim(jwt_t *j, const char *name, bool *ok)
{
	long v;

	errno = 0;
	v = jwt_get_grant_int(j, name);
	if (errno != 0)
		*ok = false;
	return v;
}

/* The act claim (RFC 8693) into out: 0 when absent (out ""), 0 when it is
 * exactly {"sub": <uuid>}, -1 for any other shape. */
static int
copy_act_claim(jwt_t *j, char out[UUID_STR_LEN + 1])
{
	char *text = jwt_get_grants_json(j, "act");
	const char *why;
	cJSON *o, *sub;
	int rc = -1;

	out[0] = '\0';
	if (text == NULL)
		return jwt_get_grant(j, "act") != NULL ? -1 : 0;
	o = json_parse(text, strlen(text), 2, &why);
	free(text);
	sub = cJSON_GetObjectItemCaseSensitive(o, "sub");
	if (cJSON_IsObject(o) && cJSON_GetArraySize(o) == 1 &&
	    cJSON_IsString(sub) && uuid_valid(sub->valuestring)) {
		memcpy(out, sub->valuestring, UUID_STR_LEN + 1);
		rc = 0;
	}
	return rc;
}

int
token_verify(const char *token, const unsigned char key[CRYPTO_KEY_LEN],
             const char *origin, const char *tid, long now,
             struct token_claims *c)
{
	jwt_t *j = NULL;
	bool ok = true;
	long nbf;
	int rc = -1;

	struct uuid kid;

	memset(c, 0, sizeof(*c));
	if (token_peek_kid(token, &kid) < 0)
		return -1;
	if (jwt_decode(&j, token, key, CRYPTO_KEY_LEN) != 0 || j == NULL)
		return -1;
	if (jwt_get_alg(j) != JWT_ALG_HS256)
		goto out;
	if (!claim_is(j, "iss", origin) || !claim_is(j, "aud", origin))
		goto out;
	if (tid != NULL ? !claim_is(j, "tid", tid) || jwt_get_grant(j, "scope")
	                : jwt_get_grant(j, "tid") != NULL ||
	                      !claim_is(j, "scope", "platform"))
		goto out;
	if (copy_uuid_claim(j, "sub", c->sub) < 0 ||
	    copy_uuid_claim(j, "jti", c->jti) < 0)
		goto out;
	if (jwt_get_grant(j, "sid") != NULL &&
	    copy_uuid_claim(j, "sid", c->sid) < 0)
		goto out;
	/* An actor only in a tenant token, and only with its session. */
	if (copy_act_claim(j, c->act) < 0 ||
	    (c->act[0] != '\0' && (tid == NULL || c->sid[0] == '\0')))
		goto out;
	c->exp = int_claim(j, "exp", &ok);
	c->iat = int_claim(j, "iat", &ok);
	if (!ok || c->exp + TOKEN_LEEWAY < now || c->iat > now + TOKEN_LEEWAY)
		goto out;
	errno = 0;
	nbf = jwt_get_grant_int(j, "nbf");
	if (errno == 0 && nbf > now + TOKEN_LEEWAY)
		goto out;
	rc = 0;
out:
	jwt_free(j);
	if (rc < 0)
		memset(c, 0, sizeof(*c));
	return rc;
}

static char *
issue(struct arena *a, const unsigned char key[CRYPTO_KEY_LEN],
      const struct uuid *kid, const char *origin, const char *tid,
      const char *sub, const char *sid, const char *act, long now, int ttl)
{
	jwt_t *j = NULL;
	char kids[UUID_STR_LEN + 1], jti[UUID_STR_LEN + 1];
	struct uuid u;
	char *s, *copy = NULL;
	int bad = 0;

	if (jwt_new(&j) != 0)
		return NULL;
	arena_cleanup(a, free_jwt, j);
	uuid_format(kid, kids);
	uuid_v7(&u);
	uuid_format(&u, jti);
	bad |= jwt_set_alg(j, JWT_ALG_HS256, key, CRYPTO_KEY_LEN);
	bad |= jwt_add_header(j, "kid", kids);
	bad |= jwt_add_grant(j, "iss", origin);
	bad |= jwt_add_grant(j, "aud", origin);
	bad |= jwt_add_grant(j, "sub", sub);
	if (tid != NULL)
		bad |= jwt_add_grant(j, "tid", tid);
	else
		bad |= jwt_add_grant(j, "scope", "platform");
	if (sid != NULL)
		bad |= jwt_add_grant(j, "sid", sid);
	if (act != NULL)
		bad |= jwt_add_grants_json(
		    j, arena_printf(a, "{\"act\":{\"sub\":\"%s\"}}", act));
	bad |= jwt_add_grant(j, "jti", jti);
	bad |= jwt_add_grant_int(j, "iat", now);
	bad |= jwt_add_grant_int(j, "nbf", now);
	bad |= jwt_add_grant_int(j, "exp", now + ttl);
	if (bad)
		return NULL;
	s = jwt_encode_str(j);
	/* Never a token that token_verify would refuse for its length. */
	if (s != NULL && strlen(s) <= TOKEN_MAX)
		copy = arena_strdup(a, s);
	free(s);
	return copy;
}

char *
token_issue(struct arena *a, const unsigned char key[CRYPTO_KEY_LEN],
            const struct uuid *kid, const char *origin, const char *tid,
            const char *sub, const char *sid, long now, int ttl)
{
	return issue(a, key, kid, origin, tid, sub, sid, NULL, now, ttl);
}

char *
token_issue_act(struct arena *a, const unsigned char key[CRYPTO_KEY_LEN],
                const struct uuid *kid, const char *origin, const char *tid,
                const char *sub, const char *sid, const char *act, long now,
                int ttl)
{
	if (tid == NULL || sid == NULL || act == NULL || !uuid_valid(act))
		return NULL;
	return issue(a, key, kid, origin, tid, sub, sid, act, now, ttl);
}
