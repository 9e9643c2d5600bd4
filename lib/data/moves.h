/*
 * moves.h - the SQL of moving one tenant between two regions' databases
 * (sql/023_move.sql; the procedure is ops/move.h's).
 *
 * The source publishes the tenant's rows (move_publish), the target
 * subscribes to that publication (PostgreSQL logical replication: a bulk
 * copy, then every change), both compare tenant_digest() once the source
 * is frozen, the target writes the tenants row last (move_arrive) and the
 * source purges what it held.  Subscriptions are a superuser's to create
 * and drop (PostgreSQL 15): those run on a connection of their own
 * (struct moves_super), outside any transaction; everything else runs on
 * the owner role's struct db.
 */
#ifndef STRATA_DATA_MOVES_H
#define STRATA_DATA_MOVES_H

#include <stdbool.h>
#include <stddef.h>

struct db;

/* The publication's and the subscription's name for tenant tid (a uuid in
 * lower-case text: the name enters SQL text), strata_move_<32 hex digits>,
 * into out.  0, or -1 when tid is no such uuid. */
int moves_object_name(const char *tid, char out[64]);

/* A superuser's connection to this region's database. */
struct moves_super {
	void *conn; /* PGconn */
	char errmsg[256];
};

/* Connects; 0, or -1 with errmsg. */
int moves_super_open(struct moves_super *s, const char *conninfo);
void moves_super_close(struct moves_super *s);

/* The subscription to the source's publication of tenant tid (text uuid),
 * reached at source_conninfo, with a bulk copy of what the publication
 * holds.  0, or -1 with errmsg. */
int moves_subscribe(struct moves_super *s, const char *tid,
                    const char *source_conninfo);

/* The subscription's tables still copying in bulk into *pending (all of
 * them into *total); 0, or -1 with errmsg (no such subscription). */
int moves_sync_state(struct moves_super *s, const char *tid, int *pending,
                     int *total);

/* Drops the subscription if there is one (and with it its slot on the
 * source).  0, or -1 with errmsg. */
int moves_unsubscribe(struct moves_super *s, const char *tid);

/* The digest of tenant tid's rows here (an md5 over tenant_digest()) into
 * out[33] and their count into *rows, read as the superuser.  0 or -1. */
int moves_super_digest(struct moves_super *s, const char *tid, char out[33],
                       long long *rows);

/* Owner role, struct db; each queues and returns a handle, or -1.  Those
 * that read a tenant's rows run in the caller's transaction of the tenant
 * (db_begin). */

/* The user a conninfo logs in as, into out[n]; 0, or -1 when it names
 * none. */
int moves_conninfo_user(const char *conninfo, char *out, size_t n);

/* The publication of tenant tid's rows (source), and reader's right to
 * read the tenant tables for its bulk copy while one is published. */
int moves_queue_publish(struct db *db, const char *tid, const char *reader);
int moves_queue_unpublish(struct db *db, const char *tid, const char *reader);

/* Freezes an active tenant ("moving"); *changed says whether it was. */
int moves_queue_freeze(struct db *db, const char *tid, long long *changed);
/* Thaws a tenant left "moving" by a failed move. */
int moves_queue_thaw(struct db *db, const char *tid);

/* The transactions open on the database now (their virtual ids, as a
 * PostgreSQL array text into *ids), and how many of ids are still open
 * (into *open): a freeze waits for those that began before it. */
int moves_queue_open_transactions(struct db *db, const char **ids);
int moves_queue_still_open(struct db *db, const char *ids, long long *open);

/* The tenants row of tid as JSON text into *row. */
int moves_queue_tenant_row(struct db *db, const char *tid, const char **row);

/* Whether the tenants row of tid exists here (*exists). */
int moves_queue_exists(struct db *db, const char *tid, bool *exists);

/* Target: the tenants row (JSON text of the source's) at home in region
 * home, the shared sequences past the tenant's numbers, every cache
 * version bumped. */
int moves_queue_arrive(struct db *db, const char *tid, const char *row,
                       const char *home);

/* Target: the copied keys that are still wrapped under the source's
 * master key, removed before they are adopted again under this region's
 * (ops/keyring_transfer.h). */
int moves_queue_drop_live_keys(struct db *db, const char *tid);

/* This region's directory row of the tenant: handed over to region to
 * (source), or taken (back) over from the local tenants row. */
int moves_queue_hand_over(struct db *db, const char *tid, const char *to);
int moves_queue_take_over(struct db *db, const char *tid);

/* Source, after the switch: every key of the tenant destroyed (crypto-
 * shredding), then every row of it deleted; *rows counts them. */
int moves_queue_shred(struct db *db, const char *tid);
int moves_queue_purge(struct db *db, const char *tid, long long *rows);

#endif
