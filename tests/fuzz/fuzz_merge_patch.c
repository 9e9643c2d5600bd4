/*
 * fuzz_merge_patch.c - RFC 7396 merge patch (core/json: json_merge_patch).
 *
 * Input: "target\n---\npatch", two JSON texts (a patch alone applies to
 * {}).  Invariants: the result holds none of the patch's nulls where the
 * patch is an object; every non-null member of an object patch is in the
 * result, equal to the patch applied to the old member; applying the
 * patch again changes nothing (RFC 7396 patches are idempotent); and the
 * result prints and parses back to itself.
 */
#include "fuzz.h"

/* result must equal merge(old, patch) member by member. */
static void
check_members(const cJSON *result, const cJSON *patch)
{
	const cJSON *m;

	if (!cJSON_IsObject(patch))
		return;
	if (!cJSON_IsObject(result))
		fuzz_fail("an object patch gave a non-object");
	cJSON_ArrayForEach(m, patch)
	{
		const cJSON *r =
		    cJSON_GetObjectItemCaseSensitive(result, m->string);

		if (cJSON_IsNull(m)) {
			if (r != NULL)
				fuzz_fail("member \"%s\" should be removed",
				          m->string);
			continue;
		}
		if (r == NULL)
			fuzz_fail("member \"%s\" is missing", m->string);
		if (!cJSON_IsObject(m) && !fuzz_json_equal(r, m))
			fuzz_fail("member \"%s\" is not the patch's value",
			          m->string);
		check_members(r, m);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *a, *b, *text, *why;
	size_t na, nb;
	cJSON *target, *patch, *result, *copy, *again, *printed;

	fuzz_begin();
	fuzz_split(data, size, &a, &na, &b, &nb);
	if (b == NULL) {
		target = cJSON_CreateObject();
		patch = fuzz_json(a, na);
	} else {
		target = fuzz_json(a, na);
		patch = fuzz_json(b, nb);
	}
	/* With a key twice, "the" member is ambiguous; json_parse refuses
	 * such bodies once duplicate keys are rejected (fuzz_json.c). */
	if (target == NULL || patch == NULL || fuzz_has_duplicate_key(target) ||
	    fuzz_has_duplicate_key(patch))
		return 0;
	result = json_merge_patch(target, patch);
	if (result == NULL)
		fuzz_fail("json_merge_patch returned NULL");
	check_members(result, patch);
	copy = cJSON_Duplicate(result, true);
	again = json_merge_patch(copy, patch);
	if (!fuzz_json_equal(again, result))
		fuzz_fail("applying the patch twice changed the result");
	text = json_print(result);
	printed =
	    text ? json_parse(text, strlen(text), JSON_MAX_DEPTH, &why) : NULL;
	if (printed == NULL || !fuzz_json_equal(printed, result))
		fuzz_fail("the result does not print and parse back");
	return 0;
}
