/*
 * records.h - records of a collection, their pivot rows and the list
 * queries built over them.
 *
 * A list query is assembled from fixed SQL fragments chosen by field type
 * and operator; every value (tenant, collection, field names, filter
 * values, cursor) travels as a parameter.  It is driven by the pivot index
 * of the sort field, or of the first indexed filter, or by the records'
 * (tenant_id, collection, id) index, so every shape is served by an index
 * that starts with tenant_id.
 */
#ifndef STRATA_DATA_RECORDS_H
#define STRATA_DATA_RECORDS_H

#include <stdbool.h>

#include <cJSON.h>
#include <libpq-fe.h>

#include "data/collections.h"

#define RECORD_MAX_FILTERS 8
#define RECORD_MAX_IN 100

struct db;
struct arena;

enum filter_op { OP_EQ, OP_NE, OP_LT, OP_LTE, OP_GT, OP_GTE, OP_IN };

struct record_filter {
	int field;
	enum filter_op op;
	const char *value; /* as given; checked by records_value_ok() */
};

struct record_query {
	const struct collection *c;
	const char *tid;
	struct record_filter f[RECORD_MAX_FILTERS];
	int nf;
	int sort; /* field index, or -1: by id */
	bool desc;
	int limit;
	const char *after_id;    /* keyset: the last id shown */
	const char *after_value; /* keyset: its sort value (pivot-driven) */
};

struct record_sql {
	const char *sql;
	const char *params[3 + 2 * RECORD_MAX_FILTERS + 4];
	int nparams;
	bool pivot; /* driven by a pivot: cursors carry a value */
};

/* Columns of every record row: id, collection, data, version, created_at,
 * updated_at, created_by, then the subject key of the record (id, wrapped,
 * wrapped_by; NULL without one), then, in lists, the cursor value. */
#define RECORD_COLUMNS                                                         \
	"r.id, r.collection, r.data::text, r.version, ts(r.created_at), "      \
	"ts(r.updated_at), r.created_by, sk.id, sk.wrapped, sk.wrapped_by"
/* Every statement that uses it has the tenant as $1.  Naming $1, not
 * r.tenant_id, keeps Citus 13.2 from crashing on the join of an INSERT's
 * RETURNING with subject_keys, and routes it to the tenant's shard. */
#define RECORD_SUBJECT_JOIN                                                    \
	" LEFT JOIN subject_keys sk ON sk.tenant_id = $1 AND "                 \
	"sk.subject_hash = r.subject"
#define RECORD_CURSOR_COL 10
/* RECORD_COLUMNS without the subject key, whose columns are NULL: for a
 * collection without personal fields, whose records' subject keys no
 * answer uses (no join to subject_keys). */
#define RECORD_PLAIN_COLUMNS                                                   \
	"r.id, r.collection, r.data::text, r.version, ts(r.created_at), "      \
	"ts(r.updated_at), r.created_by, NULL, NULL, NULL"

/* A record as stored: texts copied into the arena, data as its jsonb
 * text (copied out as it is when nothing in it needs unsealing). */
struct record {
	const char *id;
	const char *collection;
	const char *data;
	size_t data_len;
	const char *version;
	const char *created_at;
	const char *updated_at;
	const char *created_by;
	/* The subject key of the record (NULL without one). */
	const char *sk_id;
	const char *sk_wrapped; /* bytea text */
	const char *sk_wrapped_by;
	const char *cursor; /* lists: the driving sort value */
};

/* One record read by id: found, and the record. */
struct record_one {
	bool found;
	struct record r;
};

/* A page of records: at most the query's limit + 1 rows (one more tells
 * that a next page exists). */
struct record_page {
	int n;
	struct record *rows;
};

/* Row i of a RECORD_COLUMNS result into rec (texts in arena a). */
void records_from_row(const PGresult *r, int i, struct record *rec,
                      struct arena *a);

/* Queue the typed reads: one record by id (not locked), a list page. */
/* records_get for a collection without personal fields: the same row
 * with no subject key (no join). */
int records_get_plain(struct db *db, const char *tid, const char *collection,
                      const char *id, struct record_one *out);
int records_get(struct db *db, const char *tid, const char *collection,
                const char *id, struct record_one *out);
