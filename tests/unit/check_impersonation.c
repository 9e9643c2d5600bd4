/* check_impersonation.c - operator support sessions: the act claim of
 * their tokens (issued, forged, missing, for another tenant), the checks
 * a request under one passes, and where such a session may not go. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "api/impersonation.h"
#include "check_main.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/request.h"
#include "core/router.h"
#include "sec/crypto.h"
#include "sec/token.h"

#define ORIGIN "https://acme.strata.localhost:8443"
#define ORIGIN_B "https://beta.strata.localhost:8443"
#define APEX "https://strata.localhost:8443"
#define TID "01a21c0f-4da7-7f3b-a7a8-db1b9a48011a"
#define TID_B "01a21c0f-4da7-7f3b-a7a8-db1b9a48011b"
#define SUB "01a21c0f-4da7-7b8a-8dfe-f3d2fc2ca6d9"
#define SID "01a21c0f-4da7-7b8a-8dfe-f3d2fc2ca6e0"
#define OP "01a21c0f-4da7-7c77-9c5e-aab6c53ffa60"
#define OP2 "01a21c0f-4da7-7c77-9c5e-aab6c53ffa61"
#define KID "01a21c0f-4da7-7c77-9c5e-aab6c53ffa54"
#define JTI "01a21c0f-4da7-7c77-9c5e-aab6c53ffa55"
#define NOW 1800000000L

static struct arena *a;
static const unsigned char key[32] = {11, 22, 33};
static const unsigned char other[32] = {44};
static struct uuid kid;
static struct token_claims c;

static void
setup(void)
{
	a = arena_new(4096, 1 << 22);
	json_use_arena(a);
	uuid_parse(KID, &kid);
	memset(&c, 0, sizeof(c));
}

static void
teardown(void)
{
	arena_free(a);
}

/* header.payload.signature of our own encoding, signed with k. */
static const char *
craft(const char *payload, const unsigned char *k)
{
	static const char header[] =
	    "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" KID "\"}";
	char h64[1024], p64[2048], s64[64];
	unsigned char mac[32];
	char *signing = arena_alloc(a, 4096);

	crypto_b64url_enc(header, strlen(header), h64, sizeof(h64));
	crypto_b64url_enc(payload, strlen(payload), p64, sizeof(p64));
	snprintf(signing, 4096, "%s.%s", h64, p64);
	crypto_hmac_sha256(k, 32, signing, strlen(signing), mac);
	crypto_b64url_enc(mac, 32, s64, sizeof(s64));
	return arena_printf(a, "%s.%s", signing, s64);
}

/* A tenant payload of acme with the given act member (NULL: none) and
 * sid (NULL: none). */
static const char *
payload(const char *act, const char *sid)
{
	return arena_printf(
	    a,
	    "{\"iss\":\"" ORIGIN "\",\"aud\":\"" ORIGIN "\",\"tid\":\"" TID
	    "\",\"sub\":\"" SUB "\",\"jti\":\"" JTI "\"%s%s%s%s%s,"
	    "\"iat\":%ld,\"nbf\":%ld,\"exp\":%ld}",
	    sid ? ",\"sid\":\"" : "", sid ? sid : "", sid ? "\"" : "",
	    act ? ",\"act\":" : "", act ? act : "", NOW, NOW, NOW + 600);
}

static const char *
issued(void)
{
	return token_issue_act(a, key, &kid, ORIGIN, TID, SUB, SID, OP, NOW,
	                       600);
}

/* --- the act claim as issued ----------------------------------------- */

START_TEST(issued_act_verifies)
{
	const char *t = issued();

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(token_verify(t, key, ORIGIN, TID, NOW, &c), 0);
	ck_assert_str_eq(c.act, OP);
	ck_assert_str_eq(c.sid, SID);
	ck_assert_str_eq(c.sub, SUB);
}
END_TEST

START_TEST(crafted_act_verifies)
{
	const char *t = craft(payload("{\"sub\":\"" OP "\"}", SID), key);

	ck_assert_int_eq(token_verify(t, key, ORIGIN, TID, NOW, &c), 0);
	ck_assert_str_eq(c.act, OP);
}
END_TEST

/* An impersonation token is never issued without its session, its
 * operator, its tenant, or with an operator id that is no uuid. */
