/*
 * audit.c - reading the audit trail.
 */
#include "api/audit.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "core/timefmt.h"
#include "data/audit.h"
#include "data/db.h"

#define EVENT_JSON                                                             \
	"json_build_object('seq', e.seq, 'at', ts(e.at), 'actor', "            \
	"json_build_object('type', e.actor_type, 'id', NULLIF(e.actor_id, "    \
	"'')), 'action', e.action, 'target', json_build_object('type', "       \
	"NULLIF(e.target_type, ''), 'id', NULLIF(e.target_id, '')), "          \
	"'outcome', e.outcome, 'request_id', e.request_id, 'client_addr', "    \
	"e.client_addr, 'details', e.details)"

static bool
time_ok(const char *v)
{
	int64_t ms;

	return v == NULL || timefmt_parse(v, &ms) == 0;
}

void
audit_list(struct request *req)
{
	const char *actor = request_query(req, "actor");
	const char *action = request_query(req, "action");
	const char *since = request_query(req, "since");
	const char *until = request_query(req, "until");
	const char *params[8];
	struct api_page p;
	struct buf sql;
	int n = 0, h;

	if (api_page(req, "audit", &p) < 0)
		return;
	if (p.after != NULL &&
	    strspn(p.after, "0123456789") != strlen(p.after)) {
		problem(req, 400, "bad_request", "the cursor is not valid");
		return;
	}
	if (!time_ok(since) || !time_ok(until)) {
		problem(req, 400, "bad_request",
		        "since and until are RFC 3339 times");
		return;
	}
	buf_init(&sql, req->arena, 1024, 8192);
	params[n++] = req->tenant->id_str;
	buf_puts(&sql, "SELECT e.seq, " EVENT_JSON " FROM audit_events e WHERE "
	               "e.tenant_id = $1");
	if (actor != NULL) {
		params[n++] = actor;
		buf_printf(&sql, " AND e.actor_id = $%d", n);
	}
	if (action != NULL) {
		size_t len = strlen(action);

		/* "record." names every record.* action. */
		params[n++] = action;
		if (len > 0 && action[len - 1] == '.')
			buf_printf(&sql,
			           " AND e.action LIKE replace(replace($%d, "
			           "'%%', ''), '_', '\\_') || '%%'",
			           n);
		else
			buf_printf(&sql, " AND e.action = $%d", n);
	}
	if (since != NULL) {
		params[n++] = since;
		buf_printf(&sql, " AND e.at >= $%d::timestamptz", n);
	}
	if (until != NULL) {
		params[n++] = until;
		buf_printf(&sql, " AND e.at < $%d::timestamptz", n);
	}
	if (p.after != NULL) {
		params[n++] = p.after;
		buf_printf(&sql, " AND e.seq < $%d::bigint", n);
	}
	params[n++] = p.fetch;
	buf_printf(&sql, " ORDER BY e.seq DESC LIMIT $%d", n);
	h = db_queue_text(req->db, buf_cstr(&sql), n, params);
	if (api_commit(req) < 0)
		return;
	api_list(req, db_result(req->db, h), 1, 0, p.limit, "audit");
}

void
audit_check(struct request *req)
{
	struct audit_report rep;
	cJSON *o;

	/* The auth stage's transaction is not needed: the sealer and the
	 * verifier use their own. */
	if (api_commit(req) < 0)
		return;
	if (audit_seal(req->db, req->arena, &req->tenant->id,
	               cfg.audit_seal_horizon_s) < 0 ||
	    audit_verify(req->db, req->arena, &req->tenant->id, &rep) < 0) {
		db_finish(req->db);
		problem(req, 503, "service_unavailable",
		        "the audit trail cannot be read now");
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "valid", rep.valid);
	cJSON_AddNumberToObject(o, "events", (double)rep.events);
	json_add_str(o, "head", rep.head[0] ? rep.head : NULL);
	if (rep.broken_at >= 0)
		cJSON_AddNumberToObject(o, "broken_at", (double)rep.broken_at);
	else
		cJSON_AddNullToObject(o, "broken_at");
	json_add_str(o, "reason", rep.reason);
	cJSON_AddNumberToObject(o, "unsealed", (double)rep.unsealed);
	if (rep.purged_through > 0) {
		cJSON *p = cJSON_AddObjectToObject(o, "purged");

		cJSON_AddNumberToObject(p, "through_seq",
		                        (double)rep.purged_through);
		cJSON_AddNumberToObject(p, "events", (double)rep.purged_count);
	}
	response_json(req, 200, o);
}
