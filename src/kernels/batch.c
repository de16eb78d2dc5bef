/*
 * One batch through all K clusters: encode every cluster, the softmax over
 * clusters, and the backward pass. OpenMP threads take (cluster, chunk of
 * rows) pairs: clusters are independent until the softmax and rows are
 * independent within a cluster, so the only reduction is each chunk's N x N
 * share of dL/dG, summed in chunk order. The chunking depends on K and the
 * batch size, never on the thread count, so results are bitwise the same for
 * any number of threads. With K >= MIN_ITEMS a cluster is one chunk: larger
 * products run faster than more parallel slack would gain. The products for
 * all clusters at once (stacked.c) run between these items, split into
 * blocks of rows or features that depend on the sizes alone.
 *
 * Samples with missing values (NaN) take the masked data-space path. A batch
 * holding any is rearranged, complete rows first, into the workspace's own
 * copy (missing values zeroed, a 0/1 mask beside it): the complete rows keep
 * the code-space path, the rest form one data-space item per cluster. That
 * item is not split over threads (its gradient goes straight to dW), so
 * batches that are mostly incomplete parallelise over clusters only.
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
#define ROW_BLOCK 128     /* rows per block of the stacked C = Y W */
#define FEATURE_BLOCK 192 /* features per block of the stacked Y^T dC */

struct MM_R(mm_batch_ws) {
    mm_dims d;
    int max_batch;
    mm_kernel kernel;
    double *mom;     /* L momentum coefficients */
    mm_real *G, *H;  /* K x N x N */
    mm_real *gG;     /* K x max_chunks x N x N: chunk shares of dL/dG */
    int max_chunks;
    mm_real *C;      /* K x B x N */
    mm_real *Ws;     /* M x K N: the dictionaries stacked (code space) */
    mm_real *Cs;     /* B x K N: C or dC of all clusters side by side (code space) */
    mm_real *dWs;    /* M x K N: dW's share of the stacked products (code space) */
    mm_real *U;      /* K x L x B x N */
    mm_real *X;      /* K x B x N */
    mm_real *E, *P;  /* B x K */
    mm_real *gE;     /* B x K */
    double *f;       /* B per-sample losses */
    double *yy;      /* B squared row norms, shared by all clusters */
    mm_real *Yp;     /* B x M: the batch rearranged, missing values zeroed */
    mm_real *mask;   /* B x M: 1 observed, 0 missing, for the rearranged rows */
    int *perm;       /* B: the batch row at each position of the rearranged batch */
    int *pos;        /* B: the position of each batch row */
    mm_real *Xout;   /* K x B x N: codes in batch order when rearranged */
    int complete;    /* rows on the code-space path (all when none is missing) */
    int rearranged;  /* the last batch held missing values */
    int keep;        /* the last encode kept every layer for a backward pass */
    const mm_real *Yuse; /* the rows the kernels read: the caller's or Yp */
    mm_real *work;   /* threads x work_per_thread */
    size_t work_per_thread;
    int threads;
    int last_batch;  /* rows of the last encode, which fixes the layout */
    size_t bytes;
};

