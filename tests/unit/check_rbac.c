/* check_rbac.c - permission names, bits and built-in roles. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/json.h"
#include "sec/rbac.h"

START_TEST(names_round_trip)
{
	for (int i = 0; i < RBAC_NPERMS; i++) {
		const char *n = rbac_perm_name(1u << i);

		ck_assert_ptr_nonnull(n);
		ck_assert_uint_eq(rbac_perm(n), 1u << i);
	}
	ck_assert_uint_eq(rbac_perm("records:READ"), 0);
	ck_assert_uint_eq(rbac_perm("tenant:delete"), 0);
	ck_assert_uint_eq(rbac_perm(""), 0);
}
END_TEST

START_TEST(builtins_match_api_md)
{
	ck_assert_int_eq(rbac_builtin("owner"), P_ALL);
	ck_assert_int_eq(rbac_builtin("admin"), P_ALL);
	ck_assert_int_eq(rbac_builtin("member"),
	                 P_RECORDS_READ | P_RECORDS_WRITE | P_CONFIG_READ);
	ck_assert_int_eq(rbac_builtin("viewer"), P_RECORDS_READ);
	ck_assert_int_eq(rbac_builtin("auditor"), -1);
}
END_TEST

START_TEST(pg_arrays)
{
	char buf[512];

	ck_assert_uint_eq(rbac_parse_pg_array("{records:read,users:read}"),
	                  P_RECORDS_READ | P_USERS_READ);
	ck_assert_uint_eq(rbac_parse_pg_array("{}"), 0);
	ck_assert_uint_eq(rbac_parse_pg_array("{bogus,records:read}"),
	                  P_RECORDS_READ);
	ck_assert_uint_eq(rbac_parse_pg_array(NULL), 0);
	ck_assert_uint_eq(rbac_parse_pg_array("records:read"), 0);
	ck_assert_str_eq(
	    rbac_pg_array(P_RECORDS_READ | P_KEYS_MANAGE, buf, sizeof(buf)),
	    "{records:read,keys:manage}");
	ck_assert_str_eq(rbac_pg_array(0, buf, sizeof(buf)), "{}");
	ck_assert_uint_eq(
	    rbac_parse_pg_array(rbac_pg_array(P_ALL, buf, sizeof(buf))), P_ALL);
}
END_TEST

START_TEST(json_lists)
{
	struct arena *a = arena_new(4096, 1 << 20);
	const char *why, *bad;
	uint32_t bits;
	cJSON *j;

	json_use_arena(a);
	j = json_parse("[\"records:read\",\"pii:read\"]",
	               strlen("[\"records:read\",\"pii:read\"]"), 4, &why);
	ck_assert_int_eq(rbac_parse(j, &bits, &bad), 0);
	ck_assert_uint_eq(bits, P_RECORDS_READ | P_PII_READ);
	j = json_parse("[\"records:read\",\"root\"]",
	               strlen("[\"records:read\",\"root\"]"), 4, &why);
	ck_assert_int_eq(rbac_parse(j, &bits, &bad), -1);
	ck_assert_str_eq(bad, "root");
	j = json_parse("[1]", strlen("[1]"), 4, &why);
	ck_assert_int_eq(rbac_parse(j, &bits, &bad), -1);
	j = json_parse("\"records:read\"", strlen("\"records:read\""), 4, &why);
	ck_assert_int_eq(rbac_parse(j, &bits, &bad), -1);
	ck_assert_str_eq(json_print(rbac_json(P_USERS_READ | P_AUDIT_READ)),
	                 "[\"users:read\",\"audit:read\"]");
	arena_free(a);
}
END_TEST

START_TEST(allows)
{
	ck_assert(rbac_allows(P_ALL, P_KEYS_MANAGE));
	ck_assert(rbac_allows(P_RECORDS_READ, 0));
	ck_assert(!rbac_allows(P_RECORDS_READ, P_RECORDS_READ | P_PII_READ));
	ck_assert(!rbac_allows(0, P_RECORDS_READ));
}
END_TEST

/* rbac_may_grant: (have, owner, grant, grants_owner) -> allowed. */
static const struct {
	uint32_t have;
	bool owner;
	uint32_t grant;
	bool grants_owner;
	bool allowed;
} grants[] = {
    {P_ALL, true, P_ALL, true, true}, /* an owner makes an owner */
    {P_ALL, true, P_KEYS_MANAGE, false, true},
    {P_ALL, false, P_ALL, false, true}, /* an admin grants admin */
    {P_ALL, false, P_ALL, true, false}, /* but never owner */
    {P_ALL, false, 0, true, false},     /* not even an empty owner */
    {P_RECORDS_READ | P_USERS_MANAGE, false, P_RECORDS_READ, false, true},
    {P_RECORDS_READ | P_USERS_MANAGE, false, 0, false, true},
    {P_RECORDS_READ, false, P_RECORDS_READ | P_PII_READ, false, false},
    {P_RECORDS_READ, true, P_RECORDS_READ | P_PII_READ, false, false},
    {0, false, P_RECORDS_READ, false, false},
    {P_ALL & ~P_KEYS_MANAGE, false, P_ALL, false, false},
    {P_CONFIG_WRITE, false, P_CONFIG_WRITE, true, false},
};

START_TEST(may_grant)
{
	ck_assert_msg(
	    rbac_may_grant(grants[_i].have, grants[_i].owner, grants[_i].grant,
	                   grants[_i].grants_owner) == grants[_i].allowed,
	    "case %d", _i);
}
END_TEST

static Suite *
rbac_suite(void)
{
	Suite *s = suite_create("rbac");
	TCase *tc = tcase_create("rbac");

	tcase_add_test(tc, names_round_trip);
	tcase_add_test(tc, builtins_match_api_md);
	tcase_add_test(tc, pg_arrays);
	tcase_add_test(tc, json_lists);
	tcase_add_test(tc, allows);
	tcase_add_loop_test(tc, may_grant, 0,
	                    sizeof(grants) / sizeof(grants[0]));
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(rbac_suite)
