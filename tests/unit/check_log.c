/* check_log.c - the buffered access log: order, flushing, nothing lost. */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "core/log.h"

/* A SOCK_SEQPACKET pair keeps each write(2) as one record, so a test sees
 * exactly what each write held.  A thread reads the records as they come
 * (the receiving queue holds only a few), until the test shuts the
 * writing end (collect). */
static int sp[2];
static char rx[4 * 1024 * 1024];
static size_t rxlen;
static int rx_records, rx_bad;
static pthread_t reader;

static void *
read_records(void *arg)
{
	(void)arg;
	for (;;) {
		ssize_t n = recv(sp[1], rx + rxlen, sizeof(rx) - rxlen - 1, 0);

		if (n <= 0)
			break;
		/* Whole lines only, and several lines at most PIPE_BUF. */
		if (rx[rxlen + (size_t)n - 1] != '\n' ||
		    ((size_t)n > PIPE_BUF &&
		     memchr(rx + rxlen, '\n', (size_t)n - 1) != NULL))
			rx_bad++;
		rxlen += (size_t)n;
		__atomic_add_fetch(&rx_records, 1, __ATOMIC_SEQ_CST);
	}
	rx[rxlen] = '\0';
	return NULL;
}

static void
setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	log_set_fd(sp[0]);
	log_set_level("info");
	ck_assert_int_eq(pthread_create(&reader, NULL, read_records, NULL), 0);
}

/* Ends the writing side and waits for the reader: rx holds everything. */
static void
collect(void)
{
	shutdown(sp[0], SHUT_WR);
	pthread_join(reader, NULL);
	ck_assert_int_eq(rx_bad, 0);
}

static void
teardown(void)
{
	log_set_fd(STDERR_FILENO);
	close(sp[0]);
	close(sp[1]);
}

static int
records_so_far(void)
{
	struct timespec ts = {0, 50 * 1000000L};

	nanosleep(&ts, NULL);
	return __atomic_load_n(&rx_records, __ATOMIC_SEQ_CST);
}

/* The values of "n": in the lines of s, in order, into v.  By hand:
 * ASan's strstr measures the whole haystack at every call. */
static int
numbers(const char *s, long *v, int max)
{
	int k = 0;

	for (; *s != '\0' && k < max; s++)
		if (s[0] == '"' && s[1] == 'n' && s[2] == '"' && s[3] == ':')
			v[k++] = strtol(s + 4, NULL, 10);
	return k;
}

static void
line(long n, size_t pad)
{
	char *f = malloc(pad + 64);

	snprintf(f, pad + 64, ",\"n\":%ld,\"pad\":\"%*s\"", n, (int)pad, "");
	log_fields_buffered(LOG_INFO, f);
	free(f);
}

START_TEST(kept_until_flushed)
{
	line(1, 10);
	line(2, 10);
	ck_assert_int_eq(records_so_far(), 0);
	ck_assert_uint_gt(log_pending(), 0);
	log_flush();
	ck_assert_uint_eq(log_pending(), 0);
	collect();
	ck_assert_int_eq(rx_records, 1);
	ck_assert_ptr_nonnull(strstr(rx, "\"n\":1,"));
	ck_assert(strstr(rx, "\"n\":1,") < strstr(rx, "\"n\":2,"));
}
END_TEST

START_TEST(flush_with_nothing_writes_nothing)
{
	log_flush();
	collect();
	ck_assert_int_eq(rx_records, 0);
}
END_TEST

/* Far more than the buffer holds, in lines of assorted sizes: every line
 * comes out once, in order, in writes of whole lines. */
