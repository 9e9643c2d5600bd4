/* check_ratelimit.c - the shared bucket table: every tenant metered with
 * 10,000 of them, least recently used eviction that spares the hot and
 * the in-flight, anonymous clients apart from the tenant's bucket. */
#include <check.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "core/clock.h"
#include "sec/ratelimit.h"

#define TENANTS 10000
#define NOW 1000000000LL

static struct uuid
tenant_n(int n)
{
	struct uuid u;

	memset(&u, 0, sizeof(u));
	memcpy(u.b, &n, sizeof(n));
	u.b[15] = 0x5a;
	return u;
}

static void
setup(void)
{
	ck_assert_int_eq(ratelimit_init(), 0);
	ratelimit_set_worker(0);
}

/* Takes n tokens of t at one instant; returns how many were allowed. */
static int
take_n(const struct uuid *t, int n, int rate, int burst)
{
	int allowed = 0;

	for (int i = 0; i < n; i++) {
		allowed += ratelimit_take(t, rate, burst, 0, NOW).allowed;
		ratelimit_done();
	}
	return allowed;
}

START_TEST(every_tenant_metered)
{
	int unmetered = 0;

	for (int i = 0; i < TENANTS; i++) {
		struct uuid t = tenant_n(i);

		unmetered += take_n(&t, 4, 1, 3) != 3;
	}
	ck_assert_int_eq(unmetered, 0);
}
END_TEST

START_TEST(every_tenant_metered_interleaved)
{
	int over = 0;

	/* Three rounds over 10,000 tenants (burst 2, no time passes):
	 * nobody may get a third token. */
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < TENANTS; i++) {
			struct uuid t = tenant_n(i);
			bool ok = ratelimit_take(&t, 1, 2, 0, NOW).allowed;

			ratelimit_done();
			if (round == 2 && ok)
				over++;
		}
	/* The table holds 10,000 tenants: no eviction loses a bucket. */
	ck_assert_int_eq(over, 0);
}
END_TEST

START_TEST(lru_keeps_the_hot_tenant)
{
	struct uuid hot = tenant_n(-1);

	ck_assert_int_eq(take_n(&hot, 2, 1, 2), 2);
	/* 40,000 tenants come through, more than the table holds: the
	 * least recently used are evicted, never the hot one, whose empty
	 * bucket would otherwise come back full. */
	for (int i = 0; i < 4 * TENANTS; i++) {
		struct uuid t = tenant_n(i);

		(void)take_n(&t, 1, 1, 2);
		if (i % 64 == 0)
			ck_assert_msg(
			    !ratelimit_take(&hot, 1, 2, 0, NOW).allowed,
			    "the hot tenant was evicted after %d", i);
		ratelimit_done();
	}
}
END_TEST

START_TEST(full_table_still_meters)
{
	int unmetered = 0;

	/* Past the table's size every newcomer is still limited. */
	for (int i = 0; i < 2 * RATELIMIT_BUCKETS; i++) {
		struct uuid t = tenant_n(i);

		unmetered += take_n(&t, 3, 1, 2) != 2;
	}
	ck_assert_int_eq(unmetered, 0);
}
END_TEST

START_TEST(in_flight_survives_eviction)
{
	struct uuid busy = tenant_n(-2);
	struct ratelimit_result r;

	ratelimit_set_worker(0);
	ck_assert(ratelimit_take(&busy, 100, 100, 1, NOW).allowed);
	/* Worker 0 stays on it while 40,000 others pass on worker 1. */
	ratelimit_set_worker(1);
	for (int i = 0; i < 4 * TENANTS; i++) {
		struct uuid t = tenant_n(i);

		(void)ratelimit_take(&t, 1, 2, 1, NOW);
		ratelimit_done();
	}
	ratelimit_set_worker(2);
	r = ratelimit_take(&busy, 100, 100, 1, NOW);
	ck_assert(!r.allowed);
	ck_assert(r.concurrency);
	ratelimit_set_worker(0);
	ratelimit_done();
	ratelimit_set_worker(2);
	ck_assert(ratelimit_take(&busy, 100, 100, 1, NOW).allowed);
}
END_TEST

START_TEST(refills_at_rate)
{
	struct uuid t = tenant_n(7);
	struct ratelimit_result r;

	ck_assert_int_eq(take_n(&t, 3, 2, 2), 2);
	r = ratelimit_take(&t, 2, 2, 0, NOW);
	ck_assert(!r.allowed);
	ck_assert_int_eq(r.retry_after, 1);
	ck_assert_int_eq(r.remaining, 0);
	ck_assert(ratelimit_take(&t, 2, 2, 0, NOW + 500000).allowed);
	ck_assert(!ratelimit_take(&t, 2, 2, 0, NOW + 500000).allowed);
}
END_TEST

