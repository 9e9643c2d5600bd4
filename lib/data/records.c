/*
 * records.c - records, pivot rows, list queries.
 */
#include "data/records.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/timefmt.h"
#include "data/db.h"
#include "data/pgarray.h"
#include "sec/crypto.h"

#define SQL_MAX (16 * 1024)

static struct db_stmt st_get =
    DB_STMT("record_get",
            "SELECT " RECORD_COLUMNS " FROM records r" RECORD_SUBJECT_JOIN
            " WHERE r.tenant_id = $1 AND r.collection = $2 AND r.id = $3",
            3);
static struct db_stmt st_get_plain =
    DB_STMT("record_get_plain",
            "SELECT " RECORD_PLAIN_COLUMNS " FROM records r WHERE r.tenant_id "
            "= $1 AND r.collection = $2 AND r.id = $3",
            3);
static struct db_stmt st_get_lock =
    DB_STMT("record_get_lock",
            "SELECT " RECORD_COLUMNS " FROM records r" RECORD_SUBJECT_JOIN
            " WHERE r.tenant_id = $1 AND r.collection = $2 AND r.id = $3 FOR "
            "UPDATE OF r",
            3);
static struct db_stmt st_insert = DB_STMT(
    "record_insert",
    "WITH r AS (INSERT INTO records (tenant_id, id, collection, data, "
    "schema_version, subject, created_by) VALUES ($1, $2, $3, $4::jsonb, "
    "$5, $6, $7) RETURNING *) SELECT " RECORD_COLUMNS
    " FROM r" RECORD_SUBJECT_JOIN,
    7);
/* The same without the subject key, for a record without a subject (the
 * join could find nothing). */
static struct db_stmt st_insert_plain = DB_STMT(
    "record_insert_plain",
    "WITH r AS (INSERT INTO records (tenant_id, id, collection, data, "
    "schema_version, subject, created_by) VALUES ($1, $2, $3, $4::jsonb, "
    "$5, $6, $7) RETURNING *) SELECT " RECORD_PLAIN_COLUMNS " FROM r",
    7);
static struct db_stmt st_update = DB_STMT(
    "record_update",
    "WITH r AS (UPDATE records SET data = $4::jsonb, schema_version = $5, "
    "subject = $6, version = version + 1, updated_at = now() WHERE "
    "tenant_id = $1 AND collection = $2 AND id = $3 RETURNING *) "
    "SELECT " RECORD_COLUMNS " FROM r" RECORD_SUBJECT_JOIN,
    6);
static struct db_stmt st_update_plain = DB_STMT(
    "record_update_plain",
    "WITH r AS (UPDATE records SET data = $4::jsonb, schema_version = $5, "
    "subject = $6, version = version + 1, updated_at = now() WHERE "
    "tenant_id = $1 AND collection = $2 AND id = $3 RETURNING *) "
    "SELECT " RECORD_PLAIN_COLUMNS " FROM r",
    6);
static struct db_stmt st_delete = DB_STMT(
    "record_delete",
    "DELETE FROM records WHERE tenant_id = $1 AND collection = $2 AND id = "
    "$3 RETURNING id",
    3);
static struct db_stmt st_pivot_clear = DB_STMT(
    "record_pivot_clear",
    "DELETE FROM record_index WHERE tenant_id = $1 AND record_id = $2", 2);
/* The pivot rows of a record written earlier in the transaction, selected
 * through the record: Citus then runs the INSERT ... SELECT on the
 * tenant's shard (from unnest() alone it would COPY through the
 * coordinator, which forced RLS refuses). */
static struct db_stmt st_pivot = DB_STMT(
    "record_pivot",
    "INSERT INTO record_index (tenant_id, collection, field, record_id, "
    "v_num, v_text, v_time, v_bool) SELECT r.tenant_id, r.collection, u.f, "
    "r.id, u.n, u.t, u.d, u.b FROM records r CROSS JOIN LATERAL "
    "unnest($4::text[], $5::numeric[], $6::text[], $7::timestamptz[], "
    "$8::boolean[]) AS u(f, n, t, d, b) WHERE r.tenant_id = $1 AND "
    "r.collection = $2 AND r.id = $3",
    8);
