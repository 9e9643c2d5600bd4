/*
 * principals.c - the per-worker principal cache.
 */
#include "api/principals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/cacheset.h"
#include "core/clock.h"
#include "core/fnv.h"
#include "core/metrics.h"
#include "sec/crypto.h"
#include "sec/rbac.h"

/* Entries per worker, a power of two, in sets of CACHESET_WAYS
 * (core/cacheset.h).  Direct-mapped, nearly half of 10,000 principals
 * shared a slot with another and pushed each other out; in 4,096 sets of
 * four, 6 % of lookups still missed.  (A slot never filled is never
 * written, so its pages are not resident: the memory follows the
 * principals, not the slots.) */
#define PRINCIPALS_SIZE 32768
#define ROLES_MAX 2048
#define TOUCH_EVERY_S 60

struct principal_entry {
	bool used;
	enum principal_kind kind;
	struct uuid tenant;
	struct uuid id;
	char sid[UUID_STR_LEN + 1];
	long long epoch;
	bool found;
	bool active; /* user active / key not revoked */
	bool session_revoked;
	uint32_t perms;
	bool owner;
	unsigned char key_hash[32];
	bool key_hash_ok;
	long long expires_at;
	long touched_at;
	char roles[ROLES_MAX];
	char email[255];
	char name[201];
};

static struct principal_entry *table;
static struct cacheset sets = {.nsets = PRINCIPALS_SIZE / CACHESET_WAYS};
static struct principal_entry scratch; /* a row too large to keep */

int
principals_init(void)
{
	table = calloc(PRINCIPALS_SIZE, sizeof(*table));
	sets.stamp = calloc(PRINCIPALS_SIZE, sizeof(*sets.stamp));
	if (table == NULL || sets.stamp == NULL) {
		free(table);
		free(sets.stamp);
		table = NULL;
		sets.stamp = NULL;
		return -1;
	}
	return 0;
}

/* The first slot of the set of (tenant, id, sid). */
static unsigned
set_of(const struct uuid *tenant, const struct uuid *id, const char *sid)
{
	uint32_t h = fnv_32(FNV_32_INIT, tenant->b, sizeof(tenant->b));

	h = fnv_32(h, id->b, sizeof(id->b));
	return cacheset_first(&sets, fnv_32_str(h, sid));
}

static const char *
sid_of(const struct request *req)
{
	return req->principal.sid != NULL ? req->principal.sid : "";
}

/* The slot of req's principal in the set starting at first, or -1. */
static int
slot_in(const struct request *req, unsigned first)
{
	const struct principal *p = &req->principal;

	for (unsigned i = first; i < first + CACHESET_WAYS; i++) {
		const struct principal_entry *e = &table[i];

		if (e->used && e->kind == p->kind &&
		    uuid_equal(&e->tenant, &req->tenant->id) &&
		    uuid_equal(&e->id, &p->id) &&
		    strcmp(e->sid, sid_of(req)) == 0)
			return (int)i;
	}
	return -1;
}

struct principal_entry *
principals_find(const struct request *req)
{
	const struct principal *p = &req->principal;
	int i;

	if (table == NULL || req->tenant == NULL)
		return NULL;
	i = slot_in(req, set_of(&req->tenant->id, &p->id, sid_of(req)));
	if (i < 0)
		return NULL;
	cacheset_touch(&sets, (unsigned)i);
	return &table[i];
}

bool
principals_key_known(const struct request *req)
{
	const struct principal_entry *e;

	if (req->principal.kind != PRINCIPAL_API_KEY ||
	    (e = principals_find(req)) == NULL)
		return false;
	return e->found && e->key_hash_ok &&
	       crypto_equal(e->key_hash, req->principal.key_hash, 32);
}

long long
principals_epoch(const struct principal_entry *e)
{
	return e->epoch;
}

