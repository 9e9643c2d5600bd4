/*
 * keyring_transfer.c - sealed keyrings: out of one master key, through a
 * transport key, into another.
 */
#include "ops/keyring_transfer.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/hex.h"
#include "core/json.h"
#include "data/db.h"
#include "data/keyring.h"
#include "sec/masterkey.h"
#include "sec/transport.h"

#define SEALED_FORMAT "strata-sealed-keyring"
#define SEALED_ALG "RSA-OAEP-256+A256GCM"
#define SEALED_MAX (16UL * 1024 * 1024) /* a bound on a keyring's box */

/* The box's context: "strata-keyring:v1:<source id>". */
static const char *
box_context(struct arena *a, const struct uuid *tenant)
{
	char tid[UUID_STR_LEN + 1];

	uuid_format(tenant, tid);
	return arena_printf(a, "strata-keyring:v1:%s", tid);
}

/* One key's entry of the box's plain text, unwrapped; NULL on failure. */
static cJSON *
key_entry(const struct uuid *tenant, const struct tenant_copy_key *k)
{
	unsigned char wrapped[MASTERKEY_WRAPPED_LEN], key[CRYPTO_KEY_LEN];
	char b64[64], id[UUID_STR_LEN + 1];
	cJSON *o;

	if (k->wrapped == NULL || strncmp(k->wrapped, "\\x", 2) != 0 ||
	    strlen(k->wrapped + 2) != 2 * MASTERKEY_WRAPPED_LEN ||
	    hex_decode(k->wrapped + 2, wrapped, sizeof(wrapped)) < 0 ||
	    masterkey_unwrap(tenant, k->purpose, &k->id, wrapped,
	                     sizeof(wrapped), key) < 0)
		return NULL;
	crypto_b64url_enc(key, sizeof(key), b64, sizeof(b64));
	crypto_wipe(key, sizeof(key));
	uuid_format(&k->id, id);
	o = cJSON_CreateObject();
	json_add_str(o, "id", id);
	json_add_str(o, "purpose", k->purpose);
	json_add_str(o, "key", b64);
	json_add_str(o, "created_at", k->created_at);
	json_add_str(o, "retired_at", k->retired_at);
	json_add_str(o, "expires_at", k->expires_at);
	crypto_wipe(b64, sizeof(b64));
	return o;
}

/* Wipes the plain text of a box (its keys), then the tree's strings. */
static void
wipe_text(char *s)
{
	if (s != NULL)
		crypto_wipe(s, strlen(s));
}

/* A digest is lower-case hex, at most a SHA-512's. */
static bool
hex_only(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n <= 128 && s[n] == '\0';
}

const char *
keyring_transfer_seal(struct arena *a, const struct uuid *tenant,
                      const struct tenant_copy_keys *rows, const char *digest,
                      const struct transport_key *pub, const char **why)
{
	cJSON *plain = cJSON_CreateObject(), *keys, *out;
	const char *ctx = box_context(a, tenant);
	char tid[UUID_STR_LEN + 1], *text, *b64;
	unsigned char *box = NULL;
	size_t boxlen = 0;

	if (digest != NULL && !hex_only(digest)) {
		*why = "the digest to bind is not hex";
		return NULL;
	}
	uuid_format(tenant, tid);
	json_add_str(plain, "tenant", tid);
	json_add_str(plain, "digest", digest ? digest : "");
	keys = cJSON_AddArrayToObject(plain, "keys");
	for (int i = 0; i < rows->n; i++) {
		cJSON *e = key_entry(tenant, &rows->rows[i]);

		if (e == NULL) {
			*why = "a tenant key does not unwrap with this "
			       "region's master key";
			return NULL;
		}
		cJSON_AddItemToArray(keys, e);
	}
	text = json_print(plain);
	if (text == NULL || transport_seal(pub, ctx, strlen(ctx), text,
	                                   strlen(text), &box, &boxlen) < 0) {
		wipe_text(text);
		*why = "the keyring cannot be sealed";
		return NULL;
	}
	wipe_text(text);
	b64 = arena_alloc(a, 4 * (boxlen / 3 + 1) + 1);
	crypto_b64url_enc(box, boxlen, b64, 4 * (boxlen / 3 + 1) + 1);
	free(box);
	out = cJSON_CreateObject();
	json_add_str(out, "format", SEALED_FORMAT);
	cJSON_AddNumberToObject(out, "version", 1);
	json_add_str(out, "tenant", tid);
	json_add_str(out, "alg", SEALED_ALG);
	json_add_str(out, "box", b64);
	return json_print(out);
}

