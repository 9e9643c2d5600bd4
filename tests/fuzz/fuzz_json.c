/*
 * fuzz_json.c - the JSON body checks (core/json: json_parse).
 *
 * Input: a request body.  Invariants for an accepted body: it holds no
 * NUL and is valid UTF-8; its tree nests no deeper than the limit (also
 * with the limit of 2 that token headers use); printed and parsed again it
 * gives the same tree; and no object holds a key twice, once json_parse
 * refuses duplicate keys (checked at start-up: until then that one
 * invariant is off, and the harness says so once).
 */
#include "fuzz.h"

static int dup_check = -1;

static int
depth(const cJSON *o)
{
	int max = 0;

	if (!cJSON_IsArray(o) && !cJSON_IsObject(o))
		return 0;
	for (const cJSON *x = o->child; x != NULL; x = x->next) {
		int d = depth(x);

		if (d > max)
			max = d;
	}
	return max + 1;
}

static void
check_accepted(const uint8_t *data, size_t size, const cJSON *root, int limit)
{
	const char *text, *why;
	cJSON *again;

	if (memchr(data, '\0', size) != NULL)
		fuzz_fail("a body with a NUL byte was accepted");
	if (!json_utf8_valid((const char *)data, size))
		fuzz_fail("a body that is not UTF-8 was accepted");
	if (depth(root) > limit)
		fuzz_fail("a tree of depth %d passed the limit %d", depth(root),
		          limit);
	if (dup_check && fuzz_has_duplicate_key(root))
		fuzz_fail("an object with a duplicate key was accepted");
	text = json_print(root);
	if (text == NULL)
		fuzz_fail("an accepted tree does not print");
	again = json_parse(text, strlen(text), limit, &why);
	if (again == NULL)
		fuzz_fail("the printed tree does not parse: %s: %s", why, text);
	/* Objects compare by key, and with a key twice by its first copy:
	 * only while json_parse accepts such trees. */
	if (!fuzz_has_duplicate_key(root) && !fuzz_json_equal(root, again))
		fuzz_fail("the printed tree parses to another tree: %s", text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *why;
	cJSON *root;

	fuzz_begin();
	if (dup_check < 0) {
		static const char dup[] = "{\"a\":1,\"a\":2}";

		dup_check = fuzz_json(dup, sizeof(dup) - 1) == NULL;
		if (!dup_check)
			fprintf(stderr, "fuzz_json: json_parse accepts "
			                "duplicate keys; that check is off\n");
	}
	/* libFuzzer's bytes are not NUL-terminated: an overread past the
	 * body is an ASan report. */
	root = fuzz_json(s, size);
	if (root != NULL)
		check_accepted(data, size, root, JSON_MAX_DEPTH);
	root = json_parse(s, size, 2, &why);
	if (root != NULL)
		check_accepted(data, size, root, 2);
	return 0;
}
