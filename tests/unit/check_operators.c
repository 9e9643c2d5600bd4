/* check_operators.c - the operators' login lockout (lib/data/operators.c).
 *
 * Without a database: a login's reads that cannot be queued fail loudly.
 * With STRATA_TEST_DATABASE_URL (make test: the stack's PostgreSQL, as the
 * app role): failures count up to the lock, a lock holds and answers its
 * seconds, a success clears the count, and a login attempt holds its
 * e-mail's row so that a parallel attempt cannot pass before it ends. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/uuid.h"
#include "data/db.h"
#include "data/operators.h"

static struct arena *a;
static struct db db, db2;
static const struct uuid none;
static char email[80];

static void
setup(void)
{
	struct uuid u;
	char id[UUID_STR_LEN + 1];

	a = arena_new(64 * 1024, 64UL * 1024 * 1024);
	uuid_v7(&u);
	uuid_format(&u, id);
	snprintf(email, sizeof(email), "lock-%s@unit.test", id);
}

static void
teardown(void)
{
	db_close(&db);
	db_close(&db2);
	arena_free(a);
}

static const char *
url(void)
{
	return getenv("STRATA_TEST_DATABASE_URL");
}

/* One login attempt's first trip on d: its seconds of lock, or -1 when the
 * trip failed.  The transaction stays open. */
static long long
attempt(struct db *d, struct operator_row *op)
{
	ck_assert_int_eq(db_ready(d, a), DB_OK);
	db_begin(d, &none);
	ck_assert_int_ge(operators_by_email(d, email, op), 0);
	if (db_sync(d) != DB_OK)
		return -1;
	return op->locked_s;
}

static void
fail_and_commit(struct db *d)
{
	ck_assert_int_ge(operators_queue_fail(d, email, "3", "900", "5"), 0);
	db_commit(d);
	ck_assert_int_eq(db_sync(d), DB_OK);
}

static long long
failures(struct db *d)
{
	const char *p[1] = {email};
	long long n = -1;

	ck_assert_int_eq(db_ready(d, a), DB_OK);
	db_queue_text_into(d,
	                   "SELECT coalesce((SELECT failures FROM "
	                   "operator_login_failures WHERE email_norm = $1), "
	                   "-1)",
	                   1, p, db_decode_int, &n);
	ck_assert_int_eq(db_sync(d), DB_OK);
	return n;
}

START_TEST(login_reads_fail_loudly_without_a_connection)
{
	struct operator_row op;

	db_init(&db, "host=/nonexistent");
	db.arena = a;
	ck_assert_int_eq(operators_by_email(&db, email, &op), -1);
	ck_assert_int_eq(operators_queue_fail(&db, email, "3", "900", "5"), -1);
	ck_assert_int_eq(operators_queue_clear_failures(&db, email), -1);
	ck_assert_int_eq(db.queue_failures, 5);
	ck_assert_int_ne(db_sync(&db), DB_OK);
	ck_assert(!op.found && op.locked_s == 0);
}
END_TEST

START_TEST(failures_lock_and_a_lock_holds)
{
	struct operator_row op;

	if (url() == NULL)
		return; /* counted as passing only its no-database part */
	db_init(&db, url());
	for (int i = 1; i <= 3; i++) {
		ck_assert_int_eq(attempt(&db, &op), 0);
		ck_assert(
		    !op.found); /* no such operator: counted all the same */
		fail_and_commit(&db);
		ck_assert_int_eq(failures(&db), i);
	}
	/* The third failure locked the e-mail for 5 s. */
	long long s = attempt(&db, &op);

	ck_assert_msg(s >= 1 && s <= 5, "locked for %lld s", s);
	db_commit(&db);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_int_eq(failures(&db), 3); /* a locked attempt adds nothing */
	/* Success clears the count, and a later failure starts again. */
	ck_assert_int_ge(operators_queue_clear_failures(&db, email), 0);
	ck_assert_int_eq(db_sync(&db), DB_OK);
	ck_assert_int_eq(failures(&db), -1);
	ck_assert_int_eq(attempt(&db, &op), 0);
	fail_and_commit(&db);
	ck_assert_int_eq(failures(&db), 1);
}
END_TEST

/* A second session's claim, as operators_by_email() sends it (by text:
 * the named statements of this process are prepared on the first
 * connection only).  Its seconds of lock, or -1 when the trip failed. */
static long long
other_claim(struct db *d)
{
	const char *p[1] = {email};
	long long s = -1;

	ck_assert_int_eq(db_ready(d, a), DB_OK);
	db_begin(d, &none);
	db_queue_text_into(d,
	                   "INSERT INTO operator_login_failures AS f "
	                   "(email_norm) VALUES ($1) ON CONFLICT (email_norm) "
	                   "DO UPDATE SET failures = f.failures RETURNING "
	                   "greatest(coalesce(ceil(extract(epoch FROM "
	                   "f.locked_until - now()))::int, 0), 0)",
	                   1, p, db_decode_int, &s);
	if (db_sync(d) != DB_OK)
		return -1;
	return s;
}

START_TEST(an_attempt_holds_its_row_until_it_ends)
{
	struct operator_row op;

	if (url() == NULL)
		return;
	db_init(&db, url());
	db_init(&db2, url());
	/* A is deciding an attempt: its row is locked. */
	ck_assert_int_eq(attempt(&db, &op), 0);
	/* B's parallel attempt cannot read past it (it would wait; with a
	 * lock timeout it fails instead of passing unchecked). */
	ck_assert_int_eq(db_ready(&db2, a), DB_OK);
	db_queue_sql(&db2, "SET lock_timeout = '200ms'");
	ck_assert_int_eq(db_sync(&db2), DB_OK);
	ck_assert_int_eq(other_claim(&db2), -1);
	ck_assert_msg(db_error_is(&db2, "55P03"), "sqlstate %s: %s",
	              db2.sqlstate, db2.errmsg);
	db_finish(&db2);
	/* A fails twice more... */
	fail_and_commit(&db);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(attempt(&db, &op), 0);
		fail_and_commit(&db);
	}
	/* ...and B, after the wait, sees the lock A left. */
	ck_assert_int_gt(other_claim(&db2), 0);
	db_finish(&db2);
	ck_assert_int_eq(failures(&db), 3);
	ck_assert_int_ge(operators_queue_clear_failures(&db, email), 0);
	ck_assert_int_eq(db_sync(&db), DB_OK);
}
END_TEST

static Suite *
operators_suite(void)
{
	Suite *s = suite_create("operators");
	TCase *t = tcase_create("operators_login_lockout");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, login_reads_fail_loudly_without_a_connection);
	tcase_add_test(t, failures_lock_and_a_lock_holds);
	tcase_add_test(t, an_attempt_holds_its_row_until_it_ends);
	tcase_set_timeout(t, 30);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(operators_suite)