static struct principal_entry *
claim(const struct request *req, bool keep)
{
	const struct principal *p = &req->principal;
	struct principal_entry *e = &scratch;

	if (table != NULL && keep) {
		unsigned first = set_of(&req->tenant->id, &p->id, sid_of(req));
		int i = slot_in(req, first); /* the same principal again */

		if (i < 0)
			i = cacheset_victim(&sets, first, NULL, NULL);
		cacheset_touch(&sets, (unsigned)i);
		e = &table[i];
	}
	memset(e, 0, sizeof(*e));
	e->kind = p->kind;
	e->tenant = req->tenant->id;
	e->id = p->id;
	snprintf(e->sid, sizeof(e->sid), "%s", sid_of(req));
	return e;
}

struct principal_entry *
principals_store_user(const struct request *req,
                      const struct user_principal_row *row)
{
	const char *roles = row->roles ? row->roles : "[]";
	/* Too long to keep: read afresh each time (rare). */
	bool fits = strlen(roles) < ROLES_MAX;
	struct principal_entry *e = claim(req, fits);

	if (!fits)
		roles = "[]";
	e->epoch = row->auth_epoch;
	e->found = row->found;
	e->active = row->active;
	e->session_revoked = row->session_revoked;
	e->perms =
	    rbac_parse_pg_array(row->permissions ? row->permissions : "{}");
	snprintf(e->roles, sizeof(e->roles), "%s", roles);
	e->owner = strstr(e->roles, "\"owner\"") != NULL;
	snprintf(e->email, sizeof(e->email), "%s",
	         row->email ? row->email : "");
	snprintf(e->name, sizeof(e->name), "%s", row->name ? row->name : "");
	e->used = e != &scratch;
	if (!fits) /* the owner flag must still be right */
		e->owner = row->roles && strstr(row->roles, "\"owner\"");
	return e;
}

struct principal_entry *
principals_store_key(const struct request *req,
                     const struct api_key_principal_row *row)
{
	struct principal_entry *e = claim(req, true);

	e->epoch = row->auth_epoch;
	e->found = row->found;
	e->active = row->not_revoked;
	e->key_hash_ok = row->hash_ok;
	memcpy(e->key_hash, row->secret_hash, sizeof(e->key_hash));
	e->expires_at = row->expires_at;
	e->perms =
	    rbac_parse_pg_array(row->permissions ? row->permissions : "{}");
	snprintf(e->name, sizeof(e->name), "%s", row->name ? row->name : "");
	snprintf(e->roles, sizeof(e->roles), "[]");
	e->used = e != &scratch;
	return e;
}

static int
refuse(struct request *req, const char *detail)
{
	return api_fail(req, 401, "invalid_token", detail);
}

int
principals_apply(struct request *req, const struct principal_entry *e)
{
	struct principal *p = &req->principal;

	if (p->kind == PRINCIPAL_API_KEY) {
		bool match = e->found && e->key_hash_ok &&
		             crypto_equal(e->key_hash, p->key_hash, 32);

		if (!match)
			return refuse(req, "the API key is not valid here");
		if (!e->active ||
		    (e->expires_at != 0 && e->expires_at <= clock_real_s()))
			return refuse(req, "the API key is revoked or expired");
		p->perms = e->perms;
		p->name = arena_strdup(req->arena, e->name);
		p->roles = "[]";
		return 0;
	}
	if (!e->found)
		return refuse(req, "the user no longer exists");
	if (!e->active)
		return refuse(req, "the user is disabled");
	if (e->session_revoked)
		return refuse(req, "the session has ended");
	p->perms = e->perms;
	p->owner = e->owner;
	p->roles = arena_strdup(req->arena, e->roles);
	p->email = arena_strdup(req->arena, e->email);
	p->name = arena_strdup(req->arena, e->name);
	return 0;
}

bool
principals_touch_due(const struct principal_entry *e, long now)
{
	return now - e->touched_at >= TOUCH_EVERY_S;
}

void
principals_touched(struct principal_entry *e, long now)
{
	e->touched_at = now;
}
