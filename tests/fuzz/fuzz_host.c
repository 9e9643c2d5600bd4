/*
 * fuzz_host.c - Host header normalisation and classification (core/host).
 *
 * Input: a Host header value.  Invariants: a normalised host is at most
 * HOST_MAX bytes of [a-z0-9.-], normalising it again changes nothing, and
 * a tenant host gives a valid, unreserved slug that is its first label.
 */
#include "fuzz.h"

#include "core/host.h"

static const char base[] = "strata.localhost";

static void
check_normalised(const char *h)
{
	char again[HOST_MAX + 1], slug[SLUG_MAX + 1];
	size_t n = strlen(h);

	if (n == 0 || n > HOST_MAX)
		fuzz_fail("normalised host of %zu bytes", n);
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		      (h[i] >= '0' && h[i] <= '9') || h[i] == '.' ||
		      h[i] == '-'))
			fuzz_fail("normalised host holds byte 0x%02x",
			          (unsigned char)h[i]);
	if (host_normalize(h, again, sizeof(again)) < 0 ||
	    strcmp(again, h) != 0)
		fuzz_fail("normalising \"%s\" again gives another host", h);
	if (host_classify(h, base, slug) == HOST_TENANT) {
		size_t sn = strlen(slug);

		if (!host_slug_valid(slug) || host_slug_reserved(slug))
			fuzz_fail("tenant slug \"%s\" is not valid", slug);
		if (strncmp(h, slug, sn) != 0 || h[sn] != '.')
			fuzz_fail("slug \"%s\" is not the first label of %s",
			          slug, h);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[HOST_MAX + 1], small[8];
	const char *in;

	fuzz_begin();
	in = fuzz_str(data, size);
	(void)host_slug_valid(in);
	(void)host_slug_reserved(in);
	/* A too-small output buffer must be refused, never overrun. */
	(void)host_normalize(in, small, sizeof(small));
	if (host_normalize(in, out, sizeof(out)) == 0)
		check_normalised(out);
	return 0;
}
