/*
 * metrics.c - shared counters and Prometheus exposition.
 */
#include "core/metrics.h"

#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/router.h"
#include "core/server.h"

static const double bucket_ms[METRICS_BUCKETS] = {
    0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000,
};

static const char *const counter_names[M_COUNTERS][2] = {
    {"strata_worker_starts_total", "Worker processes started."},
    {"strata_worker_crashes_total",
     "Workers that died abnormally and were restarted."},
    {"strata_worker_recycles_total", "Workers that exited after max_requests."},
    {"strata_db_round_trips_total", "Database round trips."},
    {"strata_db_errors_total", "Failed database statements."},
    {"strata_db_reconnects_total", "Database (re)connections."},
    {"strata_db_unavailable_total",
     "Requests answered 503 because the database was unreachable."},
    {"strata_cache_hits_total", "Worker cache hits."},
    {"strata_cache_misses_total", "Worker cache misses."},
    {"strata_rate_limited_total", "Requests refused with 429."},
    {"strata_audit_events_total", "Audit events written."},
    {"strata_audit_sealed_total", "Audit events chained by the sealer."},
    {"strata_db_queue_failures_total",
     "Statements that could not be queued (their request failed)."},
    {"strata_db_resets_total",
     "Connections found not idle at a request's start and reset."},
    {"strata_principal_cache_hits_total",
     "Requests whose principal came from the worker's cache."},
    {"strata_principal_cache_misses_total",
     "Requests whose principal was read from the database."},
    {"strata_background_starts_total",
     "Background processes (audit sealer, ...) started."},
    {"strata_audit_seal_passes_total",
     "Passes of the audit sealer over the tenants with due events."},
    {"strata_audit_seal_failures_total",
     "Tenant seals that failed (retried on a later pass)."},
};

struct tenant_slot {
	char slug[64];
	uint64_t count;
};

struct citus_slot {
	char slug[64];
	uint64_t queries;
	uint64_t cpu_us;
};

struct shm {
	uint64_t counters[M_COUNTERS];
	uint64_t requests[METRICS_MAX_ROUTES][6]; /* 1xx..5xx, other */
	uint64_t buckets[METRICS_BUCKETS + 1];
	uint64_t latency_count;
	uint64_t latency_sum_us;
	uint64_t seal_lag;
	int tenant_lock;
	struct tenant_slot tenants[METRICS_TOP_TENANTS];
	int citus_shown; /* -1: never set (no Citus); else slots in use */
	struct citus_slot citus[METRICS_CITUS_TENANTS];
};

static struct shm *shm;