START_TEST(full_buffer_loses_nothing)
{
	static long v[20000];
	int n, bad, lines = 5000;

	for (int i = 0; i < lines; i++)
		line(i, (size_t)(i * 37 % 700));
	ck_assert_int_gt(records_so_far(), 0); /* the full buffer went out */
	log_flush();
	collect();
	n = numbers(rx, v, 20000);
	ck_assert_int_eq(n, lines);
	/* One assertion: each costs Check a message to its parent. */
	for (bad = 0; bad < lines && v[bad] == bad; bad++)
		;
	ck_assert_int_eq(bad, lines);
}
END_TEST

/* A line longer than PIPE_BUF is written alone, after the lines buffered
 * before it. */
START_TEST(long_line)
{
	static long v[8];

	line(1, 10);
	line(2, 7000); /* lines are capped at 8 KiB */
	line(3, 10);
	log_flush();
	collect();
	ck_assert_int_eq(numbers(rx, v, 8), 3);
	ck_assert_int_eq(v[0], 1);
	ck_assert_int_eq(v[1], 2);
	ck_assert_int_eq(v[2], 3);
	ck_assert_int_eq(rx_records, 3);
}
END_TEST

/* A body past the 8 KiB line is cut, and the line still ends in "}\n",
 * after the time, level and pid. */
START_TEST(overlong_line_is_cut_and_closed)
{
	line(1, 9000);
	log_flush();
	collect();
	ck_assert_int_eq(rx_records, 1);
	ck_assert_uint_le(rxlen, 8192);
	ck_assert_uint_gt(rxlen, 8000);
	ck_assert_int_eq(rx[rxlen - 2], '}');
	ck_assert_int_eq(rx[rxlen - 1], '\n');
	ck_assert_int_eq(strncmp(rx, "{\"time\":\"", 9), 0);
	ck_assert_ptr_nonnull(strstr(rx, "\",\"level\":\"info\",\"pid\":"));
	ck_assert_ptr_nonnull(strstr(rx, ",\"n\":1,"));
}
END_TEST

/* An unbuffered line (a warning) writes what was buffered first. */
START_TEST(unbuffered_line_keeps_order)
{
	line(1, 10);
	log_warn("after one");
	line(2, 10);
	log_flush();
	collect();
	ck_assert_ptr_nonnull(strstr(rx, "after one"));
	ck_assert(strstr(rx, "\"n\":1,") < strstr(rx, "after one"));
	ck_assert(strstr(rx, "after one") < strstr(rx, "\"n\":2,"));
}
END_TEST

START_TEST(below_level_not_buffered)
{
	log_set_level("warn");
	line(1, 10);
	ck_assert_uint_eq(log_pending(), 0);
	collect();
}
END_TEST

/* A worker that crashes still writes what it buffered (fatal handler). */
START_TEST(crash_writes_buffer)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		log_flush_on_crash();
		line(42, 10);
		abort();
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	collect();
	ck_assert_ptr_nonnull(strstr(rx, "\"n\":42,"));
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *buffered = tcase_create("log_fields_buffered");
	TCase *flush = tcase_create("log_flush");
	TCase *crash = tcase_create("log_flush_on_crash");

	tcase_add_checked_fixture(buffered, setup, teardown);
	tcase_add_checked_fixture(flush, setup, teardown);
	tcase_add_checked_fixture(crash, setup, teardown);
	/* 5,000 lines under ASan on a loaded 2-core machine: not a timing test.
	 */
	tcase_set_timeout(buffered, 60);
	tcase_add_test(flush, kept_until_flushed);
	tcase_add_test(flush, flush_with_nothing_writes_nothing);
	tcase_add_test(buffered, full_buffer_loses_nothing);
	tcase_add_test(buffered, long_line);
	tcase_add_test(buffered, overlong_line_is_cut_and_closed);
	tcase_add_test(buffered, unbuffered_line_keeps_order);
	tcase_add_test(buffered, below_level_not_buffered);
	tcase_add_test(crash, crash_writes_buffer);
	suite_add_tcase(s, buffered);
	suite_add_tcase(s, flush);
	suite_add_tcase(s, crash);
	return s;
}

CHECK_MAIN(log_suite)
