/* check_transport.c - transport key pairs, sealed boxes and sealed
 * keyrings: round trips, and every way a box or keyring must not open
 * (another key or context, a changed byte, a cut file, malformed JSON). */
#include <check.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/hex.h"
#include "core/json.h"
#include "core/request.h"
#include "data/db.h"
#include "ops/keyring_transfer.h"
#include "ops/tenant_import.h"
#include "sec/masterkey.h"
#include "sec/transport.h"

static char dir[] = "/tmp/strata-tk-XXXXXX";
static struct transport_key *k1, *k2;

static const char *
path_of(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void
setup(void)
{
	if (k1 != NULL)
		return;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	k1 = transport_load_or_create(path_of("one.pem"));
	k2 = transport_load_or_create(path_of("two.pem"));
	ck_assert_ptr_nonnull(k1);
	ck_assert_ptr_nonnull(k2);
}

START_TEST(pair_file_rules)
{
	struct stat st;
	struct transport_key *again;
	char *a, *b;

	ck_assert_int_eq(stat(path_of("one.pem"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* Loaded again, the same key. */
	again = transport_load_or_create(path_of("one.pem"));
	ck_assert_ptr_nonnull(again);
	a = transport_public_pem(k1);
	b = transport_public_pem(again);
	ck_assert_str_eq(a, b);
	free(b);
	transport_free(again);
	/* Readable by others: refused. */
	chmod(path_of("one.pem"), 0644);
	ck_assert_ptr_null(transport_load_or_create(path_of("one.pem")));
	chmod(path_of("one.pem"), 0600);
	/* A directory, or a file that holds no key. */
	ck_assert_ptr_null(transport_load_or_create(dir));
	{
		FILE *f = fopen(path_of("junk.pem"), "w");

		fputs("-----BEGIN PRIVATE KEY-----\nAAAA\n", f);
		fclose(f);
		chmod(path_of("junk.pem"), 0600);
	}
	ck_assert_ptr_null(transport_load_or_create(path_of("junk.pem")));
	free(a);
}
END_TEST

START_TEST(public_pem_rules)
{
	char *pem = transport_public_pem(k1);
	struct transport_key *pub;
	EVP_PKEY *small;
	BIO *b;
	char *data;
	long n;

	pub = transport_from_public_pem(pem, strlen(pem));
	ck_assert_ptr_nonnull(pub);
	transport_free(pub);
	ck_assert_ptr_null(transport_from_public_pem(pem, 10));
	ck_assert_ptr_null(transport_from_public_pem("", 0));
	ck_assert_ptr_null(transport_from_public_pem("hello", 5));
	/* RSA below 2048 bits, and a key of another type: refused. */
	small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PUBKEY(b, small);
	n = BIO_get_mem_data(b, &data);
	ck_assert_ptr_null(transport_from_public_pem(data, (size_t)n));
	BIO_free(b);
	EVP_PKEY_free(small);
	small = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PUBKEY(b, small);
	n = BIO_get_mem_data(b, &data);
	ck_assert_ptr_null(transport_from_public_pem(data, (size_t)n));
	BIO_free(b);
	EVP_PKEY_free(small);
	free(pem);
}
END_TEST

START_TEST(box_round_trip_and_failures)
{
	static const char msg[] = "the tenant's keys";
	unsigned char *box, *out;
	size_t len, n;
	char *pem = transport_public_pem(k1);
	struct transport_key *pub = transport_from_public_pem(pem, strlen(pem));

	ck_assert_int_eq(
	    transport_seal(pub, "ctx", 3, msg, sizeof(msg), &box, &len), 0);
	ck_assert_int_eq(transport_open(k1, "ctx", 3, box, len, &out, &n), 0);
	ck_assert_uint_eq(n, sizeof(msg));
	ck_assert_str_eq((char *)out, msg);
	free(out);
	/* Another key pair, another context, a public key alone. */
	ck_assert_int_eq(transport_open(k2, "ctx", 3, box, len, &out, &n), -1);
	ck_assert_int_eq(transport_open(k1, "ctX", 3, box, len, &out, &n), -1);
	ck_assert_int_eq(transport_open(k1, "ct", 2, box, len, &out, &n), -1);
	ck_assert_int_eq(transport_open(pub, "ctx", 3, box, len, &out, &n), -1);
	/* Every byte changed in turn: magic, length, ek, nonce, text, tag. */
	for (size_t i = 0; i < len; i++) {
		box[i] ^= 0x01;
		ck_assert_int_eq(
		    transport_open(k1, "ctx", 3, box, len, &out, &n), -1);
		box[i] ^= 0x01;
	}
	/* Every truncation, and one byte too many. */
	for (size_t i = 0; i < len; i++)
		ck_assert_int_eq(transport_open(k1, "ctx", 3, box, i, &out, &n),
		                 -1);
	{
		unsigned char *longer = malloc(len + 1);

		memcpy(longer, box, len);
		longer[len] = 0;
		ck_assert_int_eq(
		    transport_open(k1, "ctx", 3, longer, len + 1, &out, &n),
		    -1);
		free(longer);
	}
	ck_assert_ptr_null(out);
	/* Two seals of one text differ (fresh content key and nonce). */
	{
		unsigned char *box2;
		size_t len2;

		transport_seal(pub, "ctx", 3, msg, sizeof(msg), &box2, &len2);
		ck_assert_uint_eq(len, len2);
		ck_assert(memcmp(box, box2, len) != 0);
		free(box2);
	}
	free(box);
	free(pem);
	transport_free(pub);
}
END_TEST

static struct uuid tenant = {{7, 1}}, other = {{7, 2}};

/* Three keys of tenant, wrapped under master key mk. */
static void
make_rows(struct arena *a, struct tenant_copy_keys *rows,
          unsigned char keys[3][32])
{
	static const char *const purposes[3] = {"signing", "data", "index"};
	unsigned char w[MASTERKEY_WRAPPED_LEN];

	rows->n = 3;
	rows->rows = arena_calloc(a, 3, sizeof(*rows->rows));
	for (int i = 0; i < 3; i++) {
		struct tenant_copy_key *r = &rows->rows[i];
		char *hex = arena_alloc(a, 2 * sizeof(w) + 3);

		memset(keys[i], 0x30 + i, 32);
		r->id.b[0] = (unsigned char)(i + 1);
		r->purpose = purposes[i];
		masterkey_wrap(&tenant, r->purpose, &r->id, keys[i], w);
		hex[0] = '\\';
		hex[1] = 'x';
		hex_encode(w, sizeof(w), hex + 2);
		r->wrapped = hex;
		r->created_at = "2026-12-01 10:00:00+00";
		r->retired_at = i == 0 ? "2026-12-01 11:00:00+00" : NULL;
	}
}

START_TEST(keyring_round_trip_and_failures)
{
	struct arena *a = arena_new(64 * 1024, 64UL * 1024 * 1024);
	unsigned char mk[32] = {9}, keys[3][32];
	struct tenant_copy_keys rows;
	struct keyring_transfer t;
	const char *sealed, *why = NULL;
	char *bad;
	size_t len;

	json_use_arena(a);
	masterkey_set(mk);
	make_rows(a, &rows, keys);
	sealed = keyring_transfer_seal(a, &tenant, &rows, "abc", k1, &why);
	ck_assert_ptr_nonnull(sealed);
	len = strlen(sealed);
	ck_assert_int_eq(keyring_transfer_open(a, sealed, len, k1, &t, &why),
	                 0);
	ck_assert_int_eq(t.n, 3);
	ck_assert_str_eq(t.digest, "abc");
	ck_assert(uuid_equal(&t.tenant, &tenant));
	for (int i = 0; i < 3; i++) {
		ck_assert(memcmp(t.keys[i].key, keys[i], 32) == 0);
		ck_assert(memcmp(keyring_transfer_find(&t, rows.rows[i].purpose,
		                                       &rows.rows[i].id),
		                 keys[i], 32) == 0);
	}
	ck_assert_ptr_nonnull(t.keys[0].meta.retired_at);
	ck_assert_ptr_null(t.keys[1].meta.retired_at);
	ck_assert_ptr_null(keyring_transfer_find(&t, "data", &rows.rows[0].id));
	keyring_transfer_wipe(&t);
	/* The other region's key does not open it. */
	ck_assert_int_eq(keyring_transfer_open(a, sealed, len, k2, &t, &why),
	                 -1);
	/* Cut short anywhere: refused. */
	for (size_t i = 0; i < len; i += 7)
		ck_assert_int_eq(
		    keyring_transfer_open(a, sealed, i, k1, &t, &why), -1);
	/* A changed character of the box. */
	bad = arena_strdup(a, sealed);
	{
		char *box = strstr(bad, "\"box\":\"") + 7 + 100;

		*box = *box == 'A' ? 'B' : 'A';
	}
	ck_assert_int_eq(keyring_transfer_open(a, bad, len, k1, &t, &why), -1);
	/* Another tenant named outside the box: its context differs. */
	bad = arena_strdup(a, sealed);
	{
		char *tid = strstr(bad, "\"tenant\":\"") + 10;

		tid[1] = tid[1] == '1' ? '2' : '1';
	}
	ck_assert_int_eq(keyring_transfer_open(a, bad, len, k1, &t, &why), -1);
	/* Not JSON, another format, no box. */
	ck_assert_int_eq(keyring_transfer_open(a, "{", 1, k1, &t, &why), -1);
	ck_assert_int_eq(keyring_transfer_open(a, "[]", 2, k1, &t, &why), -1);
	{
		static const char other_fmt[] =
		    "{\"format\":\"other\",\"version\":1}";

		ck_assert_int_eq(keyring_transfer_open(a, other_fmt,
		                                       strlen(other_fmt), k1,
		                                       &t, &why),
		                 -1);
	}
	bad = arena_strdup(
	    a, "{\"format\":\"strata-sealed-keyring\",\"version\":1,"
	       "\"tenant\":\"07010000-0000-0000-0000-000000000000\","
	       "\"box\":\"!!\"}");
	ck_assert_int_eq(
	    keyring_transfer_open(a, bad, strlen(bad), k1, &t, &why), -1);
	/* A digest that is not hex is not bound. */
	ck_assert_ptr_null(
	    keyring_transfer_seal(a, &tenant, &rows, "not hex", k1, &why));
	ck_assert_ptr_null(
	    keyring_transfer_seal(a, &tenant, &rows, "\xff", k1, &why));
	/* Keys that do not unwrap under this master key: nothing sealed. */
	ck_assert_ptr_null(
	    keyring_transfer_seal(a, &other, &rows, NULL, k1, &why));
	mk[0] = 10;
	masterkey_set(mk);
	ck_assert_ptr_null(
	    keyring_transfer_seal(a, &tenant, &rows, NULL, k1, &why));
	arena_free(a);
}
END_TEST

/* An import of text on a request whose database is never reached: each
 * refusal below comes before any statement. */
static int
import_text(struct arena *a, const char *text, const char *slug,
            const struct transport_key *priv, struct tenant_import_result *r)
{
	static struct db db;
	struct request req;
	struct tenant_import_options o = {.slug = slug,
	                                  .actor_type = "system",
	                                  .actor_id = "test",
	                                  .request_id = "",
	                                  .client_addr = ""};

	memset(&req, 0, sizeof(req));
	db_init(&db, "");
	req.arena = a;
	req.db = &db;
	return tenant_import_run(&req, text, strlen(text), priv, &o, r);
}

START_TEST(import_refusals)
{
	struct arena *a = arena_new(64 * 1024, 64UL * 1024 * 1024);
	unsigned char mk[32] = {9}, keys[3][32];
	struct tenant_copy_keys rows;
	struct tenant_import_result r;
	const char *why, *sealed, *other_sealed, *doc;
	size_t len;

	json_use_arena(a);
	masterkey_set(mk);
	make_rows(a, &rows, keys);
	sealed = keyring_transfer_seal(a, &tenant, &rows, "d", k1, &why);
	other_sealed = keyring_transfer_seal(a, &tenant, &rows, "d", k2, &why);
	ck_assert_ptr_nonnull(sealed);
#define DOC(tid, kr)                                                           \
	arena_printf(a,                                                        \
	             "{\"format\":\"strata-tenant-export\",\"version\":1,"     \
	             "\"faithful\":true,\"tenant\":{\"id\":\"%s\",\"slug\":"   \
	             "\"acme\",\"name\":\"Acme\",\"plan\":\"free\"},"          \
	             "\"keyring\":%s,\"tables\":{}}",                          \
	             tid, kr)
	doc = DOC("07010000-0000-0000-0000-000000000000", sealed);
	/* Without the region's transport key nothing is read. */
	ck_assert_int_eq(import_text(a, doc, "acme-2", NULL, &r),
	                 TENANT_IMPORT_FAILED);
	/* Not JSON, not an object, not an export. */
	ck_assert_int_eq(import_text(a, "{\"format\":", NULL, k1, &r),
	                 TENANT_IMPORT_MALFORMED);
	ck_assert_int_eq(import_text(a, "[1,2]", NULL, k1, &r),
	                 TENANT_IMPORT_MALFORMED);
	ck_assert_int_eq(import_text(a, "{\"format\":\"other\"}", NULL, k1, &r),
	                 TENANT_IMPORT_MALFORMED);
	ck_assert_int_eq(
	    import_text(
	        a, "{\"format\":\"strata-tenant-export\",\"faithful\":true}",
	        NULL, k1, &r),
	    TENANT_IMPORT_MALFORMED);
	ck_assert_str_eq(r.field, "format");
	/* A tenant without its id, a document without its keyring. */
	ck_assert_int_eq(
	    import_text(a, DOC("not-a-uuid", sealed), NULL, k1, &r),
	    TENANT_IMPORT_MALFORMED);
	ck_assert_int_eq(
	    import_text(a, DOC("07010000-0000-0000-0000-000000000000", "null"),
	                NULL, k1, &r),
	    TENANT_IMPORT_MALFORMED);
	ck_assert_str_eq(r.field, "keyring");
	/* Sealed for another region; another tenant's keyring. */
	ck_assert_int_eq(import_text(a,
	                             DOC("07010000-0000-0000-0000-000000000000",
	                                 other_sealed),
	                             NULL, k1, &r),
	                 TENANT_IMPORT_INVALID);
	ck_assert_str_eq(r.field, "keyring");
	ck_assert_int_eq(
	    import_text(a, DOC("07020000-0000-0000-0000-000000000000", sealed),
	                NULL, k1, &r),
	    TENANT_IMPORT_INVALID);
	/* A slug that cannot be: refused before anything is written. */
	ck_assert_int_eq(import_text(a, doc, "No Such Slug", k1, &r),
	                 TENANT_IMPORT_INVALID);
	ck_assert_str_eq(r.field, "slug");
	/* Cut anywhere: never accepted. */
	len = strlen(doc);
	for (size_t i = 0; i < len; i += 11) {
		char *cut = arena_strndup(a, doc, i);

		ck_assert_int_eq(import_text(a, cut, "acme-2", k1, &r),
		                 TENANT_IMPORT_MALFORMED);
	}
	/* A plain export without its arrays. */
	ck_assert_int_eq(
	    import_text(a,
	                "{\"tenant\":{\"id\":\"07010000-0000-0000-0000-"
	                "000000000000\",\"slug\":\"acme\",\"name\":\"A\"},"
	                "\"records\":[]}",
	                "acme-2", k1, &r),
	    TENANT_IMPORT_MALFORMED);
	ck_assert(r.plain);
#undef DOC
	arena_free(a);
}
END_TEST

static Suite *
transport_suite(void)
{
	Suite *s = suite_create("transport");
	TCase *p = tcase_create("transport_load_or_create");
	TCase *b = tcase_create("transport_seal");
	TCase *k = tcase_create("keyring_transfer");
	TCase *i = tcase_create("tenant_import_run");

	tcase_set_timeout(p, 120);
	tcase_set_timeout(b, 120);
	tcase_set_timeout(k, 120);
	tcase_add_unchecked_fixture(p, setup, NULL);
	tcase_add_unchecked_fixture(b, setup, NULL);
	tcase_add_unchecked_fixture(k, setup, NULL);
	tcase_add_test(p, pair_file_rules);
	tcase_add_test(p, public_pem_rules);
	tcase_add_test(b, box_round_trip_and_failures);
	tcase_add_test(k, keyring_round_trip_and_failures);
	tcase_set_timeout(i, 120);
	tcase_add_unchecked_fixture(i, setup, NULL);
	tcase_add_test(i, import_refusals);
	suite_add_tcase(s, i);
	suite_add_tcase(s, p);
	suite_add_tcase(s, b);
	suite_add_tcase(s, k);
	return s;
}

CHECK_MAIN(transport_suite)
