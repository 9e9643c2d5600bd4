/*
 * audit.c - reading the audit trail.
 */
#include "api/audit.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/json.h"
#include "core/request.h"
#include "core/response.h"
#include "core/timefmt.h"
#include "data/audit.h"
#include "data/db.h"
#include "data/platform_audit.h"

static bool
time_ok(const char *v)
{
	int64_t ms;

	return v == NULL || timefmt_parse(v, &ms) == 0;
}

/* The query string into q, with cursors of scope; 0 or 400 (recorded). */
static int
read_query(struct request *req, const char *scope, struct api_page *p,
           struct audit_query *q)
{
	memset(q, 0, sizeof(*q));
	if (api_page(req, scope, p) < 0)
		return req->err.status ? req->err.status : 400;
	if (p->after != NULL &&
	    strspn(p->after, "0123456789") != strlen(p->after))
		return api_fail(req, 400, "bad_request",
		                "the cursor is not valid");
	q->tid = req->tenant ? req->tenant->id_str : NULL;
	q->actor = request_query(req, "actor");
	q->action = request_query(req, "action");
	q->since = request_query(req, "since");
	q->until = request_query(req, "until");
	if (!time_ok(q->since) || !time_ok(q->until))
		return api_fail(req, 400, "bad_request",
		                "since and until are RFC 3339 times");
	q->before_seq = p->after;
	q->fetch = p->fetch;
	return 0;
}

/* {"items":[...],"next_cursor":...}: at most limit events; one more
 * means a next page, continuing below the last seq shown. */
static int
render_page(struct request *req, const char *scope, const struct api_page *p,
            const struct audit_page *page)
{
	int shown = page->n > p->limit ? p->limit : page->n;
	struct buf out;

	buf_init(&out, req->arena, 4096, 64 * 1024 * 1024);
	buf_puts(&out, "{\"items\":[");
	for (int i = 0; i < shown; i++) {
		if (i > 0)
			buf_putc(&out, ',');
		buf_puts(&out, page->rows[i].json);
	}
	buf_puts(&out, "],\"next_cursor\":");
	if (page->n > p->limit && shown > 0)
		buf_json_str(&out, api_cursor_encode(
		                       req, scope, page->rows[shown - 1].seq));
	else
		buf_puts(&out, "null");
	if (buf_putc(&out, '}') < 0)
		return api_fail(req, 500, "internal_error",
		                "an internal error occurred");
	response_json_text(req, 200, buf_cstr(&out));
	return 0;
}

int
audit_list(struct request *req, struct plan *plan)
{
	struct api_page p;
	struct audit_query q;
	struct audit_page page = {0};
	int st;

	/* The plan's trip always runs (what it queued is decoded into the
	 * plan); a bad query string is answered after authorization. */
	if (read_query(req, "audit", &p, &q) == 0)
		audit_list_page(req->db, req->arena, &q, &page);
	memset(&req->err, 0, sizeof(req->err));
	if ((st = plan_read(plan)) != 0)
		return st;
	if ((st = read_query(req, "audit", &p, &q)) != 0)
		return st;
	return render_page(req, "audit", &p, &page);
}

int
audit_platform_list(struct request *req, struct plan *plan)
{
	static const char scope[] = "platform_audit";
	struct api_page p;
	struct audit_query q;
	struct audit_page page = {0};
	int st;

	/* As audit_list: the operator is checked before a bad query is
	 * answered. */
	if (read_query(req, scope, &p, &q) == 0)
		platform_audit_list_page(req->db, &q, &page);
	memset(&req->err, 0, sizeof(req->err));
	if ((st = plan_read(plan)) != 0)
		return st;
	if ((st = read_query(req, scope, &p, &q)) != 0)
		return st;
	return render_page(req, scope, &p, &page);
}

int
audit_check(struct request *req, struct plan *plan)
{
	struct audit_report rep;
	cJSON *o;
	int st;

	/* Authorized in a trip of its own: the sealer and the verifier run
	 * their own transactions. */
	if ((st = plan_read(plan)) != 0)
		return st;
	if (audit_seal(req->db, req->arena, &req->tenant->id,
	               cfg.audit_seal_horizon_s) < 0 ||
	    audit_verify(req->db, req->arena, &req->tenant->id, &rep) < 0) {
		db_finish(req->db);
		return api_fail(req, 503, "service_unavailable",
		                "the audit trail cannot be read now");
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
		cJSON *pu = cJSON_AddObjectToObject(o, "purged");

		cJSON_AddNumberToObject(pu, "through_seq",
		                        (double)rep.purged_through);
		cJSON_AddNumberToObject(pu, "events", (double)rep.purged_count);
	}
	response_json(req, 200, o);
	return 0;
}
