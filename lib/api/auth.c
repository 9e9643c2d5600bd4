/*
 * auth.c - POST /v1/auth/login, /refresh, /logout; GET /v1/me.
 */
#include "api/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/email.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "data/audit.h"
#include "data/db.h"
#include "data/keyring.h"
#include "data/sessions.h"
#include "data/settings.h"
#include "data/tenants.h"
#include "data/users.h"
#include "sec/opaque.h"
#include "sec/password.h"
#include "sec/rbac.h"
#include "sec/token.h"

/* The same answer for an unknown e-mail, a wrong password and a disabled
 * user: nothing tells an attacker which it was. */
static void
invalid_credentials(struct request *req)
{
	problem(req, 401, "invalid_credentials",
	        "the e-mail or password is wrong");
}

/* Issues an access token and a new refresh token of family for user uid,
 * queueing the refresh token's row.  Returns the response object or NULL
 * (a problem written). */
static cJSON *
issue_pair(struct request *req, const char *uid, const char *family)
{
	const struct tenant_settings *s = settings_get(req);
	const struct keyring *k = keyring_get(req);
	const struct keyring_key *sk = keyring_find(k, KEY_SIGNING, NULL);
	char rt[REFRESH_LEN + 1], hash[67], id[UUID_STR_LEN + 1], ttl[16];
	unsigned char h[32];
	struct uuid u;
	const char *at;
	cJSON *o;

	if (sk == NULL || s == NULL) {
		problem(req, 503, "service_unavailable",
		        "the signing key is unavailable");
		return NULL;
	}
	at = token_issue(req->arena, sk->key, &sk->id, api_origin(req),
	                 req->tenant->id_str, uid, family, clock_real_s(),
	                 s->access_ttl);
	if (at == NULL || opaque_refresh_new(rt, h) < 0 || uuid_v7(&u) < 0) {
		problem(req, 500, "internal_error", "cannot issue tokens");
		return NULL;
	}
	opaque_bytea(h, hash);
	uuid_format(&u, id);
	snprintf(ttl, sizeof(ttl), "%d", s->refresh_ttl);
	sessions_queue_insert(req->db, req->tenant->id_str, id, family, uid,
	                      arena_strdup(req->arena, hash),
	                      arena_strdup(req->arena, ttl));
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "access_token", at);
	cJSON_AddStringToObject(o, "token_type", "Bearer");
	cJSON_AddNumberToObject(o, "expires_in", s->access_ttl);
	cJSON_AddStringToObject(o, "refresh_token", rt);
	crypto_wipe(rt, sizeof(rt));
	return o;
}

cJSON *
auth_new_session(struct request *req, const char *uid)
{
	struct uuid fam;
	char family[UUID_STR_LEN + 1];

	uuid_v7(&fam);
	uuid_format(&fam, family);
	return issue_pair(req, uid, arena_strdup(req->arena, family));
}

/* The tenant's configuration version and status, read in the same round
 * trip: a change to token lifetimes or lockout, or a suspension, applies
 * at once on every worker.  Returns 0, or -1 after 403/404. */
static int
set_version(struct request *req, const PGresult *r)
{
	if (r == NULL || PQntuples(r) != 1)
		return 0;
	req->tenant->config_version = strtoll(db_value(r, 0, 0), NULL, 10);
	snprintf(req->tenant->status, sizeof(req->tenant->status), "%s",
	         db_value(r, 0, 1));
	return api_tenant_state(req) == 0 ? 0 : api_legacy_problem(req);
}

static void
as_user(struct request *req, const char *uid)
{
	req->principal.kind = PRINCIPAL_USER;
	uuid_parse(uid, &req->principal.id);
	snprintf(req->principal.id_str, sizeof(req->principal.id_str), "%s",
	         uid);
}

/* Too many failures: 429 with Retry-After; the attempt is audited but no
 * password is checked while the lock holds. */
static void
locked_out(struct request *req, const char *seconds, const char *uid)
{
	audit_queue(req, "auth.login", "user", uid, AUDIT_DENIED,
	            "{\"reason\":\"locked\"}");
	if (api_commit(req) < 0)
		return;
	problem(req, 429, "rate_limited",
	        "too many failed logins; try again later");
	response_header(req, "Retry-After", arena_strdup(req->arena, seconds));
}

