/*
 * migrate.h - `strata migrate`: apply sql/NNN_*.sql in order, each once,
 * each in its own transaction, recording name and SHA-256 checksum in
 * strata_migrations; refuse to go on when an applied file has changed.
 */
#ifndef STRATA_DATA_MIGRATE_H
#define STRATA_DATA_MIGRATE_H

#include <stddef.h>

#define MIGRATE_MAX 256
#define MIGRATE_NAME_MAX 128
#define MIGRATE_WHY_MAX 320

struct migration {
	char name[MIGRATE_NAME_MAX];
	char checksum[65]; /* lower-case hex SHA-256 */
};

/* Hex SHA-256 of data[0..n) into out[65].  Returns 0 or -1. */
int migrate_checksum(const void *data, size_t n, char out[65]);

/* 1 when name looks like NNN_words.sql (three or more digits, '_'). */
int migrate_name_valid(const char *name);

/* Compares the files on disk (sorted) with those applied.  Writes the
 * indexes of files still to apply into pending[] and their count into
 * *npending.  Returns 0, or -1 with a reason in why[256] when an applied
 * migration's checksum differs or an applied one is missing on disk. */
int migrate_plan(const struct migration *files, int nfiles,
                 const struct migration *applied, int napplied, int *pending,
                 int *npending, char why[MIGRATE_WHY_MAX]);

/* The next statement of a migration's text at *p: its length up to and
 * including its ';' (or the end) is written to *len, and *p is moved past
 * the blanks and comments before it.  Quotes '...', "...", dollar quotes
 * and comments are skipped whole, so a ';' inside them ends nothing.
 * Returns 1, or 0 when only blanks and comments are left.  Under Citus a
 * migration runs statement by statement: Citus 13.2 propagates some DDL
 * (CREATE ROLE, GRANT ... ON DATABASE) as the whole query string it came
 * in, which the workers cannot run. */
int migrate_next_statement(const char **p, size_t *len);

/* Lists dir's migrations, sorted by name, with checksums.  Returns the
 * count or -1. */
int migrate_scan(const char *dir, struct migration *out, int max);

enum migrate_flags {
	MIGRATE_CITUS = (1 << 0), /* the database must have Citus (--citus) */
};

/* Applies pending migrations over conninfo.  partitions is passed to the
 * files as the setting strata.partitions.  When the database has the citus
 * extension, strata.distribute_tenant_tables() (013_citus.sql) then runs in
 * a transaction of its own, so tables added by any migration end up
 * distributed; with MIGRATE_CITUS a database without Citus is refused
 * before anything is applied.  Returns 0 or -1. */
int migrate_run(const char *conninfo, const char *dir, int partitions,
                unsigned flags);

#endif
