/*
 * records.h - /v1/collections/{c}/records.
 */
#ifndef STRATA_API_RECORDS_H
#define STRATA_API_RECORDS_H

#include <stdbool.h>

struct request;
struct collection;
struct record_query;

/* GET .../records?filter[f][op]=v&sort=[-]f&limit=&cursor= (records:read). */
bool records_prefetch_list(struct request *req);
void records_list(struct request *req);
/* GET .../records/{id} (records:read): one round trip in all. */
bool records_prefetch_show(struct request *req);
void records_show(struct request *req);
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
 * 0, or -1 after writing 400. */
int records_read_query(struct request *req, const struct collection *c,
                       struct record_query *q);

#endif
