/*
 * pii.c - sealing, revealing and masking personal-data fields.
 */
#include "api/pii.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/errors.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/problem.h"
#include "core/request.h"
#include "core/response.h"
#include "data/audit.h"
#include "data/db.h"
#include "data/keyring.h"
#include "data/subjects.h"
#include "sec/fieldcrypt.h"
#include "sec/mask.h"
#include "sec/rbac.h"

bool
pii_any(const struct collection *c)
{
	return collection_has_pii(c);
}

/* The text a value is blind-indexed by: a string's content, a number in
 * %.17g, a boolean as true/false (the same as a filter's value gives). */
static const char *
blind_text(struct arena *a, const cJSON *v)
{
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsNumber(v))
		return arena_printf(a, "%.17g", v->valuedouble);
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	return json_print(v);
}

static int
unavailable(struct request *req)
{
	(void)api_fail(req, 503, "service_unavailable",
	               "the keys are unavailable");
	return -1;
}

/* The subject's key (made under the current data key if it has none). */
static int
subject_key(struct request *req, const struct keyring *k, const char *hash,
            struct uuid *kid, unsigned char key[CRYPTO_KEY_LEN])
{
	struct subject_new n;
	struct subject_key_row row;
	int rc;

	if (subjects_new_key(k, &req->tenant->id, &n) < 0)
		return unavailable(req);
	subjects_get_or_create(req->db, req->tenant->id_str, hash, n.id_str,
	                       n.wrapped, n.wrapped_by, &row);
	if ((rc = db_sync(req->db)) != DB_OK) {
		(void)errors_from_db(req, rc);
		return -1;
	}
	if (subjects_unwrap_key(k, &req->tenant->id, row.id, row.wrapped,
	                        row.wrapped_by, kid, key) < 0) {
		(void)api_fail(req, 500, "internal_error",
		               "a subject key does not unwrap");
		return -1;
	}
	return 0;
}

int
pii_protect(struct request *req, const struct collection *c,
            const struct uuid *record, cJSON *data, const char **blind,
            const char **subject)
{
	const struct keyring *k = api_keyring(req);
	const struct keyring_key *ik = keyring_find(k, KEY_INDEX, NULL);
	const struct keyring_key *dk = keyring_find(k, KEY_DATA, NULL);
	unsigned char key[CRYPTO_KEY_LEN];
	struct uuid kid;
	char hex[65];
	int rc = 0;

	*subject = NULL;
	if (ik == NULL || dk == NULL)
		return unavailable(req);
	if (c->subject >= 0) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(
		    data, c->fields[c->subject].name);

		if (cJSON_IsString(s)) {
			fieldcrypt_blind(
			    ik->key,
			    fieldcrypt_normalize(req->arena, s->valuestring),
			    hex);
			*subject = arena_strdup(req->arena, hex);
		}
	}
	if (*subject != NULL) {
		if (subject_key(req, k, *subject, &kid, key) < 0)
			return -1;
	} else {
		memcpy(key, dk->key, CRYPTO_KEY_LEN);
		kid = dk->id;
	}
	for (int i = 0; i < c->nfields; i++) {
		const struct field_def *d = &c->fields[i];
		cJSON *v = cJSON_GetObjectItemCaseSensitive(data, d->name);
		struct field_aad ad = {&req->tenant->id, c->name, record,
		                       d->name};
		const char *sealed;

		blind[i] = NULL;
		if (!d->pii || v == NULL || cJSON_IsNull(v))
			continue;
		fieldcrypt_blind(
		    ik->key,
		    fieldcrypt_normalize(req->arena, blind_text(req->arena, v)),
		    hex);
		blind[i] = arena_strdup(req->arena, hex);
		sealed =
		    fieldcrypt_seal(req->arena, key, &kid, &ad, json_print(v));
		if (sealed == NULL) {
			rc = unavailable(req);
			break;
		}
		cJSON_ReplaceItemInObjectCaseSensitive(
		    data, d->name, cJSON_CreateString(sealed));
	}
	crypto_wipe(key, sizeof(key));
	return rc;
}

