/*
 * arena.c - bump allocator in chunks with cleanup handlers (after nginx's
 * ngx_pool_t and PostgreSQL's memory contexts).
 */
#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 16

struct chunk {
	struct chunk *next;
	size_t size;
	size_t used;
	_Alignas(ALIGN) unsigned char data[];
};

struct cleanup {
	struct cleanup *next;
	void (*fn)(void *);
	void *data;
};

struct arena {
	struct chunk *head; /* current chunk; first chunk is last in list */
	struct chunk *first;
	struct cleanup *cleanups;
	size_t chunk;
	size_t cap;
	size_t total;
	void *last; /* most recent allocation, for in-place realloc */
};

static void
arena_die(const char *what)
{
	fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"arena: %s\"}\n", what);
	abort();
}

static struct chunk *
chunk_new(size_t size)
{
	struct chunk *c = malloc(sizeof(*c) + size);

	if (c == NULL)
		arena_die("out of memory");
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct arena *
arena_new(size_t chunk, size_t cap)
{
	struct arena *a = calloc(1, sizeof(*a));

	if (a == NULL)
		arena_die("out of memory");
	a->chunk = chunk < 1024 ? 1024 : chunk;
	a->cap = cap;
	a->first = a->head = chunk_new(a->chunk);
	return a;
}

static void
run_cleanups(struct arena *a)
{
	while (a->cleanups != NULL) {
		struct cleanup *c = a->cleanups;

		a->cleanups = c->next;
		c->fn(c->data);
	}
}

void
arena_reset(struct arena *a)
{
	struct chunk *c;

	run_cleanups(a);
	c = a->head;
	while (c != a->first) {
		struct chunk *next = c->next;

		free(c);
		c = next;
	}
	a->head = a->first;
	a->first->used = 0;
	a->total = 0;
	a->last = NULL;
}

void
arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	arena_reset(a);
	free(a->first);
	free(a);
}

void *
arena_alloc(struct arena *a, size_t n)
{
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	struct chunk *c = a->head;
	void *p;

	if (need < n || need > a->cap || a->total > a->cap - need)
		arena_die("request memory cap exceeded");
	if (c->size - c->used < need) {
		size_t size = need > a->chunk ? need : a->chunk;

		c = chunk_new(size);
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += need;
	a->total += need;
	a->last = p;
	return p;
}

void *
arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		arena_die("allocation size overflow");
	p = arena_alloc(a, nmemb * size);
	memset(p, 0, nmemb * size);
	return p;
}

void *
arena_realloc(struct arena *a, void *p, size_t old, size_t n)
{
	struct chunk *c = a->head;
	void *q;

	if (p == NULL)
		return arena_alloc(a, n);
	if (p == a->last) {
		size_t off = (size_t)((unsigned char *)p - c->data);
		size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
		size_t had = c->used - off;

		if (need >= n && off + need <= c->size &&
		    (need <= had || a->total - had <= a->cap - need)) {
			a->total = a->total - had + need;
			c->used = off + need;
			return p;
		}
	}
	if (n <= old)
		return p;
	q = arena_alloc(a, n);
	memcpy(q, p, old);
	return q;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_int(struct arena *a, long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp), *out;
	unsigned long long u =
	    v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	size_t n;

	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	n = (size_t)(tmp + sizeof(tmp) - p);
	out = arena_alloc(a, n);
	memcpy(out, p, n);
	return out;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		arena_die("format error");
	p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void
arena_cleanup(struct arena *a, void (*fn)(void *), void *data)
{
	struct cleanup *c = arena_alloc(a, sizeof(*c));

	c->fn = fn;
	c->data = data;
	c->next = a->cleanups;
	a->cleanups = c;
}

size_t
arena_used(const struct arena *a)
{
	return a->total;
}
