/*
 * app.c - the worker application.
 */
#include "api/app.h"

#include <stdio.h>
#include <string.h>

#include "api/pipeline.h"
#include "api/principals.h"
#include "core/activity.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/request.h"
#include "core/router.h"
#include "core/sandbox.h"
#include "core/server.h"
#include "data/collections.h"
#include "data/db.h"
#include "data/keyring.h"
#include "data/operators.h"
#include "data/tenants.h"
#include "ops/deliverer.h"
#include "ops/mailer.h"
#include "ops/reporter.h"
#include "ops/sealer.h"
#include "ops/stream.h"
#include "ops/tenant_load.h"
#include "sec/ratelimit.h"

static struct db db;

static void
on_notify(const char *channel, const char *payload)
{
	(void)channel;
	tenants_notify(payload);
	keyring_notify(payload);
	collections_notify(payload);
}

static void
on_reconnect(void)
{
	/* Notifications sent while we were away are lost: forget all. */
	tenants_cache_clear();
	keyring_clear();
	operators_clear();
	collections_clear();
	metrics_add(M_DB_RECONNECTS, 1);
}

static int
app_init(void)
{
	db_init(&db, cfg.database_url);
	db.statement_timeout_ms = cfg.statement_timeout_ms;
	db.on_notify = on_notify;
	db.on_reconnect = on_reconnect;
	if (principals_init() < 0)
		return -1;
	/* Last: everything above may need what the sandbox takes away. */
	return sandbox_enter((enum sandbox_mode)sandbox_mode(cfg.seccomp));
}

static void
app_handle(struct request *req)
{
	req->db = &db;
	if (req->request_id[0] == '\0') {
		struct uuid u;
		char *id = arena_alloc(req->arena, UUID_STR_LEN + 1);

		uuid_v7(&u);
		uuid_format(&u, id);
		req->request_id = id;
	}
	pipeline_handle(req);
	response_header(req, "X-Request-Id", req->request_id);
	if (req->res.cacheable && req->res.status < 300) {
		/* nginx's microcache may keep it for a second (its key holds
		 * the credential); clients revalidate every time. */
		response_header(req, "X-Accel-Expires", "1");
		response_header(req, "Cache-Control", "no-cache");
	}
}

static const char *const principal_types[] = {"", "user", "api_key",
                                              "operator"};

static void
access_log(struct request *req, double ms)
{
	struct buf b;
	const char *route = req->route ? req->route->pattern : "";

	buf_init(&b, req->arena, 512, 4096);
	buf_puts(&b, ",\"msg\":\"request\",\"request_id\":");
	buf_json_str(&b, req->request_id);
	buf_puts(&b, ",\"tenant\":");
	buf_json_str(&b, req->tenant ? req->tenant->slug : "");
	buf_puts(&b, ",\"principal\":");
	buf_json_str(&b, req->principal.id_str);
	buf_puts(&b, ",\"principal_type\":\"");
	buf_puts(&b, principal_types[req->principal.kind]);
	buf_putc(&b, '"');
	buf_puts(&b, ",\"method\":");
	buf_json_str(&b, req->method);
	buf_puts(&b, ",\"route\":");
	buf_json_str(&b, route);
	buf_puts(&b, ",\"status\":");
	buf_put_uint(&b, (unsigned)req->res.status);
	buf_puts(&b, ",\"duration_ms\":");
	buf_put_milli(&b, ms);
	buf_puts(&b, ",\"db_ms\":");
	buf_put_milli(&b, db.ms);
	buf_puts(&b, ",\"db_trips\":");
	buf_put_uint(&b, (unsigned)db.trips);
	log_fields_buffered(req->res.status >= 500 ? LOG_WARN : LOG_INFO,
	                    buf_cstr(&b));
}

static void
app_finish(struct request *req)
{
	double ms = request_elapsed_ms(req);

	metrics_add(M_DB_ROUND_TRIPS, (uint64_t)db.trips);
	if (db.sqlstate[0] != '\0')
		metrics_add(M_DB_ERRORS, 1);
	if (req->res.status == 503)
		metrics_add(M_DB_UNAVAILABLE, 1);
	ratelimit_done();
	keyring_collect();
	access_log(req, ms);
	metrics_request(req->route_index, req->res.status, ms,
	                req->tenant ? req->tenant->slug : NULL);
	if (req->tenant != NULL)
		activity_count(&req->tenant->id, req->res.status);
	db_finish(&db);
}

static void
app_fini(void)
{
	db_close(&db);
	keyring_clear();
	keyring_collect();
	operators_clear();
}

const struct worker_app strata_app = {
    .init = app_init,
    .handle = app_handle,
    .finish = app_finish,
    .fini = app_fini,
};

const struct server_proc app_background[] = {
    {"sealer", sealer_main},
    {"deliver", deliverer_main},
    {"mail", mailer_main}, /* outbound mail (issue 18) */
    {"stream", stream_main},
    {"reporter", reporter_main},
    {"load", tenant_load_main}, /* Citus per-tenant load (issue 14) */
    {NULL, NULL},
};

int
app_worker_main(int fd, long max_requests, int index)
{
	ratelimit_set_worker(index);
	return worker_run(fd, max_requests, &strata_app);
}

int
app_setup(void)
{
	return ratelimit_init() < 0 || activity_init() < 0 ? -1 : 0;
}

void
app_reaped(int index, int pid)
{
	ratelimit_worker_died(index, pid);
}
