/*
 * One batch through all K clusters: encode every cluster (OpenMP threads over
 * clusters, each with its own scratch), the softmax over clusters, and the
 * backward pass. Clusters are independent until the softmax, so threading
 * over them needs no reduction and keeps results bitwise independent of the
 * thread count; the cost is idle threads when K is not a multiple of them.
 */
#include <mixmate/kernels.h>
#include <mixmate/status.h>

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/real.h"

struct MM_R(mm_batch_ws) {
    mm_dims d;
    int max_batch;
    mm_kernel kernel;
    double *mom;     /* L momentum coefficients */
    mm_real *G, *H;  /* K x N x N */
    mm_real *C;      /* K x B x N */
    mm_real *U;      /* K x L x B x N */
    mm_real *X;      /* K x B x N */
    mm_real *E, *P;  /* B x K */
    mm_real *gE;     /* B x K */
    double *f;       /* B per-sample losses */
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
    ws->G = take(K * N * N, &ws->bytes, "Gram matrices");
    ws->H = take(K * N * N, &ws->bytes, "layer operators");
    ws->C = take(K * B * N, &ws->bytes, "correlations");
    ws->U = take(K * d->L * B * N, &ws->bytes, "FISTA activations");
    ws->X = take(K * B * N, &ws->bytes, "codes");
    ws->E = take(B * K, &ws->bytes, "energies");
    ws->P = take(B * K, &ws->bytes, "posteriors");
    ws->gE = take(B * K, &ws->bytes, "energy gradients");
    ws->f = mm_calloc(B, sizeof *ws->f, "per-sample losses");
    ws->work_per_thread = 4 * B * N + (kernel == MM_KERNEL_DATA ? 2 * B * M : 0);
    ws->work = take(ws->threads * ws->work_per_thread, &ws->bytes, "kernel scratch");
    return ws;
}

void MM_R(mm_batch_ws_free)(MM_R(mm_batch_ws) *ws)
{
    if (!ws)
        return;
    free(ws->work);
    free(ws->f);
    free(ws->gE);
    free(ws->P);
    free(ws->E);
    free(ws->X);
    free(ws->U);
    free(ws->C);
    free(ws->H);
    free(ws->G);
    free(ws->mom);
    free(ws);
}

/* The views of cluster k for a batch of B rows. */
static MM_R(mm_cluster) cluster_view(MM_R(mm_batch_ws) *ws, int k, const mm_real *W,
                                     const mm_real *Y, int B)
{
    const mm_dims *d = &ws->d;
    const size_t N = d->N, bn = (size_t)B * N;
    int tid = omp_get_thread_num();

    return (MM_R(mm_cluster)){
        .W = W + (size_t)k * d->M * N,
        .Y = Y,
        .G = ws->G + k * N * N,
        .H = ws->H + k * N * N,
        .C = ws->C + k * bn,
        .U = ws->U + k * bn * d->L,
        .X = ws->X + k * bn,
        .work = ws->work + tid * ws->work_per_thread,
        .E = ws->E + k,
        .estride = d->K,
        .B = B,
    };
}

static double encode(MM_R(mm_batch_ws) *ws, const mm_real *W, const mm_real *b,
                     const mm_real *Y, int B)
{
    const mm_dims *d = &ws->d;

    ws->last_batch = B;
    #pragma omp parallel for schedule(dynamic, 1)
    for (int k = 0; k < d->K; k++) {
        MM_R(mm_cluster) c = cluster_view(ws, k, W, Y, B);
        if (ws->kernel == MM_KERNEL_CODE)
            MM_R(mm_code_forward)(&c, d, ws->mom);
        else
            MM_R(mm_data_forward)(&c, d, ws->mom);
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

double MM_R(mm_batch_grad)(MM_R(mm_batch_ws) *ws, const mm_real *W, const mm_real *b,
                           const mm_real *Y, int B, double scale, mm_real *dW, mm_real *db)
{
    const mm_dims *d = &ws->d;
    double total = encode(ws, W, b, Y, B);

    MM_R(mm_attention_backward)(ws->E, ws->P, ws->f, B, d->K, scale, ws->gE, db);

    #pragma omp parallel for schedule(dynamic, 1)
    for (int k = 0; k < d->K; k++) {
        MM_R(mm_cluster) c = cluster_view(ws, k, W, Y, B);
        mm_real *dWk = dW + (size_t)k * d->M * d->N;
        if (ws->kernel == MM_KERNEL_CODE)
            MM_R(mm_code_backward)(&c, d, ws->mom, ws->gE + k, dWk);
        else
            MM_R(mm_data_backward)(&c, d, ws->mom, ws->gE + k, dWk);
    }
    return total;
}

const mm_real *MM_R(mm_batch_codes)(const MM_R(mm_batch_ws) *ws, int k)
{
    return ws->X + (size_t)k * ws->last_batch * ws->d.N;
}

#if MM_REAL_BITS == 32
size_t mm_batch_ws_bytes_f32(const mm_batch_ws_f32 *ws) { return ws->bytes; }

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
