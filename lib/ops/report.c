/*
 * report.c - `strata report rollup | configure`.
 */
#include "ops/report.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/json.h"
#include "data/analytics.h"
#include "data/db.h"
#include "ops/reporter.h"

#define REPORT_ARENA_CHUNK (64 * 1024)
#define REPORT_ARENA_CAP (512UL * 1024 * 1024)

static int
fail(const char *msg, const struct db *db)
{
	if (db != NULL && db->errmsg[0] != '\0')
		fprintf(stderr, "strata: %s: %s\n", msg, db->errmsg);
	else
		fprintf(stderr, "strata: %s\n", msg);
	return 1;
}

/* A connection and an arena for one command; -1 after saying why. */
static int
open_db(struct db *db, struct arena **a)
{
	*a = arena_new(REPORT_ARENA_CHUNK, REPORT_ARENA_CAP);
	json_use_arena(*a);
	db_init(db, cfg.database_url);
	db->statement_timeout_ms = 0; /* a rollup reads every tenant */
	if (db_ready(db, *a) < 0) {
		fail("cannot connect to the database", NULL);
		return -1;
	}
	return 0;
}

static void
close_db(struct db *db, struct arena *a)
{
	db_close(db);
	arena_free(a);
}

int
report_rollup_command(const char *day)
{
	char before[11];
	struct reporter_result r;
	struct arena *a;
	struct db db;
	cJSON *o;
	int rc;

	if (day == NULL) {
		time_t t = (time_t)clock_real_s() - 86400;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(before, sizeof(before), "%Y-%m-%d", &tm);
		day = before;
	}
	if (!analytics_day_ok(day))
		return fail("--day takes a date YYYY-MM-DD", NULL);
	if (open_db(&db, &a) < 0) {
		close_db(&db, a);
		return 1;
	}
	if ((rc = reporter_rollup(&db, a, day, &r)) < 0) {
		fail("the rollup failed", &db);
	} else {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "day", day);
		cJSON_AddNumberToObject(o, "tenants", (double)r.tenants);
		cJSON_AddNumberToObject(o, "benchmarks_drawn", (double)r.drawn);
		cJSON_AddNumberToObject(o, "k", (double)r.cohort_min);
		printf("%s\n", json_print(o));
	}
	close_db(&db, a);
	return rc < 0 ? 1 : 0;
}

int
report_configure_command(const char *k, const char *epsilon, const char *budget)
{
	struct analytics_settings s;
	struct arena *a;
	struct db db;
	cJSON *o;
	int rc = 1;

	if (open_db(&db, &a) < 0) {
		close_db(&db, a);
		return 1;
	}
	if (k != NULL || epsilon != NULL || budget != NULL)
		analytics_settings_set(&db, k, epsilon, budget);
	analytics_settings_get(&db, &s);
	if (db_sync(&db) != DB_OK || !s.found) {
		fail(db_error_is(&db, "23514") || db_error_is(&db, "22P02")
		         ? "a value is out of range (k 2-10000, epsilon "
		           "0-10, budget 0-100)"
		         : "cannot store the settings",
		     NULL);
	} else {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "k", s.k);
		cJSON_AddNumberToObject(o, "epsilon", s.epsilon);
		cJSON_AddNumberToObject(o, "daily_budget", s.daily_budget);
		printf("%s\n", json_print(o));
		rc = 0;
	}
	close_db(&db, a);
	return rc;
}