/* Off Citus, from the parameters alone: reading the record back through
 * the partitioned records table (a generic plan names every partition)
 * cost more than the rest of a create together. */
static struct db_stmt st_pivot_plain = DB_STMT(
    "record_pivot_plain",
    "INSERT INTO record_index (tenant_id, collection, field, record_id, "
    "v_num, v_text, v_time, v_bool) SELECT $1::uuid, $2::text, u.f, "
    "$3::uuid, u.n, u.t, u.d, "
    "u.b FROM unnest($4::text[], $5::numeric[], $6::text[], "
    "$7::timestamptz[], $8::boolean[]) AS u(f, n, t, d, b)",
    8);
static struct db_stmt st_count = DB_STMT(
    "record_count",
    "SELECT coalesce(sum(records), 0) FROM tenant_counters WHERE tenant_id "
    "= $1",
    1);
static struct db_stmt st_counter = DB_STMT(
    "record_counter",
    "INSERT INTO tenant_counters AS c (tenant_id, shard, records) VALUES "
    "($1, $2, $3) ON CONFLICT (tenant_id, shard) DO UPDATE SET records = "
    "c.records + excluded.records",
    3);

static const char *const op_names[] = {"eq", "ne",  "lt", "lte",
                                       "gt", "gte", "in"};
static const char *const op_sql[] = {"=", "<>", "<", "<=", ">", ">=", ""};

int
records_op(const char *op)
{
	for (int i = 0; i < 7; i++)
		if (strcmp(op, op_names[i]) == 0)
			return i;
	return -1;
}

/* The pivot column and SQL type of a field type. */
static const char *
column_of(enum field_type t)
{
	switch (t) {
	case FT_INTEGER:
	case FT_NUMBER:
		return "v_num";
	case FT_DATETIME:
		return "v_time";
	case FT_BOOLEAN:
		return "v_bool";
	default:
		return "v_text";
	}
}

static const char *
sqltype_of(enum field_type t)
{
	switch (t) {
	case FT_INTEGER:
	case FT_NUMBER:
		return "numeric";
	case FT_DATETIME:
		return "timestamptz";
	case FT_BOOLEAN:
		return "boolean";
	default:
		return "text";
	}
}

static const char *
scalar_ok(const struct field_def *d, const char *v)
{
	char *end;
	double x;
	int64_t ms;

	switch (d->type) {
	case FT_STRING:
		return NULL;
	case FT_INTEGER:
	case FT_NUMBER:
		errno = 0;
		x = strtod(v, &end);
		if (*v == '\0' || *end != '\0' || errno != 0 || !isfinite(x) ||
		    strspn(v, "0123456789+-.eE") != strlen(v))
			return "is not a number";
		if (d->type == FT_INTEGER && x != floor(x))
			return "is not an integer";
		return NULL;
	case FT_BOOLEAN:
		return strcmp(v, "true") == 0 || strcmp(v, "false") == 0
		           ? NULL
		           : "is not true or false";
	case FT_DATETIME:
		return timefmt_parse(v, &ms) == 0
		           ? NULL
		           : "is not an RFC 3339 date-time";
	default:
		return "objects and arrays cannot be filtered";
	}
}

const char *
records_value_ok(const struct field_def *d, enum filter_op op,
                 const char *value)
{
	if (op != OP_IN)
		return scalar_ok(d, value);
	{
		char buf[4096];
		int n = 0;

		if (strlen(value) >= sizeof(buf))
			return "has too many values";
		memcpy(buf, value, strlen(value) + 1);
		for (char *p = buf, *next; p != NULL; p = next) {
			const char *why;

			next = strchr(p, ',');
			if (next != NULL)
				*next++ = '\0';
			why = scalar_ok(d, p);
			if (why != NULL)
				return why;
			if (++n > RECORD_MAX_IN)
				return "has too many values";
		}
	}
	return NULL;
}