static mm_real *take(size_t count, size_t *bytes, const char *what)
{
    *bytes += count * sizeof(mm_real);
    return mm_calloc_aligned(count, sizeof(mm_real), what);
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
    ws->C = take(K * mm_lines(B * N), &ws->bytes, "correlations");
    if (kernel == MM_KERNEL_CODE) {
        ws->Ws = take(M * K * N, &ws->bytes, "stacked dictionaries");
        ws->Cs = take(B * K * N, &ws->bytes, "stacked correlations");
        ws->dWs = take(M * K * N, &ws->bytes, "stacked dictionary gradients");
    }
    ws->U = take(K * d->L * mm_lines(B * N), &ws->bytes, "FISTA activations");
    ws->X = take(K * mm_lines(B * N), &ws->bytes, "codes");
    ws->E = take(B * K, &ws->bytes, "energies");
    ws->P = take(B * K, &ws->bytes, "posteriors");
    ws->gE = take(B * K, &ws->bytes, "energy gradients");
    ws->f = mm_calloc(B, sizeof *ws->f, "per-sample losses");
    ws->yy = mm_calloc(B, sizeof *ws->yy, "row norms");
    ws->Yp = take(B * M, &ws->bytes, "rearranged batch");
    ws->mask = take(B * M, &ws->bytes, "missing-value mask");
    ws->Xout = take(K * mm_lines(B * N), &ws->bytes, "codes in batch order");
    ws->perm = mm_calloc(B, sizeof *ws->perm, "batch order");
    ws->pos = mm_calloc(B, sizeof *ws->pos, "batch positions");
    ws->work_per_thread = mm_lines(4 * mm_lines(B * N) + 2 * B * M);
    ws->work = take(ws->threads * ws->work_per_thread, &ws->bytes, "kernel scratch");
    return ws;
}

