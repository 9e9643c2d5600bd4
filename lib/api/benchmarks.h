/*
 * benchmarks.h - GET /v1/benchmarks: where a tenant stands among the
 * tenants of its plan (docs/analytics.md).
 */
#ifndef STRATA_API_BENCHMARKS_H
#define STRATA_API_BENCHMARKS_H

struct request;
struct plan;

/* GET /v1/benchmarks (config:read): {day, cohort:{plan},
 * epsilon_per_metric, metrics:{records, active_users, requests,
 * error_rate: {percentile}}} from the answers the rollup drew for the
 * tenant's latest rolled-up day (one round trip, nothing drawn here: the
 * same day always gives the same answer).  404 when there is none: the
 * cohort had fewer than k tenants, or no day was rolled up in the last 7. */
int benchmarks_show(struct request *req, struct plan *plan);

#endif