/* A JSON value of field d from query text (for containment). */
static cJSON *
json_value(const struct field_def *d, const char *v)
{
	switch (d->type) {
	case FT_INTEGER:
	case FT_NUMBER:
		return cJSON_CreateNumber(strtod(v, NULL));
	case FT_BOOLEAN:
		return cJSON_CreateBool(strcmp(v, "true") == 0);
	default:
		return cJSON_CreateString(v);
	}
}

struct builder {
	struct arena *a;
	struct buf sql;
	struct record_sql *out;
};

static int
param(struct builder *b, const char *value)
{
	b->out->params[b->out->nparams++] = value;
	return b->out->nparams;
}

/* " AND <col> <op> $n::<type>" for one filter, on table alias t. */
static void
condition(struct builder *b, const char *t, const struct field_def *d,
          const struct record_filter *f)
{
	/* Personal fields are found by their blind index, a text. */
	const char *col = d->pii ? "v_text" : column_of(d->type);
	const char *typ = d->pii ? "text" : sqltype_of(d->type);

	if (f->op == OP_IN)
		buf_printf(&b->sql, " AND %s.%s = ANY ($%d::%s[])", t, col,
		           param(b, pgarray_from_csv(b->a, f->value)), typ);
	else
		buf_printf(&b->sql, " AND %s.%s %s $%d::%s", t, col,
		           op_sql[f->op], param(b, f->value), typ);
}

/* Filters that do not drive the query: EXISTS on the pivot for indexed
 * fields, one jsonb containment (GIN) for equality on the others. */
static int
other_filters(struct builder *b, const struct record_query *q, int drive,
              const char **why)
{
	cJSON *contains = NULL;

	for (int i = 0; i < q->nf; i++) {
		const struct record_filter *f = &q->f[i];
		const struct field_def *d = &q->c->fields[f->field];

		if (f->field == drive)
			continue;
		if (!d->indexed && !d->pii) {
			if (f->op != OP_EQ) {
				*why = "unindexed fields are filtered by "
				       "equality only";
				return -1;
			}
			if (contains == NULL)
				contains = cJSON_CreateObject();
			cJSON_AddItemToObject(contains, d->name,
			                      json_value(d, f->value));
			continue;
		}
		buf_printf(&b->sql,
		           " AND EXISTS (SELECT 1 FROM record_index i WHERE "
		           "i.tenant_id = $1 AND i.collection = $2 AND "
		           "i.record_id = r.id AND i.field = $%d",
		           param(b, d->name));
		condition(b, "i", d, f);
		buf_putc(&b->sql, ')');
	}
	if (contains != NULL)
		buf_printf(&b->sql, " AND r.data @> $%d::jsonb",
		           param(b, json_print(contains)));
	return 0;
}

/* The field whose pivot drives the query, or -1 for the records index. */
static int
driver(const struct record_query *q)
{
	if (q->sort >= 0)
		return q->sort;
	for (int i = 0; i < q->nf; i++) {
		const struct field_def *d = &q->c->fields[q->f[i].field];

		if ((d->indexed || d->pii) && q->f[i].op != OP_NE)
			return q->f[i].field;
	}
	return -1;
}

static void
by_pivot(struct builder *b, const struct record_query *q, int drive)
{
	const struct field_def *d = &q->c->fields[drive];
	const char *col = d->pii ? "v_text" : column_of(d->type);
	const char *typ = d->pii ? "text" : sqltype_of(d->type);
	bool keys = collection_has_pii(q->c);

	buf_printf(
	    &b->sql,
	    "SELECT %s, d.%s::text FROM record_index d JOIN records r ON "
	    "r.tenant_id = d.tenant_id AND r.id = d.record_id%s WHERE "
	    "d.tenant_id = $1 AND d.collection = $2 AND r.collection = "
	    "$2 AND d.field = $%d AND d.%s IS NOT NULL",
	    keys ? RECORD_COLUMNS : RECORD_PLAIN_COLUMNS, col,
	    keys ? RECORD_SUBJECT_JOIN : "", param(b, d->name), col);
	for (int i = 0; i < q->nf; i++)
		if (q->f[i].field == drive)
			condition(b, "d", d, &q->f[i]);
	if (q->after_id != NULL && q->after_value != NULL)
		buf_printf(&b->sql,
		           " AND (d.%s, d.record_id) %s ($%d::%s, $%d::uuid)",
		           col, q->desc ? "<" : ">", param(b, q->after_value),
		           typ, param(b, q->after_id));
	b->out->pivot = true;
}

