/* check_subjects.c - subject keys wrapped under a tenant data key: a new
 * key and a re-wrapped one open again; without a current data key, under
 * another tenant, after the wrapping key is gone, or with a changed byte,
 * they do not. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "data/keyring.h"
#include "data/subjects.h"

static struct keyring_key keys[2];
static struct keyring ring;
static struct uuid tenant, other;

/* Two data keys, the second current. */
static void
setup(void)
{
	memset(keys, 0, sizeof(keys));
	memset(&ring, 0, sizeof(ring));
	for (int i = 0; i < 2; i++) {
		keys[i].id.b[15] = (unsigned char)(i + 1);
		keys[i].purpose = KEY_DATA;
		memset(keys[i].key, 0x30 + i, CRYPTO_KEY_LEN);
	}
	keys[1].current = true;
	ring.n = 2;
	ring.keys = keys;
	ring.current[KEY_SIGNING] = ring.current[KEY_INDEX] = -1;
	ring.current[KEY_DATA] = 1;
	uuid_parse("01a21c0f-4da7-7f3b-a7a8-db1b9a48011a", &tenant);
	uuid_parse("01a21c0f-4da7-7f3b-a7a8-db1b9a48011b", &other);
}

static void
teardown(void)
{
}

START_TEST(new_key_opens)
{
	struct subject_new n;
	unsigned char key[CRYPTO_KEY_LEN];
	struct uuid id;
	char by[UUID_STR_LEN + 1];

	ck_assert_int_eq(subjects_new_key(&ring, &tenant, &n), 0);
	uuid_format(&keys[1].id, by);
	ck_assert_str_eq(n.wrapped_by, by);
	ck_assert_int_eq(subjects_unwrap_key(&ring, &tenant, n.id_str,
	                                     n.wrapped, n.wrapped_by, &id, key),
	                 0);
	ck_assert(uuid_equal(&id, &n.id));
}
END_TEST

START_TEST(rewrapped_key_is_the_same_key)
{
	unsigned char key[CRYPTO_KEY_LEN], back[CRYPTO_KEY_LEN];
	struct subject_new w;
	struct uuid id, got;

	memset(key, 0x5a, sizeof(key));
	uuid_parse("01a21c10-0000-7000-8000-000000000009", &id);
	ck_assert_int_eq(subjects_wrap_key(&ring, &tenant, &id, key, &w), 0);
	ck_assert_str_eq(w.id_str, "01a21c10-0000-7000-8000-000000000009");
	ck_assert_int_eq(subjects_unwrap_key(&ring, &tenant, w.id_str,
	                                     w.wrapped, w.wrapped_by, &got,
	                                     back),
	                 0);
	ck_assert_mem_eq(back, key, sizeof(key));
}
END_TEST

START_TEST(no_current_data_key_refuses)
{
	struct subject_new n;
	unsigned char key[CRYPTO_KEY_LEN] = {1};
	struct uuid id = {{0}};

	ring.current[KEY_DATA] = -1;
	ck_assert_int_eq(subjects_new_key(&ring, &tenant, &n), -1);
	ck_assert_int_eq(subjects_wrap_key(&ring, &tenant, &id, key, &n), -1);
	ck_assert_int_eq(subjects_new_key(NULL, &tenant, &n), -1);
}
END_TEST

START_TEST(wrong_tenant_gone_key_or_changed_byte_refuse)
{
	struct subject_new n;
	unsigned char key[CRYPTO_KEY_LEN];
	struct uuid id;
	struct keyring without = ring;

	ck_assert_int_eq(subjects_new_key(&ring, &tenant, &n), 0);
	ck_assert_int_eq(subjects_unwrap_key(&ring, &other, n.id_str, n.wrapped,
	                                     n.wrapped_by, &id, key),
	                 -1);
	without.n = 1; /* the current key no longer loaded */
	without.current[KEY_DATA] = -1;
	ck_assert_int_eq(subjects_unwrap_key(&without, &tenant, n.id_str,
	                                     n.wrapped, n.wrapped_by, &id, key),
	                 -1);
	n.wrapped[10] = n.wrapped[10] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(subjects_unwrap_key(&ring, &tenant, n.id_str,
	                                     n.wrapped, n.wrapped_by, &id, key),
	                 -1);
	ck_assert_int_eq(subjects_unwrap_key(&ring, &tenant, NULL, n.wrapped,
	                                     n.wrapped_by, &id, key),
	                 -1);
}
END_TEST

static Suite *
subjects_suite(void)
{
	Suite *s = suite_create("subjects");
	TCase *wrap = tcase_create("subjects_wrap_key");

	tcase_add_checked_fixture(wrap, setup, teardown);
	tcase_add_test(wrap, new_key_opens);
	tcase_add_test(wrap, rewrapped_key_is_the_same_key);
	tcase_add_test(wrap, no_current_data_key_refuses);
	tcase_add_test(wrap, wrong_tenant_gone_key_or_changed_byte_refuse);
	suite_add_tcase(s, wrap);
	return s;
}

CHECK_MAIN(subjects_suite)
