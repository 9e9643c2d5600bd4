/*
 * health.h - operations endpoints on any host: /healthz, /readyz, /metrics.
 */
#ifndef STRATA_API_HEALTH_H
#define STRATA_API_HEALTH_H

struct request;

/* 200 {"status":"ok"} while the worker runs; touches nothing else. */
int health_live(struct request *req);

/* 200 when the database answers and every migration on disk is applied;
 * else 503 with the reason. */
int health_ready(struct request *req);

/* Prometheus text from the shared counters (nginx allows loopback only). */
int health_metrics(struct request *req);

/* The newest migration name on disk, recorded once at start-up. */
void health_set_expected_migration(const char *name);

#endif
