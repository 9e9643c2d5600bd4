/*
 * records.h - /v1/collections/{c}/records.
 */
#ifndef STRATA_API_RECORDS_H
#define STRATA_API_RECORDS_H

#include <stdbool.h>

struct request;
struct collection;
struct plan;
struct record_query;

/* GET .../records?filter[f][op]=v&sort=[-]f&limit=&cursor= (records:read):
 * one round trip when this worker knows the definition; the page streams
 * and stops at limit items or about 1 MiB. */
int records_list(struct request *req, struct plan *plan);
/* GET .../records/{id} (records:read): one round trip in all. */
int records_show(struct request *req, struct plan *plan);
/* POST .../records {"data":{...}} (records:write) -> 201 + Location. */
bool records_prefetch_create(struct request *req);
void records_create(struct request *req);
/* PUT .../records/{id} {"data"} and PATCH (merge patch of data). */
bool records_prefetch_change(struct request *req);
void records_replace(struct request *req);
void records_patch(struct request *req);
/* DELETE .../records/{id} (records:delete) -> 204. */
bool records_prefetch_delete(struct request *req);
void records_delete(struct request *req);

/* Reads ?filter/sort/limit/cursor of req into q for collection c.  Returns
 * 0, or -1 with the 400 recorded (api_fail). */
int records_read_query(struct request *req, const struct collection *c,
                       struct record_query *q);

#endif