static void
login_failed(struct request *req, const char *email_norm, const char *uid)
{
	const struct tenant_settings *s = settings_get(req);
	char thr[16], win[16], base[16];

	snprintf(thr, sizeof(thr), "%d", s ? s->lockout_threshold : 5);
	snprintf(win, sizeof(win), "%d", s ? s->lockout_window : 900);
	snprintf(base, sizeof(base), "%d", s ? s->lockout_base : 5);
	sessions_queue_fail(req->db, req->tenant->id_str, email_norm,
	                    arena_strdup(req->arena, thr),
	                    arena_strdup(req->arena, win),
	                    arena_strdup(req->arena, base));
	audit_queue(req, "auth.login", "user", uid, AUDIT_FAILURE,
	            uid ? "{\"reason\":\"bad_password\"}"
	                : "{\"reason\":\"unknown_or_disabled\"}");
	if (api_commit(req) < 0)
		return;
	invalid_credentials(req);
}

static void
login_ok(struct request *req, const char *uid, const char *email_norm,
         const char *pw, const char *phc)
{
	char rehash[PASSWORD_HASH_MAX];
	cJSON *o;

	as_user(req, uid);
	sessions_queue_clear_failures(req->db, req->tenant->id_str, email_norm);
	/* Raised cost parameters apply at the next login. */
	if (password_needs_rehash(phc, cfg.scrypt_log2n) &&
	    password_hash(pw, cfg.scrypt_log2n, rehash) == 0)
		users_queue_update(req->db, req->tenant->id_str, uid, NULL,
		                   NULL, arena_strdup(req->arena, rehash));
	o = auth_new_session(req, uid);
	if (o == NULL)
		return;
	audit_queue(req, "auth.login", "user", uid, AUDIT_SUCCESS, NULL);
	if (api_commit(req) < 0)
		return;
	response_json(req, 200, o);
}

void
auth_login(struct request *req)
{
	const char *email, *pw, *norm, *uid = NULL, *phc = NULL;
	int hu, hl, hv;
	PGresult *ru, *rl;
	bool ok;

	if (api_credentials(req, &email, &pw) < 0)
		return;
	norm = email_norm(req->arena, email);
	if (norm == NULL)
		norm = "";
	api_begin(req);
	hu = users_queue_by_email(req->db, req->tenant->id_str, norm);
	hl = sessions_queue_lock_state(req->db, req->tenant->id_str, norm);
	hv = tenants_queue_version(req->db, req->tenant->id_str);
	if (api_sync(req) < 0 || set_version(req, db_result(req->db, hv)) < 0)
		return;
	ru = db_result(req->db, hu);
	rl = db_result(req->db, hl);
	if (PQntuples(ru) == 1) {
		uid = arena_strdup(req->arena, db_value(ru, 0, 0));
		phc = db_value(ru, 0, 1);
	}
	if (strcmp(db_value(rl, 0, 0), "0") != 0) {
		locked_out(req, db_value(rl, 0, 0), uid);
		return;
	}
	if (uid != NULL && !db_is_null(ru, 0, 1) &&
	    strcmp(db_value(ru, 0, 2), "active") == 0)
		ok = password_verify(pw, phc);
	else
		ok = password_verify_dummy(pw, cfg.scrypt_log2n);
	if (!ok || *norm == '\0') {
		login_failed(req, norm, uid);
		return;
	}
	login_ok(req, uid, norm, pw, phc);
}

