/*
 * One batch through all K clusters: encode every cluster, the softmax over
 * clusters, and the backward pass. OpenMP threads take (cluster, chunk of
 * rows) pairs: clusters are independent until the softmax and rows are
 * independent within a cluster, so the only reduction is each chunk's N x N
 * share of dL/dG, summed in chunk order. The chunking depends on K and the
 * batch size, never on the thread count, so results are bitwise the same for
 * any number of threads. With K >= MIN_ITEMS a cluster is one chunk: larger
 * products run faster than more parallel slack would gain.
 */
#include <mixmate/kernels.h>
#include <mixmate/status.h>

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/real.h"

#define MIN_ITEMS 8       /* work items to aim for when K alone is fewer */
#define MIN_CHUNK_ROWS 32 /* rows below which a chunk's products get inefficient */

struct MM_R(mm_batch_ws) {
    mm_dims d;
    int max_batch;
    mm_kernel kernel;
    double *mom;     /* L momentum coefficients */
    mm_real *G, *H;  /* K x N x N */
    mm_real *gG;     /* K x max_chunks x N x N: chunk shares of dL/dG */
    int max_chunks;
    mm_real *C;      /* K x B x N */
    mm_real *U;      /* K x L x B x N */
    mm_real *X;      /* K x B x N */
    mm_real *E, *P;  /* B x K */
    mm_real *gE;     /* B x K */
    double *f;       /* B per-sample losses */
    double *yy;      /* B squared row norms, shared by all clusters */
    mm_real *work;   /* threads x work_per_thread */
    size_t work_per_thread;
    int threads;
    int last_batch;  /* rows of the last encode, which fixes the layout */
    size_t bytes;
};

static mm_real *take(size_t count, size_t *bytes, const char *what)
{
    *bytes += count * sizeof(mm_real);
    return mm_calloc(count, sizeof(mm_real), what);
}

MM_R(mm_batch_ws) *MM_R(mm_batch_ws_create)(const mm_dims *d, int max_batch, mm_kernel kernel)
{
    MM_R(mm_batch_ws) *ws = mm_calloc(1, sizeof *ws, "batch workspace");
    const size_t K = d->K, N = d->N, M = d->M, B = max_batch;

    ws->d = *d;
    ws->max_batch = max_batch;
    ws->kernel = kernel;
    ws->threads = omp_get_max_threads();
    ws->mom = mm_alloc(d->L * sizeof *ws->mom, "FISTA momenta");
    mm_fista_momentum(d->L, ws->mom);

    /* Cluster state lives across forward and backward; scratch is per thread. */
    ws->max_chunks = kernel == MM_KERNEL_CODE ? MIN_ITEMS : 1;
    ws->G = take(K * N * N, &ws->bytes, "Gram matrices");
    ws->gG = take(K * ws->max_chunks * N * N, &ws->bytes, "Gram gradients");
    ws->H = take(K * N * N, &ws->bytes, "layer operators");
    ws->C = take(K * B * N, &ws->bytes, "correlations");
    ws->U = take(K * d->L * B * N, &ws->bytes, "FISTA activations");
    ws->X = take(K * B * N, &ws->bytes, "codes");
    ws->E = take(B * K, &ws->bytes, "energies");
    ws->P = take(B * K, &ws->bytes, "posteriors");
    ws->gE = take(B * K, &ws->bytes, "energy gradients");
    ws->f = mm_calloc(B, sizeof *ws->f, "per-sample losses");
    ws->yy = mm_calloc(B, sizeof *ws->yy, "row norms");
    ws->work_per_thread = 4 * B * N + (kernel == MM_KERNEL_DATA ? 2 * B * M : 0);
    ws->work = take(ws->threads * ws->work_per_thread, &ws->bytes, "kernel scratch");
    return ws;
}

