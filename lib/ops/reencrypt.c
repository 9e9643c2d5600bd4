/*
 * reencrypt.c - re-sealing a tenant's personal data under its current keys.
 */
#include "ops/reencrypt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/mfa.h"
#include "api/pii.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/request.h"
#include "data/audit.h"
#include "data/collections.h"
#include "data/db.h"
#include "data/keyring.h"
#include "data/records.h"
#include "data/reseal.h"
#include "data/subjects.h"
#include "sec/crypto.h"
#include "sec/fieldcrypt.h"

#define BATCH "200"
#define WAIT_TENTHS 3000 /* 5 minutes for older transactions to end */

static const char first_id[] = "00000000-0000-0000-0000-000000000000";

/* One run: the request its sealing goes through, the keys it seals under
 * and where it is. */
struct run {
	struct request req;
	struct tenant tenant;
	struct arena *batch;
	struct reseal_targets keys;
	char after[UUID_STR_LEN + 1];
	struct reencrypt_report *out;
	const char *why;
};

static int
fail(struct run *r, const char *why)
{
	db_finish(r->req.db);
	r->why = why;
	return -1;
}

/* Starts a batch: its arena emptied, a transaction of the tenant with the
 * current keys locked.  -1 when they are no longer the run's keys. */
static int
batch_begin(struct run *r, struct reseal_targets *now)
{
	arena_reset(r->batch);
	json_use_arena(r->batch);
	keyring_collect();
	if (db_rebind(r->req.db, r->batch) < 0)
		return fail(r, "the connection is busy");
	db_begin(r->req.db, &r->tenant.id);
	r->req.tx_open = true;
	memset(&r->req.err, 0, sizeof(r->req.err));
	return reseal_lock_targets(r->req.db, r->tenant.id_str, now);
}

/* After batch_begin's trip: the keys are still the run's, and the keyring
 * this process seals with has them as current. */
static int
same_keys(struct run *r, const struct reseal_targets *now)
{
	const struct keyring *k;
	const struct keyring_key *dk, *ik;
	char d[UUID_STR_LEN + 1], i[UUID_STR_LEN + 1];

	if (!now->found || strcmp(now->data, r->keys.data) != 0 ||
	    strcmp(now->index, r->keys.index) != 0)
		return fail(r, "the keys were rotated meanwhile; run it again");
	keyring_check_version(&r->tenant.id, now->keyring_version);
	k = keyring_for(r->req.db, &r->tenant, true);
	dk = keyring_find(k, KEY_DATA, NULL);
	ik = keyring_find(k, KEY_INDEX, NULL);
	if (dk == NULL || ik == NULL)
		return fail(r, "the keys do not load");
	uuid_format(&dk->id, d);
	uuid_format(&ik->id, i);
	if (strcmp(d, r->keys.data) != 0 || strcmp(i, r->keys.index) != 0)
		return fail(r, "the keys were rotated meanwhile; run it again");
	return 0;
}

static int
batch_commit(struct run *r)
{
	db_commit(r->req.db);
	r->req.tx_open = false;
	if (db_sync(r->req.db) != DB_OK)
		return fail(r, "a batch did not commit");
	return 0;
}

/* The keys, the checkpoint, and the wait for every transaction that began
 * before the keys were current. */
static int
start(struct run *r)
{
	struct reseal_checkpoint cp;
	long long older = 1;

	if (batch_begin(r, &r->keys) < 0 ||
	    reseal_checkpoint_get(r->req.db, r->tenant.id_str, &cp) < 0 ||
	    batch_commit(r) < 0)
		return fail(r, "cannot read the tenant's keys");
	if (!r->keys.found)
		return fail(r, "the tenant has no current keys");
	snprintf(r->after, sizeof(r->after), "%s", first_id);
	if (cp.found && strcmp(cp.data, r->keys.data) == 0 &&
	    strcmp(cp.index, r->keys.index) == 0) {
		r->out->resumed = true;
		r->out->records = cp.records;
		if (*cp.after)
			snprintf(r->after, sizeof(r->after), "%s", cp.after);
	}
	for (int i = 0; older > 0; i++) {
		struct timespec tenth = {0, 100 * 1000 * 1000};

		if (i == WAIT_TENTHS)
			return fail(r,
			            "transactions older than the current keys "
			            "are still running");
		if (i > 0)
			nanosleep(&tenth, NULL);
		/* keys.now lives in the arena until the next batch_begin. */
		if (reseal_older_transactions(r->req.db, r->keys.now, &older) <
		        0 ||
		    db_sync(r->req.db) != DB_OK)
			return fail(r, "cannot read the running transactions");
	}
	return 0;
}