void
auth_refresh(struct request *req)
{
	static const char *const fields[] = {"refresh_token", NULL};
	const cJSON *b = api_object(req, fields);
	const char *tok, *family, *uid;
	unsigned char h[32];
	char hash[67];
	int hl, hs, hv;
	PGresult *rl, *rs;
	cJSON *o;

	if (b == NULL)
		return;
	tok = json_str(b, "refresh_token");
	if (tok == NULL || opaque_refresh_hash(tok, h) < 0) {
		problem(req, 401, "invalid_token",
		        "the refresh token is not valid");
		return;
	}
	opaque_bytea(h, hash);
	api_begin(req);
	hl = sessions_queue_lookup(req->db, req->tenant->id_str, hash);
	hs = sessions_queue_spend(req->db, req->tenant->id_str, hash);
	hv = tenants_queue_version(req->db, req->tenant->id_str);
	if (api_sync(req) < 0 || set_version(req, db_result(req->db, hv)) < 0)
		return;
	rl = db_result(req->db, hl);
	rs = db_result(req->db, hs);
	if (PQntuples(rl) != 1) {
		problem(req, 401, "invalid_token",
		        "the refresh token is not valid");
		return;
	}
	family = arena_strdup(req->arena, db_value(rl, 0, 0));
	uid = arena_strdup(req->arena, db_value(rl, 0, 1));
	as_user(req, uid);
	if (PQntuples(rs) != 1 || db_value(rl, 0, 5)[0] != 't') {
		/* A spent token presented again means it was copied: end the
		 * whole session, for the thief and the owner alike. */
		bool reuse =
		    db_value(rl, 0, 2)[0] == 't' ||
		    (PQntuples(rs) != 1 && db_value(rl, 0, 3)[0] != 't' &&
		     db_value(rl, 0, 4)[0] != 't');

		sessions_queue_revoke_family(req->db, req->tenant->id_str,
		                             family);
		if (reuse)
			audit_queue(req, "auth.refresh_reuse", "session",
			            family, AUDIT_FAILURE, NULL);
		if (api_commit(req) < 0)
			return;
		problem(req, 401, "invalid_token",
		        "the refresh token is not valid");
		return;
	}
	o = issue_pair(req, uid, family);
	if (o == NULL)
		return;
	audit_queue(req, "auth.refresh", "session", family, AUDIT_SUCCESS,
	            NULL);
	if (api_commit(req) < 0)
		return;
	response_json(req, 200, o);
}

void
auth_logout(struct request *req)
{
	static const char *const fields[] = {"refresh_token", NULL};
	const cJSON *b = req->json ? api_object(req, fields) : NULL;
	const char *tok = b ? json_str(b, "refresh_token") : NULL;
	const struct principal *p = &req->principal;
	unsigned char h[32];
	char hash[67];

	if (req->json != NULL && b == NULL)
		return;
	if (tok != NULL && opaque_refresh_hash(tok, h) == 0) {
		PGresult *r;
		int hl;

		opaque_bytea(h, hash);
		hl = sessions_queue_lookup(req->db, req->tenant->id_str, hash);
		if (api_sync(req) < 0)
			return;
		r = db_result(req->db, hl);
		/* Only the caller's own sessions. */
		if (PQntuples(r) == 1 &&
		    strcmp(db_value(r, 0, 1), p->id_str) == 0)
			sessions_queue_revoke_family(
			    req->db, req->tenant->id_str,
			    arena_strdup(req->arena, db_value(r, 0, 0)));
	}
	if (p->sid != NULL)
		sessions_queue_revoke_family(req->db, req->tenant->id_str,
		                             p->sid);
	audit_queue(req, "auth.logout", "session", p->sid, AUDIT_SUCCESS, NULL);
	if (api_commit(req) < 0)
		return;
	response_status(req, 204);
}

int
auth_me(struct request *req, struct plan *plan)
{
	const struct principal *p = &req->principal;
	cJSON *o, *t, *who;
	int st;

	if ((st = plan_read(plan)) != 0)
		return st;
	o = cJSON_CreateObject();
	if (p->kind == PRINCIPAL_USER) {
		who = cJSON_AddObjectToObject(o, "user");
		cJSON_AddStringToObject(who, "id", p->id_str);
		cJSON_AddStringToObject(who, "email", p->email);
		cJSON_AddStringToObject(who, "name", p->name);
		json_add_raw(who, "roles", p->roles);
	} else {
		who = cJSON_AddObjectToObject(o, "api_key");
		cJSON_AddStringToObject(who, "id", p->id_str);
		cJSON_AddStringToObject(who, "name", p->name);
	}
	t = cJSON_AddObjectToObject(o, "tenant");
	cJSON_AddStringToObject(t, "id", req->tenant->id_str);
	cJSON_AddStringToObject(t, "slug", req->tenant->slug);
	cJSON_AddItemToObject(o, "permissions", rbac_json(p->perms));
	response_json(req, 200, o);
	req->res.cacheable = true; /* keyed by the credential in nginx */
	return 0;
}
