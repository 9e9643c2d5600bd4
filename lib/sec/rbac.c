/*
 * rbac.c - permission names and bits.
 */
#include "sec/rbac.h"

#include <string.h>

static const char *const names[RBAC_NPERMS] = {
    "records:read",   "records:write", "records:delete",  "collections:manage",
    "users:read",     "users:manage",  "roles:manage",    "apikeys:manage",
    "config:read",    "config:write",  "audit:read",      "pii:read",
    "privacy:manage", "keys:manage",   "webhooks:manage",
};

const char *const rbac_builtin_roles[4] = {"owner", "admin", "member",
                                           "viewer"};

uint32_t
rbac_perm(const char *name)
{
	for (int i = 0; i < RBAC_NPERMS; i++)
		if (strcmp(names[i], name) == 0)
			return 1u << i;
	return 0;
}

const char *
rbac_perm_name(uint32_t bit)
{
	for (int i = 0; i < RBAC_NPERMS; i++)
		if (bit == 1u << i)
			return names[i];
	return NULL;
}

int
rbac_parse(const cJSON *perms, uint32_t *out, const char **bad)
{
	const cJSON *p;

	*out = 0;
	*bad = NULL;
	if (!cJSON_IsArray(perms))
		return -1;
	cJSON_ArrayForEach(p, perms)
	{
		uint32_t bit =
		    cJSON_IsString(p) ? rbac_perm(p->valuestring) : 0;

		if (bit == 0) {
			*bad = cJSON_IsString(p) ? p->valuestring : "";
			return -1;
		}
		*out |= bit;
	}
	return 0;
}

uint32_t
rbac_parse_pg_array(const char *s)
{
	uint32_t bits = 0;
	char name[64];

	if (s == NULL || *s != '{')
		return 0;
	s++;
	while (*s != '\0' && *s != '}') {
		size_t n = strcspn(s, ",}");

		if (n > 0 && n < sizeof(name)) {
			memcpy(name, s, n);
			name[n] = '\0';
			bits |= rbac_perm(name);
		}
		s += n;
		if (*s == ',')
			s++;
	}
	return bits;
}

char *
rbac_pg_array(uint32_t bits, char *out, size_t outsz)
{
	size_t n = 0;

	if (outsz < 3)
		return NULL;
	out[n++] = '{';
	for (int i = 0; i < RBAC_NPERMS; i++) {
		size_t len = strlen(names[i]);

		if (!(bits & (1u << i)) || n + len + 3 > outsz)
			continue;
		if (n > 1)
			out[n++] = ',';
		memcpy(out + n, names[i], len);
		n += len;
	}
	out[n++] = '}';
	out[n] = '\0';
	return out;
}

cJSON *
rbac_json(uint32_t bits)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; i < RBAC_NPERMS; i++)
		if (bits & (1u << i))
			cJSON_AddItemToArray(a, cJSON_CreateString(names[i]));
	return a;
}

long long
rbac_builtin(const char *name)
{
	if (strcmp(name, "owner") == 0 || strcmp(name, "admin") == 0)
		return P_ALL;
	if (strcmp(name, "member") == 0)
		return P_RECORDS_READ | P_RECORDS_WRITE | P_CONFIG_READ;
	if (strcmp(name, "viewer") == 0)
		return P_RECORDS_READ;
	return -1;
}

bool
rbac_allows(uint32_t have, uint32_t want)
{
	return (have & want) == want;
}

bool
rbac_may_grant(uint32_t have, bool owner, uint32_t grant, bool grants_owner)
{
	return rbac_allows(have, grant) && (owner || !grants_owner);
}
