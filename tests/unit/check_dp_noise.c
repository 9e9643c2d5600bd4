/*
 * check_dp_noise.c - the Laplace mechanism of the benchmarks
 * (sec/dpnoise.c): uniform draws, the noise's distribution against the
 * Laplace CDF (Kolmogorov-Smirnov) and its documented epsilon (the tail
 * ratio of neighbouring answers), the percentile answer's clamping, and
 * the refusals (bad scale, bad epsilon, cohorts below k).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "check_main.h"
#include "sec/dpnoise.h"

#define DRAWS 100000

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
laplace_cdf(double x, double b)
{
	return x < 0 ? 0.5 * exp(x / b) : 1.0 - 0.5 * exp(-x / b);
}

/* DRAWS draws of Laplace(b), sorted; the caller frees them. */
static double *
draws(double b)
{
	double *x = malloc(DRAWS * sizeof(*x));

	ck_assert_ptr_nonnull(x);
	for (int i = 0; i < DRAWS; i++)
		ck_assert_int_eq(dpnoise_laplace(b, &x[i]), 0);
	qsort(x, DRAWS, sizeof(*x), cmp_double);
	return x;
}

START_TEST(uniform_open_interval)
{
	double sum = 0, lo = 1, hi = 0;

	for (int i = 0; i < DRAWS; i++) {
		double u;

		ck_assert_int_eq(dpnoise_uniform(&u), 0);
		ck_assert(u > 0 && u < 1);
		sum += u;
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
	}
	/* Mean 1/2, standard error sqrt(1/12 / N): within 6 of them. */
	ck_assert_double_le(fabs(sum / DRAWS - 0.5),
	                    6 * sqrt(1.0 / 12 / DRAWS));
	ck_assert_double_lt(lo, 0.001);
	ck_assert_double_gt(hi, 0.999);
}
END_TEST

/* Kolmogorov-Smirnov against the Laplace CDF: sqrt(N) D stays below
 * 1.95 (the 0.1 % critical value) for a correct sampler. */
START_TEST(laplace_matches_cdf)
{
	static const double scales[] = {1.0, 20.0, 250.0};
	double b = scales[_i], d = 0;
	double *x = draws(b);

	for (int i = 0; i < DRAWS; i++) {
		double f = laplace_cdf(x[i], b);
		double lo = f - (double)i / DRAWS,
		       hi = (double)(i + 1) / DRAWS - f;

		d = fmax(d, fmax(lo, hi));
	}
	free(x);
	ck_assert_double_lt(sqrt((double)DRAWS) * d, 1.95);
}
END_TEST

/* The scale: E|X| = b, mean 0. */
START_TEST(laplace_scale_and_mean)
{
	double b = 20.0, sum = 0, abs_sum = 0;
	double *x = draws(b);

	for (int i = 0; i < DRAWS; i++) {
		sum += x[i];
		abs_sum += fabs(x[i]);
	}
	free(x);
	/* sd(|X|) = b, sd(X) = b sqrt 2: within 6 standard errors. */
	ck_assert_double_le(fabs(abs_sum / DRAWS - b),
	                    6 * b / sqrt((double)DRAWS));
	ck_assert_double_le(fabs(sum / DRAWS), 6 * b * sqrt(2.0 / DRAWS));
}
END_TEST

/* The documented epsilon: two neighbouring cohorts whose true
 * percentiles differ by the sensitivity 100 / (n - 1) give an answer
 * above any threshold with probabilities whose ratio is at most e^eps,
 * and exactly e^eps in the tail.  Measured on the mechanism's own noise
 * at its own scale. */
START_TEST(tail_ratio_is_epsilon)
{
	static const struct {
		int n;
		double eps;
	} cases[] = {{5, 1.0}, {20, 0.5}, {100, 2.0}};
	int n = cases[_i].n;
	double eps = cases[_i].eps;
	double b = dpnoise_percentile_scale(n, eps), delta = 100.0 / (n - 1);
	long above0 = 0, above_delta = 0;

	ck_assert_double_eq_tol(b, delta / eps, 1e-9);
	for (int i = 0; i < DRAWS; i++) {
		double x;

		ck_assert_int_eq(dpnoise_laplace(b, &x), 0);
		above0 += x > 0;
		above_delta += x > delta;
	}
	/* P(X > 0) / P(X > delta) = e^eps; the estimate within 6 % (at
	 * least 4 standard errors; an epsilon 10 % off is 10-22 % off). */
	ck_assert_double_le(
	    fabs(((double)above0 / (double)above_delta) / exp(eps) - 1), 0.06);
}
END_TEST

