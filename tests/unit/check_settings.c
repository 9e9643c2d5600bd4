/* check_settings.c - settings_normalize refuses, never crashes on, a
 * section given as an array. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/json.h"
#include "data/settings.h"

static struct arena *a;

static void
setup(void)
{
	a = arena_new(4096, 1 << 22);
	json_use_arena(a);
}

static void
teardown(void)
{
	arena_free(a);
}

/* Found by make fuzz: the members of an array have no names, and the
 * unknown-member check compared them with strcmp(NULL). */
static const char *const sections[] = {
    "{\"cors\":[\"https://a.example\"]}",
    "{\"limits\":[1]}",
    "{\"auth\":[{\"oidc\":null}]}",
    "{\"branding\":[\"x\"]}",
    "{\"retention\":[365]}",
    "[\"display_name\"]",
};

START_TEST(section_as_array_refused)
{
	const char *why;
	cJSON *in = json_parse(sections[_i], strlen(sections[_i]), 32, &why);
	cJSON *errors = NULL;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_null(settings_normalize(in, NULL, &errors));
	ck_assert_ptr_nonnull(errors);
}
END_TEST

/* A public key the OIDC section accepts (made once with openssl). */
static const char rsa_n[] =
    "yUoBEP6hQYHMrBM0FQ571BwJQau9vWAyAEa2cAU9RS-P4z5iEtf3q-bvWQIL"
    "duHJUfszmm1dXsvbtaUuLP3wPNoMFgAqXpySvkoU1MGMSXCoArmIOoJ23MWX"
    "0m4hX79bt9MzD8qSBsVGP-6toZ10DpTP98ya1fP1ovuBsCW9EvEeAe9tfx9m"
    "qeXHUKUmvbddtnNv9yvEHyvpbg3WgnCFzASGUOYIIfEpJjrp3Rjws46H0xYY"
    "ZjfzViqNW7sveriL0-flgx33-r8WPFUAZpITxRrSamBPp_QBADEZtneafF0r"
    "p5zRFR7ZThApznAFMlQiOI_hPJozTwuf3rxbYJJ6Cw";

/* The default template (the tests run from the repository's root). */
static cJSON *
defaults(void)
{
	static char dir[] = "sql/templates";
	cJSON *d;

	cfg.templates_dir = dir;
	d = settings_template(NULL);
	cfg.templates_dir = NULL;
	ck_assert_msg(d != NULL, "sql/templates/default.json not readable");
	return d;
}

/* An OIDC section with authorization_endpoint set to the JSON text v
 * (NULL: left out). */
static cJSON *
oidc_with_endpoint(const char *v)
{
	const char *text = json_printf(
	    "{\"auth\":{\"oidc\":{\"issuer\":\"https://idp.example\","
	    "\"audience\":\"strata\",\"jwks\":{\"keys\":[{\"kty\":\"RSA\","
	    "\"kid\":\"k1\",\"alg\":\"RS256\",\"e\":\"AQAB\",\"n\":\"%s\"}]}"
	    "%s%s}}}",
	    rsa_n, v ? ",\"authorization_endpoint\":" : "", v ? v : "");
	const char *why;

	return json_parse(text, strlen(text), 32, &why);
}

/* Accepted: absent, null, an https URL (with a port, path and query). */
static const char *const endpoints_ok[] = {
    NULL,
    "null",
    "\"https://idp.example/authorize\"",
    "\"https://idp.example:8443/o/oauth2/v2/auth?tenant=x\"",
};

START_TEST(authorization_endpoint_accepted)
{
	cJSON *errors = NULL;
	cJSON *in = oidc_with_endpoint(endpoints_ok[_i]);
	cJSON *out = settings_normalize(in, defaults(), &errors);
	static struct tenant_settings s;
	const cJSON *e;

	ck_assert_ptr_nonnull(in);
	ck_assert_msg(out != NULL, "refused: %s",
	              errors ? json_print(errors) : "?");
	e = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(out, "auth"), "oidc"),
	    "authorization_endpoint");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(settings_compile(out, 1, &s), 0);
	ck_assert(s.oidc.on);
	if (_i < 2) {
		ck_assert(cJSON_IsNull(e));
		ck_assert_str_eq(s.oidc.authorization_endpoint, "");
	} else
		ck_assert_str_eq(s.oidc.authorization_endpoint,
		                 cJSON_GetStringValue(e));
}
END_TEST

/* Refused, naming only that member: not https, not a URL, a fragment,
 * user-info, a space, no host, not a string, too long. */
#define A64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
static const char *const endpoints_bad[] = {
    "\"http://idp.example/authorize\"",
    "\"javascript:alert(1)\"",
    "\"https://idp.example/authorize#x\"",
    "\"https://user@idp.example/authorize\"",
    "\"https://idp.example/a b\"",
    "\"https://\"",
    "42",
    "{}",
    "[\"https://idp.example/authorize\"]",
    "\"https://idp.example/" A64 A64 A64 A64 A64 A64 A64 A64 "\"",
};

START_TEST(authorization_endpoint_refused)
{
	cJSON *errors = NULL;
	cJSON *in = oidc_with_endpoint(endpoints_bad[_i]);
	const cJSON *e;
	int named = 0;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_null(settings_normalize(in, defaults(), &errors));
	cJSON_ArrayForEach(e, errors)
	{
		named += strcmp(json_str(e, "field"),
		                "auth.oidc.authorization_endpoint") == 0;
	}
	ck_assert_int_eq(named, 1);
	ck_assert_int_eq(cJSON_GetArraySize(errors), 1);
}
END_TEST

static Suite *
settings_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *t = tcase_create("settings_normalize");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_loop_test(t, section_as_array_refused, 0,
	                    sizeof(sections) / sizeof(sections[0]));
	suite_add_tcase(s, t);
	t = tcase_create("oidc_authorization_endpoint");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_loop_test(t, authorization_endpoint_accepted, 0,
	                    sizeof(endpoints_ok) / sizeof(endpoints_ok[0]));
	tcase_add_loop_test(t, authorization_endpoint_refused, 0,
	                    sizeof(endpoints_bad) / sizeof(endpoints_bad[0]));
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(settings_suite)
