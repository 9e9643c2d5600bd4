/* check_json.c - strict parsing, UTF-8, depth, arena-backed trees. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"

static struct arena *a;

static void
setup(void)
{
	a = arena_new(4096, 1 << 28);
	json_use_arena(a);
}

static void
teardown(void)
{
	arena_free(a);
}

static const struct {
	const char *in;
	bool ok;
} parse[] = {
    {"{}", true},
    {"[]", true},
    {"{\"a\":1}", true},
    {" {\"a\":[1,2,{\"b\":null}]} \n", true},
    {"\"x\"", true},
    {"{\"s\":\"caf\xc3\xa9\"}", true},
    {"{\"s\":\"\\u00e9\"}", true},
    {"", false},
    {"{", false},
    {"{\"a\":}", false},
    {"{\"a\":1,}", false},
    {"{'a':1}", false},
    {"{\"a\":1} x", false},
    {"{\"a\":1}{}", false},
    {"{\"s\":\"\xff\"}", false},
    {"{\"s\":\"\xc0\xaf\"}", false},
    {"{\"s\":\"\xed\xa0\x80\"}", false},
    {"{\"s\":\"\xe2\x82\"}", false},
    {"nul", false},
    {"{\"a\":\"unterminated}", false},
    /* Found by make fuzz: cJSON reads these as infinity (printed null). */
    {"[1e400]", false},
    {"{\"a\":{\"b\":-1e999}}", false},
    {"[1.7976931348623157e308, -0, 5e-324]", true},
};

START_TEST(parse_table)
{
	const char *why = NULL;
	cJSON *j = json_parse(parse[_i].in, strlen(parse[_i].in), 32, &why);

	if (parse[_i].ok)
		ck_assert_msg(j != NULL, "refused %s (%s)", parse[_i].in, why);
	else
		ck_assert_msg(j == NULL && why != NULL, "accepted %s",
		              parse[_i].in);
}
END_TEST

START_TEST(embedded_nul_refused)
{
	const char *why;

	ck_assert_ptr_null(json_parse("{}\0{}", 5, 32, &why));
}
END_TEST

static char *
nested(int depth)
{
	char *s = arena_alloc(a, (size_t)depth * 2 + 1);

	for (int i = 0; i < depth; i++) {
		s[i] = '[';
		s[depth * 2 - 1 - i] = ']';
	}
	s[depth * 2] = '\0';
	return s;
}

START_TEST(depth_limit)
{
	const char *why = NULL;

	ck_assert_ptr_nonnull(json_parse(nested(32), 64, 32, &why));
	ck_assert_ptr_null(json_parse(nested(33), 66, 32, &why));
	ck_assert_str_eq(why, "JSON nesting is too deep");
	/* Brackets inside strings do not count. */
	const char *in_str = "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}";

	ck_assert_ptr_nonnull(json_parse(in_str, strlen(in_str), 32, &why));
	ck_assert_ptr_null(json_parse(nested(5000), 10000, 32, &why));
}
END_TEST

START_TEST(accessors_and_print)
{
	const char *why;
	const char *in = "{\"s\":\"v\",\"n\":1,\"b\":true}";
	cJSON *j = json_parse(in, strlen(in), 32, &why);

	ck_assert_str_eq(json_str(j, "s"), "v");
	ck_assert_ptr_null(json_str(j, "n"));
	ck_assert_ptr_null(json_str(j, "missing"));
	ck_assert(json_is(j, "b", cJSON_True));
	ck_assert(!json_is(j, "s", cJSON_Number));
	json_add_str(j, "z", NULL);
	json_add_raw(j, "r", "[1,2]");
	ck_assert_str_eq(json_print(j),
	                 "{\"s\":\"v\",\"n\":1,\"b\":true,\"z\":null,"
	                 "\"r\":[1,2]}");
}
END_TEST

