/*
 * routes.c - every HTTP route of Strata.
 */
#include "api/routes.h"

#include "api/health.h"
#include "api/tenant.h"
#include "sec/rbac.h"

#define ANY (ROUTE_ANY_HOST | ROUTE_NO_TENANT)
#define T ROUTE_TENANT

const struct route routes[] = {
    {"GET", "/healthz", health_live, 0, ANY, NULL},
    {"GET", "/readyz", health_ready, 0, ANY, NULL},
    {"GET", "/metrics", health_metrics, 0, ANY, NULL},

    {"GET", "/v1/tenant", tenant_show, 0, T, NULL},
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
