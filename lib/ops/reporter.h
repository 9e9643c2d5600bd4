/*
 * reporter.h - the report rollup (`strata report rollup`) and the
 * reporter, a background process of `strata serve`.
 *
 * The reporter is forked by the master beside the workers and supervised
 * like the audit sealer.  Every REPORTER_FLUSH_MS it drains the workers'
 * per-tenant answer counts (core/activity.h) into today's activity rows;
 * once a day, when the UTC date has changed (and at start when the day
 * before was never rolled up), it rolls up the day that ended.  Request
 * workers never do either.
 *
 * A rollup of day d: one statement fills strata_analytics.daily for every
 * tenant (sql/014_analytics.sql, report_rollup), then the tenants of
 * cohorts of at least k get their benchmark answers of d drawn, each
 * once: the true percentile plus Laplace noise (sec/dpnoise.h), stored
 * with the epsilon it spent from the tenant's budget of d.
 */
#ifndef STRATA_OPS_REPORTER_H
#define STRATA_OPS_REPORTER_H

struct arena;
struct db;

#define REPORTER_FLUSH_MS 5000 /* between drains of the answer counts */
#define REPORTER_BATCH 1000    /* tenants' counts per statement */

struct reporter_result {
	long long tenants;    /* rows rolled up */
	long long drawn;      /* benchmark answers drawn and stored now */
	long long cohort_min; /* k in force */
};

/* Rolls up day (YYYY-MM-DD, UTC) on db, a connection outside any
 * transaction, with its results in arena a.  Returns 0, or -1 with the
 * database's reason in db->sqlstate / db->errmsg (nothing half-stored:
 * the rollup and the answers each commit whole). */
int reporter_rollup(struct db *db, struct arena *a, const char *day,
                    struct reporter_result *out);

/* Stores the answer counts drained from shared memory; counts that could
 * not be stored are given back for the next flush.  Returns the tenants
 * stored, or -1. */
long reporter_flush(struct db *db, struct arena *a);

/* The process body (struct server_proc.main): runs until SIGTERM or
 * SIGINT, flushing once more before it exits.  Returns 0. */
int reporter_main(void);

#endif
