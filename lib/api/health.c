/*
 * health.c - liveness, readiness, metrics.
 */
#include "api/health.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/buf.h"
#include "core/metrics.h"
#include "core/request.h"
#include "data/db.h"
#include "data/readiness.h"

static char expected[128];

void
health_set_expected_migration(const char *name)
{
	snprintf(expected, sizeof(expected), "%s", name);
}

int
health_live(struct request *req)
{
	response_json_text(req, 200, "{\"status\":\"ok\"}");
	return 0;
}

/* Routes without a tenant: the pipeline calls them without a plan, and
 * writes the problem of the status they return. */
int
health_ready(struct request *req)
{
	struct readiness r;

	if (readiness_queue_migration(req->db, &r) < 0 ||
	    db_sync(req->db) != DB_OK || !r.answered)
		return api_fail(req, 503, "service_unavailable",
		                "the database is unavailable");
	if (strcmp(r.migration, expected) != 0)
		return api_fail(req, 503, "service_unavailable",
		                "database migrations are not current");
	response_json_text(req, 200,
	                   "{\"status\":\"ready\",\"database\":\"ok\"}");
	return 0;
}

int
health_metrics(struct request *req)
{
	metrics_render(&req->res.body, routes, routes_count);
	req->res.status = 200;
	req->res.content_type = "text/plain; version=0.0.4";
	return 0;
}
