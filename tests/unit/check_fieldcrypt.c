/* check_fieldcrypt.c - sealed personal-data values and blind indexes:
 * round trip, every bound part of the associated data, key ids, damaged
 * strings, normalisation. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "sec/fieldcrypt.h"

static struct arena *a;
static const unsigned char key[CRYPTO_KEY_LEN] = {7, 1, 2, 3, 4, 5, 6, 7};
static struct uuid tenant, other_tenant, record, other_record, kid;
static struct field_aad ad;

static void
setup(void)
{
	a = arena_new(4096, 1 << 20);
	uuid_parse("01a21c0f-4da7-7f3b-a7a8-db1b9a48011a", &tenant);
	uuid_parse("01a21c0f-4da7-7f3b-a7a8-db1b9a48011b", &other_tenant);
	uuid_parse("01a21c10-0000-7000-8000-000000000001", &record);
	uuid_parse("01a21c10-0000-7000-8000-000000000002", &other_record);
	uuid_parse("01a21c11-1111-7111-8111-111111111111", &kid);
	ad = (struct field_aad){&tenant, "patients", &record, "email"};
}

static void
teardown(void)
{
	arena_free(a);
}

static const char *
seal(const char *json)
{
	const char *s = fieldcrypt_seal(a, key, &kid, &ad, json);

	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(round_trip)
{
	const char *s = seal("\"jane@example.com\"");
	const char *back = fieldcrypt_open(a, key, &ad, s);

	ck_assert(fieldcrypt_is_sealed(s));
	ck_assert_ptr_null(strstr(s, "jane"));
	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq(back, "\"jane@example.com\"");
	/* Empty and non-string JSON values too. */
	ck_assert_str_eq(fieldcrypt_open(a, key, &ad, seal("\"\"")), "\"\"");
	ck_assert_str_eq(fieldcrypt_open(a, key, &ad, seal("42")), "42");
	ck_assert_str_eq(fieldcrypt_open(a, key, &ad, seal("{\"a\":[1]}")),
	                 "{\"a\":[1]}");
}
END_TEST

START_TEST(fresh_nonce_per_value)
{
	ck_assert_str_ne(seal("\"x\""), seal("\"x\""));
}
END_TEST

START_TEST(self_describing_key_id)
{
	const char *s = seal("\"x\"");
	struct uuid got;
	char want[UUID_STR_LEN + 1];

	uuid_format(&kid, want);
	ck_assert(strncmp(s, "enc:v1:", 7) == 0);
	ck_assert(strncmp(s + 7, want, UUID_STR_LEN) == 0);
	ck_assert_int_eq(fieldcrypt_kid(s, &got), 0);
	ck_assert(memcmp(got.b, kid.b, 16) == 0);
	ck_assert_int_eq(fieldcrypt_kid("plain text", &got), -1);
	ck_assert_int_eq(fieldcrypt_kid("enc:v1:short", &got), -1);
	ck_assert_int_eq(fieldcrypt_kid("enc:v1:not-a-uuid-at-all-not-a-uuid-at"
	                                ":AAAA",
	                                &got),
	                 -1);
	ck_assert(!fieldcrypt_is_sealed(NULL));
	ck_assert(!fieldcrypt_is_sealed("enc:v2:x"));
}
END_TEST

/* Each part of the associated data is bound: another tenant, collection,
 * record or field fails to open. */
START_TEST(aad_each_part)
{
	const char *s = seal("\"jane@example.com\"");
	struct field_aad t = ad, c = ad, r = ad, f = ad;

	t.tenant = &other_tenant;
	c.collection = "patient";
	r.record = &other_record;
	f.field = "phone";
	ck_assert_ptr_null(fieldcrypt_open(a, key, &t, s));
	ck_assert_ptr_null(fieldcrypt_open(a, key, &c, s));
	ck_assert_ptr_null(fieldcrypt_open(a, key, &r, s));
	ck_assert_ptr_null(fieldcrypt_open(a, key, &f, s));
	ck_assert_ptr_nonnull(fieldcrypt_open(a, key, &ad, s));
}
END_TEST

