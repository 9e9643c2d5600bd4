/*
 * fuzz_import.c - the import's sealed keyring parser (ops/keyring_transfer:
 * keyring_transfer_open, and sec/transport: transport_open under it).
 *
 * Input: a sealed keyring document as an import reads it from an export's
 * "keyring" member, or raw bytes taken as a box; an input starting with
 * 's' instead has the harness seal three keys binding the rest of the
 * input as the tables' digest.  Invariants: nothing the harness did not
 * seal opens (as JSON or as a box); a digest that is not hex is refused;
 * a sealed keyring opens to its keys and digest, and not with the other
 * region's key, nor with any byte of its box changed.
 */
#include "fuzz.h"

#include <unistd.h>

#include "core/hex.h"
#include "ops/keyring_transfer.h"
#include "sec/masterkey.h"
#include "sec/transport.h"

static struct transport_key *mine, *theirs;
static const struct uuid tenant = {{1, 2, 3}};
static unsigned char keys[3][CRYPTO_KEY_LEN];

static void
init(void)
{
	char dir[] = "/tmp/strata-fuzz-import-XXXXXX", path[64];
	unsigned char mk[CRYPTO_KEY_LEN] = {7};

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/a.pem", dir);
	mine = transport_load_or_create(path);
	snprintf(path, sizeof(path), "%s/b.pem", dir);
	theirs = transport_load_or_create(path);
	if (mine == NULL || theirs == NULL)
		abort();
	masterkey_set(mk);
	for (int i = 0; i < 3; i++)
		memset(keys[i], 0x41 + i, CRYPTO_KEY_LEN);
}

/* Three keys of tenant, wrapped as tenant_keys holds them. */
static void
rows_of(struct tenant_copy_keys *rows)
{
	static const char *const purposes[3] = {"signing", "data", "index"};

	rows->n = 3;
	rows->rows = arena_calloc(fuzz_arena, 3, sizeof(*rows->rows));
	for (int i = 0; i < 3; i++) {
		unsigned char w[MASTERKEY_WRAPPED_LEN];
		char *hex = arena_alloc(fuzz_arena, 2 * sizeof(w) + 3);

		rows->rows[i].id.b[0] = (unsigned char)(i + 1);
		rows->rows[i].purpose = purposes[i];
		masterkey_wrap(&tenant, purposes[i], &rows->rows[i].id, keys[i],
		               w);
		hex[0] = '\\';
		hex[1] = 'x';
		hex_encode(w, sizeof(w), hex + 2);
		rows->rows[i].wrapped = hex;
	}
}

static void
check_sealed(const char *digest, size_t pick)
{
	struct tenant_copy_keys rows;
	struct keyring_transfer t;
	const char *why, *sealed;
	char *bent, *box;
	size_t len, boxlen;

	rows_of(&rows);
	sealed = keyring_transfer_seal(fuzz_arena, &tenant, &rows, digest, mine,
	                               &why);
	if (strspn(digest, "0123456789abcdef") != strlen(digest) ||
	    strlen(digest) > 128) {
		if (sealed != NULL)
			fuzz_fail("a digest that is not hex was sealed");
		return;
	}
	if (sealed == NULL)
		fuzz_fail("keys that unwrap could not be sealed: %s", why);
	len = strlen(sealed);
	if (keyring_transfer_open(fuzz_arena, sealed, len, mine, &t, &why) < 0)
		fuzz_fail("a sealed keyring does not open: %s", why);
	if (t.n != 3 || strcmp(t.digest, digest) != 0)
		fuzz_fail("a sealed keyring opens to something else");
	for (int i = 0; i < 3; i++)
		if (memcmp(t.keys[i].key, keys[i], CRYPTO_KEY_LEN) != 0)
			fuzz_fail("key %d came back changed", i);
	if (keyring_transfer_open(fuzz_arena, sealed, len, theirs, &t, &why) ==
	    0)
		fuzz_fail("a keyring opens with another region's key");
	bent = arena_strdup(fuzz_arena, sealed);
	box = strstr(bent, "\"box\":\"") + 7;
	boxlen = strcspn(box, "\"");
	box[pick % boxlen] = box[pick % boxlen] == 'A' ? 'B' : 'A';
	if (keyring_transfer_open(fuzz_arena, bent, len, mine, &t, &why) == 0)
		fuzz_fail("a keyring with a changed box opens");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyring_transfer t;
	unsigned char *plain;
	const char *why;
	size_t n;

	fuzz_begin();
	if (mine == NULL)
		init();
	if (size > 0 && data[0] == 's') {
		size_t pick = size > 1 ? data[1] * 131u + size : size;

		check_sealed(fuzz_str(data + 1, size - 1), pick);
		return 0;
	}
	if (keyring_transfer_open(fuzz_arena, fuzz_str(data, size), size, mine,
	                          &t, &why) == 0)
		fuzz_fail("a keyring nobody sealed opens");
	if (transport_open(mine, "ctx", 3, data, size, &plain, &n) == 0)
		fuzz_fail("a box nobody sealed opens");
	return 0;
}
