/* check_log.c - the buffered access log: order, flushing, nothing lost. */
#include <check.h>
#include <fcntl.h>
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
 * exactly what each write held. */
static int sp[2];

static void
setup(void)
{
	int big = 8 * 1024 * 1024;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sp[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	fcntl(sp[1], F_SETFL, O_NONBLOCK);
	log_set_fd(sp[0]);
	log_set_level("info");
}

static void
teardown(void)
{
	log_flush();
	log_set_fd(STDERR_FILENO);
	close(sp[0]);
	close(sp[1]);
}

/* Reads every record written so far into out (cap bytes); returns the
 * number of records, and checks each holds whole lines. */
static int
drain(char *out, size_t cap, size_t *len)
{
	int records = 0;

	*len = 0;
	for (;;) {
		ssize_t n = recv(sp[1], out + *len, cap - *len - 1, 0);

		if (n <= 0)
			break;
		ck_assert_msg(out[*len + (size_t)n - 1] == '\n',
		              "a write ends inside a line");
		ck_assert_msg((size_t)n <= PIPE_BUF ||
		                  memchr(out + *len, '\n', (size_t)n - 1) == NULL,
		              "a write of several lines exceeds PIPE_BUF");
		*len += (size_t)n;
		records++;
	}
	out[*len] = '\0';
	return records;
}

/* The values of "n": in the lines of s, in order, into v. */
static int
numbers(const char *s, long *v, int max)
{
	int k = 0;

	while ((s = strstr(s, "\"n\":")) != NULL && k < max) {
		v[k++] = strtol(s + 4, NULL, 10);
		s += 4;
	}
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
	static char out[1 << 16];
	size_t len;

	line(1, 10);
	line(2, 10);
	ck_assert_int_eq(drain(out, sizeof(out), &len), 0);
	ck_assert_uint_gt(log_pending(), 0);
	log_flush();
	ck_assert_uint_eq(log_pending(), 0);
	ck_assert_int_eq(drain(out, sizeof(out), &len), 1);
	ck_assert_ptr_nonnull(strstr(out, "\"n\":1,"));
	ck_assert(strstr(out, "\"n\":1,") < strstr(out, "\"n\":2,"));
}
END_TEST

START_TEST(flush_with_nothing_writes_nothing)
{
	static char out[256];
	size_t len;

	log_flush();
	ck_assert_int_eq(drain(out, sizeof(out), &len), 0);
}
END_TEST

/* Far more than the buffer holds, in lines of assorted sizes: every line
 * comes out once, in order, in writes of whole lines. */
START_TEST(full_buffer_loses_nothing)
{
	static char out[4 * 1024 * 1024];
	static long v[20000];
	size_t len, total = 0;
	int n, lines = 5000;

	for (int i = 0; i < lines; i++) {
		line(i, (size_t)(i * 37 % 700));
		if (i % 50 == 49) {
			drain(out + total, sizeof(out) - total, &len);
			total += len;
		}
	}
	log_flush();
	drain(out + total, sizeof(out) - total, &len);
	total += len;
	n = numbers(out, v, 20000);
	ck_assert_int_eq(n, lines);
	for (int i = 0; i < lines; i++)
		ck_assert_int_eq(v[i], i);
}
END_TEST

/* A line longer than the buffer is written at once, after the lines
 * buffered before it. */
START_TEST(line_longer_than_buffer)
{
	static char out[1 << 20];
	static long v[8];
	size_t len;

	line(1, 10);
	line(2, 7000); /* format_line caps a line at 8 KiB */
	line(3, 10);
	log_flush();
	drain(out, sizeof(out), &len);
	ck_assert_int_eq(numbers(out, v, 8), 3);
	ck_assert_int_eq(v[0], 1);
	ck_assert_int_eq(v[1], 2);
	ck_assert_int_eq(v[2], 3);
}
END_TEST

/* An unbuffered line (a warning) writes what was buffered first. */
START_TEST(unbuffered_line_keeps_order)
{
	static char out[1 << 16];
	size_t len;

	line(1, 10);
	log_warn("after one");
	line(2, 10);
	log_flush();
	drain(out, sizeof(out), &len);
	ck_assert_ptr_nonnull(strstr(out, "after one"));
	ck_assert(strstr(out, "\"n\":1,") < strstr(out, "after one"));
	ck_assert(strstr(out, "after one") < strstr(out, "\"n\":2,"));
}
END_TEST

START_TEST(below_level_not_buffered)
{
	log_set_level("warn");
	line(1, 10);
	ck_assert_uint_eq(log_pending(), 0);
}
END_TEST

/* A worker that crashes still writes what it buffered (fatal handler). */
START_TEST(crash_writes_buffer)
{
	static char out[1 << 16];
	size_t len;
	pid_t pid = fork();

	if (pid == 0) {
		log_flush_on_crash();
		line(42, 10);
		abort();
	}
	ck_assert_int_gt(pid, 0);
	{
		int st;

		ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	}
	drain(out, sizeof(out), &len);
	ck_assert_ptr_nonnull(strstr(out, "\"n\":42,"));
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
	/* 5,000 lines under ASan on a loaded 2-core machine: not a timing test. */
	tcase_set_timeout(buffered, 60);
	tcase_add_test(flush, kept_until_flushed);
	tcase_add_test(flush, flush_with_nothing_writes_nothing);
	tcase_add_test(buffered, full_buffer_loses_nothing);
	tcase_add_test(buffered, line_longer_than_buffer);
	tcase_add_test(buffered, unbuffered_line_keeps_order);
	tcase_add_test(buffered, below_level_not_buffered);
	tcase_add_test(crash, crash_writes_buffer);
	suite_add_tcase(s, buffered);
	suite_add_tcase(s, flush);
	suite_add_tcase(s, crash);
	return s;
}

CHECK_MAIN(log_suite)
