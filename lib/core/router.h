/*
 * router.h - a static route table searched by method and path (after
 * OpenBSD's bgplgd).  Patterns are literal segments and {name} captures:
 * "/v1/collections/{name}/records/{id}".
 */
#ifndef STRATA_CORE_ROUTER_H
#define STRATA_CORE_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct request;
struct plan;

enum route_flag {
	ROUTE_APEX = 1 << 0,      /* served on the apex host */
	ROUTE_TENANT = 1 << 1,    /* served on tenant hosts */
	ROUTE_AUTH = 1 << 2,      /* needs a tenant principal */
	ROUTE_OPERATOR = 1 << 3,  /* needs a platform operator */
	ROUTE_OWNER = 1 << 4,     /* needs the tenant's owner role */
	ROUTE_NO_TENANT = 1 << 5, /* never resolves the tenant (health) */
	ROUTE_MFA_SETUP = 1 << 6, /* open to an MFA enrolment token */
	ROUTE_READ = 1 << 7       /* one trip that writes nothing (plan_read
	                           * only): no BEGIN or COMMIT (db_begin_read) */
};

#define ROUTE_ANY_HOST (ROUTE_APEX | ROUTE_TENANT)

struct route {
	const char *method;
	const char *pattern;
	/* The handler in the plan shape (api/plan.h): validates, queues its
	 * reads, runs the plan, renders.  Returns 0 once it has answered, or
	 * the HTTP status of the error the pipeline then writes. */
	int (*run)(struct request *req, struct plan *plan);
	/* Routes that never resolve a tenant (ROUTE_NO_TENANT: health and
	 * metrics): no plan; 0 once answered or the error's status, as run.
	 * NULL for every other route. */
	int (*handler)(struct request *req);
	uint32_t perm;  /* permission bits required (sec/rbac.h) */
	unsigned flags; /* enum route_flag */
};

/* Finds the route for method and path in table[0..n).  On a match returns
 * its index and fills args[] (percent-decoded, arena-owned) and *nargs.
 * Returns -404 when no pattern matches the path, -405 when patterns match
 * but not the method (allow then lists the methods, comma-separated), or
 * -400 when a captured segment is malformed. */
int router_match(struct request *req, const struct route *table, size_t n,
                 const char *method, const char *path, char *allow,
                 size_t allowsz);

#endif