/* Marks field name of c personal (appending it when the definition no
 * longer has it): a value sealed once stays sealed.  -1 when c is full. */
static int
keep_sealed(struct collection *c, const char *name)
{
	int i = collection_field(c, name);

	if (i >= 0) {
		c->fields[i].pii = true;
		return 0;
	}
	if (c->nfields == COLLECTION_MAX_FIELDS ||
	    strlen(name) > FIELD_NAME_MAX)
		return -1;
	memset(&c->fields[c->nfields], 0, sizeof(c->fields[0]));
	snprintf(c->fields[c->nfields].name, sizeof(c->fields[0].name), "%s",
	         name);
	c->fields[c->nfields].type = FT_STRING;
	c->fields[c->nfields++].pii = true;
	return 0;
}

/* Replaces every sealed member of data by its plain value and marks it
 * personal in c.  Returns how many, or -1 when one does not open. */
static int
open_all(struct run *r, struct collection *c, const struct record *rec,
         const struct uuid *id, cJSON *data)
{
	const struct keyring *k = keyring_for(r->req.db, &r->tenant, true);
	unsigned char skey[CRYPTO_KEY_LEN];
	struct uuid sid, kid;
	bool have =
	    subjects_unwrap_key(k, &r->tenant.id, rec->sk_id, rec->sk_wrapped,
	                        rec->sk_wrapped_by, &sid, skey) == 0;
	int n = 0;
	cJSON *m;

	cJSON_ArrayForEach(m, data)
	{
		struct field_aad ad = {&r->tenant.id, rec->collection, id,
		                       m->string};
		const struct keyring_key *dk;
		const unsigned char *key = NULL;
		const char *plain = NULL, *why;
		cJSON *v = NULL;

		if (!cJSON_IsString(m) || !fieldcrypt_is_sealed(m->valuestring))
			continue;
		if (fieldcrypt_kid(m->valuestring, &kid) == 0) {
			dk = keyring_find(k, KEY_DATA, &kid);
			key = have && uuid_equal(&kid, &sid) ? skey
			      : dk != NULL                   ? dk->key
			                                     : NULL;
		}
		if (key != NULL)
			plain =
			    fieldcrypt_open(r->batch, key, &ad, m->valuestring);
		if (plain != NULL)
			v = json_parse(plain, strlen(plain), JSON_MAX_DEPTH,
			               &why);
		if (v == NULL || keep_sealed(c, m->string) < 0) {
			n = -1;
			break;
		}
		cJSON_ReplaceItemInObjectCaseSensitive(data, m->string, v);
		m = v;
		n++;
	}
	crypto_wipe(skey, sizeof(skey));
	return n;
}

/* Queues record rec re-sealed under the current keys (nothing when it has
 * neither a sealed value nor a subject).  Returns 0, 1 when it was left
 * as it is (unreadable), -1 on failure. */
static int
reseal_one(struct run *r, const struct collection *def,
           const struct record *rec)
{
	struct collection *c = arena_alloc(r->batch, sizeof(*c));
	const char *why, **blind, *subject = NULL;
	struct uuid id;
	cJSON *data;
	int n;

	*c = *def;
	data = json_parse(rec->data, rec->data_len, JSON_MAX_DEPTH + 1, &why);
	if (data == NULL || uuid_parse(rec->id, &id) < 0)
		return 1;
	if ((n = open_all(r, c, rec, &id, data)) < 0)
		return 1;
	if (n == 0 && c->subject < 0)
		return 0;
	blind = arena_calloc(r->batch, (size_t)c->nfields + 1, sizeof(*blind));
	if (pii_protect(&r->req, c, &id, data, blind, &subject) < 0)
		return -1;
	reseal_record_update(r->req.db, r->tenant.id_str, rec->id,
	                     json_print(data), subject);
	records_queue_pivot(r->req.db, r->batch, r->tenant.id_str, c, rec->id,
	                    data, blind, true);
	r->out->records++;
	return 0;
}

