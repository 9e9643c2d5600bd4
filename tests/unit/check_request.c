/* check_request.c - FastCGI parameters and query strings. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/request.h"

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

static const struct {
	const char *in;
	const char *out; /* NULL = refused */
	bool plus;
} unesc[] = {
    {"abc", "abc", true},
    {"a%20b", "a b", true},
    {"a+b", "a b", true},
    {"a+b", "a+b", false},
    {"%41%62", "Ab", true},
    {"%e2%82%ac", "\xe2\x82\xac", true},
    {"%", NULL, true},
    {"%4", NULL, true},
    {"ab%", NULL, true},
    {"%zz", NULL, true},
    {"%00", NULL, true},
    {"a%00b", NULL, true},
    {"%ff", NULL, true},       /* invalid UTF-8 */
    {"%c0%af", NULL, true},    /* overlong '/' */
    {"%ed%a0%80", NULL, true}, /* surrogate */
    {"", "", true},
};

START_TEST(unescape_table)
{
	const char *in = unesc[_i].in;
	char *out = request_unescape(a, in, strlen(in), unesc[_i].plus);

	if (unesc[_i].out == NULL)
		ck_assert_msg(out == NULL, "accepted %s", in);
	else
		ck_assert_str_eq(out, unesc[_i].out);
}
END_TEST

static int
parse_query(struct request *req, const char *q)
{
	memset(req, 0, sizeof(*req));
	req->arena = a;
	req->query = q;
	return request_parse_query(req);
}

START_TEST(query_pairs)
{
	struct request req;

	ck_assert_int_eq(parse_query(&req, "limit=10&filter%5Bage%5D%5Bgte%5D="
	                                   "5&x&&sort=-name&e="),
	                 0);
	ck_assert_int_eq(req.nparams, 5);
	ck_assert_str_eq(request_query(&req, "limit"), "10");
	ck_assert_str_eq(request_query(&req, "filter[age][gte]"), "5");
	ck_assert_str_eq(request_query(&req, "x"), "");
	ck_assert_str_eq(request_query(&req, "sort"), "-name");
	ck_assert_str_eq(request_query(&req, "e"), "");
	ck_assert_ptr_null(request_query(&req, "nope"));
}
END_TEST

START_TEST(query_bad)
{
	struct request req;

	ck_assert_int_eq(parse_query(&req, "a=%zz"), 400);
	ck_assert_int_eq(parse_query(&req, "a%00=1"), 400);
	ck_assert_int_eq(parse_query(&req, "a=%ff"), 400);
}
END_TEST

START_TEST(query_too_many)
{
	struct request req;
	char q[1024] = "";
	size_t n = 0;

	for (int i = 0; i < QUERY_MAX_PARAMS + 1; i++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "a=1&");
	ck_assert_int_eq(parse_query(&req, q), 400);
}
END_TEST

START_TEST(parse_env)
{
	char *env[] = {
	    ENV("REQUEST_METHOD=GET"), ENV("REQUEST_URI=/v1/tenant?x=1"),
	    ENV("QUERY_STRING=x=1"),   ENV("HTTP_HOST=acme.strata.localhost"),
	    ENV("REQUEST_ID=abc"),     NULL};
	struct request req;

	ck_assert_int_eq(request_parse(&req, a, env), 0);
	ck_assert_str_eq(req.method, "GET");
	ck_assert_str_eq(req.path, "/v1/tenant");
	ck_assert_str_eq(req.query, "x=1");
	ck_assert_str_eq(req.request_id, "abc");
	ck_assert_str_eq(request_env(&req, "HTTP_HOST"),
	                 "acme.strata.localhost");
	ck_assert_ptr_null(request_env(&req, "HTTP_HOS"));
	ck_assert_str_eq(request_query(&req, "x"), "1");
}
END_TEST

START_TEST(parse_env_bad_uri)
{
	char *env1[] = {ENV("REQUEST_METHOD=GET"), ENV("REQUEST_URI=v1"), NULL};
	char *env2[] = {ENV("REQUEST_METHOD=GET"), NULL};
	struct request req;

	ck_assert_int_eq(request_parse(&req, a, env1), 400);
	ck_assert_int_eq(request_parse(&req, a, env2), 400);
}
END_TEST

static Suite *
request_suite(void)
{
	Suite *s = suite_create("request");
	TCase *u = tcase_create("request_unescape");
	TCase *q = tcase_create("request_parse_query");
	TCase *p = tcase_create("request_parse");

	tcase_add_checked_fixture(u, setup, teardown);
	tcase_add_checked_fixture(q, setup, teardown);
	tcase_add_checked_fixture(p, setup, teardown);
	tcase_add_loop_test(u, unescape_table, 0,
	                    sizeof(unesc) / sizeof(unesc[0]));
	tcase_add_test(q, query_pairs);
	tcase_add_test(q, query_bad);
	tcase_add_test(q, query_too_many);
	tcase_add_test(p, parse_env);
	tcase_add_test(p, parse_env_bad_uri);
	suite_add_tcase(s, u);
	suite_add_tcase(s, q);
	suite_add_tcase(s, p);
	return s;
}

CHECK_MAIN(request_suite)
