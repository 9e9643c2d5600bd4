/*
 * webhook_backoff.h - when a failed webhook delivery is tried again.
 *
 * The schedule of Standard Webhooks' guidance, for a retry window of 24 h:
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then every 10 h, each capped at the
 * window's end.  A window of another length (STRATA_WEBHOOK_RETRY_WINDOW_S)
 * scales every step alike (the tests run the whole schedule in seconds).
 * A failure at or after the window's end gives up: the webhook is
 * disabled.
 */
#ifndef STRATA_OPS_WEBHOOK_BACKOFF_H
#define STRATA_OPS_WEBHOOK_BACKOFF_H

/* The delay in ms after the attempts-th failed attempt (1-based) for a
 * window of window_s seconds; at least 1 ms. */
long long webhook_backoff_delay_ms(int attempts, int window_s);

/* After the attempts-th attempt failed at now_ms, in a window that began
 * at first_ms: 0 and the time of the next attempt in *next_ms, or 1 when
 * the window is spent (give up). */
int webhook_backoff_next(int attempts, long long first_ms, long long now_ms,
                         int window_s, long long *next_ms);

#endif
