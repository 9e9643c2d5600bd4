/*
 * move.c - moving one tenant to another region: both halves.
 */
#include "ops/move.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/json.h"
#include "core/regions.h"
#include "core/uuid.h"
#include "data/audit.h"
#include "data/db.h"
#include "data/moves.h"
#include "data/tenant_copy.h"
#include "data/tenants.h"
#include "ops/admin.h"
#include "ops/domainmap.h"
#include "ops/keyring_transfer.h"
#include "sec/masterkey.h"
#include "sec/transport.h"

/* How long the bulk copy and the catch-up may take. */
#define MOVE_SYNC_TIMEOUT_MS (30L * 60 * 1000)
#define MOVE_CATCH_UP_TIMEOUT_MS (60L * 1000)
/* The largest answer or input passed between the two halves. */
#define MOVE_IO_MAX (64UL * 1024 * 1024)

static int
fail(const char *msg)
{
	admin_fail(msg);
	return -1;
}

static void
nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static const char *
owner_conninfo(void)
{
	return *cfg.owner_database_url ? cfg.owner_database_url
	                               : cfg.database_url;
}

static int
connect_owner(struct db *db, struct arena *a)
{
	db_init(db, owner_conninfo());
	if (db_ready(db, a) != DB_OK)
		return fail("cannot connect to the database as its owner");
	return 0;
}

const char *
move_admin_command(struct arena *a, const struct region *r)
{
	struct buf b;
	const char *p = cfg.region_admin, *q;

	buf_init(&b, a, 256, 8192);
	while ((q = strstr(p, "{region}")) != NULL) {
		buf_append(&b, p, (size_t)(q - p));
		buf_puts(&b, r->name);
		p = q + strlen("{region}");
	}
	buf_puts(&b, p);
	return buf_cstr(&b);
}

/* A move needs this region's name, the regions file (read with the
 * settings, core/config.h) and the way to the other region's `strata`. */
static int
regions_ready(void)
{
	if (*cfg.region == '\0' || regions_count() == 0 ||
	    *cfg.region_admin == '\0')
		return fail("a move needs region, regions_file and "
		            "region_admin");
	return 0;
}

/* Runs `<region's admin command> args` (args: fixed words, uuids and
 * checked region names only), with input on its standard input (NULL:
 * none), its standard output into *out (arena a).  0 when it exited 0. */
static int
run_admin(const struct region *r, const char *args, const char *input,
          struct arena *a, const char **out)
{
	const char *cmd =
	    arena_printf(a, "%s %s", move_admin_command(a, r), args);
	int in[2], res[2], status;
	struct buf b;
	pid_t pid;
	ssize_t n;

