/*
 * log.h - structured log lines: one JSON object per line on stderr.
 *
 * Messages are short, factual and lower-case (PostgreSQL's style guide);
 * never a secret, token, password or personal-data value.
 */
#ifndef STRATA_CORE_LOG_H
#define STRATA_CORE_LOG_H

#include <stddef.h>

/* Bytes of buffered lines a process holds before it writes them out. */
#define LOG_BUFFER_SIZE (64 * 1024)

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the lowest level written ("debug", "info", "warn", "error"). */
void log_set_level(const char *name);

/* Writes {"time","level","pid","msg"} with msg formatted from fmt. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes a prepared object body (without braces, starting with a comma
 * separated list of "key":value pairs) after time, level and pid. */
void log_fields(enum log_level level, const char *fields);

/* As log_fields, but the line is kept in a process-local buffer (the
 * access log: one write(2) for many requests).  The buffer is written out
 * when the next line would not fit, by log_flush(), before any unbuffered
 * line (order is kept), and on a fatal signal after log_flush_on_crash().
 * A line longer than the buffer is written at once.  Nothing is dropped. */
void log_fields_buffered(enum log_level level, const char *fields);

/* Writes the buffered lines out now.  The worker calls it at least once a
 * second and before it exits. */
void log_flush(void);

/* Bytes buffered and not yet written. */
size_t log_pending(void);

/* Installs handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT that
 * write the buffered lines out, then hand the signal to the disposition
 * that was there before (default, or a sanitizer's). */
void log_flush_on_crash(void);

/* Where lines go (default: stderr).  For tests. */
void log_set_fd(int fd);

/* RFC 3339 UTC time with milliseconds into out[32]. */
void log_time(char out[32]);

#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
