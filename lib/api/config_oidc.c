/*
 * config_oidc.c - the owner's hold on single sign-on (api/config_oidc.h).
 */
#include "api/config_oidc.h"

#include <stdbool.h>
#include <string.h>

#include "api/api.h"
#include "core/json.h"
#include "core/request.h"
#include "data/roles.h"
#include "sec/rbac.h"

static const char *const members[] = {
    "issuer",       "audience",     "jwks", "role_claim",
    "default_role", "role_mapping", NULL};

/* v, or NULL when it is absent or null. */
static const cJSON *
present(const cJSON *o, const char *key)
{
	const cJSON *v = key ? cJSON_GetObjectItemCaseSensitive(o, key) : o;

	return v == NULL || cJSON_IsNull(v) ? NULL : v;
}

static bool
same(const cJSON *a, const cJSON *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return cJSON_Compare(a, b, true);
}

cJSON *
config_oidc_changes(const cJSON *before, const cJSON *after)
{
	const cJSON *b = present(before, NULL), *a = present(after, NULL);
	cJSON *names;

	if (same(b, a))
		return NULL;
	names = cJSON_CreateArray();
	/* Turned on or off: every member changed. */
	for (const char *const *m = members; *m != NULL; m++)
		if (b == NULL || a == NULL ||
		    !same(present(b, *m), present(a, *m)))
			cJSON_AddItemToArray(names, cJSON_CreateString(*m));
	return names;
}

/* Why the mapping may not name role, or NULL when it may. */
static const char *
refusal(const char *role, const struct role_perms_list *roles, uint32_t have)
{
	bool owner = strcmp(role, "owner") == 0;

	for (int i = 0; i < roles->n; i++) {
		if (strcmp(roles->names[i], role) != 0)
			continue;
		/* A mapping acts for nobody in particular: never as an
		 * owner, so it never hands out the owner role. */
		if (rbac_may_grant(have, false,
		                   rbac_parse_pg_array(roles->permissions[i]),
		                   owner))
			return NULL;
		return owner ? "single sign-on never hands out the owner role"
		             : "the role grants permissions you do not hold";
	}
	return "names a role that does not exist";
}

cJSON *
config_oidc_mapping_errors(const cJSON *oidc,
                           const struct role_perms_list *roles, uint32_t have)
{
	const cJSON *o = present(oidc, NULL), *d, *e;
	cJSON *errors = NULL;
	const char *why;

	if (o == NULL)
		return NULL;
	d = present(o, "default_role");
	if (cJSON_IsString(d) &&
	    (why = refusal(d->valuestring, roles, have)) != NULL)
		errors =
		    json_add_field_error(errors, "auth.oidc.default_role", why);
	cJSON_ArrayForEach(e, present(o, "role_mapping"))
	{
		if (!cJSON_IsString(e) ||
		    (why = refusal(e->valuestring, roles, have)) == NULL)
			continue;
		errors = json_add_field_error(
		    errors, json_printf("auth.oidc.role_mapping.%s", e->string),
		    why);
	}
	return errors;
}

/* The auth.oidc member of a settings document. */
static const cJSON *
oidc_of(const cJSON *settings)
{
	return cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(settings, "auth"), "oidc");
}

int
config_oidc_check(struct request *req, const cJSON *before, const cJSON *after,
                  const struct role_perms_list *roles, const char **changed)
{
	cJSON *names = config_oidc_changes(oidc_of(before), oidc_of(after));
	cJSON *errors, *details;

	*changed = NULL;
	if (names == NULL)
		return 0;
	if (!req->principal.owner)
		return api_fail(req, 403, "forbidden",
		                "changing auth.oidc (single sign-on) needs the "
		                "owner role");
	errors = config_oidc_mapping_errors(oidc_of(after), roles,
	                                    req->principal.perms);
	if (errors != NULL)
		return api_fail_errors(req, 422, "validation_failed",
		                       "the single sign-on role mapping is not "
		                       "allowed",
		                       errors);
	details = cJSON_CreateObject();
	cJSON_AddItemToObject(details, "changed", names);
	*changed = json_print(details);
	return 0;
}
