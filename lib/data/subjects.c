/*
 * subjects.c - subject_keys.
 */
#include "data/subjects.h"

#include <string.h>

#include "core/hex.h"
#include "data/db.h"

static struct db_stmt st_get_or_create = DB_STMT(
    "subject_get_or_create",
    "INSERT INTO subject_keys AS s (tenant_id, id, subject_hash, wrapped, "
    "wrapped_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, "
    "subject_hash) DO UPDATE SET subject_hash = s.subject_hash RETURNING "
    "s.id, s.wrapped, s.wrapped_by",
    5);
static struct db_stmt st_keys = DB_STMT(
    "subject_keys",
    "SELECT id, wrapped, wrapped_by FROM subject_keys WHERE tenant_id = $1 "
    "AND subject_hash = ANY ($2::text[])",
    2);
static struct db_stmt st_destroy = DB_STMT(
    "subject_destroy",
    "DELETE FROM subject_keys WHERE tenant_id = $1 AND subject_hash = ANY "
    "($2::text[]) RETURNING id",
    2);

static void
decode_key(const PGresult *r, void *out, struct arena *a)
{
	struct subject_key_row *k = out;

	if (db_rows(r) != 1)
		return;
	k->found = true;
	k->id = db_str(r, 0, 0, a);
	k->wrapped = db_str(r, 0, 1, a);
	k->wrapped_by = db_str(r, 0, 2, a);
}

int
subjects_get_or_create(struct db *db, const char *tid, const char *hash,
                       const char *new_id, const char *wrapped,
                       const char *wrapped_by, struct subject_key_row *out)
{
	const char *p[5] = {tid, new_id, hash, wrapped, wrapped_by};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get_or_create, p, decode_key, out);
}

int
subjects_queue_keys(struct db *db, const char *tid, const char *hashes)
{
	const char *p[2] = {tid, hashes};

	return db_queue(db, &st_keys, p);
}

static void
decode_count(const PGresult *r, void *out, struct arena *a)
{
	struct subjects_count *o = out;

	(void)a;
	o->n = db_rows(r);
}

int
subjects_destroy(struct db *db, const char *tid, const char *hashes,
                 struct subjects_count *out)
{
	const char *p[2] = {tid, hashes};

	out->n = 0;
	return db_queue_into(db, &st_destroy, p, decode_count, out);
}

/* "strata-subject:v1" || tenant(16) || key id(16) */
static size_t
aad(const struct uuid *tenant, const struct uuid *id, unsigned char out[64])
{
	static const char label[] = "strata-subject:v1";

	memcpy(out, label, sizeof(label) - 1);
	memcpy(out + sizeof(label) - 1, tenant->b, 16);
	memcpy(out + sizeof(label) - 1 + 16, id->b, 16);
	return sizeof(label) - 1 + 32;
}

int
subjects_wrap_key(const struct keyring *k, const struct uuid *tenant,
                  const struct uuid *id,
                  const unsigned char key[CRYPTO_KEY_LEN],
                  struct subject_new *out)
{
	const struct keyring_key *dk = keyring_find(k, KEY_DATA, NULL);
	unsigned char box[CRYPTO_KEY_LEN + CRYPTO_SEAL_OVERHEAD];
	unsigned char ad[64];

	if (dk == NULL || crypto_seal(dk->key, ad, aad(tenant, id, ad), key,
	                              CRYPTO_KEY_LEN, box) < 0)
		return -1;
	out->id = *id;
	uuid_format(id, out->id_str);
	uuid_format(&dk->id, out->wrapped_by);
	out->wrapped[0] = '\\';
	out->wrapped[1] = 'x';
	hex_encode(box, sizeof(box), out->wrapped + 2);
	return 0;
}

int
subjects_new_key(const struct keyring *k, const struct uuid *tenant,
                 struct subject_new *out)
{
	unsigned char key[CRYPTO_KEY_LEN];
	struct uuid id;
	int rc;

	if (uuid_v7(&id) < 0 || crypto_random(key, sizeof(key)) < 0)
		return -1;
	rc = subjects_wrap_key(k, tenant, &id, key, out);
	crypto_wipe(key, sizeof(key));
	return rc;
}

int
subjects_unwrap_key(const struct keyring *k, const struct uuid *tenant,
                    const char *id_text, const char *wrapped,
                    const char *wrapped_by, struct uuid *id,
                    unsigned char key[CRYPTO_KEY_LEN])
{
	const struct keyring_key *dk;
	struct uuid by;
	unsigned char ad[64], *box;
	size_t len = 0;
	int rc;

	if (id_text == NULL || wrapped == NULL || wrapped_by == NULL ||
	    uuid_parse(id_text, id) < 0 || uuid_parse(wrapped_by, &by) < 0)
		return -1;
	dk = keyring_find(k, KEY_DATA, &by);
	if (dk == NULL)
		return -1;
	box = PQunescapeBytea((const unsigned char *)wrapped, &len);
	if (box == NULL)
		return -1;
	rc = len == CRYPTO_KEY_LEN + CRYPTO_SEAL_OVERHEAD
	         ? crypto_open(dk->key, ad, aad(tenant, id, ad), box, len, key)
	         : -1;
	PQfreemem(box);
	return rc;
}

int
subjects_unwrap(const struct keyring *k, const struct uuid *tenant,
                const PGresult *r, int i, int col, struct uuid *id,
                unsigned char key[CRYPTO_KEY_LEN])
{
	if (db_is_null(r, i, col))
		return -1;
	return subjects_unwrap_key(k, tenant, db_value(r, i, col),
	                           db_value(r, i, col + 1),
	                           db_value(r, i, col + 2), id, key);
}
