/*
 * References shared by the kernel test programs. The lasso solver is exact
 * but costs 3^N small linear solves, so it only serves problems of a few
 * atoms.
 */
#include "test_support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double *random_dictionaries(int K, int M, int N, mm_rng *r)
{
    double *W = malloc((size_t)K * M * N * sizeof *W);
    for (int k = 0; k < K; k++)
        for (int n = 0; n < N; n++) {
            double ss = 0;
            for (int m = 0; m < M; m++) {
                double v = mm_rng_normal(r);
                W[((size_t)k * M + m) * N + n] = v;
                ss += v * v;
            }
            for (int m = 0; m < M; m++)
                W[((size_t)k * M + m) * N + n] /= sqrt(ss);
        }
    return W;
}

double *random_matrix(size_t count, double scale, mm_rng *r)
{
    double *a = malloc(count * sizeof *a);
    for (size_t i = 0; i < count; i++)
        a[i] = scale * mm_rng_normal(r);
    return a;
}

double max_abs_diff(const double *a, const double *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

double norm2(const double *a, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * a[i];
    return sqrt(s);
}

double lasso_objective(const double *W, const double *y, const double *x, int M, int N,
                       double lambda)
{
    double r2 = 0, l1 = 0;
    for (int m = 0; m < M; m++) {
        double r = y[m];
        for (int n = 0; n < N; n++)
            r -= W[(size_t)m * N + n] * x[n];
        r2 += r * r;
    }
    for (int n = 0; n < N; n++)
        l1 += fabs(x[n]);
    return 0.5 * r2 + lambda * l1;
}

/* Solve the n x n system A z = v in place by Gaussian elimination with pivoting. */
static int solve(double *A, double *v, int n)
{
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(A[r * n + c]) > fabs(A[p * n + c]))
                p = r;
        if (fabs(A[p * n + c]) < 1e-12)
            return -1;
        for (int j = 0; j < n; j++) {
            double t = A[c * n + j];
            A[c * n + j] = A[p * n + j];
            A[p * n + j] = t;
        }
        double t = v[c];
        v[c] = v[p];
        v[p] = t;
        for (int r = c + 1; r < n; r++) {
            double f = A[r * n + c] / A[c * n + c];
            for (int j = c; j < n; j++)
                A[r * n + j] -= f * A[c * n + j];
            v[r] -= f * v[c];
        }
    }
    for (int c = n - 1; c >= 0; c--) {
        for (int j = c + 1; j < n; j++)
            v[c] -= A[c * n + j] * v[j];
        v[c] /= A[c * n + c];
    }
    return 0;
}

void brute_force_lasso(const double *W, const double *y, int M, int N, double lambda,
                       double *best)
{
    double best_obj = INFINITY;
    int patterns = 1;
    for (int n = 0; n < N; n++)
        patterns *= 3;

    for (int p = 0; p < patterns; p++) {
        int sign[8], idx[8], s = 0;
        for (int n = 0, q = p; n < N; n++, q /= 3)
            if ((sign[n] = q % 3 - 1) != 0)
                idx[s++] = n;

        /* Stationarity on the support: W_S^T W_S x_S = W_S^T y - lambda sign_S. */
        double A[64], v[8], x[8] = {0};
        for (int i = 0; i < s; i++) {
            v[i] = -lambda * sign[idx[i]];
            for (int m = 0; m < M; m++)
                v[i] += W[(size_t)m * N + idx[i]] * y[m];
            for (int j = 0; j < s; j++) {
                A[i * s + j] = 0;
                for (int m = 0; m < M; m++)
                    A[i * s + j] += W[(size_t)m * N + idx[i]] * W[(size_t)m * N + idx[j]];
            }
        }
        if (s > 0 && solve(A, v, s) != 0)
            continue;
        int consistent = 1;
        for (int i = 0; i < s; i++) {
            consistent &= (v[i] > 0 ? 1 : -1) == sign[idx[i]];
            x[idx[i]] = v[i];
        }
        double obj = lasso_objective(W, y, x, M, N, lambda);
        if (consistent && obj < best_obj) {
            best_obj = obj;
            memcpy(best, x, (size_t)N * sizeof *x);
        }
    }
}
