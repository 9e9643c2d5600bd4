/*
 * platform_plans.h - the operators' routes for the platform's plans
 * (data/plans.h): list, create, update.  Editing a plan gives it a new
 * version; every tenant on it is capped by the edit from its next request
 * on every worker.
 */
#ifndef STRATA_API_PLATFORM_PLANS_H
#define STRATA_API_PLATFORM_PLANS_H

struct request;
struct plan;

/* GET /v1/platform/plans -> 200 {items, next_cursor: null}. */
int platform_plans_list(struct request *req, struct plan *plan);
/* POST /v1/platform/plans {name, limits, audit_retention_min_days,
 * templates, features, regions} -> 201 plan; 409 name taken; 422. */
int platform_plans_create(struct request *req, struct plan *plan);
/* PATCH /v1/platform/plans/{name} (any members but name) -> 200 plan;
 * 404 unknown; 422. */
int platform_plans_update(struct request *req, struct plan *plan);

#endif