void MM_R(mm_batch_ws_free)(MM_R(mm_batch_ws) *ws)
{
    if (!ws)
        return;
    mm_free_aligned(ws->work);
    free(ws->pos);
    free(ws->perm);
    mm_free_aligned(ws->Xout);
    mm_free_aligned(ws->mask);
    mm_free_aligned(ws->Yp);
    free(ws->yy);
    free(ws->f);
    mm_free_aligned(ws->gE);
    mm_free_aligned(ws->P);
    mm_free_aligned(ws->E);
    mm_free_aligned(ws->X);
    mm_free_aligned(ws->U);
    mm_free_aligned(ws->dWs);
    mm_free_aligned(ws->Cs);
    mm_free_aligned(ws->Ws);
    mm_free_aligned(ws->C);
    mm_free_aligned(ws->H);
    mm_free_aligned(ws->gG);
    mm_free_aligned(ws->G);
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

/* Distance between the B x N blocks of two clusters: whole cache lines. */
static size_t cluster_stride(const MM_R(mm_batch_ws) *ws, int B)
{
    return mm_lines((size_t)B * ws->d.N);
}

/* The view of cluster k, rows [r0, r1) of a batch of B rows. A cluster's
 * activations are stored chunk after chunk, each L x rows x N. */
static MM_R(mm_cluster) cluster_view(MM_R(mm_batch_ws) *ws, int k, int chunk, int r0, int r1,
                                     const mm_real *W, int B, int masked)
{
    const mm_real *Y = ws->Yuse;
    const mm_dims *d = &ws->d;
    const size_t N = d->N, cs = cluster_stride(ws, B);
    int tid = omp_get_thread_num();

    return (MM_R(mm_cluster)){
        .W = W + (size_t)k * d->M * N,
        .Y = Y + (size_t)r0 * d->M,
        .mask = masked ? ws->mask + (size_t)r0 * d->M : NULL,
        .G = ws->G + k * N * N,
        .H = ws->H + k * N * N,
        .gG = ws->gG + ((size_t)k * ws->max_chunks + chunk) * N * N,
        .C = ws->C + k * cs + (size_t)r0 * N,
        .U = ws->U + k * cs * d->L + (size_t)r0 * d->L * N,
        .X = ws->X + k * cs + (size_t)r0 * N,
        .work = ws->work + tid * ws->work_per_thread,
        .yy = ws->yy + r0,
        .E = ws->E + (size_t)r0 * d->K + k,
        .estride = d->K,
        .B = r1 - r0,
    };
}

/* Rows of chunk c of nc over B rows: boundaries at multiples of 16 rows
 * (whole cache lines for any N), the last chunk taking the remainder. */
static int chunk_start(int B, int nc, int c)
{
    if (c >= nc)
        return B;
    int r = (int)(((long)B * c / nc + 8) / 16 * 16);
    return r < B ? r : B;
}

static void chunk_rows(int B, int nc, int c, int *r0, int *r1)
{
    *r0 = chunk_start(B, nc, c);
    *r1 = chunk_start(B, nc, c + 1);
}

/* Point the kernels at the caller's rows, or, when some hold missing values,
 * at a copy with complete rows first and a mask for the others. The data-space
 * variant keeps batch order and masks every row. */
static void arrange(MM_R(mm_batch_ws) *ws, const mm_real *Y, int B)
{
    const int M = ws->d.M, code = ws->kernel == MM_KERNEL_CODE;
    int complete = 0, incomplete = 0;

    /* A whole row at a time, in vector lanes (NaN is the one value that
     * differs from itself), rather than stopping at the first NaN. */
    for (int r = 0; r < B; r++) {
        const mm_real *y = Y + (size_t)r * M;
        int missing = 0;
        #pragma omp simd reduction(| : missing)
        for (int m = 0; m < M; m++)
            missing |= y[m] != y[m];
        ws->pos[r] = missing ? -1 : complete++;
    }
    ws->complete = complete;
    ws->rearranged = complete < B;
    ws->Yuse = Y;
    if (!ws->rearranged)
        return;

    for (int r = 0; r < B; r++) {
        if (!code)
            ws->pos[r] = r;
        else if (ws->pos[r] < 0)
            ws->pos[r] = complete + incomplete++;
        ws->perm[ws->pos[r]] = r;
    }
    for (int p = 0; p < B; p++) {
        const mm_real *y = Y + (size_t)ws->perm[p] * M;
        mm_real *yp = ws->Yp + (size_t)p * M, *mp = ws->mask + (size_t)p * M;
        for (int m = 0; m < M; m++) {
            int seen = !isnan(y[m]);
            yp[m] = seen ? y[m] : 0;
            mp[m] = (mm_real)seen;
        }
    }
    ws->Yuse = ws->Yp;
    if (!code)
        ws->complete = 0;
}

/* The work items of a batch: K x nc code-space chunks of the complete rows,
 * then one masked data-space item per cluster for the rest (or, for the
 * data-space variant, one item per cluster for all rows). */
typedef struct {
    int nc;       /* chunks per cluster of the first segment */
    int split;    /* rows of the first segment */
    int items;
} layout;

static layout plan(const MM_R(mm_batch_ws) *ws, int B)
{
    layout t = {0, 0, 0};
    if (ws->kernel == MM_KERNEL_CODE) {
        t.split = ws->complete;
        t.nc = t.split > 0 ? chunk_count(ws, t.split) : 0;
    }
    t.items = ws->d.K * (t.nc + (t.split < B));
    return t;
}

/* Item i of the layout: its cluster, chunk, first row and path. */
typedef struct {
    int k, chunk, r0, r1, code;
} item_place;

static item_place place(const MM_R(mm_batch_ws) *ws, const layout *t, int item, int B)
{
    item_place p = {0, 0, t->split, B, item < ws->d.K * t->nc};
    if (p.code) {
        p.k = item / t->nc;
        p.chunk = item % t->nc;
        chunk_rows(t->split, t->nc, p.chunk, &p.r0, &p.r1);
    } else {
        p.k = item - ws->d.K * t->nc;
    }
    return p;
}

/* The view of an item. A code-space item that no backward pass follows
 * keeps its layers' codes in two slots of its thread's scratch, in cache,
 * instead of L slots of the activation store. */
static MM_R(mm_cluster) item_view(MM_R(mm_batch_ws) *ws, const item_place *p, const mm_real *W,
                                  int B)
{
    MM_R(mm_cluster) c = cluster_view(ws, p->k, p->chunk, p->r0, p->r1, W, B,
                                      !p->code && ws->rearranged);
    if (p->code && !ws->keep) {
        c.U = c.work + 2 * mm_lines((size_t)c.B * ws->d.N);
        c.ring = 1;
    }
    return c;
}

/* Blocks of n rows of about size rows each (at least one); n and size alone
 * fix them. Block i of nb is [n i / nb, n (i + 1) / nb). */
static int block_count(int n, int size)
{
    int nb = n / size;
    return nb > 1 ? nb : 1;
}

/* Inside a parallel region: G and H per cluster, then C = Y W for all
 * clusters at once over the code-space rows. */
static void prepare_code_space(MM_R(mm_batch_ws) *ws, const layout *t, const mm_real *W, int B)
{
    const mm_dims *d = &ws->d;
    const int nm = block_count(d->M, FEATURE_BLOCK), nr = block_count(t->split, ROW_BLOCK);

    #pragma omp for schedule(dynamic, 1) nowait
    for (int k = 0; k < d->K; k++) {
        MM_R(mm_cluster) c = cluster_view(ws, k, 0, 0, B, W, B, 0);
        MM_R(mm_code_prepare)(&c, d);
    }
    #pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < nm; i++) {
        int m0, m1;
        chunk_rows(d->M, nm, i, &m0, &m1);
        MM_R(mm_stack_dictionaries)(W, d->K, d->M, d->N, m0, m1, ws->Ws);
    }
    #pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < nr; i++) {
        int r0, r1;
        chunk_rows(t->split, nr, i, &r0, &r1);
        MM_R(mm_stacked_correlations)(ws->Yuse, ws->Ws, d->K, d->M, d->N, r0, r1, ws->Cs,
                                      ws->C, cluster_stride(ws, B));
    }
}