START_TEST(issue_needs_everything)
{
	ck_assert_ptr_null(token_issue_act(a, key, &kid, ORIGIN, TID, SUB, NULL,
	                                   OP, NOW, 600));
	ck_assert_ptr_null(token_issue_act(a, key, &kid, ORIGIN, TID, SUB, SID,
	                                   NULL, NOW, 600));
	ck_assert_ptr_null(
	    token_issue_act(a, key, &kid, APEX, NULL, SUB, SID, OP, NOW, 600));
	ck_assert_ptr_null(token_issue_act(a, key, &kid, ORIGIN, TID, SUB, SID,
	                                   "op\",\"x\":\"1", NOW, 600));
}
END_TEST

/* --- forged ------------------------------------------------------------ */

/* The payload of an issued token with its operator swapped, signature
 * kept: the HMAC no longer matches. */
START_TEST(forged_operator_refused)
{
	const char *t = issued(), *dot1 = strchr(t, '.');
	const char *dot2 = strchr(dot1 + 1, '.');
	char body[2048], *at, *forged;
	char p64[2048];
	int n;

	n = crypto_b64url_dec(dot1 + 1, (size_t)(dot2 - dot1 - 1),
	                      (unsigned char *)body, sizeof(body) - 1);
	ck_assert_int_gt(n, 0);
	body[n] = '\0';
	at = strstr(body, OP);
	ck_assert_ptr_nonnull(at);
	memcpy(at, OP2, strlen(OP2));
	crypto_b64url_enc(body, strlen(body), p64, sizeof(p64));
	forged = arena_printf(a, "%.*s.%s%s", (int)(dot1 - t), t, p64, dot2);
	ck_assert_int_eq(token_verify(forged, key, ORIGIN, TID, NOW, &c), -1);
	ck_assert_str_eq(c.act, "");
}
END_TEST

START_TEST(other_key_refused)
{
	const char *t = craft(payload("{\"sub\":\"" OP "\"}", SID), other);

	ck_assert_int_eq(token_verify(t, key, ORIGIN, TID, NOW, &c), -1);
}
END_TEST

/* Every act that is not exactly {"sub": <uuid>}, signed with the right
 * key (as if our own code had a bug): refused. */
static const char *const bad_acts[] = {
    "\"" OP "\"",
    "{}",
    "{\"sub\":\"not-a-uuid\"}",
    "{\"sub\":42}",
    "{\"sub\":\"" OP "\",\"act\":{\"sub\":\"" OP2 "\"}}",
    "{\"sub\":\"" OP "\",\"iss\":\"x\"}",
    "[\"" OP "\"]",
    "null",
    "true",
};

START_TEST(malformed_act_refused)
{
	const char *t = craft(payload(bad_acts[_i], SID), key);

	ck_assert_int_eq(token_verify(t, key, ORIGIN, TID, NOW, &c), -1);
	ck_assert_str_eq(c.act, "");
}
END_TEST

/* An actor without a session could not be ended: refused. */
START_TEST(act_without_sid_refused)
{
	const char *t = craft(payload("{\"sub\":\"" OP "\"}", NULL), key);

	ck_assert_int_eq(token_verify(t, key, ORIGIN, TID, NOW, &c), -1);
}
END_TEST

/* --- missing ---------------------------------------------------------- */

/* Without act a token is an ordinary user token: it verifies, names no
 * actor, and is never taken for a support session. */
START_TEST(missing_act_is_plain)
{
	const char *t = craft(payload(NULL, SID), key);
	const char *u =
	    token_issue(a, key, &kid, ORIGIN, TID, SUB, SID, NOW, 600);

	ck_assert_int_eq(token_verify(t, key, ORIGIN, TID, NOW, &c), 0);
	ck_assert_str_eq(c.act, "");
	ck_assert_int_eq(token_verify(u, key, ORIGIN, TID, NOW, &c), 0);
	ck_assert_str_eq(c.act, "");
}
END_TEST

/* --- wrong tenant ------------------------------------------------------ */

START_TEST(other_tenant_refused)
{
	const char *t = issued();

	/* Tenant B's id, origin, both, and B's key. */
	ck_assert_int_eq(token_verify(t, key, ORIGIN, TID_B, NOW, &c), -1);
	ck_assert_int_eq(token_verify(t, key, ORIGIN_B, TID, NOW, &c), -1);
	ck_assert_int_eq(token_verify(t, key, ORIGIN_B, TID_B, NOW, &c), -1);
	ck_assert_int_eq(token_verify(t, other, ORIGIN_B, TID_B, NOW, &c), -1);
	/* Nor is it a platform token. */
	ck_assert_int_eq(token_verify(t, key, ORIGIN, NULL, NOW, &c), -1);
}
END_TEST

