/*
 * directory.c - the tenants directory's statements.
 */
#include "data/directory.h"

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "data/db.h"

static struct db_stmt st_sync =
    DB_STMT("directory_sync", "SELECT strata.directory_sync($1::uuid)", 1);
static struct db_stmt st_sync_by =
    DB_STMT("directory_sync_by",
            "SELECT strata.directory_sync(id) FROM tenants WHERE slug = $1 OR "
            "(CASE WHEN $1 ~ '^[0-9a-f-]{36}$' THEN id = $1::uuid END)",
            1);
static struct db_stmt st_home =
    DB_STMT("directory_home",
            "SELECT region, status FROM strata.directory_home($1, $2)", 2);

int
directory_queue_sync(struct db *db, const char *tenant_id)
{
	const char *p[1] = {tenant_id};

	return db_queue(db, &st_sync, p);
}

int
directory_queue_sync_by(struct db *db, const char *slug_or_id)
{
	const char *p[1] = {slug_or_id};

	return db_queue(db, &st_sync_by, p);
}

static void
decode_home(const PGresult *r, void *out, struct arena *a)
{
	struct directory_home *h = out;

	(void)a;
	for (int i = 0; i < db_rows(r); i++) {
		h->known = true;
		if (strcmp(db_value(r, i, 1), "active") == 0 &&
		    h->home[0] == '\0')
			snprintf(h->home, sizeof(h->home), "%s",
			         db_value(r, i, 0));
	}
}

int
directory_lookup(struct db *db, const char *slug, const char *domain,
                 struct directory_home *out)
{
	const char *p[2] = {slug, slug ? NULL : domain};

	memset(out, 0, sizeof(*out));
	return db_queue_into(db, &st_home, p, decode_home, out);
}

int
directory_set_region(const char *conninfo, const char *region)
{
	PGconn *c = PQconnectdb(conninfo);
	const char *p[1] = {region};
	PGresult *r;
	int rc = -1;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "strata: cannot connect: %s",
		        PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	r = PQexecParams(c, "SELECT strata.directory_set_region($1)", 1, NULL,
	                 p, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		printf("{\"region\":\"%s\"}\n", region);
		rc = 0;
	} else {
		fprintf(stderr, "strata: cannot set the region: %s",
		        PQresultErrorMessage(r));
	}
	PQclear(r);
	PQfinish(c);
	return rc;
}
