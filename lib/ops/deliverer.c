/*
 * deliverer.c - the webhook delivery process.
 */
#include "ops/deliverer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/sandbox.h"
#include "core/request.h"
#include "core/server.h"
#include "core/uuid.h"
#include "data/db.h"
#include "data/events.h"
#include "data/keyring.h"
#include "data/webhooks.h"
#include "ops/sweep.h"
#include "ops/webhook_backoff.h"
#include "sec/crypto.h"
#include "sec/fieldcrypt.h"
#include "sec/rbac.h"
#include "sec/webhook_addr.h"
#include "sec/webhook_sign.h"

#define ARENA_CHUNK (64 * 1024)
#define ARENA_CAP (256UL * 1024 * 1024)
#define BUSY_MS 20     /* between passes while work is left */
#define PURGE_MS 10000 /* between purge rounds */
#define LEASE_EXTRA_MS 30000
#define ANSWER_CAP (64 * 1024) /* answer bytes read, the rest dropped */

/* One attempt in flight; its texts are its own (malloc), the claim's
 * arena is reset under it. */
struct attempt {
	CURL *easy;
	struct curl_slist *headers;
	struct uuid tenant;
	struct delivery_claim c; /* texts below, or NULL */
	char *url, *body, *msg_id;
	long long started_ms;
	size_t answered;
	int refused; /* the address was refused by the SSRF wall */
	char error[CURL_ERROR_SIZE];
};

static struct deliverer {
	struct db db;
	struct arena *a;
	CURLM *multi;
	unsigned allow;
	struct attempt *flight[DELIVERER_MAX_FLIGHT];
	int nflight;
	struct uuid cursor, purge_cursor;
	struct sweep sweep; /* the rest between two sweeps (ops/sweep.h) */
} d;

static char *
xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (p == NULL)
		abort();
	return p;
}

static int
in_flight(const struct uuid *t)
{
	int n = 0;

	for (int i = 0; i < d.nflight; i++)
		n += uuid_equal(&d.flight[i]->tenant, t);
	return n;
}

static void
attempt_free(struct attempt *at)
{
	if (at->easy != NULL) {
		curl_multi_remove_handle(d.multi, at->easy);
		curl_easy_cleanup(at->easy);
	}
	curl_slist_free_all(at->headers);
	free(at->url);
	free(at->body);
	free(at->msg_id);
	free(at);
}

/* Records an outcome in a transaction of its own (logged on failure: the
 * lease makes the delivery due again, so it is tried again). */
static void
finish(const struct uuid *t, const struct delivery_claim *c,
       enum delivery_outcome o, long long next_ms, int code, const char *error,
       int ms)
{
	char tid[UUID_STR_LEN + 1];

	if (db_ready(&d.db, d.a) == 0 &&
	    webhooks_finish(&d.db, t, c, o, next_ms, code, error, ms) == 0) {
		db_finish(&d.db);
		return;
	}
	db_finish(&d.db);
	uuid_format(t, tid);
	log_warn("webhook delivery outcome not recorded for tenant %s: %s", tid,
	         d.db.errmsg);
}

/* A failed attempt: again later, or give up once the window is spent. */
static void
failed(const struct uuid *t, const struct delivery_claim *c, int code,
       const char *error, int ms)
{
	long long next = 0;

	if (webhook_backoff_next(c->attempts, c->first_ms, clock_real_ms(),
	                         cfg.webhook_retry_window_s, &next) != 0)
		finish(t, c, DELIVERY_FAILED, 0, code, error, ms);
	else
		finish(t, c, DELIVERY_RETRY, next, code, error, ms);
}

/* The secret of claim c in clear into out, or -1 (its key is gone). */
static int
open_secret(const struct uuid *t, const struct delivery_claim *c,
            char out[WEBHOOK_SIGN_SECRET_MAX])
{
	struct tenant tn;
	const struct keyring *k;
	const struct keyring_key *key = NULL;
	struct field_aad ad = {t, "webhooks", &c->webhook, "secret"};
	struct uuid kid;
	union {
		const char *c;
		char *m; /* the arena's copy is ours to wipe */
	} plain;

	memset(&tn, 0, sizeof(tn));
	tn.id = *t;
	uuid_format(t, tn.id_str);
	if (fieldcrypt_kid(c->secret, &kid) < 0)
		return -1;
	if ((k = keyring_for(&d.db, &tn, false)) != NULL)
		key = keyring_find(k, KEY_DATA, &kid);
	if (key == NULL && (k = keyring_reload_for(&d.db, &tn, false)) != NULL)
		key = keyring_find(k, KEY_DATA, &kid);
	plain.c = key ? fieldcrypt_open(d.a, key->key, &ad, c->secret) : NULL;
	if (plain.c == NULL || strlen(plain.c) >= WEBHOOK_SIGN_SECRET_MAX)
		return -1;
	memcpy(out, plain.c, strlen(plain.c) + 1);
	crypto_wipe(plain.m, strlen(plain.m));
	return 0;
}