/* The box of a sealed keyring object, decoded into *box (arena). */
static int
sealed_box(struct arena *a, const cJSON *o, struct uuid *tenant,
           unsigned char **box, size_t *len, const char **why)
{
	const char *fmt = json_str(o, "format"), *tid = json_str(o, "tenant");
	const char *b64 = json_str(o, "box");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "version");
	int n;

	if (fmt == NULL || strcmp(fmt, SEALED_FORMAT) != 0 ||
	    !cJSON_IsNumber(v) || v->valuedouble != 1) {
		*why = "not a sealed keyring (format strata-sealed-keyring, "
		       "version 1)";
		return -1;
	}
	if (tid == NULL || uuid_parse(tid, tenant) < 0 || b64 == NULL ||
	    strlen(b64) > SEALED_MAX) {
		*why = "the sealed keyring lacks its tenant or box";
		return -1;
	}
	*box = arena_alloc(a, strlen(b64) + 1);
	n = crypto_b64url_dec(b64, strlen(b64), *box, strlen(b64) + 1);
	if (n < 0) {
		*why = "the sealed keyring's box is not base64url";
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

/* One opened key entry into k; -1 when malformed. */
static int
open_entry(struct arena *a, const cJSON *e, struct keyring_transfer_key *k)
{
	const char *id = json_str(e, "id"), *p = json_str(e, "purpose");
	const char *key = json_str(e, "key");
	unsigned char buf[64];

	if (id == NULL || uuid_parse(id, &k->meta.id) < 0 || p == NULL ||
	    (strcmp(p, "signing") != 0 && strcmp(p, "data") != 0 &&
	     strcmp(p, "index") != 0) ||
	    key == NULL ||
	    crypto_b64url_dec(key, strlen(key), buf, sizeof(buf)) !=
	        CRYPTO_KEY_LEN)
		return -1;
	memcpy(k->key, buf, CRYPTO_KEY_LEN);
	crypto_wipe(buf, sizeof(buf));
	k->meta.purpose = arena_strdup(a, p);
	k->meta.created_at = json_str(e, "created_at");
	k->meta.retired_at = json_str(e, "retired_at");
	k->meta.expires_at = json_str(e, "expires_at");
	return 0;
}

/* The opened plain text into out; -1 with *why when malformed. */
static int
read_plain(struct arena *a, const char *text, size_t n,
           struct keyring_transfer *out, const char **why)
{
	const cJSON *keys, *e;
	const char *tid, *perr;
	struct uuid t;
	cJSON *o = json_parse(text, n, JSON_MAX_DEPTH, &perr);
	int i = 0;

	keys = o ? cJSON_GetObjectItemCaseSensitive(o, "keys") : NULL;
	tid = o ? json_str(o, "tenant") : NULL;
	if (!cJSON_IsArray(keys) || tid == NULL || uuid_parse(tid, &t) < 0 ||
	    !uuid_equal(&t, &out->tenant)) {
		*why = "the sealed keyring's contents are malformed";
		return -1;
	}
	out->digest = json_str(o, "digest") ? json_str(o, "digest") : "";
	out->n = cJSON_GetArraySize(keys);
	out->keys = arena_calloc(a, out->n > 0 ? (size_t)out->n : 1,
	                         sizeof(*out->keys));
	cJSON_ArrayForEach(e, keys) if (open_entry(a, e, &out->keys[i++]) < 0)
	{
		keyring_transfer_wipe(out);
		*why = "a key of the sealed keyring is malformed";
		return -1;
	}
	/* The tree's copies of the keys go with the plain text. */
	cJSON_ArrayForEach(e, keys)
	{
		cJSON *k = cJSON_GetObjectItemCaseSensitive(e, "key");

		if (cJSON_IsString(k))
			wipe_text(k->valuestring);
	}
	return 0;
}

int
keyring_transfer_open(struct arena *a, const char *json, size_t len,
                      const struct transport_key *priv,
                      struct keyring_transfer *out, const char **why)
{
	const char *perr, *ctx;
	unsigned char *box, *plain = NULL;
	size_t boxlen, n = 0;
	cJSON *o = json_parse(json, len, JSON_MAX_DEPTH, &perr);
	int rc;

	memset(out, 0, sizeof(*out));
	if (o == NULL) {
		*why = "the sealed keyring is not valid JSON";
		return -1;
	}
	if (sealed_box(a, o, &out->tenant, &box, &boxlen, why) < 0)
		return -1;
	ctx = box_context(a, &out->tenant);
	if (transport_open(priv, ctx, strlen(ctx), box, boxlen, &plain, &n) <
	    0) {
		*why = "the sealed keyring does not open with this region's "
		       "transport key (another key, or changed or truncated)";
		return -1;
	}
	rc = read_plain(a, (const char *)plain, n, out, why);
	crypto_wipe(plain, n);
	free(plain);
	return rc;
}

const unsigned char *
keyring_transfer_find(const struct keyring_transfer *k, const char *purpose,
                      const struct uuid *id)
{
	for (int i = 0; i < k->n; i++)
		if (uuid_equal(&k->keys[i].meta.id, id) &&
		    strcmp(k->keys[i].meta.purpose, purpose) == 0)
			return k->keys[i].key;
	return NULL;
}

/* "{id,id}" of k's current keys of purpose, or NULL when it has none. */
static const char *
current_ids(struct arena *a, const struct keyring_transfer *k,
            const char *purpose)
{
	const char *s = NULL;

	for (int i = 0; i < k->n; i++) {
		char id[UUID_STR_LEN + 1];

		if (k->keys[i].meta.retired_at != NULL ||
		    strcmp(k->keys[i].meta.purpose, purpose) != 0)
			continue;
		uuid_format(&k->keys[i].meta.id, id);
		s = s ? arena_printf(a, "%s,%s", s, id) : arena_strdup(a, id);
	}
	return s ? arena_printf(a, "{%s}", s) : NULL;
}

int
keyring_transfer_queue_adopt(struct db *db, struct arena *a,
                             const struct uuid *target,
                             const struct keyring_transfer *k)
{
	static const char *const purposes[3] = {"signing", "data", "index"};
	char tid[UUID_STR_LEN + 1];
	int h = 0;

	uuid_format(target, tid);
	for (int i = 0; i < 3 && h >= 0; i++) {
		const char *ids = current_ids(a, k, purposes[i]);

		if (ids != NULL)
			h = tenant_copy_queue_retire_others(db, tid,
			                                    purposes[i], ids);
	}
	for (int i = 0; i < k->n && h >= 0; i++) {
		unsigned char w[MASTERKEY_WRAPPED_LEN];
		struct tenant_copy_key row = k->keys[i].meta;
		char *hex = arena_alloc(a, 2 * sizeof(w) + 3);

		if (masterkey_wrap(target, row.purpose, &row.id, k->keys[i].key,
		                   w) < 0)
			return -1;
		hex[0] = '\\';
		hex[1] = 'x';
		hex_encode(w, sizeof(w), hex + 2);
		row.wrapped = hex;
		h = tenant_copy_queue_key(db, tid, &row);
	}
	return h < 0 ? -1 : keyring_queue_changed(db, tid);
}

void
keyring_transfer_wipe(struct keyring_transfer *k)
{
	for (int i = 0; i < k->n && k->keys != NULL; i++)
		crypto_wipe(k->keys[i].key, CRYPTO_KEY_LEN);
}
