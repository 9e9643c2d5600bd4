/* check_collections.c - definitions and record validation. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/json.h"
#include "data/collections.h"

static struct arena *a;
static struct collection c;

static cJSON *
J(const char *s)
{
	const char *why;
	cJSON *j = json_parse(s, strlen(s), 32, &why);

	ck_assert_msg(j != NULL, "bad test JSON: %s", s);
	return j;
}

#define BOOKS                                                                  \
	"{\"fields\":{\"title\":{\"type\":\"string\",\"required\":true,"       \
	"\"max_length\":5,\"indexed\":true},\"pages\":{\"type\":\"integer\"}," \
	"\"price\":{\"type\":\"number\"},\"ok\":{\"type\":\"boolean\"},"       \
	"\"at\":{\"type\":\"datetime\"},\"meta\":{\"type\":\"object\"},"       \
	"\"tags\":{\"type\":\"array\"},\"email\":{\"type\":\"string\","        \
	"\"pii\":true,\"mask\":\"email\"}},\"subject_field\":\"email\"}"

static void
setup(void)
{
	a = arena_new(4096, 1 << 24);
	json_use_arena(a);
	ck_assert_ptr_null(collection_parse(J(BOOKS), &c));
}

static void
teardown(void)
{
	arena_free(a);
}

START_TEST(parses_definition)
{
	int i = collection_field(&c, "email");

	ck_assert_int_eq(c.nfields, 8);
	ck_assert_int_eq(c.fields[0].type, FT_STRING);
	ck_assert(c.fields[0].required && c.fields[0].indexed);
	ck_assert_int_eq(c.fields[0].max_length, 5);
	ck_assert(c.fields[i].pii);
	ck_assert_int_eq(c.fields[i].mask, MASK_EMAIL);
	ck_assert_int_eq(c.subject, i);
	ck_assert(!c.additional);
	ck_assert_int_eq(collection_field(&c, "nope"), -1);
	/* The canonical form parses back to the same thing. */
	{
		struct collection d;

		ck_assert_ptr_null(
		    collection_parse(collection_definition(&c), &d));
		ck_assert_int_eq(d.nfields, c.nfields);
		ck_assert_int_eq(d.subject, c.subject);
	}
}
END_TEST

static const char *const bad_defs[] = {
    "{}",
    "{\"fields\":{}}",
    "{\"fields\":[]}",
    "{\"fields\":{\"a\":{\"type\":\"blob\"}}}",
    "{\"fields\":{\"a\":{}}}",
    "{\"fields\":{\"a\":\"string\"}}",
    "{\"fields\":{\"A\":{\"type\":\"string\"}}}",
    "{\"fields\":{\"a.b\":{\"type\":\"string\"}}}",
    "{\"fields\":{\"a\":{\"type\":\"object\",\"indexed\":true}}}",
    "{\"fields\":{\"a\":{\"type\":\"integer\",\"max_length\":3}}}",
    "{\"fields\":{\"a\":{\"type\":\"string\",\"max_length\":0}}}",
    "{\"fields\":{\"a\":{\"type\":\"string\",\"max_length\":1.5}}}",
    "{\"fields\":{\"a\":{\"type\":\"string\",\"required\":\"yes\"}}}",
    "{\"fields\":{\"a\":{\"type\":\"string\",\"mask\":\"half\"}}}",
    "{\"fields\":{\"a\":{\"type\":\"string\",\"colour\":\"red\"}}}",
    "{\"fields\":{\"a\":{\"type\":\"array\",\"pii\":true}}}",
    "{\"fields\":{\"a\":{\"type\":\"string\"}},\"subject_field\":\"b\"}",
    "{\"fields\":{\"a\":{\"type\":\"integer\"}},\"subject_field\":\"a\"}",
    "{\"fields\":{\"a\":{\"type\":\"string\"}},\"additional_fields\":1}",
};

START_TEST(refuses_bad_definitions)
{
	struct collection d;

	ck_assert_msg(collection_parse(J(bad_defs[_i]), &d) != NULL, "%s",
	              bad_defs[_i]);
}
END_TEST

