/*
 * mfa.c - the second factor, in the plan shape (api/plan.h).
 *
 * The TOTP secret is sealed with the tenant's data key (sec/fieldcrypt.h,
 * bound to the user's id), shown once in the enrolment answer and never
 * again, and never written to a log or the audit trail.  Deciding writes
 * (a step used, a recovery code spent) are guarded in SQL (data/mfa.h):
 * of two concurrent uses of one code, one wins.
 */
#include "api/mfa.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/plan.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/qrsvg.h"
#include "core/request.h"
#include "core/response.h"
#include "data/db.h"
#include "data/keyring.h"
#include "data/mfa.h"
#include "data/sessions.h"
#include "data/settings.h"
#include "data/users.h"
#include "sec/crypto.h"
#include "sec/fieldcrypt.h"
#include "sec/token.h"
#include "sec/totp.h"

#define URI_MAX 1024

const char *
mfa_enrolment_audience(struct request *req)
{
	return arena_printf(req->arena, "%s/mfa-enrolment", api_origin(req));
}

/* Whether auth.mfa requires a second factor of a user (is_admin: holds
 * owner or admin). */
static bool
policy_requires(struct request *req, bool is_admin)
{
	const struct tenant_settings *s = api_settings(req);
	int p = s ? s->mfa : SETTINGS_MFA_OPTIONAL;

	return p == SETTINGS_MFA_REQUIRED ||
	       (p == SETTINGS_MFA_REQUIRED_FOR_ADMINS && is_admin);
}

bool
mfa_login_pending(struct request *req, const struct mfa_login *m)
{
	return m->found && (m->enabled || policy_requires(req, m->is_admin));
}

/* The AAD of user uid's sealed secret (tenant, "mfa_totp", uid, "secret"). */
static void
aad_of(const struct uuid *tenant, const char *uid, struct uuid *u,
       struct field_aad *ad)
{
	uuid_parse(uid, u);
	ad->tenant = tenant;
	ad->collection = "mfa_totp";
	ad->record = u;
	ad->field = "secret";
}

static void
secret_aad(struct request *req, const char *uid, struct uuid *u,
           struct field_aad *ad)
{
	aad_of(&req->tenant->id, uid, u, ad);
}

const char *
mfa_secret_reseal(struct arena *a, const struct keyring *k,
                  const struct uuid *tenant, const char *uid,
                  const char *sealed)
{
	const struct keyring_key *old = NULL, *cur;
	struct field_aad ad;
	struct uuid u, kid;
	const char *b32 = NULL, *out;

	cur = k ? keyring_find(k, KEY_DATA, NULL) : NULL;
	if (cur != NULL && sealed != NULL && fieldcrypt_kid(sealed, &kid) == 0)
		old = keyring_find(k, KEY_DATA, &kid);
	aad_of(tenant, uid, &u, &ad);
	if (old != NULL)
		b32 = fieldcrypt_open(a, old->key, &ad, sealed);
	if (b32 == NULL)
		return NULL;
	out = fieldcrypt_seal(a, cur->key, &cur->id, &ad, b32);
	return out;
}

/* The secret (base32) sealed under the tenant's current data key, or NULL
 * after api_fail (503). */
static const char *
seal_secret(struct request *req, const char *uid, const char *b32)
{
	const struct keyring *k = api_keyring(req);
	const struct keyring_key *key =
	    k ? keyring_find(k, KEY_DATA, NULL) : NULL;
	struct field_aad ad;
	struct uuid u;
	const char *sealed;

	secret_aad(req, uid, &u, &ad);
	sealed = key ? fieldcrypt_seal(req->arena, key->key, &key->id, &ad, b32)
	             : NULL;
	if (sealed == NULL)
		(void)api_fail(req, 503, "service_unavailable",
		               "the tenant's keys cannot be read now");
	return sealed;
}

/* Opens user uid's sealed secret into key.  Returns 0 or the status
 * recorded (503: the key is unavailable; 500: it does not open). */