void MM_R(mm_batch_ws_free)(MM_R(mm_batch_ws) *ws)
{
    if (!ws)
        return;
    free(ws->work);
    free(ws->yy);
    free(ws->f);
    free(ws->gE);
    free(ws->P);
    free(ws->E);
    free(ws->X);
    free(ws->U);
    free(ws->C);
    free(ws->H);
    free(ws->gG);
    free(ws->G);
    free(ws->mom);
    free(ws);
}

/* Chunks per cluster for a batch of B rows; a function of K and B only. */
static int chunk_count(const MM_R(mm_batch_ws) *ws, int B)
{
    int want = (MIN_ITEMS + ws->d.K - 1) / ws->d.K;
    int fit = B / MIN_CHUNK_ROWS;
    int n = want < fit ? want : fit;
    n = n < ws->max_chunks ? n : ws->max_chunks;
    return n > 1 ? n : 1;
}

/* The view of cluster k, rows [r0, r1) of a batch of B rows. A cluster's
 * activations are stored chunk after chunk, each L x rows x N. */
static MM_R(mm_cluster) cluster_view(MM_R(mm_batch_ws) *ws, int k, int chunk, int r0, int r1,
                                     const mm_real *W, const mm_real *Y, int B)
{
    const mm_dims *d = &ws->d;
    const size_t N = d->N, bn = (size_t)B * N;
    int tid = omp_get_thread_num();

    return (MM_R(mm_cluster)){
        .W = W + (size_t)k * d->M * N,
        .Y = Y + (size_t)r0 * d->M,
        .G = ws->G + k * N * N,
        .H = ws->H + k * N * N,
        .gG = ws->gG + ((size_t)k * ws->max_chunks + chunk) * N * N,
        .C = ws->C + k * bn + (size_t)r0 * N,
        .U = ws->U + k * bn * d->L + (size_t)r0 * d->L * N,
        .X = ws->X + k * bn + (size_t)r0 * N,
        .work = ws->work + tid * ws->work_per_thread,
        .yy = ws->yy + r0,
        .E = ws->E + (size_t)r0 * d->K + k,
        .estride = d->K,
        .B = r1 - r0,
    };
}

/* Rows of chunk c of nc over B rows. */
static void chunk_rows(int B, int nc, int c, int *r0, int *r1)
{
    *r0 = (int)((long)B * c / nc);
    *r1 = (int)((long)B * (c + 1) / nc);
}

static double encode(MM_R(mm_batch_ws) *ws, const mm_real *W, const mm_real *b,
                     const mm_real *Y, int B)
{
    const mm_dims *d = &ws->d;
    const int nc = chunk_count(ws, B), code = ws->kernel == MM_KERNEL_CODE;

    ws->last_batch = B;
    #pragma omp parallel
    {
        #pragma omp for schedule(static)
        for (int r = 0; r < B; r++) {
            double s = 0;
            for (int m = 0; m < d->M; m++)
                s += (double)Y[(size_t)r * d->M + m] * Y[(size_t)r * d->M + m];
            ws->yy[r] = s;
        }
        if (code) {
            #pragma omp for schedule(static)
            for (int k = 0; k < d->K; k++) {
                MM_R(mm_cluster) c = cluster_view(ws, k, 0, 0, B, W, Y, B);
                MM_R(mm_code_prepare)(&c, d);
            }
        }
        #pragma omp for schedule(dynamic, 1)
        for (int item = 0; item < d->K * nc; item++) {
            int k = item / nc, r0, r1;
            chunk_rows(B, nc, item % nc, &r0, &r1);
            MM_R(mm_cluster) c = cluster_view(ws, k, item % nc, r0, r1, W, Y, B);
            if (code)
                MM_R(mm_code_forward)(&c, d, ws->mom);
            else
                MM_R(mm_data_forward)(&c, d, ws->mom);
        }
    }
    return MM_R(mm_attention_forward)(ws->E, b, B, d->K, ws->P, ws->f);
}

