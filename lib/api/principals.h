/*
 * principals.h - each worker's cache of principals (DESIGN.md, caches).
 *
 * An entry holds what authorization needs of one user session or API
 * key (status, roles, permissions, whether the session was revoked, the
 * key's hash and expiry), filed under (tenant, kind, id, session) and the
 * tenant's auth_epoch read in the same statement as the row.  A request
 * uses an entry only while the epoch in its own round trip's version row
 * still matches: every change to users, roles, sessions or API keys bumps
 * the epoch in its transaction, so the next request on every worker reads
 * the principal afresh.  Other tenants' entries are untouched.
 *
 * The table is allocated once per worker (principals_init); entries are
 * fixed-size and overwritten on collision, never freed per request.
 */
#ifndef STRATA_API_PRINCIPALS_H
#define STRATA_API_PRINCIPALS_H

#include <stdbool.h>

#include "core/request.h"
#include "data/api_keys.h"
#include "data/users.h"

struct principal_entry;

/* Allocates the table.  Returns 0 or -1. */
int principals_init(void);

/* The entry for the credential req->principal names (kind, id, sid) at
 * req's tenant, or NULL. */
struct principal_entry *principals_find(const struct request *req);

/* Whether req presents an API key whose secret this worker has seen
 * verify: its cached entry holds the hash of the presented secret
 * (compared in constant time).  False for any other credential, or a key
 * not cached here.  Records nothing. */
bool principals_key_known(const struct request *req);

/* The auth_epoch an entry was filed under. */
long long principals_epoch(const struct principal_entry *e);

/* Files a freshly read row under req's tenant and credential; returns the
 * entry to apply (a scratch one, not findable, when the row is too large
 * to cache). */
struct principal_entry *
principals_store_user(const struct request *req,
                      const struct user_principal_row *row);
struct principal_entry *
principals_store_key(const struct request *req,
                     const struct api_key_principal_row *row);

/* Fills req->principal from an entry and checks it (user active and its
 * session live; key hash equal, not revoked, not expired).  Returns 0 or
 * the 401 status recorded with api_fail(). */
int principals_apply(struct request *req, const struct principal_entry *e);

/* True when this worker last touched the key entry's last_used_at a
 * minute or more before now (or never).  Marks nothing: a request marks
 * the entry with principals_touched() only once the presented secret has
 * been checked, so a wrong secret cannot use up the minute and keep the
 * real use from being recorded. */
bool principals_touch_due(const struct principal_entry *e, long now);

/* Records that the key entry's last use was touched at now. */
void principals_touched(struct principal_entry *e, long now);

#endif