static int
open_secret(struct request *req, const char *uid, const char *sealed,
            unsigned char key[TOTP_SECRET_LEN])
{
	const struct keyring *k = api_keyring(req);
	const struct keyring_key *dk = NULL;
	struct field_aad ad;
	struct uuid u, kid;
	const char *b32;

	if (sealed != NULL && fieldcrypt_kid(sealed, &kid) == 0 && k != NULL)
		dk = keyring_find(k, KEY_DATA, &kid);
	if (dk == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the tenant's keys cannot be read now");
	secret_aad(req, uid, &u, &ad);
	b32 = fieldcrypt_open(req->arena, dk->key, &ad, sealed);
	if (b32 == NULL ||
	    totp_base32_decode(b32, key, TOTP_SECRET_LEN) != TOTP_SECRET_LEN)
		return api_fail(req, 500, "internal_error",
		                "the second factor cannot be read");
	return 0;
}

/* The verdict on a code presented for a user. */
struct code_check {
	bool ok;
	const char *method; /* totp, recovery_code */
	const char *reason; /* of a failure, for the audit trail */
};

/* A six-digit code against the authenticator (its step then used, so
 * never accepted again), anything else as a recovery code (then spent).
 * Costs a trip when the code is well-formed.  Returns 0 with the verdict
 * in *out, or a status. */
static int
check_code(struct request *req, struct plan *plan, const char *uid,
           const char *sealed, long long last_step, const char *code,
           struct code_check *out)
{
	const char *tid = req->tenant->id_str;
	unsigned char key[TOTP_SECRET_LEN];
	struct db_text took;
	long long step = 0;
	char h[65];
	int r, st;

	*out = (struct code_check){false, "totp", "wrong_code"};
	if (code == NULL)
		return 0;
	if (strlen(code) == TOTP_DIGITS &&
	    strspn(code, "0123456789") == TOTP_DIGITS) {
		if ((st = open_secret(req, uid, sealed, key)) != 0)
			return st;
		r = totp_verify(key, sizeof(key), code, clock_real_s(),
		                last_step, &step);
		crypto_wipe(key, sizeof(key));
		if (r != TOTP_OK) {
			out->reason =
			    r == TOTP_REPLAYED ? "replayed" : out->reason;
			return 0;
		}
		mfa_totp_use_step(req->db, tid, uid,
		                  arena_printf(req->arena, "%lld", step),
		                  &took);
		if ((st = plan_run(plan)) != 0)
			return st;
		out->ok = took.found;
		out->reason = took.found ? NULL : "replayed";
		return 0;
	}
	out->method = "recovery_code";
	out->reason = "unknown_or_used_recovery_code";
	if (totp_recovery_hash(tid, uid, code, h) < 0)
		return 0;
	mfa_recovery_spend(req->db, tid, uid, arena_strdup(req->arena, h),
	                   &took);
	if ((st = plan_run(plan)) != 0)
		return st;
	out->ok = took.found;
	return 0;
}

/* {"reason":..,"method":..} for the audit trail. */
static const char *
audit_details(struct request *req, const struct code_check *k)
{
	return k->reason
	           ? arena_printf(req->arena,
	                          "{\"method\":\"%s\",\"reason\":\"%s\"}",
	                          k->method, k->reason)
	           : arena_printf(req->arena, "{\"method\":\"%s\"}", k->method);
}

static int
login_challenge(struct request *req, struct plan *plan, const char *email_norm,
                const char *uid)
{
	char c[TOTP_CHALLENGE_LEN + 1], h[65];
	cJSON *o;
	int st;

	if (totp_challenge_new(c, h) < 0)
		return api_fail(req, 500, "internal_error",
		                "cannot start the second step");
	mfa_challenge_insert(req->db, req->tenant->id_str,
	                     arena_strdup(req->arena, h), uid,
	                     arena_strdup(req->arena, email_norm),
	                     arena_printf(req->arena, "%d", MFA_CHALLENGE_TTL));
	api_audit(req, "auth.login", "user", uid, AUDIT_SUCCESS,
	          "{\"mfa\":\"challenge\"}");
	if ((st = plan_commit(plan)) != 0) {
		crypto_wipe(c, sizeof(c));
		return st;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "challenge", c);
	cJSON_AddNumberToObject(o, "expires_in", MFA_CHALLENGE_TTL);
	crypto_wipe(c, sizeof(c));
	return api_fail_members(req, 401, "mfa_required",
	                        "enter a code of your authenticator app or a "
	                        "recovery code (POST /v1/auth/mfa)",
	                        o);
}

static int
login_enrolment(struct request *req, struct plan *plan, const char *email_norm,
                const char *uid)
{
	const struct keyring *k = api_keyring(req);
	const struct keyring_key *sk =
	    k ? keyring_find(k, KEY_SIGNING, NULL) : NULL;
	const char *tok;
	cJSON *o;
	int st;

	if (sk == NULL)
		return api_fail(req, 503, "service_unavailable",
		                "the signing key is unavailable");
	tok = token_issue(req->arena, sk->key, &sk->id,
	                  mfa_enrolment_audience(req), req->tenant->id_str, uid,
	                  NULL, clock_real_s(), MFA_ENROLMENT_TTL);
	if (tok == NULL)
		return api_fail(req, 500, "internal_error",
		                "cannot issue tokens");
	sessions_queue_clear_failures(req->db, req->tenant->id_str, email_norm);
	api_audit(req, "auth.login", "user", uid, AUDIT_SUCCESS,
	          "{\"mfa\":\"enrolment_required\"}");
	if ((st = plan_commit(plan)) != 0)
		return st;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "enrolment_token", tok);
	cJSON_AddStringToObject(o, "token_type", "Bearer");
	cJSON_AddNumberToObject(o, "expires_in", MFA_ENROLMENT_TTL);
	return api_fail_members(req, 403, "mfa_enrolment_required",
	                        "this tenant requires a second factor: enrol "
	                        "one with the enrolment token "
	                        "(POST /v1/me/mfa/totp)",
	                        o);
}

