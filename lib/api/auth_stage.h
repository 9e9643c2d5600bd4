/*
 * auth_stage.h - authentication and authorization of a routed request.
 */
#ifndef STRATA_API_AUTH_STAGE_H
#define STRATA_API_AUTH_STAGE_H

struct request;

/* Establishes req->principal from the Authorization header as the route
 * requires and checks the route's permission.  Returns 0 to go on, or -1
 * after writing 401/403/503. */
int auth_stage(struct request *req);

#endif