static curl_socket_t
open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct attempt *at = clientp;

	(void)purpose;
	if (!webhook_addr_allowed(&addr->addr, d.allow)) {
		at->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

static size_t
drop_answer(char *p, size_t size, size_t n, void *clientp)
{
	struct attempt *at = clientp;

	(void)p;
	at->answered += size * n;
	return at->answered > ANSWER_CAP ? 0 : size * n;
}

static struct curl_slist *
headers_for(const struct attempt *at, long long ts, const char *sig)
{
	char h[160];
	struct curl_slist *l = NULL;

	l = curl_slist_append(l, "Content-Type: application/json");
	l = curl_slist_append(l, "User-Agent: Strata-Webhooks/1");
	l = curl_slist_append(l, "Expect:");
	snprintf(h, sizeof(h), "webhook-id: %s", at->msg_id);
	l = curl_slist_append(l, h);
	snprintf(h, sizeof(h), "webhook-timestamp: %lld", ts);
	l = curl_slist_append(l, h);
	snprintf(h, sizeof(h), "webhook-signature: %s", sig);
	return curl_slist_append(l, h);
}

static void
easy_setup(struct attempt *at)
{
	CURL *e = at->easy;

	curl_easy_setopt(e, CURLOPT_URL, at->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)cfg.webhook_timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	                 (long)cfg.webhook_timeout_ms);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, at);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, drop_answer);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, at);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, at->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(at->body));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, at->headers);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, at->error);
	curl_easy_setopt(e, CURLOPT_PRIVATE, at);
}

/* true when the owner may still receive events of c's type: the webhook's
 * permission, and records:read for record events. */
static bool
owner_may(const struct delivery_claim *c)
{
	uint32_t have = rbac_parse_pg_array(c->owner_perms);
	uint32_t want = P_WEBHOOKS_MANAGE;

	if (strcmp(c->object_type, "record") == 0)
		want |= P_RECORDS_READ;
	return rbac_allows(have, want);
}

/* Starts claim c of tenant t, or records why it cannot start. */
static void
start(const struct uuid *t, const struct delivery_claim *c)
{
	char secret[WEBHOOK_SIGN_SECRET_MAX], sig[WEBHOOK_SIGN_SIG_MAX];
	struct attempt *at;
	long long ts = clock_real_s();

	if (!owner_may(c)) {
		finish(t, c, DELIVERY_SKIPPED, 0, 0,
		       "the webhook's owner may no longer receive this event",
		       0);
		return;
	}
	if (open_secret(t, c, secret) < 0) {
		failed(t, c, 0, "the signing secret cannot be opened", 0);
		return;
	}
	if (webhook_sign(secret, c->msg_id, ts, c->body, strlen(c->body), sig) <
	    0) {
		crypto_wipe(secret, sizeof(secret));
		failed(t, c, 0, "the signing secret is not valid", 0);
		return;
	}
	crypto_wipe(secret, sizeof(secret));
	if ((at = calloc(1, sizeof(*at))) == NULL)
		abort();
	at->tenant = *t;
	at->c = *c;
	at->url = xstrdup(c->url);
	at->body = xstrdup(c->body);
	at->msg_id = xstrdup(c->msg_id);
	/* The claim's other texts live in the arena; the outcome needs
	 * only ids, counts and times. */
	at->c.url = at->c.secret = at->c.owner_perms = at->c.type = NULL;
	at->c.object_type = at->c.body = NULL;
	at->c.msg_id = at->msg_id;
	at->headers = headers_for(at, ts, sig);
	at->started_ms = clock_mono_ms();
	if ((at->easy = curl_easy_init()) == NULL) {
		attempt_free(at);
		failed(t, c, 0, "internal error", 0);
		return;
	}
	easy_setup(at);
	curl_multi_add_handle(d.multi, at->easy);
	d.flight[d.nflight++] = at;
}

/* What became of a finished transfer. */
static void
done(struct attempt *at, CURLcode rc)
{
	long code = 0;
	int ms = (int)(clock_mono_ms() - at->started_ms);
	char why[96];

	curl_easy_getinfo(at->easy, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK && code >= 200 && code < 300) {
		finish(&at->tenant, &at->c, DELIVERY_DELIVERED, 0, (int)code,
		       "", ms);
		return;
	}
	if (at->refused)
		snprintf(why, sizeof(why), "the address is not allowed");
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(why, sizeof(why), "no answer within %d ms",
		         cfg.webhook_timeout_ms);
	else if (rc != CURLE_OK)
		snprintf(why, sizeof(why), "%s", curl_easy_strerror(rc));
	else if (code >= 300 && code < 400)
		snprintf(why, sizeof(why), "redirects are not followed");
	else
		snprintf(why, sizeof(why), "the endpoint answered %ld", code);
	failed(&at->tenant, &at->c, rc == CURLE_OK ? (int)code : 0, why, ms);
}

static void
reap(void)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(d.multi, &left)) != NULL) {
		struct attempt *at = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &at);
		if (at == NULL)
			continue;
		done(at, m->data.result);
		arena_reset(d.a);
		for (int i = 0; i < d.nflight; i++)
			if (d.flight[i] == at) {
				d.flight[i] = d.flight[--d.nflight];
				break;
			}
		attempt_free(at);
	}
}

