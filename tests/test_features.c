/*
 * The initialisation's feature step under MPI (run on 1, 2 and 4 ranks): the
 * distributed PCA against a serial SVD of the same centred matrix, features
 * identical on every rank, scattering features equal to the serial
 * transform, and the spec checks (raw without PCA returns no copy; a shape or
 * dimension that does not fit fails with a message naming the flag).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <mixmate/util.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features/scattering.h"
#include "par/par.h"
#include "run/features.h"

/* LAPACK's SVD, the serial reference (a different algorithm from the
 * eigensolver under test); trailing hidden lengths of jobu and jobvt. */
void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a,
             const int *lda, double *s, double *u, const int *ldu, double *vt, const int *ldvt,
             double *work, const int *lwork, int *info, size_t, size_t);

/* S x M rows: a mean, plus rank-3 structure with distinct strengths, plus
 * small noise. The same on every rank. */
static float *low_rank_rows(int64_t S, int M, uint64_t seed)
{
    mm_rng r;
    mm_rng_seed(&r, seed, 901, 0);
    double *basis = malloc((size_t)3 * M * sizeof *basis), strength[3] = {6, 3, 1.5};
    for (int i = 0; i < 3 * M; i++)
        basis[i] = mm_rng_normal(&r) / sqrt(M);
    float *A = malloc((size_t)S * M * sizeof *A);
    for (int64_t i = 0; i < S; i++) {
        double c[3];
        for (int k = 0; k < 3; k++)
            c[k] = strength[k] * mm_rng_normal(&r);
        for (int m = 0; m < M; m++) {
            double v = 2.0 + 0.1 * m + 0.01 * mm_rng_normal(&r);
            for (int k = 0; k < 3; k++)
                v += c[k] * basis[k * M + m];
            A[i * M + m] = (float)v;
        }
    }
    free(basis);
    return A;
}

/* The D leading principal axes of A's centred rows (M x D, column k an axis)
 * from the left singular vectors of the M x S column-major view of A. */
static double *serial_axes(const float *A, int64_t S, int M, int D)
{
    double *B = malloc((size_t)S * M * sizeof *B), *mean = calloc(M, sizeof *mean);
    for (int64_t i = 0; i < S; i++)
        for (int m = 0; m < M; m++)
            mean[m] += A[i * M + m] / (double)S;
    for (int64_t i = 0; i < S; i++)
        for (int m = 0; m < M; m++)
            B[i * M + m] = A[i * M + m] - mean[m];

    int n = (int)S, k = M < n ? M : n, lwork = -1, info = 0, one = 1;
    double *sv = malloc(k * sizeof *sv), *U = malloc((size_t)M * k * sizeof *U), wq = 0, vt = 0;
    dgesvd_("S", "N", &M, &n, B, &M, sv, U, &M, &vt, &one, &wq, &lwork, &info, 1, 1);
    lwork = (int)wq;
    double *work = malloc(lwork * sizeof *work);
    dgesvd_("S", "N", &M, &n, B, &M, sv, U, &M, &vt, &one, work, &lwork, &info, 1, 1);
    assert_int_equal(info, 0);
    free(work), free(sv), free(mean), free(B);
    return U; /* the first D columns are the axes */
}

/* Every rank's F against rank 0's, bit for bit; the count of ranks that differ. */
static int64_t ranks_differing(const float *F, size_t n)
{
    float *root = malloc(n * sizeof *root);
    memcpy(root, F, n * sizeof *root);
    mm_par_bcast(root, n * sizeof *root, 0);
    int64_t differ = memcmp(root, F, n * sizeof *root) != 0;
    mm_par_sum_i64(&differ, 1);
    free(root);
    return differ;
}

static void test_pca_matches_serial_svd(void **state)
{
    (void)state;
    const int64_t S = 203;
    const int M = 12, D = 3;
    float *A = low_rank_rows(S, M, 5), *F = NULL;
    int got_d = 0;
    mm_features_spec spec = {.kind = MM_FEATURES_RAW, .pca = D};
    assert_int_equal(mm_features_compute(&spec, A, S, M, &F, &got_d), MM_OK);
    assert_int_equal(got_d, D);
    assert_int_equal(ranks_differing(F, (size_t)S * D), 0);

    /* Each feature column against the serial projection, sign-free: the
     * subspaces agree only if every column does. */
    double *U = serial_axes(A, S, M, D), mu[64] = {0}, worst = 0;
    for (int64_t i = 0; i < S; i++)
        for (int m = 0; m < M; m++)
            mu[m] += A[i * M + m] / (double)S;
    for (int k = 0; k < D; k++) {
        double plus = 0, minus = 0, norm = 0;
        for (int64_t i = 0; i < S; i++) {
            double ref = 0;
            for (int m = 0; m < M; m++)
                ref += (A[i * M + m] - mu[m]) * U[(size_t)k * M + m];
            plus += (F[i * D + k] - ref) * (F[i * D + k] - ref);
            minus += (F[i * D + k] + ref) * (F[i * D + k] + ref);
            norm += ref * ref;
        }
        worst = fmax(worst, sqrt(fmin(plus, minus) / norm));
    }
    mm_log0("  PCA on %d rank(s): worst relative column difference %.2e", mm_nranks(), worst);
    assert_true(worst < 1e-5);
    free(U), free(F), free(A);
}