/* Anonymous takes of (tenant, addr) at one instant; how many allowed. */
static int
anon_n(const struct uuid *t, const char *addr, int n, int rate, int burst)
{
	int allowed = 0;

	for (int i = 0; i < n; i++) {
		allowed +=
		    ratelimit_take_anonymous(t, addr, rate, burst, 0, NOW)
		        .allowed;
		ratelimit_done();
	}
	return allowed;
}

START_TEST(anonymous_share_per_address)
{
	struct uuid t = tenant_n(11);
	struct ratelimit_result r;

	r = ratelimit_take_anonymous(&t, "192.0.2.1", 8, 8, 0, NOW);
	ck_assert(r.allowed);
	ck_assert_int_eq(r.limit, 8 / RATELIMIT_ANON_SHARE);
	ratelimit_done();
	ck_assert_int_eq(anon_n(&t, "192.0.2.1", 10, 8, 8),
	                 8 / RATELIMIT_ANON_SHARE - 1);
	/* The flood drew nothing from the signed-in users' bucket. */
	ck_assert_int_eq(take_n(&t, 10, 8, 8), 8);
	ck_assert_int_eq(anon_n(&t, "192.0.2.2", 10, 8, 8),
	                 8 / RATELIMIT_ANON_SHARE);
}
END_TEST

START_TEST(anonymous_at_least_one_token)
{
	struct uuid t = tenant_n(12);

	ck_assert_int_eq(anon_n(&t, "192.0.2.1", 3, 1, 1), 1);
	ck_assert(
	    ratelimit_take_anonymous(&t, "192.0.2.1", 1, 1, 0, NOW + 4000000)
	        .allowed);
}
END_TEST

START_TEST(anonymous_ipv6_by_64)
{
	struct uuid t = tenant_n(13);

	ck_assert_int_eq(anon_n(&t, "2001:db8::1", 5, 4, 4), 1);
	/* Another address of the same /64 is the same client. */
	ck_assert_int_eq(anon_n(&t, "2001:db8::ffff:2", 5, 4, 4), 0);
	ck_assert_int_eq(anon_n(&t, "2001:db8:0:1::1", 5, 4, 4), 1);
	/* IPv4-mapped addresses stay apart. */
	ck_assert_int_eq(anon_n(&t, "::ffff:192.0.2.7", 5, 4, 4), 1);
	ck_assert_int_eq(anon_n(&t, "::ffff:192.0.2.8", 5, 4, 4), 1);
}
END_TEST

START_TEST(anonymous_unknown_address_shares_one)
{
	struct uuid t = tenant_n(14);

	ck_assert_int_eq(anon_n(&t, NULL, 5, 4, 4), 1);
	ck_assert_int_eq(anon_n(&t, "not an address", 5, 4, 4), 0);
	ck_assert_int_eq(anon_n(&t, "", 5, 4, 4), 0);
}
END_TEST

START_TEST(anonymous_tenants_apart)
{
	struct uuid a = tenant_n(15), b = tenant_n(16);

	ck_assert_int_eq(anon_n(&a, "192.0.2.1", 5, 4, 4), 1);
	ck_assert_int_eq(anon_n(&b, "192.0.2.1", 5, 4, 4), 1);
}
END_TEST

START_TEST(anonymous_in_flight_cap)
{
	struct uuid t = tenant_n(17);
	struct ratelimit_result r;

	ratelimit_set_worker(0);
	ck_assert(ratelimit_take(&t, 100, 100, 1, NOW).allowed);
	ratelimit_set_worker(1);
	r = ratelimit_take_anonymous(&t, "192.0.2.1", 100, 100, 1, NOW);
	ck_assert(!r.allowed);
	ck_assert(r.concurrency);
	/* A refused anonymous request holds no place in flight. */
	ratelimit_set_worker(0);
	ratelimit_done();
	ratelimit_set_worker(2);
	ck_assert(ratelimit_take(&t, 100, 100, 1, NOW).allowed);
	ratelimit_done();
	/* Nor does one refused for rate. */
	ratelimit_set_worker(1);
	ck_assert_int_eq(anon_n(&t, "192.0.2.9", 40, 100, 100), 25);
	ratelimit_set_worker(2);
	ck_assert(ratelimit_take(&t, 100, 100, 1, NOW).allowed);
}
END_TEST

START_TEST(worker_death_frees_its_place)
{
	struct uuid t = tenant_n(18);

	ratelimit_set_worker(3);
	ck_assert(ratelimit_take(&t, 100, 100, 1, NOW).allowed);
	ratelimit_set_worker(4);
	ck_assert(!ratelimit_take(&t, 100, 100, 1, NOW).allowed);
	ratelimit_worker_died(3, 999999);
	ck_assert(ratelimit_take(&t, 100, 100, 1, NOW).allowed);
}
END_TEST

