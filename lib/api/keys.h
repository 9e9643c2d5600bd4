/*
 * keys.h - POST /v1/keys/rotate (keys:manage).
 */
#ifndef STRATA_API_KEYS_H
#define STRATA_API_KEYS_H

struct request;
struct plan;

/* New signing, data and index keys; the old ones stay usable for
 * verifying and decrypting.  200 {signing_key_id,data_key_id,
 * index_key_id}.  In the plan shape (api/plan.h). */
int keys_rotate(struct request *req, struct plan *plan);

#endif