int
mfa_login_step(struct request *req, struct plan *plan, const char *email_norm,
               const char *uid, const struct mfa_login *m)
{
	if (m->enabled)
		return login_challenge(req, plan, email_norm, uid);
	return login_enrolment(req, plan, email_norm, uid);
}

static int
bad_challenge(struct request *req)
{
	return api_fail(req, 401, "invalid_challenge",
	                "the challenge is not valid; sign in again");
}

/* A wrong or replayed code at a challenge: one more failure of the
 * e-mail's lockout and of the challenge (spent after a few). */
static int
login_code_failed(struct request *req, struct plan *plan, const char *hash,
                  const struct mfa_challenge *c, const struct code_check *k)
{
	int st;

	auth_count_failure(req, c->email_norm);
	mfa_challenge_fail(req->db, req->tenant->id_str, hash,
	                   arena_printf(req->arena, "%d", MFA_CHALLENGE_TRIES));
	api_audit(req, "auth.mfa", "user", c->uid, AUDIT_FAILURE,
	          audit_details(req, k));
	if ((st = plan_commit(plan)) != 0)
		return st;
	return api_fail(req, 401, "invalid_mfa_code",
	                "the code is wrong or was used already");
}

/* The challenge and code of a body into *ch and *code, or a refusal. */
static int
read_challenge_body(struct request *req, const char **ch, const char **code)
{
	static const char *const fields[] = {"challenge", "code", NULL};
	const cJSON *b = api_object(req, fields);
	cJSON *errs = NULL;

	if (b == NULL)
		return req->err.status;
	*ch = json_str(b, "challenge");
	*code = json_str(b, "code");
	if (*ch == NULL)
		errs = json_add_field_error(
		    errs, "challenge", "must be the challenge of the login");
	if (*code == NULL)
		errs = json_add_field_error(errs, "code",
		                            "must be a six-digit code or a "
		                            "recovery code");
	return errs ? api_fail_errors(req, 422, "validation_failed",
	                              "the second step is not valid", errs)
	            : 0;
}

/* The locked challenge of hash, and its e-mail's lockout row: the row is
 * taken first, as every login takes it. */
static int
claim_challenge(struct request *req, struct plan *plan, const char *hash,
                struct login_state *ls, struct mfa_challenge *c)
{
	const char *tid = req->tenant->id_str;
	struct db_text email;
	int st;

	mfa_challenge_email(req->db, tid, hash, &email);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!email.found || email.v == NULL)
		return bad_challenge(req);
	sessions_login_state(req->db, tid, email.v, ls);
	mfa_challenge_get(req->db, tid, hash, c);
	return plan_run(plan);
}

