/*
 * operators.c - operators and platform_keys.
 */
#include "data/operators.h"

#include <stdbool.h>
#include <string.h>

#include "core/hex.h"
#include "data/db.h"
#include "sec/masterkey.h"
#include "sec/secmem.h"

#define PLATFORM_KEYS 8

static struct db_stmt st_by_email = DB_STMT(
    "operator_by_email",
    "SELECT id, password_hash, status FROM operators WHERE email_norm = "
    "$1",
    1);
/* The claim of a login on its e-mail's lockout row (see sessions.c's
 * login_claim): the seconds the lock still holds. */
static struct db_stmt st_claim =
    DB_STMT("operator_login_claim",
            "WITH f AS (INSERT INTO operator_login_failures AS f (email_norm) "
            "VALUES ($1) ON CONFLICT (email_norm) DO UPDATE SET failures = "
            "f.failures RETURNING f.locked_until) SELECT "
            "greatest(coalesce(ceil(extract(epoch FROM f.locked_until - "
            "now()))::int, 0), 0) FROM f",
            1);
/* As sessions.c's login_fail (Citus: IMMUTABLE functions only in DO
 * UPDATE SET). */
#define OPERATOR_STALE                                                         \
	"(excluded.window_start - f.window_start > $2 * interval '1 second' "  \
	"AND coalesce(f.locked_until, '-infinity') < excluded.window_start)"
static struct db_stmt st_fail = DB_STMT(
    "operator_login_fail",
    "INSERT INTO operator_login_failures AS f (email_norm, failures, "
    "window_start) VALUES ($1, 1, now()) ON CONFLICT (email_norm) DO UPDATE "
    "SET failures = CASE WHEN " OPERATOR_STALE " THEN 1 ELSE f.failures + 1 "
    "END, window_start = CASE WHEN " OPERATOR_STALE
    " THEN excluded.window_start ELSE f.window_start END",
    2);
static struct db_stmt st_lock = DB_STMT(
    "operator_login_lock",
    "UPDATE operator_login_failures SET locked_until = "
    "to_timestamp(extract(epoch FROM now()) + least(3600, $3 * power(2, "
    "failures - $2))) WHERE email_norm = $1 AND failures >= $2",
    3);
static struct db_stmt st_clear =
    DB_STMT("operator_login_clear",
            "DELETE FROM operator_login_failures WHERE email_norm = $1", 1);
static struct db_stmt st_get =
    DB_STMT("operator_get", "SELECT status FROM operators WHERE id = $1", 1);
static struct db_stmt st_insert = DB_STMT(
    "operator_insert",
    "INSERT INTO operators (id, email, email_norm, password_hash) VALUES "
    "($1, $2, $3, $4)",
    4);
static struct db_stmt st_keys = DB_STMT(
    "platform_keys",
    "SELECT id, wrapped, retired_at IS NULL FROM platform_keys ORDER BY "
    "created_at DESC LIMIT 8",
    0);
static struct db_stmt st_key_insert =
    DB_STMT("platform_key_insert",
            "INSERT INTO platform_keys (id, wrapped) SELECT $1, $2 WHERE NOT "
            "EXISTS (SELECT 1 FROM platform_keys WHERE retired_at IS NULL)",
            2);

static const struct uuid platform; /* the nil uuid stands for "no tenant" */

struct platform_key {
	struct uuid id;
	bool current;
	unsigned char key[CRYPTO_KEY_LEN];
};

/* PLATFORM_KEYS entries in secmem (dontdump), mapped at the first load. */
static struct platform_key *keys;
static int nkeys;

void
operators_clear(void)
{
	if (keys != NULL)
		crypto_wipe(keys, PLATFORM_KEYS * sizeof(*keys));
	nkeys = 0;
}

int
operators_queue_insert(struct db *db, const char *id, const char *email,
                       const char *email_norm, const char *hash)
{
	const char *p[4] = {id, email, email_norm, hash};

	return db_queue(db, &st_insert, p);
}

static void
decode_by_email(const PGresult *r, void *out, struct arena *a)
{
	struct operator_row *o = out;

	if (db_rows(r) != 1)
		return;
	o->found = true;
	o->id = db_str(r, 0, 0, a);
	o->password_hash = db_str(r, 0, 1, a);
	o->active = strcmp(db_value(r, 0, 2), "active") == 0;
}

