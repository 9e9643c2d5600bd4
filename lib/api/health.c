/*
 * health.c - liveness, readiness, metrics.
 */
#include "api/health.h"

#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/buf.h"
#include "core/metrics.h"
#include "core/problem.h"
#include "core/request.h"
#include "data/db.h"

static char expected[128];

static struct db_stmt st_latest = DB_STMT(
    "migration_latest", "SELECT max(name) FROM public.strata_migrations", 0);

void
health_set_expected_migration(const char *name)
{
	snprintf(expected, sizeof(expected), "%s", name);
}

void
health_live(struct request *req)
{
	response_json_text(req, 200, "{\"status\":\"ok\"}");
}

void
health_ready(struct request *req)
{
	int h = db_queue(req->db, &st_latest, NULL);
	PGresult *r;

	if (h < 0 || db_sync(req->db) != 0) {
		problem(req, 503, "service_unavailable",
		        "the database is unavailable");
		return;
	}
	r = db_result(req->db, h);
	if (strcmp(db_value(r, 0, 0), expected) != 0) {
		problem(req, 503, "service_unavailable",
		        "database migrations are not current");
		return;
	}
	response_json_text(req, 200,
	                   "{\"status\":\"ready\",\"database\":\"ok\"}");
}

void
health_metrics(struct request *req)
{
	metrics_render(&req->res.body, routes, routes_count);
	req->res.status = 200;
	req->res.content_type = "text/plain; version=0.0.4";
}
