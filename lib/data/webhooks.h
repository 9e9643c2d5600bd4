/*
 * webhooks.h - a tenant's webhook subscriptions and their deliveries
 * (sql/015_events.sql): the API's reads and writes, and the deliverer's
 * claims and outcomes.  The secret is stored sealed (the caller seals and
 * opens it); no read for the API returns it.
 */
#ifndef STRATA_DATA_WEBHOOKS_H
#define STRATA_DATA_WEBHOOKS_H

#include <stdbool.h>

#include "core/uuid.h"

struct db;
struct arena;

/* Webhooks per tenant at most. */
#define WEBHOOKS_MAX 20

/* One webhook as the API shows it (json: rendered by PostgreSQL). */
struct webhook {
	bool found;
	const char *json;
	long long version;
};

struct webhook_list {
	int n;
	const char **json;
};

/* The fields of a new or changed webhook; NULL members are left as
 * they are on update.  events: a text[] literal; secret: sealed. */
struct webhook_change {
	const char *url;
	const char *events;
	const char *secret;
	const char *enabled; /* "true"/"false"; true also clears the reason */
};

/* Queue the typed reads: all of the tenant's webhooks (oldest first), one
 * by id, their count.  Return the handle or -1 (as db_queue). */
int webhooks_list_all(struct db *db, const char *tid, struct webhook_list *out);
int webhooks_get(struct db *db, const char *tid, const char *id,
                 struct webhook *out);
int webhooks_count(struct db *db, const char *tid, long long *out);

/* Queue the writes.  insert: owner_type user or api_key, pii "true" when
 * the owner holds pii:read.  out: the webhook as written (not found when
 * no such id on update). */
int webhooks_insert(struct db *db, const char *tid, const char *id,
                    const struct webhook_change *c, const char *owner_type,
                    const char *owner_id, const char *pii, struct webhook *out);
int webhooks_update(struct db *db, const char *tid, const char *id,
                    const struct webhook_change *c, struct webhook *out);
int webhooks_remove(struct db *db, const char *tid, const char *id,
                    bool *found);

/* A page of a webhook's deliveries, newest event first, below event seq
 * `before` ("" from the top); fetch rows at most. */
struct delivery_list {
	int n;
	const char **json;
	long long *seq;
};
int webhooks_deliveries(struct db *db, const char *tid, const char *id,
                        const char *before, const char *fetch,
                        struct delivery_list *out);

/* Makes delivery d of webhook id pending again, due now, its retry window
 * restarted.  out->found false when there is no such delivery. */
int webhooks_redeliver(struct db *db, const char *tid, const char *id,
                       const char *d, struct webhook *out);

/* A delivery the deliverer has claimed (texts in the arena). */
struct delivery_claim {
	struct uuid id, webhook;
	int attempts;       /* including this one */
	long long first_ms; /* real-clock ms its retry window began */
	const char *url;
	const char *secret;      /* sealed */
	const char *owner_perms; /* text[] literal, held by the owner now */
	const char *type;        /* the event's type */
	const char *object_type;
	const char *msg_id; /* evt_<seq>: the same on every attempt */
	const char *body;
};

struct delivery_claims {
	int n;
	struct delivery_claim *items;
};

/* Claims up to want of tenant t's due deliveries (enabled webhooks, the
 * oldest pending of each object only), leasing them for lease_ms: one not
 * finished by then is claimed again (at least once).  In a transaction of
 * its own.  Returns the count or -1. */
int webhooks_claim(struct db *db, const struct uuid *t, int want, int lease_ms,
                   struct delivery_claims *out);

enum delivery_outcome {
	DELIVERY_DELIVERED,
	DELIVERY_RETRY,   /* next_ms says when */
	DELIVERY_FAILED,  /* retries exhausted: the webhook is disabled */
	DELIVERY_SKIPPED, /* the owner may no longer receive it */
};

/* Records one attempt's outcome (code: the HTTP status or 0, error: ""
 * or a short reason, ms: its duration), in a transaction of its own.  A
 * failure disables the webhook and queues a webhook.disabled audit event
 * for its owner in the same transaction.  Returns 0 or -1. */
int webhooks_finish(struct db *db, const struct uuid *t,
                    const struct delivery_claim *c, enum delivery_outcome o,
                    long long next_ms, int code, const char *error, int ms);

#endif
