/* check_moves.c - a tenant move's names: the SQL object names made from a
 * tenant id, the role read from a conninfo, the other region's command. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/regions.h"
#include "data/moves.h"
#include "ops/move.h"

START_TEST(object_name_of_a_uuid)
{
	char out[64];

	ck_assert_int_eq(
	    moves_object_name("01a2338e-da22-7c16-8cac-d0dbf0c25ef8", out), 0);
	ck_assert_str_eq(out, "strata_move_01a2338eda227c168cacd0dbf0c25ef8");
}
END_TEST

/* The name enters SQL text: nothing but a lower-case uuid makes one. */
static const char *const bad_ids[] = {
    "",
    "01a2338e",
    "01A2338E-DA22-7C16-8CAC-D0DBF0C25EF8",
    "01a2338e-da22-7c16-8cac-d0dbf0c25ef8a",
    "01a2338e-da22-7c16-8cac-d0dbf0c25ef",
    "01a2338e-da22-7c16-8cac-d0dbf0c25e\"; DROP TABLE tenants; --",
    "01a2338e-da22-7c16-8cac-d0dbf0c25eg8",
    "x1a2338e-da22-7c16-8cac-d0dbf0c25ef8",
    "01a2338e da22 7c16 8cac d0dbf0c25ef8",
};

START_TEST(object_name_refuses)
{
	char out[64] = "";

	ck_assert_int_eq(moves_object_name(bad_ids[_i], out), -1);
}
END_TEST

START_TEST(conninfo_user)
{
	char u[64];

	ck_assert_int_eq(moves_conninfo_user("host=10.0.0.1 port=5432 "
	                                     "user=strata_peer password=x",
	                                     u, sizeof(u)),
	                 0);
	ck_assert_str_eq(u, "strata_peer");
	ck_assert_int_eq(
	    moves_conninfo_user("host=10.0.0.1 dbname=strata", u, sizeof(u)),
	    -1);
	ck_assert_int_eq(
	    moves_conninfo_user("host='unterminated", u, sizeof(u)), -1);
	ck_assert_int_eq(moves_conninfo_user("user=", u, sizeof(u)), -1);
	ck_assert_int_eq(moves_conninfo_user("user=abcdefgh", u, 8), -1);
}
END_TEST

START_TEST(admin_command_per_region)
{
	static char netns[] = "ip netns exec ns-{region} strata --config "
	                      "/srv/{region}/strata.conf";
	static char ssh[] = "ssh strata@admin.internal strata";
	static char broken[] = "{region}{region";
	struct arena *a = arena_new(4096, 1 << 20);
	struct region r = {.name = "eu"};

	cfg.region_admin = netns;
	ck_assert_str_eq(move_admin_command(a, &r),
	                 "ip netns exec ns-eu strata --config "
	                 "/srv/eu/strata.conf");
	cfg.region_admin = ssh;
	ck_assert_str_eq(move_admin_command(a, &r),
	                 "ssh strata@admin.internal strata");
	cfg.region_admin = broken;
	ck_assert_str_eq(move_admin_command(a, &r), "eu{region");
	arena_free(a);
}
END_TEST

static Suite *
moves_suite(void)
{
	Suite *s = suite_create("moves");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, object_name_of_a_uuid);
	tcase_add_loop_test(tc, object_name_refuses, 0,
	                    sizeof(bad_ids) / sizeof(bad_ids[0]));
	tcase_add_test(tc, conninfo_user);
	tcase_add_test(tc, admin_command_per_region);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(moves_suite)