START_TEST(laplace_refuses_bad_scale)
{
	static const double bad[] = {0.0, -1.0, INFINITY, NAN};
	double x = 42;

	ck_assert_int_eq(dpnoise_laplace(bad[_i], &x), -1);
	ck_assert_double_eq(x, 42);
}
END_TEST

START_TEST(laplace_draws_differ)
{
	double a, b;

	ck_assert_int_eq(dpnoise_laplace(1.0, &a), 0);
	ck_assert_int_eq(dpnoise_laplace(1.0, &b), 0);
	ck_assert(a != b);
}
END_TEST

START_TEST(scale_of_percentile)
{
	ck_assert_double_eq_tol(dpnoise_percentile_scale(6, 1.0), 20.0, 1e-9);
	ck_assert_double_eq_tol(dpnoise_percentile_scale(101, 0.5), 2.0, 1e-9);
	ck_assert_double_lt(dpnoise_percentile_scale(1, 1.0), 0);
	ck_assert_double_lt(dpnoise_percentile_scale(0, 1.0), 0);
	ck_assert_double_lt(dpnoise_percentile_scale(6, 0.0), 0);
	ck_assert_double_lt(dpnoise_percentile_scale(6, -1.0), 0);
	ck_assert_double_lt(dpnoise_percentile_scale(6, NAN), 0);
	ck_assert_double_lt(dpnoise_percentile_scale(6, INFINITY), 0);
}
END_TEST

START_TEST(percentile_clamped_and_rounded)
{
	int low = 0, high = 0;

	for (int i = 0; i < 20000; i++) {
		double p = i % 2 ? 0.0 : 100.0, x;

		ck_assert_int_eq(dpnoise_percentile(p, 5, 1.0, &x), 0);
		ck_assert(x >= 0 && x <= 100);
		ck_assert_double_eq_tol(x * 10, round(x * 10), 1e-9);
		low += x == 0;
		high += x == 100;
	}
	/* Half of the noise pushes past the edge, and is clamped. */
	ck_assert_int_gt(low, 4000);
	ck_assert_int_gt(high, 4000);
}
END_TEST

START_TEST(percentile_refuses_bad_input)
{
	double x = 7;

	ck_assert_int_eq(dpnoise_percentile(-0.1, 10, 1.0, &x), -1);
	ck_assert_int_eq(dpnoise_percentile(100.1, 10, 1.0, &x), -1);
	ck_assert_int_eq(dpnoise_percentile(NAN, 10, 1.0, &x), -1);
	ck_assert_int_eq(dpnoise_percentile(50, 1, 1.0, &x), -1);
	ck_assert_int_eq(dpnoise_percentile(50, 10, 0.0, &x), -1);
	ck_assert_double_eq(x, 7);
}
END_TEST

/* k-anonymity of cohorts: k - 1 tenants get no answer. */
START_TEST(cohort_needs_k)
{
	static const struct {
		int n, k;
		bool ok;
	} cases[] = {
	    {4, 5, false}, {5, 5, true},    {6, 5, true},   {0, 5, false},
	    {1, 1, false}, {100, 1, false}, {9, 10, false}, {10, 10, true},
	};

	ck_assert(dpnoise_cohort_ok(cases[_i].n, cases[_i].k) == cases[_i].ok);
}
END_TEST

static Suite *
dp_noise_suite(void)
{
	Suite *s = suite_create("dpnoise");
	TCase *u = tcase_create("uniform");
	TCase *l = tcase_create("laplace");
	TCase *p = tcase_create("percentile");
	TCase *k = tcase_create("cohort");

	tcase_set_timeout(u, 120);
	tcase_set_timeout(l, 120);
	tcase_set_timeout(p, 120);
	tcase_add_test(u, uniform_open_interval);
	tcase_add_loop_test(l, laplace_matches_cdf, 0, 3);
	tcase_add_test(l, laplace_scale_and_mean);
	tcase_add_loop_test(l, tail_ratio_is_epsilon, 0, 3);
	tcase_add_loop_test(l, laplace_refuses_bad_scale, 0, 4);
	tcase_add_test(l, laplace_draws_differ);
	tcase_add_test(p, scale_of_percentile);
	tcase_add_test(p, percentile_clamped_and_rounded);
	tcase_add_test(p, percentile_refuses_bad_input);
	tcase_add_loop_test(k, cohort_needs_k, 0, 8);
	suite_add_tcase(s, u);
	suite_add_tcase(s, l);
	suite_add_tcase(s, p);
	suite_add_tcase(s, k);
	return s;
}

CHECK_MAIN(dp_noise_suite)