#ifdef STRATA_TEST_HOOKS
/* A bucket whose lock stays held (its holder preempted for good, or
 * dead): its tenant is refused after the wait, never let through
 * unmetered; another tenant is not held up; once the master has released
 * the dead holder's locks the tenant is metered again. */
START_TEST(held_lock_refuses_until_released)
{
	struct uuid t = tenant_n(21), other = tenant_n(22);
	struct ratelimit_result r;
	long long t0;

	ck_assert_int_eq(ratelimit_test_hold(&t, 999998), 0);
	t0 = clock_mono_us();
	r = ratelimit_take(&t, 100, 100, 0, NOW);
	ck_assert(!r.allowed);
	ck_assert_int_ge(clock_mono_us() - t0, 90000); /* it waited first */
	ck_assert_int_eq(r.retry_after, 1);
	ck_assert_int_eq(r.remaining, 0);
	ck_assert(!r.concurrency);
	ratelimit_done();
	r = ratelimit_take_anonymous(&t, "192.0.2.7", 100, 100, 4, NOW);
	ck_assert(!r.allowed);
	ck_assert_int_eq(r.retry_after, 1);
	ratelimit_done();
	ck_assert(ratelimit_take(&other, 100, 100, 0, NOW).allowed);
	ratelimit_done();
	ratelimit_worker_died(7, 999998);
	r = ratelimit_take(&t, 100, 100, 0, NOW);
	ck_assert(r.allowed);
	ck_assert_int_eq(r.remaining, 99);
	ratelimit_done();
}
END_TEST
#endif

START_TEST(unlimited_without_rate)
{
	struct uuid t = tenant_n(19);

	ck_assert_int_eq(take_n(&t, 50, 0, 1), 50);
	ck_assert_int_eq(anon_n(&t, "192.0.2.1", 50, 0, 1), 50);
}
END_TEST

/* More processes than cores drawing on one tenant's bucket: a holder of
 * its lock loses its core now and then, and its waiters must wait for it,
 * not refuse.  The bucket never runs dry here, so any refusal is the
 * lock's. */
#define CONTENDERS 16
#define TAKES 20000

START_TEST(contended_lock_never_refuses)
{
	struct uuid t = tenant_n(20);
	pid_t pids[CONTENDERS];
	int refused = 0;

	for (int c = 0; c < CONTENDERS; c++) {
		pids[c] = fork();
		ck_assert_int_ge(pids[c], 0);
		if (pids[c] == 0) {
			int n = 0;

			ratelimit_set_worker(c + 1);
			for (int i = 0; i < TAKES; i++) {
				n += !ratelimit_take(&t, 1000000000, 1000000000,
				                     0, NOW + i)
				          .allowed;
				ratelimit_done();
			}
			_exit(n > 255 ? 255 : n);
		}
	}
	for (int c = 0; c < CONTENDERS; c++) {
		int st;

		ck_assert_int_eq(waitpid(pids[c], &st, 0), pids[c]);
		ck_assert(WIFEXITED(st));
		refused += WEXITSTATUS(st);
	}
	ck_assert_int_eq(refused, 0);
}
END_TEST

static Suite *
ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *take = tcase_create("ratelimit_take");
	TCase *anon = tcase_create("ratelimit_take_anonymous");
	TCase *died = tcase_create("ratelimit_worker_died");

	tcase_set_timeout(take, 120);
	tcase_add_checked_fixture(take, setup, NULL);
	tcase_add_checked_fixture(anon, setup, NULL);
	tcase_add_checked_fixture(died, setup, NULL);
	tcase_add_test(take, every_tenant_metered);
	tcase_add_test(take, every_tenant_metered_interleaved);
	tcase_add_test(take, lru_keeps_the_hot_tenant);
	tcase_add_test(take, full_table_still_meters);
	tcase_add_test(take, in_flight_survives_eviction);
	tcase_add_test(take, refills_at_rate);
	tcase_add_test(take, unlimited_without_rate);
	tcase_add_test(take, contended_lock_never_refuses);
	tcase_add_test(anon, anonymous_share_per_address);
	tcase_add_test(anon, anonymous_at_least_one_token);
	tcase_add_test(anon, anonymous_ipv6_by_64);
	tcase_add_test(anon, anonymous_unknown_address_shares_one);
	tcase_add_test(anon, anonymous_tenants_apart);
	tcase_add_test(anon, anonymous_in_flight_cap);
	tcase_add_test(died, worker_death_frees_its_place);
#ifdef STRATA_TEST_HOOKS
	tcase_add_test(died, held_lock_refuses_until_released);
#endif
	suite_add_tcase(s, take);
	suite_add_tcase(s, anon);
	suite_add_tcase(s, died);
	return s;
}

CHECK_MAIN(ratelimit_suite)
