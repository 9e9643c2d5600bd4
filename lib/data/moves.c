/*
 * moves.c - the SQL of moving one tenant between two regions' databases.
 */
#include "data/moves.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "data/db.h"

int
moves_object_name(const char *tid, char out[64])
{
	size_t n = 0;

	for (const char *p = tid; *p; p++) {
		if (*p == '-')
			continue;
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')) ||
		    n >= 32)
			return -1;
		n++;
	}
	if (n != 32)
		return -1;
	n = (size_t)snprintf(out, 64, "strata_move_");
	for (const char *p = tid; *p; p++)
		if (*p != '-')
			out[n++] = *p;
	out[n] = '\0';
	return 0;
}

static int
super_fail(struct moves_super *s, const char *what)
{
	const char *m = s->conn ? PQerrorMessage(s->conn) : "no connection";

	snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", what, m);
	return -1;
}

int
moves_super_open(struct moves_super *s, const char *conninfo)
{
	memset(s, 0, sizeof(*s));
	s->conn = PQconnectdb(conninfo);
	if (PQstatus(s->conn) != CONNECTION_OK)
		return super_fail(s, "connect");
	return 0;
}

void
moves_super_close(struct moves_super *s)
{
	if (s->conn != NULL)
		PQfinish(s->conn);
	s->conn = NULL;
}

