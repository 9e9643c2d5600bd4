/*
 * mailer.h - the mail sender: a background process of `strata serve`
 * (strata-mail), supervised by the master like the webhook deliverer
 * (restarted when it dies, stopped on SIGTERM, replaced on SIGHUP).
 * Request workers never send mail: they write mail_outbox rows in the
 * transaction of the change that causes them (data/outbox.h).
 *
 * Each pass asks for the tenants with mail due (a bounded round robin as
 * the deliverer's), claims up to MAILER_BATCH of a tenant's mails under a
 * lease, opens each link's token (sealed with the tenant's data key),
 * renders the mail from the tenant's display name, branding and locale
 * (ops/mail_template.h) and hands it to the SMTP relay of smtp_url
 * (libcurl; STARTTLS or smtps:// and a login when configured).  A failure
 * is retried on ops/webhook_backoff.h's schedule over mail_retry_window_s,
 * then the mail is given up.  A sent or given-up mail forgets its sealed
 * token; every 10 s a purge step deletes sent and given-up mails older
 * than MAILER_KEEP_DAYS (their addresses are personal data).  Log lines name
 * the mail's id and kind, never its address, link or the relay's password.
 * Without smtp_url the process says so once and mail stays in the outbox.
 */
#ifndef STRATA_OPS_MAILER_H
#define STRATA_OPS_MAILER_H

#define MAILER_BATCH 20         /* mails of one tenant per claim */
#define MAILER_WANT 32          /* due tenants per pass */
#define MAILER_SCAN 1000        /* tenants probed per pass */
#define MAILER_KEEP_DAYS 7      /* sent or given-up mails, then deleted */
#define MAILER_PURGE_SCAN 100   /* tenants per purge step */
#define MAILER_PURGE_BATCH 1000 /* mails per tenant and step */

/* The process body (struct server_proc.main): runs until SIGTERM or
 * SIGINT.  Returns the exit status (0, or 1 when it cannot start). */
int mailer_main(void);

#endif
