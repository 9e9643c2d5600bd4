/*
 * platform_plans.c - /v1/platform/plans.
 *
 * Round trips: a list is one.  A write is two: the operator's status
 * (authorization), then the write; the table's checks and primary key
 * guard it in SQL.
 */
#include "api/platform_plans.h"

#include <string.h>

#include "api/api.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/log.h"
#include "core/request.h"
#include "core/response.h"
#include "data/db.h"
#include "data/audit.h"
#include "data/plans.h"
#include "data/platform_audit.h"

static const char *const plan_members[] = {
    "name",    "limits", "audit_retention_min_days", "templates", "features",
    "regions", NULL};

int
platform_plans_list(struct request *req, struct plan *plan)
{
	struct plan_list l;
	int st;

	plans_list(req->db, &l);
	if ((st = plan_read(plan)) != 0)
		return st;
	api_list_texts(req, l.n, l.json, l.json, l.n, "platform_plans");
	return 0;
}

/* The body as plan fields: 0 or 400/422. */
static int
read_plan(struct request *req, bool create, struct plan_fields *f)
{
	const cJSON *b = api_object(req, plan_members);
	cJSON *errors;

	if (b == NULL)
		return req->err.status;
	if ((errors = plans_parse(req->arena, b, create, f)) != NULL)
		return api_fail_errors(req, 422, "validation_failed",
		                       "the plan is not valid", errors);
	return 0;
}

/* A plan's creation or edit, in the platform audit log, in the
 * transaction of the change. */
static void
audit_plan(struct request *req, const char *action, const char *name)
{
	struct audit_event e = {
	    .actor_type = "operator",
	    .actor_id = req->principal.id_str,
	    .action = action,
	    .target_type = "plan",
	    .target_id = name,
	    .outcome = AUDIT_SUCCESS,
	    .request_id = req->request_id,
	    .client_addr = req->client_addr,
	    .details = NULL,
	};

	platform_audit_queue(req->db, &e);
}

int
platform_plans_create(struct request *req, struct plan *plan)
{
	struct plan_fields f;
	struct plan_row out;
	int st;

	if ((st = plan_run(plan)) != 0 || (st = read_plan(req, true, &f)) != 0)
		return st;
	plans_insert(req->db, &f, &out);
	audit_plan(req, "plan.create", f.name);
	if ((st = plan_commit(plan)) != 0) {
		if (!db_error_is(req->db, "23505"))
			return st;
		memset(&req->err, 0, sizeof(req->err));
		return api_fail(req, 409, "conflict",
		                "a plan with this name exists");
	}
	log_info("plan %s created by operator %s", out.name,
	         req->principal.id_str);
	api_created(req,
	            arena_printf(req->arena, "/v1/platform/plans/%s", out.name),
	            out.json);
	return 0;
}

int
platform_plans_update(struct request *req, struct plan *plan)
{
	struct plan_fields f;
	struct plan_row known, out;
	int st;

	/* Plans are never deleted: one found in the first trip is there to
	 * be edited (and audited) in the second. */
	plans_get(req->db, req->args[0], &known);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!known.found)
		return api_fail(req, 404, "not_found", "no such plan");
	if ((st = read_plan(req, false, &f)) != 0)
		return st;
	f.name = req->args[0];
	plans_update(req->db, &f, &out);
	audit_plan(req, "plan.update", f.name);
	if ((st = plan_commit(plan)) != 0)
		return st;
	if (!out.found)
		return api_fail(req, 404, "not_found", "no such plan");
	log_info("plan %s updated by operator %s (version %lld)", out.name,
	         req->principal.id_str, out.caps.version);
	response_json_text(req, 200, out.json);
	return 0;
}
