/*
 * roles.h - /v1/roles.
 */
#ifndef STRATA_API_ROLES_H
#define STRATA_API_ROLES_H

#include <stdbool.h>

struct request;

/* GET /v1/roles (users:read). */
void roles_list(struct request *req);
/* GET /v1/roles/{name} (users:read). */
bool roles_prefetch_show(struct request *req);
void roles_show(struct request *req);
/* POST /v1/roles {name,permissions} (roles:manage) -> 201; 409 if taken. */
void roles_create(struct request *req);
/* PATCH /v1/roles/{name} {permissions} (roles:manage); built-ins 409. */
void roles_update(struct request *req);
/* DELETE /v1/roles/{name} (roles:manage); built-in or in use 409. */
void roles_delete(struct request *req);

#endif
