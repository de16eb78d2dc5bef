/*
 * The two largest products of a code-space step, for all K clusters at once:
 * C = Y W and dW's share Y^T dC. With the dictionaries stacked side by side
 * as one M x K N matrix they are single B x M x K N products, which OpenBLAS
 * runs near its large-matrix rate, where K products N columns wide run at
 * about two thirds of it. The price is three copies per step, each of one
 * model or batch-by-model block: stacking W, and moving C and dC between the
 * stacked and the per-cluster layouts.
 *
 * Work is split into blocks of rows (of the batch, or of the features for
 * dW) whose bounds depend only on the sizes, never on the thread count.
 */
#include <mixmate/kernels.h>

#include "kernels/real.h"

void MM_R(mm_stack_dictionaries)(const mm_real *W, int K, int M, int N, int m0, int m1,
                                 mm_real *Ws)
{
    const size_t kn = (size_t)K * N;

    for (int m = m0; m < m1; m++)
        for (int k = 0; k < K; k++) {
            const mm_real *restrict src = W + ((size_t)k * M + m) * N;
            mm_real *restrict dst = Ws + m * kn + (size_t)k * N;
            #pragma omp simd
            for (int n = 0; n < N; n++)
                dst[n] = src[n];
        }
}

void MM_R(mm_stacked_correlations)(const mm_real *Y, const mm_real *Ws, int K, int M, int N,
                                   int r0, int r1, mm_real *Cs, mm_real *C, size_t cstride)
{
    const size_t kn = (size_t)K * N;

    /* Rows r0..r1 of Y [W_1 ... W_K], then each cluster's columns to its block. */
    mm_gemm(0, 0, r1 - r0, (int)kn, M, 1, Y + (size_t)r0 * M, M, Ws, (int)kn, 0,
            Cs + r0 * kn, (int)kn);
    for (int r = r0; r < r1; r++)
        for (int k = 0; k < K; k++) {
            const mm_real *restrict src = Cs + r * kn + (size_t)k * N;
            mm_real *restrict dst = C + k * cstride + (size_t)r * N;
            #pragma omp simd
            for (int n = 0; n < N; n++)
                dst[n] = src[n];
        }
}

void MM_R(mm_stack_rows)(const mm_real *C, size_t cstride, int K, int N, int r0, int r1,
                         mm_real *Cs)
{
    const size_t kn = (size_t)K * N;

    for (int r = r0; r < r1; r++)
        for (int k = 0; k < K; k++) {
            const mm_real *restrict src = C + k * cstride + (size_t)r * N;
            mm_real *restrict dst = Cs + r * kn + (size_t)k * N;
            #pragma omp simd
            for (int n = 0; n < N; n++)
                dst[n] = src[n];
        }
}

void MM_R(mm_stacked_dict_grad)(const mm_real *Y, const mm_real *Cs, const mm_real *Ws,
                                const mm_real *gG, size_t gstride, int K, int M, int N, int rows,
                                int m0, int m1, mm_real *dWs, mm_real *dW)
{
    const size_t kn = (size_t)K * N;
    mm_real *block = dWs + m0 * kn;

    /* Features m0..m1 of Y^T dC for all clusters, then each cluster's
     * W (dG + dG^T) on the same rows, then the sum into dW. */
    mm_gemm(1, 0, m1 - m0, (int)kn, rows, 1, Y + m0, M, Cs, (int)kn, 0, block, (int)kn);
    for (int k = 0; k < K; k++)
        mm_gemm(0, 0, m1 - m0, N, N, 1, Ws + m0 * kn + (size_t)k * N, (int)kn, gG + k * gstride,
                N, 1, block + (size_t)k * N, (int)kn);
    for (int m = m0; m < m1; m++)
        for (int k = 0; k < K; k++) {
            const mm_real *restrict src = dWs + m * kn + (size_t)k * N;
            mm_real *restrict dst = dW + ((size_t)k * M + m) * N;
            #pragma omp simd
            for (int n = 0; n < N; n++)
                dst[n] += src[n];
        }
}
