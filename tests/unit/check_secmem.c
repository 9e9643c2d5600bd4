/* check_secmem.c - memory for keys: page-aligned, zeroed, marked dontdump
 * (and locked when small) in the process's smaps, named "strata-secret",
 * gone after secmem_free; sizes that cannot be mapped are refused. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check_main.h"
#include "sec/secmem.h"

/* The VmFlags line of the smaps entry that starts at p, and its first
 * (name) line; 0, or -1 when no mapping starts there. */
static int
smaps_of(const void *p, char *head, size_t hlen, char *flags, size_t flen)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512], want[32];
	int in = 0, found = -1;

	ck_assert_ptr_nonnull(f);
	snprintf(want, sizeof(want), "%lx-", (unsigned long)(uintptr_t)p);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, want, strlen(want)) == 0) {
			in = 1;
			snprintf(head, hlen, "%s", line);
			continue;
		}
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(flags, flen, "%s", line);
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

/* smaps writes each flag followed by a space: "VmFlags: rd wr dd ". */
static int
has_flag(const char *flags, const char *flag)
{
	char want[8];

	snprintf(want, sizeof(want), " %s ", flag);
	return strstr(flags, want) != NULL;
}

START_TEST(alloc_is_aligned_zeroed_and_writable)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *p = secmem_alloc(32);

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq((uintptr_t)p % pg, 0);
	for (size_t i = 0; i < pg; i++)
		ck_assert_uint_eq(p[i], 0);
	memset(p, 0xa5, pg); /* the whole rounded page is ours */
	ck_assert_uint_eq(p[pg - 1], 0xa5);
	secmem_free(p, 32);
}
END_TEST

START_TEST(mapping_is_dontdump_locked_and_named)
{
	char head[512] = "", flags[512] = "";
	void *p = secmem_alloc(100);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(smaps_of(p, head, sizeof(head), flags, sizeof(flags)),
	                 0);
	ck_assert_msg(has_flag(flags, "dd"), "no dd in %s", flags);
#ifndef __SANITIZE_ADDRESS__
	/* Locked unless RLIMIT_MEMLOCK forbids even one page.  (ASan turns
	 * mlock into a no-op, so the sanitizer build cannot see it.) */
	ck_assert_msg(has_flag(flags, "lo"), "not locked: %s", flags);
#endif
	ck_assert_msg(strstr(head, "memfd:" SECMEM_NAME) != NULL, "%s", head);
	secmem_free(p, 100);
}
END_TEST

START_TEST(large_mapping_is_dontdump_not_locked)
{
	char head[512] = "", flags[512] = "";
	size_t n = 4 * SECMEM_LOCK_MAX;
	void *p = secmem_alloc(n);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(smaps_of(p, head, sizeof(head), flags, sizeof(flags)),
	                 0);
	ck_assert_msg(has_flag(flags, "dd"), "no dd in %s", flags);
	ck_assert_msg(!has_flag(flags, "lo"), "locked: %s", flags);
	secmem_free(p, n);
}
END_TEST

START_TEST(free_unmaps)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char vec[1];
	void *p = secmem_alloc(pg);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(mincore(p, pg, vec), 0);
	secmem_free(p, pg);
	/* No longer mapped: mincore fails with ENOMEM. */
	ck_assert_int_eq(mincore(p, pg, vec), -1);
	ck_assert_int_eq(errno, ENOMEM);
	secmem_free(NULL, 32); /* a no-op */
}
END_TEST

START_TEST(forked_child_sees_the_parent_copy_and_wipes_its_own)
{
	unsigned char *p = secmem_alloc(32);
	int fds[2];
	unsigned char got = 0;
	pid_t pid;

	ck_assert_ptr_nonnull(p);
	memset(p, 0x5a, 32);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		unsigned char c = p[31];

		/* Wiping in the child must not touch the parent's keys. */
		memset(p, 0, 32);
		if (write(fds[1], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(read(fds[0], &got, 1), 1);
	ck_assert_uint_eq(got, 0x5a);
	ck_assert_uint_eq(p[0], 0x5a);
	close(fds[0]);
	close(fds[1]);
	secmem_free(p, 32);
}
END_TEST

START_TEST(impossible_sizes_are_refused)
{
	ck_assert_ptr_null(secmem_alloc(0));
	ck_assert_ptr_null(secmem_alloc(SIZE_MAX));
	ck_assert_ptr_null(secmem_alloc(SIZE_MAX - 4096));
	ck_assert_ptr_null(secmem_alloc((size_t)PTRDIFF_MAX + 1));
}
END_TEST

static Suite *
secmem_suite(void)
{
	Suite *s = suite_create("secmem");
	TCase *tc = tcase_create("secmem_alloc");

	tcase_add_test(tc, alloc_is_aligned_zeroed_and_writable);
	tcase_add_test(tc, mapping_is_dontdump_locked_and_named);
	tcase_add_test(tc, large_mapping_is_dontdump_not_locked);
	tcase_add_test(tc, forked_child_sees_the_parent_copy_and_wipes_its_own);
	tcase_add_test(tc, impossible_sizes_are_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("secmem_free");
	tcase_add_test(tc, free_unmaps);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(secmem_suite)
