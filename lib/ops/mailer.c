/*
 * mailer.c - the mail sender process (ops/mailer.h).
 */
#include "ops/mailer.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/email.h"
#include "core/log.h"
#include "core/sandbox.h"
#include "core/request.h"
#include "core/server.h"
#include "core/uuid.h"
#include "data/db.h"
#include "data/keyring.h"
#include "data/outbox.h"
#include "ops/mail_template.h"
#include "ops/sweep.h"
#include "ops/webhook_backoff.h"
#include "sec/crypto.h"
#include "sec/fieldcrypt.h"

#define ARENA_CHUNK (64 * 1024)
#define ARENA_CAP (64UL * 1024 * 1024)
#define IDLE_MS 200 /* while no smtp_url is set */
#define LEASE_EXTRA_S 30
#define PURGE_MS 10000 /* between purge steps */

static struct mailer {
	struct db db;
	struct arena *a;
	struct uuid cursor, purge_cursor;
	struct sweep sweep; /* the rest between two sweeps (ops/sweep.h) */
	char from[EMAIL_MAX + 1];
} m;

/* A message being uploaded to the relay. */
struct upload {
	const char *p;
	size_t left;
};

static size_t
read_message(char *out, size_t size, size_t n, void *clientp)
{
	struct upload *u = clientp;
	size_t k = size * n < u->left ? size * n : u->left;

	memcpy(out, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

/* Hands msg for rcpt to the relay.  0, or -1 with why in error. */
static int
smtp_send(const char *rcpt, const char *msg, char error[CURL_ERROR_SIZE])
{
	CURL *e = curl_easy_init();
	struct curl_slist *to = NULL;
	struct upload u = {msg, strlen(msg)};
	char from[EMAIL_MAX + 1 + 2], addr[EMAIL_MAX + 1 + 2];
	CURLcode rc;

	if (e == NULL) {
		snprintf(error, CURL_ERROR_SIZE, "libcurl cannot start");
		return -1;
	}
	snprintf(from, sizeof(from), "<%s>", m.from);
	snprintf(addr, sizeof(addr), "<%s>", rcpt);
	to = curl_slist_append(NULL, addr);
	error[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, cfg.smtp_url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)cfg.smtp_timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	                 (long)cfg.smtp_timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, read_message);
	curl_easy_setopt(e, CURLOPT_READDATA, &u);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
	if (strcmp(cfg.smtp_tls, "starttls") == 0)
		curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (*cfg.smtp_user != '\0') {
		curl_easy_setopt(e, CURLOPT_USERNAME, cfg.smtp_user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, cfg.smtp_password);
	}
	rc = curl_easy_perform(e);
	if (rc != CURLE_OK && error[0] == '\0')
		snprintf(error, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
	curl_slist_free_all(to);
	curl_easy_cleanup(e);
	return rc == CURLE_OK ? 0 : -1;
}

/* The token of claim c in clear (arena, to be wiped), or NULL. */
static char *
open_link(const struct uuid *t, const struct outbox_claim *c)
{
	struct tenant tn;
	const struct keyring *k;
	const struct keyring_key *key = NULL;
	struct field_aad ad = {t, "mail_outbox", &c->id, "link"};
	struct uuid kid;
	cJSON *v;
	char *tok = NULL;
	union {
		const char *c;
		char *m;
	} plain;

	memset(&tn, 0, sizeof(tn));
	tn.id = *t;
	uuid_format(t, tn.id_str);
	if (c->sealed_link == NULL || fieldcrypt_kid(c->sealed_link, &kid) < 0)
		return NULL;
	if ((k = keyring_for(&m.db, &tn, false)) != NULL)
		key = keyring_find(k, KEY_DATA, &kid);
	if (key == NULL && (k = keyring_reload_for(&m.db, &tn, false)) != NULL)
		key = keyring_find(k, KEY_DATA, &kid);
	plain.c =
	    key ? fieldcrypt_open(m.a, key->key, &ad, c->sealed_link) : NULL;
	if (plain.c == NULL)
		return NULL;
	v = cJSON_Parse(plain.c);
	if (cJSON_IsString(v))
		tok = arena_strdup(m.a, v->valuestring);
	if (cJSON_IsString(v))
		crypto_wipe(v->valuestring, strlen(v->valuestring));
	cJSON_Delete(v);
	crypto_wipe(plain.m, strlen(plain.m));
	return tok;
}

static int
param_int(const char *params, const char *key, int dflt)
{
	cJSON *o = cJSON_Parse(params ? params : "{}");
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
	int v = cJSON_IsNumber(x) ? (int)x->valuedouble : dflt;

	cJSON_Delete(o);
	return v;
}

/* The message of claim c with token tok, or NULL. */
static const char *
render(const struct outbox_claim *c, const char *tok)
{
	struct mail_vars v;
	char date[64], id[UUID_STR_LEN + 1];
	struct uuid u;
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	uuid_v7(&u);
	uuid_format(&u, id);
	memset(&v, 0, sizeof(v));
	v.kind = c->kind;
	v.locale = *c->locale ? c->locale : "en";
	v.tenant = *c->display_name  ? c->display_name
	           : *c->tenant_name ? c->tenant_name
	                             : c->slug;
	v.primary_color = c->primary_color;
	v.logo_url = c->logo_url;
	v.link = arena_printf(m.a, "%s%s", c->link_base, tok);
	v.valid_hours = param_int(c->params, "valid_hours", 24);
	v.to = c->to;
	v.from = m.from;
	v.message_id = arena_printf(m.a, "%s@%s", id, cfg.base_domain);
	v.date = date;
	return mail_template_render(m.a, &v);
}

static void
finish(const struct uuid *t, const struct outbox_claim *c,
       enum outbox_outcome o, long long next_ms, const char *error)
{
	char tid[UUID_STR_LEN + 1], mid[UUID_STR_LEN + 1];

	uuid_format(t, tid);
	uuid_format(&c->id, mid);
	if (db_ready(&m.db, m.a) == 0 &&
	    outbox_finish(&m.db, t, &c->id, o, next_ms, error) == 0) {
		db_finish(&m.db);
		if (o == OUTBOX_SENT)
			log_info("mail %s (%s) of tenant %s sent", mid, c->kind,
			         tid);
		else
			log_warn("mail %s (%s) of tenant %s %s: %s", mid,
			         c->kind, tid,
			         o == OUTBOX_RETRY ? "will be tried again"
			                           : "given up",
			         error);
		return;
	}
	db_finish(&m.db);
	log_warn("mail %s of tenant %s: outcome not recorded (%s)", mid, tid,
	         m.db.errmsg);
}

static void
failed(const struct uuid *t, const struct outbox_claim *c, const char *error)
{
	long long next = 0;

	if (webhook_backoff_next(c->attempts, c->first_ms, clock_real_ms(),
	                         cfg.mail_retry_window_s, &next) != 0)
		finish(t, c, OUTBOX_FAILED, 0, error);
	else
		finish(t, c, OUTBOX_RETRY, next, error);
}

static void
send_one(const struct uuid *t, const struct outbox_claim *c)
{
	char error[CURL_ERROR_SIZE];
	char *tok = open_link(t, c);
	union {
		const char *c;
		char *m;
	} msg;

	if (tok == NULL) {
		finish(t, c, OUTBOX_FAILED, 0, "the link cannot be opened");
		return;
	}
	msg.c = render(c, tok);
	crypto_wipe(tok, strlen(tok));
	if (msg.c == NULL) {
		finish(t, c, OUTBOX_FAILED, 0, "the mail cannot be rendered");
		return;
	}
	if (smtp_send(c->to, msg.c, error) == 0)
		finish(t, c, OUTBOX_SENT, 0, "");
	else
		failed(t, c, error);
	crypto_wipe(msg.m, strlen(msg.m));
}

static void
serve_tenant(const struct uuid *t)
{
	struct outbox_claims cl;
	int lease = cfg.smtp_timeout_ms / 1000 * MAILER_BATCH + LEASE_EXTRA_S;

	if (db_ready(&m.db, m.a) == 0 &&
	    outbox_claim(&m.db, t, MAILER_BATCH, lease, &cl) > 0) {
		db_finish(&m.db);
		for (int i = 0; i < cl.n && !server_stopping; i++)
			send_one(t, &cl.items[i]);
	}
	db_finish(&m.db);
	arena_reset(m.a);
}

/* One pass over the next due tenants.  1: go on at once. */
static int
pass(void)
{
	struct uuid due[MAILER_WANT], next = {{0}};
	int n = 0, named;

	if (db_ready(&m.db, m.a) < 0)
		return 0;
	named = outbox_due_tenants(&m.db, &m.cursor, MAILER_WANT, MAILER_SCAN,
	                           due, &n, &next);
	db_finish(&m.db);
	arena_reset(m.a);
	if (named < 0)
		return 0;
	m.cursor = next;
	sweep_found(&m.sweep, n);
	for (int i = 0; i < n && !server_stopping; i++)
		serve_tenant(&due[i]);
	return named > 0 || n > 0;
}

/* One step of the purge round (mails kept MAILER_KEEP_DAYS). */
static void
purge_step(void)
{
	struct uuid next;

	if (db_ready(&m.db, m.a) == 0 &&
	    outbox_purge(&m.db, &m.purge_cursor, MAILER_PURGE_SCAN,
	                 MAILER_KEEP_DAYS, MAILER_PURGE_BATCH, &next) == 0)
		m.purge_cursor = next;
	else
		log_warn("mail purge failed: %s", m.db.errmsg);
	db_finish(&m.db);
	arena_reset(m.a);
}

static int
init(void)
{
	memset(&m, 0, sizeof(m));
	sweep_init(&m.sweep, SWEEP_REST_MIN_MS, SWEEP_REST_MAX_MS);
	if (*cfg.smtp_from != '\0')
		snprintf(m.from, sizeof(m.from), "%s", cfg.smtp_from);
	else
		snprintf(m.from, sizeof(m.from), "no-reply@%s",
		         cfg.base_domain);
	if (strcmp(cfg.smtp_tls, "none") != 0 &&
	    strcmp(cfg.smtp_tls, "starttls") != 0) {
		log_error("smtp_tls must be none or starttls");
		return -1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		log_error("libcurl cannot start");
		return -1;
	}
	m.a = arena_new(ARENA_CHUNK, ARENA_CAP);
	db_init(&m.db, cfg.database_url);
	m.db.statement_timeout_ms = cfg.statement_timeout_ms;
	return 0;
}

int
mailer_main(void)
{
	long long next_purge = 0;

	server_child_signals();
	if (init() < 0)
		return 1;
	/* The deliverer's list (core/sandbox.h): the workers' plus threads,
	 * for libcurl's resolver; entered once libcurl has started. */
	if (sandbox_enter_threads(
	        (enum sandbox_mode)sandbox_mode(cfg.seccomp)) < 0) {
		log_error("mail sender cannot enter its sandbox");
		return 1;
	}
	if (*cfg.smtp_url == '\0')
		log_warn("smtp_url is not set: mail stays in the outbox");
	else
		log_info("mail sender started (from %s, timeout %d ms)", m.from,
		         cfg.smtp_timeout_ms);
	while (!server_stopping) {
		long long now = clock_mono_ms();

		if (now >= next_purge) {
			purge_step();
			next_purge = now + PURGE_MS;
		}
		if (*cfg.smtp_url == '\0')
			usleep(IDLE_MS * 1000);
		else if (!pass())
			usleep((useconds_t)sweep_end(&m.sweep) * 1000);
	}
	curl_global_cleanup();
	db_close(&m.db);
	arena_free(m.a);
	log_info("mail sender stopped");
	return 0;
}
