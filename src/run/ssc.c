/*
 * Sparse subspace clustering by orthogonal matching pursuit (SSC-OMP; You,
 * Robinson and Vidal 2016): every point, scaled to unit norm, is coded by
 * at most `nonzero` other points, chosen greedily by their correlation with
 * the residual and refitted by least squares (LAPACK dgels) after each
 * choice. A point of a subspace is best explained by points of the same
 * subspace, so the codes connect points within subspaces.
 * Each rank codes its block of points, 64 at a time per thread: one SGEMM
 * scores all residuals of a block against all S points per step, so the
 * cost is 2 S^2 D nonzero / P flops per rank, 64 S floats per thread.
 */
#include "run/spectral.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "par/par.h"

#define SSC_BLOCK 64
/* Stop coding a point once its residual is below this share of its norm. */
#define SSC_RESIDUAL_TOL 1e-3
/* A best correlation below this means the residual is orthogonal to every point. */
#define SSC_MIN_CORRELATION 1e-7

typedef struct {
    const float *X;  /* S x D unit rows */
    int64_t S;
    int D, nonzero;
    float *R;        /* block x D residuals */
    float *G;        /* block x S correlations */
    double *A, *rhs; /* D x nonzero chosen points (column-major), D right-hand side */
    int *active;     /* block: still being coded */
} omp_state;

static float *unit_rows(const float *X, int64_t S, int D)
{
    float *Y = mm_alloc((size_t)S * D * sizeof *Y, "unit points");
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < S; i++) {
        double ss = 0;
        for (int d = 0; d < D; d++)
            ss += (double)X[i * D + d] * X[i * D + d];
        float inv = ss > 0 ? (float)(1.0 / sqrt(ss)) : 0.0f;
        for (int d = 0; d < D; d++)
            Y[i * D + d] = X[i * D + d] * inv;
    }
    return Y;
}

/* The point most correlated with row r's residual, not yet chosen and not
 * point i itself; -1 when none correlates at all. */
static int64_t best_atom(const omp_state *s, int r, int64_t i, const int32_t *chosen, int t)
{
    const float *g = s->G + (size_t)r * s->S;
    int64_t best = -1;
    float best_c = (float)SSC_MIN_CORRELATION;
    for (int64_t j = 0; j < s->S; j++) {
        float c = fabsf(g[j]);
        if (c <= best_c || j == i)
            continue;
        int taken = 0;
        for (int a = 0; a < t && !taken; a++)
            taken = chosen[a] == j;
        if (!taken)
            best = j, best_c = c;
    }
    return best;
}

/* Least squares of point i on its t chosen points; coefficients into val,
 * the residual into R's row r. Returns the residual norm, or -1 when the
 * chosen points are linearly dependent. */
static double refit(omp_state *s, int r, int64_t i, const int32_t *chosen, int t, float *val)
{
    const int D = s->D;
    for (int a = 0; a < t; a++)
        for (int d = 0; d < D; d++)
            s->A[(size_t)a * D + d] = s->X[(size_t)chosen[a] * D + d];
    for (int d = 0; d < D; d++)
        s->rhs[d] = s->X[(size_t)i * D + d];
    if (LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', D, t, 1, s->A, D, s->rhs, D) != 0)
        return -1;

    /* r = x_i - sum_a c_a x_a, in double. */
    double ss = 0;
    for (int d = 0; d < D; d++) {
        double v = s->X[(size_t)i * D + d];
        for (int a = 0; a < t; a++)
            v -= s->rhs[a] * s->X[(size_t)chosen[a] * D + d];
        s->R[(size_t)r * D + d] = (float)v;
        ss += v * v;
    }
    for (int a = 0; a < t; a++)
        val[a] = (float)fabs(s->rhs[a]);
    return sqrt(ss);
}

/* OMP on points [b0, b1): all residuals scored at once, one atom per step. */
static void code_block(omp_state *s, int64_t b0, int64_t b1, mm_graph_rows *out)
{
    const int D = s->D, rows = (int)(b1 - b0), w = out->width;
    memcpy(s->R, s->X + b0 * D, (size_t)rows * D * sizeof *s->R);
    for (int r = 0; r < rows; r++)
        s->active[r] = 1;

    for (int t = 0; t < s->nonzero; t++) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, (int)s->S, D, 1.0f, s->R,
                    D, s->X, D, 0.0f, s->G, (int)s->S);
        for (int r = 0; r < rows; r++) {
            if (!s->active[r])
                continue;
            int64_t i = b0 + r;
            int32_t *chosen = out->col + i * w;
            int64_t j = best_atom(s, r, i, chosen, t);
            if (j < 0) {
                s->active[r] = 0;
                continue;
            }

            /* Keep the new point only if the refit succeeds. */
            chosen[t] = (int32_t)j;
            double res = refit(s, r, i, chosen, t + 1, out->val + i * w);
            if (res < 0) {
                chosen[t] = -1;
                if (t > 0)
                    refit(s, r, i, chosen, t, out->val + i * w);
            }
            s->active[r] = res >= SSC_RESIDUAL_TOL;
        }
    }
}

void mm_ssc_rows(const float *X, int64_t S, int D, int nonzero, mm_graph_rows *out)
{
    float *Y = unit_rows(X, S, D);
    int64_t lo, hi;
    mm_block_range(S, mm_rank(), mm_nranks(), &lo, &hi);
    int width = nonzero < D ? nonzero : D;
    width = width < S - 1 ? width : (int)(S - 1);
    mm_graph_rows_alloc(out, S, width);

    const int64_t blocks = (hi - lo + SSC_BLOCK - 1) / SSC_BLOCK;
    #pragma omp parallel
    {
        omp_state s = {.X = Y, .S = S, .D = D, .nonzero = width};
        s.R = mm_alloc((size_t)SSC_BLOCK * D * sizeof *s.R, "OMP residuals");
        s.G = mm_alloc((size_t)SSC_BLOCK * S * sizeof *s.G, "OMP correlations");
        s.A = mm_alloc((size_t)D * width * sizeof *s.A, "OMP least squares");
        s.rhs = mm_alloc((size_t)D * sizeof *s.rhs, "OMP right-hand side");
        s.active = mm_alloc(SSC_BLOCK * sizeof *s.active, "OMP flags");
        #pragma omp for schedule(dynamic)
        for (int64_t b = 0; b < blocks; b++) {
            int64_t b0 = lo + b * SSC_BLOCK;
            code_block(&s, b0, b0 + SSC_BLOCK < hi ? b0 + SSC_BLOCK : hi, out);
        }
        free(s.active);
        free(s.rhs);
        free(s.A);
        free(s.G);
        free(s.R);
    }

    mm_graph_rows_gather(out, lo, hi);
    free(Y);
}
