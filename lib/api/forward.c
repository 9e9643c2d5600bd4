/*
 * forward.c - passing a request on to the tenant's home region.
 */
#include "api/forward.h"

#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "core/regions.h"
#include "core/request.h"
#include "core/response.h"
#include "data/db.h"
#include "data/directory.h"

bool
forward_came_from_edge(const struct request *req)
{
	const char *v = request_env(req, "STRATA_FORWARDED");

	return v != NULL && strcmp(v, "1") == 0;
}

int
forward_to_region(struct request *req, const char *name)
{
	const struct region *r = regions_find(name);

	if (r == NULL || strcmp(r->name, cfg.region) == 0)
		return api_fail(req, 404, "tenant_not_found", "no such tenant");
	if (forward_came_from_edge(req)) {
		log_error("a request from another region's edge was to be "
		          "passed on again (to %s)",
		          r->name);
		return api_fail(req, 500, "internal_error",
		                "an internal error occurred");
	}
	req->forwarded_to = r->name;
	response_status(req, 200);
	response_header(req, "X-Accel-Redirect",
	                arena_printf(req->arena, "@strata_region_%s", r->name));
	return 0;
}

int
forward_unknown_tenant(struct request *req, const char *slug)
{
	struct directory_home home;

	if (*cfg.region == '\0')
		return api_fail(req, 404, "tenant_not_found", "no such tenant");
	directory_lookup(req->db, slug, slug ? NULL : req->host, &home);
	if (db_sync(req->db) != DB_OK)
		return api_fail(req, 503, "service_unavailable",
		                "the database is unavailable");
	if (!home.known)
		return api_fail(req, 404, "tenant_not_found", "no such tenant");
	/* No home (a move between its hand-over and take-over), a home that
	 * is this region (the tenants row not yet here), or a request another
	 * edge sent here: the directory is catching up. */
	if (home.home[0] == '\0' || strcmp(home.home, cfg.region) == 0 ||
	    forward_came_from_edge(req))
		return api_fail(req, 503, "service_unavailable",
		                "this tenant is moving between regions; retry "
		                "shortly");
	return forward_to_region(req, home.home);
}