/* The definition of collection name among cols (parsed, cached). */
static const struct collection *
def_of(struct run *r, const struct export_collections *cols, const char *name)
{
	for (int i = 0; i < cols->n; i++)
		if (strcmp(cols->rows[i].name, name) == 0)
			return collection_cached(&r->tenant.id, name,
			                         cols->rows[i].version,
			                         cols->rows[i].definition);
	return NULL;
}

/* One batch of records; 1 when there were none left. */
static int
records_batch(struct run *r)
{
	struct reseal_targets now;
	struct export_collections cols;
	struct export_batch recs;
	char count[24];

	if (batch_begin(r, &now) < 0 ||
	    reseal_collections(r->req.db, r->tenant.id_str, &cols) < 0 ||
	    reseal_records(r->req.db, r->tenant.id_str, r->after, BATCH,
	                   &recs) < 0 ||
	    db_sync(r->req.db) != DB_OK)
		return fail(r, "cannot read a batch of records");
	if (same_keys(r, &now) < 0)
		return -1;
	if (recs.n == 0)
		return batch_commit(r) < 0 ? -1 : 1;
	for (int i = 0; i < recs.n; i++) {
		const struct collection *c =
		    def_of(r, &cols, recs.rows[i].collection);
		int rc = c != NULL ? reseal_one(r, c, &recs.rows[i]) : 1;

		if (rc < 0)
			return fail(r, "a record cannot be re-sealed");
		r->out->unreadable += rc;
	}
	snprintf(r->after, sizeof(r->after), "%s", recs.rows[recs.n - 1].id);
	snprintf(count, sizeof(count), "%lld", r->out->records);
	reseal_checkpoint_put(r->req.db, r->tenant.id_str, r->keys.data,
	                      r->keys.index, r->after, count);
	return batch_commit(r);
}

/* One batch of subject keys re-wrapped; 1 when there were none left. */
static int
subjects_batch(struct run *r)
{
	struct reseal_targets now;
	struct reseal_subjects sk;
	const struct keyring *k;

	if (batch_begin(r, &now) < 0 ||
	    reseal_subjects(r->req.db, r->tenant.id_str, r->keys.data, r->after,
	                    BATCH, &sk) < 0 ||
	    db_sync(r->req.db) != DB_OK)
		return fail(r, "cannot read a batch of subject keys");
	if (same_keys(r, &now) < 0)
		return -1;
	if (sk.n == 0)
		return batch_commit(r) < 0 ? -1 : 1;
	k = keyring_for(r->req.db, &r->tenant, true);
	for (int i = 0; i < sk.n; i++) {
		unsigned char key[CRYPTO_KEY_LEN];
		struct subject_new w;
		struct uuid id;

		if (subjects_unwrap_key(k, &r->tenant.id, sk.rows[i].id,
		                        sk.rows[i].wrapped,
		                        sk.rows[i].wrapped_by, &id, key) < 0) {
			r->out->unreadable++;
			continue;
		}
		if (subjects_wrap_key(k, &r->tenant.id, &id, key, &w) < 0) {
			crypto_wipe(key, sizeof(key));
			return fail(r, "a subject key cannot be re-wrapped");
		}
		crypto_wipe(key, sizeof(key));
		reseal_subject_rewrap(r->req.db, r->tenant.id_str,
		                      sk.rows[i].id,
		                      arena_strdup(r->batch, w.wrapped),
		                      arena_strdup(r->batch, w.wrapped_by));
		r->out->subject_keys++;
	}
	snprintf(r->after, sizeof(r->after), "%s", sk.rows[sk.n - 1].id);
	return batch_commit(r);
}

