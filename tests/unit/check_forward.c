/* check_forward.c - passing a request on to another region (api/forward.h):
 * only nginx's mark counts as "came from an edge", and a request is passed
 * on only to another region of the regions file, never twice. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api/forward.h"
#include "check_main.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/json.h"
#include "core/regions.h"
#include "core/request.h"

static struct arena *a;
static char path[64];

static void
setup(void)
{
	static const char text[] =
	    "eu https://eu.x 10.0.0.1:8443 host=10.0.0.1\n"
	    "us https://us.x 10.0.0.2:8443 host=10.0.0.2\n";
	static char region[] = "eu";
	int fd;

	a = arena_new(4096, 1 << 22);
	json_use_arena(a);
	snprintf(path, sizeof(path), "%s", "/tmp/check_forward_XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1),
	                 (ssize_t)(sizeof(text) - 1));
	close(fd);
	ck_assert_int_eq(regions_load(path, "eu"), 0);
	unlink(path);
	cfg.region = region;
}

static void
teardown(void)
{
	arena_free(a);
}

/* A request of env (GET /v1/tenant on acme plus extra, NULL-terminated). */
static void
make_request(struct request *req, const char *extra)
{
	static char line[128];
	static char m[] = "REQUEST_METHOD=GET", u[] = "REQUEST_URI=/v1/tenant",
	            h[] = "HTTP_HOST=acme.strata.localhost";
	static char *env[] = {m, u, h, line, NULL};

	snprintf(line, sizeof(line), "%s", extra ? extra : "X_NONE=1");
	ck_assert_int_eq(request_parse(req, a, env), 0);
}

static const char *
header_of(const struct request *req, const char *name)
{
	for (int i = 0; i < req->res.nheaders; i++)
		if (strcmp(req->res.headers[i].name, name) == 0)
			return req->res.headers[i].value;
	return NULL;
}

static const struct {
	const char *env;
	bool marked;
} marks[] = {
    {"STRATA_FORWARDED=1", true},       {"STRATA_FORWARDED=", false},
    {"STRATA_FORWARDED=0", false},      {"STRATA_FORWARDED=11", false},
    {"STRATA_FORWARDED= 1", false},     {"HTTP_X_STRATA_FORWARD=1", false},
    {"HTTP_STRATA_FORWARDED=1", false}, {NULL, false},
};

START_TEST(came_from_edge_table)
{
	struct request req;

	make_request(&req, marks[_i].env);
	ck_assert_msg(forward_came_from_edge(&req) == marks[_i].marked, "%s",
	              marks[_i].env ? marks[_i].env : "(none)");
}
END_TEST

START_TEST(to_region_passes_on)
{
	struct request req;

	make_request(&req, NULL);
	ck_assert_int_eq(forward_to_region(&req, "us"), 0);
	ck_assert_str_eq(req.forwarded_to, "us");
	ck_assert_str_eq(header_of(&req, "X-Accel-Redirect"),
	                 "@strata_region_us");
}
END_TEST

static const char *const refused_names[] = {"mars", "eu", "", "US", "us/../eu"};

START_TEST(to_region_refuses_unknown_and_self)
{
	struct request req;

	make_request(&req, NULL);
	ck_assert_int_eq(forward_to_region(&req, refused_names[_i]), 404);
	ck_assert_ptr_null(req.forwarded_to);
	ck_assert_ptr_null(header_of(&req, "X-Accel-Redirect"));
}
END_TEST

START_TEST(to_region_never_twice)
{
	struct request req;

	make_request(&req, "STRATA_FORWARDED=1");
	ck_assert_int_eq(forward_to_region(&req, "us"), 500);
	ck_assert_ptr_null(req.forwarded_to);
	ck_assert_ptr_null(header_of(&req, "X-Accel-Redirect"));
}
END_TEST

static Suite *
forward_suite(void)
{
	Suite *s = suite_create("forward");
	TCase *m = tcase_create("forward_came_from_edge");
	TCase *t = tcase_create("forward_to_region");

	tcase_add_checked_fixture(m, setup, teardown);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_loop_test(m, came_from_edge_table, 0,
	                    sizeof(marks) / sizeof(marks[0]));
	tcase_add_test(t, to_region_passes_on);
	tcase_add_loop_test(t, to_region_refuses_unknown_and_self, 0,
	                    sizeof(refused_names) / sizeof(refused_names[0]));
	tcase_add_test(t, to_region_never_twice);
	suite_add_tcase(s, m);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(forward_suite)
