/*
 * migrate.c - ordered, checksummed, once-only schema migrations.
 */
#include "data/migrate.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/evp.h>

#include "core/log.h"

int
migrate_checksum(const void *data, size_t n, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(data, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return -1;
	for (unsigned i = 0; i < len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

int
migrate_name_valid(const char *name)
{
	size_t n = strlen(name), d = 0;

	if (n >= MIGRATE_NAME_MAX || n < 9)
		return 0;
	while (name[d] >= '0' && name[d] <= '9')
		d++;
	if (d < 3 || name[d] != '_' || strcmp(name + n - 4, ".sql") != 0)
		return 0;
	for (size_t i = d; i < n - 4; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return 0;
	}
	return 1;
}

int
migrate_plan(const struct migration *files, int nfiles,
             const struct migration *applied, int napplied, int *pending,
             int *npending, char why[MIGRATE_WHY_MAX])
{
	*npending = 0;
	for (int a = 0; a < napplied; a++) {
		int found = 0;

		for (int f = 0; f < nfiles; f++) {
			if (strcmp(files[f].name, applied[a].name) != 0)
				continue;
			found = 1;
			if (strcmp(files[f].checksum, applied[a].checksum) !=
			    0) {
				snprintf(why, MIGRATE_WHY_MAX,
				         "applied migration %s has changed",
				         applied[a].name);
				return -1;
			}
		}
		if (!found) {
			snprintf(why, MIGRATE_WHY_MAX,
			         "applied migration %s is missing on disk",
			         applied[a].name);
			return -1;
		}
	}
	for (int f = 0; f < nfiles; f++) {
		int done = 0;

		for (int a = 0; a < napplied && !done; a++)
			done = strcmp(files[f].name, applied[a].name) == 0;
		if (done)
			continue;
		/* A new file sorting before an applied one means history was
		 * rewritten; applying it out of order would be a guess. */
		for (int a = 0; a < napplied; a++) {
			if (strcmp(files[f].name, applied[a].name) < 0) {
				snprintf(why, MIGRATE_WHY_MAX,
				         "migration %s sorts before applied "
				         "%s",
				         files[f].name, applied[a].name);
				return -1;
			}
		}
		pending[(*npending)++] = f;
	}
	return 0;
}

static int
exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	         PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "strata: migrate: %s", PQerrorMessage(c));
	PQclear(r);
	return ok ? 0 : -1;
}

/* The end of a dollar quote's tag at q ('$' [A-Za-z0-9_]* '$'), or NULL
 * when q does not start one. */
static const char *
dollar_tag_end(const char *q)
{
	const char *e = q + 1;

	if (*e >= '0' && *e <= '9')
		return NULL;
	while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') ||
	       (*e >= '0' && *e <= '9') || *e == '_')
		e++;
	return *e == '$' ? e + 1 : NULL;
}

/* Past the quoted text, comment or dollar-quoted body starting at q (q
 * itself when nothing starts there); an unterminated one runs to the end. */
static const char *
skip_quoted(const char *q)
{
	const char *e, *hit;
	size_t tag;

	if (*q == '\'' || *q == '"') {
		for (e = q + 1; *e != '\0'; e++)
			if (*e == *q && *++e != *q)
				return e;
		return e;
	}
	if (q[0] == '-' && q[1] == '-')
		return q + strcspn(q, "\n");
	if (q[0] == '/' && q[1] == '*') {
		hit = strstr(q + 2, "*/");
		return hit != NULL ? hit + 2 : q + strlen(q);
	}
	if (*q == '$' && (e = dollar_tag_end(q)) != NULL) {
		tag = (size_t)(e - q);
		for (hit = strchr(e, '$'); hit != NULL;
		     hit = strchr(hit + 1, '$'))
			if (strncmp(hit, q, tag) == 0)
				return hit + tag;
		return e + strlen(e);
	}
	return q;
}

int
migrate_next_statement(const char **p, size_t *len)
{
	const char *s = *p, *e;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		e = (s[0] == '-' && s[1] == '-') || (s[0] == '/' && s[1] == '*')
		        ? skip_quoted(s)
		        : s;
		if (e == s)
			break;
		s = e;
	}
	*p = s;
	if (*s == '\0')
		return 0;
	for (e = s; *e != '\0' && *e != ';';) {
		const char *q = skip_quoted(e);

		e = q == e ? e + 1 : q;
	}
	*len = (size_t)(e - s) + (*e == ';');
	return 1;
}

/* Runs sql one statement at a time (see migrate_next_statement). */
static int
exec_each(PGconn *c, const char *sql)
{
	const char *p = sql;
	size_t len;
	char *one;
	int rc = 0;

	while (rc == 0 && migrate_next_statement(&p, &len)) {
		one = strndup(p, len);
		if (one == NULL)
			return -1;
		rc = exec_ok(c, one);
		free(one);
		p += len;
	}
	return rc;
}

static int
cmp_migration(const void *a, const void *b)
{
	return strcmp(((const struct migration *)a)->name,
	              ((const struct migration *)b)->name);
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)n + 1);
		if (data != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
			free(data);
			data = NULL;
		} else if (data != NULL) {
			data[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return data;
}

int
migrate_scan(const char *dir, struct migration *out, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL) {
		log_error("cannot open migrations directory %s", dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		size_t len = 0;
		char *data;

		if (!migrate_name_valid(e->d_name))
			continue;
		if (n == max) {
			closedir(d);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		data = read_file(path, &len);
		if (data == NULL ||
		    migrate_checksum(data, len, out[n].checksum) < 0) {
			free(data);
			closedir(d);
			return -1;
		}
		free(data);
		memcpy(out[n].name, e->d_name, strlen(e->d_name) + 1);
		n++;
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof(out[0]), cmp_migration);
	return n;
}

static int
load_applied(PGconn *c, struct migration *out, int max)
{
	PGresult *r = PQexec(c, "SELECT name, checksum FROM "
	                        "public.strata_migrations ORDER BY name");
	int n;

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return -1;
	}
	n = PQntuples(r);
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++) {
		snprintf(out[i].name, sizeof(out[i].name), "%s",
		         PQgetvalue(r, i, 0));
		snprintf(out[i].checksum, sizeof(out[i].checksum), "%s",
		         PQgetvalue(r, i, 1));
	}
	PQclear(r);
	return n;
}

