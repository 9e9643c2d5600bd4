/*
 * records.h - /v1/collections/{c}/records.
 */
#ifndef STRATA_API_RECORDS_H
#define STRATA_API_RECORDS_H

#include <stdbool.h>
#include <stdint.h>

#include "data/collections.h"

struct request;
struct plan;
struct record_query;

/* GET .../records?filter[f][op]=v&sort=[-]f&limit=&cursor= (records:read):
 * one round trip when this worker knows the definition; the page streams
 * and stops at limit items or about 1 MiB. */
int records_list(struct request *req, struct plan *plan);

/* What a read's first trip knew of the definition of its collection
 * (req->args[0]): the worker's copy, and its version and text, kept by
 * value (a copy that is parsed again is parsed into the same slot).
 * Shared by the routes that read records. */
struct known_def {
	const struct collection *c;
	long long version;
	uint64_t hash;
	struct collection_current cur; /* read in the trip, unless confirmed */
};

/* Before the first trip: the worker's copy in k, and the collection
 * queued unless the copy is confirmed. */
void records_known_def_open(struct request *req, struct known_def *k);
/* After the first trip (plan_read): the definition in *c, NULL when the
 * collection does not exist; *same when it is the copy the first trip's
 * queries were built from (k->c); when not, they must be built again from
 * *c.  May run one more trip of the plan.  Returns 0 or a status. */
int records_read_definition(struct request *req, struct plan *plan,
                            struct known_def *k, const struct collection **c,
                            bool *same);
/* GET .../records/{id} (records:read): one round trip in all. */
int records_show(struct request *req, struct plan *plan);
/* POST .../records {"data":{...}} (records:write) -> 201 + Location: two
 * round trips (the locked definition and the count with the principal,
 * then the write with its pivot rows, counter and audit event). */
int records_create(struct request *req, struct plan *plan);
/* PUT .../records/{id} {"data"} and PATCH (merge patch of data): the same
 * two trips, If-Match checked against the locked record. */
int records_replace(struct request *req, struct plan *plan);
int records_patch(struct request *req, struct plan *plan);
/* DELETE .../records/{id} (records:delete) -> 204. */
int records_delete(struct request *req, struct plan *plan);

/* Reads ?filter/sort/limit/cursor of req into q for collection c.  Returns
 * 0, or -1 with the 400 recorded (api_fail). */
int records_read_query(struct request *req, const struct collection *c,
                       struct record_query *q);

#endif
