/*
 * auth_stage.h - authentication and authorization of a routed request.
 */
#ifndef STRATA_API_AUTH_STAGE_H
#define STRATA_API_AUTH_STAGE_H

struct request;
struct operator_row;

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

/* An operator route's credential: the platform token of the
 * Authorization header, verified with the platform key.  Fills
 * req->principal (an operator, no permissions yet) and queues the
 * operator's current status into op for the caller's trip (op->active
 * decides).  Returns 0 or the status recorded with api_fail() (401). */
int auth_operator_credential(struct request *req, struct operator_row *op);

#endif
