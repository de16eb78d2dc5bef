/*
 * The precision switch of the kernel sources: each file that includes this
 * is compiled twice, with MM_REAL_BITS 32 and 64, so one text serves the fast
 * float path and the double path that finite differences can check.
 */
#ifndef MIXMATE_REAL_H
#define MIXMATE_REAL_H

#include <cblas.h>

#if MM_REAL_BITS == 64
typedef double mm_real;
#define MM_R(name) name##_f64
#define mm_cblas_gemm cblas_dgemm
#define mm_cblas_syrk cblas_dsyrk
#elif MM_REAL_BITS == 32
typedef float mm_real;
#define MM_R(name) name##_f32
#define mm_cblas_gemm cblas_sgemm
#define mm_cblas_syrk cblas_ssyrk
#else
#error "MM_REAL_BITS must be 32 or 64"
#endif

/* Row-major C = alpha op(A) op(B) + beta C with op(A) m x k, op(B) k x n. */
static inline void mm_gemm(int ta, int tb, int m, int n, int k, mm_real alpha, const mm_real *A,
                           int lda, const mm_real *B, int ldb, mm_real beta, mm_real *C, int ldc)
{
    mm_cblas_gemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                  m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* Row-major Gram matrix G = A^T A of an m x n matrix A: the upper triangle
 * by SYRK (half the flops of a GEMM), then mirrored. */
static inline void mm_gram(int m, int n, const mm_real *A, mm_real *G)
{
    mm_cblas_syrk(CblasRowMajor, CblasUpper, CblasTrans, n, m, 1, A, n, 0, G, n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            G[i * n + j] = G[j * n + i];
}

/* Arrays that vector loops stream through start on a 64-byte cache line, so
 * the blocks inside them span whole lines: count rounded up to 16 floats or
 * 8 doubles. */
static inline size_t mm_lines(size_t count)
{
    const size_t line = 64 / sizeof(mm_real);
    return (count + line - 1) / line * line;
}

/* One cluster's view of a block of B rows of the batch (all of it, or one
 * chunk when threads share a cluster's rows). */
typedef struct {
    const mm_real *W; /* M x N */
    const mm_real *Y; /* B x M, zero where a value is missing */
    const mm_real *mask; /* B x M: 1 observed, 0 missing; NULL when all are observed
                            (data space only) */
    mm_real *G;       /* N x N: W^T W (code space; shared by the chunks) */
    mm_real *H;       /* N x N: I - eta G (code space; shared by the chunks) */
    mm_real *gG;      /* N x N: this chunk's share of dL/dG (code space) */
    mm_real *C;       /* B x N: Y W, later its gradient */
    mm_real *U;       /* L x B x N: every layer's activations kept for the backward
                         pass: u_l (data space) or the codes x_1..x_{L-1} (code space) */
    int ring;         /* code space, no backward pass: U holds only two layers, in turn */
    mm_real *X;       /* B x N: final codes */
    mm_real *work;    /* per-thread scratch: 4 blocks of mm_lines(B N), then 2 B M
                         in data space */
    const double *yy; /* B: squared norms of the rows of Y */
    mm_real *E;       /* energies, element b at E[b * estride] */
    int estride;
    int B;
} MM_R(mm_cluster);

/* Code space: prepare G and H once per cluster and C for all clusters at
 * once (stacked.c), then run forward and backward per chunk; the chain rule
 * to W runs for all clusters at once on the chunks' dL/dG summed and
 * symmetrised. */
void MM_R(mm_code_prepare)(MM_R(mm_cluster) *c, const mm_dims *d);
void MM_R(mm_code_forward)(MM_R(mm_cluster) *c, const mm_dims *d, const double *mom);
void MM_R(mm_code_backward)(MM_R(mm_cluster) *c, const mm_dims *d, const double *mom,
                            const mm_real *gE);
void MM_R(mm_data_forward)(MM_R(mm_cluster) *c, const mm_dims *d, const double *mom);
void MM_R(mm_data_backward)(MM_R(mm_cluster) *c, const mm_dims *d, const double *mom,
                            const mm_real *gE, mm_real *dW);

/* All clusters at once, on the dictionaries stacked as one M x K N matrix Ws
 * and the batch's correlations as one B x K N matrix Cs (see stacked.c).
 * Stack rows m0..m1 of every W_k into Ws. */
void MM_R(mm_stack_dictionaries)(const mm_real *W, int K, int M, int N, int m0, int m1,
                                 mm_real *Ws);
/* Rows r0..r1 of C = Y W for all clusters into Cs, and copied to the
 * per-cluster B x N blocks C_k at C + k cstride. */
void MM_R(mm_stacked_correlations)(const mm_real *Y, const mm_real *Ws, int K, int M, int N,
                                   int r0, int r1, mm_real *Cs, mm_real *C, size_t cstride);
/* Rows r0..r1 of the per-cluster blocks C_k (at C + k cstride) into Cs. */
void MM_R(mm_stack_rows)(const mm_real *C, size_t cstride, int K, int N, int r0, int r1,
                         mm_real *Cs);
/* Features m0..m1 of dW_k += Y^T dC_k + W_k gG_k for every k, over the first
 * rows of Y and Cs; gG_k (symmetric) at gG + k gstride; dWs is M x K N
 * scratch. */
void MM_R(mm_stacked_dict_grad)(const mm_real *Y, const mm_real *Cs, const mm_real *Ws,
                                const mm_real *gG, size_t gstride, int K, int M, int N, int rows,
                                int m0, int m1, mm_real *dWs, mm_real *dW);

/* Softmax attention over clusters; see attention.c. */
double MM_R(mm_attention_forward)(const mm_real *E, const mm_real *b, int B, int K, mm_real *P,
                                  double *f);
void MM_R(mm_attention_backward)(const mm_real *E, const mm_real *P, const double *f, int B,
                                 int K, double scale, mm_real *gE, mm_real *db);

#endif
