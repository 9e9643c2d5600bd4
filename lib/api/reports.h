/*
 * reports.h - GET /v1/platform/reports/{usage,growth,plans,activity}:
 * operators' time series across tenants, from the daily rollup
 * (strata_analytics.daily), never from scans of tenants' data.
 */
#ifndef STRATA_API_REPORTS_H
#define STRATA_API_REPORTS_H

struct request;
struct plan;

/* GET /v1/platform/reports/{name}?from=YYYY-MM-DD&to=YYYY-MM-DD&interval=
 * day|week|month (operator; default the last 30 days by day): {report,
 * from, to, interval, series:[{period, ...}]}, the columns depending on
 * the report (docs/analytics.md); usage adds today's totals (tenants by
 * status, users, api_keys), activity the top tenants by requests and by
 * storage.  Accept: text/csv gives the series as CSV.  400 for bad
 * parameters, 404 for an unknown report, 422 past 10,000 rows. */
int reports_show(struct request *req, struct plan *plan);

#endif