/* Collection and field are separated: ("ab", "c") is not ("a", "bc"). */
START_TEST(aad_boundaries)
{
	struct field_aad x = {&tenant, "ab", &record, "c"};
	struct field_aad y = {&tenant, "a", &record, "bc"};
	const char *s = fieldcrypt_seal(a, key, &kid, &x, "1");

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(fieldcrypt_open(a, key, &y, s));
}
END_TEST

START_TEST(wrong_key)
{
	unsigned char other[CRYPTO_KEY_LEN] = {7, 1, 2, 3, 4, 5, 6, 8};

	ck_assert_ptr_null(fieldcrypt_open(a, other, &ad, seal("\"x\"")));
}
END_TEST

/* The key id is part of the string, not of the associated data; but a
 * value whose id was swapped still needs the right key to open, and the
 * server picks the key by the id. */
START_TEST(wrong_key_id_is_other_key)
{
	char *s = arena_strdup(a, seal("\"x\""));
	struct uuid got;

	s[7 + 3] = s[7 + 3] == '0' ? '1' : '0';
	ck_assert_int_eq(fieldcrypt_kid(s, &got), 0);
	ck_assert(memcmp(got.b, kid.b, 16) != 0);
}
END_TEST

START_TEST(truncated)
{
	const char *s = seal("\"jane@example.com\"");
	size_t n = strlen(s);

	for (size_t cut = 1; cut < n; cut++) {
		char *t = arena_strdup(a, s);

		t[n - cut] = '\0';
		ck_assert_ptr_null(fieldcrypt_open(a, key, &ad, t));
	}
}
END_TEST

START_TEST(tampered_each_char)
{
	const char *s = seal("\"jane@example.com\"");
	size_t n = strlen(s);
	size_t start = 7 + UUID_STR_LEN + 1;

	for (size_t i = start; i < n; i++) {
		char *t = arena_strdup(a, s);

		t[i] = t[i] == 'A' ? 'B' : 'A';
		ck_assert_ptr_null(fieldcrypt_open(a, key, &ad, t));
	}
	ck_assert_ptr_null(fieldcrypt_open(a, key, &ad, "enc:v1:"));
	ck_assert_ptr_null(fieldcrypt_open(a, key, &ad, "\"plain\""));
}
END_TEST

START_TEST(normalize)
{
	ck_assert_str_eq(fieldcrypt_normalize(a, "  Jane@Example.COM\t"),
	                 "jane@example.com");
	ck_assert_str_eq(fieldcrypt_normalize(a, ""), "");
	ck_assert_str_eq(fieldcrypt_normalize(a, "   "), "");
	ck_assert_str_eq(fieldcrypt_normalize(a, "a b"), "a b");
	/* Non-ASCII bytes pass through unchanged. */
	ck_assert_str_eq(fieldcrypt_normalize(a, "\xc3\x89T\xc3\x89"),
	                 "\xc3\x89t\xc3\x89");
}
END_TEST

START_TEST(blind_index)
{
	char h1[65], h2[65], h3[65];
	unsigned char other[CRYPTO_KEY_LEN] = {9};

	ck_assert_int_eq(
	    fieldcrypt_blind(key, fieldcrypt_normalize(a, " JANE@x.org"), h1),
	    0);
	fieldcrypt_blind(key, fieldcrypt_normalize(a, "jane@X.ORG "), h2);
	fieldcrypt_blind(other, "jane@x.org", h3);
	ck_assert_int_eq((int)strlen(h1), 64);
	ck_assert_str_eq(h1, h2);
	ck_assert_str_ne(h1, h3);
	fieldcrypt_blind(key, "jane@x.orh", h3);
	ck_assert_str_ne(h1, h3);
}
END_TEST

static Suite *
fieldcrypt_suite(void)
{
	Suite *s = suite_create("fieldcrypt");
	TCase *t = tcase_create("fieldcrypt");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, round_trip);
	tcase_add_test(t, fresh_nonce_per_value);
	tcase_add_test(t, self_describing_key_id);
	tcase_add_test(t, aad_each_part);
	tcase_add_test(t, aad_boundaries);
	tcase_add_test(t, wrong_key);
	tcase_add_test(t, wrong_key_id_is_other_key);
	tcase_add_test(t, truncated);
	tcase_add_test(t, tampered_each_char);
	tcase_add_test(t, normalize);
	tcase_add_test(t, blind_index);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(fieldcrypt_suite)
