/*
 * buf.c - growable string in an arena.
 */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/hex.h"

void
buf_init(struct buf *b, struct arena *a, size_t hint, size_t max)
{
	b->arena = a;
	b->len = 0;
	b->max = max;
	b->cap = hint < 16 ? 16 : hint;
	b->data = arena_alloc(a, b->cap + 1);
	b->data[0] = '\0';
}

static int
reserve(struct buf *b, size_t n)
{
	size_t want;

	if (n > b->max || b->len > b->max - n)
		return -1;
	want = b->len + n;
	if (want > b->cap) {
		size_t cap = b->cap * 2;

		if (cap < want)
			cap = want;
		b->data = arena_realloc(b->arena, b->data, b->cap + 1, cap + 1);
		b->cap = cap;
	}
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (reserve(b, n) < 0)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

/* Formats into the room already there; only an answer that does not fit
 * grows the buffer and formats a second time. */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	size_t room = b->cap - b->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, room + 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto fail;
	if ((size_t)n <= room && (size_t)n <= b->max - b->len) {
		b->len += (size_t)n;
		return 0;
	}
	if (reserve(b, (size_t)n) < 0)
		goto fail;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
fail:
	b->data[b->len] = '\0'; /* b unchanged */
	return -1;
}

int
buf_put_uint(struct buf *b, unsigned long long v)
{
	char d[24];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return buf_append(b, d + i, sizeof(d) - i);
}

int
buf_put_milli(struct buf *b, double v)
{
	unsigned long long m;
	char frac[4];

	if (!(v >= 0) || v > 1e15)
		v = 0;
	m = (unsigned long long)(v * 1000.0 + 0.5);
	frac[0] = (char)('0' + m / 100 % 10);
	frac[1] = (char)('0' + m / 10 % 10);
	frac[2] = (char)('0' + m % 10);
	frac[3] = '\0';
	if (buf_put_uint(b, m / 1000) < 0 || buf_putc(b, '.') < 0)
		return -1;
	return buf_append(b, frac, 3);
}

int
buf_json_str(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (buf_putc(b, '"') < 0)
		return -1;
	for (; *p != '\0'; p++) {
		char esc[7] = "\\u00";
		int rc;

		switch (*p) {
		case '"':
			rc = buf_append(b, "\\\"", 2);
			break;
		case '\\':
			rc = buf_append(b, "\\\\", 2);
			break;
		case '\n':
			rc = buf_append(b, "\\n", 2);
			break;
		case '\r':
			rc = buf_append(b, "\\r", 2);
			break;
		case '\t':
			rc = buf_append(b, "\\t", 2);
			break;
		default:
			if (*p < 0x20) {
				hex_encode(p, 1, esc + 4);
				rc = buf_append(b, esc, 6);
			} else {
				rc = buf_putc(b, (char)*p);
			}
		}
		if (rc < 0)
			return -1;
	}
	return buf_putc(b, '"');
}

const char *
buf_cstr(struct buf *b)
{
	return b->data;
}
