/*
 * api_keys.h - /v1/api-keys, in the plan shape (api/plan.h): each handler
 * returns 0 once it has answered, or the status of its one error answer.
 */
#ifndef STRATA_API_API_KEYS_H
#define STRATA_API_API_KEYS_H

struct plan;
struct request;

/* GET /v1/api-keys (apikeys:manage): never the secrets. */
int api_keys_list(struct request *req, struct plan *plan);
/* POST /v1/api-keys {name,permissions,expires_at?} -> 201 with the key,
 * shown this once. */
int api_keys_create(struct request *req, struct plan *plan);
/* DELETE /v1/api-keys/{id} -> 204; the key stops working at once. */
int api_keys_delete(struct request *req, struct plan *plan);

#endif