/* A platform-scoped token carrying an actor: refused on the apex. */
START_TEST(platform_act_refused)
{
	const char *p = arena_printf(
	    a,
	    "{\"iss\":\"" APEX "\",\"aud\":\"" APEX "\",\"scope\":\"platform\","
	    "\"sub\":\"" OP "\",\"jti\":\"" JTI "\",\"sid\":\"" SID "\","
	    "\"act\":{\"sub\":\"" OP2 "\"},\"iat\":%ld,\"nbf\":%ld,"
	    "\"exp\":%ld}",
	    NOW, NOW, NOW + 600);

	ck_assert_int_eq(token_verify(craft(p, key), key, APEX, NULL, NOW, &c),
	                 -1);
}
END_TEST

START_TEST(expired_refused)
{
	const char *t = issued();

	ck_assert_int_eq(
	    token_verify(t, key, ORIGIN, TID, NOW + 600 + TOKEN_LEEWAY + 1, &c),
	    -1);
}
END_TEST

/* --- impersonation_check: the session row ------------------------------ */

static struct request req;
static struct route route;

static void
setup_req(void)
{
	setup();
	memset(&req, 0, sizeof(req));
	memset(&route, 0, sizeof(route));
	req.arena = a;
	req.method = "GET";
	route.pattern = "/v1/collections";
	req.route = &route;
	req.principal.kind = PRINCIPAL_USER;
	snprintf(req.principal.id_str, sizeof(req.principal.id_str), SUB);
	req.principal.act = OP;
	req.principal.sid = SID;
}

static struct support_session_row
live_row(void)
{
	struct support_session_row s = {
	    .found = true,
	    .live = true,
	    .operator_ok = true,
	    .operator_id = OP,
	    .user_id = SUB,
	    .reason = "ticket 42",
	};
	return s;
}

START_TEST(live_session_passes)
{
	struct support_session_row s = live_row();

	ck_assert_int_eq(impersonation_check(&req, &s), 0);
	ck_assert_str_eq(req.principal.act_reason, "ticket 42");
}
END_TEST

START_TEST(unknown_session_refused)
{
	struct support_session_row s = {0};

	ck_assert_int_eq(impersonation_check(&req, &s), 401);
	ck_assert_str_eq(req.err.code, "invalid_token");
}
END_TEST

/* A token whose act names another operator than the session's, or whose
 * sub another user: refused. */
START_TEST(mismatched_session_refused)
{
	struct support_session_row s = live_row();

	s.operator_id = OP2;
	ck_assert_int_eq(impersonation_check(&req, &s), 401);
	memset(&req.err, 0, sizeof(req.err));
	s = live_row();
	s.user_id = TID;
	ck_assert_int_eq(impersonation_check(&req, &s), 401);
}
END_TEST

START_TEST(ended_or_expired_refused)
{
	struct support_session_row s = live_row();

	s.live = false;
	s.ended = true;
	ck_assert_int_eq(impersonation_check(&req, &s), 401);
	ck_assert_str_eq(req.err.detail, "the support session has been ended");
	memset(&req.err, 0, sizeof(req.err));
	s.ended = false;
	ck_assert_int_eq(impersonation_check(&req, &s), 401);
	ck_assert_str_eq(req.err.detail, "the support session has expired");
}
END_TEST

/* The operator lost the support role, or was disabled. */
START_TEST(operator_without_role_refused)
{
	struct support_session_row s = live_row();

	s.operator_ok = false;
	ck_assert_int_eq(impersonation_check(&req, &s), 401);
	ck_assert_str_eq(req.err.detail,
	                 "the operator no longer holds the support role");
}
END_TEST

START_TEST(refused_route_403)
{
	struct support_session_row s = live_row();

	req.method = "POST";
	route.pattern = "/v1/keys/rotate";
	ck_assert_int_eq(impersonation_check(&req, &s), 403);
	ck_assert_str_eq(req.err.code, "impersonation_forbidden");
}
END_TEST

/* --- impersonation_refusal: the list ----------------------------------- */