static void test_scattering_features_equal_serial_transform(void **state)
{
    (void)state;
    const int64_t S = 11;
    const int H = 12, W = 10;
    float *X = low_rank_rows(S, H * W, 6), *F = NULL;
    int D = 0;
    mm_features_spec spec = {.kind = MM_FEATURES_SCATTERING, .image_h = H, .image_w = W};
    assert_int_equal(mm_features_compute(&spec, X, S, H * W, &F, &D), MM_OK);

    mm_scattering *s = NULL;
    assert_int_equal(mm_scattering_create(H, W, MM_FEATURES_SCALES, MM_FEATURES_ORIENTATIONS, &s),
                     MM_OK);
    assert_int_equal(D, (int)mm_scattering_size(s));
    assert_int_equal(D, 217 * 1 * 1);
    float *ref = malloc((size_t)S * D * sizeof *ref);
    mm_scattering_apply(s, X, S, ref);
    mm_scattering_normalise(s, ref, S);
    assert_memory_equal(F, ref, (size_t)S * D * sizeof *F);
    mm_scattering_free(s);

    /* Scattering then PCA: the same features on every rank. */
    float *G = NULL;
    spec.pca = 5;
    assert_int_equal(mm_features_compute(&spec, X, S, H * W, &G, &D), MM_OK);
    assert_int_equal(D, 5);
    assert_int_equal(ranks_differing(G, (size_t)S * D), 0);
    free(G), free(ref), free(F), free(X);
}

static void test_raw_without_pca_is_the_data(void **state)
{
    (void)state;
    float X[4 * 3] = {0};
    float *F = (float *)X;
    int D = 0;
    mm_features_spec spec = {.kind = MM_FEATURES_RAW, .pca = 0};
    assert_int_equal(mm_features_compute(&spec, X, 4, 3, &F, &D), MM_OK);
    assert_null(F);
    assert_int_equal(D, 3);
}

static void expect_usage_error(const mm_features_spec *spec, int64_t S, int M, const char *a,
                               const char *b)
{
    float *X = calloc((size_t)S * M, sizeof *X), *F = NULL;
    int D = 0;
    mm_error_clear();
    assert_int_equal(mm_features_compute(spec, X, S, M, &F, &D), MM_ERR_USAGE);
    assert_null(F);
    assert_non_null(strstr(mm_error_message(), a));
    assert_non_null(strstr(mm_error_message(), b));
    mm_error_clear();
    free(X);
}

static void test_specs_that_do_not_fit_fail(void **state)
{
    (void)state;
    mm_features_spec shape = {.kind = MM_FEATURES_SCATTERING, .image_h = 28, .image_w = 27};
    expect_usage_error(&shape, 5, 784, "--image-shape 28x27", "784");
    mm_features_spec tiny = {.kind = MM_FEATURES_SCATTERING, .image_h = 4, .image_w = 196};
    expect_usage_error(&tiny, 5, 784, "--image-shape 4x196", "8 x 8");
    mm_features_spec wide = {.kind = MM_FEATURES_RAW, .pca = 13};
    expect_usage_error(&wide, 50, 12, "--init-pca 13", "12 dimensions");
    mm_features_spec few = {.kind = MM_FEATURES_RAW, .pca = 6};
    expect_usage_error(&few, 5, 12, "--init-pca 6", "5 rows");
}

int main(int argc, char **argv)
{
    mm_par_init(&argc, &argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pca_matches_serial_svd),
        cmocka_unit_test(test_scattering_features_equal_serial_transform),
        cmocka_unit_test(test_raw_without_pca_is_the_data),
        cmocka_unit_test(test_specs_that_do_not_fit_fail),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    int64_t any = failed;
    mm_par_sum_i64(&any, 1);
    mm_par_finalize();
    return any != 0;
}