static void
decode_status(const PGresult *r, void *out, struct arena *a)
{
	struct operator_row *o = out;

	(void)a;
	if (db_rows(r) != 1)
		return;
	o->found = true;
	o->active = strcmp(db_value(r, 0, 0), "active") == 0;
}

static void
decode_claim(const PGresult *r, void *out, struct arena *a)
{
	struct operator_row *o = out;

	(void)a;
	if (db_rows(r) == 1)
		o->locked_s = db_int(r, 0, 0);
}

int
operators_by_email(struct db *db, const char *email_norm,
                   struct operator_row *out)
{
	const char *p[1] = {email_norm};

	memset(out, 0, sizeof(*out));
	db_queue_into(db, &st_by_email, p, decode_by_email, out);
	return db_queue_into(db, &st_claim, p, decode_claim, out);
}

int
operators_queue_fail(struct db *db, const char *email_norm,
                     const char *threshold, const char *window_s,
                     const char *base_s)
{
	const char *p2[2] = {email_norm, window_s};
	const char *p3[3] = {email_norm, threshold, base_s};

	db_queue(db, &st_fail, p2);
	return db_queue(db, &st_lock, p3);
}

int
operators_queue_clear_failures(struct db *db, const char *email_norm)
{
	const char *p[1] = {email_norm};

	return db_queue(db, &st_clear, p);
}

int
operators_status(struct db *db, const char *id, struct operator_row *out)
{
	const char *p[1] = {id};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get, p, decode_status, out);
}

static int
load(struct db *db)
{
	int h = db_queue(db, &st_keys, NULL);
	PGresult *r;

	if (h < 0 || db_sync(db) != 0)
		return -1;
	if (keys == NULL &&
	    (keys = secmem_alloc(PLATFORM_KEYS * sizeof(*keys))) == NULL)
		return -1;
	r = db_result(db, h);
	operators_clear();
	for (int i = 0; i < PQntuples(r) && nkeys < PLATFORM_KEYS; i++) {
		size_t len = 0;
		unsigned char *w = PQunescapeBytea(
		    (const unsigned char *)db_value(r, i, 1), &len);
		int rc;

		if (w == NULL ||
		    uuid_parse(db_value(r, i, 0), &keys[nkeys].id) < 0) {
			PQfreemem(w);
			return -1;
		}
		rc = masterkey_unwrap(&platform, "platform", &keys[nkeys].id, w,
		                      len, keys[nkeys].key);
		PQfreemem(w);
		if (rc < 0)
			return -1;
		keys[nkeys].current = db_value(r, i, 2)[0] == 't';
		nkeys++;
	}
	return 0;
}

static int
create(struct db *db)
{
	unsigned char key[CRYPTO_KEY_LEN], wrapped[MASTERKEY_WRAPPED_LEN];
	char id[UUID_STR_LEN + 1], hex[2 * MASTERKEY_WRAPPED_LEN + 3];
	const char *p[2] = {id, hex};
	struct uuid u;
	int rc;

	if (uuid_v7(&u) < 0 || crypto_random(key, sizeof(key)) < 0)
		return -1;
	rc = masterkey_wrap(&platform, "platform", &u, key, wrapped);
	crypto_wipe(key, sizeof(key));
	if (rc < 0)
		return -1;
	uuid_format(&u, id);
	hex[0] = '\\';
	hex[1] = 'x';
	hex_encode(wrapped, sizeof(wrapped), hex + 2);
	if (db_queue(db, &st_key_insert, p) < 0 || db_sync(db) != 0)
		return -1;
	return 0;
}

static int
find(const struct uuid *kid, struct uuid *id_out,
     unsigned char key[CRYPTO_KEY_LEN])
{
	for (int i = 0; i < nkeys; i++) {
		if (kid != NULL ? !uuid_equal(&keys[i].id, kid)
		                : !keys[i].current)
			continue;
		if (id_out != NULL)
			*id_out = keys[i].id;
		memcpy(key, keys[i].key, CRYPTO_KEY_LEN);
		return 0;
	}
	return -1;
}

int
operators_signing_key(struct db *db, const struct uuid *kid,
                      struct uuid *id_out, unsigned char key[CRYPTO_KEY_LEN])
{
	if (find(kid, id_out, key) == 0)
		return 0;
	if (load(db) < 0)
		return -1;
	if (nkeys == 0 && kid == NULL && (create(db) < 0 || load(db) < 0))
		return -1;
	return find(kid, id_out, key);
}
