/*
 * Distributed PCA for the initialisation's features. Each rank centres its
 * slice of the rows and adds its part of the covariance (DSYRK in blocks of
 * rows, in double); one sum over ranks gives the whole covariance, rank 0
 * finds the leading eigenvectors with LAPACK's DSYEVR and broadcasts them,
 * each rank projects its slice and a gather assembles the result.
 * Limit: the M x M covariance is held whole on every rank (8 M^2 bytes) and
 * its eigenvectors are found by one process, which suits M up to about 10^4.
 */
#include "run/pca.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "par/par.h"

#define CHUNK 256 /* rows converted to double at a time */

/* LAPACK's symmetric eigensolver (MRRR); the trailing arguments are the
 * hidden lengths of the three character arguments. */
void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
             const int *lda, const double *vl, const double *vu, const int *il, const int *iu,
             const double *abstol, int *m, double *w, double *z, const int *ldz, int *isuppz,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t,
             size_t, size_t);

/* Rows [row0, row0 + r) of A minus the mean, in double. */
static void centred_rows(const float *A, const double *mean, int64_t row0, int r, int M,
                         double *B)
{
    for (int i = 0; i < r; i++)
        for (int m = 0; m < M; m++)
            B[(size_t)i * M + m] = A[(size_t)(row0 + i) * M + m] - mean[m];
}

/* Mean (M) and covariance sum (M x M, upper triangle in row-major order) of
 * all S rows, each rank adding its slice [lo, hi). */
static void covariance(const float *A, int64_t S, int M, int64_t lo, int64_t hi, double *mean,
                       double *C)
{
    memset(mean, 0, (size_t)M * sizeof *mean);
    for (int64_t i = lo; i < hi; i++)
        for (int m = 0; m < M; m++)
            mean[m] += A[(size_t)i * M + m];
    mm_par_sum_double(mean, (size_t)M);
    for (int m = 0; m < M; m++)
        mean[m] /= (double)S;

    double *B = mm_alloc((size_t)CHUNK * M * sizeof *B, "PCA row block");
    memset(C, 0, (size_t)M * M * sizeof *C);
    for (int64_t i = lo; i < hi; i += CHUNK) {
        int r = hi - i < CHUNK ? (int)(hi - i) : CHUNK;
        centred_rows(A, mean, i, r, M, B);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, M, r, 1.0, B, M, 1.0, C, M);
    }
    free(B);
    mm_par_sum_double(C, (size_t)M * M);
}

/* The D leading eigenvectors of C into V (M x D, row-major), largest first,
 * signs fixed; C is destroyed. Row-major upper is column-major lower. */
static mm_status leading_eigenvectors(double *C, int M, int D, double *V)
{
    int il = M - D + 1, iu = M, found = 0, info = 0, lwork = -1, liwork = -1, iw = 0;
    double unused = 0, abstol = 0, wq = 0;
    double *w = mm_alloc((size_t)M * sizeof *w, "PCA eigenvalues");
    double *Z = mm_alloc((size_t)M * D * sizeof *Z, "PCA eigenvectors");
    int *isuppz = mm_alloc((size_t)2 * M * sizeof *isuppz, "PCA eigenvector supports");

    dsyevr_("V", "I", "L", &M, C, &M, &unused, &unused, &il, &iu, &abstol, &found, w, Z, &M,
            isuppz, &wq, &lwork, &iw, &liwork, &info, 1, 1, 1);
    lwork = (int)wq, liwork = iw;
    double *work = mm_alloc((size_t)lwork * sizeof *work, "PCA eigensolver workspace");
    int *iwork = mm_alloc((size_t)liwork * sizeof *iwork, "PCA eigensolver workspace");
    if (info == 0)
        dsyevr_("V", "I", "L", &M, C, &M, &unused, &unused, &il, &iu, &abstol, &found, w, Z,
                &M, isuppz, work, &lwork, iwork, &liwork, &info, 1, 1, 1);

    /* Ascending from LAPACK; largest first here, entry of largest magnitude positive. */
    for (int k = 0; k < D && info == 0; k++) {
        const double *z = Z + (size_t)(D - 1 - k) * M;
        int big = 0;
        for (int m = 1; m < M; m++)
            if (fabs(z[m]) > fabs(z[big]))
                big = m;
        double sign = z[big] < 0 ? -1.0 : 1.0;
        for (int m = 0; m < M; m++)
            V[(size_t)m * D + k] = sign * z[m];
    }
    free(iwork), free(work), free(isuppz), free(Z), free(w);
    if (info != 0 || found != D)
        return mm_fail(MM_ERR_INTERNAL, "LAPACK dsyevr failed on the %d x %d feature covariance "
                                        "(info %d, %d of %d eigenvectors)", M, M, info, found, D);
    return MM_OK;
}

/* Rows [lo, hi) of A, centred and projected onto V, into out ((hi - lo) x D). */
static void project(const float *A, const double *mean, const double *V, int64_t lo,
                    int64_t hi, int M, int D, float *out)
{
    double *B = mm_alloc((size_t)CHUNK * M * sizeof *B, "PCA row block");
    double *P = mm_alloc((size_t)CHUNK * D * sizeof *P, "PCA projections");
    for (int64_t i = lo; i < hi; i += CHUNK) {
        int r = hi - i < CHUNK ? (int)(hi - i) : CHUNK;
        centred_rows(A, mean, i, r, M, B);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r, D, M, 1.0, B, M, V, D, 0.0,
                    P, D);
        for (size_t k = 0; k < (size_t)r * D; k++)
            out[(size_t)(i - lo) * D + k] = (float)P[k];
    }
    free(P);
    free(B);
}

mm_status mm_pca_project(const float *A, int64_t S, int M, int D, float **out)
{
    int64_t lo, hi;
    mm_block_range(S, mm_rank(), mm_nranks(), &lo, &hi);
    double *mean = mm_alloc((size_t)M * sizeof *mean, "PCA mean");
    double *C = mm_alloc((size_t)M * M * sizeof *C, "PCA covariance");
    double *V = mm_alloc((size_t)M * D * sizeof *V, "PCA axes");
    covariance(A, S, M, lo, hi, mean, C);

    /* One eigensolve, so that every rank projects onto the very same axes. */
    mm_status st = mm_rank() == 0 ? leading_eigenvectors(C, M, D, V) : MM_OK;
    free(C);
    st = mm_par_agree(st);
    if (st != MM_OK) {
        free(V), free(mean);
        return st;
    }
    mm_par_bcast(V, (size_t)M * D * sizeof *V, 0);

    float *mine = mm_alloc((size_t)(hi - lo) * D * sizeof *mine, "PCA features of this rank");
    project(A, mean, V, lo, hi, M, D, mine);
    *out = mm_alloc((size_t)S * D * sizeof **out, "PCA features");
    mm_par_allgather_float(mine, (size_t)(hi - lo) * D, *out);
    free(mine), free(V), free(mean);
    return MM_OK;
}
