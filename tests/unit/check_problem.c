/* check_problem.c - problem+json and the CGI response. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"

static struct arena *a;
static struct request req;

static void
setup(void)
{
	char *env[] = {ENV("REQUEST_METHOD=GET"), ENV("REQUEST_URI=/x"),
	               ENV("REQUEST_ID=rid-1"), NULL};

	a = arena_new(4096, 1 << 22);
	json_use_arena(a);
	ck_assert_int_eq(request_parse(&req, a, env), 0);
}

static void
teardown(void)
{
	arena_free(a);
}

static cJSON *
body(void)
{
	const char *why;

	return json_parse(req.res.body.data, req.res.body.len, 32, &why);
}

START_TEST(fields)
{
	cJSON *b;

	problem(&req, 404, "tenant_not_found", "no such tenant");
	b = body();
	ck_assert_int_eq(req.res.status, 404);
	ck_assert_str_eq(req.res.content_type, "application/problem+json");
	ck_assert_str_eq(json_str(b, "type"), PROBLEM_BASE "tenant_not_found");
	ck_assert_str_eq(json_str(b, "title"), "Tenant not found");
	ck_assert_str_eq(json_str(b, "detail"), "no such tenant");
	ck_assert_str_eq(json_str(b, "code"), "tenant_not_found");
	ck_assert_str_eq(json_str(b, "request_id"), "rid-1");
	ck_assert_int_eq(cJSON_GetObjectItem(b, "status")->valueint, 404);
}
END_TEST

START_TEST(unauthorized_adds_challenge)
{
	problem(&req, 401, "invalid_token", NULL);
	ck_assert_int_eq(req.res.nheaders, 1);
	ck_assert_str_eq(req.res.headers[0].name, "WWW-Authenticate");
	ck_assert_str_eq(json_str(body(), "detail"), "Invalid token");
}
END_TEST

START_TEST(unavailable_adds_retry_after)
{
	problem(&req, 503, "service_unavailable", "down");
	ck_assert_str_eq(req.res.headers[0].name, "Retry-After");
}
END_TEST

START_TEST(errors_array)
{
	cJSON *e = json_add_field_error(NULL, "email", "is required");
	cJSON *b, *first;

	json_add_field_error(e, "name", "is too long");
	problem_errors(&req, 422, "validation_failed", "invalid", e);
	b = body();
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(b, "errors")),
	                 2);
	first = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "errors"), 0);
	ck_assert_str_eq(json_str(first, "field"), "email");
	ck_assert_str_eq(json_str(first, "message"), "is required");
}
END_TEST

START_TEST(serialize)
{
	struct buf out;

	response_json_text(&req, 200, "{\"a\":1}");
	response_header(&req, "X-A", "1");
	response_header(&req, "x-a", "2"); /* replaces, case-insensitively */
	buf_init(&out, a, 64, 4096);
	ck_assert_int_eq(response_serialize(&req, &out, false), 0);
	ck_assert_str_eq(buf_cstr(&out), "Status: 200 OK\r\n"
	                                 "Content-Type: application/json\r\n"
	                                 "X-A: 2\r\n"
	                                 "Content-Length: 7\r\n\r\n{\"a\":1}");
	buf_init(&out, a, 64, 4096);
	ck_assert_int_eq(response_serialize(&req, &out, true), 0);
	ck_assert_ptr_null(strstr(buf_cstr(&out), "{\"a\":1}"));
	response_status(&req, 204);
	buf_init(&out, a, 64, 4096);
	response_serialize(&req, &out, false);
	ck_assert_ptr_null(strstr(buf_cstr(&out), "Content-Length"));
}
END_TEST

static Suite *
problem_suite(void)
{
	Suite *s = suite_create("problem");
	TCase *tc = tcase_create("problem");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fields);
	tcase_add_test(tc, unauthorized_adds_challenge);
	tcase_add_test(tc, unavailable_adds_retry_after);
	tcase_add_test(tc, errors_array);
	tcase_add_test(tc, serialize);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(problem_suite)