double MM_R(mm_batch_encode)(MM_R(mm_batch_ws) *ws, const mm_real *W, const mm_real *b,
                             const mm_real *Y, int B, mm_real *E, mm_real *P)
{
    const size_t bk = (size_t)B * ws->d.K;
    double total = encode(ws, W, b, Y, B);

    if (E)
        memcpy(E, ws->E, bk * sizeof *E);
    if (P)
        memcpy(P, ws->P, bk * sizeof *P);
    return total;
}

/* Code space: sum the chunks' dL/dG in chunk order, then the chain rule to W. */
static void finish_cluster(MM_R(mm_batch_ws) *ws, int k, int nc, const mm_real *W,
                           const mm_real *Y, int B, mm_real *dW)
{
    const size_t nn = (size_t)ws->d.N * ws->d.N;
    MM_R(mm_cluster) c = cluster_view(ws, k, 0, 0, B, W, Y, B);
    for (int j = 1; j < nc; j++)
        for (size_t i = 0; i < nn; i++)
            c.gG[i] += c.gG[(size_t)j * nn + i];
    MM_R(mm_code_finish)(&c, &ws->d, dW + (size_t)k * ws->d.M * ws->d.N);
}

double MM_R(mm_batch_grad)(MM_R(mm_batch_ws) *ws, const mm_real *W, const mm_real *b,
                           const mm_real *Y, int B, double scale, mm_real *dW, mm_real *db)
{
    const mm_dims *d = &ws->d;
    const int nc = chunk_count(ws, B), code = ws->kernel == MM_KERNEL_CODE;
    double total = encode(ws, W, b, Y, B);

    MM_R(mm_attention_backward)(ws->E, ws->P, ws->f, B, d->K, scale, ws->gE, db);

    #pragma omp parallel
    {
        #pragma omp for schedule(dynamic, 1)
        for (int item = 0; item < d->K * nc; item++) {
            int k = item / nc, r0, r1;
            chunk_rows(B, nc, item % nc, &r0, &r1);
            MM_R(mm_cluster) c = cluster_view(ws, k, item % nc, r0, r1, W, Y, B);
            const mm_real *gE = ws->gE + (size_t)r0 * d->K + k;
            if (code)
                MM_R(mm_code_backward)(&c, d, ws->mom, gE);
            else
                MM_R(mm_data_backward)(&c, d, ws->mom, gE, dW + (size_t)k * d->M * d->N);
        }
        if (code) {
            #pragma omp for schedule(static)
            for (int k = 0; k < d->K; k++)
                finish_cluster(ws, k, nc, W, Y, B, dW);
        }
    }
    return total;
}

const mm_real *MM_R(mm_batch_codes)(const MM_R(mm_batch_ws) *ws, int k)
{
    return ws->X + (size_t)k * ws->last_batch * ws->d.N;
}

#if MM_REAL_BITS == 32
size_t mm_batch_ws_bytes_f32(const mm_batch_ws_f32 *ws) { return ws->bytes; }

double mm_step_flops(const mm_dims *d, int B, mm_kernel kernel)
{
    double K = d->K, M = d->M, N = d->N, L = d->L;
    if (kernel == MM_KERNEL_DATA)
        return K * (14 * L + 8) * B * M * N;
    return K * (3 * M * N * N + 4 * B * M * N + 6 * L * B * N * N);
}

double mm_encode_flops(const mm_dims *d, int B, mm_kernel kernel)
{
    double K = d->K, M = d->M, N = d->N, L = d->L;
    if (kernel == MM_KERNEL_DATA)
        return K * (4 * L + 2) * B * M * N;
    return K * (M * N * N + 2 * B * M * N + 2 * L * B * N * N);
}

void mm_fista_momentum(int L, double *m)
{
    double t = 1.0;
    for (int l = 0; l < L; l++) {
        double t_next = (1.0 + sqrt(1.0 + 4.0 * t * t)) / 2.0;
        m[l] = (t - 1.0) / t_next;
        t = t_next;
    }
}
#endif
