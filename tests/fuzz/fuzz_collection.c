/*
 * fuzz_collection.c - collection definition validation (data/collections:
 * collection_parse, collection_definition).
 *
 * Input: the body of POST /v1/collections.  Invariants: a refusal lists
 * {field, message} errors; an accepted definition has 1 to
 * COLLECTION_MAX_FIELDS fields of distinct names, a subject that is a
 * string field, and its canonical form (as stored) parses again to the
 * same collection and prints the same.
 */
#include "fuzz.h"

#include "data/collections.h"

static void
check_accepted(const struct collection *c)
{
	struct collection *d = arena_alloc(fuzz_arena, sizeof(*d));
	const char *text, *again;
	cJSON *canon;

	if (c->nfields < 1 || c->nfields > COLLECTION_MAX_FIELDS)
		fuzz_fail("an accepted collection has %d fields", c->nfields);
	for (int i = 0; i < c->nfields; i++)
		if (collection_field(c, c->fields[i].name) != i)
			fuzz_fail("field \"%s\" is defined twice",
			          c->fields[i].name);
	if (c->subject >= 0 && c->fields[c->subject].type != FT_STRING)
		fuzz_fail("the subject is not a string field");
	canon = collection_definition(c);
	text = json_print(canon);
	memset(d, 0, sizeof(*d));
	if (collection_parse(fuzz_json(text, strlen(text)), d) != NULL)
		fuzz_fail("the canonical definition is refused: %s", text);
	again = json_print(collection_definition(d));
	if (strcmp(text, again) != 0)
		fuzz_fail("the canonical definition changes: %s / %s", text,
		          again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct collection *c;
	const cJSON *e;
	cJSON *def, *errors;

	fuzz_begin();
	def = fuzz_json((const char *)data, size);
	if (def == NULL)
		return 0;
	(void)collection_name_valid(
	    json_str(def, "name") ? json_str(def, "name") : "");
	c = arena_alloc(fuzz_arena, sizeof(*c));
	memset(c, 0, sizeof(*c));
	errors = collection_parse(def, c);
	if (errors == NULL) {
		check_accepted(c);
		return 0;
	}
	cJSON_ArrayForEach(e, errors)
	{
		if (json_str(e, "field") == NULL ||
		    json_str(e, "message") == NULL)
			fuzz_fail("an error is not {field, message}");
	}
	return 0;
}