static void
by_id(struct builder *b, const struct record_query *q)
{
	bool keys = collection_has_pii(q->c);

	buf_printf(&b->sql,
	           "SELECT %s, r.id::text FROM records r%s WHERE r.tenant_id = "
	           "$1 AND r.collection = $2",
	           keys ? RECORD_COLUMNS : RECORD_PLAIN_COLUMNS,
	           keys ? RECORD_SUBJECT_JOIN : "");
	if (q->after_id != NULL)
		buf_printf(&b->sql, " AND r.id %s $%d::uuid",
		           q->desc ? "<" : ">", param(b, q->after_id));
	b->out->pivot = false;
}

int
records_build_list(struct arena *a, const struct record_query *q,
                   struct record_sql *out, const char **why)
{
	struct builder b = {a, {0}, out};
	int drive = driver(q);
	const char *dir = q->desc ? " DESC" : "";
	char limit[16];

	memset(out, 0, sizeof(*out));
	buf_init(&b.sql, a, 1024, SQL_MAX);
	param(&b, q->tid);
	param(&b, q->c->name);
	if (drive >= 0)
		by_pivot(&b, q, drive);
	else
		by_id(&b, q);
	if (other_filters(&b, q, drive, why) < 0)
		return -1;
	snprintf(limit, sizeof(limit), "%d", q->limit + 1);
	if (drive >= 0)
		buf_printf(&b.sql, " ORDER BY d.%s%s, d.record_id%s LIMIT $%d",
		           q->c->fields[drive].pii
		               ? "v_text"
		               : column_of(q->c->fields[drive].type),
		           dir, dir, param(&b, arena_strdup(a, limit)));
	else
		buf_printf(&b.sql, " ORDER BY r.id%s LIMIT $%d", dir,
		           param(&b, arena_strdup(a, limit)));
	out->sql = buf_cstr(&b.sql);
	return 0;
}

/* Every filter of q as an EXISTS probe on the pivot for the record whose
 * id is id_expr; -1 (why) for a field the pivot does not hold. */
static int
probe_filters(struct builder *b, const struct record_query *q,
              const char *id_expr, const char **why)
{
	for (int i = 0; i < q->nf; i++) {
		const struct field_def *d = &q->c->fields[q->f[i].field];

		if (!d->indexed && !d->pii) {
			*why = "aggregates filter on indexed fields only";
			return -1;
		}
		buf_printf(&b->sql,
		           " AND EXISTS (SELECT 1 FROM record_index i WHERE "
		           "i.tenant_id = $1 AND i.collection = $2 AND "
		           "i.record_id = %s AND i.field = $%d",
		           id_expr, param(b, d->name));
		condition(b, "i", d, &q->f[i]);
		buf_putc(&b->sql, ')');
	}
	return 0;
}

/* The SQL of g's value over pivot alias m; NULL when fn does not apply
 * to the field. */
static const char *
aggregate_value(const struct aggregate_query *g)
{
	const struct field_def *d =
	    g->field >= 0 ? &g->q.c->fields[g->field] : NULL;
	bool num = d != NULL && !d->pii &&
	           (d->type == FT_INTEGER || d->type == FT_NUMBER);
	bool time = d != NULL && !d->pii && d->type == FT_DATETIME;

	switch (g->fn) {
	case AGG_COUNT:
	case AGG_COUNT_FIELD:
		return "count(*)::text";
	case AGG_SUM:
		return num ? "sum(m.v_num)::text" : NULL;
	case AGG_AVG:
		return num ? "avg(m.v_num)::text" : NULL;
	case AGG_MIN:
		return num    ? "min(m.v_num)::text"
		       : time ? "ts(min(m.v_time))"
		              : NULL;
	case AGG_MAX:
		return num    ? "max(m.v_num)::text"
		       : time ? "ts(max(m.v_time))"
		              : NULL;
	}
	return NULL;
}

