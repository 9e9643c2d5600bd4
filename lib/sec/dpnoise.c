/*
 * dpnoise.c - Laplace noise from RAND_bytes.
 */
#include "sec/dpnoise.h"

#include <math.h>
#include <stdint.h>

#include <openssl/rand.h>

int
dpnoise_uniform(double *out)
{
	unsigned char b[8];
	uint64_t v = 0;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | b[i];
	v >>= 11; /* 53 bits: every value exact in a double */
	/* (v + 0.5) / 2^53 lies strictly inside (0, 1). */
	*out = ((double)v + 0.5) / 9007199254740992.0;
	return 0;
}

int
dpnoise_laplace(double b, double *out)
{
	double u;

	if (!(b > 0) || !isfinite(b) || dpnoise_uniform(&u) < 0)
		return -1;
	/* u - 1/2 in (-1/2, 1/2): its sign picks the side, its size the
	 * distance by the inverse of the exponential's distribution. */
	u -= 0.5;
	*out = u < 0 ? b * log(1.0 + 2.0 * u) : -b * log(1.0 - 2.0 * u);
	return 0;
}

double
dpnoise_percentile_scale(int n, double epsilon)
{
	if (n < 2 || !(epsilon > 0) || !isfinite(epsilon))
		return -1;
	return (100.0 / (n - 1)) / epsilon;
}

int
dpnoise_percentile(double p, int n, double epsilon, double *out)
{
	double b = dpnoise_percentile_scale(n, epsilon), x;

	if (b < 0 || !isfinite(p) || p < 0 || p > 100 ||
	    dpnoise_laplace(b, &x) < 0)
		return -1;
	x += p;
	if (x < 0)
		x = 0;
	if (x > 100)
		x = 100;
	*out = round(x * 10.0) / 10.0;
	return 0;
}

bool
dpnoise_cohort_ok(int n, int k)
{
	return k >= 2 && n >= k;
}
