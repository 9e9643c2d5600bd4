/*
 * report.h - the `strata report` commands: rollup and configure.
 *
 * Each prints its JSON answer on stdout and returns the exit status: 0,
 * or 1 after one line on stderr ("strata: why").  Both connect as the
 * app role (cfg.database_url), as the reporter process does.
 */
#ifndef STRATA_OPS_REPORT_H
#define STRATA_OPS_REPORT_H

/* Rolls up day (YYYY-MM-DD, UTC; NULL: the day before today) as the
 * reporter does once a day (ops/reporter.h), and prints {day, tenants,
 * benchmarks_drawn, k}. */
int report_rollup_command(const char *day);

/* Sets the platform's analytics parameters that are not NULL: k (the
 * fewest tenants of a reported group or benchmark cohort), epsilon (per
 * benchmark metric and day) and the daily budget per tenant; prints them. */
int report_configure_command(const char *k, const char *epsilon,
                             const char *budget);

#endif