/* The group key's column and how it reads as text. */
static const char *
group_key(const struct field_def *d, const char **text)
{
	const char *col = column_of(d->type);

	*text = d->type == FT_DATETIME  ? "ts(g.v_time)"
	        : d->type == FT_BOOLEAN ? "g.v_bool::text"
	        : d->type == FT_STRING  ? "g.v_text"
	                                : "g.v_num::text";
	return col;
}

int
records_build_aggregate(struct arena *a, const struct aggregate_query *g,
                        struct record_sql *out, const char **why)
{
	struct builder b = {a, {0}, out};
	const struct field_def *gd =
	    g->group >= 0 ? &g->q.c->fields[g->group] : NULL;
	const char *value, *col = NULL, *key = NULL;
	const char *id = gd != NULL ? "g.record_id" : "g.id";

	memset(out, 0, sizeof(*out));
	if (g->q.c == NULL) {
		*why = "no collection";
		return -1;
	}
	if ((value = aggregate_value(g)) == NULL) {
		*why = "sum and avg take a number field, min and max a number "
		       "or date-time field (personal data fields are only "
		       "counted)";
		return -1;
	}
	if (gd != NULL && (!gd->indexed || gd->pii || gd->type >= FT_OBJECT)) {
		*why = "group_by names an indexed field that is not personal "
		       "data";
		return -1;
	}
	buf_init(&b.sql, a, 1024, SQL_MAX);
	param(&b, g->q.tid);
	param(&b, g->q.c->name);
	if (gd != NULL) {
		col = group_key(gd, &key);
		buf_printf(&b.sql, "SELECT %s, %s FROM record_index g", key,
		           value);
	} else {
		buf_printf(&b.sql, "SELECT NULL, %s FROM records g", value);
	}
	if (g->field >= 0)
		buf_printf(&b.sql,
		           " JOIN record_index m ON m.tenant_id = $1 AND "
		           "m.record_id = %s AND m.field = $%d AND "
		           "m.collection = $2",
		           id, param(&b, g->q.c->fields[g->field].name));
	buf_puts(&b.sql, " WHERE g.tenant_id = $1 AND g.collection = $2");
	if (gd != NULL)
		buf_printf(&b.sql, " AND g.field = $%d AND g.%s IS NOT NULL",
		           param(&b, gd->name), col);
	if (probe_filters(&b, &g->q, id, why) < 0)
		return -1;
	if (gd != NULL)
		buf_printf(&b.sql, " GROUP BY g.%s ORDER BY g.%s LIMIT %d", col,
		           col, RECORD_MAX_GROUPS + 1);
	out->sql = buf_cstr(&b.sql);
	return 0;
}

static void
decode_aggregate(const PGresult *r, void *out, struct arena *a)
{
	struct aggregate_result *o = out;

	o->n = db_rows(r);
	o->rows = arena_calloc(a, (size_t)o->n + 1, sizeof(*o->rows));
	for (int i = 0; i < o->n; i++) {
		o->rows[i].key = db_str(r, i, 0, a);
		o->rows[i].value = db_str(r, i, 1, a);
	}
}

static struct db_stmt st_timeout =
    DB_STMT("records_statement_timeout",
            "SELECT set_config('statement_timeout', $1, true)", 1);

int
records_aggregate(struct db *db, const struct record_sql *sql,
                  const char *timeout, struct aggregate_result *out)
{
	const char *p[1] = {timeout};

	memset(out, 0, sizeof(*out));
	if (db_queue(db, &st_timeout, p) < 0)
		return -1;
	return db_queue_text_into(db, sql->sql, sql->nparams, sql->params,
	                          decode_aggregate, out);
}