int records_list_page(struct db *db, const struct record_sql *sql,
                      struct record_page *out);

/* The operator named op ("eq", "gte", ...), or -1. */
int records_op(const char *op);

/* NULL when value (text from a query string) is a value of field d for op,
 * else the reason.  IN takes comma-separated values. */
const char *records_value_ok(const struct field_def *d, enum filter_op op,
                             const char *value);

/* Assembles the list query of q into out (arena a).  Returns 0, or -1 with
 * the reason in *why when q asks for what no index can serve. */
int records_build_list(struct arena *a, const struct record_query *q,
                       struct record_sql *out, const char **why);

/* {id, collection, data, version, created_at, updated_at, created_by} of
 * rec, with data as its stored text. */
cJSON *records_json(const struct record *rec);

/* Aggregates over the pivot: GET .../aggregate. */
#define RECORD_MAX_GROUPS 1000

enum aggregate_fn {
	AGG_COUNT,       /* records */
	AGG_COUNT_FIELD, /* records that have the field */
	AGG_SUM,
	AGG_AVG,
	AGG_MIN,
	AGG_MAX,
};

/* q's collection, tenant and filters (every filter on an indexed or
 * personal field: each is an EXISTS probe on the pivot); group: the field
 * to group by (indexed, not personal) or -1; fn over field (-1 for
 * AGG_COUNT): sum and avg of numbers, min and max of numbers and
 * date-times, count of any indexed or personal field. */
struct aggregate_query {
	struct record_query q;
	int group;
	enum aggregate_fn fn;
	int field;
};

/* One group: its key (NULL without group_by) and value as SQL text. */
struct aggregate_row {
	const char *key;
	const char *value;
};
/* At most RECORD_MAX_GROUPS + 1 rows (one more tells there are too many). */
struct aggregate_result {
	int n;
	struct aggregate_row *rows;
};

/* Assembles the aggregate query of g into out (arena a), driven by the
 * pivot index of the group field or by the records' collection index.
 * Returns 0, or -1 with the reason in *why when a field is not one the
 * pivot serves for that use. */
int records_build_aggregate(struct arena *a, const struct aggregate_query *g,
                            struct record_sql *out, const char **why);

/* Queues the query built by records_build_aggregate, its result into out,
 * after the transaction's statement_timeout set to timeout (a
 * PostgreSQL interval text, "2s"). */
int records_aggregate(struct db *db, const struct record_sql *sql,
                      const char *timeout, struct aggregate_result *out);

/* The record locked for a write (FOR UPDATE), into out. */
int records_get_for_update(struct db *db, const char *tid,
                           const char *collection, const char *id,
                           struct record_one *out);
/* Writes; out is the record as written (RECORD_COLUMNS). */
int records_insert(struct db *db, const char *tid, const char *id,
                   const char *collection, const char *data,
                   const char *schema_version, const char *subject,
                   const char *by, struct record_one *out);
int records_update(struct db *db, const char *tid, const char *collection,
                   const char *id, const char *data, const char *schema_version,
                   const char *subject, struct record_one *out);
int records_remove(struct db *db, const char *tid, const char *collection,
                   const char *id);

/* Replaces the pivot rows of record id with those of data's indexed
 * fields and, for personal fields, their blind indexes (blind[i], NULL
 * when none).  Returns the last handle or -1. */
int records_queue_pivot(struct db *db, struct arena *a, const char *tid,
                        const struct collection *c, const char *id,
                        const cJSON *data, const char *const *blind,
                        bool replace);

/* The tenant's record count (sum of its counter shards) into *out. */
int records_count(struct db *db, const char *tid, long long *out);

/* Adds delta (an integer as text) to one counter shard of the tenant. */
int records_queue_counter(struct db *db, struct arena *a, const char *tid,
                          const char *delta);

/* The field whose pivot drives q (-1: the records index).  Cursors are
 * bound to it. */
int records_driver(const struct record_query *q);

/* Queues EXPLAIN (COSTS OFF) of a list query from records_build_list, for
 * `strata explain`.  Returns the handle (one plan line a row) or -1. */
int records_queue_explain(struct db *db, struct arena *a,
                          const struct record_sql *sql);

#endif
