/*
 * records.h - /v1/collections/{c}/records.
 */
#ifndef STRATA_API_RECORDS_H
#define STRATA_API_RECORDS_H

struct request;
struct collection;
struct plan;
struct record_query;

/* GET .../records?filter[f][op]=v&sort=[-]f&limit=&cursor= (records:read):
 * one round trip when this worker knows the definition; the page streams
 * and stops at limit items or about 1 MiB. */
int records_list(struct request *req, struct plan *plan);
/* The definition a read of req->args[0] names, from its first trip (cur,
 * with known the worker's cached copy or NULL): known while its version
 * holds, else parsed from the text cur brought; NULL when the collection
 * does not exist.  Shared by the routes that read records. */
struct collection;
struct collection_current;
const struct collection *
records_definition(struct request *req, const struct collection *known,
                   const struct collection_current *cur);
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
