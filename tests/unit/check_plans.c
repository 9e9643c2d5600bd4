/* check_plans.c - the platform plans' rules: parsing a plan, capping
 * compiled settings, the defaults under a plan, and the checks of a
 * settings write (limits, features, audit retention). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/json.h"
#include "data/plans.h"
#include "data/settings.h"

static struct arena *a;
static struct plan_row free_plan;

static cJSON *
J(const char *s)
{
	const char *why;
	cJSON *j = json_parse(s, strlen(s), 32, &why);

	ck_assert_msg(j != NULL, "bad test JSON: %s", s);
	return j;
}

/* "field=message;..." of an error list, in order. */
static const char *
fields(const cJSON *errors)
{
	const cJSON *e;
	const char *out = "";

	cJSON_ArrayForEach(e, errors)
	{
		out = json_printf("%s%s%s=%s", out, *out ? ";" : "",
		                  json_str(e, "field"), json_str(e, "message"));
	}
	return out;
}

static void
setup(void)
{
	static char templates[] = "sql/templates";

	a = arena_new(4096, 1 << 24);
	json_use_arena(a);
	cfg.templates_dir = templates;
	memset(&free_plan, 0, sizeof(free_plan));
	free_plan.found = true;
	snprintf(free_plan.name, sizeof(free_plan.name), "free");
	free_plan.caps = (struct plan_caps){7, 200, 400, 100000, 100, 90};
	free_plan.templates = "[\"default\",\"startup\"]";
	free_plan.features = "{\"beta\":true,\"old\":false}";
}

static void
teardown(void)
{
	arena_free(a);
}

#define CUR                                                                    \
	"{\"limits\":{\"requests_per_second\":200,\"burst\":400,"              \
	"\"max_records\":100000,\"max_collections\":100},\"features\":{},"     \
	"\"retention\":{\"audit_days\":365,\"collections\":{}}}"

static const char *
check_doc(const char *doc, const char *cur)
{
	return fields(plans_check_settings(J(doc), J(cur), &free_plan, 90));
}

