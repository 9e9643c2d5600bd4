/* check_migrate.c - migration ordering and checksum logic. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "data/migrate.h"

static struct migration
m(const char *name, const char *sum)
{
	struct migration x;

	snprintf(x.name, sizeof(x.name), "%s", name);
	snprintf(x.checksum, sizeof(x.checksum), "%s", sum);
	return x;
}

START_TEST(checksum_is_sha256)
{
	char out[65];

	ck_assert_int_eq(migrate_checksum("abc", 3, out), 0);
	ck_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223"
	                      "b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(names)
{
	ck_assert(migrate_name_valid("001_core.sql"));
	ck_assert(migrate_name_valid("0042_add_x.sql"));
	ck_assert(!migrate_name_valid("01_core.sql"));
	ck_assert(!migrate_name_valid("001core.sql"));
	ck_assert(!migrate_name_valid("001_core.sql~"));
	ck_assert(!migrate_name_valid("001_Core.sql"));
	ck_assert(!migrate_name_valid("001_c ore.sql"));
	ck_assert(!migrate_name_valid("abc_core.sql"));
}
END_TEST

START_TEST(plan_fresh)
{
	struct migration f[2] = {m("001_a.sql", "x"), m("002_b.sql", "y")};
	int pending[4], n;
	char why[MIGRATE_WHY_MAX];

	ck_assert_int_eq(migrate_plan(f, 2, NULL, 0, pending, &n, why), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(pending[0], 0);
	ck_assert_int_eq(pending[1], 1);
}
END_TEST

START_TEST(plan_partial)
{
	struct migration f[3] = {m("001_a.sql", "x"), m("002_b.sql", "y"),
	                         m("003_c.sql", "z")};
	struct migration ap[1] = {m("001_a.sql", "x")};
	int pending[4], n;
	char why[MIGRATE_WHY_MAX];

	ck_assert_int_eq(migrate_plan(f, 3, ap, 1, pending, &n, why), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(pending[0], 1);
}
END_TEST

START_TEST(plan_all_applied)
{
	struct migration f[1] = {m("001_a.sql", "x")};
	int pending[4], n = -1;
	char why[MIGRATE_WHY_MAX];

	ck_assert_int_eq(migrate_plan(f, 1, f, 1, pending, &n, why), 0);
	ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(plan_changed_refused)
{
	struct migration f[2] = {m("001_a.sql", "x2"), m("002_b.sql", "y")};
	struct migration ap[1] = {m("001_a.sql", "x")};
	int pending[4], n;
	char why[MIGRATE_WHY_MAX];

	ck_assert_int_eq(migrate_plan(f, 2, ap, 1, pending, &n, why), -1);
	ck_assert_ptr_nonnull(strstr(why, "changed"));
}
END_TEST

START_TEST(plan_missing_refused)
{
	struct migration f[1] = {m("002_b.sql", "y")};
	struct migration ap[1] = {m("001_a.sql", "x")};
	int pending[4], n;
	char why[MIGRATE_WHY_MAX];

	ck_assert_int_eq(migrate_plan(f, 1, ap, 1, pending, &n, why), -1);
	ck_assert_ptr_nonnull(strstr(why, "missing"));
}
END_TEST

START_TEST(plan_out_of_order_refused)
{
	struct migration f[3] = {m("001_a.sql", "x"), m("002_b.sql", "y"),
	                         m("003_c.sql", "z")};
	struct migration ap[2] = {m("001_a.sql", "x"), m("003_c.sql", "z")};
	int pending[4], n;
	char why[MIGRATE_WHY_MAX];

	ck_assert_int_eq(migrate_plan(f, 3, ap, 2, pending, &n, why), -1);
	ck_assert_ptr_nonnull(strstr(why, "sorts before"));
}
END_TEST

/* Splits sql and joins the statements with '|', as they were found. */
static void
split(const char *sql, char *out, size_t n)
{
	const char *p = sql;
	size_t len, used = 0;

	out[0] = '\0';
	while (migrate_next_statement(&p, &len)) {
		used += (size_t)snprintf(out + used, n - used, "%s%.*s",
		                         used ? "|" : "", (int)len, p);
		p += len;
	}
}

START_TEST(split_statements)
{
	static const struct {
		const char *sql, *want;
	} cases[] = {
	    {"", ""},
	    {"  \n-- only a comment\n/* and another */ ", ""},
	    {"SELECT 1; SELECT 2;", "SELECT 1;|SELECT 2;"},
	    {"SELECT 1", "SELECT 1"},
	    {"-- c; x\nSELECT 1;", "SELECT 1;"},
	    {"SELECT ';'; SELECT 2;", "SELECT ';';|SELECT 2;"},
	    {"SELECT 'it''s;'; X;", "SELECT 'it''s;';|X;"},
	    {"SELECT \"a;b\" FROM t; X;", "SELECT \"a;b\" FROM t;|X;"},
	    {"DO $$ BEGIN x; y; END $$; X;", "DO $$ BEGIN x; y; END $$;|X;"},
	    {"AS $f$ a; $$ b; $$ c; $f$; X;", "AS $f$ a; $$ b; $$ c; $f$;|X;"},
	    {"SELECT $1; X;", "SELECT $1;|X;"},
	    {"SELECT 1 /* ; */ + 1; X;", "SELECT 1 /* ; */ + 1;|X;"},
	    /* unterminated quotes run to the end, never past it */
	    {"SELECT 'open; X;", "SELECT 'open; X;"},
	    {"DO $$ never closed;", "DO $$ never closed;"},
	    {"SELECT 1; /* open", "SELECT 1;"},
	};
	char out[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		split(cases[i].sql, out, sizeof(out));
		ck_assert_msg(strcmp(out, cases[i].want) == 0,
		              "case %zu: got [%s] want [%s]", i, out,
		              cases[i].want);
	}
}
END_TEST

static Suite *
migrate_suite(void)
{
	Suite *s = suite_create("migrate");
	TCase *c = tcase_create("migrate_checksum");
	TCase *p = tcase_create("migrate_plan");
	TCase *t = tcase_create("migrate_next_statement");

	tcase_add_test(c, checksum_is_sha256);
	tcase_add_test(c, names);
	tcase_add_test(p, plan_fresh);
	tcase_add_test(p, plan_partial);
	tcase_add_test(p, plan_all_applied);
	tcase_add_test(p, plan_changed_refused);
	tcase_add_test(p, plan_missing_refused);
	tcase_add_test(p, plan_out_of_order_refused);
	tcase_add_test(t, split_statements);
	suite_add_tcase(s, c);
	suite_add_tcase(s, p);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(migrate_suite)
