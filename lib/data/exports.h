/*
 * exports.h - what subject rights, tenant exports and usage read and
 * erase: typed reads queued into the caller's round trip (db_queue_into),
 * their results decoded into the db's arena.
 */
#ifndef STRATA_DATA_EXPORTS_H
#define STRATA_DATA_EXPORTS_H

#include <stdbool.h>
#include <stddef.h>

#include "data/records.h"

struct db;

/* The tenant's collections as stored: name, version, definition text. */
struct export_collection {
	const char *name;
	long long version;
	const char *definition;
};

struct export_collections {
	int n;
	struct export_collection *rows;
};

/* Rows of one JSON text each (audit events about records). */
struct export_texts {
	int n;
	const char **rows;
};

/* One JSON array as text (users, roles, configuration versions, API
 * keys); "[]" when the statement found nothing. */
struct export_array {
	const char *json;
};

/* What a statement counted (rows deleted). */
struct export_count {
	int n;
};

/* A batch of the tenant export: records in id order, and the bytes of
 * their stored data. */
struct export_batch {
	int n;
	struct record *rows;
	size_t bytes;
};

/* GET /v1/usage: numbers as JSON texts. */
struct export_usage {
	bool found;
	const char *records;
	const char *collections;
	const char *storage_bytes;
	const char *users;
};

/* Every collection of the tenant, by name. */
int exports_collections(struct db *db, const char *tid,
                        struct export_collections *out);

/* Records whose subject is any of the hashes (a text[] literal). */
int exports_subject_records(struct db *db, const char *tid, const char *hashes,
                            struct export_batch *out);

/* Deletes those records; out->n says how many went. */
int exports_erase_subject(struct db *db, const char *tid, const char *hashes,
                          struct export_count *out);

/* Audit events about any of the record ids (a text[] literal), oldest
 * first, as JSON. */
int exports_record_events(struct db *db, const char *tid, const char *ids,
                          struct export_texts *out);

/* Opens the export's transaction: BEGIN, the tenant setting and
 * REPEATABLE READ, so every batch and the tables beside them are read
 * from one snapshot.  Queued; the caller's next db_sync sends it. */
int exports_begin(struct db *db, const struct uuid *tenant);

/* The next batch of the tenant's records after id after (NULL: from the
 * first), at most limit rows and about max_bytes of data (always at least
 * one row when any is left).  The export has read everything when a batch
 * holds fewer than limit rows and fewer than max_bytes bytes. */
int exports_records(struct db *db, const char *tid, const char *after,
                    int limit, size_t max_bytes, struct export_batch *out);

/* Users (no secrets), roles, configuration versions (with settings) and
 * API keys (no secrets) as JSON arrays. */
int exports_users(struct db *db, const char *tid, struct export_array *out);
int exports_roles(struct db *db, const char *tid, struct export_array *out);
int exports_config(struct db *db, const char *tid, struct export_array *out);
int exports_api_keys(struct db *db, const char *tid, struct export_array *out);

/* The tenant's record count, collections, stored bytes and users. */
int exports_usage(struct db *db, const char *tid, struct export_usage *out);

#endif
