/*
 * References shared by the kernel test programs: random problems, an exact
 * lasso solver that tries every support and sign pattern, and norms. All in
 * double precision, row-major like the kernels.
 */
#ifndef MIXMATE_TEST_SUPPORT_H
#define MIXMATE_TEST_SUPPORT_H

#include <mixmate/util.h>

#include <stddef.h>

/* K dictionaries (K x M x N) of standard normal entries with unit columns. */
double *random_dictionaries(int K, int M, int N, mm_rng *r);

/* count normal values times scale. */
double *random_matrix(size_t count, double scale, mm_rng *r);

double max_abs_diff(const double *a, const double *b, size_t n);
double norm2(const double *a, size_t n);

/* What FISTA minimises: 1/2 |y - W x|^2 + lambda |x|_1, W M x N. */
double lasso_objective(const double *W, const double *y, const double *x, int M, int N,
                       double lambda);

/* The exact minimiser of lasso_objective into best (N values), by trying all
 * 3^N supports and sign patterns; N is at most 8. */
void brute_force_lasso(const double *W, const double *y, int M, int N, double lambda,
                       double *best);

#endif
