/*
 * k nearest neighbours of every point of the initialisation subset, by
 * |cos| or by Euclidean distance. Each rank takes its block of points and
 * scores blocks of 64 of them against all S points with one SGEMM, then
 * keeps the best knn of each row in a sorted list. Cost 2 S^2 D / P flops
 * per rank, and 64 S floats per thread; no rank ever forms the S x S matrix.
 * Ties go to the lower index, so the lists do not depend on the thread
 * count.
 */
#include "run/spectral.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "par/par.h"

#define KNN_BLOCK 64

/* Insert (j, score) into the sorted best-first list of length len < cap or
 * over its worst entry; `better` is score > other for |cos|, < for distance. */
static int insert_sorted(int32_t *col, float *val, int len, int cap, int32_t j, float score,
                         int larger_better)
{
    int pos = len < cap ? len : cap - 1;
    if (len == cap && !(larger_better ? score > val[pos] : score < val[pos]))
        return len;
    while (pos > 0 && (larger_better ? score > val[pos - 1] : score < val[pos - 1])) {
        col[pos] = col[pos - 1];
        val[pos] = val[pos - 1];
        pos--;
    }
    col[pos] = j;
    val[pos] = score;
    return len < cap ? len + 1 : len;
}

/* Unit rows for |cos| (zero rows stay zero), squared norms for distances. */
static float *prepare(const float *X, int64_t S, int D, mm_affinity affinity, float *xx)
{
    float *Y = mm_alloc((size_t)S * D * sizeof *Y, "neighbour search points");
    memcpy(Y, X, (size_t)S * D * sizeof *Y);
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < S; i++) {
        double ss = 0;
        for (int d = 0; d < D; d++)
            ss += (double)Y[i * D + d] * Y[i * D + d];
        xx[i] = (float)ss;
        if (affinity == MM_AFFINITY_COSINE) {
            float inv = ss > 0 ? (float)(1.0 / sqrt(ss)) : 0.0f;
            for (int d = 0; d < D; d++)
                Y[i * D + d] *= inv;
        }
    }
    return Y;
}

/* The rows of points [b0, b1) from their products G with all points. */
static void select_rows(const float *G, const float *xx, int64_t S, int64_t b0, int64_t b1,
                        mm_affinity affinity, mm_graph_rows *out)
{
    const int knn = out->width, larger = affinity == MM_AFFINITY_COSINE;
    for (int64_t i = b0; i < b1; i++) {
        const float *g = G + (size_t)(i - b0) * S;
        int32_t *col = out->col + i * knn;
        float *val = out->val + i * knn;
        int len = 0;
        for (int64_t j = 0; j < S; j++) {
            if (j == i)
                continue;
            float score = larger ? fabsf(g[j]) : fmaxf(xx[i] + xx[j] - 2.0f * g[j], 0.0f);
            len = insert_sorted(col, val, len, knn, (int32_t)j, score, larger);
        }
    }
}

void mm_knn_rows(const float *X, int64_t S, int D, int knn, mm_affinity affinity,
                 mm_graph_rows *out)
{
    float *xx = mm_alloc((size_t)S * sizeof *xx, "squared norms");
    float *Y = prepare(X, S, D, affinity, xx);
    int64_t lo, hi;
    mm_block_range(S, mm_rank(), mm_nranks(), &lo, &hi);
    mm_graph_rows_alloc(out, S, knn);

    /* This rank's points in fixed blocks, each scored against all points. */
    const int64_t blocks = (hi - lo + KNN_BLOCK - 1) / KNN_BLOCK;
    #pragma omp parallel
    {
        float *G = mm_alloc((size_t)KNN_BLOCK * S * sizeof *G, "neighbour scores");
        #pragma omp for schedule(dynamic)
        for (int64_t b = 0; b < blocks; b++) {
            int64_t b0 = lo + b * KNN_BLOCK, b1 = b0 + KNN_BLOCK < hi ? b0 + KNN_BLOCK : hi;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(b1 - b0), (int)S, D,
                        1.0f, Y + b0 * D, D, Y, D, 0.0f, G, (int)S);
            select_rows(G, xx, S, b0, b1, affinity, out);
        }
        free(G);
    }

    mm_graph_rows_gather(out, lo, hi);
    free(Y);
    free(xx);
}
