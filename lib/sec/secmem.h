/*
 * secmem.h - memory for key material.
 *
 * Every key the processes keep (the master key, the tenants' unwrapped
 * signing, data and index keys, the platform keys, the cursor key) lives
 * in pages of their own: mapped from a memfd named "strata-secret" (so
 * /proc/PID/maps and smaps name them; an anonymous mapping when memfd is
 * unavailable), marked MADV_DONTDUMP so no core dump carries them, locked
 * with mlock when the mapping is small (SECMEM_LOCK_MAX) and the limit
 * allows (kept out of swap), and wiped before they are unmapped.
 *
 * The mappings are private: a forked worker sees the master's keys, and
 * what one process writes or wipes stays its own.
 */
#ifndef STRATA_SEC_SECMEM_H
#define STRATA_SEC_SECMEM_H

#include <stddef.h>

/* The name of the mappings in /proc/PID/maps ("/memfd:strata-secret"). */
#define SECMEM_NAME "strata-secret"

/* Larger allocations are not locked: locking faults every page in, and a
 * big, sparsely used cache would then stay resident in every worker. */
#define SECMEM_LOCK_MAX (64 * 1024)

/* Returns n zeroed bytes, page-aligned, in a mapping of their own (n is
 * rounded up to whole pages).  NULL when n is 0 or too large, or the
 * mapping fails; nothing is left mapped then.  Free with secmem_free. */
void *secmem_alloc(size_t n);

/* Wipes the n bytes at p (the size given to secmem_alloc), then unlocks
 * and unmaps them.  p may be NULL. */
void secmem_free(void *p, size_t n);

#endif