START_TEST(too_many_fields)
{
	cJSON *def = cJSON_CreateObject(),
	      *f = cJSON_AddObjectToObject(def, "fields");
	struct collection d;
	char name[16];

	for (int i = 0; i <= COLLECTION_MAX_FIELDS; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		cJSON_AddItemToObject(f, name, J("{\"type\":\"string\"}"));
	}
	ck_assert_ptr_nonnull(collection_parse(def, &d));
}
END_TEST

/* json_parse refuses a text with a key twice; a tree built in code may
 * still hold one, and the definition check refuses it too. */
START_TEST(field_defined_twice)
{
	cJSON *def = cJSON_CreateObject(),
	      *f = cJSON_AddObjectToObject(def, "fields");
	struct collection d;

	cJSON_AddItemToObject(f, "a", J("{\"type\":\"string\"}"));
	cJSON_AddItemToObject(f, "a", J("{\"type\":\"string\"}"));
	ck_assert_ptr_nonnull(collection_parse(def, &d));
}
END_TEST

static const struct {
	const char *data;
	const char *bad_field; /* NULL = valid */
} records[] = {
    {"{\"title\":\"abc\"}", NULL},
    {"{\"title\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", NULL},
    {"{\"title\":\"abcdef\"}", "title"},
    {"{}", "title"},
    {"{\"title\":null}", "title"},
    {"{\"title\":5}", "title"},
    {"{\"title\":\"a\",\"pages\":1.5}", "pages"},
    {"{\"title\":\"a\",\"pages\":\"1\"}", "pages"},
    {"{\"title\":\"a\",\"pages\":9007199254740993}", "pages"},
    {"{\"title\":\"a\",\"pages\":-3}", NULL},
    {"{\"title\":\"a\",\"price\":1.5}", NULL},
    {"{\"title\":\"a\",\"price\":true}", "price"},
    {"{\"title\":\"a\",\"ok\":1}", "ok"},
    {"{\"title\":\"a\",\"ok\":false}", NULL},
    {"{\"title\":\"a\",\"at\":\"2026-11-27T08:00:00Z\"}", NULL},
    {"{\"title\":\"a\",\"at\":\"yesterday\"}", "at"},
    {"{\"title\":\"a\",\"meta\":[]}", "meta"},
    {"{\"title\":\"a\",\"meta\":{\"x\":1}}", NULL},
    {"{\"title\":\"a\",\"tags\":{}}", "tags"},
    {"{\"title\":\"a\",\"tags\":[1,\"x\"]}", NULL},
    {"{\"title\":\"a\",\"unknown\":1}", "unknown"},
    {"{\"title\":\"a\",\"pages\":null}", NULL},
    {"[]", "data"},
    {"\"x\"", "data"},
};

START_TEST(checks_records)
{
	cJSON *errors = collection_check(&c, J(records[_i].data));

	if (records[_i].bad_field == NULL) {
		ck_assert_msg(errors == NULL, "%s: %s", records[_i].data,
		              errors ? json_print(errors) : "");
	} else {
		ck_assert_msg(errors != NULL, "accepted %s", records[_i].data);
		ck_assert_str_eq(
		    json_str(cJSON_GetArrayItem(errors, 0), "field"),
		    records[_i].bad_field);
	}
}
END_TEST

START_TEST(every_error_is_listed)
{
	cJSON *e =
	    collection_check(&c, J("{\"pages\":\"x\",\"ok\":3,\"zzz\":1}"));

	ck_assert_int_eq(cJSON_GetArraySize(e), 4); /* title pages ok zzz */
}
END_TEST

START_TEST(additional_fields_allowed)
{
	struct collection d;

	ck_assert_ptr_null(
	    collection_parse(J("{\"fields\":{\"a\":{\"type\":\"string\"}},"
	                       "\"additional_fields\":true}"),
	                     &d));
	ck_assert_ptr_null(collection_check(&d, J("{\"b\":[1,{\"c\":2}]}")));
}
END_TEST

START_TEST(names)
{
	ck_assert(collection_name_valid("books"));
	ck_assert(collection_name_valid("b_2"));
	ck_assert(!collection_name_valid("Books"));
	ck_assert(!collection_name_valid("2books"));
	ck_assert(!collection_name_valid("bo-oks"));
	ck_assert(!collection_name_valid(""));
	ck_assert(!collection_name_valid(NULL));
	ck_assert(!collection_name_valid("books; drop table records"));
}
END_TEST

