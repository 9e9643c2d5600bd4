/*
 * roles.h - /v1/roles, in the plan shape (api/plan.h): each handler
 * returns 0 once it has answered, or the status of its one error answer.
 */
#ifndef STRATA_API_ROLES_H
#define STRATA_API_ROLES_H

struct plan;
struct request;

/* GET /v1/roles (users:read). */
int roles_list(struct request *req, struct plan *plan);
/* GET /v1/roles/{name} (users:read). */
int roles_show(struct request *req, struct plan *plan);
/* POST /v1/roles {name,permissions} (roles:manage) -> 201; 409 if taken. */
int roles_create(struct request *req, struct plan *plan);
/* PATCH /v1/roles/{name} {permissions} (roles:manage); built-ins 409. */
int roles_update(struct request *req, struct plan *plan);
/* DELETE /v1/roles/{name} (roles:manage); built-in or in use 409. */
int roles_delete(struct request *req, struct plan *plan);

#endif
