/* check_router.c - route matching. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/request.h"
#include "core/router.h"

static int
h(struct request *req)
{
	(void)req;
	return 0;
}

static const struct route table[] = {
    {"GET", "/v1/tenant", NULL, h, 0, 0},
    {"GET", "/v1/users", NULL, h, 0, 0},
    {"POST", "/v1/users", NULL, h, 0, 0},
    {"GET", "/v1/users/{id}", NULL, h, 0, 0},
    {"DELETE", "/v1/users/{id}", NULL, h, 0, 0},
    {"GET", "/v1/collections/{c}/records/{id}", NULL, h, 0, 0},
};

static const struct {
	const char *method, *path;
	int want; /* route index or -404/-405/-400 */
	const char *arg0, *arg1;
} cases[] = {
    {"GET", "/v1/tenant", 0, NULL, NULL},
    {"HEAD", "/v1/tenant", 0, NULL, NULL},
    {"POST", "/v1/tenant", -405, NULL, NULL},
    {"GET", "/v1/tenant/", -404, NULL, NULL},
    {"GET", "/v1/tenantx", -404, NULL, NULL},
    {"GET", "//v1/tenant", -404, NULL, NULL},
    {"GET", "/v1/users", 1, NULL, NULL},
    {"POST", "/v1/users", 2, NULL, NULL},
    {"PUT", "/v1/users", -405, NULL, NULL},
    {"GET", "/v1/users/abc", 3, "abc", NULL},
    {"DELETE", "/v1/users/abc", 4, "abc", NULL},
    {"GET", "/v1/users/a%20b", 3, "a b", NULL},
    {"GET", "/v1/users/a%2Fb", -404, NULL, NULL},
    {"GET", "/v1/users/%zz", -400, NULL, NULL},
    {"GET", "/v1/users/", -404, NULL, NULL},
    {"GET", "/v1/users/a/b", -404, NULL, NULL},
    {"GET", "/v1/collections/books/records/1", 5, "books", "1"},
    {"GET", "/v1/collections//records/1", -404, NULL, NULL},
    {"GET", "/", -404, NULL, NULL},
    {"GET", "", -404, NULL, NULL},
};

START_TEST(match_table)
{
	struct arena *a = arena_new(4096, 1 << 20);
	struct request req;
	char allow[64];
	int got;

	memset(&req, 0, sizeof(req));
	req.arena = a;
	got = router_match(&req, table, sizeof(table) / sizeof(table[0]),
	                   cases[_i].method, cases[_i].path, allow,
	                   sizeof(allow));
	ck_assert_msg(got == cases[_i].want, "%s %s: got %d want %d",
	              cases[_i].method, cases[_i].path, got, cases[_i].want);
	if (cases[_i].arg0 != NULL)
		ck_assert_str_eq(req.args[0], cases[_i].arg0);
	if (cases[_i].arg1 != NULL)
		ck_assert_str_eq(req.args[1], cases[_i].arg1);
	arena_free(a);
}
END_TEST

START_TEST(allow_lists_methods)
{
	struct arena *a = arena_new(4096, 1 << 20);
	struct request req;
	char allow[64];

	memset(&req, 0, sizeof(req));
	req.arena = a;
	ck_assert_int_eq(router_match(&req, table, 6, "PATCH", "/v1/users/x",
	                              allow, sizeof(allow)),
	                 -405);
	ck_assert_str_eq(allow, "GET, HEAD, DELETE");
	arena_free(a);
}
END_TEST

static Suite *
router_suite(void)
{
	Suite *s = suite_create("router");
	TCase *tc = tcase_create("router_match");

	tcase_add_loop_test(tc, match_table, 0,
	                    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, allow_lists_methods);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(router_suite)
