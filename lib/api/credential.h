/*
 * credential.h - the credential of a request's Authorization header.
 */
#ifndef STRATA_API_CREDENTIAL_H
#define STRATA_API_CREDENTIAL_H

struct request;
struct operator_row;

/* The credential of the Authorization header, checked without the
 * database where it can be: an access token's signature with the
 * tenant's cached key, an API key's form (its secret is compared with
 * the stored hash when the principal is read).  A first-seen single
 * sign-on user is provisioned here, in a transaction of its own.  Fills
 * req->principal's kind, id and session.  Returns 0 or the status
 * recorded with api_fail() (401, 503). */
int credential_read(struct request *req);

/* An operator route's credential: the platform token of the
 * Authorization header, verified with the platform key.  Fills
 * req->principal (an operator, no permissions yet) and queues the
 * operator's current status into op for the caller's trip (op->active
 * decides).  Returns 0 or the status recorded with api_fail() (401). */
int credential_operator(struct request *req, struct operator_row *op);

#endif
