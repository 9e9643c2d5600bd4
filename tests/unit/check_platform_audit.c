/* check_platform_audit.c - the platform audit log (lib/data/
 * platform_audit.c).
 *
 * Without a database: an event that cannot be queued fails loudly.  With
 * STRATA_TEST_DATABASE_URL (the stack's PostgreSQL, as the app role):
 * events are written and listed newest first with their filters and
 * keyset position, a bad actor type is refused, and the app role can
 * neither change nor delete an event. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/uuid.h"
#include "data/db.h"
#include "data/platform_audit.h"

static struct arena *a;
static struct db db;
static char actor[UUID_STR_LEN + 1];

static void
setup(void)
{
	struct uuid u;

	a = arena_new(64 * 1024, 64UL * 1024 * 1024);
	uuid_v7(&u);
	uuid_format(&u, actor);
}

static void
teardown(void)
{
	db_close(&db);
	arena_free(a);
}

static const char *
url(void)
{
	return getenv("STRATA_TEST_DATABASE_URL");
}

static struct audit_event
event(const char *action, enum audit_outcome outcome)
{
	struct audit_event e = {
	    .actor_type = "operator",
	    .actor_id = actor,
	    .action = action,
	    .target_type = "operator",
	    .target_id = actor,
	    .outcome = outcome,
	    .request_id = "req-unit",
	    .client_addr = "192.0.2.1",
	    .details = "{\"reason\":\"unit\"}",
	};

	return e;
}

START_TEST(queue_fails_loudly_without_a_connection)
{
	struct audit_event e = event("operator.login", AUDIT_SUCCESS);
	struct audit_query q = {.fetch = "10"};
	struct audit_page page;

	db_init(&db, "host=/nonexistent");
	db.arena = a;
	ck_assert_int_eq(platform_audit_queue(&db, &e), -1);
	ck_assert_int_eq(platform_audit_list_page(&db, &q, &page), -1);
	ck_assert_int_eq(db.queue_failures, 2);
	ck_assert_int_ne(db_sync(&db), DB_OK);
	ck_assert_int_eq(page.n, 0);
}
END_TEST

static struct audit_page
list(const char *action, const char *before, const char *fetch)
{
	struct audit_query q = {.actor = actor,
	                        .action = action,
	                        .before_seq = before,
	                        .fetch = fetch};
	struct audit_page page;

	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	ck_assert_int_ge(platform_audit_list_page(&db, &q, &page), 0);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	return page;
}

START_TEST(events_are_written_and_listed)
{
	static const char *const actions[] = {"operator.login", "plan.update",
	                                      "operator.login"};
	struct audit_page p;

	if (url() == NULL)
		return; /* counted as passing only its no-database part */
	db_init(&db, url());
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	for (int i = 0; i < 3; i++) {
		struct audit_event e = event(actions[i], (enum audit_outcome)i);

		ck_assert_int_ge(platform_audit_queue(&db, &e), 0);
	}
	ck_assert_int_eq(db_sync(&db), DB_OK);
	p = list(NULL, NULL, "10");
	ck_assert_int_eq(p.n, 3);
	ck_assert_msg(strstr(p.rows[0].json, "\"outcome\" : \"denied\"") ||
	                  strstr(p.rows[0].json, "\"outcome\":\"denied\""),
	              "newest first: %s", p.rows[0].json);
	ck_assert_ptr_nonnull(strstr(p.rows[0].json, "192.0.2.1"));
	ck_assert_int_eq(list("operator.login", NULL, "10").n, 2);
	ck_assert_int_eq(list("operator.", NULL, "10").n, 2);
	ck_assert_int_eq(list("plan.", NULL, "10").n, 1);
	ck_assert_int_eq(list("operator", NULL, "10").n, 0);
	ck_assert_int_eq(list(NULL, NULL, "2").n, 2);
	ck_assert_int_eq(list(NULL, p.rows[1].seq, "10").n, 1);
}
END_TEST

START_TEST(bad_events_and_rewrites_are_refused)
{
	struct audit_event e = event("operator.login", AUDIT_SUCCESS);

	if (url() == NULL)
		return;
	db_init(&db, url());
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	e.actor_type = "user"; /* tenants' actors are not the platform's */
	platform_audit_queue(&db, &e);
	ck_assert_int_eq(db_sync(&db), DB_FAILED);
	ck_assert(db_error_is(&db, "23514"));
	db_finish(&db);
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	db_queue_sql(&db, "UPDATE platform_audit_events SET outcome = "
	                  "'success'");
	ck_assert_int_eq(db_sync(&db), DB_FAILED);
	ck_assert(db_error_is(&db, "42501"));
	db_finish(&db);
	ck_assert_int_eq(db_ready(&db, a), DB_OK);
	db_queue_sql(&db, "DELETE FROM platform_audit_events");
	ck_assert_int_eq(db_sync(&db), DB_FAILED);
	ck_assert(db_error_is(&db, "42501"));
	db_finish(&db);
}
END_TEST

static Suite *
platform_audit_suite(void)
{
	Suite *s = suite_create("platform_audit");
	TCase *t = tcase_create("platform_audit_queue");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, queue_fails_loudly_without_a_connection);
	tcase_add_test(t, events_are_written_and_listed);
	tcase_add_test(t, bad_events_and_rewrites_are_refused);
	tcase_set_timeout(t, 30);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(platform_audit_suite)
