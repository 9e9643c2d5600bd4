/*
 * outbox.h - outbound mail (sql/016_mail.sql): a row per mail, written in
 * the transaction of the change that causes it, claimed and finished by
 * the sender process (ops/mailer.h).
 *
 * A row never holds a secret in clear: the link's token travels sealed
 * with the tenant's data key (sec/fieldcrypt.h) and is forgotten once the
 * mail is sent or given up.
 */
#ifndef STRATA_DATA_OUTBOX_H
#define STRATA_DATA_OUTBOX_H

#include <stdbool.h>

#include "core/uuid.h"

struct db;

/* A mail as the request writes it (texts in the caller's arena). */
struct outbox_mail {
	const char *id;          /* uuid */
	const char *kind;        /* invitation, password_reset, join */
	const char *to;          /* the recipient's address */
	const char *params;      /* a JSON object's text, nothing secret */
	const char *link_base;   /* origin and path; the token follows */
	const char *sealed_link; /* the token, sealed (fieldcrypt) */
	const char *cause;       /* the invitation, reset or join row's id:
	                            the mail is written only when that row
	                            exists in the transaction */
};

/* Queues the insert of m into tenant tid's open transaction.  Returns the
 * handle or -1 (a loud queue failure, as db_queue). */
int outbox_queue(struct db *db, const char *tid, const struct outbox_mail *m);

/* One mail claimed for sending, with what its template shows of the
 * tenant (current settings; "" when unset). */
struct outbox_claim {
	struct uuid id;
	const char *kind, *to, *params, *link_base, *sealed_link;
	int attempts;       /* including this one */
	long long first_ms; /* when it was written */
	const char *tenant_name, *slug, *display_name, *locale;
	const char *primary_color, *logo_url;
};

struct outbox_claims {
	int n;
	struct outbox_claim *items;
};

/* Up to want of tenant t's due mails, leased for lease_s seconds (a
 * sender that dies leaves them due again), in a transaction of its own.
 * Returns the count or -1. */
int outbox_claim(struct db *db, const struct uuid *t, int want, int lease_s,
                 struct outbox_claims *out);

enum outbox_outcome {
	OUTBOX_SENT,  /* handed to the relay: the sealed link is forgotten */
	OUTBOX_RETRY, /* again at next_ms */
	OUTBOX_FAILED /* given up: the sealed link is forgotten */
};

/* Records the outcome of mail id of tenant t (error: why, for the row;
 * never a secret), in a transaction of its own.  Returns 0 or -1. */
int outbox_finish(struct db *db, const struct uuid *t, const struct uuid *id,
                  enum outbox_outcome o, long long next_ms, const char *error);

/* One bounded step of the sender's round, as events_due_tenants: up to
 * want tenants after `after` (scanning scan at most) with mail due.
 * Returns the count named (0: the scan reached the end), or -1. */
int outbox_due_tenants(struct db *db, const struct uuid *after, int want,
                       int scan, struct uuid *out, int *nout,
                       struct uuid *cursor);

/* One step of the purge round: deletes, per tenant, up to batch sent or
 * given-up mails older than keep_days, over at most scan tenants after
 * `after` (in a transaction of its own).  *cursor: the last tenant
 * scanned, zero when the round reached the end.  Returns 0 or -1. */
int outbox_purge(struct db *db, const struct uuid *after, int scan,
                 int keep_days, int batch, struct uuid *cursor);

#endif
