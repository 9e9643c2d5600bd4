/*
 * routes.c - every HTTP route of Strata: who may call what.
 */
#include "api/routes.h"

#include "api/api.h"
#include "api/api_keys.h"
#include "api/audit.h"
#include "api/auth.h"
#include "api/collections.h"
#include "api/config.h"
#include "api/health.h"
#include "api/keys.h"
#include "api/platform.h"
#include "api/privacy.h"
#include "api/records.h"
#include "api/roles.h"
#include "api/tenant.h"
#include "api/users.h"
#include "sec/rbac.h"

#define ANY (ROUTE_ANY_HOST | ROUTE_NO_TENANT)
#define APEX ROUTE_APEX
#define OP (ROUTE_APEX | ROUTE_OPERATOR)
#define T ROUTE_TENANT
#define TA (ROUTE_TENANT | ROUTE_AUTH)

const struct route routes[] = {
    {"GET", "/healthz", NULL, health_live, 0, ANY, NULL},
    {"GET", "/readyz", NULL, health_ready, 0, ANY, NULL},
    {"GET", "/metrics", NULL, health_metrics, 0, ANY, NULL},

    /* Platform (apex host). */
    {"POST", "/v1/signup", platform_signup, NULL, 0, APEX, NULL},
    {"POST", "/v1/platform/login", platform_login, NULL, 0, APEX, NULL},
    {"GET", "/v1/platform/tenants", platform_tenants, NULL, 0, OP, NULL},
    {"POST", "/v1/platform/tenants/{id}/suspend", platform_suspend, NULL, 0, OP,
     NULL},
    {"POST", "/v1/platform/tenants/{id}/resume", platform_resume, NULL, 0, OP,
     NULL},
    {"DELETE", "/v1/platform/tenants/{id}", platform_delete, NULL, 0, OP, NULL},
    {"GET", "/v1/platform/reports/usage", platform_usage, NULL, 0, OP, NULL},

    /* Tenant: public. */
    {"GET", "/v1/tenant", tenant_show, NULL, 0, T, NULL},
    {"POST", "/v1/auth/login", auth_login, NULL, 0, T, NULL},
    {"POST", "/v1/auth/refresh", auth_refresh, NULL, 0, T, NULL},

    /* Tenant: any principal. */
    {"POST", "/v1/auth/logout", auth_logout, NULL, 0, TA, NULL},
    {"GET", "/v1/me", auth_me, NULL, 0, TA, NULL},

    /* Users, roles, API keys, keys. */
    {"GET", "/v1/users", NULL, users_list, P_USERS_READ, TA, NULL},
    {"POST", "/v1/users", NULL, users_create, P_USERS_MANAGE, TA, NULL},
    {"GET", "/v1/users/{id}", NULL, users_show, P_USERS_READ, TA, NULL},
    {"PATCH", "/v1/users/{id}", NULL, users_update, P_USERS_MANAGE, TA, NULL},
    {"DELETE", "/v1/users/{id}", NULL, users_delete, P_USERS_MANAGE, TA, NULL},
    {"GET", "/v1/roles", NULL, roles_list, P_USERS_READ, TA, NULL},
    {"POST", "/v1/roles", NULL, roles_create, P_ROLES_MANAGE, TA, NULL},
    {"GET", "/v1/roles/{name}", NULL, roles_show, P_USERS_READ, TA,
     roles_prefetch_show},
    {"PATCH", "/v1/roles/{name}", NULL, roles_update, P_ROLES_MANAGE, TA, NULL},
    {"DELETE", "/v1/roles/{name}", NULL, roles_delete, P_ROLES_MANAGE, TA,
     NULL},
    {"GET", "/v1/api-keys", NULL, api_keys_list, P_APIKEYS_MANAGE, TA, NULL},
    {"POST", "/v1/api-keys", NULL, api_keys_create, P_APIKEYS_MANAGE, TA, NULL},
    {"DELETE", "/v1/api-keys/{id}", NULL, api_keys_delete, P_APIKEYS_MANAGE, TA,
     NULL},
    {"POST", "/v1/keys/rotate", NULL, keys_rotate, P_KEYS_MANAGE, TA, NULL},

    /* Collections and records. */
    {"GET", "/v1/collections", NULL, collections_list, P_RECORDS_READ, TA,
     collections_prefetch_list},
    {"POST", "/v1/collections", NULL, collections_create, P_COLLECTIONS_MANAGE,
     TA, NULL},
    {"GET", "/v1/collections/{name}", NULL, collections_show, P_RECORDS_READ,
     TA, collections_prefetch_show},
    {"PUT", "/v1/collections/{name}", NULL, collections_replace,
     P_COLLECTIONS_MANAGE, TA, NULL},
    {"DELETE", "/v1/collections/{name}", NULL, collections_delete,
     P_COLLECTIONS_MANAGE, TA, NULL},
    {"GET", "/v1/collections/{c}/records", records_list, NULL, P_RECORDS_READ,
     TA, NULL},
    {"POST", "/v1/collections/{c}/records", NULL, records_create,
     P_RECORDS_WRITE, TA, records_prefetch_create},
    {"GET", "/v1/collections/{c}/records/{id}", records_show, NULL,
     P_RECORDS_READ, TA, NULL},
    {"PUT", "/v1/collections/{c}/records/{id}", NULL, records_replace,
     P_RECORDS_WRITE, TA, records_prefetch_change},
    {"PATCH", "/v1/collections/{c}/records/{id}", NULL, records_patch,
     P_RECORDS_WRITE, TA, records_prefetch_change},
    {"DELETE", "/v1/collections/{c}/records/{id}", NULL, records_delete,
     P_RECORDS_DELETE, TA, records_prefetch_delete},

    /* Configuration. */
    {"GET", "/v1/config", NULL, config_show, P_CONFIG_READ, TA,
     config_prefetch_show},
    {"PUT", "/v1/config", NULL, config_replace, P_CONFIG_WRITE, TA, NULL},
    {"PATCH", "/v1/config", NULL, config_patch, P_CONFIG_WRITE, TA, NULL},
    {"GET", "/v1/config/versions", NULL, config_versions, P_CONFIG_READ, TA,
     NULL},
    {"GET", "/v1/config/versions/{n}", NULL, config_version_show, P_CONFIG_READ,
     TA, NULL},
    {"POST", "/v1/config/versions/{n}/restore", NULL, config_restore,
     P_CONFIG_WRITE, TA, NULL},

    /* Privacy and export. */
    {"GET", "/v1/privacy/subjects/{subject}/export", NULL, privacy_export,
     P_PRIVACY_MANAGE, TA, NULL},
    {"DELETE", "/v1/privacy/subjects/{subject}", NULL, privacy_erase,
     P_PRIVACY_MANAGE, TA, NULL},
    {"GET", "/v1/export", NULL, privacy_tenant_export, 0, TA | ROUTE_OWNER,
     NULL},
    {"GET", "/v1/usage", NULL, privacy_usage, P_CONFIG_READ, TA, NULL},

    /* Audit. */
    {"GET", "/v1/audit", NULL, audit_list, P_AUDIT_READ, TA, NULL},
    {"GET", "/v1/audit/verify", NULL, audit_check, P_AUDIT_READ, TA, NULL},
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