/* The text of a column that is never NULL in practice ("" if it is). */
static const char *
text(const PGresult *r, int i, int col, struct arena *a)
{
	const char *v = db_str(r, i, col, a);

	return v != NULL ? v : "";
}

void
records_from_row(const PGresult *r, int i, struct record *rec, struct arena *a)
{
	rec->id = text(r, i, 0, a);
	rec->collection = text(r, i, 1, a);
	rec->data = text(r, i, 2, a);
	rec->data_len = (size_t)PQgetlength(r, i, 2);
	rec->version = text(r, i, 3, a);
	rec->created_at = text(r, i, 4, a);
	rec->updated_at = text(r, i, 5, a);
	rec->created_by = text(r, i, 6, a);
	rec->sk_id = db_str(r, i, 7, a);
	rec->sk_wrapped = db_str(r, i, 8, a);
	rec->sk_wrapped_by = db_str(r, i, 9, a);
	rec->cursor = PQnfields(r) > RECORD_CURSOR_COL
	                  ? db_str(r, i, RECORD_CURSOR_COL, a)
	                  : NULL;
}

static void
decode_one(const PGresult *r, void *out, struct arena *a)
{
	struct record_one *o = out;

	if (db_rows(r) != 1)
		return;
	o->found = true;
	records_from_row(r, 0, &o->r, a);
}

static void
decode_page(const PGresult *r, void *out, struct arena *a)
{
	struct record_page *p = out;

	p->n = db_rows(r);
	p->rows = arena_calloc(a, (size_t)p->n + 1, sizeof(*p->rows));
	for (int i = 0; i < p->n; i++)
		records_from_row(r, i, &p->rows[i], a);
}

int
records_get_plain(struct db *db, const char *tid, const char *collection,
                  const char *id, struct record_one *out)
{
	const char *p[3] = {tid, collection, id};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get_plain, p, decode_one, out);
}

int
records_get(struct db *db, const char *tid, const char *collection,
            const char *id, struct record_one *out)
{
	const char *p[3] = {tid, collection, id};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get, p, decode_one, out);
}

int
records_list_page(struct db *db, const struct record_sql *sql,
                  struct record_page *out)
{
	memset(out, 0, sizeof(*out));
	return db_queue_text_into(db, sql->sql, sql->nparams, sql->params,
	                          decode_page, out);
}

cJSON *
records_json(const struct record *rec)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", rec->id);
	cJSON_AddStringToObject(o, "collection", rec->collection);
	cJSON_AddRawToObject(o, "data", rec->data);
	cJSON_AddRawToObject(o, "version", rec->version);
	cJSON_AddStringToObject(o, "created_at", rec->created_at);
	cJSON_AddStringToObject(o, "updated_at", rec->updated_at);
	cJSON_AddStringToObject(o, "created_by", rec->created_by);
	return o;
}

int
records_get_for_update(struct db *db, const char *tid, const char *collection,
                       const char *id, struct record_one *out)
{
	const char *p[3] = {tid, collection, id};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_get_lock, p, decode_one, out);
}

int
records_insert(struct db *db, const char *tid, const char *id,
               const char *collection, const char *data,
               const char *schema_version, const char *subject, const char *by,
               struct record_one *out)
{
	const char *p[7] = {tid,     id, collection, data, schema_version,
	                    subject, by};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, subject ? &st_insert : &st_insert_plain, p,
	                     decode_one, out);
}

int
records_update(struct db *db, const char *tid, const char *collection,
               const char *id, const char *data, const char *schema_version,
               const char *subject, struct record_one *out)
{
	const char *p[6] = {tid, collection, id, data, schema_version, subject};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, subject ? &st_update : &st_update_plain, p,
	                     decode_one, out);
}

int
records_remove(struct db *db, const char *tid, const char *collection,
               const char *id)
{
	const char *p[3] = {tid, collection, id};

	return db_queue(db, &st_delete, p);
}

