/*
 * log.h - structured log lines: one JSON object per line on stderr.
 *
 * Messages are short, factual and lower-case (PostgreSQL's style guide);
 * never a secret, token, password or personal-data value.
 */
#ifndef STRATA_CORE_LOG_H
#define STRATA_CORE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the lowest level written ("debug", "info", "warn", "error"). */
void log_set_level(const char *name);

/* Writes {"time","level","pid","msg"} with msg formatted from fmt. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes a prepared object body (without braces, starting with a comma
 * separated list of "key":value pairs) after time, level and pid. */
void log_fields(enum log_level level, const char *fields);

/* RFC 3339 UTC time with milliseconds into out[32]. */
void log_time(char out[32]);

#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
