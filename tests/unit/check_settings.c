/* check_settings.c - settings_normalize refuses, never crashes on, a
 * section given as an array. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/arena.h"
#include "core/json.h"
#include "data/settings.h"

static struct arena *a;

static void
setup(void)
{
	a = arena_new(4096, 1 << 22);
	json_use_arena(a);
}

static void
teardown(void)
{
	arena_free(a);
}

/* Found by make fuzz: the members of an array have no names, and the
 * unknown-member check compared them with strcmp(NULL). */
static const char *const sections[] = {
    "{\"cors\":[\"https://a.example\"]}",
    "{\"limits\":[1]}",
    "{\"auth\":[{\"oidc\":null}]}",
    "{\"branding\":[\"x\"]}",
    "{\"retention\":[365]}",
    "[\"display_name\"]",
};

START_TEST(section_as_array_refused)
{
	const char *why;
	cJSON *in = json_parse(sections[_i], strlen(sections[_i]), 32, &why);
	cJSON *errors = NULL;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_null(settings_normalize(in, NULL, &errors));
	ck_assert_ptr_nonnull(errors);
}
END_TEST

static Suite *
settings_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *t = tcase_create("settings_normalize");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_loop_test(t, section_as_array_refused, 0,
	                    sizeof(sections) / sizeof(sections[0]));
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(settings_suite)
