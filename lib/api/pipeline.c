/*
 * pipeline.c - from a parsed request to a response.
 */
#include "api/pipeline.h"

#include <string.h>
#include <strings.h>

#include "api/auth_stage.h"
#include "api/cors.h"
#include "api/routes.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "core/worker.h"
#include "data/db.h"
#include "core/metrics.h"
#include "data/settings.h"
#include "data/tenants.h"
#include "sec/ratelimit.h"

#include <time.h>
#include <unistd.h>

/* The Host nginx matched ($host, passed as STRATA_HOST) wins over the
 * client's header; without nginx (spawn-fcgi, tests) HTTP_HOST is used.
 * Either way it is normalised and validated; X-Forwarded-Host never
 * counts. */
static int
stage_host(struct request *req, char *slug)
{
	const char *raw = request_env(req, "STRATA_HOST");

	if (raw == NULL || *raw == '\0')
		raw = request_env(req, "HTTP_HOST");
	if (raw == NULL ||
	    host_normalize(raw, req->host, sizeof(req->host)) < 0) {
		problem(req, 400, "invalid_host", "the Host header is invalid");
		return -1;
	}
	req->host_kind = host_classify(req->host, cfg.base_domain, slug);
	if (req->host_kind == HOST_INVALID) {
		problem(req, 400, "invalid_host",
		        "the Host is not served here");
		return -1;
	}
	return 0;
}

static int
stage_route(struct request *req)
{
	char allow[96];
	int i = router_match(req, routes, routes_count, req->method, req->path,
	                     allow, sizeof(allow));
	const struct route *r;
	bool apex = req->host_kind == HOST_APEX;

	if (i == -405) {
		problem(req, 405, "method_not_allowed",
		        "this method is not allowed here");
		response_header(req, "Allow", arena_strdup(req->arena, allow));
		return -1;
	}
	if (i == -400) {
		problem(req, 400, "bad_request", "the path is malformed");
		return -1;
	}
	if (i < 0) {
		problem(req, 404, "not_found", "no such resource");
		return -1;
	}
	r = &routes[i];
	if ((apex && !(r->flags & ROUTE_APEX)) ||
	    (!apex && !(r->flags & ROUTE_TENANT))) {
		problem(req, 404, "not_found", "no such resource");
		return -1;
	}
	req->route = r;
	req->route_index = i;
	return 0;
}

static bool
media_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	if (strncasecmp(ct, want, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ')
		ct++;
	/* Parameters: only charset=utf-8 means anything to us. */
	return *ct == '\0' || *ct == ';';
}

/* API.md: JSON in, UTF-8; PATCH also takes merge-patch; a body over 1 MiB
 * is 413 (nginx refuses it first; this is the second wall). */
static int
stage_body(struct request *req)
{
	const char *why = NULL;

	if (req->body == WORKER_BODY_TOO_LARGE) {
		problem(req, 413, "body_too_large",
		        "the request body exceeds 1 MiB");
		return -1;
	}
	if (req->body_len == 0)
		return 0;
	if (!media_is(req->content_type, "application/json") &&
	    !(strcmp(req->method, "PATCH") == 0 &&
	      media_is(req->content_type, "application/merge-patch+json"))) {
		problem(req, 415, "unsupported_media_type",
		        "send the body as application/json");
		return -1;
	}
	req->json = json_parse(req->body, req->body_len, JSON_MAX_DEPTH, &why);
	if (req->json == NULL) {
		problem(req, 400, "invalid_json", why);
		return -1;
	}
	return 0;
}

/* The tenant of the host: by slug, or by verified custom domain; none on
 * the apex. */
static int
stage_tenant(struct request *req, const char *slug)
{
	switch (req->host_kind) {
	case HOST_NOSLUG:
		problem(req, 404, "tenant_not_found", "no such tenant");
		return -1;
	case HOST_TENANT:
		return tenants_resolve(req, slug) == 0 ? 0 : -1;
	case HOST_OTHER:
		return tenants_resolve_domain(req, req->host) == 0 ? 0 : -1;
	default:
		return 0;
	}
}

/* The tenant's share of the service: its token bucket (settings limits,
 * loaded once per worker and version; the process defaults if they cannot
 * be loaded) and, with four
 * workers or more, a cap of all but one worker on its requests in flight
 * (tenant_concurrency sets it explicitly). */
static int
stage_rate(struct request *req)
{
	struct ratelimit_result r;
	int cap = cfg.tenant_concurrency, rps = cfg.rate_rps,
	    burst = cfg.rate_burst;

	if (req->tenant == NULL)
		return 0;
	(void)settings_rate(req, &rps, &burst);
	if (cap == 0 && config_workers(cfg.workers) >= 4)
		cap = config_workers(cfg.workers) - 1;
	r = ratelimit_take(&req->tenant->id, rps, burst, cap, clock_mono_us());
	response_header(req, "RateLimit-Limit",
	                arena_printf(req->arena, "%d", r.limit));
	response_header(req, "RateLimit-Remaining",
	                arena_printf(req->arena, "%d", r.remaining));
	response_header(req, "RateLimit-Reset",
	                arena_printf(req->arena, "%d", r.reset));
	if (r.allowed)
		return 0;
	metrics_add(M_RATE_LIMITED, 1);
	problem(req, 429, "rate_limited",
	        r.concurrency ? "too many requests of this tenant in flight"
	                      : "this tenant's request rate is exceeded");
	response_header(req, "Retry-After",
	                arena_printf(req->arena, "%d", r.retry_after));
	return -1;
}

void
pipeline_handle(struct request *req)
{
	char slug[SLUG_MAX + 1] = "";

	/* Reads pending cache invalidations even when no statement follows;
	 * a request that needs the database finds out it is down by itself. */
	(void)db_ready(req->db, req->arena);
	response_header(req, "Cache-Control", "no-store");
	if (req->early_status != 0) {
		problem(req, 400, "bad_request", "the request is malformed");
		return;
	}
	if (stage_host(req, slug) < 0)
		return;
	if (strcmp(req->method, "OPTIONS") == 0) {
		if (stage_tenant(req, slug) == 0)
			cors_preflight(req);
		return;
	}
	if (stage_route(req) < 0)
		return;
	if (req->route->flags & ROUTE_NO_TENANT) {
		req->route->handler(req);
		return;
	}
	if (stage_tenant(req, slug) < 0)
		return;
	/* From here every answer, refusals included, carries the tenant's
	 * CORS headers: a browser can read a 429 and its Retry-After. */
	if (stage_body(req) == 0 && stage_rate(req) == 0 &&
	    auth_stage(req) == 0)
		req->route->handler(req);
	cors_apply(req);
}
