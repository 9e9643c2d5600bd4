/*
 * plan.h - one plan per request (DESIGN.md, "Request path").
 *
 * The pipeline opens the plan before the handler runs: on a tenant host
 * it queues BEGIN, SET LOCAL strata.tenant_id, the tenant's version row
 * and, unless this worker's cache holds it, the caller's principal.  The
 * handler validates its input, queues its typed reads (lib/data) and then
 * sends the whole plan in one round trip:
 *
 *   plan_read()    reads only: COMMIT rides the same trip
 *   plan_run()     reads before writes: the transaction stays open
 *   plan_commit()  the writes queued after plan_run(), then COMMIT
 *
 * plan_read() and plan_run() authorize the route from the principal read
 * in that trip before they return, so a handler renders nothing, and
 * queues no write, for a caller who lacks the permission: writes are only
 * queued after plan_run() said yes (a second trip).  Every function
 * returns 0 or the HTTP status of the failure, recorded with api_fail();
 * the handler returns it and the pipeline writes the one error answer.
 */
#ifndef STRATA_API_PLAN_H
#define STRATA_API_PLAN_H

#include <stdbool.h>

#include "data/api_keys.h"
#include "data/operators.h"
#include "data/support.h"
#include "data/users.h"
#include "data/versions.h"

struct request;
struct principal_entry;

struct plan {
	struct request *req;
	struct tenant_versions v; /* the version row, after the trip */
	bool tenant_tx;           /* BEGIN + SET LOCAL queued or open */
	bool implicit_tx;      /* ROUTE_READ: the tenant set for the pipeline's
	                        * implicit transaction, which its sync ends */
	bool more_commit;      /* plan_more's trip ends with a COMMIT */
	bool authorized;       /* the route's permission was checked */
	bool need_principal;   /* the route needs a tenant principal */
	bool principal_queued; /* the row below travels in the trip */
	struct principal_entry *cached; /* an entry to check by epoch */
	bool touch_queued;              /* an API key's last use rides along */
	struct user_principal_row user;
	struct api_key_principal_row key;
	bool need_operator;     /* an apex route of operators */
	struct operator_row op; /* the operator's status, after the trip */
	struct support_session_row support; /* an impersonation's session */
};

/* Opens req's plan: the tenant transaction, the version row and the
 * credential (from the Authorization header: verified here, its principal
 * queued or found in the cache).  On the apex only an operator route
 * has a credential: the operator token, verified here, its operator's
 * status read in the trip.  Returns 0 or a status (401, 503). */
int plan_open(struct plan *p, struct request *req);

int plan_read(struct plan *p);

/* A read's later trip, after plan_read, in a transaction of its own:
 * plan_more() queues the tenant (db_begin_read), the caller queues its
 * reads, plan_more_run() sends them.  Returns 0 or a status. */
void plan_more(struct plan *p);
int plan_more_run(struct plan *p);
int plan_run(struct plan *p);
int plan_commit(struct plan *p);

/* A refusal before the plan's first trip (a validation error): returns
 * st after collecting what plan_open and the handler queued, while the
 * structs their results decode into still live (the plan and the
 * handler's locals are on the stack; results left for the end of the
 * request would be decoded into dead frames).  Costs a round trip only
 * when something was queued; the transaction is rolled back at the end
 * of the request. */
int plan_refuse(struct plan *p, int st);

/* The route's permission, checked against the principal the trip read;
 * used by plan_read/plan_run, and by handlers that need a further one
 * (e.g. pii:read to reveal).  Returns 0 or 403. */
int plan_require(struct plan *p, unsigned perm);

#endif
