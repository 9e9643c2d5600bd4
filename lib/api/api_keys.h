/*
 * api_keys.h - /v1/api-keys.
 */
#ifndef STRATA_API_API_KEYS_H
#define STRATA_API_API_KEYS_H

struct request;

/* GET /v1/api-keys (apikeys:manage): never the secrets. */
void api_keys_list(struct request *req);
/* POST /v1/api-keys {name,permissions,expires_at?} -> 201 with the key,
 * shown this once. */
void api_keys_create(struct request *req);
/* DELETE /v1/api-keys/{id} -> 204; the key stops working at once. */
void api_keys_delete(struct request *req);

#endif
