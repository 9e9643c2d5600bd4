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

/* The credential of the Authorization header, checked without the
 * database where it can be: an access token's signature with the
 * tenant's cached key, an API key's form (its secret is compared with
 * the stored hash when the principal is read).  A first-seen single
 * sign-on user is provisioned here, in a transaction of its own.  Fills
 * req->principal's kind, id and session.  Returns 0 or the status
 * recorded with api_fail() (401, 503). */
int auth_credential(struct request *req);

#endif
