/*
 * tenant_copy.h - a tenant's rows as one JSON document and back: what the
 * faithful export reads and `strata tenant import` writes
 * (docs/import.md).
 *
 * Rows travel as to_jsonb() of each row without its tenant_id, one array
 * per table under "tables", in the order parents first; the import puts
 * every row under the new tenant's id with jsonb_populate_record(), so no
 * column list is kept here (both sides run the same migrations).  Table
 * names come from the list in tenant_copy.c, never from input.  The
 * digest is SHA-256 of PostgreSQL's canonical jsonb text of "tables",
 * computed by PostgreSQL on both sides.
 */
#ifndef STRATA_DATA_TENANT_COPY_H
#define STRATA_DATA_TENANT_COPY_H

#include <stdbool.h>

#include "core/uuid.h"

struct arena;
struct db;

/* The tables carried, parents first. */
#define TENANT_COPY_TABLES 17

/* The name of table i (0 <= i < TENANT_COPY_TABLES). */
const char *tenant_copy_table(int i);

/* A tenant key as stored: wrapped by this region's master key. */
struct tenant_copy_key {
	struct uuid id;
	const char *purpose;    /* signing | data | index */
	const char *wrapped;    /* "\x..." hex bytea; NULL once destroyed */
	const char *created_at; /* timestamptz texts; NULL when not set */
	const char *retired_at;
	const char *expires_at;
};

struct tenant_copy_keys {
	int n;
	struct tenant_copy_key *rows;
};

/* What the export reads of one tenant, in the db's arena. */
struct tenant_copy_source {
	bool found;
	const char *tenant; /* {"id","slug","name","plan","region","status",
	                       "config_version"} JSON text */
	const char *tables; /* {"users":[...],...} JSON text */
	const char *digest; /* hex SHA-256 of tables */
	struct tenant_copy_keys keys;
};

/* Queues, in one REPEATABLE READ transaction of tenant (its own: BEGIN
 * to COMMIT), the reads above; out is filled by the caller's db_sync().
 * Returns the last handle, or -1. */
int tenant_copy_queue_read(struct db *db, const struct uuid *tenant,
                           struct tenant_copy_source *out);

/* Queues only the tenant's keys, in the caller's open transaction. */
int tenant_copy_queue_keys(struct db *db, const char *tid,
                           struct tenant_copy_keys *out);

/* What the import's first trip learns of the document. */
struct tenant_copy_check {
	const char *digest;       /* of its "tables" */
	const char *missing;      /* tables that are absent or no array, "a,b";
	                             "" when none */
	long long max_seq;        /* highest audit event seq carried, 0 none */
	long long rows;           /* rows carried, every table */
	long long config_version; /* newest carried, 0 none */
};

/* Queues the check above of the document (its whole JSON text).
 * Returns the handle, or -1. */
int tenant_copy_queue_stage(struct db *db, const char *doc,
                            struct tenant_copy_check *out);

/* Queues, in the caller's open transaction of the new tenant tid, the
 * insertion of every carried table's rows of doc under tid (through the
 * tenant's row of import_documents, removed again), the tenant's
 * configuration version set to the newest carried one and the audit
 * sequence moved past the highest carried seq (so the chain's new events
 * come after the carried ones), both from c.  The tenant row itself is the
 * caller's.  Returns the last handle, or -1. */
int tenant_copy_queue_insert(struct db *db, const char *tid, const char *doc,
                             const struct tenant_copy_check *c,
                             struct arena *a);

/* A sealed value of the new tenant to open and seal again (its AAD names
 * the tenant id): a record field, an MFA secret or a subject key. */
struct tenant_copy_sealed {
	const char *kind;       /* "record" | "mfa" | "subject" */
	const char *id;         /* record id, user id or subject key id */
	const char *collection; /* records only */
	const char *field;      /* records only */
	const char *value;      /* enc:v1:... text, or subject's "\x..." */
	const char *wrapped_by; /* subject keys: the data key id */
};

struct tenant_copy_sealed_rows {
	int n;
	struct tenant_copy_sealed *rows;
};

/* Queues the read of every sealed value of tenant tid (in the caller's
 * transaction). */
int tenant_copy_queue_sealed(struct db *db, const char *tid,
                             struct tenant_copy_sealed_rows *out);

/* Queues the replacement of one sealed value by value (same kind, id,
 * collection and field as s); a subject key also takes the id of the data
 * key now wrapping it (wrapped_by). */
int tenant_copy_queue_reseal(struct db *db, const char *tid,
                             const struct tenant_copy_sealed *s,
                             const char *value, const char *wrapped_by);

/* Queues one key of tenant tid, wrapped (hex bytea "\x..."), with its
 * times (NULL: now() for created_at, unset for the others); a key of
 * that id already there is kept.  Returns the handle, or -1. */
int tenant_copy_queue_key(struct db *db, const char *tid,
                          const struct tenant_copy_key *k);

/* Queues the retirement of tenant tid's current keys of purpose that are
 * not among the ids (a text[] literal): adopted keys take their place. */
int tenant_copy_queue_retire_others(struct db *db, const char *tid,
                                    const char *purpose, const char *ids);

/* A plain export (GET /v1/export) carries no keys or secrets; these
 * write what it holds under tenant tid, in the caller's transaction. */

/* Its roles (after roles_queue_builtins: a built-in role it names keeps
 * this region's permissions) and configuration versions, from the whole
 * document doc, and the tenant's configuration version set to
 * config_version, the newest of them (0 when none). */
int tenant_copy_queue_plain(struct db *db, const char *tid, const char *doc,
                            long long config_version, struct arena *a);

/* One user without a password (status, creation time as exported) and its
 * nroles roles by name. */
int tenant_copy_queue_plain_user(struct db *db, const char *tid,
                                 const char *const user[6],
                                 const char *const *roles, int nroles);

/* A record's version and times as exported, after records_insert(). */
int tenant_copy_queue_record_meta(struct db *db, const char *tid,
                                  const char *id, const char *version,
                                  const char *created_at,
                                  const char *updated_at);

#endif