static void
note_read(struct request *req, struct pii_reads *reads, const char *record,
          const char *field)
{
	const cJSON *f;
	bool seen = false;

	if (reads == NULL)
		return;
	if (reads->fields == NULL)
		reads->fields = cJSON_CreateArray();
	cJSON_ArrayForEach(f, reads->fields)
	{
		seen |= strcmp(f->valuestring, field) == 0;
	}
	if (!seen)
		cJSON_AddItemToArray(reads->fields, cJSON_CreateString(field));
	if (reads->nrecords > 0 &&
	    strcmp(reads->records[reads->nrecords - 1], record) == 0)
		return;
	if (reads->nrecords < 200)
		reads->records[reads->nrecords++] =
		    arena_strdup(req->arena, record);
}

/* The key a sealed value names: its subject's, or a tenant data key. */
static const unsigned char *
key_for(const struct keyring *k, const char *sealed, bool have_subject,
        const struct uuid *sid, const unsigned char *skey)
{
	struct uuid kid;
	const struct keyring_key *dk;

	if (fieldcrypt_kid(sealed, &kid) < 0)
		return NULL;
	if (have_subject && uuid_equal(&kid, sid))
		return skey;
	dk = keyring_find(k, KEY_DATA, &kid);
	return dk ? dk->key : NULL;
}

static cJSON *
masked(struct request *req, const struct field_def *d, const cJSON *v)
{
	const char *text =
	    cJSON_IsString(v) ? v->valuestring : blind_text(req->arena, v);

	if (d->mask == MASK_NONE)
		return cJSON_Duplicate(v, true);
	return cJSON_CreateString(mask_apply(req->arena, d->mask, text));
}

const char *
pii_event_data(struct request *req, const struct collection *c,
               const cJSON *data)
{
	cJSON *copy = cJSON_Duplicate(data, true);

	if (copy == NULL)
		return NULL;
	for (int f = 0; f < c->nfields; f++) {
		const struct field_def *d = &c->fields[f];
		cJSON *v = cJSON_GetObjectItemCaseSensitive(copy, d->name);

		if (!d->pii || v == NULL || cJSON_IsNull(v))
			continue;
		if (d->mask == MASK_NONE)
			cJSON_DeleteItemFromObjectCaseSensitive(copy, d->name);
		else
			cJSON_ReplaceItemInObjectCaseSensitive(
			    copy, d->name, masked(req, d, v));
	}
	return json_print(copy);
}

cJSON *
pii_reveal(struct request *req, const struct collection *c,
           const struct record *rec, enum pii_view view,
           struct pii_reads *reads)
{
	const char *why;
	cJSON *data =
	    json_parse(rec->data, rec->data_len, JSON_MAX_DEPTH + 1, &why);
	const struct keyring *k;
	unsigned char skey[CRYPTO_KEY_LEN];
	struct uuid sid, record;
	bool have_subject, allowed;

	if (data == NULL || !pii_any(c))
		return data;
	k = api_keyring(req);
	have_subject = k != NULL &&
	               subjects_unwrap_key(k, &req->tenant->id, rec->sk_id,
	                                   rec->sk_wrapped, rec->sk_wrapped_by,
	                                   &sid, skey) == 0;
	allowed = view == PII_INTERNAL ||
	          rbac_allows(req->principal.perms, P_PII_READ);
	uuid_parse(rec->id, &record);
	for (int f = 0; f < c->nfields; f++) {
		const struct field_def *d = &c->fields[f];
		cJSON *v = cJSON_GetObjectItemCaseSensitive(data, d->name);
		struct field_aad ad = {&req->tenant->id, c->name, &record,
		                       d->name};
		const unsigned char *key;
		const char *plain;
		cJSON *value;

		if (!d->pii || !cJSON_IsString(v) ||
		    !fieldcrypt_is_sealed(v->valuestring))
			continue;
		key = k ? key_for(k, v->valuestring, have_subject, &sid, skey)
		        : NULL;
		plain =
		    key ? fieldcrypt_open(req->arena, key, &ad, v->valuestring)
		        : NULL;
		value = plain ? json_parse(plain, strlen(plain), JSON_MAX_DEPTH,
		                           &why)
		              : NULL;
		if (value == NULL) {
			/* Erased (its key destroyed) or unreadable. */
			cJSON_ReplaceItemInObjectCaseSensitive(
			    data, d->name, cJSON_CreateNull());
			continue;
		}
		if (view == PII_CALLER && (allowed || d->mask == MASK_NONE))
			note_read(req, reads, rec->id, d->name);
		if (allowed) {
			cJSON_ReplaceItemInObjectCaseSensitive(data, d->name,
			                                       value);
		} else {
			cJSON_ReplaceItemInObjectCaseSensitive(
			    data, d->name, masked(req, d, value));
		}
	}
	crypto_wipe(skey, sizeof(skey));
	return data;
}

