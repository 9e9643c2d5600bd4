/*
 * fuzz_settings.c - tenant settings validation (data/settings:
 * settings_normalize, settings_compile).
 *
 * Input: a settings document (PUT /v1/config), checked against the
 * default template as the API does.  Invariants: a refusal lists its
 * errors as {field, message} strings; an accepted document compiles,
 * and normalising the result again (against the defaults, or against
 * itself as templates are) gives it back unchanged.
 */
#include "fuzz.h"

#include "core/config.h"
#include "data/settings.h"

static cJSON *defaults;

static void
check_errors(const cJSON *errors)
{
	const cJSON *e;

	if (!cJSON_IsArray(errors) || cJSON_GetArraySize(errors) < 1)
		fuzz_fail("a refused document has no errors");
	cJSON_ArrayForEach(e, errors)
	{
		if (json_str(e, "field") == NULL ||
		    json_str(e, "message") == NULL)
			fuzz_fail("an error is not {field, message}");
	}
}

static void
check_accepted(const cJSON *out)
{
	struct tenant_settings *s = arena_alloc(fuzz_arena, sizeof(*s));
	cJSON *errors, *again;

	if (settings_compile(out, 1, s) != 0)
		fuzz_fail("an accepted document does not compile");
	again = settings_normalize(out, defaults, &errors);
	if (again == NULL || !fuzz_json_equal(again, out))
		fuzz_fail("normalising an accepted document changes it: %s",
		          json_print(again ? again : errors));
	again = settings_normalize(out, out, &errors);
	if (again == NULL || !fuzz_json_equal(again, out))
		fuzz_fail("an accepted document is not complete on its own");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena *keep;
	cJSON *in, *out, *errors;

	if (keep == NULL) {
		/* The template lives for the process, in an arena of its own.
		 */
		keep = arena_new(64 * 1024, 16 * 1024 * 1024);
		json_use_arena(keep);
		/* The built-in defaults and STRATA_* (base domain, templates
		 * directory: sql/templates from the repository root). */
		if (config_load(&cfg, NULL) < 0)
			fuzz_fail("no configuration");
		defaults = settings_template("default");
		if (defaults == NULL)
			fuzz_fail("no default template in %s (run from the "
			          "repository root)",
			          cfg.templates_dir);
	}
	fuzz_begin();
	in = fuzz_json((const char *)data, size);
	/* A key twice (a jwks key's "n", say) is copied as it is, and the
	 * copies compare by their first: json_parse refuses such bodies once
	 * duplicate keys are rejected (item 3 of issue 13, fuzz_json.c). */
	if (in == NULL || fuzz_has_duplicate_key(in))
		return 0;
	out = settings_normalize(in, defaults, &errors);
	if (out == NULL)
		check_errors(errors);
	else
		check_accepted(out);
	return 0;
}
