/* check_host.c - tenancy by Host, with hostile inputs. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/host.h"

static const struct {
	const char *in;
	const char *out; /* NULL = refused */
} norm[] = {
    {"acme.strata.localhost", "acme.strata.localhost"},
    {"ACME.Strata.LocalHost", "acme.strata.localhost"},
    {"acme.strata.localhost:8443", "acme.strata.localhost"},
    {"acme.strata.localhost.", "acme.strata.localhost"},
    {"acme.strata.localhost.:8443", "acme.strata.localhost"},
    {"acme.strata.localhost..", NULL},
    {"", NULL},
    {":8443", NULL},
    {"acme.strata.localhost:", NULL},
    {"acme.strata.localhost:84a3", NULL},
    {"acme.strata.localhost:123456", NULL},
    {"acme.strata.localhost:80:80", NULL},
    {"user@acme.strata.localhost", NULL},
    {"acme.strata.localhost/path", NULL},
    {"acme.strata.localhost\\x", NULL},
    {"acme .strata.localhost", NULL},
    {"acme\t.strata.localhost", NULL},
    {"acme%2e.strata.localhost", NULL},
    {"acme\r\n.strata.localhost", NULL},
    {"127.0.0.1", NULL},
    {"127.0.0.1:8443", NULL},
    {"[::1]", NULL},
    {"[::1]:8443", NULL},
    {"::1", NULL},
    {"-acme.strata.localhost", NULL},
    {"acme-.strata.localhost", NULL},
    {"a..strata.localhost", NULL},
    {".strata.localhost", NULL},
    {"acme_1.strata.localhost", NULL},
    {"ümlaut.strata.localhost", NULL},
    {"1234567890123456789012345678901234567890123456789012345678901234."
     "strata.localhost",
     NULL},
    {"strata.localhost", "strata.localhost"},
};

START_TEST(normalize_table)
{
	char out[HOST_MAX + 1];
	int rc = host_normalize(norm[_i].in, out, sizeof(out));

	if (norm[_i].out == NULL) {
		ck_assert_msg(rc == -1, "accepted %s", norm[_i].in);
	} else {
		ck_assert_msg(rc == 0, "refused %s", norm[_i].in);
		ck_assert_str_eq(out, norm[_i].out);
	}
}
END_TEST

START_TEST(normalize_too_long)
{
	char in[400], out[HOST_MAX + 1];

	memset(in, 'a', sizeof(in));
	for (int i = 60; i < 399; i += 61)
		in[i] = '.';
	in[399] = '\0';
	ck_assert_int_eq(host_normalize(in, out, sizeof(out)), -1);
	ck_assert_int_eq(host_normalize(NULL, out, sizeof(out)), -1);
	ck_assert_int_eq(host_normalize("a.b", out, 10), -1);
}
END_TEST

static const struct {
	const char *host;
	enum host_kind kind;
	const char *slug;
} cls[] = {
    {"strata.localhost", HOST_APEX, NULL},
    {"acme.strata.localhost", HOST_TENANT, "acme"},
    {"a-b-c.strata.localhost", HOST_TENANT, "a-b-c"},
    {"ab.strata.localhost", HOST_NOSLUG, NULL},
    {"www.strata.localhost", HOST_NOSLUG, NULL},
    {"admin.strata.localhost", HOST_NOSLUG, NULL},
    {"xn--80ak6aa92e.strata.localhost", HOST_NOSLUG, NULL},
    {"x.acme.strata.localhost", HOST_INVALID, NULL},
    {"evil.example", HOST_OTHER, NULL},
    {"acmestrata.localhost", HOST_OTHER, NULL},
    {"strata.localhost.evil.example", HOST_OTHER, NULL},
    {"localhost", HOST_OTHER, NULL},
};

START_TEST(classify_table)
{
	char slug[SLUG_MAX + 1] = "";

	ck_assert_int_eq(host_classify(cls[_i].host, "strata.localhost", slug),
	                 cls[_i].kind);
	if (cls[_i].slug != NULL)
		ck_assert_str_eq(slug, cls[_i].slug);
}
END_TEST

static const struct {
	const char *slug;
	bool ok;
} slugs[] = {
    {"acme", true},
    {"abc", true},
    {"a1-b2", true},
    {"ab", false},
    {"-abc", false},
    {"abc-", false},
    {"ABC", false},
    {"a_b", false},
    {"a.b", false},
    {"www", false},
    {"api", false},
    {"admin", false},
    {"app", false},
    {"platform", false},
    {"static", false},
    {"assets", false},
    {"mail", false},
    {"status", false},
    {"docs", false},
    {"xn--abc", false},
    {"", false},
    {"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123", true},
    {"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234", false},
};

START_TEST(slug_table)
{
	ck_assert_msg(host_slug_valid(slugs[_i].slug) == slugs[_i].ok,
	              "slug %s", slugs[_i].slug);
}
END_TEST

static Suite *
host_suite(void)
{
	Suite *s = suite_create("host");
	TCase *n = tcase_create("host_normalize");
	TCase *c = tcase_create("host_classify");
	TCase *v = tcase_create("host_slug_valid");

	tcase_add_loop_test(n, normalize_table, 0,
	                    sizeof(norm) / sizeof(norm[0]));
	tcase_add_test(n, normalize_too_long);
	tcase_add_loop_test(c, classify_table, 0, sizeof(cls) / sizeof(cls[0]));
	tcase_add_loop_test(v, slug_table, 0, sizeof(slugs) / sizeof(slugs[0]));
	suite_add_tcase(s, n);
	suite_add_tcase(s, c);
	suite_add_tcase(s, v);
	return s;
}

CHECK_MAIN(host_suite)
