/*
 * pgarray.c - quoting for PostgreSQL array literals.
 */
#include "data/pgarray.h"

#include <stdbool.h>
#include <string.h>

#include "core/buf.h"

#define PGARRAY_MAX (64 * 1024)

void
pgarray_open(struct buf *b)
{
	buf_putc(b, '{');
}

/* Appends one element, quoted, after a ',' when comma is set.  An element
 * that does not fit whole is not written at all, and b's cap drops to its
 * length so that nothing more fits either, the closing '}' included: a
 * literal that lost an element is never returned. */
static void
element(struct buf *b, const char *v, size_t n, bool comma)
{
	size_t need = n + 2 + (comma ? 1 : 0);

	for (size_t i = 0; i < n; i++)
		need += v[i] == '"' || v[i] == '\\';
	if (b->len > b->max || need > b->max - b->len) {
		b->max = b->len;
		return;
	}
	if (comma)
		buf_putc(b, ',');
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"' || v[i] == '\\')
			buf_putc(b, '\\');
		buf_putc(b, v[i]);
	}
	buf_putc(b, '"');
}

void
pgarray_add(struct buf *b, const char *v)
{
	element(b, v, strlen(v), b->len > 0 && b->data[b->len - 1] != '{');
}

void
pgarray_quote(struct buf *b, const char *v)
{
	element(b, v, strlen(v), false);
}

const char *
pgarray_close(struct buf *b)
{
	if (buf_putc(b, '}') < 0)
		return NULL;
	return buf_cstr(b);
}

const char *
pgarray_from_json(struct arena *a, const cJSON *arr)
{
	struct buf b;
	const cJSON *e;

	buf_init(&b, a, 64, PGARRAY_MAX);
	pgarray_open(&b);
	cJSON_ArrayForEach(e, arr)
	{
		if (!cJSON_IsString(e))
			return NULL;
		pgarray_add(&b, e->valuestring);
	}
	return pgarray_close(&b);
}

const char *
pgarray_from_csv(struct arena *a, const char *csv)
{
	struct buf b;

	buf_init(&b, a, strlen(csv) * 2 + 8, PGARRAY_MAX);
	pgarray_open(&b);
	for (bool first = true;; first = false) {
		size_t n = strcspn(csv, ",");

		element(&b, csv, n, !first);
		if (csv[n] == '\0')
			break;
		csv += n + 1;
	}
	return pgarray_close(&b);
}
