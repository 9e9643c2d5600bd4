/*
 * oidc.h - tokens of a tenant's own identity provider (tenant SSO).
 *
 * A tenant's settings may trust one issuer with inline public keys
 * (auth.oidc).  Such a token is accepted at that tenant's host only after
 * full verification: a header alg of RS256 or ES256 that fits the key its
 * kid names, the signature (libjwt over OpenSSL), iss equal to the issuer,
 * aud equal to (or containing) the configured audience, exp/nbf/iat with
 * leeway, and a sub.  The user is found by (issuer, sub), never by e-mail.
 * The roles are those its claims map to, or the default role; never
 * owner, whatever the settings say.
 */
#ifndef STRATA_SEC_OIDC_H
#define STRATA_SEC_OIDC_H

#include "data/settings.h"

#define OIDC_MAX_ROLES 16

struct oidc_identity {
	char sub[256];
	char email[255];
	char name[201];
	int nroles; /* roles mapped from the role claim, or the default */
	char roles[OIDC_MAX_ROLES][64];
};

/* Returns 0 and fills id, or -1 (refuse: 401). */
int oidc_verify(const struct oidc_settings *o, const char *token, long now,
                struct oidc_identity *id);

#endif
