/*
 * errors.c - data failures to problems, in one table.
 */
#include "api/errors.h"

#include <string.h>

#include "api/api.h"
#include "core/log.h"
#include "core/request.h"
#include "data/db.h"
#include "data/tenants.h"

/* SQLSTATE (or its two-character class, written "XX...") to a problem,
 * where msg is set only when the message starts so as well.  First match
 * wins; anything else is a 500 logged with its state. */
static const struct {
	const char *state;
	const char *msg;
	int status;
	const char *code;
	const char *detail;
} sqlstates[] = {
    /* Citus, while a tenant's shards are split or moved (strata tenant
     * isolate, place): a statement planned against the old shard finds it
     * gone, as an internal error from the coordinator or a missing shard
     * table from a worker (shard tables are named schema-qualified,
     * strata.<table>_<shard id>; Strata's own statements never qualify).
     * The next attempt is routed to the new shard. */
    {"XX000", "could not find valid entry for shard", 503,
     "service_unavailable", "the tenant's data is being moved; retry shortly"},
    {"XX000", "could not find any shard placements", 503, "service_unavailable",
     "the tenant's data is being moved; retry shortly"},
    {"42P01", "relation \"strata.", 503, "service_unavailable",
     "the tenant's data is being moved; retry shortly"},
    {"57014", NULL, 503, "service_unavailable",
     "the request took too long; retry shortly"},
    {"55P03", NULL, 503, "service_unavailable",
     "the request took too long; retry shortly"},
    {"40001", NULL, 409, "conflict", "a concurrent change conflicted; retry"},
    {"40P01", NULL, 409, "conflict", "a concurrent change conflicted; retry"},
    {"23505", NULL, 409, "conflict", "this already exists"},
    {"23503", NULL, 409, "conflict",
     "this is still referenced or refers to nothing"},
    {"54000", NULL, 422, "validation_failed",
     "the value is too large to store"},
    /* A demoted primary (failover): the worker reconnects to the new one. */
    {"25006", NULL, 503, "service_unavailable", "the database is unavailable"},
    {"08...", NULL, 503, "service_unavailable", "the database is unavailable"},
    {"53...", NULL, 503, "service_unavailable",
     "the database is overloaded; retry shortly"},
    {"57P..", NULL, 503, "service_unavailable", "the database is unavailable"},
};

static int
state_matches(const char *pattern, const char *state)
{
	for (int i = 0; i < 5; i++)
		if (pattern[i] != '.' && pattern[i] != state[i])
			return 0;
	return 1;
}

int
errors_from_db(struct request *req, int rc)
{
	struct db *db = req->db;

	switch (rc) {
	case DB_UNAVAILABLE:
		return api_fail(req, 503, "service_unavailable",
		                "the database is unavailable");
	case DB_QUEUE_FAILED:
		/* Already logged with the statement's name by db_queue. */
		return api_fail(req, 500, "internal_error",
		                "an internal error occurred");
	default:
		break;
	}
	if (db->conn == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the database is unavailable");
	for (size_t i = 0; i < sizeof(sqlstates) / sizeof(sqlstates[0]); i++)
		if (state_matches(sqlstates[i].state, db->sqlstate) &&
		    (sqlstates[i].msg == NULL ||
		     strncmp(db->errmsg, sqlstates[i].msg,
		             strlen(sqlstates[i].msg)) == 0))
			return api_fail(req, sqlstates[i].status,
			                sqlstates[i].code, sqlstates[i].detail);
	log_error("statement failed: %s %s", db->sqlstate, db->errmsg);
	return api_fail(req, 500, "internal_error",
	                "an internal error occurred");
}

int
errors_from_tenant(struct request *req, enum tenant_lookup state)
{
	switch (state) {
	case TENANT_FOUND:
		return 0;
	case TENANT_SUSPENDED:
		return api_fail(req, 403, "tenant_suspended",
		                "this tenant is suspended");
	case TENANT_UNAVAILABLE:
		return api_fail(req, 503, "service_unavailable",
		                "the database is unavailable");
	case TENANT_RESTORING:
		return api_fail(req, 503, "service_unavailable",
		                "this tenant is being restored; retry shortly");
	case TENANT_MOVING:
		return api_fail(
		    req, 503, "service_unavailable",
		    "this tenant is moving to another region; retry "
		    "shortly");
	default:
		return api_fail(req, 404, "tenant_not_found", "no such tenant");
	}
}