int
mfa_login_complete(struct request *req, struct plan *plan)
{
	const char *ch = NULL, *code = NULL, *hash;
	struct login_state ls;
	struct mfa_challenge c = {0};
	struct code_check k;
	char h[65];
	cJSON *o = NULL;
	int st;

	if ((st = read_challenge_body(req, &ch, &code)) != 0)
		return plan_refuse(plan, st);
	if (totp_challenge_hash(ch, h) < 0)
		return plan_refuse(plan, bad_challenge(req));
	hash = arena_strdup(req->arena, h);
	if ((st = claim_challenge(req, plan, hash, &ls, &c)) != 0)
		return st;
	if (!c.found || c.expired || c.used || !c.user_active || !c.enabled)
		return bad_challenge(req);
	auth_as_user(req, c.uid);
	if (ls.locked_s != 0)
		return auth_locked_out(req, plan, "auth.mfa", c.uid,
		                       ls.locked_s);
	if ((st = check_code(req, plan, c.uid, c.secret, c.last_step, code,
	                     &k)) != 0)
		return st;
	if (!k.ok)
		return login_code_failed(req, plan, hash, &c, &k);
	/* The session first: the settings and keys it needs may cost a
	 * read of their own, which no write should ride. */
	if ((st = auth_new_session(req, c.uid, &o)) != 0)
		return st;
	mfa_challenge_spend(req->db, req->tenant->id_str, hash);
	sessions_queue_clear_failures(req->db, req->tenant->id_str,
	                              c.email_norm);
	api_audit(req, "auth.mfa", "user", c.uid, AUDIT_SUCCESS,
	          audit_details(req, &k));
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_json(req, 200, o);
	return 0;
}

/* Routes of the caller's own second factor: a user, not an API key. */
static int
require_user(struct request *req)
{
	if (req->principal.kind != PRINCIPAL_USER)
		return api_fail(req, 403, "forbidden",
		                "only a user has a second factor");
	return 0;
}

int
mfa_status(struct request *req, struct plan *plan)
{
	struct mfa_totp t = {0};
	cJSON *o;
	int st;

	mfa_totp_get(req->db, req->tenant->id_str, req->principal.id_str, &t);
	if ((st = plan_read(plan)) != 0 || (st = require_user(req)) != 0)
		return st;
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "enabled", t.confirmed);
	cJSON_AddBoolToObject(o, "pending", t.found && !t.confirmed);
	cJSON_AddBoolToObject(o, "required", policy_requires(req, t.is_admin));
	cJSON_AddNumberToObject(o, "recovery_codes_left",
	                        (double)(t.confirmed ? t.recovery_left : 0));
	response_json(req, 200, o);
	return 0;
}

/* The otpauth URI of a new secret for the caller into out. */
static int
new_uri(struct request *req, const char *b32, char out[URI_MAX])
{
	const char *issuer =
	    req->tenant->name[0] ? req->tenant->name : req->tenant->slug;
	const char *account =
	    req->principal.email ? req->principal.email : req->principal.id_str;

	if (totp_uri(issuer, account, b32, out, URI_MAX) < 0)
		return api_fail(req, 500, "internal_error",
		                "cannot describe the authenticator");
	return 0;
}

/* The enrolment's answer: the URI, its QR image and the secret. */
static int
enrol_answer(struct request *req, const char *uri, const char *b32)
{
	const char *svg = qrsvg_render(req->arena, uri);
	cJSON *o;

	if (svg == NULL)
		return api_fail(req, 500, "internal_error",
		                "cannot draw the QR code");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "otpauth_uri", uri);
	cJSON_AddStringToObject(o, "qr_svg", svg);
	cJSON_AddStringToObject(o, "secret", b32);
	response_json(req, 200, o);
	return 0;
}

