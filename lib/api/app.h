/*
 * app.h - Strata as a worker application: per-worker state (the database
 * connection, caches), the request pipeline, the access log line.
 */
#ifndef STRATA_API_APP_H
#define STRATA_API_APP_H

#include "core/server.h"
#include "core/worker.h"

extern const struct worker_app strata_app;

/* The background processes the master runs beside the workers, one line
 * each (the audit sealer; the mail sender and the webhook deliverer go
 * here too). */
extern const struct server_proc app_background[];

/* The worker entry point handed to server_run(). */
int app_worker_main(int fd, long max_requests, int index);

/* Shared state the master maps before forking (rate limits). */
int app_setup(void);

/* The master's notice that a worker is gone. */
void app_reaped(int index, int pid);

#endif
