/*
 * aggregate.h - GET /v1/collections/{c}/aggregate: counts, sums, averages,
 * minima and maxima of a tenant's records, grouped by an indexed field.
 */
#ifndef STRATA_API_AGGREGATE_H
#define STRATA_API_AGGREGATE_H

struct request;
struct plan;

/* GET .../aggregate?group_by=f&metric=count|count(f)|sum(f)|avg(f)|min(f)|
 * max(f)&filter[f][op]=v (records:read): {collection, group_by, metric,
 * groups:[{key, value}]}, groups in key order.  Runs on the pivot index
 * (indexed fields only; personal data fields are only counted and
 * filtered by equality, never grouped), under a statement timeout of
 * AGGREGATE_TIMEOUT; more than 1,000 groups is a 422.  One round trip when
 * this worker knows the collection's definition. */
int aggregate_show(struct request *req, struct plan *plan);

#define AGGREGATE_TIMEOUT "2s"

#endif