START_TEST(utf8_validator)
{
	ck_assert(json_utf8_valid("", 0));
	ck_assert(json_utf8_valid("\xf0\x9f\x98\x80", 4));
	ck_assert(!json_utf8_valid("\xf0\x9f\x98", 3));
	ck_assert(!json_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	ck_assert(!json_utf8_valid("\xe0\x80\x80", 3));     /* overlong */
	ck_assert(!json_utf8_valid("\x80", 1));
}
END_TEST

START_TEST(buf_escapes_and_caps)
{
	struct buf b;

	buf_init(&b, a, 4, 20);
	ck_assert_int_eq(buf_json_str(&b, "a\"b\\\n\x01"), 0);
	ck_assert_str_eq(buf_cstr(&b), "\"a\\\"b\\\\\\n\\u0001\"");
	ck_assert_int_eq(buf_puts(&b, "0123456789"), -1);
	ck_assert_int_eq(buf_printf(&b, "%d", 7), 0);
}
END_TEST

/* A key twice in one object, at any depth, however it is spelled. */
static const struct {
	const char *in;
	bool ok;
} dups[] = {
    {"{\"a\":1,\"a\":2}", false},
    {"{\"a\":1,\"b\":2,\"a\":1}", false},
    {"{\"a\":1,\"\\u0061\":2}", false},
    {"{\"\\u00e9\":1,\"\xc3\xa9\":2}", false},
    {"{\"a\\/b\":1,\"a/b\":2}", false},
    {"{\"x\":{\"y\":{\"z\":1,\"z\":1}}}", false},
    {"[1,{\"k\":1,\"k\":2}]", false},
    {"{\"a\":[{\"k\":1},{\"k\":2,\"j\":[{\"q\":1,\"q\":2}]}]}", false},
    {"{\"\":1,\"\":2}", false},
    {"{\"data\":{},\"data\":{}}", false},
    {"{\"a\":1,\"A\":2}", true},
    {"{\"a\":{\"a\":{\"a\":1}}}", true},
    {"[{\"k\":1},{\"k\":2}]", true},
    {"{\"ab\":1,\"a\":2,\"b\":3,\"ba\":4}", true},
    {"{\"k\":\"\\\"k\\\"\",\"\\\"k\\\"\":1}", true},
};

START_TEST(duplicate_keys_table)
{
	const char *why = NULL;
	cJSON *j = json_parse(dups[_i].in, strlen(dups[_i].in), 32, &why);

	if (dups[_i].ok) {
		ck_assert_msg(j != NULL, "refused %s (%s)", dups[_i].in, why);
	} else {
		ck_assert_msg(j == NULL, "accepted %s", dups[_i].in);
		ck_assert_str_eq(why, "duplicate key in a JSON object");
	}
}
END_TEST

/* n keys "k0".."k<n-1>" in one object, then the key extra if not NULL. */
static char *
many_keys(int n, const char *extra, size_t *len)
{
	struct buf b;

	buf_init(&b, a, 4096, 1 << 24);
	buf_putc(&b, '{');
	for (int i = 0; i < n; i++)
		buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
	if (extra != NULL)
		buf_printf(&b, ",\"%s\":0", extra);
	buf_putc(&b, '}');
	*len = strlen(buf_cstr(&b));
	return arena_strdup(a, buf_cstr(&b));
}

START_TEST(many_keys_linear)
{
	const char *why = NULL;
	size_t n;
	char *s = many_keys(10000, NULL, &n);
	cJSON *j = json_parse(s, n, 32, &why);

	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(cJSON_GetArraySize(j), 10000);
	s = many_keys(10000, "k0", &n);
	ck_assert_ptr_null(json_parse(s, n, 32, &why));
	s = many_keys(10000, "k9999", &n);
	ck_assert_ptr_null(json_parse(s, n, 32, &why));
	s = many_keys(10000, "k10000", &n);
	ck_assert_ptr_nonnull(json_parse(s, n, 32, &why));
	/* 100,000 keys: a quadratic check would take minutes here. */
	s = many_keys(100000, "k54321", &n);
	ck_assert_ptr_null(json_parse(s, n, 32, &why));
	ck_assert_str_eq(why, "duplicate key in a JSON object");
}
END_TEST

/* Keys that share long prefixes and differ only at the end. */
START_TEST(long_similar_keys)
{
	struct buf b;
	const char *why = NULL, *keys, *ok, *dup;
	char key[300];

	memset(key, 'x', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	buf_init(&b, a, 4096, 1 << 24);
	for (int i = 0; i < 200; i++)
		buf_printf(&b, "%s\"%s%03d\":1", i ? "," : "", key, i);
	keys = buf_cstr(&b);
	ok = arena_printf(a, "{%s}", keys);
	dup = arena_printf(a, "{%s,\"%s%03d\":2}", keys, key, 123);
	ck_assert_ptr_nonnull(json_parse(ok, strlen(ok), 32, &why));
	ck_assert_ptr_null(json_parse(dup, strlen(dup), 32, &why));
}
END_TEST

/* RFC 7396, appendix A: target, patch, result. */
static const char *const merge[][3] = {
    {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
    {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
    {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
    {"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
    {"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
    {"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
    {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
     "{\"a\":{\"b\":\"d\"}}"},
    {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
    {"[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"},
    {"{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"},
    {"{\"a\":\"foo\"}", "null", "null"},
    {"{\"a\":\"foo\"}", "\"bar\"", "\"bar\""},
    {"{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
    {"[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"},
    {"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
};

START_TEST(merge_patch_rfc7396)
{
	const char *why;
	const char *t = merge[_i][0], *p = merge[_i][1];
	cJSON *r = json_merge_patch(json_parse(t, strlen(t), 32, &why),
	                            json_parse(p, strlen(p), 32, &why));

	ck_assert_str_eq(json_print(r), merge[_i][2]);
}
END_TEST

static Suite *
json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *p = tcase_create("json_parse");
	TCase *o = tcase_create("json_helpers");

	tcase_add_checked_fixture(p, setup, teardown);
	tcase_add_checked_fixture(o, setup, teardown);
	tcase_add_loop_test(p, parse_table, 0,
	                    sizeof(parse) / sizeof(parse[0]));
	tcase_add_test(p, embedded_nul_refused);
	tcase_add_test(p, depth_limit);
	tcase_add_loop_test(p, duplicate_keys_table, 0,
	                    sizeof(dups) / sizeof(dups[0]));
	tcase_add_test(p, many_keys_linear);
	tcase_add_test(p, long_similar_keys);
	tcase_add_test(o, accessors_and_print);
	tcase_add_test(o, utf8_validator);
	tcase_add_test(o, buf_escapes_and_caps);
	tcase_add_loop_test(o, merge_patch_rfc7396, 0,
	                    sizeof(merge) / sizeof(merge[0]));
	suite_add_tcase(s, p);
	suite_add_tcase(s, o);
	return s;
}

CHECK_MAIN(json_suite)
