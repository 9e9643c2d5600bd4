/*
 * log.c - JSON lines on stderr.  Every write(2) holds whole lines only, and
 * at most LOG_ATOMIC_MAX bytes unless one line alone is longer, so lines of
 * several workers sharing the descriptor never interleave (a pipe writes up
 * to PIPE_BUF atomically; a file opened O_APPEND any size).
 */
#include "core/log.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/server.h"

/* Writes up to PIPE_BUF bytes are atomic on a pipe (POSIX). */
#define LOG_ATOMIC_MAX PIPE_BUF

static enum log_level min_level = LOG_INFO;
static const char *const names[] = {"debug", "info", "warn", "error"};
static int out_fd = STDERR_FILENO;

/* The buffered lines (access log).  len only ever covers complete lines,
 * so a fatal-signal handler can write them out as they are. */
static char pending[LOG_BUFFER_SIZE];
static volatile size_t pending_len;
static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static struct sigaction
    fatal_saved[sizeof(fatal_signals) / sizeof(fatal_signals[0])];

void
log_set_level(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			min_level = (enum log_level)i;
}

/* The "YYYY-MM-DDTHH:MM:SS" of the last second formatted: a line a
 * second, not a line a request, goes through gmtime and strftime. */
static time_t last_sec = -1;
static char last_text[24];
static size_t last_len;

void
log_time(char out[32])
{
	struct timespec ts;
	int ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last_sec) {
		struct tm tm;

		gmtime_r(&ts.tv_sec, &tm);
		last_len = strftime(last_text, sizeof(last_text),
		                    "%Y-%m-%dT%H:%M:%S", &tm);
		last_sec = ts.tv_sec;
	}
	ms = (int)(ts.tv_nsec / 1000000L % 1000);
	memcpy(out, last_text, last_len);
	out[last_len] = '.';
	out[last_len + 1] = (char)('0' + ms / 100);
	out[last_len + 2] = (char)('0' + ms / 10 % 10);
	out[last_len + 3] = (char)('0' + ms % 10);
	out[last_len + 4] = 'Z';
	out[last_len + 5] = '\0';
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

void
log_set_fd(int fd)
{
	out_fd = fd;
}

/* write(2) all of p, through EINTR and short writes.  Async-signal-safe.
 * A descriptor that refuses (closed, EPIPE) drops the bytes: logging never
 * stops the program. */
static void
write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(out_fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Writes p[0..n) (whole lines) in writes of whole lines of at most
 * LOG_ATOMIC_MAX bytes each; a longer line goes alone.  Async-signal-safe. */
static void
write_lines(const char *p, size_t n)
{
	while (n > 0) {
		size_t take = 0;

		while (take < n) {
			const char *nl = memchr(p + take, '\n', n - take);
			size_t end = nl ? (size_t)(nl - p) + 1 : n;

			if (take > 0 && end > LOG_ATOMIC_MAX)
				break;
			take = end;
			if (take >= LOG_ATOMIC_MAX)
				break;
		}
		write_all(p, take);
		p += take;
		n -= take;
	}
}

void
log_flush(void)
{
	size_t n = pending_len;

	if (n == 0)
		return;
	write_lines(pending, n);
	pending_len = 0;
}

size_t
log_pending(void)
{
	return pending_len;
}

/* Appends n bytes of s at line + *at, within cap - 2 (room for "}\n"). */
static void
put(char *line, size_t cap, size_t *at, const char *s, size_t n)
{
	if (*at + n > cap - 2)
		n = *at < cap - 2 ? cap - 2 - *at : 0;
	memcpy(line + *at, s, n);
	*at += n;
}

/* Formats {"time","level","pid"<body>}\n into line[cap]; returns its
 * length (a body too long is cut and the object closed).  No printf: one
 * line per request. */
static size_t
format_line(char *line, size_t cap, enum log_level level, const char *body)
{
	char t[32], pid[24], *p = pid + sizeof(pid);
	unsigned long v = (unsigned long)server_self_pid();
	size_t at = 0;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	log_time(t);
	put(line, cap, &at, "{\"time\":\"", 9);
	put(line, cap, &at, t, strlen(t));
	put(line, cap, &at, "\",\"level\":\"", 11);
	put(line, cap, &at, names[level], strlen(names[level]));
	put(line, cap, &at, "\",\"pid\":", 8);
	put(line, cap, &at, p, (size_t)(pid + sizeof(pid) - p));
	put(line, cap, &at, body, strlen(body));
	line[at++] = '}';
	line[at++] = '\n';
	return at;
}

/* An unbuffered line: what was buffered before it goes first, so the
 * process's lines stay in the order they were logged. */
static void
emit(enum log_level level, const char *body)
{
	char line[8192];
	size_t n = format_line(line, sizeof(line), level, body);

	log_flush();
	if (n > 0)
		write_all(line, n);
}

void
log_fields_buffered(enum log_level level, const char *fields)
{
	char line[8192];
	size_t n;

	if (level < min_level)
		return;
	n = format_line(line, sizeof(line), level, fields);
	if (n == 0)
		return;
	if (pending_len + n > sizeof(pending))
		log_flush();
	if (n > sizeof(pending)) {
		write_all(line, n);
		return;
	}
	memcpy(pending + pending_len, line, n);
	pending_len += n; /* after the copy: the handler sees whole lines */
}

/* A fatal signal: write the buffered lines, put back the disposition that
 * was there before (the default, or the sanitizer's) and return, so the
 * faulting instruction faults again, or abort() goes on, into it. */
static void
on_fatal(int sig)
{
	size_t n = pending_len;

	if (n > 0) {
		pending_len = 0;
		write_lines(pending, n);
	}
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]);
	     i++)
		if (fatal_signals[i] == sig)
			sigaction(sig, &fatal_saved[i], NULL);
}

void
log_flush_on_crash(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]);
	     i++)
		sigaction(fatal_signals[i], &sa, &fatal_saved[i]);
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
