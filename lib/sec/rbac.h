/*
 * rbac.h - permissions as bits, names exactly as API.md lists them, and
 * the built-in roles.
 */
#ifndef STRATA_SEC_RBAC_H
#define STRATA_SEC_RBAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

enum perm {
	P_RECORDS_READ = 1u << 0,       /* records:read */
	P_RECORDS_WRITE = 1u << 1,      /* records:write */
	P_RECORDS_DELETE = 1u << 2,     /* records:delete */
	P_COLLECTIONS_MANAGE = 1u << 3, /* collections:manage */
	P_USERS_READ = 1u << 4,         /* users:read */
	P_USERS_MANAGE = 1u << 5,       /* users:manage */
	P_ROLES_MANAGE = 1u << 6,       /* roles:manage */
	P_APIKEYS_MANAGE = 1u << 7,     /* apikeys:manage */
	P_CONFIG_READ = 1u << 8,        /* config:read */
	P_CONFIG_WRITE = 1u << 9,       /* config:write */
	P_AUDIT_READ = 1u << 10,        /* audit:read */
	P_PII_READ = 1u << 11,          /* pii:read */
	P_PRIVACY_MANAGE = 1u << 12,    /* privacy:manage */
	P_KEYS_MANAGE = 1u << 13,       /* keys:manage */
	P_WEBHOOKS_MANAGE = 1u << 14,   /* webhooks:manage */
};

#define P_ALL ((1u << 15) - 1)
#define RBAC_NPERMS 15

/* The bit for a permission name, or 0 when unknown. */
uint32_t rbac_perm(const char *name);

/* The name of a single bit, or NULL. */
const char *rbac_perm_name(uint32_t bit);

/* Parses a JSON array of permission names.  Returns 0 and the bits, or -1
 * when perms is not an array of known names (the first bad one in *bad). */
int rbac_parse(const cJSON *perms, uint32_t *out, const char **bad);

/* Parses a PostgreSQL text[] literal ({a,b}) of names; unknown names are
 * ignored (a permission removed from the code grants nothing). */
uint32_t rbac_parse_pg_array(const char *s);

/* A PostgreSQL text[] literal of the names set in bits into out.
 * Returns out. */
char *rbac_pg_array(uint32_t bits, char *out, size_t outsz);

/* A JSON array of the names set in bits. */
cJSON *rbac_json(uint32_t bits);

/* The permissions of a built-in role, or -1 when name is not built in. */
long long rbac_builtin(const char *name);

/* 1 when every bit of want is in have. */
bool rbac_allows(uint32_t have, uint32_t want);

/* The one grant rule (API.md, "Escalation rules"), for every door that
 * hands out permissions (user roles, custom roles, API keys, the single
 * sign-on role mapping): true when a caller holding have (and the owner
 * role when owner) may hand out grant (and the owner role when
 * grants_owner).  Nobody grants a permission they lack; only an owner
 * hands out the owner role.  A door that must never hand out the owner
 * role passes owner false. */
bool rbac_may_grant(uint32_t have, bool owner, uint32_t grant,
                    bool grants_owner);

/* The built-in roles in order. */
extern const char *const rbac_builtin_roles[4];

#endif
