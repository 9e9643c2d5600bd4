/*
 * exports.h - what subject rights and tenant exports read and erase.
 */
#ifndef STRATA_DATA_EXPORTS_H
#define STRATA_DATA_EXPORTS_H

struct db;

/* Records whose subject is any of the hashes (text[]); RECORD_COLUMNS. */
int exports_queue_subject_records(struct db *db, const char *tid,
                                  const char *hashes);

/* Deletes those records; rows of (id). */
int exports_queue_erase_subject(struct db *db, const char *tid,
                                const char *hashes);

/* Audit events about any of the record ids (text[]); rows of (json). */
int exports_queue_record_events(struct db *db, const char *tid,
                                const char *ids);

/* Every collection's name, version and definition. */
int exports_queue_collections(struct db *db, const char *tid);

/* A page of every record after id (NULL: first), limit rows;
 * RECORD_COLUMNS. */
int exports_queue_records(struct db *db, const char *tid, const char *after,
                          const char *limit);

/* Users (json, no secrets), roles (json), configuration versions (json
 * with settings), API keys (json, no secrets): one row each, a json array. */
int exports_queue_users(struct db *db, const char *tid);
int exports_queue_roles(struct db *db, const char *tid);
int exports_queue_config(struct db *db, const char *tid);
int exports_queue_api_keys(struct db *db, const char *tid);

#endif
