/*
 * users.h - /v1/users.
 */
#ifndef STRATA_API_USERS_H
#define STRATA_API_USERS_H

struct request;

/* GET /v1/users (users:read): keyset pages ordered by id. */
void users_list(struct request *req);
/* GET /v1/users/{id} (users:read); ETag = version. */
void users_show(struct request *req);
/* POST /v1/users {email,name,password?,roles} (users:manage) -> 201. */
void users_create(struct request *req);
/* PATCH /v1/users/{id} {name?,password?,roles?,status?} (users:manage). */
void users_update(struct request *req);
/* DELETE /v1/users/{id} (users:manage) -> 204. */
void users_delete(struct request *req);

#endif
