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

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
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