static const char *
filter_text(struct request *req, const struct field_def *d, const char *value)
{
	double x;

	switch (d->type) {
	case FT_INTEGER:
	case FT_NUMBER:
		x = strtod(value, NULL);
		return arena_printf(req->arena, "%.17g", x);
	default:
		return value;
	}
}

/* HMACs of text under every index key, joined by sep, in braces when
 * braces (a text[] literal). */
static const char *
blinds(struct request *req, const char *text, char sep, bool braces)
{
	const struct keyring *k = api_keyring(req);
	struct buf b;
	char hex[65];
	int n = 0;

	if (k == NULL)
		return NULL;
	/* One 64-digit hash and a separator per key: never cut short. */
	buf_init(&b, req->arena, 256, (size_t)k->n * 65 + 8);
	if (braces)
		buf_putc(&b, '{');
	for (int i = 0; i < k->n; i++) {
		if (k->keys[i].purpose != KEY_INDEX)
			continue;
		fieldcrypt_blind(k->keys[i].key,
		                 fieldcrypt_normalize(req->arena, text), hex);
		if (n++ > 0)
			buf_putc(&b, sep);
		buf_puts(&b, hex);
	}
	if (braces)
		buf_putc(&b, '}');
	return n > 0 ? buf_cstr(&b) : NULL;
}

const char *
pii_blind_filter(struct request *req, const struct field_def *d,
                 const char *value)
{
	return blinds(req, filter_text(req, d, value), ',', false);
}

const char *
pii_subject_hashes(struct request *req, const char *subject)
{
	return blinds(req, subject, ',', true);
}

void
pii_audit_write(struct request *req, const struct collection *c, const char *id,
                const cJSON *data)
{
	bool allowed = rbac_allows(req->principal.perms, P_PII_READ);
	cJSON *fields = NULL, *d;

	for (int i = 0; i < c->nfields; i++) {
		const struct field_def *f = &c->fields[i];
		const cJSON *v =
		    cJSON_GetObjectItemCaseSensitive(data, f->name);

		if (!f->pii || v == NULL || cJSON_IsNull(v) ||
		    !(allowed || f->mask == MASK_NONE))
			continue;
		if (fields == NULL)
			fields = cJSON_CreateArray();
		cJSON_AddItemToArray(fields, cJSON_CreateString(f->name));
	}
	if (fields == NULL)
		return;
	d = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(d, "records"),
	                     cJSON_CreateString(id));
	cJSON_AddItemToObject(d, "fields", fields);
	api_audit(req, "pii.read", "record", id, AUDIT_SUCCESS, json_print(d));
}

int
pii_audit_reads(struct request *req, struct pii_reads *reads)
{
	cJSON *d, *ids;
	int rc;

	if (reads == NULL || reads->nrecords == 0 || req->tx_open)
		return 0;
	/* Decrypted personal data is neither cached by nginx (a cached
	 * answer would skip this event) nor kept by clients' caches. */
	req->res.cacheable = false;
	response_header(req, "Cache-Control", "no-store");
	d = cJSON_CreateObject();
	ids = cJSON_AddArrayToObject(d, "records");
	for (int i = 0; i < reads->nrecords; i++)
		cJSON_AddItemToArray(ids,
		                     cJSON_CreateString(reads->records[i]));
	cJSON_AddItemToObject(d, "fields", reads->fields);
	api_begin(req);
	api_audit(req, "pii.read", "record",
	          reads->nrecords == 1 ? reads->records[0] : NULL,
	          AUDIT_SUCCESS, json_print(d));
	/* Unaudited personal data must not go out: a failed commit makes
	 * the request fail, and the pipeline replaces the answer. */
	db_commit(req->db);
	req->tx_open = false;
	if ((rc = db_sync(req->db)) != DB_OK)
		return errors_from_db(req, rc);
	return 0;
}
