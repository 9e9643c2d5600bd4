/*
 * pii.h - personal-data fields of records: sealed at rest, blind-indexed,
 * revealed to callers with pii:read (and audited), masked for the others.
 */
#ifndef STRATA_API_PII_H
#define STRATA_API_PII_H

#include <stdbool.h>

#include <cJSON.h>

#include "data/collections.h"
#include "data/records.h"

struct request;

enum pii_view {
	PII_CALLER, /* what the caller may see: values with pii:read, else masks
	             */
	PII_INTERNAL, /* plain values, for the server's own use (merge patch) */
};

/* What a request revealed, for its one audit event. */
struct pii_reads {
	int nrecords;
	const char *records[200];
	cJSON *fields; /* names, each once */
};

/* 1 when c has a personal-data field. */
bool pii_any(const struct collection *c);

/* Seals the personal fields of data (in place) for record, under the key of
 * its subject (made on first use) or the tenant's data key; fills blind[i]
 * (the field's blind index, NULL for others) and *subject (the subject's
 * blind index or NULL).  Returns 0, or -1 with 503/500 recorded
 * (api_fail). */
int pii_protect(struct request *req, const struct collection *c,
                const struct uuid *record, cJSON *data, const char **blind,
                const char **subject);

/* The data of rec as view allows.  A value whose key is gone (an erased
 * subject) reads as null. */
cJSON *pii_reveal(struct request *req, const struct collection *c,
                  const struct record *rec, enum pii_view view,
                  struct pii_reads *reads);

/* The JSON text of plain data (before pii_protect) for an event's
 * payload: every personal field as its mask, or left out when its mask is
 * none, whatever the caller may read (the outbox never holds personal
 * data in clear, so erasure and retention need not reach it). */
const char *pii_event_data(struct request *req, const struct collection *c,
                           const cJSON *data);

/* The blind indexes of a filter value under every index key of the tenant
 * (rotation keeps old entries findable), as a comma-separated list for an
 * `in` filter; NULL when the keys cannot be had. */
const char *pii_blind_filter(struct request *req, const struct field_def *d,
                             const char *value);

/* The blind indexes of a subject under every index key, as a text[]
 * literal. */
const char *pii_subject_hashes(struct request *req, const char *subject);

/* Queues, into a write's own transaction, the pii.read event of its
 * answer: the personal fields of data (record id) that the answer will
 * show decrypted to this caller.  Nothing when it shows none. */
void pii_audit_write(struct request *req, const struct collection *c,
                     const char *id, const cJSON *data);

/* One audit event listing the records and fields revealed, in a
 * transaction of its own.  Returns 0 (also when nothing was revealed) or
 * the status of a failed commit: the request then fails and the answer
 * holding the decrypted values is replaced by the error. */
int pii_audit_reads(struct request *req, struct pii_reads *reads);

#endif
