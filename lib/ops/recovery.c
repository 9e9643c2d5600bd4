/*
 * recovery.c - one tenant restored to a point in time; the erasure ledger
 * re-applied.
 */
#include "ops/recovery.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/json.h"
#include "data/audit.h"
#include "data/db.h"
#include "data/erasures.h"
#include "data/restore.h"
#include "data/tenants.h"
#include "ops/admin.h"

/* The owner role's connection where one is configured, else the app's. */
static const char *
live_conninfo(void)
{
	return *cfg.owner_database_url ? cfg.owner_database_url
	                               : cfg.database_url;
}

/* admin_fail() for the helpers here, which return -1. */
static int
fail(const char *msg)
{
	admin_fail(msg);
	return -1;
}

static int
connect_db(struct db *db, struct arena *a, const char *conninfo,
           const char *what)
{
	db_init(db, conninfo);
	if (db_ready(db, a) != DB_OK) {
		fprintf(stderr, "strata: cannot connect to the %s database\n",
		        what);
		return -1;
	}
	return 0;
}

/* The copy is usable: promoted, at or before TIME, same migrations. */
static int
source_ok(struct db *live, const struct restore_source *src)
{
	const char *mine = NULL;

	if (restore_queue_migrations(live, &mine) < 0 || db_sync(live) != DB_OK)
		return fail("cannot read the live migrations");
	if (src->in_recovery)
		return fail("the copy is still in recovery");
	if (!src->at_or_before)
		return fail("the copy holds commits after --to");
	if (mine == NULL || src->migrations == NULL ||
	    strcmp(mine, src->migrations) != 0)
		return fail("the copy and the live database differ in "
		            "migrations");
	return 0;
}

static int
set_status(struct db *db, const char *tid, const char *status)
{
	if (tenants_queue_set_status(db, tid, status) < 0 ||
	    db_sync(db) != DB_OK)
		return -1;
	return 0;
}

/* Every transaction that saw the tenant active has ended once the longest
 * one can have lasted: statements are bounded by statement_timeout, and
 * the gaps between them by idle_in_transaction_session_timeout (twice
 * that, data/db.c). */
static void
settle(void)
{
	long ms = 3L * cfg.statement_timeout_ms + 1000;
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The index of the restored table name in struct restore_source. */
static int
table_index(const char *name)
{
	for (int i = 0; i < RESTORE_TABLES; i++)
		if (strcmp(restore_table(i), name) == 0)
			return i;
	return 0;
}

static const char *
details(struct arena *a, const char *to, const struct restore_source *src,
        const struct erasures_count *ec)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *rows = cJSON_AddObjectToObject(o, "rows");

	cJSON_AddStringToObject(o, "to", to);
	for (int i = 0; i < RESTORE_TABLES; i++)
		cJSON_AddNumberToObject(rows, restore_table(i),
		                        (double)src->n[i]);
	if (ec != NULL) {
		cJSON_AddNumberToObject(o, "erased_keys", ec->keys);
		cJSON_AddNumberToObject(o, "erased_records", ec->records);
	}
	return arena_strdup(a, json_print(o));
}

/* The one transaction: rows, ledger, audit event, unfreeze. */
static int
replace(struct db *live, struct arena *a, const struct tenant *t,
        const char *to, const struct restore_source *src,
        struct erasures_count *ec)
{
	const char *comment = arena_printf(a, "restored as of %s", to);

	db_begin(live, &t->id);
	if (restore_queue_replace(live, a, t->id_str, src, comment) < 0 ||
	    erasures_queue_reapply(live, t->id_str, ec) < 0 ||
	    audit_queue_system(live, &t->id, "tenant.restore", "tenant",
	                       t->id_str, details(a, to, src, NULL)) < 0 ||
	    tenants_queue_set_status(live, t->id_str, "active") < 0 ||
	    db_commit(live) < 0 || db_sync(live) != DB_OK) {
		fprintf(stderr, "strata: restore failed: %s %s\n",
		        live->sqlstate, live->errmsg);
		db_finish(live);
		return -1;
	}
	return 0;
}

int
recovery_tenant_restore(const char *who, const char *to, const char *from)
{
	struct arena *a = arena_new(1024 * 1024, 1024UL * 1024 * 1024);
	struct db live = {0}, src = {0};
	struct restore_source s;
	struct erasures_count ec = {0};
	struct tenant t;
	int64_t t0 = clock_mono_ms(), frozen_ms = 0;
	int rc = 1, frozen = 0;

	json_use_arena(a);
	if (who == NULL || to == NULL || from == NULL) {
		admin_fail("tenant restore SLUG --to TIME --from CONNINFO");
		goto out;
	}
	if (connect_db(&live, a, live_conninfo(), "live") < 0 ||
	    admin_find_tenant(&live, who, &t) < 0 ||
	    connect_db(&src, a, from, "restored") < 0)
		goto out;
	if (restore_queue_read(&src, &t.id, to, &s) < 0 ||
	    db_sync(&src) != DB_OK) {
		fprintf(stderr, "strata: cannot read the copy: %s %s\n",
		        src.sqlstate, src.errmsg);
		goto out;
	}
	if (source_ok(&live, &s) < 0)
		goto out;
	if (set_status(&live, t.id_str, "restoring") < 0) {
		admin_fail("cannot freeze the tenant");
		goto out;
	}
	frozen = 1;
	frozen_ms = clock_mono_ms();
	settle();
	if (replace(&live, a, &t, to, &s, &ec) < 0)
		goto out;
	frozen = 0;
	printf("{\"tenant\":\"%s\",\"to\":\"%s\",\"records\":%ld,"
	       "\"users\":%ld,\"erased_records\":%d,\"erased_keys\":%d,"
	       "\"frozen_ms\":%lld,\"total_ms\":%lld}\n",
	       t.slug, to, s.n[table_index("records")],
	       s.n[table_index("users")], ec.records, ec.keys,
	       (long long)(clock_mono_ms() - frozen_ms),
	       (long long)(clock_mono_ms() - t0));
	rc = 0;
out:
	/* A failed restore leaves the tenant as it was: thaw it. */
	if (frozen && set_status(&live, t.id_str, "active") < 0)
		admin_fail("the tenant is still frozen: strata tenant resume");
	db_close(&src);
	db_close(&live);
	arena_free(a);
	return rc;
}