int
mfa_enrol(struct request *req, struct plan *plan)
{
	const char *uid = req->principal.id_str, *sealed;
	unsigned char key[TOTP_SECRET_LEN];
	char b32[TOTP_SECRET_B32_LEN + 1], uri[URI_MAX];
	struct mfa_totp t = {0};
	struct db_text took;
	int st;

	mfa_totp_get(req->db, req->tenant->id_str, uid, &t);
	if ((st = plan_run(plan)) != 0 || (st = require_user(req)) != 0)
		return st;
	if (t.confirmed)
		return api_fail(req, 409, "conflict",
		                "a second factor is enabled; disable it first");
	if (totp_secret_new(key) < 0 ||
	    totp_base32(key, sizeof(key), b32, sizeof(b32)) < 0)
		return api_fail(req, 500, "internal_error",
		                "cannot make a secret");
	crypto_wipe(key, sizeof(key));
	if ((st = new_uri(req, b32, uri)) != 0 ||
	    (sealed = seal_secret(req, uid, b32)) == NULL) {
		crypto_wipe(b32, sizeof(b32));
		return st ? st : req->err.status;
	}
	mfa_totp_begin(req->db, req->tenant->id_str, uid, sealed, &took);
	api_audit(req, "mfa.enrol", "user", uid, AUDIT_SUCCESS, NULL);
	if ((st = plan_commit(plan)) == 0 && !took.found)
		st = api_fail(req, 409, "conflict",
		              "a second factor is enabled; disable it first");
	if (st == 0)
		st = enrol_answer(req, uri, b32);
	crypto_wipe(b32, sizeof(b32));
	crypto_wipe(uri, sizeof(uri));
	return st;
}

/* Ten new recovery codes into codes (JSON array) and their hashes into a
 * text[] literal. */
static int
new_recovery_codes(struct request *req, const char *uid, cJSON **codes,
                   const char **lit)
{
	char c[TOTP_RECOVERY_LEN + 1], h[65];
	char *out = arena_alloc(req->arena, TOTP_RECOVERY_COUNT * 66 + 3);
	size_t len = 1;

	*codes = cJSON_CreateArray();
	out[0] = '{';
	for (int i = 0; i < TOTP_RECOVERY_COUNT; i++) {
		if (totp_recovery_new(c) < 0 ||
		    totp_recovery_hash(req->tenant->id_str, uid, c, h) < 0)
			return api_fail(req, 500, "internal_error",
			                "cannot make recovery codes");
		cJSON_AddItemToArray(*codes, cJSON_CreateString(c));
		if (i > 0)
			out[len++] = ',';
		memcpy(out + len, h, 64);
		len += 64;
	}
	out[len++] = '}';
	out[len] = '\0';
	crypto_wipe(c, sizeof(c));
	*lit = out;
	return 0;
}

/* The code of a {code} body into *code, or a refusal (422). */
static int
read_code_body(struct request *req, const char **code)
{
	static const char *const fields[] = {"code", NULL};
	const cJSON *b = api_object(req, fields);

	if (b == NULL)
		return req->err.status;
	*code = json_str(b, "code");
	if (*code == NULL)
		return api_fail_errors(
		    req, 422, "validation_failed", "the code is missing",
		    json_add_field_error(NULL, "code",
		                         "must be a six-digit code or a "
		                         "recovery code"));
	return 0;
}

/* The {code} body (its refusal held until the caller is authorized) and
 * the caller's authenticator into *t, read in one trip.  Returns 0 or a
 * status. */
static int
code_and_totp(struct request *req, struct plan *plan, const char **code,
              struct mfa_totp *t)
{
	struct api_deferred bad;
	int st;

	(void)read_code_body(req, code);
	(void)api_defer(req, &bad);
	mfa_totp_get(req->db, req->tenant->id_str, req->principal.id_str, t);
	if ((st = plan_run(plan)) != 0 || (st = require_user(req)) != 0)
		return st;
	return api_deferred(req, &bad);
}

/* Checks a confirming code against the pending secret: 0 with the step
 * into *step, or 422. */
static int
confirm_code(struct request *req, const struct mfa_totp *t, const char *code,
             long long *step)
{
	unsigned char key[TOTP_SECRET_LEN];
	int st, r;

	if ((st = open_secret(req, req->principal.id_str, t->secret, key)) != 0)
		return st;
	r = totp_verify(key, sizeof(key), code, clock_real_s(), t->last_step,
	                step);
	crypto_wipe(key, sizeof(key));
	if (r != TOTP_OK)
		return api_fail_errors(
		    req, 422, "invalid_mfa_code",
		    "the code is not the authenticator's current one",
		    json_add_field_error(NULL, "code",
		                         "must be the six digits the "
		                         "authenticator app shows now"));
	return 0;
}

/* The confirmation's answer: the recovery codes, and for an enrolment
 * token the session it was kept from. */
