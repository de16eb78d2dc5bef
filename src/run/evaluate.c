/*
 * The evaluation pass: every rank encodes its own rows, then the ranks sum a
 * handful of numbers and one K x classes contingency table, from which ACC,
 * NMI and ARI follow exactly as if one process had seen every label.
 */
#include "run/run.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "par/par.h"

#define MAX_CLASSES (1 << 16)

/* Winning cluster of one row of posteriors; ties go to the lower index. */
static int argmax(const float *p, int K)
{
    int best = 0;
    for (int k = 1; k < K; k++)
        if (p[k] > p[best])
            best = k;
    return best;
}

static int zero_count(const float *x, int N)
{
    int z = 0;
    for (int n = 0; n < N; n++)
        z += x[n] == 0.0f;
    return z;
}

/* Labels span [lo, hi]; the contingency table has one column per value. */
static mm_status label_range(const mm_shard *s, int64_t *lo, int64_t *classes)
{
    int64_t range[2] = {INT64_MAX, INT64_MIN};
    for (int64_t i = 0; i < s->hi - s->lo; i++) {
        range[0] = s->labels[i] < range[0] ? s->labels[i] : range[0];
        range[1] = s->labels[i] > range[1] ? s->labels[i] : range[1];
    }
    mm_par_min_i64(&range[0], 1);
    mm_par_max_i64(&range[1], 1);
    *lo = range[0];
    *classes = range[1] - range[0] + 1;
    if (*classes > MAX_CLASSES)
        return mm_fail(MM_ERR_INPUT, "labels span %lld to %lld; at most %d distinct values "
                       "are supported", (long long)range[0], (long long)range[1], MAX_CLASSES);
    return MM_OK;
}

static mm_status score(const mm_shard *s, const int32_t *cluster, int K, mm_eval *ev)
{
    int64_t lo = 0, classes = 0;
    MM_TRY(mm_par_agree(label_range(s, &lo, &classes)));

    int64_t *table = mm_calloc((size_t)K * classes, sizeof *table, "contingency table");
    for (int64_t i = 0; i < s->hi - s->lo; i++)
        if (cluster[i] >= 0)
            table[(size_t)cluster[i] * classes + (s->labels[i] - lo)]++;
    mm_par_sum_i64(table, (size_t)K * classes);

    ev->has_labels = 1;
    mm_scores_from_table(table, K, (int)classes, &ev->scores);
    free(table);
    return MM_OK;
}

/* What the caller asked to keep of row i (batch row r) won by cluster k. */
static void keep_row(const mm_batch_ws_f32 *ws, const mm_model *m, int k, int r, int64_t i,
                     mm_eval_outputs *out)
{
    const int M = m->d.M, N = m->d.N;
    const float *x = k >= 0 ? mm_batch_codes_f32(ws, k) + (size_t)r * N : NULL;

    if (out->code) {
        if (x)
            memcpy(out->code + i * N, x, (size_t)N * sizeof *x);
        else
            memset(out->code + i * N, 0, (size_t)N * sizeof *x);
    }
    if (out->reconstruction) {
        float *y = out->reconstruction + i * M;
        if (x)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, M, N, 1.0f, m->W + (size_t)k * M * N, N, x,
                        1, 0.0f, y, 1);
        else
            for (int j = 0; j < M; j++)
                y[j] = NAN;
    }
}

mm_status mm_evaluate(mm_batch_ws_f32 *ws, int chunk, const mm_model *m, const mm_shard *s,
                      mm_eval_outputs *out, mm_eval *ev)
{
    const int K = m->d.K, N = m->d.N;
    const int64_t rows = s->hi - s->lo;
    int32_t *cluster = out && out->cluster ? out->cluster
                                           : mm_alloc((size_t)rows * sizeof *cluster, "clusters");
    float *E = mm_alloc((size_t)chunk * K * sizeof *E, "energies");
    float *P = mm_alloc((size_t)chunk * K * sizeof *P, "posteriors");

    /* Encode the shard chunk by chunk, keeping what the caller asked for. */
    memset(ev, 0, sizeof *ev);
    ev->done = 1;
    ev->empty = s->empty;
    ev->sizes = mm_calloc((size_t)K, sizeof *ev->sizes, "cluster sizes");
    double sums[2] = {0, 0}; /* loss, zero code entries */
    for (int64_t a = 0; a < rows; a += chunk) {
        int B = (int)(rows - a < chunk ? rows - a : chunk);
        const float *Y = s->Y + a * s->M;
        sums[0] += mm_batch_encode_f32(ws, m->W, m->b, Y, B, E, P);
        for (int i = 0; i < B; i++) {
            int k = -1;
            if (!s->empty || mm_row_state(Y + (size_t)i * s->M, s->M) != 2) {
                k = argmax(P + (size_t)i * K, K);
                ev->sizes[k]++;
                sums[1] += zero_count(mm_batch_codes_f32(ws, k) + (size_t)i * N, N);
            }
            cluster[a + i] = k;
            if (out)
                keep_row(ws, m, k, i, a + i, out);
        }
        if (out && out->probability)
            memcpy(out->probability + a * K, P, (size_t)B * K * sizeof *P);
        if (out && out->energy)
            memcpy(out->energy + a * K, E, (size_t)B * K * sizeof *E);
    }
    free(P);
    free(E);

    /* Global figures, over the rows that have an observed value. */
    mm_par_sum_double(sums, 2);
    mm_par_sum_i64(ev->sizes, (size_t)K);
    const double counted = (double)(s->n - s->empty);
    ev->loss = counted > 0 ? sums[0] / counted / (double)s->M : 0;
    ev->zero_fraction = counted > 0 ? sums[1] / (counted * N) : 0;
    mm_status st = s->labels ? score(s, cluster, K, ev) : MM_OK;

    if (!(out && out->cluster))
        free(cluster);
    return st;
}

void mm_eval_free(mm_eval *ev)
{
    free(ev->sizes);
    ev->sizes = NULL;
}
