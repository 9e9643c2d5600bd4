/*
 * audit.c - audit events, in the caller's transaction.
 */
#include "data/audit.h"

#include "core/metrics.h"
#include "core/request.h"
#include "data/db.h"

static struct db_stmt st_insert = DB_STMT(
    "audit_insert",
    "INSERT INTO audit_events (tenant_id, actor_type, actor_id, action, "
    "target_type, target_id, outcome, request_id, client_addr, details) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)",
    10);

static const char *const outcomes[] = {"success", "failure", "denied"};

static const char *
actor_type(const struct principal *p)
{
	switch (p->kind) {
	case PRINCIPAL_USER:
		return "user";
	case PRINCIPAL_API_KEY:
		return "api_key";
	case PRINCIPAL_OPERATOR:
		return "operator";
	default:
		return "anonymous";
	}
}

int
audit_queue(struct request *req, const char *action, const char *target_type,
            const char *target_id, enum audit_outcome outcome,
            const char *details)
{
	const char *params[10] = {
	    req->tenant->id_str,
	    actor_type(&req->principal),
	    req->principal.id_str,
	    action,
	    target_type ? target_type : "",
	    target_id ? target_id : "",
	    outcomes[outcome],
	    req->request_id,
	    req->client_addr,
	    details ? details : "{}",
	};

	metrics_add(M_AUDIT_EVENTS, 1);
	return db_queue(req->db, &st_insert, params);
}