START_TEST(cache_by_version)
{
	struct uuid t = {{1}}, other = {{2}};
	const struct collection *x, *y, *z;
	char note[64], id[UUID_STR_LEN + 1];

	x = collection_cached(&t, "books", 1, BOOKS);
	ck_assert_ptr_nonnull(x);
	y = collection_cached(&t, "books", 1, BOOKS);
	ck_assert_ptr_eq(x, y); /* same version and text: not parsed again */
	collection_confirm(&t, "books", 1, 7);
	ck_assert_int_eq(x->confirmed_schema, 7);
	/* A collection deleted and made again starts again at version 1: the
	 * same version with another text is parsed again, unconfirmed. */
	y = collection_cached(&t, "books", 1,
	                      "{\"fields\":{\"x\":{\"type\":\"string\"}}}");
	ck_assert_int_eq(y->nfields, 1);
	ck_assert_int_eq(y->confirmed_schema, 0);
	collection_confirm(&t, "books", 2, 9); /* not its version: no effect */
	ck_assert_int_eq(y->confirmed_schema, 0);
	z = collection_cached(&t, "books", 2,
	                      "{\"fields\":{\"x\":{\"type\":\"string\"},"
	                      "\"y\":{\"type\":\"integer\"}}}");
	ck_assert_int_eq(z->nfields, 2);
	ck_assert_ptr_eq(collection_peek(&t, "books"), z);
	/* Another tenant's change leaves this tenant's copy alone. */
	ck_assert_ptr_nonnull(collection_cached(&other, "books", 1, BOOKS));
	uuid_format(&other, id);
	snprintf(note, sizeof(note), "collection:%s", id);
	collections_notify(note);
	ck_assert_ptr_null(collection_peek(&other, "books"));
	ck_assert_ptr_eq(collection_peek(&t, "books"), z);
	collections_notify("collection:not-a-uuid");
	ck_assert_ptr_eq(collection_peek(&t, "books"), z);
	uuid_format(&t, id);
	snprintf(note, sizeof(note), "tenant:%s", id);
	collections_notify(note);
	ck_assert_ptr_null(collection_peek(&t, "books"));
	ck_assert_ptr_nonnull(collection_cached(&t, "books", 1, BOOKS));
	collections_notify("tenants");
	ck_assert_ptr_null(collection_peek(&t, "books"));
}
END_TEST

/* Changes of PEOPLE and the fields collection_pii_exposures names. */
#define PEOPLE_FIELDS                                                          \
	"\"name\":{\"type\":\"string\"},\"email\":{\"type\":\"string\","       \
	"\"pii\":true,\"mask\":\"email\"},\"ssn\":{\"type\":\"string\","       \
	"\"pii\":true,\"mask\":\"last4\"}"
static const struct {
	const char *def;
	const char *named; /* comma-separated, "" = none */
} exposures[] = {
    /* the same definition, and changes that expose nothing */
    {"{\"fields\":{" PEOPLE_FIELDS "}}", ""},
    {"{\"fields\":{" PEOPLE_FIELDS ",\"phone\":{\"type\":\"string\","
     "\"pii\":true,\"mask\":\"none\"}}}",
     ""},
    {"{\"fields\":{\"name\":{\"type\":\"string\",\"max_length\":9},"
     "\"email\":{\"type\":\"string\",\"pii\":true,\"mask\":\"email\","
     "\"required\":true},\"ssn\":{\"type\":\"string\",\"pii\":true,"
     "\"mask\":\"last4\"}}}",
     ""},
    {"{\"fields\":{\"email\":{\"type\":\"string\",\"pii\":true,"
     "\"mask\":\"email\"},\"ssn\":{\"type\":\"string\",\"pii\":true,"
     "\"mask\":\"last4\"}}}",
     ""},
    /* unmasked, masked otherwise, mask left to its default (full) */
    {"{\"fields\":{\"name\":{\"type\":\"string\"},\"email\":{\"type\":"
     "\"string\",\"pii\":true,\"mask\":\"none\"},\"ssn\":{\"type\":"
     "\"string\",\"pii\":true,\"mask\":\"last4\"}}}",
     "fields.email"},
    {"{\"fields\":{\"name\":{\"type\":\"string\"},\"email\":{\"type\":"
     "\"string\",\"pii\":true,\"mask\":\"email\"},\"ssn\":{\"type\":"
     "\"string\",\"pii\":true,\"mask\":\"full\"}}}",
     "fields.ssn"},
    {"{\"fields\":{\"name\":{\"type\":\"string\"},\"email\":{\"type\":"
     "\"string\",\"pii\":true,\"mask\":\"email\"},\"ssn\":{\"type\":"
     "\"string\",\"pii\":true}}}",
     "fields.ssn"},
    /* pii turned off, a pii field dropped, all of it at once */
    {"{\"fields\":{\"name\":{\"type\":\"string\"},\"email\":{\"type\":"
     "\"string\"},\"ssn\":{\"type\":\"string\",\"pii\":true,\"mask\":"
     "\"last4\"}}}",
     "fields.email"},
    {"{\"fields\":{\"name\":{\"type\":\"string\"},\"email\":{\"type\":"
     "\"string\",\"pii\":true,\"mask\":\"email\"}}}",
     "fields.ssn"},
    {"{\"fields\":{\"name\":{\"type\":\"string\"}}}",
     "fields.email,fields.ssn"},
    {"{\"fields\":{\"other\":{\"type\":\"string\"}},"
     "\"additional_fields\":true}",
     "fields.email,fields.ssn"},
};