int
records_queue_pivot(struct db *db, struct arena *a, const char *tid,
                    const struct collection *c, const char *id,
                    const cJSON *data, const char *const *blind, bool replace)
{
	struct buf f, n, t, d, bo;
	const char *p[8];
	int count = 0, h = -1;

	if (replace) {
		const char *p2[2] = {tid, id};

		h = db_queue(db, &st_pivot_clear, p2);
	}
	buf_init(&f, a, 256, 256 * 1024);
	buf_init(&n, a, 256, 256 * 1024);
	buf_init(&t, a, 256, 4 * 1024 * 1024);
	buf_init(&d, a, 256, 256 * 1024);
	buf_init(&bo, a, 64, 64 * 1024);
	for (int i = 0; i < c->nfields; i++) {
		const struct field_def *def = &c->fields[i];
		const cJSON *v =
		    cJSON_GetObjectItemCaseSensitive(data, def->name);
		const char *sep = count ? "," : "{";

		const char *bl = blind != NULL ? blind[i] : NULL;

		if (v == NULL || cJSON_IsNull(v) ||
		    (def->pii ? bl == NULL : !def->indexed))
			continue;
		buf_puts(&f, sep);
		pgarray_quote(&f, def->name);
		buf_puts(&n, sep);
		buf_puts(&t, sep);
		buf_puts(&d, sep);
		buf_puts(&bo, sep);
		if (def->pii) {
			/* Only the blind index: equality search, no value. */
			buf_puts(&n, "NULL");
			pgarray_quote(&t, bl);
			buf_puts(&d, "NULL");
			buf_puts(&bo, "NULL");
			count++;
			continue;
		}
		if ((def->type == FT_INTEGER || def->type == FT_NUMBER) &&
		    cJSON_IsNumber(v))
			buf_printf(&n, "%.17g", v->valuedouble);
		else
			buf_puts(&n, "NULL");
		if (def->type == FT_STRING && cJSON_IsString(v))
			pgarray_quote(&t, v->valuestring);
		else
			buf_puts(&t, "NULL");
		if (def->type == FT_DATETIME && cJSON_IsString(v))
			pgarray_quote(&d, v->valuestring);
		else
			buf_puts(&d, "NULL");
		if (def->type == FT_BOOLEAN && cJSON_IsBool(v))
			buf_puts(&bo, cJSON_IsTrue(v) ? "t" : "f");
		else
			buf_puts(&bo, "NULL");
		count++;
	}
	if (count == 0)
		return h;
	buf_putc(&f, '}');
	buf_putc(&n, '}');
	buf_putc(&t, '}');
	buf_putc(&d, '}');
	if (buf_putc(&bo, '}') < 0)
		return -1;
	p[0] = tid;
	p[1] = c->name;
	p[2] = id;
	p[3] = buf_cstr(&f);
	p[4] = buf_cstr(&n);
	p[5] = buf_cstr(&t);
	p[6] = buf_cstr(&d);
	p[7] = buf_cstr(&bo);
	return db_queue(db, db->citus ? &st_pivot : &st_pivot_plain, p);
}

int
records_count(struct db *db, const char *tid, long long *out)
{
	const char *p[1] = {tid};

	*out = 0;
	return db_queue_into(db, &st_count, p, db_decode_int, out);
}

int
records_queue_counter(struct db *db, struct arena *a, const char *tid,
                      const char *delta)
{
	unsigned char r = 0;
	const char *p[3];

	/* Spreads a tenant's writers over 16 rows. */
	crypto_random(&r, 1);
	p[0] = tid;
	p[1] = arena_printf(a, "%d", r % 16);
	p[2] = delta;
	return db_queue(db, &st_counter, p);
}

int
records_driver(const struct record_query *q)
{
	return driver(q);
}

int
records_queue_explain(struct db *db, struct arena *a,
                      const struct record_sql *sql)
{
	return db_queue_text(
	    db, arena_printf(a, "EXPLAIN (COSTS OFF) %s", sql->sql),
	    sql->nparams, sql->params);
}