int
metrics_init(void)
{
	void *p = mmap(NULL, sizeof(struct shm), PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	memset(p, 0, sizeof(struct shm));
	shm = p;
	shm->citus_shown = -1;
	return 0;
}

static void
add(uint64_t *p, uint64_t n)
{
	__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

static uint64_t
get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void
metrics_add(enum metric_counter c, uint64_t n)
{
	if (shm != NULL)
		add(&shm->counters[c], n);
}

void
metrics_set_seal_lag(uint64_t events)
{
	if (shm != NULL)
		__atomic_store_n(&shm->seal_lag, events, __ATOMIC_RELAXED);
}

/* The lock holds the pid of its holder, so the master can release it when
 * that worker dies inside the (tiny) critical section.  Spinning is
 * bounded: a contended update is dropped rather than waited for. */
static bool
lock_tenants(void)
{
	int me = (int)server_self_pid();

	for (int i = 0; i < 100000; i++) {
		int free_ = 0;

		if (__atomic_compare_exchange_n(&shm->tenant_lock, &free_, me,
		                                false, __ATOMIC_ACQUIRE,
		                                __ATOMIC_RELAXED))
			return true;
	}
	return false;
}

static void
unlock_tenants(void)
{
	__atomic_store_n(&shm->tenant_lock, 0, __ATOMIC_RELEASE);
}

void
metrics_worker_died(int pid)
{
	if (shm != NULL)
		__atomic_compare_exchange_n(&shm->tenant_lock, &pid, 0, false,
		                            __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/* Space-saving top-N: a tenant already tracked is counted; a new one takes
 * the least-counted slot and inherits its count (an over-estimate bounded
 * by that count).  The label set stays at METRICS_TOP_TENANTS however many
 * tenants there are.  A spin lock guards the small table. */
static void
count_tenant(const char *slug)
{
	struct tenant_slot *min = NULL;
	size_t n = strlen(slug);

	if (n == 0 || n >= sizeof(shm->tenants[0].slug))
		return;
	if (!lock_tenants())
		return;
	for (int i = 0; i < METRICS_TOP_TENANTS; i++) {
		struct tenant_slot *s = &shm->tenants[i];

		if (strcmp(s->slug, slug) == 0) {
			s->count++;
			min = NULL;
			goto out;
		}
		if (min == NULL || s->count < min->count)
			min = s;
	}
	memcpy(min->slug, slug, n + 1);
	min->count++;
out:
	unlock_tenants();
}

void
metrics_request(int route, int status, double ms, const char *tenant)
{
	int cls = status / 100 - 1, b;

	if (shm == NULL)
		return;
	if (route < 0 || route >= METRICS_MAX_ROUTES - 1)
		route = METRICS_MAX_ROUTES - 1;
	if (cls < 0 || cls > 4)
		cls = 5;
	add(&shm->requests[route][cls], 1);
	for (b = 0; b < METRICS_BUCKETS && ms > bucket_ms[b]; b++)
		;
	add(&shm->buckets[b], 1);
	add(&shm->latency_count, 1);
	add(&shm->latency_sum_us, (uint64_t)(ms * 1000.0));
	if (tenant != NULL)
		count_tenant(tenant);
}

static void
render_requests(struct buf *out, const struct route *routes, size_t n)
{
	static const char *const cls[] = {"1xx", "2xx", "3xx",
	                                  "4xx", "5xx", "other"};

	buf_puts(out, "# HELP strata_requests_total HTTP requests by route "
	              "template and status class.\n"
	              "# TYPE strata_requests_total counter\n");
	for (size_t r = 0; r < METRICS_MAX_ROUTES; r++) {
		bool unmatched = r == METRICS_MAX_ROUTES - 1;

		if (!unmatched && r >= n)
			continue;
		for (int c = 0; c < 6; c++) {
			uint64_t v = get(&shm->requests[r][c]);

			if (v == 0)
				continue;
			buf_printf(out,
			           "strata_requests_total{method=\"%s\","
			           "route=\"%s\",status=\"%s\"} %llu\n",
			           unmatched ? "" : routes[r].method,
			           unmatched ? "unmatched" : routes[r].pattern,
			           cls[c], (unsigned long long)v);
		}
	}
}

static void
render_latency(struct buf *out)
{
	uint64_t cum = 0;

	buf_puts(out, "# HELP strata_request_duration_seconds Time from "
	              "accept to response.\n"
	              "# TYPE strata_request_duration_seconds histogram\n");
	for (int b = 0; b < METRICS_BUCKETS; b++) {
		cum += get(&shm->buckets[b]);
		buf_printf(out,
		           "strata_request_duration_seconds_bucket{le=\"%g\"}"
		           " %llu\n",
		           bucket_ms[b] / 1000.0, (unsigned long long)cum);
	}
	cum += get(&shm->buckets[METRICS_BUCKETS]);
	buf_printf(out,
	           "strata_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
	           "strata_request_duration_seconds_sum %.6f\n"
	           "strata_request_duration_seconds_count %llu\n",
	           (unsigned long long)cum,
	           (double)get(&shm->latency_sum_us) / 1e6,
	           (unsigned long long)get(&shm->latency_count));
}

static void
render_tenants(struct buf *out)
{
	buf_puts(out, "# HELP strata_tenant_requests_total Requests of the "
	              "busiest tenants (top-N, approximate).\n"
	              "# TYPE strata_tenant_requests_total counter\n");
	if (!lock_tenants())
		return;
	for (int i = 0; i < METRICS_TOP_TENANTS; i++)
		if (shm->tenants[i].count > 0)
			buf_printf(out,
			           "strata_tenant_requests_total{tenant=\"%s\"}"
			           " %llu\n",
			           shm->tenants[i].slug,
			           (unsigned long long)shm->tenants[i].count);
	unlock_tenants();
}

void
metrics_set_citus_tenants(const struct metrics_citus_tenant *t, int n)
{
	if (shm == NULL || !lock_tenants())
		return;
	if (n > METRICS_CITUS_TENANTS)
		n = METRICS_CITUS_TENANTS;
	for (int i = 0; i < n; i++) {
		struct citus_slot *s = &shm->citus[i];
		size_t len = strlen(t[i].slug);

		if (len >= sizeof(s->slug))
			len = sizeof(s->slug) - 1;
		memcpy(s->slug, t[i].slug, len);
		s->slug[len] = '\0';
		s->queries = t[i].queries;
		s->cpu_us = t[i].cpu_seconds > 0
		                ? (uint64_t)(t[i].cpu_seconds * 1e6 + 0.5)
		                : 0;
	}
	shm->citus_shown = n < 0 ? 0 : n;
	unlock_tenants();
}

/* Slugs are [a-z0-9-] (tenants.slug's check), but a tenant Citus counts
 * without a row here is shown by its attribute: only characters that
 * need no escaping in a label go out. */
static void
put_label(struct buf *out, const char *v)
{
	for (; *v != '\0'; v++)
		if (*v != '"' && *v != '\\' && *v != '\n')
			buf_putc(out, *v);
}

static void
render_citus(struct buf *out)
{
	static const char *const names[2][2] = {
	    {"strata_citus_tenant_queries",
	     "Queries of the busiest tenants in citus_stat_tenants' current "
	     "and last period (top-N by CPU)."},
	    {"strata_citus_tenant_cpu_seconds",
	     "CPU seconds of those queries on the Citus nodes."},
	};

	if (!lock_tenants())
		return;
	if (shm->citus_shown < 0) {
		unlock_tenants();
		return;
	}
	for (int m = 0; m < 2; m++) {
		buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", names[m][0],
		           names[m][1], names[m][0]);
		for (int i = 0; i < shm->citus_shown; i++) {
			const struct citus_slot *s = &shm->citus[i];

			buf_printf(out, "%s{tenant=\"", names[m][0]);
			put_label(out, s->slug);
			if (m == 0)
				buf_printf(out, "\"} %llu\n",
				           (unsigned long long)s->queries);
			else
				buf_printf(out, "\"} %.6f\n",
				           (double)s->cpu_us / 1e6);
		}
	}
	unlock_tenants();
}

void
metrics_render(struct buf *out, const struct route *routes, size_t nroutes)
{
	if (shm == NULL)
		return;
	render_requests(out, routes, nroutes);
	render_latency(out);
	for (int c = 0; c < M_COUNTERS; c++)
		buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n",
		           counter_names[c][0], counter_names[c][1],
		           counter_names[c][0], counter_names[c][0],
		           (unsigned long long)get(&shm->counters[c]));
	buf_printf(out,
	           "# HELP strata_audit_seal_lag_events Audit events not yet "
	           "chained.\n# TYPE strata_audit_seal_lag_events gauge\n"
	           "strata_audit_seal_lag_events %llu\n",
	           (unsigned long long)get(&shm->seal_lag));
	render_tenants(out);
	render_citus(out);
}

unsigned long long
metrics_tenant_requests(const char *slug)
{
	unsigned long long n = 0;

	if (shm == NULL || !lock_tenants())
		return 0;
	for (int i = 0; i < METRICS_TOP_TENANTS; i++)
		if (strcmp(shm->tenants[i].slug, slug) == 0)
			n = shm->tenants[i].count;
	unlock_tenants();
	return n;
}
