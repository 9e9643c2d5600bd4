/*
 * reporter.c - the rollup and the reporter process.
 */
#include "ops/reporter.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/activity.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/sandbox.h"
#include "core/server.h"
#include "data/analytics.h"
#include "data/db.h"
#include "sec/dpnoise.h"

#define REPORTER_ARENA_CHUNK (64 * 1024)
#define REPORTER_ARENA_CAP (256UL * 1024 * 1024)

/* The noisy answers of in, as numeric texts; NULL when no randomness
 * could be had (nothing is stored then). */
static const char **
draw(struct arena *a, const struct benchmark_inputs *in, double epsilon)
{
	const char **v = arena_calloc(a, (size_t)in->n + 1, sizeof(*v));

	for (int i = 0; i < in->n; i++) {
		double x;

		if (dpnoise_percentile(in->rows[i].percentile,
		                       in->rows[i].cohort, epsilon, &x) < 0)
			return NULL;
		v[i] = arena_printf(a, "%.1f", x);
	}
	return v;
}

/* Sends what the caller queued (one transaction): 0 or -1. */
static int
in_tx_sync(struct db *db)
{
	return db_sync(db) == DB_OK ? 0 : -1;
}

int
reporter_rollup(struct db *db, struct arena *a, const char *day,
                struct reporter_result *out)
{
	struct analytics_settings s;
	struct benchmark_inputs in;
	const char **values;

	memset(out, 0, sizeof(*out));
	db_queue_sql(db, "BEGIN");
	analytics_rollup(db, day, &out->tenants);
	db_queue_sql(db, "COMMIT");
	if (in_tx_sync(db) < 0)
		return -1;
	db_queue_sql(db, "BEGIN");
	analytics_settings_get(db, &s);
	analytics_benchmark_inputs(db, day, &in);
	db_queue_sql(db, "COMMIT");
	if (in_tx_sync(db) < 0 || !s.found)
		return -1;
	out->cohort_min = s.k;
	if (in.n == 0)
		return 0;
	if ((values = draw(a, &in, s.epsilon)) == NULL) {
		snprintf(db->errmsg, sizeof(db->errmsg),
		         "no randomness for the benchmark noise");
		return -1;
	}
	db_queue_sql(db, "BEGIN");
	analytics_benchmark_store(db, a, day, &in, values, &out->drawn);
	db_queue_sql(db, "COMMIT");
	return in_tx_sync(db);
}

long
reporter_flush(struct db *db, struct arena *a)
{
	static struct activity_delta d[REPORTER_BATCH];
	size_t cursor = 0, n;
	long stored = 0;

	do {
		n = activity_drain(d, REPORTER_BATCH, &cursor);
		if (n == 0)
			continue;
		if (db_ready(db, a) < 0 ||
		    analytics_add_activity(db, a, d, n) < 0 ||
		    db_sync(db) != DB_OK) {
			activity_restore(d, n);
			db_finish(db);
			arena_reset(a);
			return -1;
		}
		db_finish(db);
		arena_reset(a);
		stored += (long)n;
	} while (cursor != 0);
	return stored;
}

/* Today's UTC date and the day before, as YYYY-MM-DD. */
static void
utc_days(char today[11], char yesterday[11])
{
	time_t now = (time_t)clock_real_s(), before = now - 86400;
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(today, 11, "%Y-%m-%d", &tm);
	gmtime_r(&before, &tm);
	strftime(yesterday, 11, "%Y-%m-%d", &tm);
}

/* Rolls up day once; 0 or -1 (logged). */
static int
rollup_logged(struct db *db, struct arena *a, const char *day)
{
	struct reporter_result r;
	int rc = -1;

	if (db_ready(db, a) == 0)
		rc = reporter_rollup(db, a, day, &r);
	if (rc == 0)
		log_info("report rollup of %s: %lld tenants, %lld benchmark "
		         "answers drawn",
		         day, r.tenants, r.drawn);
	else
		log_warn("report rollup of %s failed: %s %s", day, db->sqlstate,
		         db->errmsg);
	db_finish(db);
	arena_reset(a);
	return rc;
}

static void
sleep_ms(long long ms)
{
	struct timespec ts = {(time_t)(ms / 1000),
	                      (long)(ms % 1000) * 1000000L};

	if (ms > 0)
		nanosleep(&ts, NULL); /* SIGTERM cuts it short */
}

int
reporter_main(void)
{
	struct arena *a = arena_new(REPORTER_ARENA_CHUNK, REPORTER_ARENA_CAP);
	char rolled_on[11] = "", today[11], yesterday[11];
	uint64_t lost_seen = 0;
	struct db db;

	server_child_signals();
	db_init(&db, cfg.database_url);
	db.statement_timeout_ms = 0; /* a rollup reads every tenant */
	if (sandbox_enter((enum sandbox_mode)sandbox_mode(cfg.seccomp)) < 0) {
		arena_free(a);
		return 1;
	}
	log_info("reporter started (flush every %d ms)", REPORTER_FLUSH_MS);
	while (!server_stopping) {
		long long start = clock_mono_ms();
		uint64_t lost = activity_lost();

		if (reporter_flush(&db, a) < 0)
			log_warn("reporter: answer counts not stored yet: %s",
			         db.errmsg);
		if (lost != lost_seen)
			log_warn("reporter: %llu answers found no tenant slot",
			         (unsigned long long)(lost - lost_seen));
		lost_seen = lost;
		utc_days(today, yesterday);
		/* The day that ended, once: also after a restart, which
		 * replaces its rows with the same figures. */
		if (strcmp(rolled_on, today) != 0 &&
		    rollup_logged(&db, a, yesterday) == 0)
			memcpy(rolled_on, today, sizeof(rolled_on));
		sleep_ms(start + REPORTER_FLUSH_MS - clock_mono_ms());
	}
	(void)reporter_flush(&db, a);
	db_close(&db);
	arena_free(a);
	log_info("reporter stopped");
	return 0;
}
