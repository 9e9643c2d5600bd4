/*
 * collections.h - a tenant's collections: typed field definitions, their
 * validation of record data, and a per-worker cache of parsed definitions
 * keyed by (tenant, name, version).
 *
 * Definition (API.md):
 *   {"name", "fields": {<field>: {"type": string|integer|number|boolean|
 *    datetime|object|array, "required"?, "pii"?, "mask"?: email|phone|
 *    last4|full|none, "indexed"?, "max_length"?}}, "subject_field"?,
 *    "additional_fields"?}
 */
#ifndef STRATA_DATA_COLLECTIONS_H
#define STRATA_DATA_COLLECTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>
#include <libpq-fe.h>

#include "core/uuid.h"

#define COLLECTION_MAX_FIELDS 100
#define FIELD_NAME_MAX 63
#define COLLECTION_NAME_MAX 63

struct db;

enum field_type {
	FT_STRING,
	FT_INTEGER,
	FT_NUMBER,
	FT_BOOLEAN,
	FT_DATETIME,
	FT_OBJECT,
	FT_ARRAY,
};

enum field_mask { MASK_NONE, MASK_EMAIL, MASK_PHONE, MASK_LAST4, MASK_FULL };

struct field_def {
	char name[FIELD_NAME_MAX + 1];
	enum field_type type;
	bool required, pii, indexed;
	long max_length; /* 0 = no limit; strings only */
	enum field_mask mask;
};

struct collection {
	struct uuid tenant;
	char name[COLLECTION_NAME_MAX + 1];
	long long version;
	/* In the worker's cache: the tenant's schema_version (the version
	 * row) at which this copy was last confirmed current, 0 for never. */
	long long confirmed_schema;
	uint64_t def_hash; /* FNV-1a of the stored definition text */
	int nfields;
	int subject; /* field index of subject_field, or -1 */
	bool additional;
	struct field_def fields[COLLECTION_MAX_FIELDS];
};

/* Parses and validates a definition (fields, subject_field,
 * additional_fields) into c.  Returns NULL, or the errors array
 * ({field,message}, arena-owned). */
cJSON *collection_parse(const cJSON *def, struct collection *c);

/* The canonical definition of c (defaults filled in), as stored. */
cJSON *collection_definition(const struct collection *c);

/* Whether c has a personal field (pii: its values sealed, its records'
 * answers need their subject keys). */
bool collection_has_pii(const struct collection *c);

/* Index of field name in c, or -1. */
int collection_field(const struct collection *c, const char *name);

/* What a change of definition from old to c does to personal data that
 * is already stored, which only a caller who may read it (pii:read) may
 * do: each field of old marked pii that c removes, turns pii off on, or
 * masks differently ({field: "fields.<name>", message}).  NULL when
 * there is none; adding a pii field or changing other fields is not. */
cJSON *collection_pii_exposures(const struct collection *old,
                                const struct collection *c);

/* Checks record data against c: an object, required fields present and
 * not null, every value of its field's type and length, no unknown field
 * unless additional fields are allowed.  Returns NULL or the errors. */
cJSON *collection_check(const struct collection *c, const cJSON *data);

/* Is the collection name acceptable? */
bool collection_name_valid(const char *name);

const char *collection_type_name(enum field_type t);

/* The parsed definition of (tenant, name) at version, from the cache
 * when the cached copy has that version and that very text (a collection
 * deleted and made again starts again at version 1), else parsed from
 * definition text (then cached, in the same slot).  NULL when it does not
 * parse (cannot happen for stored definitions). */
const struct collection *collection_cached(const struct uuid *tenant,
                                           const char *name, long long version,
                                           const char *definition);

/* The cached definition of (tenant, name) whatever its version, or NULL.
 * Lists use it (a definition changed a moment ago elsewhere is dropped by
 * the change notification). */
const struct collection *collection_peek(const struct uuid *tenant,
                                         const char *name);

/* Records that the cached (tenant, name) at version is current as of the
 * tenant's schema_version, read before the definition was (every change
 * of definition bumps it): while a request's version row shows that
 * schema_version, the copy needs no reading (see records_definition). */
void collection_confirm(const struct uuid *tenant, const char *name,
                        long long version, long long schema_version);

void collections_notify(const char *payload);
void collections_clear(void);

/* A collection's version and, when asked for or changed, its stored
 * definition text (NULL when the caller's known version is current). */
struct collection_current {
	bool found;
	long long version;
	const char *definition;
	const char *json; /* the API's view (collections_get only) */
};

/* Every collection of a tenant as the API shows them (JSON texts). */
struct collection_list {
	int n;
	const char **json;
};

struct db_text;

/* Typed reads: the version and definition unless it equals known (the
 * version this worker has, or "-1"); and the definition outright. */
int collections_current(struct db *db, const char *tid, const char *name,
                        const char *known, struct collection_current *out);
int collections_get(struct db *db, const char *tid, const char *name,
                    struct collection_current *out);
/* collections_get() under a share lock (writes of records and of the
 * definition itself). */
int collections_get_for_share(struct db *db, const char *tid, const char *name,
                              struct collection_current *out);
int collections_list_all(struct db *db, const char *tid,
                         struct collection_list *out);
/* The tenant's number of collections; the number of records in one. */
int collections_count(struct db *db, const char *tid, long long *out);
int collections_record_count(struct db *db, const char *tid, const char *name,
                             long long *out);
/* Writes; json->v is the API's view of the written collection, and
 * json->found false when nothing matched (update at a stale version,
 * delete of an unknown name).  Each also bumps the tenant's
 * schema_version in the same transaction.  Workers check each
 * definition's own version on use, so no cache is flushed. */
int collections_insert(struct db *db, const char *tid, const char *name,
                       const char *definition, const char *by,
                       struct db_text *json);
int collections_update(struct db *db, const char *tid, const char *name,
                       const char *definition, const char *version,
                       const char *by, struct db_text *json);
int collections_remove(struct db *db, const char *tid, const char *name,
                       struct db_text *deleted);

/* Statements.  Columns of get: version, definition, json. */
int collections_queue_get(struct db *db, const char *tid, const char *name,
                          bool for_share);
/* The version (column 0) and, unless it equals known (the version this
 * worker has cached, or "-1"), the definition (column 1; NULL when it is
 * the known one): the hot path parses a definition only when it changed. */
int collections_queue_current(struct db *db, const char *tid, const char *name,
                              const char *known);
int collections_queue_list(struct db *db, const char *tid);
int collections_queue_count(struct db *db, const char *tid);
int collections_queue_insert(struct db *db, const char *tid, const char *name,
                             const char *definition, const char *by);
int collections_queue_delete(struct db *db, const char *tid, const char *name);
/* Rebuilds pivot rows of a field (type NULL: removes them). */
int collections_queue_reindex(struct db *db, const char *tid, const char *name,
                              const char *field, const char *type);
int collections_queue_notify(struct db *db, const char *tid);

#endif
