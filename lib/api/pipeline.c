/*
 * pipeline.c - from a parsed request to a response.
 */
#include "api/pipeline.h"

#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/credential.h"
#include "api/errors.h"
#include "api/forward.h"
#include "api/impersonation.h"
#include "api/plan.h"
#include "api/principals.h"
#include "api/cors.h"
#include "api/routes.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/json.h"
#include "core/log.h"
#include "core/problem.h"
#include "core/request.h"
#include "core/server.h"
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
	    host_normalize(raw, req->host, sizeof(req->host)) < 0)
		return api_fail(req, 400, "invalid_host",
		                "the Host header is invalid");
	req->host_kind = host_classify(req->host, cfg.base_domain, slug);
	if (req->host_kind == HOST_INVALID)
		return api_fail(req, 400, "invalid_host",
		                "the Host is not served here");
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
		response_header(req, "Allow", arena_strdup(req->arena, allow));
		return api_fail(req, 405, "method_not_allowed",
		                "this method is not allowed here");
	}
	if (i == -400)
		return api_fail(req, 400, "bad_request",
		                "the path is malformed");
	if (i < 0)
		return api_fail(req, 404, "not_found", "no such resource");
	r = &routes[i];
	if ((apex && !(r->flags & ROUTE_APEX)) ||
	    (!apex && !(r->flags & ROUTE_TENANT)))
		return api_fail(req, 404, "not_found", "no such resource");
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

	if (req->body == WORKER_BODY_TOO_LARGE)
		return api_fail(req, 413, "body_too_large",
		                "the request body exceeds 1 MiB");
	if (req->body_len == 0)
		return 0;
	if (!media_is(req->content_type, "application/json") &&
	    !(strcmp(req->method, "PATCH") == 0 &&
	      media_is(req->content_type, "application/merge-patch+json")))
		return api_fail(req, 415, "unsupported_media_type",
		                "send the body as application/json");
	req->json = json_parse(req->body, req->body_len, JSON_MAX_DEPTH, &why);
	if (req->json == NULL)
		return api_fail(req, 400, "invalid_json", why);
	return 0;
}

/* The tenant of the host: by slug, or by verified custom domain; none on
 * the apex. */
static int
stage_tenant(struct request *req, const char *slug)
{
	enum tenant_lookup r;

	switch (req->host_kind) {
	case HOST_NOSLUG:
		return api_fail(req, 404, "tenant_not_found", "no such tenant");
	case HOST_TENANT:
		r = tenants_resolve(req->db, req->arena, slug, &req->tenant);
		/* Not one of this region's: perhaps another's (api/forward.h).
		 */
		if (r == TENANT_NOT_FOUND)
			return forward_unknown_tenant(req, slug);
		break;
	case HOST_OTHER:
		r = tenants_resolve_domain(req->db, req->arena, req->host,
		                           &req->tenant);
		if (r == TENANT_NOT_FOUND && *cfg.region != '\0')
			return forward_unknown_tenant(req, NULL);
		if (r == TENANT_NOT_FOUND)
			return api_fail(req, 400, "invalid_host",
			                "the Host is not served here");
		break;
	default:
		return 0;
	}
	return errors_from_tenant(req, r);
}

/* Whether the request is signed in: a route that needs a principal and a
 * credential that verifies without the database (an access token's
 * signature; an API key whose secret this worker has already seen
 * verify).  *st is 0, or the status of a credential that did not verify
 * (recorded with api_fail), answered once the request is charged. */
static bool
signed_in(struct request *req, int *st)
{
	*st = 0;
	if (!(req->route->flags & (ROUTE_AUTH | ROUTE_OWNER)))
		return false;
	if ((*st = credential_read(req)) != 0)
		return false;
	return req->principal.kind != PRINCIPAL_API_KEY ||
	       principals_key_known(req);
}

/* The tenant's share of the service, charged once the caller is known:
 * a signed-in request draws on the tenant's token bucket (settings
 * limits, loaded once per worker and version; the process defaults if
 * they cannot be loaded), anyone else on the bucket of their client
 * address (nginx's REMOTE_ADDR) with a share of that rate, so an
 * anonymous flood never drains what the tenant's users draw on.  With
 * four workers or more, all but one worker is the cap on the tenant's
 * requests in flight (tenant_concurrency sets it explicitly). */
