/*
 * auth_stage.c - who is calling, and may they.
 *
 * For a tenant route that needs a principal, one round trip carries:
 * BEGIN, SET LOCAL strata.tenant_id, the principal's current status, roles
 * and permissions (re-read on every request, so disabling a user or taking
 * a role away works on the next request), the route's prefetched reads
 * (if any) and COMMIT.  Only then are the permissions checked; prefetched
 * rows of a refused request are dropped unread.
 */
#include "api/auth_stage.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/errors.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/problem.h"
#include "core/request.h"
#include "core/router.h"
#include "data/api_keys.h"
#include "data/db.h"
#include "data/keyring.h"
#include "data/operators.h"
#include "data/pgarray.h"
#include "data/tenants.h"
#include "data/users.h"
#include "data/versions.h"
#include "sec/crypto.h"
#include "data/audit.h"
#include "data/settings.h"
#include "sec/oidc.h"
#include "sec/opaque.h"
#include "sec/rbac.h"
#include "sec/token.h"

static int
unauthorized(struct request *req, const char *detail)
{
	problem(req, 401, "invalid_token", detail);
	return -1;
}

/* The credential of "Authorization: Bearer <credential>", or NULL. */
static const char *
bearer(struct request *req)
{
	const char *h = request_env(req, "HTTP_AUTHORIZATION");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h != '\0' ? h : NULL;
}

/* Verifies a tenant access token with the tenant's cached signing key;
 * an unknown kid reloads the keyring once (a rotation elsewhere). */
static int
verify_jwt(struct request *req, const char *tok, struct token_claims *c)
{
	const struct keyring *k;
	const struct keyring_key *key;
	struct uuid kid;

	if (token_peek_kid(tok, &kid) < 0)
		return -1;
	k = api_keyring(req);
	key = keyring_find(k, KEY_SIGNING, &kid);
	if (k != NULL && key == NULL) {
		k = api_keyring_reload(req);
		key = keyring_find(k, KEY_SIGNING, &kid);
	}
	if (k == NULL)
		return -2;
	if (key == NULL)
		return -1;
	return token_verify(tok, key->key, api_origin(req), req->tenant->id_str,
	                    clock_real_s(), c);
}

static int
queue_user(struct request *req, const char *tok)
{
	struct token_claims c;
	struct principal *p = &req->principal;
	int rc = verify_jwt(req, tok, &c);

	if (rc == -2) {
		problem(req, 503, "service_unavailable",
		        "the database is unavailable");
		return -1;
	}
	if (rc < 0)
		return unauthorized(req, "the access token is not valid here");
	p->kind = PRINCIPAL_USER;
	uuid_parse(c.sub, &p->id);
	memcpy(p->id_str, c.sub, sizeof(c.sub));
	p->token_jti = arena_strdup(req->arena, c.jti);
	p->sid = c.sid[0] ? arena_strdup(req->arena, c.sid) : NULL;
	api_begin(req);
	req->pf[7] = users_queue_principal(req->db, req->tenant->id_str,
	                                   p->id_str, p->sid);
	return 0;
}

static int
queue_api_key(struct request *req, const char *tok)
{
	struct principal *p = &req->principal;

	if (opaque_apikey_parse(tok, &p->id, p->key_hash) < 0)
		return unauthorized(req, "the API key is not valid here");
	p->kind = PRINCIPAL_API_KEY;
	uuid_format(&p->id, p->id_str);
	api_begin(req);
	req->pf[7] =
	    api_keys_queue_principal(req->db, req->tenant->id_str, p->id_str);
	return 0;
}

/* A token of the tenant's own identity provider: verified against the
 * keys in its settings, the user found by (issuer, sub) and provisioned on
 * first sight with the roles its claims map to.  Sets the principal's id;
 * returns 0 or the status recorded with api_fail(). */