START_TEST(limits_lower_never_raise_past_cap)
{
	static const struct {
		const char *doc, *cur, *want;
	} cases[] = {
	    /* Unchanged, lowered, raised within the cap: fine. */
	    {CUR, CUR, ""},
	    {"{\"limits\":{\"requests_per_second\":1}}", CUR, ""},
	    {"{\"limits\":{\"requests_per_second\":200}}",
	     "{\"limits\":{\"requests_per_second\":10}}", ""},
	    /* Past the cap: the cap in the message. */
	    {"{\"limits\":{\"requests_per_second\":100000}}", CUR,
	     "limits.requests_per_second=may be at most 200 on the free plan"},
	    {"{\"limits\":{\"burst\":401,\"max_records\":1000000000,"
	     "\"max_collections\":101}}",
	     CUR,
	     "limits.burst=may be at most 400 on the free plan;"
	     "limits.max_records=may be at most 100000 on the free plan;"
	     "limits.max_collections=may be at most 100 on the free plan"},
	    /* Above a (new, smaller) cap: kept or lowered is fine, raised
	     * is not. */
	    {"{\"limits\":{\"requests_per_second\":5000}}",
	     "{\"limits\":{\"requests_per_second\":5000}}", ""},
	    {"{\"limits\":{\"requests_per_second\":4000}}",
	     "{\"limits\":{\"requests_per_second\":5000}}", ""},
	    {"{\"limits\":{\"requests_per_second\":5001}}",
	     "{\"limits\":{\"requests_per_second\":5000}}",
	     "limits.requests_per_second=may be at most 200 on the free plan"},
	    /* Nothing current to compare with: the cap alone. */
	    {"{\"limits\":{\"requests_per_second\":201}}", "{}",
	     "limits.requests_per_second=may be at most 200 on the free plan"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(strcmp(check_doc(cases[i].doc, cases[i].cur),
		                     cases[i].want) == 0,
		              "case %zu: got [%s]", i,
		              check_doc(cases[i].doc, cases[i].cur));
}
END_TEST

START_TEST(features_only_those_offered)
{
	static const struct {
		const char *doc, *cur, *want;
	} cases[] = {
	    {"{\"features\":{\"beta\":true}}", "{}", ""},
	    {"{\"features\":{\"x\":false,\"old\":false}}", "{}", ""},
	    /* A flag the plan does not name is the tenant's own. */
	    {"{\"features\":{\"x\":true}}", "{}", ""},
	    /* One the plan withholds cannot be turned on. */
	    {"{\"features\":{\"old\":true}}", "{}",
	     "features.old=is not offered by the free plan"},
	    {"{\"features\":{\"old\":true,\"beta\":true}}",
	     "{\"features\":{\"old\":false}}",
	     "features.old=is not offered by the free plan"},
	    /* Already on (a plan that shrank): kept. */
	    {"{\"features\":{\"old\":true}}", "{\"features\":{\"old\":true}}",
	     ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(strcmp(check_doc(cases[i].doc, cases[i].cur),
		                     cases[i].want) == 0,
		              "case %zu: got [%s]", i,
		              check_doc(cases[i].doc, cases[i].cur));
}
END_TEST

START_TEST(audit_retention_floor_and_only_longer)
{
	static const struct {
		const char *doc, *cur;
		int plan_floor, platform_floor;
		const char *want;
	} cases[] = {
	    {"{\"retention\":{\"audit_days\":400}}", CUR, 90, 90, ""},
	    {"{\"retention\":{\"audit_days\":365}}", CUR, 90, 90, ""},
	    {"{\"retention\":{\"audit_days\":1}}", CUR, 90, 90,
	     "retention.audit_days=must be at least 90 days on the free plan"},
	    {"{\"retention\":{\"audit_days\":364}}", CUR, 90, 90,
	     "retention.audit_days=can only be lengthened: it is 365 days"},
	    /* The longer of the two floors. */
	    {"{\"retention\":{\"audit_days\":100}}", "{}", 120, 90,
	     "retention.audit_days=must be at least 120 days on the free plan"},
	    {"{\"retention\":{\"audit_days\":100}}", "{}", 30, 200,
	     "retention.audit_days=must be at least 200 days on the free plan"},
	    /* A value under a floor that rose since is kept as it is. */
	    {"{\"retention\":{\"audit_days\":30}}",
	     "{\"retention\":{\"audit_days\":30}}", 90, 90, ""},
	    {"{\"retention\":{\"audit_days\":60}}",
	     "{\"retention\":{\"audit_days\":30}}", 90, 90,
	     "retention.audit_days=must be at least 90 days on the free plan"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got;

		free_plan.caps.audit_min_days = cases[i].plan_floor;
		got = fields(plans_check_settings(J(cases[i].doc),
		                                  J(cases[i].cur), &free_plan,
		                                  cases[i].platform_floor));
		ck_assert_msg(strcmp(got, cases[i].want) == 0,
		              "case %zu: got [%s]", i, got);
	}
}
END_TEST

START_TEST(cap_applies_min_and_floor)
{
	struct tenant_settings s;
	struct plan_caps none = {0};

	memset(&s, 0, sizeof(s));
	s.rate_rps = 5000;
	s.rate_burst = 10;
	s.max_records = 1000000000LL;
	s.max_collections = 100;
	s.audit_days = 30;
	plans_cap(&s, &free_plan.caps, 90);
	ck_assert_int_eq(s.rate_rps, 200);
	ck_assert_int_eq(s.rate_burst, 10); /* lower than the cap: kept */
	ck_assert_int_eq(s.max_records, 100000);
	ck_assert_int_eq(s.max_collections, 100);
	ck_assert_int_eq(s.audit_days, 90);
	s.audit_days = 30;
	plans_cap(&s, &free_plan.caps, 400);
	ck_assert_int_eq(s.audit_days, 400);
	s.audit_days = 1000;
	plans_cap(&s, &free_plan.caps, 400);
	ck_assert_int_eq(s.audit_days, 1000);
	/* No plan known: nothing changes. */
	s.rate_rps = 5000;
	plans_cap(&s, &none, 90);
	ck_assert_int_eq(s.rate_rps, 5000);
	ck_assert_int_eq(plans_floor(&free_plan.caps, 30), 90);
	ck_assert_int_eq(plans_floor(&free_plan.caps, 120), 120);
}
END_TEST

START_TEST(defaults_fit_the_plan)
{
	cJSON *t = J("{\"limits\":{\"requests_per_second\":1000,\"burst\":"
	             "300,\"max_records\":5,\"max_collections\":1000},"
	             "\"retention\":{\"audit_days\":30}}");
	cJSON *d = plans_defaults(t, &free_plan.caps, 90);

	ck_assert_str_eq(json_print(cJSON_GetObjectItem(d, "limits")),
	                 "{\"requests_per_second\":200,\"burst\":300,"
	                 "\"max_records\":5,\"max_collections\":100}");
	ck_assert_int_eq(cJSON_GetObjectItem(
	                     cJSON_GetObjectItem(d, "retention"), "audit_days")
	                     ->valueint,
	                 90);
	/* The template itself is left alone. */
	ck_assert_int_eq(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(t, "limits"), "burst")
	        ->valueint,
	    300);
	ck_assert_int_eq(cJSON_GetObjectItem(
	                     cJSON_GetObjectItem(t, "retention"), "audit_days")
	                     ->valueint,
	                 30);
	ck_assert_ptr_null(plans_defaults(NULL, &free_plan.caps, 90));
}
END_TEST

START_TEST(templates_allowed)
{
	ck_assert(plans_template_allowed(&free_plan, NULL));
	ck_assert(plans_template_allowed(&free_plan, "default"));
	ck_assert(plans_template_allowed(&free_plan, "startup"));
	ck_assert(!plans_template_allowed(&free_plan, "enterprise"));
	ck_assert(!plans_template_allowed(&free_plan, ""));
	free_plan.templates = "[]";
	ck_assert(!plans_template_allowed(&free_plan, NULL));
	free_plan.templates = NULL;
	ck_assert(!plans_template_allowed(&free_plan, "default"));
	free_plan.templates = "not json";
	ck_assert(!plans_template_allowed(&free_plan, "default"));
}
END_TEST

#define GOOD                                                                   \
	"{\"name\":\"pro\",\"limits\":{\"requests_per_second\":10,\"burst\":"  \
	"20,\"max_records\":0,\"max_collections\":1},"                         \
	"\"audit_retention_min_days\":90,\"templates\":[\"default\"],"         \
	"\"features\":{\"beta\":true},\"regions\":[\"eu-1\"]}"

START_TEST(parse_accepts_a_plan)
{
	struct plan_fields f;

	ck_assert_ptr_null(plans_parse(a, J(GOOD), true, &f));
	ck_assert_str_eq(f.name, "pro");
	ck_assert_str_eq(f.rps, "10");
	ck_assert_str_eq(f.burst, "20");
	ck_assert_str_eq(f.max_records, "0");
	ck_assert_str_eq(f.max_collections, "1");
	ck_assert_str_eq(f.audit_min_days, "90");
	ck_assert_str_eq(f.templates, "{\"default\"}");
	ck_assert_str_eq(f.features, "{\"beta\":true}");
	ck_assert_str_eq(f.regions, "{\"eu-1\"}");
	/* An update names only what changes. */
	ck_assert_ptr_null(
	    plans_parse(a, J("{\"limits\":{\"burst\":5}}"), false, &f));
	ck_assert_ptr_null(f.name);
	ck_assert_ptr_null(f.rps);
	ck_assert_str_eq(f.burst, "5");
	ck_assert_ptr_null(f.templates);
	ck_assert_ptr_null(f.features);
}
END_TEST

START_TEST(parse_refuses_bad_plans)
{
	static const struct {
		const char *body;
		bool create;
		const char *want; /* the fields named, in order */
	} cases[] = {
	    {"{}", true,
	     "name,limits,audit_retention_min_days,templates,features,"
	     "regions"},
	    {"{\"name\":\"Pro\"}", false, "name"},
	    {"{\"name\":\"9lives\",\"limits\":5}", true,
	     "name,limits,audit_retention_min_days,templates,features,"
	     "regions"},
	    {"{\"limits\":{\"requests_per_second\":0,\"burst\":1.5,"
	     "\"max_records\":-1,\"max_collections\":10001,\"x\":1}}",
	     false,
	     "limits.x,limits.requests_per_second,limits.burst,"
	     "limits.max_records,limits.max_collections"},
	    {"{\"limits\":{\"requests_per_second\":100001}}", false,
	     "limits.requests_per_second"},
	    {"{\"audit_retention_min_days\":0}", false,
	     "audit_retention_min_days"},
	    {"{\"audit_retention_min_days\":\"90\"}", false,
	     "audit_retention_min_days"},
	    {"{\"templates\":[\"nope\"]}", false, "templates"},
	    {"{\"templates\":[\"../etc\"]}", false, "templates"},
	    {"{\"templates\":\"default\"}", false, "templates"},
	    {"{\"features\":{\"beta\":1}}", false, "features.beta"},
	    {"{\"features\":[]}", false, "features"},
	    {"{\"regions\":[\"EU\"]}", false, "regions"},
	    {"{\"regions\":[5]}", false, "regions"},
	    {"{\"colour\":\"red\"}", false, "colour"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct plan_fields f;
		cJSON *e =
		    plans_parse(a, J(cases[i].body), cases[i].create, &f);
		const cJSON *x;
		const char *got = "";

		cJSON_ArrayForEach(x, e)
		{
			got = json_printf("%s%s%s", got, *got ? "," : "",
			                  json_str(x, "field"));
		}
		ck_assert_msg(strcmp(got, cases[i].want) == 0,
		              "case %zu: got [%s]", i, got);
	}
}
END_TEST

static Suite *
plans_suite(void)
{
	Suite *s = suite_create("plans");
	TCase *t;

	t = tcase_create("plans_check_settings");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, limits_lower_never_raise_past_cap);
	tcase_add_test(t, features_only_those_offered);
	tcase_add_test(t, audit_retention_floor_and_only_longer);
	suite_add_tcase(s, t);
	t = tcase_create("plans_cap");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, cap_applies_min_and_floor);
	suite_add_tcase(s, t);
	t = tcase_create("plans_defaults");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, defaults_fit_the_plan);
	suite_add_tcase(s, t);
	t = tcase_create("plans_template_allowed");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, templates_allowed);
	suite_add_tcase(s, t);
	t = tcase_create("plans_parse");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, parse_accepts_a_plan);
	tcase_add_test(t, parse_refuses_bad_plans);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(plans_suite)