/* Runs one statement; its result (to PQclear) or NULL with errmsg. */
static PGresult *
super_exec(struct moves_super *s, const char *sql, int n,
           const char *const *params, const char *what)
{
	PGresult *r =
	    PQexecParams(s->conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	PQclear(r);
	super_fail(s, what);
	return NULL;
}

int
moves_subscribe(struct moves_super *s, const char *tid,
                const char *source_conninfo)
{
	char name[64], *lit, *text;
	PGresult *r;
	size_t len;

	if (moves_object_name(tid, name) < 0)
		return super_fail(s, "tenant id");
	lit =
	    PQescapeLiteral(s->conn, source_conninfo, strlen(source_conninfo));
	if (lit == NULL)
		return super_fail(s, "conninfo");
	len = strlen(lit) + 2 * sizeof(name) + 96;
	if ((text = malloc(len)) == NULL) {
		PQfreemem(lit);
		return super_fail(s, "memory");
	}
	snprintf(text, len,
	         "CREATE SUBSCRIPTION %s CONNECTION %s PUBLICATION %s WITH "
	         "(copy_data = true)",
	         name, lit, name);
	r = super_exec(s, text, 0, NULL, "create subscription");
	free(text);
	PQfreemem(lit);
	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

int
moves_sync_state(struct moves_super *s, const char *tid, int *pending,
                 int *total)
{
	char name[64];
	const char *p[1] = {name};
	PGresult *r;

	if (moves_object_name(tid, name) < 0)
		return super_fail(s, "tenant id");
	r = super_exec(
	    s,
	    "SELECT count(*) FILTER (WHERE r.srsubstate <> 'r'), "
	    "count(*) FROM pg_subscription s JOIN pg_subscription_rel "
	    "r ON r.srsubid = s.oid WHERE s.subname = $1",
	    1, p, "subscription state");
	if (r == NULL)
		return -1;
	*pending = (int)db_int(r, 0, 0);
	*total = (int)db_int(r, 0, 1);
	PQclear(r);
	if (*total == 0) {
		snprintf(s->errmsg, sizeof(s->errmsg), "no subscription %s",
		         name);
		return -1;
	}
	return 0;
}

int
moves_unsubscribe(struct moves_super *s, const char *tid)
{
	char name[64], text[200];
	const char *p[1] = {name};
	PGresult *r;
	bool found;

	if (moves_object_name(tid, name) < 0)
		return super_fail(s, "tenant id");
	r = super_exec(s, "SELECT 1 FROM pg_subscription WHERE subname = $1", 1,
	               p, "subscription");
	if (r == NULL)
		return -1;
	found = db_rows(r) == 1;
	PQclear(r);
	if (!found)
		return 0;
	/* Disabled first: a subscription's worker holds its slot. */
	snprintf(text, sizeof(text), "ALTER SUBSCRIPTION %s DISABLE", name);
	if ((r = super_exec(s, text, 0, NULL, "disable subscription")) == NULL)
		return -1;
	PQclear(r);
	snprintf(text, sizeof(text), "DROP SUBSCRIPTION %s", name);
	if ((r = super_exec(s, text, 0, NULL, "drop subscription")) == NULL)
		return -1;
	PQclear(r);
	return 0;
}

/* One md5 over every table's count and digest, and the rows in all. */
#define DIGEST_SQL                                                             \
	"SELECT md5(string_agg(rel || ':' || n || ':' || digest, ',' ORDER "   \
	"BY "                                                                  \
	"rel)), sum(n) FROM strata.tenant_digest($1)"

int
moves_super_digest(struct moves_super *s, const char *tid, char out[33],
                   long long *rows)
{
	const char *p[1] = {tid};
	PGresult *r = super_exec(s, DIGEST_SQL, 1, p, "digest");

	if (r == NULL)
		return -1;
	snprintf(out, 33, "%s", db_value(r, 0, 0));
	*rows = db_int(r, 0, 1);
	PQclear(r);
	return 0;
}

static struct db_stmt st_publish =
    DB_STMT("move_publish", "SELECT move_publish($1, $2)", 2);
static struct db_stmt st_unpublish =
    DB_STMT("move_unpublish", "SELECT move_unpublish($1, $2)", 2);
/* Each change of the tenant's state tells every worker to forget its
 * cached copy (strata_cache, as data/tenants.c's updates do). */
static struct db_stmt st_freeze = DB_STMT(
    "move_freeze",
    "WITH t AS (UPDATE tenants SET status = 'moving', updated_at = now() "
    "WHERE id = $1 AND status = 'active' RETURNING id) SELECT "
    "pg_notify('strata_cache', 'tenant:' || id) FROM t",
    1);
static struct db_stmt st_thaw = DB_STMT(
    "move_thaw",
    "WITH t AS (UPDATE tenants SET status = 'active', updated_at = now() "
    "WHERE id = $1 AND status = 'moving' RETURNING id) SELECT "
    "pg_notify('strata_cache', 'tenant:' || id) FROM t",
    1);
/* Every transaction holds a lock on its virtual id while it runs; pg_locks
 * shows them to every role. */
static struct db_stmt st_open = DB_STMT(
    "move_open_transactions",
    "SELECT coalesce(array_agg(virtualxid), '{}')::text FROM pg_locks WHERE "
    "locktype = 'virtualxid' AND pid <> pg_backend_pid()",
    0);
static struct db_stmt st_still_open =
    DB_STMT("move_still_open",
            "SELECT count(*) FROM pg_locks WHERE locktype = 'virtualxid' AND "
            "virtualxid::text = ANY ($1::text[])",
            1);
static struct db_stmt st_row =
    DB_STMT("move_tenant_row",
            "SELECT row_to_json(t)::text FROM tenants t WHERE id = $1", 1);
static struct db_stmt st_exists =
    DB_STMT("move_exists", "SELECT 1 FROM tenants WHERE id = $1", 1);
static struct db_stmt st_arrive =
    DB_STMT("move_arrive", "SELECT move_arrive($1, $2::jsonb, $3)", 3);
static struct db_stmt st_shred =
    DB_STMT("move_shred",
            "UPDATE tenant_keys SET wrapped = NULL, destroyed_at = coalesce("
            "destroyed_at, now()) WHERE tenant_id = $1",
            1);
/* The region directory's rows (sql/021_regions.sql). */
static struct db_stmt st_hand_over =
    DB_STMT("move_hand_over", "SELECT directory_hand_over($1, $2)", 2);
static struct db_stmt st_take_over =
    DB_STMT("move_take_over", "SELECT directory_take_over($1)", 1);
/* The copied keys still wrapped under the source's master key (destroyed
 * ones, wrapped NULL, stay as the record of their destruction). */
static struct db_stmt st_drop_live_keys = DB_STMT(
    "move_drop_live_keys",
    "DELETE FROM tenant_keys WHERE tenant_id = $1 AND wrapped IS NOT NULL", 1);
static struct db_stmt st_purge = DB_STMT(
    "move_purge",
    "SELECT tenant_purge($1), pg_notify('strata_cache', 'tenant:' || $1)", 1);

int
moves_conninfo_user(const char *conninfo, char *out, size_t n)
{
	PQconninfoOption *o = PQconninfoParse(conninfo, NULL);
	int rc = -1;

	for (PQconninfoOption *i = o; i != NULL && i->keyword != NULL; i++)
		if (strcmp(i->keyword, "user") == 0 && i->val != NULL &&
		    *i->val != '\0' && strlen(i->val) < n) {
			snprintf(out, n, "%s", i->val);
			rc = 0;
		}
	PQconninfoFree(o);
	return rc;
}

int
moves_queue_publish(struct db *db, const char *tid, const char *reader)
{
	const char *p[2] = {tid, reader};

	return db_queue(db, &st_publish, p);
}

int
moves_queue_unpublish(struct db *db, const char *tid, const char *reader)
{
	const char *p[2] = {tid, reader};

	return db_queue(db, &st_unpublish, p);
}

static void
decode_count(const PGresult *r, void *out, struct arena *a)
{
	(void)a;
	*(long long *)out = db_rows(r);
}

int
moves_queue_freeze(struct db *db, const char *tid, long long *changed)
{
	const char *p[1] = {tid};

	*changed = 0;
	return db_queue_into(db, &st_freeze, p, decode_count, changed);
}

int
moves_queue_thaw(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_thaw, p);
}

static void
decode_text(const PGresult *r, void *out, struct arena *a)
{
	*(const char **)out = db_rows(r) == 1 ? db_str(r, 0, 0, a) : NULL;
}

int
moves_queue_open_transactions(struct db *db, const char **ids)
{
	*ids = NULL;
	return db_queue_into(db, &st_open, NULL, decode_text, ids);
}

int
moves_queue_still_open(struct db *db, const char *ids, long long *open)
{
	const char *p[1] = {ids};

	*open = 0;
	return db_queue_into(db, &st_still_open, p, db_decode_int, open);
}

int
moves_queue_tenant_row(struct db *db, const char *tid, const char **row)
{
	const char *p[1] = {tid};

	*row = NULL;
	return db_queue_into(db, &st_row, p, decode_text, row);
}

static void
decode_exists(const PGresult *r, void *out, struct arena *a)
{
	(void)a;
	*(bool *)out = db_rows(r) == 1;
}

int
moves_queue_exists(struct db *db, const char *tid, bool *exists)
{
	const char *p[1] = {tid};

	*exists = false;
	return db_queue_into(db, &st_exists, p, decode_exists, exists);
}

int
moves_queue_arrive(struct db *db, const char *tid, const char *row,
                   const char *home)
{
	const char *p[3] = {tid, row, home};

	return db_queue(db, &st_arrive, p);
}

int
moves_queue_shred(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_shred, p);
}

int
moves_queue_purge(struct db *db, const char *tid, long long *rows)
{
	const char *p[1] = {tid};

	*rows = 0;
	return db_queue_into(db, &st_purge, p, db_decode_int, rows);
}

int
moves_queue_hand_over(struct db *db, const char *tid, const char *to)
{
	const char *p[2] = {tid, to};

	return db_queue(db, &st_hand_over, p);
}

int
moves_queue_take_over(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_take_over, p);
}

int
moves_queue_drop_live_keys(struct db *db, const char *tid)
{
	const char *p[1] = {tid};

	return db_queue(db, &st_drop_live_keys, p);
}
