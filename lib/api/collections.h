/*
 * collections.h - /v1/collections.
 */
#ifndef STRATA_API_COLLECTIONS_H
#define STRATA_API_COLLECTIONS_H

#include <stdbool.h>

struct request;

/* GET /v1/collections (records:read). */
bool collections_prefetch_list(struct request *req);
void collections_list(struct request *req);
/* GET /v1/collections/{name} (records:read); ETag = version. */
bool collections_prefetch_show(struct request *req);
void collections_show(struct request *req);
/* POST /v1/collections (collections:manage) -> 201. */
void collections_create(struct request *req);
/* PUT /v1/collections/{name} (collections:manage): a new version; the
 * pivot follows changed indexed fields in the same transaction. */
void collections_replace(struct request *req);
/* DELETE /v1/collections/{name} (collections:manage): with its records. */
void collections_delete(struct request *req);

#endif
