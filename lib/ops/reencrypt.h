/*
 * reencrypt.h - `strata keys reencrypt`: every personal value of a tenant
 * re-sealed under its current data key (through its subject's key where it
 * has one), every blind index and subject hash recomputed under its
 * current index key, every subject key re-wrapped under the current data
 * key; then, and only then, the old data and index keys retired for good.
 *
 * Safe while the service runs: it first waits for every transaction that
 * began before the current keys existed (only those can still seal under
 * an old key); each batch locks its records (a concurrent write waits or
 * goes first) and the current keys (a rotation waits for the batch); the
 * retirement checks, in its own transaction, that no value or subject key
 * still needs an old data key.  Resumable: a checkpoint (the last record
 * done) is written with each batch, and a run after a stop continues from
 * it while the keys are the same, or starts over after a rotation.
 */
#ifndef STRATA_OPS_REENCRYPT_H
#define STRATA_OPS_REENCRYPT_H

#include <stdbool.h>

struct db;
struct arena;
struct tenant;

struct reencrypt_report {
	bool resumed;            /* continued from a checkpoint */
	long long records;       /* records re-sealed (this run and before) */
	long long unreadable;    /* records left as they were: a value that
	                          * does not open with any live key */
	long long subject_keys;  /* subject keys re-wrapped */
	long long mfa_secrets;   /* TOTP secrets re-sealed */
	long long dead_subjects; /* subject keys under old index keys that
	                          * sealed nothing, deleted */
	long long retired_data;  /* data keys retired for good */
	long long retired_index; /* index keys retired for good */
};

/* Re-encrypts tenant t over db (connected, idle), with batches in arena
 * a.  Returns 0 with *out filled, or -1 with *why saying what failed
 * (nothing is retired then; a run again resumes). */
int reencrypt_tenant(struct db *db, struct arena *a, const struct tenant *t,
                     struct reencrypt_report *out, const char **why);

#endif