static int
confirm_answer(struct request *req, struct plan *plan, cJSON *codes,
               const char *lit)
{
	const char *uid = req->principal.id_str;
	cJSON *o = NULL;
	int st;

	if (req->principal.mfa_enrolment &&
	    (st = auth_new_session(req, uid, &o)) != 0)
		return st;
	if (o == NULL)
		o = cJSON_CreateObject();
	mfa_recovery_replace(req->db, req->tenant->id_str, uid, lit);
	api_audit(req, "mfa.enable", "user", uid, AUDIT_SUCCESS,
	          "{\"method\":\"totp\"}");
	if ((st = plan_commit(plan)) != 0)
		return st;
	cJSON_AddItemToObject(o, "recovery_codes", codes);
	response_json(req, 200, o);
	return 0;
}

int
mfa_confirm(struct request *req, struct plan *plan)
{
	const char *uid = req->principal.id_str, *code = NULL, *lit = NULL;
	struct mfa_totp t = {0};
	struct db_text took;
	long long step = 0;
	cJSON *codes = NULL;
	int st;

	if ((st = code_and_totp(req, plan, &code, &t)) != 0)
		return st;
	if (!t.found || t.confirmed)
		return api_fail(req, 409, "conflict",
		                t.confirmed
		                    ? "a second factor is enabled already"
		                    : "no enrolment to confirm: "
		                      "POST /v1/me/mfa/totp first");
	if ((st = confirm_code(req, &t, code, &step)) != 0)
		return st;
	mfa_totp_confirm(req->db, req->tenant->id_str, uid,
	                 arena_printf(req->arena, "%lld", step), &took);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!took.found)
		return api_fail(req, 409, "conflict",
		                "the enrolment changed meanwhile; start again");
	if ((st = new_recovery_codes(req, uid, &codes, &lit)) != 0)
		return st;
	return confirm_answer(req, plan, codes, lit);
}

/* A wrong code at DELETE /v1/me/mfa: counted towards the lockout. */
static int
disable_failed(struct request *req, struct plan *plan, const char *email_norm,
               const struct code_check *k)
{
	int st;

	auth_count_failure(req, email_norm);
	api_audit(req, "mfa.disable", "user", req->principal.id_str,
	          AUDIT_FAILURE, audit_details(req, k));
	if ((st = plan_commit(plan)) != 0)
		return st;
	return api_fail(req, 403, "invalid_mfa_code",
	                "the code is wrong or was used already");
}

int
mfa_disable(struct request *req, struct plan *plan)
{
	const char *uid = req->principal.id_str, *code = NULL;
	struct mfa_totp t = {0};
	struct login_state ls;
	struct code_check k;
	struct db_text gone;
	int st;

	if ((st = code_and_totp(req, plan, &code, &t)) != 0)
		return st;
	if (!t.confirmed)
		return api_fail(req, 409, "conflict",
		                "no second factor is enabled");
	sessions_login_state(req->db, req->tenant->id_str, t.email_norm, &ls);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (ls.locked_s != 0)
		return auth_locked_out(req, plan, "mfa.disable", uid,
		                       ls.locked_s);
	if ((st = check_code(req, plan, uid, t.secret, t.last_step, code,
	                     &k)) != 0)
		return st;
	if (!k.ok)
		return disable_failed(req, plan, t.email_norm, &k);
	mfa_remove(req->db, req->tenant->id_str, uid, &gone);
	api_audit(req, "mfa.disable", "user", uid, AUDIT_SUCCESS,
	          audit_details(req, &k));
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_status(req, 204);
	return 0;
}

int
mfa_reset(struct request *req, struct plan *plan)
{
	const char *id = req->args[0];
	struct user u = {0};
	struct db_text gone = {0};
	int st;

	if (uuid_valid(id))
		users_get(req->db, req->tenant->id_str, id, &u);
	if ((st = plan_run(plan)) != 0)
		return st;
	if (!u.found)
		return api_fail(req, 404, "not_found", "no such user");
	mfa_remove(req->db, req->tenant->id_str, id, &gone);
	if ((st = plan_run(plan)) != 0)
		return st;
	api_audit(req, "mfa.reset", "user", id, AUDIT_SUCCESS,
	          gone.found ? "{\"removed\":true}" : "{\"removed\":false}");
	if ((st = plan_commit(plan)) != 0)
		return st;
	response_status(req, 204);
	return 0;
}
