/*
 * arena.h - per-request memory.
 *
 * Every allocation on the request path comes from an arena that is reset
 * after the response.  Outside objects (cJSON trees, PGresults, jwt handles)
 * are released by cleanups registered on the arena, which run at reset in the
 * reverse order of registration.  Allocation never returns NULL: when the
 * arena's cap is reached or the system is out of memory the process aborts
 * (a worker is then restarted by the master), following PostgreSQL's and
 * Redis's view that a NULL check in every caller buys nothing.
 */
#ifndef STRATA_CORE_ARENA_H
#define STRATA_CORE_ARENA_H

#include <stddef.h>

struct arena;

/* A new arena whose chunks are at least chunk bytes and whose total
 * allocation may not exceed cap bytes.  Caller frees with arena_free(). */
struct arena *arena_new(size_t chunk, size_t cap);

/* Runs the cleanups, releases the arena and everything allocated in it. */
void arena_free(struct arena *a);

/* Runs the cleanups (last registered first), then forgets every allocation
 * but keeps the first chunk for the next request. */
void arena_reset(struct arena *a);

/* n bytes aligned for any type; contents undefined. */
void *arena_alloc(struct arena *a, size_t n);

/* nmemb * size zeroed bytes; aborts on multiplication overflow. */
void *arena_calloc(struct arena *a, size_t nmemb, size_t size);

/* Resizes the allocation p of old bytes to n bytes, in place when p is the
 * most recent allocation and the chunk has room, else by copying. */
void *arena_realloc(struct arena *a, void *p, size_t old, size_t n);

char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* The decimal text of v, in a (no printf: the request path's headers). */
char *arena_int(struct arena *a, long long v);
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Registers fn(data) to run at the next reset or free. */
void arena_cleanup(struct arena *a, void (*fn)(void *), void *data);

/* Bytes handed out since the last reset. */
size_t arena_used(const struct arena *a);

#endif
