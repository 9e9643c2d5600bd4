/*
 * log.c - JSON lines on stderr, written with one write(2) each so lines of
 * several workers sharing the descriptor never interleave.
 */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static const char *const names[] = {"debug", "info", "warn", "error"};

void
log_set_level(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			min_level = (enum log_level)i;
}

void
log_time(char out[32])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ",
	         (int)(ts.tv_nsec / 1000000L % 1000));
}

/* Copies s into out as JSON string content (no quotes), escaping quotes,
 * backslashes and every byte outside printable ASCII. */
static size_t
escape(char *out, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t j = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (j + 7 >= cap)
			break;
		if (*p == '"' || *p == '\\') {
			out[j++] = '\\';
			out[j++] = (char)*p;
		} else if (*p < 0x20 || *p >= 0x7f) {
			out[j++] = '\\';
			out[j++] = 'u';
			out[j++] = '0';
			out[j++] = '0';
			out[j++] = hex[*p >> 4];
			out[j++] = hex[*p & 15];
		} else {
			out[j++] = (char)*p;
		}
	}
	out[j] = '\0';
	return j;
}

static void
emit(enum log_level level, const char *body)
{
	char line[8192], t[32];
	int n;

	log_time(t);
	n = snprintf(line, sizeof(line),
	             "{\"time\":\"%s\",\"level\":\"%s\",\"pid\":%ld%s}\n", t,
	             names[level], (long)getpid(), body);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 2] = '}';
		line[n - 1] = '\n';
	}
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[2048], esc[4096], body[4200];
	va_list ap;

	if (level < min_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	escape(esc, sizeof(esc), msg);
	snprintf(body, sizeof(body), ",\"msg\":\"%s\"", esc);
	emit(level, body);
}

void
log_fields(enum log_level level, const char *fields)
{
	if (level < min_level)
		return;
	emit(level, fields);
}