static double encode(MM_R(mm_batch_ws) *ws, const mm_real *W, const mm_real *b,
                     const mm_real *Y, int B, int keep)
{
    const mm_dims *d = &ws->d;
    ws->last_batch = B;
    ws->keep = keep;
    arrange(ws, Y, B);
    const layout t = plan(ws, B);
    const mm_real *Yu = ws->Yuse;

    #pragma omp parallel
    {
        #pragma omp for schedule(static)
        for (int r = 0; r < B; r++) {
            const mm_real *y = Yu + (size_t)r * d->M;
            double s = 0;
            #pragma omp simd reduction(+ : s)
            for (int m = 0; m < d->M; m++)
                s += (double)y[m] * y[m];
            ws->yy[r] = s;
        }
        if (t.nc > 0)
            prepare_code_space(ws, &t, W, B);
        #pragma omp for schedule(dynamic, 1)
        for (int item = 0; item < t.items; item++) {
            item_place p = place(ws, &t, item, B);
            MM_R(mm_cluster) c = item_view(ws, &p, W, B);
            if (p.code)
                MM_R(mm_code_forward)(&c, d, ws->mom);
            else
                MM_R(mm_data_forward)(&c, d, ws->mom);
        }
    }
    return MM_R(mm_attention_forward)(ws->E, b, B, d->K, ws->P, ws->f);
}

/* Rows of a K-wide block from the kernels' order back to batch order. */
static void restore_rows(const MM_R(mm_batch_ws) *ws, const mm_real *in, int B, int width,
                         mm_real *out)
{
    for (int r = 0; r < B; r++)
        memcpy(out + (size_t)r * width, in + (size_t)ws->pos[r] * width, width * sizeof *out);
}

double MM_R(mm_batch_encode)(MM_R(mm_batch_ws) *ws, const mm_real *W, const mm_real *b,
                             const mm_real *Y, int B, mm_real *E, mm_real *P)
{
    const int K = ws->d.K, N = ws->d.N;
    double total = encode(ws, W, b, Y, B, 0);

    if (!ws->rearranged) {
        if (E)
            memcpy(E, ws->E, (size_t)B * K * sizeof *E);
        if (P)
            memcpy(P, ws->P, (size_t)B * K * sizeof *P);
        return total;
    }
    if (E)
        restore_rows(ws, ws->E, B, K, E);
    if (P)
        restore_rows(ws, ws->P, B, K, P);
    for (int k = 0; k < K; k++)
        restore_rows(ws, ws->X + k * cluster_stride(ws, B), B, N,
                     ws->Xout + k * cluster_stride(ws, B));
    return total;
}

/* Code space: sum the chunks' dL/dG in chunk order and symmetrise it, since
 * G = W^T W gives dL/dW = W (dG + dG^T). */
