/*
 * plan.c - the request's plan: one round trip for a read, two for a write.
 */
#include "api/plan.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/cors.h"
#include "api/credential.h"
#include "api/errors.h"
#include "api/impersonation.h"
#include "api/principals.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/request.h"
#include "core/router.h"
#include "data/db.h"
#include "data/keyring.h"
#include "data/tenants.h"
#include "sec/rbac.h"

static void
queue_principal(struct plan *p)
{
	struct request *req = p->req;
	struct principal *pr = &req->principal;

	if (pr->kind == PRINCIPAL_API_KEY)
		api_keys_queue_principal_row(req->db, req->tenant->id_str,
		                             pr->id_str, &p->key);
	else
		users_queue_principal_row(req->db, req->tenant->id_str,
		                          pr->id_str, pr->sid, &p->user);
	p->principal_queued = true;
}

/* An API key's last use, at most once a minute: a write before the
 * authorization is known, so SQL guards it by the presented secret's hash
 * (a caller without the secret touches nothing). */
static void
queue_touch(struct request *req)
{
	char hex[65];

	hex_encode(req->principal.key_hash, 32, hex);
	api_keys_queue_touch(req->db, req->tenant->id_str,
	                     req->principal.id_str,
	                     arena_strdup(req->arena, hex));
}

int
plan_open(struct plan *p, struct request *req)
{
	const struct route *r = req->route;
	int st;

	memset(p, 0, sizeof(*p));
	p->req = req;
	if (req->tenant == NULL) {
		if (!(r->flags & ROUTE_OPERATOR))
			return 0;
		p->need_principal = p->need_operator = true;
		return credential_operator(req, &p->op);
	}
	p->need_principal = (r->flags & (ROUTE_AUTH | ROUTE_OWNER)) != 0;
	/* The pipeline has usually read it already, to charge the right
	 * bucket (pipeline.c, stage_rate). */
	if (p->need_principal && req->principal.kind == PRINCIPAL_NONE &&
	    (st = credential_read(req)) != 0)
		return st;
	/* A read of one trip needs no BEGIN or COMMIT: the trip is one
	 * implicit transaction (db_begin_read; not on Citus). */
	if (r->flags & ROUTE_READ)
		p->implicit_tx = db_begin_read(req->db, &req->tenant->id);
	else
		db_begin(req->db, &req->tenant->id);
	req->tx_open = true;
	p->tenant_tx = true;
	versions_queue_get(req->db, req->tenant->id_str, &p->v);
	if (!p->need_principal)
		return 0;
	p->cached = principals_find(req);
	if (p->cached == NULL) {
		metrics_add(M_PRINCIPAL_CACHE_MISSES, 1);
		queue_principal(p);
	}
	/* An impersonation's session is read on every request, never
	 * cached: ending it refuses its token at once on every worker. */
	if (req->principal.act != NULL)
		support_session_check(req->db, req->tenant->id_str,
		                      req->principal.sid, &p->support);
	if (req->principal.kind == PRINCIPAL_API_KEY &&
	    (p->cached == NULL ||
	     principals_touch_due(p->cached, clock_real_s()))) {
		queue_touch(req);
		p->touch_queued = true;
	}
	return 0;
}

/* The tenant's state from the version row: its status, and the versions
 * that this worker's caches of it are checked against. */
static int
check_tenant(struct plan *p)
{
	struct request *req = p->req;
	struct tenant *t = req->tenant;

	if (!p->v.found || strcmp(p->v.status, "deleted") == 0) {
		tenants_cache_forget(&t->id);
		return api_fail(req, 404, "tenant_not_found", "no such tenant");
	}
	if (strcmp(p->v.status, "active") != 0) {
		tenants_cache_forget(&t->id);
		return errors_from_tenant(req, tenants_status_of(p->v.status));
	}
	if (t->config_version != p->v.config_version ||
	    t->plan_version != p->v.plan_version) {
		t->config_version = p->v.config_version;
		t->plan_version = p->v.plan_version;
		tenants_cache_put(t);
		cors_refresh(req);
	}
	keyring_check_version(&t->id, p->v.keyring_version);
	return 0;
}

/* The principal of this trip: the row read in it, or the cached entry
 * when its epoch is the one the version row shows.  Returns 1 when the
 * entry was stale and the row must be read in one more trip. */