static const struct {
	const char *method, *pattern, *body;
	bool refused;
} routes_table[] = {
    {"POST", "/v1/users", "{\"email\":\"a@b.c\",\"password\":\"x\"}", true},
    {"POST", "/v1/users", "{\"email\":\"a@b.c\",\"roles\":[]}", false},
    {"PATCH", "/v1/users/{id}", "{\"password\":\"x\"}", true},
    {"PATCH", "/v1/users/{id}", "{\"status\":\"disabled\"}", true},
    {"PATCH", "/v1/users/{id}", "{\"name\":\"x\"}", false},
    {"DELETE", "/v1/users/{id}", NULL, true},
    {"GET", "/v1/users/{id}", NULL, false},
    {"POST", "/v1/invitations", "{\"email\":\"a@b.c\",\"roles\":[]}", true},
    {"DELETE", "/v1/invitations/{id}", NULL, true},
    {"GET", "/v1/invitations", NULL, false},
    {"POST", "/v1/auth/logout", "{\"refresh_token\":\"x\"}", true},
    {"POST", "/v1/me/mfa/totp", NULL, true},
    {"POST", "/v1/me/mfa/totp/confirm", "{\"code\":\"1\"}", true},
    {"DELETE", "/v1/me/mfa", "{\"code\":\"1\"}", true},
    {"GET", "/v1/me/mfa", NULL, true},
    {"DELETE", "/v1/users/{id}/mfa", NULL, true},
    {"GET", "/v1/me", NULL, false},
    {"POST", "/v1/api-keys", "{\"name\":\"k\"}", true},
    {"DELETE", "/v1/api-keys/{id}", NULL, true},
    {"GET", "/v1/api-keys", NULL, false},
    {"POST", "/v1/keys/rotate", NULL, true},
    {"GET", "/v1/support/sessions", NULL, true},
    {"DELETE", "/v1/support/sessions/{id}", NULL, true},
    {"POST", "/v1/support/requests/{id}/approve", NULL, true},
    {"GET", "/v1/collections/{c}/records", NULL, false},
    {"POST", "/v1/collections/{c}/records", "{\"data\":{}}", false},
    {"PATCH", "/v1/config", "{\"locale\":\"fr\"}", false},
    /* A body that is no object holds no member. */
    {"PATCH", "/v1/users/{id}", "[\"password\"]", false},
};

START_TEST(refusal_table)
{
	const char *why;
	cJSON *body =
	    routes_table[_i].body ? cJSON_Parse(routes_table[_i].body) : NULL;

	why = impersonation_refusal(routes_table[_i].method,
	                            routes_table[_i].pattern, body);
	if (routes_table[_i].refused)
		ck_assert_msg(why != NULL, "%s %s should be refused",
		              routes_table[_i].method,
		              routes_table[_i].pattern);
	else
		ck_assert_msg(why == NULL, "%s %s should pass, got %s",
		              routes_table[_i].method, routes_table[_i].pattern,
		              why);
	cJSON_Delete(body);
}
END_TEST

static Suite *
impersonation_suite(void)
{
	Suite *s = suite_create("impersonation");
	TCase *t = tcase_create("act_claim");
	TCase *k = tcase_create("impersonation_check");
	TCase *r = tcase_create("impersonation_refusal");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, issued_act_verifies);
	tcase_add_test(t, crafted_act_verifies);
	tcase_add_test(t, issue_needs_everything);
	tcase_add_test(t, forged_operator_refused);
	tcase_add_test(t, other_key_refused);
	tcase_add_loop_test(t, malformed_act_refused, 0,
	                    sizeof(bad_acts) / sizeof(bad_acts[0]));
	tcase_add_test(t, act_without_sid_refused);
	tcase_add_test(t, missing_act_is_plain);
	tcase_add_test(t, other_tenant_refused);
	tcase_add_test(t, platform_act_refused);
	tcase_add_test(t, expired_refused);
	suite_add_tcase(s, t);
	tcase_add_checked_fixture(k, setup_req, teardown);
	tcase_add_test(k, live_session_passes);
	tcase_add_test(k, unknown_session_refused);
	tcase_add_test(k, mismatched_session_refused);
	tcase_add_test(k, ended_or_expired_refused);
	tcase_add_test(k, operator_without_role_refused);
	tcase_add_test(k, refused_route_403);
	suite_add_tcase(s, k);
	tcase_add_checked_fixture(r, setup, teardown);
	tcase_add_loop_test(r, refusal_table, 0,
	                    sizeof(routes_table) / sizeof(routes_table[0]));
	suite_add_tcase(s, r);
	return s;
}

CHECK_MAIN(impersonation_suite)
