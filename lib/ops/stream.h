/*
 * stream.h - GET /v1/events/stream: Server-Sent Events of a tenant's
 * record events, served by a process of its own (`strata-stream`),
 * supervised by the master like the sealer and the deliverer.
 *
 * nginx proxies the route to this process's unix socket (stream_socket)
 * with buffering off, so an idle stream holds an nginx connection and a
 * few hundred bytes here, never a FastCGI worker.  One thread, epoll:
 * a request is read (head only, at most STREAM_HEAD_MAX bytes), its tenant
 * resolved from Host, its access token verified by sec/token.c with the
 * tenant's keyring and its principal read as the workers read it
 * (users_queue_principal_row: active user, session not ended, records:read).
 * Then every STREAM_TICK_MS the process reads each streamed tenant's new
 * events once (events_after, from the lowest position its streams hold),
 * reads again the principals that have events to receive, and writes each
 * stream the record events (of its ?collection= when given) after its
 * position.  A principal that lost records:read, was disabled or whose
 * session or token ended has its streams closed before anything more is
 * sent.  Each event's id is its position: a client resumes with
 * Last-Event-ID.  A stream whose unsent output passes STREAM_OUT_MAX is
 * closed (the client resumes).
 */
#ifndef STRATA_OPS_STREAM_H
#define STRATA_OPS_STREAM_H

#define STREAM_MAX 8192        /* open streams at most */
#define STREAM_HEAD_MAX 8192   /* request head bytes */
#define STREAM_HEAD_FIRST 2048 /* a head's first buffer, doubled up to MAX */
#define STREAM_OUT_MAX (256 * 1024)
#define STREAM_TICK_MS 250
#define STREAM_PING_MS 15000
#define STREAM_BATCH 500 /* events per tenant and tick */

/* The process body (struct server_proc.main): runs until SIGTERM or
 * SIGINT.  Returns the exit status (0, or 1 when it cannot listen). */
int stream_main(void);

#endif
