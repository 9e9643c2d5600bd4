/*
 * errors.h - the one table from data-layer failures (enum db_status and
 * SQLSTATEs) to problem types and HTTP statuses.
 */
#ifndef STRATA_API_ERRORS_H
#define STRATA_API_ERRORS_H

#include "data/tenants.h"

struct request;

/* Records the problem for a failed round trip (rc from db_sync or the
 * plan) in req->err and returns its HTTP status (409, 503, 500, ...).
 * Unexpected failures are logged with their SQLSTATE, never sent. */
int errors_from_db(struct request *req, int rc);

/* 0 for TENANT_FOUND, else the status of a tenant lookup's answer (403
 * tenant_suspended, 404 tenant_not_found, 503) recorded with api_fail(). */
int errors_from_tenant(struct request *req, enum tenant_lookup state);

#endif