/* One batch of TOTP secrets re-sealed; 1 when there were none left. */
static int
mfa_batch(struct run *r)
{
	struct reseal_targets now;
	struct reseal_mfa m;
	const struct keyring *k;

	if (batch_begin(r, &now) < 0 ||
	    reseal_mfa_secrets(r->req.db, r->tenant.id_str, r->keys.data,
	                       r->after, BATCH, &m) < 0 ||
	    db_sync(r->req.db) != DB_OK)
		return fail(r, "cannot read a batch of TOTP secrets");
	if (same_keys(r, &now) < 0)
		return -1;
	if (m.n == 0)
		return batch_commit(r) < 0 ? -1 : 1;
	k = keyring_for(r->req.db, &r->tenant, true);
	for (int i = 0; i < m.n; i++) {
		const char *s =
		    mfa_secret_reseal(r->batch, k, &r->tenant.id, m.rows[i].uid,
		                      m.rows[i].secret);

		if (s == NULL) {
			r->out->unreadable++;
			continue;
		}
		reseal_mfa_update(r->req.db, r->tenant.id_str, m.rows[i].uid,
		                  s);
		r->out->mfa_secrets++;
	}
	snprintf(r->after, sizeof(r->after), "%s", m.rows[m.n - 1].uid);
	return batch_commit(r);
}

static const char *
details(struct run *r)
{
	const struct reencrypt_report *o = r->out;

	return arena_printf(
	    r->batch,
	    "{\"data_key_id\":\"%s\",\"index_key_id\":\"%s\",\"records\":%lld,"
	    "\"subject_keys\":%lld,\"mfa_secrets\":%lld,\"dead_subjects\":%lld,"
	    "\"retired_data_keys\":%lld,\"retired_index_keys\":%lld,"
	    "\"resumed\":%s}",
	    r->keys.data, r->keys.index, o->records, o->subject_keys,
	    o->mfa_secrets, o->dead_subjects, o->retired_data, o->retired_index,
	    o->resumed ? "true" : "false");
}

/* The check and the retirement, in one transaction with the keys locked:
 * nothing retires while a value or subject key still needs an old key. */
static int
finish(struct run *r)
{
	struct reseal_targets now;
	struct reseal_left left;
	struct reseal_retired ret;

	if (batch_begin(r, &now) < 0 ||
	    reseal_drop_dead_subjects(r->req.db, r->tenant.id_str,
	                              r->keys.index,
	                              &r->out->dead_subjects) < 0 ||
	    reseal_verify(r->req.db, r->tenant.id_str, r->keys.data, &left) <
	        0 ||
	    db_sync(r->req.db) != DB_OK)
		return fail(r, "cannot check what is left");
	if (same_keys(r, &now) < 0)
		return -1;
	if (left.values != 0 || left.subject_keys != 0) {
		/* Start over next time; keep every key. */
		reseal_checkpoint_drop(r->req.db, r->tenant.id_str);
		batch_commit(r);
		fprintf(stderr,
		        "strata: %lld values and %lld subject keys still need "
		        "old keys\n",
		        left.values, left.subject_keys);
		r->why = "old keys are still needed; nothing was retired";
		return -1;
	}
	if (reseal_retire(r->req.db, r->tenant.id_str, &ret) < 0 ||
	    db_sync(r->req.db) != DB_OK)
		return fail(r, "cannot retire the old keys");
	r->out->retired_data = ret.data;
	r->out->retired_index = ret.index;
	keyring_queue_changed(r->req.db, r->tenant.id_str);
	reseal_checkpoint_drop(r->req.db, r->tenant.id_str);
	audit_queue_system(r->req.db, &r->tenant.id, "keys.reencrypt", "tenant",
	                   r->tenant.id_str, details(r));
	return batch_commit(r);
}

int
reencrypt_tenant(struct db *db, struct arena *a, const struct tenant *t,
                 struct reencrypt_report *out, const char **why)
{
	struct run *r = calloc(1, sizeof(*r));
	int rc;

	if (r == NULL)
		abort();
	memset(out, 0, sizeof(*out));
	r->tenant = *t;
	r->req.arena = r->batch = a;
	r->req.db = db;
	r->req.tenant = &r->tenant;
	r->out = out;
	rc = start(r);
	while (rc == 0)
		rc = records_batch(r);
	if (rc > 0) {
		snprintf(r->after, sizeof(r->after), "%s", first_id);
		do
			rc = subjects_batch(r);
		while (rc == 0);
	}
	if (rc > 0) {
		snprintf(r->after, sizeof(r->after), "%s", first_id);
		do
			rc = mfa_batch(r);
		while (rc == 0);
	}
	if (rc > 0)
		rc = finish(r);
	*why = r->why;
	keyring_clear();
	keyring_collect();
	free(r);
	return rc < 0 ? -1 : 0;
}
