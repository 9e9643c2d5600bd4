/*
 * secmem.c - page-aligned, dontdump, wiped-on-free memory for keys.
 */
#include "sec/secmem.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sec/crypto.h"

/* glibc has memfd_create behind _GNU_SOURCE; the call is all we need. */
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif

static size_t
page_size(void)
{
	static size_t pg;

	if (pg == 0) {
		long v = sysconf(_SC_PAGESIZE);

		pg = v > 0 ? (size_t)v : 4096;
	}
	return pg;
}

/* n rounded up to whole pages; 0 when n is 0 or would overflow. */
static size_t
rounded(size_t n)
{
	size_t pg = page_size();

	if (n == 0 || n > SIZE_MAX - pg)
		return 0;
	return (n + pg - 1) / pg * pg;
}

/* A private mapping of a fresh memfd: its name shows in the maps, and
 * privately written pages behave as anonymous memory (copied on fork). */
static void *
map_named(size_t len)
{
	long fd = syscall(SYS_memfd_create, SECMEM_NAME, MFD_CLOEXEC);
	void *p;

	if (fd < 0)
		return MAP_FAILED;
	if (ftruncate((int)fd, (off_t)len) < 0) {
		close((int)fd);
		return MAP_FAILED;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, (int)fd, 0);
	close((int)fd);
	return p;
}

void *
secmem_alloc(size_t n)
{
	size_t len = rounded(n);
	void *p;

	if (len == 0 || len > (size_t)PTRDIFF_MAX)
		return NULL;
	p = map_named(len);
	if (p == MAP_FAILED)
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Without dontdump the keys could end up in a core file: refuse. */
	if (madvise(p, len, MADV_DONTDUMP) != 0) {
		munmap(p, len);
		return NULL;
	}
	if (len <= SECMEM_LOCK_MAX)
		(void)mlock(p, len); /* best effort: RLIMIT_MEMLOCK decides */
	return p;
}

void
secmem_free(void *p, size_t n)
{
	size_t len = rounded(n);

	if (p == NULL || len == 0)
		return;
	crypto_wipe(p, len);
	if (len <= SECMEM_LOCK_MAX)
		(void)munlock(p, len);
	munmap(p, len);
}