START_TEST(pii_exposures)
{
	struct collection old, n;
	cJSON *errors, *e;
	char got[256] = "";

	ck_assert_ptr_null(
	    collection_parse(J("{\"fields\":{" PEOPLE_FIELDS "}}"), &old));
	ck_assert_ptr_null(collection_parse(J(exposures[_i].def), &n));
	errors = collection_pii_exposures(&old, &n);
	cJSON_ArrayForEach(e, errors)
	{
		size_t len = strlen(got);

		snprintf(got + len, sizeof(got) - len, "%s%s", len ? "," : "",
		         json_str(e, "field"));
		ck_assert(strstr(json_str(e, "message"), "pii:read") != NULL);
	}
	ck_assert_str_eq(got, exposures[_i].named);
	ck_assert(errors == NULL || cJSON_GetArraySize(errors) > 0);
}
END_TEST

START_TEST(pii_exposures_never_from_new_fields)
{
	struct collection old, n;

	/* From no pii at all, nothing stored sealed can be revealed. */
	ck_assert_ptr_null(collection_parse(
	    J("{\"fields\":{\"name\":{\"type\":\"string\"}}}"), &old));
	ck_assert_ptr_null(
	    collection_parse(J("{\"fields\":{" PEOPLE_FIELDS "}}"), &n));
	ck_assert_ptr_null(collection_pii_exposures(&old, &n));
	ck_assert_ptr_null(collection_pii_exposures(&old, &old));
	/* The reverse drops both pii fields. */
	ck_assert_int_eq(cJSON_GetArraySize(collection_pii_exposures(&n, &old)),
	                 2);
}
END_TEST

static Suite *
collections_suite(void)
{
	Suite *s = suite_create("collections");
	TCase *p = tcase_create("collection_parse");
	TCase *k = tcase_create("collection_check");
	TCase *x = tcase_create("collection_pii_exposures");

	tcase_add_checked_fixture(p, setup, teardown);
	tcase_add_checked_fixture(k, setup, teardown);
	tcase_add_checked_fixture(x, setup, teardown);
	tcase_add_test(p, parses_definition);
	tcase_add_loop_test(p, refuses_bad_definitions, 0,
	                    sizeof(bad_defs) / sizeof(bad_defs[0]));
	tcase_add_test(p, too_many_fields);
	tcase_add_test(p, field_defined_twice);
	tcase_add_test(p, names);
	tcase_add_test(p, cache_by_version);
	tcase_add_loop_test(k, checks_records, 0,
	                    sizeof(records) / sizeof(records[0]));
	tcase_add_test(k, every_error_is_listed);
	tcase_add_test(k, additional_fields_allowed);
	tcase_add_loop_test(x, pii_exposures, 0,
	                    sizeof(exposures) / sizeof(exposures[0]));
	tcase_add_test(x, pii_exposures_never_from_new_fields);
	suite_add_tcase(s, p);
	suite_add_tcase(s, k);
	suite_add_tcase(s, x);
	return s;
}

CHECK_MAIN(collections_suite)