/* The tenants of db (every status), into *out; their count or -1. */
static int
all_tenants(struct db *db, struct arena *a, struct tenant **out)
{
	int h = tenants_queue_list(db);
	int n;

	if (h < 0 || db_sync(db) != DB_OK)
		return -1;
	n = db_rows(db_result(db, h));
	*out = arena_calloc(a, n > 0 ? (size_t)n : 1, sizeof(**out));
	for (int i = 0; i < n; i++)
		tenants_from_row(&(*out)[i], db_result(db, h), i);
	return n;
}

/* Each tenant's ledger rows of src, read in one round trip. */
static int
export_all(struct db *src, struct arena *a, const struct tenant *t, int n,
           const char ***out)
{
	*out = arena_calloc(a, n > 0 ? (size_t)n : 1, sizeof(**out));
	for (int i = 0; i < n; i++) {
		db_begin(src, &t[i].id);
		erasures_queue_export(src, t[i].id_str, &(*out)[i]);
		db_commit(src);
	}
	return db_sync(src) == DB_OK ? 0 : -1;
}

/* The source's rows brought in (when given), and every tenant's ledger
 * counted, in one round trip. */
static int
import_all(struct db *db, const struct tenant *t, int n, const char **rows,
           long *imported, long *counts)
{
	for (int i = 0; i < n; i++) {
		db_begin(db, &t[i].id);
		if (rows != NULL && rows[i] != NULL)
			erasures_queue_import(db, t[i].id_str, rows[i],
			                      &imported[i]);
		erasures_queue_count(db, t[i].id_str, &counts[i]);
		db_commit(db);
	}
	return db_sync(db) == DB_OK ? 0 : -1;
}

/* The ledger re-applied to one tenant, audited, in its own transaction. */
static int
reapply_one(struct db *db, struct arena *a, const struct tenant *t,
            long imported, struct erasures_count *ec)
{
	db_begin(db, &t->id);
	if (erasures_queue_reapply(db, t->id_str, ec) < 0 ||
	    audit_queue_system(
	        db, &t->id, "privacy.erase.reapply", "tenant", t->id_str,
	        arena_printf(a, "{\"imported\":%ld}", imported)) < 0 ||
	    db_commit(db) < 0 || db_sync(db) != DB_OK) {
		db_finish(db);
		return -1;
	}
	return 0;
}

int
recovery_erasures_reapply(const char *from)
{
	struct arena *a = arena_new(1024 * 1024, 512UL * 1024 * 1024);
	struct db live = {0}, src = {0};
	struct tenant *t = NULL;
	const char **rows = NULL;
	long *imported, *counts, nimported = 0;
	int n, rc = 1, tenants = 0, records = 0, keys = 0;

	json_use_arena(a);
	if (connect_db(&live, a, live_conninfo(), "live") < 0)
		goto out;
	if ((n = all_tenants(&live, a, &t)) < 0) {
		admin_fail("cannot list tenants");
		goto out;
	}
	if (from != NULL && (connect_db(&src, a, from, "source") < 0 ||
	                     export_all(&src, a, t, n, &rows) < 0)) {
		admin_fail("cannot read the source's erasure ledger");
		goto out;
	}
	imported = arena_calloc(a, (size_t)n + 1, sizeof(*imported));
	counts = arena_calloc(a, (size_t)n + 1, sizeof(*counts));
	if (import_all(&live, t, n, rows, imported, counts) < 0) {
		admin_fail("cannot import the erasure ledger");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct erasures_count ec;

		nimported += imported[i];
		if (counts[i] == 0)
			continue;
		if (reapply_one(&live, a, &t[i], imported[i], &ec) < 0) {
			admin_fail("re-applying the erasure ledger failed");
			goto out;
		}
		tenants++;
		records += ec.records;
		keys += ec.keys;
	}
	printf("{\"imported\":%ld,\"tenants\":%d,\"erased_records\":%d,"
	       "\"erased_keys\":%d}\n",
	       nimported, tenants, records, keys);
	rc = 0;
out:
	db_close(&src);
	db_close(&live);
	arena_free(a);
	return rc;
}

int
recovery_backup(const char *type)
{
	static const char *const types[] = {"full", "incr", "diff"};
	int64_t t0 = clock_mono_ms();
	int known = 0, status = 0;
	pid_t pid;

	if (type == NULL)
		type = "incr";
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		known |= strcmp(type, types[i]) == 0;
	if (!known)
		return admin_fail("backup --type full, incr or diff");
	if (*cfg.backup_command == '\0')
		return admin_fail(
		    "no backup_command is set (docs/operations.md)");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return admin_fail("cannot start the backup command");
	if (pid == 0) {
		/* The type goes as an argument, never into the shell text. */
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"",
		      cfg.backup_command, type, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return admin_fail("the backup command failed");
	printf("{\"type\":\"%s\",\"ms\":%lld}\n", type,
	       (long long)(clock_mono_ms() - t0));
	return 0;
}
