/*
 * fuzz_cursor.c - unsealing of list cursors (api: api_cursor_unseal).
 *
 * Input: a ?cursor= value, or (first byte 's') a payload to seal.
 * Invariants: a cursor nobody sealed never opens (AES-GCM; a forgery is
 * a bug); a sealed payload opens to itself under its tenant and scope and
 * under no other; the same cursor with any one character changed, or cut
 * short, does not open.
 */
#include "fuzz.h"

#include "api/api.h"
#include "sec/masterkey.h"

static const char aad[] = "0190c0de-0000-7000-8000-000000000001|records:x::a";
static const char other[] = "0190c0de-0000-7000-8000-000000000002|records:x::a";

static void
round_trip(const char *payload)
{
	const char *c = api_cursor_seal(fuzz_arena, aad, payload), *p;
	size_t n;
	char *bent;

	if (c == NULL) {
		if (strlen(payload) <= 512)
			fuzz_fail("a payload of %zu bytes was not sealed",
			          strlen(payload));
		return;
	}
	p = api_cursor_unseal(fuzz_arena, aad, c);
	if (p == NULL || strcmp(p, payload) != 0)
		fuzz_fail("a sealed cursor does not open to its payload");
	if (api_cursor_unseal(fuzz_arena, other, c) != NULL)
		fuzz_fail("a cursor opened for another tenant");
	n = strlen(c);
	bent = arena_strdup(fuzz_arena, c);
	bent[n / 2] = bent[n / 2] == 'A' ? 'B' : 'A';
	if (api_cursor_unseal(fuzz_arena, aad, bent) != NULL)
		fuzz_fail("a changed cursor opened");
	bent = arena_strndup(fuzz_arena, c, n - 1);
	if (api_cursor_unseal(fuzz_arena, aad, bent) != NULL)
		fuzz_fail("a shortened cursor opened");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[CRYPTO_KEY_LEN] =
	    "fuzz master key, not a secret.";
	static int keyed;
	const char *in;

	if (!keyed) {
		masterkey_set(key);
		keyed = 1;
	}
	fuzz_begin();
	if (size > 0 && data[0] == 's') {
		round_trip(fuzz_str(data + 1, size - 1));
		return 0;
	}
	in = fuzz_str(data, size);
	if (*in != '\0' && api_cursor_unseal(fuzz_arena, aad, in) != NULL)
		fuzz_fail("a cursor that was never sealed opened");
	return 0;
}