static int
resolve_principal(struct plan *p, int *st)
{
	struct request *req = p->req;
	struct principal_entry *e = p->cached;

	if (p->principal_queued) {
		e = req->principal.kind == PRINCIPAL_API_KEY
		        ? principals_store_key(req, &p->key)
		        : principals_store_user(req, &p->user);
		p->principal_queued = false;
	} else if (principals_epoch(e) != p->v.auth_epoch) {
		metrics_add(M_PRINCIPAL_CACHE_MISSES, 1);
		return 1;
	} else {
		metrics_add(M_PRINCIPAL_CACHE_HITS, 1);
	}
	p->cached = e;
	*st = principals_apply(req, e);
	/* Only a verified secret's touch counts for the worker's minute. */
	if (*st == 0 && p->touch_queued)
		principals_touched(e, clock_real_s());
	return 0;
}

int
plan_require(struct plan *p, unsigned perm)
{
	struct request *req = p->req;

	if (!rbac_allows(req->principal.perms, perm))
		return api_fail(req, 403, "forbidden",
		                "you lack the permission this needs");
	return 0;
}

/* An operator route: the operator the token names must still be active
 * (read in this trip); only then does it hold every permission. */
static int
check_operator(struct plan *p)
{
	if (!p->op.active)
		return api_fail(p->req, 401, "invalid_token",
		                "the operator is disabled");
	p->req->principal.perms = P_ALL;
	return 0;
}

static int
authorize(struct plan *p)
{
	const struct route *r = p->req->route;
	int st;

	if (p->need_operator && (st = check_operator(p)) != 0)
		return st;
	if (!p->need_principal) {
		p->authorized = true;
		return 0;
	}
	/* An MFA enrolment token holds no permission, and opens only the
	 * routes that enrol (api/mfa.h). */
	if (p->req->principal.mfa_enrolment) {
		p->req->principal.perms = 0;
		p->req->principal.owner = false;
		if (!(r->flags & ROUTE_MFA_SETUP))
			return api_fail(p->req, 403, "mfa_enrolment_required",
			                "enrol a second factor first "
			                "(POST /v1/me/mfa/totp)");
	}
	if ((st = plan_require(p, r->perm)) != 0)
		return st;
	if ((r->flags & ROUTE_OWNER) && !p->req->principal.owner)
		return api_fail(p->req, 403, "forbidden",
		                "you lack the permission this needs");
	p->authorized = true;
	return 0;
}

/* One round trip, then the tenant, the principal and the permission.
 * commit: COMMIT rides along. */
static int
trip(struct plan *p, bool commit)
{
	struct request *req = p->req;
	bool checked_before = p->authorized;
	int rc, st = 0;

	/* A ROUTE_READ route's transaction ends with its first trip:
	 * nothing may be queued in it afterwards. */
	if (!commit && p->implicit_tx) {
		log_error("route %s %s is marked ROUTE_READ but writes",
		          req->route->method, req->route->pattern);
		return api_fail(req, 500, "internal_error",
		                "an internal error occurred");
	}
	if (commit && req->tx_open) {
		if (!p->implicit_tx)
			db_commit(req->db);
		req->tx_open = false;
	}
	if ((rc = db_sync(req->db)) != DB_OK)
		return errors_from_db(req, rc);
	if (checked_before || !p->tenant_tx)
		return authorize(p);
	if ((st = check_tenant(p)) != 0)
		return st;
	if (p->need_principal && resolve_principal(p, &st) == 1) {
		/* The epoch moved: this worker's copy is stale.  Read the
		 * principal again (in a transaction of its own when the
		 * first trip committed). */
		bool reopen = !req->tx_open;

		if (reopen)
			db_begin(req->db, &req->tenant->id);
		queue_principal(p);
		if (reopen)
			db_commit(req->db);
		if ((rc = db_sync(req->db)) != DB_OK)
			return errors_from_db(req, rc);
		(void)resolve_principal(p, &st);
	}
	if (st != 0)
		return st;
	if (req->principal.act != NULL &&
	    (st = impersonation_check(req, &p->support)) != 0)
		return st;
	return authorize(p);
}

int
plan_refuse(struct plan *p, int st)
{
	/* Its status does not matter: st is the answer. */
	(void)db_sync(p->req->db);
	return st;
}

int
plan_read(struct plan *p)
{
	return trip(p, true);
}

void
plan_more(struct plan *p)
{
	p->more_commit = !db_begin_read(p->req->db, &p->req->tenant->id);
}

int
plan_more_run(struct plan *p)
{
	int rc;

	if (p->more_commit)
		db_commit(p->req->db);
	p->more_commit = false;
	if ((rc = db_sync(p->req->db)) != DB_OK)
		return errors_from_db(p->req, rc);
	return 0;
}

int
plan_run(struct plan *p)
{
	return trip(p, false);
}

int
plan_commit(struct plan *p)
{
	return trip(p, true);
}
