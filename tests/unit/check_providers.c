/* check_providers.c - providers_json: what an anonymous browser learns of
 * a tenant's sign-in, and nothing more (no keys, no role mapping). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "api/providers.h"
#include "check_main.h"
#include "core/arena.h"
#include "core/json.h"
#include "data/settings.h"

static struct arena *a;
static struct oidc_settings o;

static void
setup(void)
{
	a = arena_new(4096, 1 << 20);
	json_use_arena(a);
	memset(&o, 0, sizeof(o));
	o.on = true;
	snprintf(o.issuer, sizeof(o.issuer), "https://idp.example");
	snprintf(o.audience, sizeof(o.audience), "strata-client");
	snprintf(o.role_claim, sizeof(o.role_claim), "groups-claim-name");
	snprintf(o.default_role, sizeof(o.default_role), "viewer-default");
	o.nkeys = 1;
	snprintf(o.keys[0].kid, sizeof(o.keys[0].kid), "kid-secret-ish");
	snprintf(o.keys[0].pem, sizeof(o.keys[0].pem),
	         "-----BEGIN PUBLIC KEY-----");
	o.nmap = 1;
	snprintf(o.map[0].from, sizeof(o.map[0].from), "admins-group");
	snprintf(o.map[0].to, sizeof(o.map[0].to), "admin-role");
}

static void
teardown(void)
{
	arena_free(a);
}

START_TEST(sso_shown_with_an_endpoint)
{
	const char *text;
	const cJSON *sso;
	cJSON *out;

	snprintf(o.authorization_endpoint, sizeof(o.authorization_endpoint),
	         "https://idp.example/authorize");
	out = providers_json(&o);
	ck_assert(
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(out, "password")));
	sso = cJSON_GetObjectItemCaseSensitive(out, "oidc");
	ck_assert(cJSON_IsObject(sso));
	ck_assert_int_eq(cJSON_GetArraySize(sso), 3);
	ck_assert_str_eq(json_str(sso, "issuer"), "https://idp.example");
	ck_assert_str_eq(json_str(sso, "authorization_endpoint"),
	                 "https://idp.example/authorize");
	ck_assert_str_eq(json_str(sso, "client_id"), "strata-client");
	text = json_print(out);
	/* Nothing of the keys, the claim, the mapping or the default role. */
	ck_assert_ptr_null(strstr(text, "kid-secret-ish"));
	ck_assert_ptr_null(strstr(text, "PUBLIC KEY"));
	ck_assert_ptr_null(strstr(text, "groups-claim-name"));
	ck_assert_ptr_null(strstr(text, "admins-group"));
	ck_assert_ptr_null(strstr(text, "admin-role"));
	ck_assert_ptr_null(strstr(text, "viewer-default"));
	ck_assert_ptr_null(strstr(text, "jwks"));
}
END_TEST

/* oidc is null: no settings, OIDC off, or no authorization endpoint (a
 * tenant that takes ID tokens from an app but has no browser flow). */
START_TEST(sso_null_otherwise)
{
	const struct oidc_settings *cases[3] = {NULL, &o, &o};
	cJSON *out;

	if (_i == 1)
		o.on = false;
	if (_i == 1)
		snprintf(o.authorization_endpoint,
		         sizeof(o.authorization_endpoint),
		         "https://idp.example/authorize");
	out = providers_json(cases[_i]);
	ck_assert(
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(out, "password")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(out, "oidc")));
	ck_assert_int_eq(cJSON_GetArraySize(out), 2);
}
END_TEST

static Suite *
providers_suite(void)
{
	Suite *s = suite_create("providers");
	TCase *t = tcase_create("providers_json");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, sso_shown_with_an_endpoint);
	tcase_add_loop_test(t, sso_null_otherwise, 0, 3);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(providers_suite)