static int
oidc_user(struct request *req, const char *tok)
{
	const struct tenant_settings *s = api_settings(req);
	struct principal *p = &req->principal;
	struct oidc_identity id;
	const char *tid = req->tenant->id_str, *iss;
	bool own_tx = !req->tx_open;
	PGresult *r;
	int h, rc;

	if (s == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the database is unavailable");
	if (oidc_verify(&s->oidc, tok, clock_real_s(), &id) < 0)
		return api_fail(req, 401, "invalid_token",
		                "the token is not valid here");
	iss = arena_strdup(req->arena, s->oidc.issuer);
	api_begin(req);
	h = users_queue_by_oidc(req->db, tid, iss, id.sub);
	if ((rc = db_sync(req->db)) != DB_OK)
		return errors_from_db(req, rc);
	r = db_result(req->db, h);
	p->kind = PRINCIPAL_USER;
	if (db_rows(r) == 1) {
		snprintf(p->id_str, sizeof(p->id_str), "%s", db_value(r, 0, 0));
	} else {
		struct buf roles;
		const char *email =
		    strlen(id.email) >= 3
		        ? id.email
		        : arena_printf(req->arena, "oidc:%s", id.sub);

		uuid_v7(&p->id);
		uuid_format(&p->id, p->id_str);
		buf_init(&roles, req->arena, 128, 4096);
		pgarray_open(&roles);
		for (int i = 0; i < id.nroles; i++)
			pgarray_add(&roles, id.roles[i]);
		users_queue_insert_oidc(req->db, tid, p->id_str,
		                        arena_strdup(req->arena, email),
		                        arena_strdup(req->arena, id.name), iss,
		                        arena_strdup(req->arena, id.sub));
		/* Roles that do not exist in the tenant are left out. */
		users_queue_set_roles(req->db, tid, p->id_str,
		                      pgarray_close(&roles));
		versions_queue_bump_auth(req->db, tid);
		api_audit(
		    req, "user.provision", "user", p->id_str, AUDIT_SUCCESS,
		    arena_printf(req->arena, "{\"roles\":%d}", id.nroles));
		if ((rc = db_sync(req->db)) != DB_OK)
			return errors_from_db(req, rc);
	}
	uuid_parse(p->id_str, &p->id);
	if (own_tx) {
		/* Provisioning is its own transaction: the plan that follows
		 * opens the request's. */
		db_commit(req->db);
		req->tx_open = false;
		if ((rc = db_sync(req->db)) != DB_OK)
			return errors_from_db(req, rc);
	}
	return 0;
}

/* The legacy stage's OIDC path: the user, then its principal queued. */
static int
queue_oidc(struct request *req, const char *tok)
{
	if (oidc_user(req, tok) != 0) {
		problem(req, req->err.status, req->err.code, req->err.detail);
		req->err.status = 0;
		return -1;
	}
	api_begin(req);
	req->pf[7] = users_queue_principal(req->db, req->tenant->id_str,
	                                   req->principal.id_str, NULL);
	return 0;
}

int
auth_credential(struct request *req)
{
	struct principal *p = &req->principal;
	struct token_claims c;
	char alg[8], kid[128];
	const char *tok;
	int rc;

	/* Credentials in URLs end up in logs and histories: refused. */
	if (request_query(req, "access_token") != NULL)
		return api_fail(req, 401, "invalid_token",
		                "send the token in the Authorization header, "
		                "never in the URL");
	tok = bearer(req);
	if (tok == NULL)
		return api_fail(req, 401, "unauthorized",
		                "authentication is required");
	if (strncmp(tok, "stk_", 4) == 0) {
		if (opaque_apikey_parse(tok, &p->id, p->key_hash) < 0)
			return api_fail(req, 401, "invalid_token",
			                "the API key is not valid here");
		p->kind = PRINCIPAL_API_KEY;
		uuid_format(&p->id, p->id_str);
		return 0;
	}
	if (token_peek(tok, alg, kid) == 0 && strcmp(alg, "HS256") != 0)
		return oidc_user(req, tok);
	rc = verify_jwt(req, tok, &c);
	if (rc == -2)
		return api_fail(req, 503, "service_unavailable",
		                "the database is unavailable");
	if (rc < 0)
		return api_fail(req, 401, "invalid_token",
		                "the access token is not valid here");
	p->kind = PRINCIPAL_USER;
	uuid_parse(c.sub, &p->id);
	memcpy(p->id_str, c.sub, sizeof(c.sub));
	p->token_jti = arena_strdup(req->arena, c.jti);
	p->sid = c.sid[0] ? arena_strdup(req->arena, c.sid) : NULL;
	return 0;
}

/* The older stage's check of the status its trip read. */
static int
tenant_active(struct request *req, const char *status)
{
	snprintf(req->tenant->status, sizeof(req->tenant->status), "%s",
	         status);
	return api_tenant_state(req) == 0 ? 0 : api_legacy_problem(req);
}

static int
check_user(struct request *req, const PGresult *r)
{
	struct principal *p = &req->principal;

	if (PQntuples(r) != 1)
		return unauthorized(req, "the user no longer exists");
	if (tenant_active(req, db_value(r, 0, 5)) != 0)
		return -1;
	if (strcmp(db_value(r, 0, 0), "active") != 0)
		return unauthorized(req, "the user is disabled");
	if (db_value(r, 0, 7)[0] == 't')
		return unauthorized(req, "the session has ended");
	req->tenant->config_version = strtoll(db_value(r, 0, 6), NULL, 10);
	p->email = arena_strdup(req->arena, db_value(r, 0, 1));
	p->name = arena_strdup(req->arena, db_value(r, 0, 2));
	p->roles = arena_strdup(req->arena, db_value(r, 0, 3));
	p->perms = rbac_parse_pg_array(db_value(r, 0, 4));
	p->owner = strstr(p->roles, "\"owner\"") != NULL;
	return 0;
}

static int
check_api_key(struct request *req, const PGresult *r)
{
	struct principal *p = &req->principal;
	unsigned char *stored;
	size_t len = 0;
	bool match;

	if (PQntuples(r) != 1)
		return unauthorized(req, "the API key is not valid here");
	stored =
	    PQunescapeBytea((const unsigned char *)db_value(r, 0, 0), &len);
	match = stored != NULL && len == 32 &&
	        crypto_equal(stored, p->key_hash, 32);
	PQfreemem(stored);
	crypto_wipe(p->key_hash, sizeof(p->key_hash));
	if (!match)
		return unauthorized(req, "the API key is not valid here");
	if (tenant_active(req, db_value(r, 0, 3)) != 0)
		return -1;
	if (db_value(r, 0, 2)[0] != 't')
		return unauthorized(req, "the API key is revoked or expired");
	req->tenant->config_version = strtoll(db_value(r, 0, 4), NULL, 10);
	p->perms = rbac_parse_pg_array(db_value(r, 0, 1));
	p->name = arena_strdup(req->arena, db_value(r, 0, 5));
	p->roles = "[]";
	return 0;
}

static int
authorize(struct request *req)
{
	const struct route *r = req->route;

	if (!rbac_allows(req->principal.perms, r->perm) ||
	    ((r->flags & ROUTE_OWNER) && !req->principal.owner)) {
		problem(req, 403, "forbidden",
		        "you lack the permission this needs");
		return -1;
	}
	return 0;
}

int
auth_operator_credential(struct request *req, struct operator_row *op)
{
	struct principal *p = &req->principal;
	unsigned char key[CRYPTO_KEY_LEN];
	struct token_claims c;
	struct uuid kid;
	const char *tok;
	int rc;

	memset(op, 0, sizeof(*op));
	/* Credentials in URLs end up in logs and histories: refused. */
	if (request_query(req, "access_token") != NULL)
		return api_fail(req, 401, "invalid_token",
		                "send the token in the Authorization header, "
		                "never in the URL");
	if ((tok = bearer(req)) == NULL)
		return api_fail(req, 401, "unauthorized",
		                "authentication is required");
	if (token_peek_kid(tok, &kid) < 0 ||
	    operators_signing_key(req->db, &kid, NULL, key) < 0)
		return api_fail(req, 401, "invalid_token",
		                "the access token is not valid here");
	rc = token_verify(tok, key, api_apex_origin(req), NULL, clock_real_s(),
	                  &c);
	crypto_wipe(key, sizeof(key));
	if (rc < 0)
		return api_fail(req, 401, "invalid_token",
		                "the access token is not valid here");
	p->kind = PRINCIPAL_OPERATOR;
	uuid_parse(c.sub, &p->id);
	memcpy(p->id_str, c.sub, sizeof(c.sub));
	operators_status(req->db, p->id_str, op);
	return 0;
}

/* The older stage's operator check: the credential, then its status in a
 * trip of its own. */
static int
auth_operator(struct request *req)
{
	struct operator_row op;
	int rc;

	if (auth_operator_credential(req, &op) != 0)
		return api_legacy_problem(req);
	if ((rc = db_sync(req->db)) != DB_OK) {
		(void)errors_from_db(req, rc);
		return api_legacy_problem(req);
	}
	if (!op.active)
		return unauthorized(req, "the operator is disabled");
	req->principal.perms = P_ALL;
	return 0;
}

int
auth_stage(struct request *req)
{
	const struct route *route = req->route;
	const char *tok;
	PGresult *r;
	int rc;

	if (!(route->flags & (ROUTE_AUTH | ROUTE_OPERATOR | ROUTE_OWNER)))
		return 0;
	/* Credentials in URLs end up in logs and histories: refused. */
	if (request_query(req, "access_token") != NULL)
		return unauthorized(req, "send the token in the Authorization "
		                         "header, never in the URL");
	tok = bearer(req);
	if (tok == NULL) {
		problem(req, 401, "unauthorized", "authentication is required");
		return -1;
	}
	if (route->flags & ROUTE_OPERATOR)
		return auth_operator(req);
	{
		char alg[8], kid[128];

		if (strncmp(tok, "stk_", 4) == 0)
			rc = queue_api_key(req, tok);
		else if (token_peek(tok, alg, kid) == 0 &&
		         strcmp(alg, "HS256") != 0)
			rc = queue_oidc(req, tok);
		else
			rc = queue_user(req, tok);
	}
	if (rc < 0)
		return -1;
	for (int i = 0; i < 7; i++)
		req->pf[i] = -1;
	if (route->prefetch != NULL && route->prefetch(req)) {
		db_commit(req->db);
		req->tx_open = false;
	}
	if (api_sync(req) < 0)
		return -1;
	r = db_result(req->db, req->pf[7]);
	rc = req->principal.kind == PRINCIPAL_USER ? check_user(req, r)
	                                           : check_api_key(req, r);
	if (rc < 0)
		return -1;
	return authorize(req);
}
