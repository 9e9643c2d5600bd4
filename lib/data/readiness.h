/*
 * readiness.h - what /readyz asks the database: the newest migration it
 * has applied.
 */
#ifndef STRATA_DATA_READINESS_H
#define STRATA_DATA_READINESS_H

#include <stdbool.h>

struct db;

struct readiness {
	bool answered;         /* the statement ran */
	const char *migration; /* the newest applied, "" when none */
};

/* Queues the read of the newest applied migration into out (zeroed now,
 * filled by db_sync, texts in db's arena).  Returns the handle or -1
 * (db_queue's loud failure). */
int readiness_queue_migration(struct db *db, struct readiness *out);

#endif
