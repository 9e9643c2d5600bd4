/* check_masterkey.c - the KEK file rules and key wrapping. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "sec/masterkey.h"

static char dir[] = "/tmp/strata-mk-XXXXXX";

static const char *
write_key(const char *name, size_t n, mode_t mode)
{
	static char path[256];
	unsigned char bytes[64];
	int fd;

	memset(bytes, 7, sizeof(bytes));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, bytes, n), (ssize_t)n);
	close(fd);
	chmod(path, mode);
	return path;
}

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

START_TEST(load_rules)
{
	ck_assert_int_eq(masterkey_load(write_key("ok", 32, 0600)), 0);
	ck_assert_int_eq(masterkey_load(write_key("ro", 32, 0400)), 0);
	ck_assert_int_eq(masterkey_load(write_key("world", 32, 0644)), -1);
	ck_assert_int_eq(masterkey_load(write_key("group", 32, 0640)), -1);
	ck_assert_int_eq(masterkey_load(write_key("short", 31, 0600)), -1);
	ck_assert_int_eq(masterkey_load(write_key("long", 33, 0600)), -1);
	ck_assert_int_eq(masterkey_load(write_key("empty", 0, 0600)), -1);
	ck_assert_int_eq(masterkey_load("/nonexistent/master.key"), -1);
	ck_assert_int_eq(masterkey_load(dir), -1); /* a directory */
}
END_TEST

static struct uuid t1 = {{1}}, t2 = {{2}}, k1 = {{3}}, k2 = {{4}};

START_TEST(wrap_round_trip_and_binding)
{
	unsigned char mk[32] = {42}, key[32], back[32];
	unsigned char w[MASTERKEY_WRAPPED_LEN];

	masterkey_set(mk);
	memset(key, 0xab, sizeof(key));
	ck_assert_int_eq(masterkey_wrap(&t1, "signing", &k1, key, w), 0);
	ck_assert_int_eq(
	    masterkey_unwrap(&t1, "signing", &k1, w, sizeof(w), back), 0);
	ck_assert(memcmp(key, back, 32) == 0);
	/* Another tenant, purpose or key id: no unwrap. */
	ck_assert_int_eq(
	    masterkey_unwrap(&t2, "signing", &k1, w, sizeof(w), back), -1);
	ck_assert_int_eq(masterkey_unwrap(&t1, "data", &k1, w, sizeof(w), back),
	                 -1);
	ck_assert_int_eq(
	    masterkey_unwrap(&t1, "signing", &k2, w, sizeof(w), back), -1);
	/* Tampered or truncated. */
	w[20] ^= 1;
	ck_assert_int_eq(
	    masterkey_unwrap(&t1, "signing", &k1, w, sizeof(w), back), -1);
	w[20] ^= 1;
	ck_assert_int_eq(
	    masterkey_unwrap(&t1, "signing", &k1, w, sizeof(w) - 1, back), -1);
	/* Another master key. */
	mk[0] = 43;
	masterkey_set(mk);
	ck_assert_int_eq(
	    masterkey_unwrap(&t1, "signing", &k1, w, sizeof(w), back), -1);
	/* Wiped: nothing wraps or unwraps. */
	masterkey_wipe();
	ck_assert_int_eq(masterkey_wrap(&t1, "signing", &k1, key, w), -1);
}
END_TEST

START_TEST(derive_is_stable_and_label_bound)
{
	unsigned char mk[32] = {5}, a[32], b[32], c[32];

	masterkey_set(mk);
	masterkey_derive("x", a);
	masterkey_derive("x", b);
	masterkey_derive("y", c);
	ck_assert(memcmp(a, b, 32) == 0);
	ck_assert(memcmp(a, c, 32) != 0);
}
END_TEST

static Suite *
masterkey_suite(void)
{
	Suite *s = suite_create("masterkey");
	TCase *l = tcase_create("masterkey_load");
	TCase *w = tcase_create("masterkey_wrap");

	tcase_add_unchecked_fixture(l, setup, NULL);
	tcase_add_test(l, load_rules);
	tcase_add_test(w, wrap_round_trip_and_binding);
	tcase_add_test(w, derive_is_stable_and_label_bound);
	suite_add_tcase(s, l);
	suite_add_tcase(s, w);
	return s;
}

CHECK_MAIN(masterkey_suite)
