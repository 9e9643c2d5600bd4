/*
 * cors.c - preflights and response headers for allowed origins.
 */
#include "api/cors.h"

#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/arena.h"
#include "core/request.h"
#include "data/settings.h"

#define ALLOW_HEADERS "Authorization, Content-Type, If-Match, Cache-Control"
#define EXPOSE_HEADERS                                                         \
	"ETag, Location, X-Request-Id, Retry-After, RateLimit-Limit, "         \
	"RateLimit-Remaining, RateLimit-Reset"

int
cors_preflight(struct request *req)
{
	const char *origin = request_env(req, "HTTP_ORIGIN");
	const char *method =
	    request_env(req, "HTTP_ACCESS_CONTROL_REQUEST_METHOD");
	const struct tenant_settings *s;
	char allow[96];
	int i;

	i = router_match(req, routes, routes_count, "OPTIONS", req->path, allow,
	                 sizeof(allow));
	if (i == -404 || i == -400)
		return api_fail(req, 404, "not_found", "no such resource");
	response_header(req, "Allow",
	                arena_printf(req->arena, "%s, OPTIONS", allow));
	if (origin == NULL || method == NULL) {
		response_status(req, 204);
		return 0;
	}
	s = req->tenant ? api_settings(req) : NULL;
	response_header(req, "Vary", "Origin");
	if (s == NULL || !settings_origin_allowed(s, origin) ||
	    router_match(req, routes, routes_count, method, req->path, allow,
	                 sizeof(allow)) < 0)
		return api_fail(req, 403, "forbidden",
		                "this origin may not call this API");
	response_status(req, 204);
	response_header(req, "Access-Control-Allow-Origin",
	                arena_strdup(req->arena, origin));
	response_header(req, "Access-Control-Allow-Methods",
	                arena_strdup(req->arena, method));
	response_header(req, "Access-Control-Allow-Headers", ALLOW_HEADERS);
	response_header(req, "Access-Control-Max-Age", "600");
	return 0;
}

void
cors_apply(struct request *req)
{
	const char *origin = request_env(req, "HTTP_ORIGIN");
	const struct tenant_settings *s;

	if (origin == NULL || req->tenant == NULL ||
	    strcmp(req->method, "OPTIONS") == 0)
		return;
	response_header(req, "Vary", "Origin");
	/* The settings of the tenant's configuration version as this worker
	 * knows it (settings_for reads them only when its cache holds older
	 * ones); a newer version that the request's first trip finds comes in
	 * by cors_refresh. */
	s = api_settings(req);
	if (s == NULL || !settings_origin_allowed(s, origin))
		return;
	response_header(req, "Access-Control-Allow-Origin",
	                arena_strdup(req->arena, origin));
	response_header(req, "Access-Control-Expose-Headers", EXPOSE_HEADERS);
}

void
cors_refresh(struct request *req)
{
	if (request_env(req, "HTTP_ORIGIN") == NULL || req->tenant == NULL ||
	    req->res.head_sent)
		return;
	response_header_remove(req, "Access-Control-Allow-Origin");
	response_header_remove(req, "Access-Control-Expose-Headers");
	cors_apply(req);
}