	*out = NULL;
	if (pipe(in) < 0 || pipe(res) < 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(res[1], 1);
		close(in[0]);
		close(in[1]);
		close(res[0]);
		close(res[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	for (size_t off = 0, len = input ? strlen(input) : 0; off < len;) {
		n = write(in[1], input + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(in[1]);
	buf_init(&b, a, 4096, MOVE_IO_MAX);
	for (;;) {
		char chunk[4096];

		n = read(res[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || buf_append(&b, chunk, (size_t)n) < 0)
			break;
	}
	close(res[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	while (b.len > 0 &&
	       (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' '))
		b.data[--b.len] = '\0';
	*out = b.len > 0 ? buf_cstr(&b) : "";
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The directory row of this region for the tenant: handed over to region
 * to (to != NULL), or taken (back) over. */
static int
directory(struct db *db, const struct tenant *t, const char *to)
{
	db_begin(db, &t->id);
	if ((to != NULL ? moves_queue_hand_over(db, t->id_str, to)
	                : moves_queue_take_over(db, t->id_str)) < 0 ||
	    db_commit(db) < 0 || db_sync(db) != DB_OK)
		return -1;
	return 0;
}

/* Every transaction open when the freeze committed has ended, or the
 * longest one could have lasted (statement_timeout bounds statements,
 * idle_in_transaction_session_timeout the gaps). */
static int
wait_for_open_transactions(struct db *db)
{
	long limit = 3L * cfg.statement_timeout_ms + 1000;
	int64_t t0 = clock_mono_ms();
	const char *ids = NULL;
	long long open = 1;

	if (moves_queue_open_transactions(db, &ids) < 0 ||
	    db_sync(db) != DB_OK || ids == NULL)
		return fail("cannot read the open transactions");
	while (open > 0 && clock_mono_ms() - t0 < limit) {
		if (moves_queue_still_open(db, ids, &open) < 0 ||
		    db_sync(db) != DB_OK)
			return fail("cannot read the open transactions");
		if (open > 0)
			nap_ms(5);
	}
	return 0;
}

/* The target's transport public key, from its `strata keys
 * transport-public`. */
static struct transport_key *
target_public_key(const struct region *target, struct arena *a)
{
	const char *pem = NULL;
	struct transport_key *k;

	if (run_admin(target, "keys transport-public", NULL, a, &pem) < 0) {
		fail("cannot read the target's transport key");
		return NULL;
	}
	if ((k = transport_from_public_pem(pem, strlen(pem))) == NULL)
		fail("the target's transport key is no RSA public key");
	return k;
}

/* What step 5 reads: the tenants row and the tenant's live keys sealed
 * for the target (the target compares the two sides' digests itself). */
static const char *
hand_over_text(struct db *db, struct arena *a, const struct tenant *t,
               const struct transport_key *pub)
{
	struct tenant_copy_keys keys;
	const char *row = NULL, *why = NULL, *sealed;
	cJSON *o = cJSON_CreateObject(), *r;

	db_begin(db, &t->id);
	if (moves_queue_tenant_row(db, t->id_str, &row) < 0 ||
	    tenant_copy_queue_keys(db, t->id_str, &keys) < 0 ||
	    db_commit(db) < 0 || db_sync(db) != DB_OK || row == NULL)
		return NULL;
	if ((r = json_parse(row, strlen(row), JSON_MAX_DEPTH, &why)) == NULL)
		return NULL;
	sealed = keyring_transfer_seal(a, &t->id, &keys, NULL, pub, &why);
	if (sealed == NULL) {
		fprintf(stderr, "strata: cannot seal the keys: %s\n",
		        why ? why : "");
		return NULL;
	}
	cJSON_AddItemToObject(o, "tenant", r);
	cJSON_AddStringToObject(o, "keys", sealed);
	return json_print(o);
}

/* Steps 3 to 5, the tenant frozen; 0 once the target is home. */
static int
switch_over(struct db *db, struct arena *a, const struct tenant *t,
            const struct region *target, const struct transport_key *pub,
            int64_t *frozen_ms, const char **answer)
{
	long long changed = 0;
	const char *text;
	int rc;

	if (moves_queue_freeze(db, t->id_str, &changed) < 0 ||
	    db_sync(db) != DB_OK || changed != 1)
		return fail("cannot freeze the tenant (is it active?)");
	*frozen_ms = clock_mono_ms();
	if (wait_for_open_transactions(db) < 0)
		return -1;
	if ((text = hand_over_text(db, a, t, pub)) == NULL)
		return fail("cannot read the tenant's rows");
	if (directory(db, t, target->name) < 0)
		return fail("cannot hand the directory over");
	rc = run_admin(target,
	               arena_printf(a,
	                            "tenant move-in finish --tenant %s "
	                            "--from %s",
	                            t->id_str, cfg.region),
	               text, a, answer);
	if (rc < 0) {
		fprintf(stderr,
		        "strata: the target did not take the tenant: "
		        "%s\n",
		        *answer ? *answer : "");
		if (directory(db, t, NULL) < 0)
			admin_fail("the directory is still handed over: "
			           "retry the move");
		return -1;
	}
	return 0;
}

/* The source's end: no key of the tenant opens anything here any more,
 * and no row of it is left. */
static int
purge_here(struct db *db, const struct tenant *t, const char *reader,
           long long *rows)
{
	db_begin(db, &t->id);
	if (moves_queue_shred(db, t->id_str) < 0 ||
	    moves_queue_purge(db, t->id_str, rows) < 0 ||
	    moves_queue_unpublish(db, t->id_str, reader) < 0 ||
	    db_commit(db) < 0 || db_sync(db) != DB_OK)
		return fail("the tenant moved, but its rows here could not "
		            "be purged: strata tenant purge");
	return 0;
}

/* One move's state at the source, for undoing what it did. */
struct move {
	struct arena *a;
	struct db db;
	struct tenant t;
	const struct region *target;
	struct transport_key *pub;
	char reader[64]; /* the role other regions' copies log in as */
	bool published, subscribed, frozen, switched;
};

/* Steps 1 and 2: the publication, the target's subscription, its bulk
 * copy, and the target's transport key.  0, or -1 (undone by undo()). */
static int
copy_out(struct move *m)
{
	const struct region *self = regions_find(cfg.region);
	const char *answer = NULL;

	if (self == NULL || moves_conninfo_user(self->conninfo, m->reader,
	                                        sizeof(m->reader)) < 0)
		return fail("this region's conninfo in regions_file names no "
		            "user");
	if (moves_queue_publish(&m->db, m->t.id_str, m->reader) < 0 ||
	    db_sync(&m->db) != DB_OK)
		return fail("cannot publish the tenant's rows");
	m->published = m->subscribed = true;
	if (run_admin(m->target,
	              arena_printf(m->a,
	                           "tenant move-in begin --tenant %s --from %s",
	                           m->t.id_str, cfg.region),
	              NULL, m->a, &answer) < 0)
		return fail("the target cannot subscribe");
	if (run_admin(m->target,
	              arena_printf(m->a, "tenant move-in wait --tenant %s",
	                           m->t.id_str),
	              NULL, m->a, &answer) < 0)
		return fail("the bulk copy did not finish");
	if ((m->pub = target_public_key(m->target, m->a)) == NULL)
		return -1;
	return 0;
}

/* A failed move leaves the tenant here as it was and nothing of it there. */
static void
undo(struct move *m)
{
	const char *answer = NULL;

	if (m->subscribed &&
	    run_admin(m->target,
	              arena_printf(m->a, "tenant move-in abort --tenant %s",
	                           m->t.id_str),
	              NULL, m->a, &answer) < 0)
		admin_fail("the target still subscribes: strata tenant move-in "
		           "abort there");
	if (m->frozen && !m->switched) {
		db_finish(&m->db);
		if (moves_queue_thaw(&m->db, m->t.id_str) < 0 ||
		    db_sync(&m->db) != DB_OK)
			admin_fail("the tenant is still frozen: strata tenant "
			           "resume");
	}
	if (m->published &&
	    (moves_queue_unpublish(&m->db, m->t.id_str, m->reader) < 0 ||
	     db_sync(&m->db) != DB_OK))
		admin_fail("the publication is left: tenant move again");
}

int
move_tenant(const char *who, const char *to)
{
	struct move m = {0};
	int64_t t0 = clock_mono_ms(), synced, frozen = 0;
	long long rows = 0;
	const char *answer = NULL;
	int rc = 1;

	m.a = arena_new(1024 * 1024, 256UL * 1024 * 1024);
	json_use_arena(m.a);
	if (who == NULL || to == NULL) {
		admin_fail("tenant move SLUG --to REGION");
		goto out;
	}
	if (regions_ready() < 0)
		goto out;
	if ((m.target = regions_find(to)) == NULL ||
	    strcmp(to, cfg.region) == 0) {
		admin_fail("--to must name another region of regions_file");
		goto out;
	}
	if (masterkey_load(cfg.master_key_file) < 0 ||
	    connect_owner(&m.db, m.a) < 0 ||
	    admin_find_tenant(&m.db, who, &m.t) < 0)
		goto out;
	if (strcmp(m.t.status, "active") != 0) {
		admin_fail("only an active tenant moves");
		goto out;
	}
	if (copy_out(&m) < 0)
		goto out;
	synced = clock_mono_ms();
	m.frozen = true;
	if (switch_over(&m.db, m.a, &m.t, m.target, m.pub, &frozen, &answer) <
	    0)
		goto out;
	m.subscribed = m.published = false;
	m.switched = true;
	printf("{\"tenant\":\"%s\",\"to\":\"%s\",\"copy_ms\":%lld,"
	       "\"frozen_ms\":%lld,",
	       m.t.slug, to, (long long)(synced - t0),
	       (long long)(clock_mono_ms() - frozen));
	if (purge_here(&m.db, &m.t, m.reader, &rows) < 0)
		goto out;
	printf("\"purged_rows\":%lld,\"total_ms\":%lld,\"target\":%s}\n", rows,
	       (long long)(clock_mono_ms() - t0),
	       answer && *answer ? answer : "null");
	rc = 0;
out:
	undo(&m);
	if (m.pub != NULL)
		transport_free(m.pub);
	masterkey_wipe();
	db_close(&m.db);
	arena_free(m.a);
	return rc;
}

/* The target's half. */

static int
super_open(struct moves_super *s)
{
	if (*cfg.super_database_url == '\0')
		return fail("super_database_url is not set");
	if (moves_super_open(s, cfg.super_database_url) < 0) {
		fprintf(stderr, "strata: %s\n", s->errmsg);
		return -1;
	}
	return 0;
}

static int
super_fail(const struct moves_super *s)
{
	fprintf(stderr, "strata: %s\n", s->errmsg);
	return -1;
}

/* The tenant does not live here; rows of it left by an aborted move are
 * removed. */
static int
begin_in(struct db *db, const char *tid, const char *from)
{
	const struct region *src = regions_find(from);
	struct moves_super s;
	struct uuid id;
	bool exists = true;
	long long rows = 0;
	int rc;

	if (src == NULL)
		return fail("--from names no region of regions_file");
	if (uuid_parse(tid, &id) < 0)
		return fail("--tenant takes a tenant id");
	if (moves_queue_exists(db, tid, &exists) < 0 || db_sync(db) != DB_OK)
		return fail("cannot read the tenants");
	if (exists)
		return fail("the tenant already lives in this region");
	db_begin(db, &id);
	if (moves_queue_purge(db, tid, &rows) < 0 || db_commit(db) < 0 ||
	    db_sync(db) != DB_OK)
		return fail("cannot clear what an earlier move left");
	if (super_open(&s) < 0)
		return -1;
	rc = moves_unsubscribe(&s, tid) < 0 ||
	             moves_subscribe(&s, tid, src->conninfo) < 0
	         ? super_fail(&s)
	         : 0;
	moves_super_close(&s);
	if (rc == 0)
		printf("{\"subscribed\":\"%s\",\"cleared_rows\":%lld}\n", tid,
		       rows);
	return rc;
}

static int
wait_in(const char *tid)
{
	struct moves_super s;
	int64_t t0 = clock_mono_ms();
	int pending = 1, total = 0, rc = -1;

	if (super_open(&s) < 0)
		return -1;
	while (clock_mono_ms() - t0 < MOVE_SYNC_TIMEOUT_MS) {
		if (moves_sync_state(&s, tid, &pending, &total) < 0) {
			super_fail(&s);
			break;
		}
		if (pending == 0) {
			printf("{\"tables\":%d,\"copy_ms\":%lld}\n", total,
			       (long long)(clock_mono_ms() - t0));
			rc = 0;
			break;
		}
		nap_ms(100);
	}
	if (pending != 0 && rc < 0)
		admin_fail("the bulk copy did not finish in time");
	moves_super_close(&s);
	return rc;
}

/* Waits until this copy's rows are the source's (frozen): the digests of
 * both, read as each side's superuser, are equal.  The source's is read
 * each time, not once: its background processes (the audit sealer) may
 * still add to a frozen tenant, and those rows come along too. */
static int
catch_up(struct moves_super *here, const struct region *from, const char *tid,
         int64_t *ms)
{
	struct moves_super src;
	int64_t t0 = clock_mono_ms();
	char got[33] = "", want[33] = "";
	long long rows = 0;
	int rc = -1;

	if (moves_super_open(&src, from->conninfo) < 0)
		return super_fail(&src);
	while (clock_mono_ms() - t0 < MOVE_CATCH_UP_TIMEOUT_MS) {
		if (moves_super_digest(&src, tid, want, &rows) < 0) {
			super_fail(&src);
			break;
		}
		if (moves_super_digest(here, tid, got, &rows) < 0) {
			super_fail(here);
			break;
		}
		if (strcmp(got, want) == 0) {
			*ms = clock_mono_ms() - t0;
			rc = 0;
			break;
		}
		nap_ms(20);
	}
	moves_super_close(&src);
	if (rc < 0 && clock_mono_ms() - t0 >= MOVE_CATCH_UP_TIMEOUT_MS)
		admin_fail("the copy never matched the source's rows");
	return rc;
}

static const char *
read_stdin(struct arena *a)
{
	struct buf b;
	char chunk[4096];
	ssize_t n;

	buf_init(&b, a, 4096, MOVE_IO_MAX);
	while ((n = read(0, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || buf_append(&b, chunk, (size_t)n) < 0)
			return NULL;
	}
	return b.len > 0 ? buf_cstr(&b) : NULL;
}

/* The source's hand-over (finish's standard input): the tenants row, and
 * the keys opened with this region's transport key into *keys. */
static int
read_hand_over(struct arena *a, const struct uuid *id, const cJSON **row,
               struct keyring_transfer *keys)
{
	const char *in = read_stdin(a), *why = NULL, *sealed;
	struct transport_key *priv;
	char path[PATH_MAX];
	cJSON *o;
	int rc;

	if (in == NULL ||
	    (o = json_parse(in, strlen(in), JSON_MAX_DEPTH, &why)) == NULL ||
	    !cJSON_IsObject(*row = cJSON_GetObjectItemCaseSensitive(
	                        o, "tenant")) ||
	    (sealed = json_str(o, "keys")) == NULL)
		return fail("finish reads the source's hand-over on stdin");
	if (masterkey_load(cfg.master_key_file) < 0 ||
	    transport_path(cfg.master_key_file, path, sizeof(path)) < 0 ||
	    (priv = transport_load_or_create(path)) == NULL)
		return fail("cannot load this region's keys");
	rc = keyring_transfer_open(a, sealed, strlen(sealed), priv, keys, &why);
	transport_free(priv);
	if (rc < 0) {
		fprintf(stderr, "strata: the sealed keys do not open: %s\n",
		        why ? why : "");
		return -1;
	}
	if (!uuid_equal(&keys->tenant, id)) {
		keyring_transfer_wipe(keys);
		return fail("the sealed keys are another tenant's");
	}
	return 0;
}

/* One transaction: the keys wrapped under this region's master key in
 * place of the copied ones, the tenants row, the directory, the audit
 * event.  The tenant serves here once it commits. */
static int
arrive(struct db *db, struct arena *a, const struct uuid *id, const char *tid,
       const cJSON *row, const struct keyring_transfer *keys, const char *from)
{
	db_begin(db, id);
	if (moves_queue_arrive(db, tid, json_print(row), cfg.region) < 0 ||
	    moves_queue_drop_live_keys(db, tid) < 0 ||
	    keyring_transfer_queue_adopt(db, a, id, keys) < 0 ||
	    moves_queue_take_over(db, tid) < 0 ||
	    audit_queue_system(db, id, "tenant.moved", "tenant", tid,
	                       json_printf("{\"from\":\"%s\",\"to\":\"%s\"}",
	                                   from, cfg.region)) < 0 ||
	    db_commit(db) < 0 || db_sync(db) != DB_OK) {
		fprintf(stderr, "strata: cannot adopt the tenant: %s %s\n",
		        db->sqlstate, db->errmsg);
		return -1;
	}
	return 0;
}

static int
finish_in(struct db *db, struct arena *a, const char *tid, const char *from)
{
	const struct region *src = regions_find(from);
	struct keyring_transfer keys = {0};
	struct moves_super s;
	const cJSON *row = NULL;
	struct uuid id;
	int64_t caught = 0;
	int rc = -1;

	if (src == NULL)
		return fail("--from names no region of regions_file");
	if (uuid_parse(tid, &id) < 0)
		return fail("--tenant takes a tenant id");
	if (read_hand_over(a, &id, &row, &keys) < 0)
		return -1;
	if (super_open(&s) == 0) {
		if (catch_up(&s, src, tid, &caught) == 0 &&
		    (moves_unsubscribe(&s, tid) == 0 || super_fail(&s) == 0))
			rc = arrive(db, a, &id, tid, row, &keys, from);
		moves_super_close(&s);
	}
	keyring_transfer_wipe(&keys);
	masterkey_wipe();
	if (rc < 0)
		return -1;
	if (*cfg.nginx_domains_map && domainmap_write(db) < 0)
		admin_fail("nginx's domain list is stale: strata tenant domain "
		           "map");
	printf("{\"caught_up_ms\":%lld}\n", (long long)caught);
	return 0;
}

static int
abort_in(struct db *db, const char *tid)
{
	struct moves_super s;
	struct uuid id;
	bool exists = true;
	long long rows = 0;

	if (uuid_parse(tid, &id) < 0)
		return fail("--tenant takes a tenant id");
	if (super_open(&s) < 0)
		return -1;
	if (moves_unsubscribe(&s, tid) < 0) {
		moves_super_close(&s);
		return super_fail(&s);
	}
	moves_super_close(&s);
	if (moves_queue_exists(db, tid, &exists) < 0 || db_sync(db) != DB_OK)
		return fail("cannot read the tenants");
	if (exists)
		return fail("the tenant lives here now: nothing to abort");
	db_begin(db, &id);
	if (moves_queue_purge(db, tid, &rows) < 0 || db_commit(db) < 0 ||
	    db_sync(db) != DB_OK)
		return fail("cannot remove the copied rows");
	printf("{\"aborted\":\"%s\",\"removed_rows\":%lld}\n", tid, rows);
	return 0;
}

int
move_in(const char *step, const char *tid, const char *from)
{
	struct arena *a = arena_new(1024 * 1024, 256UL * 1024 * 1024);
	struct db db = {0};
	int rc = -1;

	json_use_arena(a);
	if (step == NULL || tid == NULL) {
		admin_fail("tenant move-in begin|wait|finish|abort --tenant ID "
		           "[--from REGION]");
	} else if (strcmp(step, "wait") == 0) {
		rc = wait_in(tid);
	} else if ((strcmp(step, "begin") == 0 ||
	            strcmp(step, "finish") == 0) &&
	           (regions_ready() < 0 || from == NULL ||
	            regions_find(from) == NULL)) {
		admin_fail("--from names the region the tenant comes from");
	} else if (connect_owner(&db, a) == 0) {
		if (strcmp(step, "begin") == 0)
			rc = begin_in(&db, tid, from);
		else if (strcmp(step, "finish") == 0)
			rc = finish_in(&db, a, tid, from);
		else if (strcmp(step, "abort") == 0)
			rc = abort_in(&db, tid);
		else
			admin_fail("move-in steps: begin, wait, finish, abort");
	}
	db_close(&db);
	arena_free(a);
	return rc == 0 ? 0 : 1;
}