static int
stage_rate(struct request *req)
{
	struct ratelimit_result r;
	struct settings_limits l;
	int cap = cfg.tenant_concurrency, rps = cfg.rate_rps,
	    burst = cfg.rate_burst, st;
	bool anonymous;

	if (req->tenant == NULL)
		return 0;
	if (settings_limits_for(req->db, req->tenant, req->tx_open, &l)) {
		rps = l.rps;
		burst = l.burst;
	}
	if (cap == 0 && config_workers(cfg.workers) >= 4)
		cap = config_workers(cfg.workers) - 1;
	anonymous = !signed_in(req, &st);
	if (!anonymous)
		r = ratelimit_take(&req->tenant->id, rps, burst, cap,
		                   clock_mono_us());
	else
		r = ratelimit_take_anonymous(&req->tenant->id,
		                             request_env(req, "REMOTE_ADDR"),
		                             rps, burst, cap, clock_mono_us());
	response_header(req, "RateLimit-Limit", arena_int(req->arena, r.limit));
	response_header(req, "RateLimit-Remaining",
	                arena_int(req->arena, r.remaining));
	response_header(req, "RateLimit-Reset", arena_int(req->arena, r.reset));
	if (r.allowed)
		return st;
	metrics_add(M_RATE_LIMITED, 1);
	memset(&req->err, 0, sizeof(req->err)); /* the 429 is the answer */
	response_header(req, "Retry-After",
	                arena_int(req->arena, r.retry_after));
	return api_fail(req, 429, "rate_limited",
	                r.concurrency
	                    ? "too many requests of this tenant in flight"
	                : anonymous ? "too many requests without a valid "
	                              "credential from this address"
	                            : "this tenant's request rate is exceeded");
}

/* A route in the plan shape: the plan opened, the handler run.  The
 * handler must have authorized before answering: a route that needs a
 * principal and ends without plan_read/plan_run is a programming error,
 * answered 500 rather than served. */
static int
run_plan(struct request *req)
{
	struct plan plan;
	int st;

	if ((st = plan_open(&plan, req)) != 0)
		return st;
	st = req->route->run(req, &plan);
	if (st == 0 && !plan.authorized && plan.need_principal) {
		log_error("route %s %s answered without authorizing",
		          req->route->method, req->route->pattern);
		return api_fail(req, 500, "internal_error",
		                "an internal error occurred");
	}
	return st;
}

static int
stages(struct request *req)
{
	char slug[SLUG_MAX + 1] = "";
	int st;

	if (req->early_status != 0)
		return api_fail(req, 400, "bad_request",
		                "the request is malformed");
	if ((st = stage_host(req, slug)) != 0)
		return st;
	if (strcmp(req->method, "OPTIONS") == 0) {
		if ((st = stage_tenant(req, slug)) != 0 || req->forwarded_to)
			return st;
		return cors_preflight(req);
	}
	if ((st = stage_route(req)) != 0)
		return st;
	if (req->route->flags & ROUTE_NO_TENANT)
		return req->route->handler(req);
	if ((st = stage_tenant(req, slug)) != 0 || req->forwarded_to)
		return st;
	/* From the tenant on, every answer, refusals included, carries the
	 * tenant's CORS headers (a browser can read a 429 and its
	 * Retry-After); set now, since a streamed answer's head leaves with
	 * its first chunk. */
	cors_apply(req);
	if ((st = stage_body(req)) != 0 || (st = stage_rate(req)) != 0)
		return st;
	return run_plan(req);
}

/* A request whose first round trip found its connection's session already
 * ended by the server (PostgreSQL restarted while this worker was idle)
 * ran nothing: it is started again once on a fresh connection. */
static bool
retry_ready(struct request *req)
{
	int (*sink)(void *, const char *, size_t) = req->res.sink;
	void *sink_ctx = req->res.sink_ctx;

	if (req->res.head_sent || db_ready(req->db, req->arena) != DB_OK)
		return false;
	log_info("request retried on a fresh database connection");
	memset(&req->err, 0, sizeof(req->err));
	memset(&req->principal, 0, sizeof(req->principal));
	req->tenant = NULL;
	req->tx_open = false;
	req->json = NULL;
	response_init(&req->res, req->arena);
	req->res.sink = sink;
	req->res.sink_ctx = sink_ctx;
	req->forwarded_to = NULL;
	response_header(req, "Cache-Control", "no-store");
	if (*cfg.region != '\0')
		response_header(req, "Strata-Region", cfg.region);
	return true;
}

void
pipeline_handle(struct request *req)
{
	int st;

	/* Reads pending cache invalidations even when no statement follows;
	 * a request that needs the database finds out it is down by itself. */
	(void)db_ready(req->db, req->arena);
	response_header(req, "Cache-Control", "no-store");
	/* Multi-region: the region that answers (docs/regions.md); a request
	 * passed on to another region gets that region's answer and header. */
	if (*cfg.region != '\0')
		response_header(req, "Strata-Region", cfg.region);
	st = stages(req);
	if (st >= 500 && req->db->stale_session && retry_ready(req))
		st = stages(req);
	/* An operator's support session: every request audited. */
	if (req->principal.act != NULL)
		impersonation_audit(req, st != 0 ? st : req->res.status);
	/* The one error answer: whatever stage or handler failed, with the
	 * problem it recorded (a status without one gets its title). */
	if (st != 0) {
		problem_members(
		    req, st, req->err.code ? req->err.code : "internal_error",
		    req->err.detail, req->err.errors, req->err.members);
		if (st >= 500 && req->err.code == NULL)
			log_error("status %d without a problem", st);
	}
}
