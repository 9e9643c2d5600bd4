/*
 * credential.c - who is calling: the Authorization header checked without
 * the database where it can be.  Whether they may is decided by the plan
 * (api/plan.c), from the principal read in the request's round trip.
 */
#include "api/credential.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/errors.h"
#include "api/mfa.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/problem.h"
#include "core/request.h"
#include "core/response.h"
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
#include "sec/token_cache.h"

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

/* A tenant access token this worker verified before, for this tenant and
 * origin, still unexpired and signed by a key still in the tenant's
 * keyring: true with its claims (no decoding, no HMAC). */
static bool
cached_jwt(struct request *req, const char *tok, const char *origin,
           struct token_claims *c)
{
	const struct keyring *k;
	struct uuid kid;

	if (!token_cache_find(tok, req->tenant->id_str, origin, clock_real_s(),
	                      &kid, c))
		return false;
	k = api_keyring(req);
	return k != NULL && keyring_find(k, KEY_SIGNING, &kid) != NULL;
}

/* Verifies a tenant access token with the tenant's cached signing key;
 * an unknown kid reloads the keyring once (a rotation elsewhere).  A token
 * that verifies is remembered (sec/token_cache.h). */
static int
verify_jwt(struct request *req, const char *tok, const char *origin,
           struct token_claims *c)
{
	const char *tid = req->tenant->id_str;
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
	if (token_verify(tok, key->key, origin, tid, clock_real_s(), c) < 0)
		return -1;
	token_cache_store(tok, tid, origin, &kid, c);
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
	struct db_text known;
	int rc;

	if (s == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the database is unavailable");
	if (oidc_verify(&s->oidc, tok, clock_real_s(), &id) < 0)
		return api_fail(req, 401, "invalid_token",
		                "the token is not valid here");
	iss = arena_strdup(req->arena, s->oidc.issuer);
	api_begin(req);
	users_by_oidc(req->db, tid, iss, id.sub, &known);
	if ((rc = db_sync(req->db)) != DB_OK)
		return errors_from_db(req, rc);
	p->kind = PRINCIPAL_USER;
	if (known.found && known.v != NULL) {
		snprintf(p->id_str, sizeof(p->id_str), "%s", known.v);
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

int
credential_read(struct request *req)
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
	if (!cached_jwt(req, tok, api_origin(req), &c)) {
		if (token_peek(tok, alg, kid) == 0 && strcmp(alg, "HS256") != 0)
			return oidc_user(req, tok);
		rc = verify_jwt(req, tok, api_origin(req), &c);
		/* Not an access token: perhaps an MFA enrolment token, whose
		 * audience is its own (api/mfa.h); the plan keeps it to the
		 * enrolment routes. */
		if (rc == -1) {
			const char *aud = mfa_enrolment_audience(req);

			rc = cached_jwt(req, tok, aud, &c)
			         ? 0
			         : verify_jwt(req, tok, aud, &c);
			p->mfa_enrolment = rc == 0;
		}
		if (rc == -2)
			return api_fail(req, 503, "service_unavailable",
			                "the database is unavailable");
		if (rc < 0)
			return api_fail(req, 401, "invalid_token",
			                "the access token is not valid here");
	}
	p->kind = PRINCIPAL_USER;
	uuid_parse(c.sub, &p->id);
	memcpy(p->id_str, c.sub, sizeof(c.sub));
	p->token_jti = arena_strdup(req->arena, c.jti);
	p->sid = c.sid[0] ? arena_strdup(req->arena, c.sid) : NULL;
	if (c.act[0] != '\0') {
		/* Every answer made under an impersonation says so, refusals
		 * included (api/impersonation.h). */
		p->act = arena_strdup(req->arena, c.act);
		response_header(req, "Strata-Impersonated-By", p->act);
	}
	return 0;
}

int
credential_operator(struct request *req, struct operator_row *op)
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
