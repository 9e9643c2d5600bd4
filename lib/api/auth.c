/*
 * auth.c - POST /v1/auth/login, /refresh, /logout; GET /v1/me.
 */
#include "api/auth.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/mfa.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/email.h"
#include "core/json.h"
#include "core/request.h"
#include "data/audit.h"
#include "data/keyring.h"
#include "data/mfa.h"
#include "data/sessions.h"
#include "data/settings.h"
#include "data/users.h"
#include "sec/opaque.h"
#include "sec/password.h"
#include "sec/rbac.h"
#include "sec/token.h"

/* The same answer for an unknown e-mail, a wrong password and a disabled
 * user: nothing tells an attacker which it was. */
static int
invalid_credentials(struct request *req)
{
	return api_fail(req, 401, "invalid_credentials",
	                "the e-mail or password is wrong");
}

static int
invalid_refresh(struct request *req)
{
	return api_fail(req, 401, "invalid_token",
	                "the refresh token is not valid");
}

/* Issues an access token and a new refresh token of family for user uid,
 * queueing the refresh token's row.  Sets *out to the response object;
 * returns 0 or the status recorded with api_fail(). */
static int
issue_pair(struct request *req, const char *uid, const char *family,
           cJSON **out)
{
	const struct tenant_settings *s = api_settings(req);
	const struct keyring *k = api_keyring(req);
	const struct keyring_key *sk = keyring_find(k, KEY_SIGNING, NULL);
	char rt[REFRESH_LEN + 1], hash[67], id[UUID_STR_LEN + 1], ttl[16];
	unsigned char h[32];
	struct uuid u;
	const char *at;
	cJSON *o;

	if (sk == NULL || s == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the signing key is unavailable");
	at = token_issue(req->arena, sk->key, &sk->id, api_origin(req),
	                 req->tenant->id_str, uid, family, clock_real_s(),
	                 s->access_ttl);
	if (at == NULL || opaque_refresh_new(rt, h) < 0 || uuid_v7(&u) < 0)
		return api_fail(req, 500, "internal_error",
		                "cannot issue tokens");
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
	*out = o;
	return 0;
}

int
auth_new_session(struct request *req, const char *uid, cJSON **out)
{
	struct uuid fam;
	char family[UUID_STR_LEN + 1];

	uuid_v7(&fam);
	uuid_format(&fam, family);
	return issue_pair(req, uid, arena_strdup(req->arena, family), out);
}

void
auth_as_user(struct request *req, const char *uid)
{
	req->principal.kind = PRINCIPAL_USER;
	uuid_parse(uid, &req->principal.id);
	snprintf(req->principal.id_str, sizeof(req->principal.id_str), "%s",
	         uid);
}

int
auth_locked_out(struct request *req, struct plan *plan, const char *action,
                const char *uid, long long locked_s)
{
	int st;

	api_audit(req, action, "user", uid, AUDIT_DENIED,
	          "{\"reason\":\"locked\"}");
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_header(req, "Retry-After",
	                arena_printf(req->arena, "%lld", locked_s));
	return api_fail(req, 429, "rate_limited",
	                "too many failed logins; try again later");
}

/* Too many failures: 429 with Retry-After; the attempt is audited but no
 * password is checked while the lock holds. */
static int
locked_out(struct request *req, struct plan *plan, const struct login_state *ls)
{
	return auth_locked_out(req, plan, "auth.login", ls->uid, ls->locked_s);
}

void
auth_count_failure(struct request *req, const char *email_norm)
{
	const struct tenant_settings *s = api_settings(req);
	char thr[16], win[16], base[16];

	snprintf(thr, sizeof(thr), "%d", s ? s->lockout_threshold : 5);
	snprintf(win, sizeof(win), "%d", s ? s->lockout_window : 900);
	snprintf(base, sizeof(base), "%d", s ? s->lockout_base : 5);
	sessions_queue_fail(req->db, req->tenant->id_str, email_norm,
	                    arena_strdup(req->arena, thr),
	                    arena_strdup(req->arena, win),
	                    arena_strdup(req->arena, base));
}

static int
login_failed(struct request *req, struct plan *plan, const char *email_norm,
             const char *uid)
{
	int st;

	auth_count_failure(req, email_norm);
	api_audit(req, "auth.login", "user", uid, AUDIT_FAILURE,
	          uid ? "{\"reason\":\"bad_password\"}"
	              : "{\"reason\":\"unknown_or_disabled\"}");
	if ((st = plan_commit(plan)) != 0)
		return st;
	return invalid_credentials(req);
}

static int
login_ok(struct request *req, struct plan *plan, const char *email_norm,
         const char *pw, const struct login_state *ls)
{
	char rehash[PASSWORD_HASH_MAX];
	cJSON *o = NULL;
	int st;

	auth_as_user(req, ls->uid);
	/* The session first: the settings and keys it needs may cost a
	 * read of their own, which no write should ride. */
	if ((st = auth_new_session(req, ls->uid, &o)) != 0)
		return st;
	sessions_queue_clear_failures(req->db, req->tenant->id_str, email_norm);
	/* Raised cost parameters apply at the next login. */
	if (password_needs_rehash(ls->password_hash, cfg.scrypt_log2n) &&
	    password_hash(pw, cfg.scrypt_log2n, rehash) == 0)
		users_queue_update(req->db, req->tenant->id_str, ls->uid, NULL,
		                   NULL, arena_strdup(req->arena, rehash));
	api_audit(req, "auth.login", "user", ls->uid, AUDIT_SUCCESS, NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_json(req, 200, o);
	return 0;
}

int
auth_login(struct request *req, struct plan *plan)
{
	const char *email, *pw, *norm;
	struct login_state ls;
	struct mfa_login m;
	bool ok;
	int st;

	if (api_credentials(req, &email, &pw) < 0)
		return plan_refuse(plan, req->err.status);
	norm = email_norm(req->arena, email);
	if (norm == NULL)
		norm = "";
	/* The attempt holds its e-mail's lockout row until it commits:
	 * parallel guesses are decided one at a time, each seeing the
	 * failures and the lock the previous ones left, so at most the
	 * threshold of them is ever evaluated.  The version row of the trip
	 * brings the tenant's status and configuration version: a
	 * suspension, or a change to token lifetimes or lockout, applies at
	 * once on every worker. */
	sessions_login_state(req->db, req->tenant->id_str, norm, &ls);
	mfa_login_state(req->db, req->tenant->id_str, norm, &m);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (ls.locked_s != 0)
		return locked_out(req, plan, &ls);
	/* An unknown e-mail costs the same work as a known one. */
	if (ls.found && ls.password_hash != NULL && ls.active)
		ok = password_verify(pw, ls.password_hash);
	else
		ok = password_verify_dummy(pw, cfg.scrypt_log2n);
	if (!ok || *norm == '\0')
		return login_failed(req, plan, norm, ls.uid);
	/* The password was right; a second factor may still be owed. */
	if (mfa_login_pending(req, &m)) {
		auth_as_user(req, ls.uid);
		return mfa_login_step(req, plan, norm, ls.uid, &m);
	}
	return login_ok(req, plan, norm, pw, &ls);
}

/* A token that did not spend, or whose user is no longer active: its
 * family ends.  A spent token presented again means it was copied: the
 * whole session ends, for the thief and the owner alike, and that is
 * audited. */
static int
refresh_refused(struct request *req, struct plan *plan,
                const struct refresh_state *rs)
{
	bool reuse =
	    rs->spent || (!rs->spent_now && !rs->revoked && !rs->expired);
	int st;

	sessions_queue_revoke_family(req->db, req->tenant->id_str, rs->family);
	if (reuse)
		api_audit(req, "auth.refresh_reuse", "session", rs->family,
		          AUDIT_FAILURE, NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	return invalid_refresh(req);
}

int
auth_refresh(struct request *req, struct plan *plan)
{
	static const char *const fields[] = {"refresh_token", NULL};
	const cJSON *b = api_object(req, fields);
	struct refresh_state rs;
	const char *tok;
	unsigned char h[32];
	char hash[67];
	cJSON *o = NULL;
	int st;

	if (b == NULL)
		return plan_refuse(plan, req->err.status);
	tok = json_str(b, "refresh_token");
	if (tok == NULL || opaque_refresh_hash(tok, h) < 0)
		return plan_refuse(plan, invalid_refresh(req));
	opaque_bytea(h, hash);
	sessions_refresh_state(req->db, req->tenant->id_str,
	                       arena_strdup(req->arena, hash), true, &rs);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!rs.found)
		return invalid_refresh(req);
	auth_as_user(req, rs.uid);
	if (!rs.spent_now || !rs.user_active)
		return refresh_refused(req, plan, &rs);
	if ((st = issue_pair(req, rs.uid, rs.family, &o)) != 0)
		return st;
	api_audit(req, "auth.refresh", "session", rs.family, AUDIT_SUCCESS,
	          NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_json(req, 200, o);
	return 0;
}

int
auth_logout(struct request *req, struct plan *plan)
{
	static const char *const fields[] = {"refresh_token", NULL};
	const cJSON *b = req->json ? api_object(req, fields) : NULL;
	const char *tok = b ? json_str(b, "refresh_token") : NULL;
	const struct principal *p = &req->principal;
	struct refresh_state rs = {0};
	unsigned char h[32];
	char hash[67];
	int st;

	if (req->json != NULL && b == NULL)
		return plan_refuse(plan, req->err.status);
	/* The named token's session is read in the trip that authenticates;
	 * nothing is written before the caller is known. */
	if (tok != NULL && opaque_refresh_hash(tok, h) == 0) {
		opaque_bytea(h, hash);
		sessions_refresh_state(req->db, req->tenant->id_str,
		                       arena_strdup(req->arena, hash), false,
		                       &rs);
	}
	if ((st = plan_run(plan)) != 0)
		return st;
	/* Only the caller's own sessions. */
	if (rs.found && strcmp(rs.uid, p->id_str) == 0)
		sessions_queue_revoke_family(req->db, req->tenant->id_str,
		                             rs.family);
	if (p->sid != NULL)
		sessions_queue_revoke_family(req->db, req->tenant->id_str,
		                             p->sid);
	api_audit(req, "auth.logout", "session", p->sid, AUDIT_SUCCESS, NULL);
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_status(req, 204);
	return 0;
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
	/* An enrolment token (api/mfa.h) is told what it is for. */
	if (p->mfa_enrolment)
		cJSON_AddBoolToObject(o, "mfa_enrolment_required", true);
	response_json(req, 200, o);
	req->res.cacheable = true; /* keyed by the credential in nginx */
	return 0;
}
