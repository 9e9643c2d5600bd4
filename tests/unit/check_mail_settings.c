/* check_mail_settings.c - the settings of invitations and joining
 * (auth.invitation_ttl, auth.join_domains, auth.join_role in
 * data/settings.c): their defaults when absent, their compiled form, and
 * every value the schema refuses (the owner role above all). */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/json.h"
#include "data/settings.h"

static struct arena *a;

/* A complete document without the keys under test (as templates made
 * before them are). */
static const char defaults_json[] =
    "{\"display_name\":\"\",\"branding\":{\"primary_color\":\"#1f6feb\","
    "\"secondary_color\":\"#0d1117\",\"logo_url\":null},\"features\":{},"
    "\"limits\":{\"requests_per_second\":200,\"burst\":400,\"max_records\":"
    "100000,\"max_collections\":100},\"auth\":{\"access_token_ttl\":900,"
    "\"refresh_token_ttl\":2592000,\"password_min_length\":12,"
    "\"lockout_threshold\":5,\"lockout_window\":900,\"oidc\":null},"
    "\"cors\":{\"allowed_origins\":[]},\"domains\":[],\"locale\":\"en\","
    "\"retention\":{\"audit_days\":365,\"collections\":{}}}";

static void
setup(void)
{
	a = arena_new(4096, 1 << 22);
	json_use_arena(a);
	cfg.base_domain = (char *)(uintptr_t) "strata.localhost";
}

static void
teardown(void)
{
	arena_free(a);
}

static cJSON *
parse(const char *s)
{
	const char *why;

	return json_parse(s, strlen(s), 32, &why);
}

/* The normalised and compiled settings of in; NULL when refused. */
static cJSON *
normalize(const char *in, struct tenant_settings *out, cJSON **errors)
{
	cJSON *doc =
	    settings_normalize(parse(in), parse(defaults_json), errors);

	if (doc != NULL)
		ck_assert_int_eq(settings_compile(doc, 1, out), 0);
	return doc;
}

START_TEST(defaults_when_absent)
{
	struct tenant_settings s;
	cJSON *errors = NULL;
	cJSON *doc = normalize("{}", &s, &errors);
	const cJSON *auth = cJSON_GetObjectItem(doc, "auth");

	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(s.invitation_ttl, 604800);
	ck_assert_int_eq(s.njoin_domains, 0);
	ck_assert_str_eq(s.join_role, "viewer");
	ck_assert_str_eq(cJSON_GetObjectItem(auth, "join_role")->valuestring,
	                 "viewer");
	ck_assert(cJSON_IsArray(cJSON_GetObjectItem(auth, "join_domains")));
}
END_TEST

START_TEST(compiled_when_given)
{
	struct tenant_settings s;
	cJSON *errors = NULL;

	ck_assert_ptr_nonnull(normalize(
	    "{\"auth\":{\"invitation_ttl\":3600,\"join_role\":\"member\","
	    "\"join_domains\":[\"acme.example\",\"mail.acme.example\"]}}",
	    &s, &errors));
	ck_assert_int_eq(s.invitation_ttl, 3600);
	ck_assert_int_eq(s.njoin_domains, 2);
	ck_assert_str_eq(s.join_domains[0], "acme.example");
	ck_assert_str_eq(s.join_domains[1], "mail.acme.example");
	ck_assert_str_eq(s.join_role, "member");
}
END_TEST

static const struct {
	const char *doc, *field;
} refused[] = {
    {"{\"auth\":{\"join_role\":\"owner\"}}", "auth.join_role"},
    {"{\"auth\":{\"join_role\":5}}", "auth.join_role"},
    {"{\"auth\":{\"join_role\":\"Bad Role\"}}", "auth.join_role"},
    {"{\"auth\":{\"join_role\":\"\"}}", "auth.join_role"},
    {"{\"auth\":{\"join_domains\":\"acme.example\"}}", "auth.join_domains"},
    {"{\"auth\":{\"join_domains\":[\"ACME.example\"]}}", "auth.join_domains"},
    {"{\"auth\":{\"join_domains\":[\"localhost\"]}}", "auth.join_domains"},
    {"{\"auth\":{\"join_domains\":[\"a b.example\"]}}", "auth.join_domains"},
    {"{\"auth\":{\"join_domains\":[\"x.strata.localhost\"]}}",
     "auth.join_domains"},
    {"{\"auth\":{\"join_domains\":[\"strata.localhost\"]}}",
     "auth.join_domains"},
    {"{\"auth\":{\"join_domains\":[\"acme.example\\r\\nBcc: x\"]}}",
     "auth.join_domains"},
    {"{\"auth\":{\"join_domains\":[7]}}", "auth.join_domains"},
    {"{\"auth\":{\"join_domains\":[\"a.example\",\"b.example\",\"c.example\","
     "\"d.example\",\"e.example\",\"f.example\",\"g.example\",\"h.example\","
     "\"i.example\",\"j.example\",\"k.example\",\"l.example\",\"m.example\","
     "\"n.example\",\"o.example\",\"p.example\",\"q.example\",\"r.example\","
     "\"s.example\",\"t.example\",\"u.example\"]}}",
     "auth.join_domains"},
    {"{\"auth\":{\"invitation_ttl\":10}}", "auth.invitation_ttl"},
    {"{\"auth\":{\"invitation_ttl\":2592001}}", "auth.invitation_ttl"},
    {"{\"auth\":{\"invitation_ttl\":\"7d\"}}", "auth.invitation_ttl"},
    {"{\"auth\":{\"invitation_ttl\":3600.5}}", "auth.invitation_ttl"},
};

START_TEST(values_refused)
{
	struct tenant_settings s;
	cJSON *errors = NULL;
	const cJSON *e;
	bool named = false;

	ck_assert_ptr_null(normalize(refused[_i].doc, &s, &errors));
	ck_assert_ptr_nonnull(errors);
	cJSON_ArrayForEach(e, errors)
	{
		const cJSON *f = cJSON_GetObjectItem(e, "field");

		named =
		    named || (cJSON_IsString(f) &&
		              strcmp(f->valuestring, refused[_i].field) == 0);
	}
	ck_assert(named);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("mail_settings");
	TCase *t = tcase_create("settings_normalize");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, defaults_when_absent);
	tcase_add_test(t, compiled_when_given);
	tcase_add_loop_test(t, values_refused, 0,
	                    sizeof(refused) / sizeof(refused[0]));
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(suite)
