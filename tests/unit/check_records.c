/* check_records.c - list query assembly: shapes, parameters, refusals. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/json.h"
#include "data/records.h"

static struct arena *a;
static struct collection c;

static void
setup(void)
{
	const char *why;
	const char *def =
	    "{\"fields\":{\"n\":{\"type\":\"integer\",\"indexed\":true},"
	    "\"s\":{\"type\":\"string\",\"indexed\":true},\"u\":{\"type\":"
	    "\"string\"},\"t\":{\"type\":\"datetime\",\"indexed\":true},"
	    "\"b\":{\"type\":\"boolean\",\"indexed\":true}}}";

	a = arena_new(4096, 1 << 24);
	json_use_arena(a);
	ck_assert_ptr_null(
	    collection_parse(json_parse(def, strlen(def), 8, &why), &c));
	snprintf(c.name, sizeof(c.name), "things");
}

static void
teardown(void)
{
	arena_free(a);
}

static struct record_query
query(void)
{
	struct record_query q;

	memset(&q, 0, sizeof(q));
	q.c = &c;
	q.tid = "01a21c0f-4da7-7f3b-a7a8-db1b9a48011a";
	q.sort = -1;
	q.limit = 50;
	return q;
}

static void
filter(struct record_query *q, const char *f, enum filter_op op, const char *v)
{
	q->f[q->nf].field = collection_field(&c, f);
	q->f[q->nf].op = op;
	q->f[q->nf].value = v;
	q->nf++;
}

START_TEST(plain_list_by_id)
{
	struct record_query q = query();
	struct record_sql s;
	const char *why;

	ck_assert_int_eq(records_build_list(a, &q, &s, &why), 0);
	ck_assert(!s.pivot);
	/* No personal field: no subject key to read. */
	ck_assert_ptr_null(strstr(s.sql, "subject_keys"));
	ck_assert_ptr_nonnull(strstr(s.sql, "FROM records r WHERE "
	                                    "r.tenant_id = $1 AND "
	                                    "r.collection = $2"));
	ck_assert_ptr_nonnull(strstr(s.sql, "ORDER BY r.id LIMIT $3"));
	ck_assert_int_eq(s.nparams, 3);
	ck_assert_str_eq(s.params[2], "51");
}
END_TEST

/* A collection with a personal field reads its records' subject keys. */
START_TEST(personal_fields_join_subject_keys)
{
	struct record_query q = query();
	struct record_sql s;
	const char *why;

	ck_assert(!collection_has_pii(&c));
	c.fields[collection_field(&c, "u")].pii = true;
	ck_assert(collection_has_pii(&c));
	ck_assert_int_eq(records_build_list(a, &q, &s, &why), 0);
	ck_assert_ptr_nonnull(strstr(s.sql, "FROM records r LEFT JOIN "
	                                    "subject_keys sk"));
	filter(&q, "n", OP_GTE, "10");
	ck_assert_int_eq(records_build_list(a, &q, &s, &why), 0);
	ck_assert(s.pivot);
	ck_assert_ptr_nonnull(strstr(s.sql, "r.id = d.record_id LEFT JOIN "
	                                    "subject_keys sk"));
	c.fields[collection_field(&c, "u")].pii = false;
}
END_TEST

START_TEST(indexed_range_drives_pivot)
{
	struct record_query q = query();
	struct record_sql s;
	const char *why;

	filter(&q, "n", OP_GTE, "10");
	filter(&q, "u", OP_EQ, "x\"y");
	ck_assert_int_eq(records_build_list(a, &q, &s, &why), 0);
	ck_assert(s.pivot);
	ck_assert_ptr_nonnull(
	    strstr(s.sql, "FROM record_index d JOIN records r"));
	ck_assert_ptr_nonnull(strstr(s.sql, "d.v_num >= $4::numeric"));
	ck_assert_ptr_nonnull(strstr(s.sql, "r.data @> $5::jsonb"));
	ck_assert_str_eq(s.params[2], "n");
	ck_assert_str_eq(s.params[3], "10");
	ck_assert_str_eq(s.params[4], "{\"u\":\"x\\\"y\"}");
	/* The client's text is never part of the statement. */
	ck_assert_ptr_null(strstr(s.sql, "x\"y"));
}
END_TEST

START_TEST(sort_desc_with_cursor)
{
	struct record_query q = query();
	struct record_sql s;
	const char *why;

	q.sort = collection_field(&c, "t");
	q.desc = true;
	q.after_id = "01a21c0f-4da7-7f3b-a7a8-db1b9a48011b";
	q.after_value = "2026-01-01 00:00:00+00";
	filter(&q, "s", OP_IN, "a,b,c");
	filter(&q, "b", OP_EQ, "true");
	ck_assert_int_eq(records_build_list(a, &q, &s, &why), 0);
	ck_assert_ptr_nonnull(strstr(s.sql, "d.field = $3"));
	ck_assert_ptr_nonnull(strstr(s.sql, "(d.v_time, d.record_id) < ("));
	ck_assert_ptr_nonnull(strstr(s.sql, "ORDER BY d.v_time DESC, "
	                                    "d.record_id DESC"));
	ck_assert_ptr_nonnull(strstr(s.sql, "i.v_text = ANY ("));
	ck_assert_ptr_nonnull(strstr(s.sql, "i.v_bool = $"));
	ck_assert_str_eq(s.params[2], "t");
}
END_TEST

START_TEST(unindexed_range_refused)
{
	struct record_query q = query();
	struct record_sql s;
	const char *why = NULL;

	filter(&q, "u", OP_GT, "a");
	ck_assert_int_eq(records_build_list(a, &q, &s, &why), -1);
	ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(values)
{
	const struct field_def *n = &c.fields[collection_field(&c, "n")];
	const struct field_def *t = &c.fields[collection_field(&c, "t")];
	const struct field_def *b = &c.fields[collection_field(&c, "b")];

	ck_assert_ptr_null(records_value_ok(n, OP_EQ, "42"));
	ck_assert_ptr_null(records_value_ok(n, OP_EQ, "-4e2"));
	ck_assert_ptr_nonnull(records_value_ok(n, OP_EQ, "4.5"));
	ck_assert_ptr_nonnull(records_value_ok(n, OP_EQ, "1; drop"));
	ck_assert_ptr_nonnull(records_value_ok(n, OP_EQ, ""));
	ck_assert_ptr_nonnull(records_value_ok(n, OP_EQ, "nan"));
	ck_assert_ptr_null(records_value_ok(n, OP_IN, "1,2,3"));
	ck_assert_ptr_nonnull(records_value_ok(n, OP_IN, "1,x"));
	ck_assert_ptr_null(records_value_ok(t, OP_GT, "2026-01-01T00:00:00Z"));
	ck_assert_ptr_nonnull(records_value_ok(t, OP_GT, "2026-01-01"));
	ck_assert_ptr_null(records_value_ok(b, OP_EQ, "false"));
	ck_assert_ptr_nonnull(records_value_ok(b, OP_EQ, "1"));
	ck_assert_int_eq(records_op("gte"), OP_GTE);
	ck_assert_int_eq(records_op("like"), -1);
}
END_TEST

static Suite *
records_suite(void)
{
	Suite *s = suite_create("records");
	TCase *tc = tcase_create("records_build_list");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, plain_list_by_id);
	tcase_add_test(tc, personal_fields_join_subject_keys);
	tcase_add_test(tc, indexed_range_drives_pivot);
	tcase_add_test(tc, sort_desc_with_cursor);
	tcase_add_test(tc, unindexed_range_refused);
	tcase_add_test(tc, values);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(records_suite)