static int
apply_one(PGconn *c, const char *dir, const struct migration *m, int partitions,
          int citus)
{
	char path[4096], setting[64];
	const char *params[2] = {m->name, m->checksum};
	size_t len;
	char *sql;
	PGresult *r;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, m->name);
	sql = read_file(path, &len);
	if (sql == NULL)
		return -1;
	snprintf(setting, sizeof(setting), "SET LOCAL strata.partitions = %d",
	         partitions);
	ok = exec_ok(c, "BEGIN") == 0 && exec_ok(c, setting) == 0 &&
	     (citus ? exec_each(c, sql) : exec_ok(c, sql)) == 0;
	free(sql);
	if (ok) {
		r = PQexecParams(c,
		                 "INSERT INTO public.strata_migrations "
		                 "(name, checksum) VALUES ($1, $2)",
		                 2, NULL, params, NULL, NULL, 0);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
	}
	if (!ok || exec_ok(c, "COMMIT") < 0) {
		exec_ok(c, "ROLLBACK");
		fprintf(stderr, "strata: migration %s failed\n", m->name);
		return -1;
	}
	printf("{\"applied\":\"%s\"}\n", m->name);
	return 0;
}

/* 1 when the database has the citus extension, 0 when not, -1 on error. */
static int
has_citus(PGconn *c)
{
	PGresult *r = PQexec(c, "SELECT 1 FROM pg_extension "
	                        "WHERE extname = 'citus'");
	int n = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) > 0 : -1;

	if (n < 0)
		fprintf(stderr, "strata: migrate: %s", PQerrorMessage(c));
	PQclear(r);
	return n;
}

/* The Citus step after the migrations: what is not distributed yet is. */
static int
distribute(PGconn *c)
{
	PGresult *r = PQexec(c, "SELECT 1 FROM pg_proc p JOIN pg_namespace n "
	                        "ON n.oid = p.pronamespace WHERE nspname = "
	                        "'strata' AND proname = "
	                        "'distribute_tenant_tables'");
	int defined = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;

	PQclear(r);
	if (!defined)
		return 0;
	if (exec_ok(c, "BEGIN") < 0 ||
	    exec_ok(c, "CALL strata.distribute_tenant_tables()") < 0 ||
	    exec_ok(c, "COMMIT") < 0) {
		exec_ok(c, "ROLLBACK");
		fprintf(stderr, "strata: migrate: distributing the tables "
		                "failed\n");
		return -1;
	}
	return 0;
}

int
migrate_run(const char *conninfo, const char *dir, int partitions,
            unsigned flags)
{
	int citus;
	static struct migration files[MIGRATE_MAX], applied[MIGRATE_MAX];
	int pending[MIGRATE_MAX], npending = 0, nfiles, napplied, rc = -1;
	char why[MIGRATE_WHY_MAX];
	PGconn *c = PQconnectdb(conninfo);

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "strata: cannot connect: %s",
		        PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	nfiles = migrate_scan(dir, files, MIGRATE_MAX);
	/* One migrator at a time, whoever else runs `strata migrate`. */
	if (nfiles < 0 || exec_ok(c, "SET client_min_messages = warning") < 0 ||
	    exec_ok(c, "SELECT pg_advisory_lock(727274)") < 0 ||
	    exec_ok(c, "CREATE TABLE IF NOT EXISTS public.strata_migrations ("
	               " name text PRIMARY KEY, checksum text NOT NULL,"
	               " applied_at timestamptz NOT NULL DEFAULT now())") < 0)
		goto out;
	citus = has_citus(c);
	if (citus < 0)
		goto out;
	if ((flags & MIGRATE_CITUS) && !citus) {
		fprintf(stderr,
		        "strata: migrate: --citus, but the database has "
		        "no citus extension (CREATE EXTENSION citus as a "
		        "superuser, and add the workers; "
		        "docs/scale-out.md)\n");
		goto out;
	}
	/* Citus 13.2 sends a CREATE ROLE that is part of a multi-statement
	 * string to the workers as that whole string; the roles are made on
	 * every node beforehand (docs/scale-out.md). */
	if (citus &&
	    exec_ok(c, "SET citus.enable_create_role_propagation = off") < 0)
		goto out;
	napplied = load_applied(c, applied, MIGRATE_MAX);
	if (napplied < 0)
		goto out;
	if (migrate_plan(files, nfiles, applied, napplied, pending, &npending,
	                 why) < 0) {
		fprintf(stderr, "strata: migrate: %s; refusing to continue\n",
		        why);
		goto out;
	}
	for (int i = 0; i < npending; i++)
		if (apply_one(c, dir, &files[pending[i]], partitions, citus) <
		    0)
			goto out;
	if (citus && distribute(c) < 0)
		goto out;
	printf("{\"migrations\":%d,\"applied_now\":%d,\"citus\":%s}\n", nfiles,
	       npending, citus ? "true" : "false");
	rc = 0;
out:
	PQfinish(c);
	return rc;
}
