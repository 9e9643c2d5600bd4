/*
 * dpnoise.h - the Laplace mechanism of the tenant benchmarks
 * (docs/analytics.md).
 *
 * Randomness comes from OpenSSL's RAND_bytes only.  A benchmark answer is
 * a tenant's percentile among the n tenants of its plan; one other tenant
 * changing its figures moves that percentile by at most 100 / (n - 1)
 * points, so the noise's scale is that sensitivity over epsilon, and the
 * answer is epsilon-differentially private with respect to any one other
 * tenant.  Clamping to [0, 100] and rounding afterwards are
 * post-processing and cost no privacy.
 */
#ifndef STRATA_SEC_DPNOISE_H
#define STRATA_SEC_DPNOISE_H

#include <stdbool.h>

/* A uniform draw in the open interval (0, 1) from 53 random bits (never 0
 * or 1).  Returns 0 and sets *out, or -1 when RAND_bytes fails. */
int dpnoise_uniform(double *out);

/* One draw from the Laplace distribution of mean 0 and scale b > 0
 * (density exp(-|x| / b) / 2b), by inversion of a uniform draw.  Returns 0,
 * or -1 when b is not a positive finite number or RAND_bytes fails. */
int dpnoise_laplace(double b, double *out);

/* The scale of the noise for a percentile among n tenants at epsilon:
 * (100 / (n - 1)) / epsilon, or a negative number when n < 2 or epsilon
 * is not positive. */
double dpnoise_percentile_scale(int n, double epsilon);

/* The answer of the mechanism: the true percentile p (0-100) plus Laplace
 * noise for n tenants at epsilon, clamped to [0, 100] and rounded to one
 * decimal.  Returns 0, or -1 (nothing written) on bad parameters or when
 * no randomness can be had. */
int dpnoise_percentile(double p, int n, double epsilon, double *out);

/* True when a cohort of n tenants may be answered at all (n >= k). */
bool dpnoise_cohort_ok(int n, int k);

#endif
