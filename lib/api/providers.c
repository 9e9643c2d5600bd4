/*
 * providers.c - GET /v1/auth/providers.
 */
#include "api/providers.h"

#include "api/api.h"
#include "api/plan.h"
#include "core/request.h"
#include "core/response.h"
#include "data/settings.h"

cJSON *
providers_json(const struct oidc_settings *o)
{
	cJSON *out = cJSON_CreateObject(), *sso;

	cJSON_AddTrueToObject(out, "password");
	if (o == NULL || !o->on || o->authorization_endpoint[0] == '\0') {
		cJSON_AddNullToObject(out, "oidc");
		return out;
	}
	sso = cJSON_AddObjectToObject(out, "oidc");
	cJSON_AddStringToObject(sso, "issuer", o->issuer);
	cJSON_AddStringToObject(sso, "authorization_endpoint",
	                        o->authorization_endpoint);
	/* The audience the tenant accepts is the client id tokens are
	 * issued for (docs/config.md, auth.oidc.audience). */
	cJSON_AddStringToObject(sso, "client_id", o->audience);
	return out;
}

int
providers_show(struct request *req, struct plan *plan)
{
	const struct tenant_settings *s;
	int st;

	/* The version row first: the settings are those of the version it
	 * names, so a change shows on the next request. */
	if ((st = plan_read(plan)) != 0)
		return st;
	if ((s = api_settings(req)) == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the settings cannot be read");
	response_json(req, 200, providers_json(&s->oidc));
	return 0;
}