/* Fans out tenant t's new events and starts what its slots allow. */
static void
serve_tenant(const struct uuid *t)
{
	struct event_list evs;
	struct delivery_claims cl;
	int room = cfg.webhook_tenant_concurrency - in_flight(t);

	if (db_ready(&d.db, d.a) == 0)
		(void)events_fan_out(&d.db, t, DELIVERER_FAN_OUT, &evs);
	db_finish(&d.db);
	if (room > DELIVERER_MAX_FLIGHT - d.nflight)
		room = DELIVERER_MAX_FLIGHT - d.nflight;
	if (room > 0 && db_ready(&d.db, d.a) == 0 &&
	    webhooks_claim(&d.db, t, room,
	                   cfg.webhook_timeout_ms + LEASE_EXTRA_MS, &cl) > 0) {
		db_finish(&d.db);
		for (int i = 0; i < cl.n; i++)
			start(t, &cl.items[i]);
	}
	db_finish(&d.db);
	arena_reset(d.a);
}

/* One pass over the next due tenants.  1: go on at once. */
static int
pass(void)
{
	struct uuid due[DELIVERER_WANT], next = {{0}};
	int n = 0, named;

	if (db_ready(&d.db, d.a) < 0)
		return 0;
	named = events_due_tenants(&d.db, &d.cursor, DELIVERER_WANT,
	                           DELIVERER_SCAN, due, &n, &next);
	db_finish(&d.db);
	arena_reset(d.a);
	if (named < 0)
		return 0;
	d.cursor = next;
	sweep_found(&d.sweep, n);
	for (int i = 0; i < n && !server_stopping; i++)
		serve_tenant(&due[i]);
	return named > 0 || n > 0;
}

/* One step of the purge round: the next 100 tenants, a batch each. */
static void
purge_step(void)
{
	struct uuid ts[100];
	int n;

	if (db_ready(&d.db, d.a) < 0)
		return;
	n = events_tenants(&d.db, &d.purge_cursor, 100, ts);
	db_finish(&d.db);
	arena_reset(d.a);
	if (n <= 0) {
		memset(&d.purge_cursor, 0, sizeof(d.purge_cursor));
		return;
	}
	d.purge_cursor = ts[n - 1];
	for (int i = 0; i < n && !server_stopping; i++) {
		if (db_ready(&d.db, d.a) == 0 &&
		    events_purge(&d.db, &ts[i], DELIVERER_PURGE_BATCH) < 0)
			log_warn("event purge failed: %s", d.db.errmsg);
		db_finish(&d.db);
		arena_reset(d.a);
	}
	if (n < 100)
		memset(&d.purge_cursor, 0, sizeof(d.purge_cursor));
}

static int
init(void)
{
	memset(&d, 0, sizeof(d));
	sweep_init(&d.sweep, SWEEP_REST_MIN_MS, SWEEP_REST_MAX_MS);
	if (webhook_addr_parse_allow(cfg.webhook_allow, &d.allow) < 0) {
		log_error("webhook_allow must list loopback, private or "
		          "linklocal");
		return -1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (d.multi = curl_multi_init()) == NULL) {
		log_error("libcurl cannot start");
		return -1;
	}
	d.a = arena_new(ARENA_CHUNK, ARENA_CAP);
	db_init(&d.db, cfg.database_url);
	d.db.statement_timeout_ms = cfg.statement_timeout_ms;
	return 0;
}

int
deliverer_main(void)
{
	long long next_pass = 0, next_purge = 0;

	server_child_signals();
	if (init() < 0)
		return 1;
	/* The workers' list, plus threads: libcurl resolves names on a
	 * thread of its own (core/sandbox.h).  Entered after libcurl and
	 * OpenSSL have started, before the first delivery. */
	if (sandbox_enter_threads(
	        (enum sandbox_mode)sandbox_mode(cfg.seccomp)) < 0) {
		log_error("webhook deliverer cannot enter its sandbox");
		return 1;
	}
	log_info("webhook deliverer started (timeout %d ms, %d per tenant)",
	         cfg.webhook_timeout_ms, cfg.webhook_tenant_concurrency);
	while (!server_stopping) {
		long long now = clock_mono_ms();
		int running = 0, wait;

		if (now >= next_pass)
			next_pass =
			    now + (pass() ? BUSY_MS : sweep_end(&d.sweep));
		if (now >= next_purge) {
			purge_step();
			next_purge = now + PURGE_MS;
		}
		curl_multi_perform(d.multi, &running);
		reap();
		wait = (int)(next_pass - clock_mono_ms());
		if (wait > 0)
			curl_multi_poll(d.multi, NULL, 0,
			                wait > 100 ? 100 : wait, NULL);
	}
	while (d.nflight > 0)
		attempt_free(d.flight[--d.nflight]); /* leases expire: again */
	curl_multi_cleanup(d.multi);
	curl_global_cleanup();
	db_close(&d.db);
	arena_free(d.a);
	log_info("webhook deliverer stopped");
	return 0;
}
