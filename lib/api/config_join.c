/*
 * config_join.c - the grant rule on joining (api/config_join.h).
 */
#include "api/config_join.h"

#include <stdbool.h>
#include <string.h>

#include "api/api.h"
#include "core/json.h"
#include "core/request.h"
#include "data/roles.h"
#include "sec/rbac.h"

static const cJSON *
member(const cJSON *settings, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(settings, "auth"), key);
}

/* The join role of normalised settings s ("viewer" when unset). */
static const char *
join_role(const cJSON *s)
{
	const cJSON *r = member(s, "join_role");

	return cJSON_IsString(r) ? r->valuestring : "viewer";
}

static bool
unchanged(const cJSON *before, const cJSON *after)
{
	const cJSON *b = member(before, "join_domains");
	const cJSON *a = member(after, "join_domains");
	int nb = cJSON_IsArray(b) ? cJSON_GetArraySize(b) : 0;
	int na = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;

	if (strcmp(join_role(before), join_role(after)) != 0)
		return false;
	if (nb == 0 && na == 0)
		return true;
	return a != NULL && b != NULL && cJSON_Compare(a, b, true);
}

int
config_join_check(struct request *req, const cJSON *before, const cJSON *after,
                  const struct role_perms_list *roles)
{
	const char *role = join_role(after);

	if (unchanged(before, after))
		return 0;
	for (int i = 0; i < roles->n; i++) {
		if (strcmp(roles->names[i], role) != 0)
			continue;
		if (strcmp(role, "owner") != 0 &&
		    rbac_may_grant(req->principal.perms, false,
		                   rbac_parse_pg_array(roles->permissions[i]),
		                   false))
			return 0;
		return api_fail(req, 403, "forbidden",
		                "the join role grants permissions you do not "
		                "hold");
	}
	return api_fail_errors(
	    req, 422, "validation_failed", "the join role does not exist",
	    json_add_field_error(NULL, "auth.join_role",
	                         "names a role that does not exist"));
}