static void finish_gram_gradient(MM_R(mm_batch_ws) *ws, int k, const layout *t)
{
    const int N = ws->d.N;
    const size_t nn = (size_t)N * N;
    mm_real *gG = ws->gG + (size_t)k * ws->max_chunks * nn;

    for (int j = 1; j < t->nc; j++)
        for (size_t i = 0; i < nn; i++)
            gG[i] += gG[(size_t)j * nn + i];
    for (int i = 0; i < N; i++)
        for (int j = i; j < N; j++) {
            mm_real s = gG[i * N + j] + gG[j * N + i];
            gG[i * N + j] = s;
            gG[j * N + i] = s;
        }
}

/* Inside a parallel region: the chain rule to W over the code-space rows,
 * dW = W (dG + dG^T) + Y^T dC, for all clusters at once. */
static void finish_code_space(MM_R(mm_batch_ws) *ws, const layout *t, int B, mm_real *dW)
{
    const mm_dims *d = &ws->d;
    const int nm = block_count(d->M, FEATURE_BLOCK), nr = block_count(t->split, ROW_BLOCK);

    #pragma omp for schedule(dynamic, 1) nowait
    for (int k = 0; k < d->K; k++)
        finish_gram_gradient(ws, k, t);
    #pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < nr; i++) {
        int r0, r1;
        chunk_rows(t->split, nr, i, &r0, &r1);
        MM_R(mm_stack_rows)(ws->C, cluster_stride(ws, B), d->K, d->N, r0, r1, ws->Cs);
    }
    #pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < nm; i++) {
        int m0, m1;
        chunk_rows(d->M, nm, i, &m0, &m1);
        MM_R(mm_stacked_dict_grad)(ws->Yuse, ws->Cs, ws->Ws, ws->gG,
                                   (size_t)ws->max_chunks * d->N * d->N, d->K, d->M, d->N,
                                   t->split, m0, m1, ws->dWs, dW);
    }
}

double MM_R(mm_batch_forward)(MM_R(mm_batch_ws) *ws, const mm_real *W, const mm_real *b,
                              const mm_real *Y, int B)
{
    return encode(ws, W, b, Y, B, 1);
}

void MM_R(mm_batch_backward)(MM_R(mm_batch_ws) *ws, const mm_real *W, double scale,
                             mm_real *dW, mm_real *db)
{
    const mm_dims *d = &ws->d;
    const int B = ws->last_batch;
    const layout t = plan(ws, B);

    MM_R(mm_attention_backward)(ws->E, ws->P, ws->f, B, d->K, scale, ws->gE, db);

    #pragma omp parallel
    {
        #pragma omp for schedule(dynamic, 1)
        for (int item = 0; item < t.items; item++) {
            item_place p = place(ws, &t, item, B);
            MM_R(mm_cluster) c = item_view(ws, &p, W, B);
            const mm_real *gE = ws->gE + (size_t)p.r0 * d->K + p.k;
            if (p.code)
                MM_R(mm_code_backward)(&c, d, ws->mom, gE);
            else
                MM_R(mm_data_backward)(&c, d, ws->mom, gE, dW + (size_t)p.k * d->M * d->N);
        }
        if (t.nc > 0)
            finish_code_space(ws, &t, B, dW);
    }
}

double MM_R(mm_batch_grad)(MM_R(mm_batch_ws) *ws, const mm_real *W, const mm_real *b,
                           const mm_real *Y, int B, double scale, mm_real *dW, mm_real *db)
{
    double total = MM_R(mm_batch_forward)(ws, W, b, Y, B);
    MM_R(mm_batch_backward)(ws, W, scale, dW, db);
    return total;
}

const mm_real *MM_R(mm_batch_codes)(const MM_R(mm_batch_ws) *ws, int k)
{
    const mm_real *X = ws->rearranged ? ws->Xout : ws->X;
    return X + k * cluster_stride(ws, ws->last_batch);
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
