/*
 * oidc.c - verification of external ID/access tokens.
 */
#include "sec/oidc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>

#include "core/json.h"
#include "sec/token.h"

static const struct oidc_key *
find_key(const struct oidc_settings *o, const char *alg, const char *kid)
{
	enum jwk_alg want = strcmp(alg, "RS256") == 0   ? JWK_RS256
	                    : strcmp(alg, "ES256") == 0 ? JWK_ES256
	                                                : JWK_NONE;

	for (int i = 0; i < o->nkeys; i++)
		if (strcmp(o->keys[i].kid, kid) == 0 && o->keys[i].alg == want)
			return &o->keys[i];
	return NULL;
}

/* aud is the audience, or an array that contains it. */
static bool
audience_ok(jwt_t *j, const char *audience)
{
	char *raw = jwt_get_grants_json(j, "aud");
	const char *why;
	const cJSON *e;
	cJSON *v;
	bool ok = false;

	if (raw == NULL)
		return false;
	v = json_parse(raw, strlen(raw), 2, &why);
	free(raw);
	if (cJSON_IsString(v))
		return strcmp(v->valuestring, audience) == 0;
	cJSON_ArrayForEach(e, v)
	{
		if (cJSON_IsString(e) && strcmp(e->valuestring, audience) == 0)
			ok = true;
	}
	return ok;
}

static void
add_role(struct oidc_identity *id, const char *role)
{
	/* Single sign-on never makes an owner (api/config_oidc.h), not even
	 * from settings written before a mapping to owner was refused. */
	if (strcmp(role, "owner") == 0)
		return;
	for (int i = 0; i < id->nroles; i++)
		if (strcmp(id->roles[i], role) == 0)
			return;
	if (id->nroles < OIDC_MAX_ROLES)
		snprintf(id->roles[id->nroles++], 64, "%s", role);
}

static void
map_value(const struct oidc_settings *o, struct oidc_identity *id,
          const char *value)
{
	for (int i = 0; i < o->nmap; i++)
		if (strcmp(o->map[i].from, value) == 0)
			add_role(id, o->map[i].to);
}

/* Roles from the role claim (a string or an array of strings) through the
 * mapping; the default role when nothing maps. */
static void
roles(const struct oidc_settings *o, jwt_t *j, struct oidc_identity *id)
{
	char *raw = jwt_get_grants_json(j, o->role_claim);
	const char *why;
	const cJSON *e;
	cJSON *v;

	if (raw != NULL) {
		v = json_parse(raw, strlen(raw), 2, &why);
		free(raw);
		if (cJSON_IsString(v))
			map_value(o, id, v->valuestring);
		cJSON_ArrayForEach(e, v)
		{
			if (cJSON_IsString(e))
				map_value(o, id, e->valuestring);
		}
	}
	if (id->nroles == 0 && o->default_role[0] != '\0')
		add_role(id, o->default_role);
}

static long
claim_int(jwt_t *j, const char *name, bool *ok)
{
	long v;

	errno = 0;
	v = jwt_get_grant_int(j, name);
	if (errno != 0)
		*ok = false;
	return v;
}

int
oidc_verify(const struct oidc_settings *o, const char *token, long now,
            struct oidc_identity *id)
{
	char alg[8], kid[128];
	const struct oidc_key *k;
	const char *iss, *sub, *email, *name;
	jwt_t *j = NULL;
	bool ok = true;
	long exp, iat, nbf;
	int rc = -1;

	memset(id, 0, sizeof(*id));
	if (!o->on || token_peek(token, alg, kid) < 0 ||
	    strcmp(alg, "HS256") == 0)
		return -1;
	k = find_key(o, alg, kid);
	if (k == NULL ||
	    jwt_decode(&j, token, (const unsigned char *)k->pem,
	               (int)strlen(k->pem)) != 0 ||
	    j == NULL)
		return -1;
	if (jwt_get_alg(j) !=
	    (k->alg == JWK_RS256 ? JWT_ALG_RS256 : JWT_ALG_ES256))
		goto out;
	iss = jwt_get_grant(j, "iss");
	sub = jwt_get_grant(j, "sub");
	if (iss == NULL || strcmp(iss, o->issuer) != 0 || sub == NULL ||
	    *sub == '\0' || strlen(sub) >= sizeof(id->sub) ||
	    !audience_ok(j, o->audience))
		goto out;
	exp = claim_int(j, "exp", &ok);
	iat = claim_int(j, "iat", &ok);
	if (!ok || exp + TOKEN_LEEWAY < now || iat > now + TOKEN_LEEWAY)
		goto out;
	errno = 0;
	nbf = jwt_get_grant_int(j, "nbf");
	if (errno == 0 && nbf > now + TOKEN_LEEWAY)
		goto out;
	snprintf(id->sub, sizeof(id->sub), "%s", sub);
	email = jwt_get_grant(j, "email");
	name = jwt_get_grant(j, "name");
	snprintf(id->email, sizeof(id->email), "%s", email ? email : "");
	snprintf(id->name, sizeof(id->name), "%s", name ? name : "");
	roles(o, j, id);
	rc = 0;
out:
	jwt_free(j);
	return rc;
}
