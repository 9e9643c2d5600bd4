/*
 * providers.h - GET /v1/auth/providers: how a browser may sign in at the
 * host's tenant (the console's sign-in page asks before it draws).
 */
#ifndef STRATA_API_PROVIDERS_H
#define STRATA_API_PROVIDERS_H

#include <cJSON.h>

struct request;
struct plan;
struct oidc_settings;

/* {password: true, oidc: {issuer, authorization_endpoint, client_id} |
 * null} of compiled OIDC settings o (NULL: none): oidc is null unless o is
 * on and has an authorization endpoint.  Only what a browser needs to
 * start an implicit flow: never the keys, role claim or mapping.  The
 * tree is in the current JSON arena. */
cJSON *providers_json(const struct oidc_settings *o);

/* GET /v1/auth/providers (anonymous, tenant hosts): providers_json() of
 * the tenant's current settings, after the version row of the plan's one
 * trip.  503 when the settings cannot be loaded. */
int providers_show(struct request *req, struct plan *plan);

#endif
