/*
 * users.h - /v1/users, in the plan shape (api/plan.h): each handler
 * returns 0 once it has answered, or the status of its one error answer.
 */
#ifndef STRATA_API_USERS_H
#define STRATA_API_USERS_H

struct plan;
struct request;

/* GET /v1/users (users:read): keyset pages ordered by id. */
int users_list(struct request *req, struct plan *plan);
/* GET /v1/users/{id} (users:read); ETag = version. */
int users_show(struct request *req, struct plan *plan);
/* POST /v1/users {email,name,password?,roles} (users:manage) -> 201. */
int users_create(struct request *req, struct plan *plan);
/* PATCH /v1/users/{id} {name?,password?,roles?,status?} (users:manage). */
int users_update(struct request *req, struct plan *plan);
/* DELETE /v1/users/{id} (users:manage) -> 204. */
int users_delete(struct request *req, struct plan *plan);

#endif
