/*
 * readiness.c - the database's side of /readyz.
 */
#include "data/readiness.h"

#include <string.h>

#include "data/db.h"

static struct db_stmt st_latest = DB_STMT(
    "migration_latest", "SELECT max(name) FROM public.strata_migrations", 0);

static void
decode(const PGresult *r, void *out, struct arena *a)
{
	struct readiness *o = out;
	const char *name = db_rows(r) == 1 ? db_str(r, 0, 0, a) : NULL;

	o->answered = true;
	o->migration = name ? name : "";
}

int
readiness_queue_migration(struct db *db, struct readiness *out)
{
	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_latest, NULL, decode, out);
}
