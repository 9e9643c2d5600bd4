/*
 * routes.c - every HTTP route of Strata: who may call what.
 */
#include "api/routes.h"

#include "api/aggregate.h"
#include "api/api.h"
#include "api/api_keys.h"
#include "api/audit.h"
#include "api/auth.h"
#include "api/benchmarks.h"
#include "api/collections.h"
#include "api/config.h"
#include "api/health.h"
#include "api/impersonation.h"
#include "api/invitations.h"
#include "api/keys.h"
#include "api/mfa.h"
#include "api/onboarding.h"
#include "api/platform.h"
#include "api/platform_plans.h"
#include "api/platform_import.h"
#include "api/privacy.h"
#include "api/providers.h"
#include "api/records.h"
#include "api/recovery.h"
#include "api/reports.h"
#include "api/roles.h"
#include "api/support.h"
#include "api/tenant.h"
#include "api/users.h"
#include "api/webhooks.h"
#include "sec/rbac.h"

#define ANY (ROUTE_ANY_HOST | ROUTE_NO_TENANT)
#define APEX ROUTE_APEX
#define OP (ROUTE_APEX | ROUTE_OPERATOR)
#define T ROUTE_TENANT
#define TA (ROUTE_TENANT | ROUTE_AUTH)

const struct route routes[] = {
    {"GET", "/healthz", NULL, health_live, 0, ANY},
    {"GET", "/readyz", NULL, health_ready, 0, ANY},
    {"GET", "/metrics", NULL, health_metrics, 0, ANY},

    /* Platform (apex host). */
    {"POST", "/v1/signup", platform_signup, NULL, 0, APEX},
    {"POST", "/v1/platform/login", platform_login, NULL, 0, APEX},
    {"GET", "/v1/platform/tenants", platform_tenants, NULL, 0, OP},
    {"POST", "/v1/platform/tenants/{id}/suspend", platform_suspend, NULL, 0,
     OP},
    {"POST", "/v1/platform/tenants/{id}/resume", platform_resume, NULL, 0, OP},
    {"PATCH", "/v1/platform/tenants/{id}", platform_tenant_update, NULL, 0, OP},
    {"DELETE", "/v1/platform/tenants/{id}", platform_delete, NULL, 0, OP},
    {"GET", "/v1/platform/plans", platform_plans_list, NULL, 0, OP},
    {"POST", "/v1/platform/plans", platform_plans_create, NULL, 0, OP},
    {"PATCH", "/v1/platform/plans/{name}", platform_plans_update, NULL, 0, OP},
    {"GET", "/v1/platform/reports/{name}", reports_show, NULL, 0, OP},
    {"GET", "/v1/platform/audit", audit_platform_list, NULL, 0, OP},
    /* Tenant import (docs/import.md). */
    {"POST", "/v1/platform/tenants/import", platform_import_tenant, NULL, 0,
     OP},

    /* Tenant: public. */
    {"GET", "/v1/tenant", tenant_show, NULL, 0, T},
    {"POST", "/v1/auth/login", auth_login, NULL, 0, T},
    {"POST", "/v1/auth/refresh", auth_refresh, NULL, 0, T},

    /* Tenant: any principal. */
    {"POST", "/v1/auth/logout", auth_logout, NULL, 0, TA},
    {"GET", "/v1/me", auth_me, NULL, 0, TA | ROUTE_MFA_SETUP},

    /* MFA, TOTP (issue 18 item 4; api/mfa.h). */
    {"POST", "/v1/auth/mfa", mfa_login_complete, NULL, 0, T},
    {"GET", "/v1/me/mfa", mfa_status, NULL, 0, TA | ROUTE_MFA_SETUP},
    {"POST", "/v1/me/mfa/totp", mfa_enrol, NULL, 0, TA | ROUTE_MFA_SETUP},
    {"POST", "/v1/me/mfa/totp/confirm", mfa_confirm, NULL, 0,
     TA | ROUTE_MFA_SETUP},
    {"DELETE", "/v1/me/mfa", mfa_disable, NULL, 0, TA},
    {"DELETE", "/v1/users/{id}/mfa", mfa_reset, NULL, P_USERS_MANAGE,
     TA | ROUTE_OWNER},

    /* Users, roles, API keys, keys. */
    {"GET", "/v1/users", users_list, NULL, P_USERS_READ, TA},
    {"POST", "/v1/users", users_create, NULL, P_USERS_MANAGE, TA},
    {"GET", "/v1/users/{id}", users_show, NULL, P_USERS_READ, TA},
    {"PATCH", "/v1/users/{id}", users_update, NULL, P_USERS_MANAGE, TA},
    {"DELETE", "/v1/users/{id}", users_delete, NULL, P_USERS_MANAGE, TA},
    {"GET", "/v1/roles", roles_list, NULL, P_USERS_READ, TA},
    {"POST", "/v1/roles", roles_create, NULL, P_ROLES_MANAGE, TA},
    {"GET", "/v1/roles/{name}", roles_show, NULL, P_USERS_READ, TA},
    {"PATCH", "/v1/roles/{name}", roles_update, NULL, P_ROLES_MANAGE, TA},
    {"DELETE", "/v1/roles/{name}", roles_delete, NULL, P_ROLES_MANAGE, TA},
    {"GET", "/v1/webhooks", webhooks_index, NULL, P_WEBHOOKS_MANAGE, TA},
    {"POST", "/v1/webhooks", webhooks_create, NULL, P_WEBHOOKS_MANAGE, TA},
    {"GET", "/v1/webhooks/{id}", webhooks_show, NULL, P_WEBHOOKS_MANAGE, TA},
    {"PATCH", "/v1/webhooks/{id}", webhooks_patch, NULL, P_WEBHOOKS_MANAGE, TA},
    {"DELETE", "/v1/webhooks/{id}", webhooks_delete, NULL, P_WEBHOOKS_MANAGE,
     TA},
    {"GET", "/v1/webhooks/{id}/deliveries", webhooks_delivery_list, NULL,
     P_WEBHOOKS_MANAGE, TA},
    {"POST", "/v1/webhooks/{id}/deliveries/{d}/redeliver",
     webhooks_delivery_resend, NULL, P_WEBHOOKS_MANAGE, TA},
    {"GET", "/v1/api-keys", api_keys_list, NULL, P_APIKEYS_MANAGE, TA},
    {"POST", "/v1/api-keys", api_keys_create, NULL, P_APIKEYS_MANAGE, TA},
    {"DELETE", "/v1/api-keys/{id}", api_keys_delete, NULL, P_APIKEYS_MANAGE,
     TA},
    {"POST", "/v1/keys/rotate", keys_rotate, NULL, P_KEYS_MANAGE, TA},

    /* Collections and records. */
    {"GET", "/v1/collections", collections_list, NULL, P_RECORDS_READ, TA},
    {"POST", "/v1/collections", collections_create, NULL, P_COLLECTIONS_MANAGE,
     TA},
    {"GET", "/v1/collections/{name}", collections_show, NULL, P_RECORDS_READ,
     TA},
    {"PUT", "/v1/collections/{name}", collections_replace, NULL,
     P_COLLECTIONS_MANAGE, TA},
    {"DELETE", "/v1/collections/{name}", collections_delete, NULL,
     P_COLLECTIONS_MANAGE, TA},
    {"GET", "/v1/collections/{c}/records", records_list, NULL, P_RECORDS_READ,
     TA | ROUTE_READ},
    {"GET", "/v1/collections/{c}/aggregate", aggregate_show, NULL,
     P_RECORDS_READ, TA | ROUTE_READ},
    {"POST", "/v1/collections/{c}/records", records_create, NULL,
     P_RECORDS_WRITE, TA},
    {"GET", "/v1/collections/{c}/records/{id}", records_show, NULL,
     P_RECORDS_READ, TA | ROUTE_READ},
    {"PUT", "/v1/collections/{c}/records/{id}", records_replace, NULL,
     P_RECORDS_WRITE, TA},
    {"PATCH", "/v1/collections/{c}/records/{id}", records_patch, NULL,
     P_RECORDS_WRITE, TA},
    {"DELETE", "/v1/collections/{c}/records/{id}", records_delete, NULL,
     P_RECORDS_DELETE, TA},

    /* Configuration. */
    {"GET", "/v1/config", config_show, NULL, P_CONFIG_READ, TA},
    {"PUT", "/v1/config", config_replace, NULL, P_CONFIG_WRITE, TA},
    {"PATCH", "/v1/config", config_patch, NULL, P_CONFIG_WRITE, TA},
    {"GET", "/v1/config/versions", config_versions, NULL, P_CONFIG_READ, TA},
    {"GET", "/v1/config/versions/{n}", config_version_show, NULL, P_CONFIG_READ,
     TA},
    {"POST", "/v1/config/versions/{n}/restore", config_restore, NULL,
     P_CONFIG_WRITE, TA},

    /* Privacy and export. */
    {"GET", "/v1/privacy/subjects/{subject}/export", privacy_export, NULL,
     P_PRIVACY_MANAGE, TA},
    {"DELETE", "/v1/privacy/subjects/{subject}", privacy_erase, NULL,
     P_PRIVACY_MANAGE, TA},
    {"GET", "/v1/export", privacy_tenant_export, NULL, 0, TA | ROUTE_OWNER},
    {"GET", "/v1/usage", privacy_usage, NULL, P_CONFIG_READ, TA},
    {"GET", "/v1/benchmarks", benchmarks_show, NULL, P_CONFIG_READ, TA},

    /* Onboarding (issue 18 item 7) and the console's SSO button (issue
     * 17): the checklist, and how a browser may sign in. */
    {"GET", "/v1/onboarding", onboarding_show, NULL, P_CONFIG_READ, TA},
    {"GET", "/v1/auth/providers", providers_show, NULL, 0, T},
    /* Invitations, password reset, verified-domain joining (issue 18,
     * mail): the accepting routes are public, the link is the
     * credential. */
    {"POST", "/v1/invitations/accept", invitations_accept, NULL, 0, T},
    {"POST", "/v1/invitations", invitations_create, NULL, P_USERS_MANAGE, TA},
    {"GET", "/v1/invitations", invitations_index, NULL, P_USERS_MANAGE, TA},
    {"DELETE", "/v1/invitations/{id}", invitations_revoke, NULL, P_USERS_MANAGE,
     TA},
    {"POST", "/v1/auth/password/forgot", recovery_forgot, NULL, 0, T},
    {"POST", "/v1/auth/password/reset", recovery_reset, NULL, 0, T},
    {"POST", "/v1/auth/join", recovery_join, NULL, 0, T},
    {"POST", "/v1/auth/join/accept", recovery_join_accept, NULL, 0, T},

    /* Audit. */
    {"GET", "/v1/audit", audit_list, NULL, P_AUDIT_READ, TA},
    {"GET", "/v1/audit/verify", audit_check, NULL, P_AUDIT_READ, TA},

    /* Support access (issue 18 item 6): operators impersonating tenant
     * users with the tenant's consent (api/impersonation.h). */
    {"POST", "/v1/platform/tenants/{id}/impersonate", impersonation_start, NULL,
     0, OP},
    {"GET", "/v1/support/requests", support_requests_list, NULL, P_USERS_MANAGE,
     TA},
    {"POST", "/v1/support/requests/{id}/approve", support_request_approve, NULL,
     0, TA | ROUTE_OWNER},
    {"POST", "/v1/support/requests/{id}/deny", support_request_deny, NULL, 0,
     TA | ROUTE_OWNER},
    {"GET", "/v1/support/sessions", support_sessions_list, NULL, P_USERS_MANAGE,
     TA},
    {"DELETE", "/v1/support/sessions/{id}", support_session_delete, NULL,
     P_USERS_MANAGE, TA},
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
