/*
 * collections.h - /v1/collections.
 */
#ifndef STRATA_API_COLLECTIONS_H
#define STRATA_API_COLLECTIONS_H

struct request;
struct plan;

/* GET /v1/collections (records:read): every collection, one page. */
int collections_list(struct request *req, struct plan *plan);
/* GET /v1/collections/{name} (records:read); ETag = version. */
int collections_show(struct request *req, struct plan *plan);
/* POST /v1/collections (collections:manage) -> 201. */
int collections_create(struct request *req, struct plan *plan);
/* PUT /v1/collections/{name} (collections:manage): a new version; the
 * pivot follows changed indexed fields in the same transaction. */
int collections_replace(struct request *req, struct plan *plan);
/* DELETE /v1/collections/{name} (collections:manage): with its records. */
int collections_delete(struct request *req, struct plan *plan);

#endif
