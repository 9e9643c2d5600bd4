/*
 * events.h - the outbox (sql/015_events.sql): one row per change, in the
 * change's own transaction; read by the deliverer and the event stream,
 * purged after retention.events_days.
 *
 * A payload never holds a personal-data value in clear (the caller masks
 * pii fields or leaves them out).
 */
#ifndef STRATA_DATA_EVENTS_H
#define STRATA_DATA_EVENTS_H

#include <stdbool.h>

#include "core/uuid.h"

struct db;
struct arena;

/* One change, as the writer describes it (collection, version and
 * payload may be NULL). */
struct event_row {
	const char *type;        /* record.created, user.updated, ... */
	const char *object_type; /* record, user, role, api_key, config, ... */
	const char *object_id;
	const char *collection;
	const char *version; /* decimal text */
	const char *payload; /* a JSON object's text */
};

/* Queues the insert of e into tenant tid's open transaction: one small
 * statement in the write's plan, so both commit or neither does.  Returns
 * the handle or -1 (a loud queue failure, as db_queue). */
int events_queue(struct db *db, const char *tid, const struct event_row *e);

/* One event as the deliverer and streams see it. */
struct event_out {
	long long seq;
	const char *type;
	const char *object_type;
	const char *collection; /* "" when none */
	const char *body;       /* {"type","timestamp","data"}: what is sent */
};

struct event_list {
	int n;
	struct event_out *items;
};

/* Marks up to limit of tenant t's events not yet fanned out as fanned, and
 * makes one pending delivery per enabled webhook subscribed to each; in a
 * transaction of its own.  out: the events fanned, by seq.  Returns the
 * count, or -1 (the caller ends the transaction with db_finish). */
int events_fan_out(struct db *db, const struct uuid *t, int limit,
                   struct event_list *out);

/* Tenant t's fanned events after seq `after` (by seq, limit at most), in
 * a transaction of its own: a stream's resume.  Returns the count or -1. */
int events_after(struct db *db, const struct uuid *t, long long after,
                 int limit, struct event_list *out);

/* The highest seq of tenant t's fanned events (0 when none), in a
 * transaction of its own; -1 on failure. */
long long events_head(struct db *db, const struct uuid *t);

/* Removes up to batch of tenant t's events older than its
 * retention.events_days whose deliveries are all done, with those
 * deliveries; in a transaction of its own.  Returns how many went, or -1. */
int events_purge(struct db *db, const struct uuid *t, int batch);

/* One bounded step of the deliverer's round, as audit_due_tenants: up to
 * want tenants after `after` (scanning scan at most) that have events to
 * fan out or deliveries due.  Returns the count named (0: the scan reached
 * the end), or -1. */
int events_due_tenants(struct db *db, const struct uuid *after, int want,
                       int scan, struct uuid *out, int *nout,
                       struct uuid *cursor);

/* Up to want tenant ids after `after`, in id order (the purge's round).
 * Returns the count, or -1. */
int events_tenants(struct db *db, const struct uuid *after, int want,
                   struct uuid *out);

#endif
