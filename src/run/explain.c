/*
 * One sample, looked at closely: the numbers behind its assignment. Rank 0
 * reads the row and encodes it under every cluster; the other ranks only
 * agree on the outcome.
 */
#include "run/run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "par/par.h"

typedef struct {
    int index;
    double value;
} ranked;

/* Descending by value, ties by index, so the listing is stable. */
static int by_value_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? 1 : -1;
    return x->index - y->index;
}

static void print_clusters(const mm_model *m, mm_batch_ws_f32 *ws, const float *E,
                           const float *P)
{
    const int K = m->d.K, N = m->d.N;
    ranked *order = mm_alloc((size_t)K * sizeof *order, "cluster order");
    for (int k = 0; k < K; k++)
        order[k] = (ranked){k, P[k]};
    qsort(order, (size_t)K, sizeof *order, by_value_desc);

    mm_log0("%7s  %11s  %12s  %14s  %12s  %6s", "cluster", "posterior", "energy",
            "reconstruction", "sparsity", "active");
    for (int i = 0; i < K; i++) {
        int k = order[i].index, active = 0;
        const float *x = mm_batch_codes_f32(ws, k);
        double l1 = 0;
        for (int n = 0; n < N; n++) {
            l1 += fabs(x[n]);
            active += x[n] != 0;
        }
        double sparsity = m->d.lambda * l1;
        mm_log0("%7d  %11.6f  %12.6f  %14.6f  %12.6f  %6d", k, P[k], E[k], E[k] - sparsity,
                sparsity, active);
    }
    free(order);
}

static void print_atoms(const mm_model *m, mm_batch_ws_f32 *ws, int k, int limit)
{
    const int N = m->d.N;
    const float *x = mm_batch_codes_f32(ws, k);
    ranked *atoms = mm_alloc((size_t)N * sizeof *atoms, "atom order");
    int active = 0;
    for (int n = 0; n < N; n++)
        if (x[n] != 0)
            atoms[active++] = (ranked){n, fabs(x[n])};
    qsort(atoms, (size_t)active, sizeof *atoms, by_value_desc);

    mm_log0("active atoms of cluster %d (%d of %d, largest weight first):", k, active, N);
    for (int i = 0; i < active && i < limit; i++)
        mm_log0("  atom %4d  weight %+.6f", atoms[i].index, x[atoms[i].index]);
    if (active > limit)
        mm_log0("  ... %d more (--atoms to list them)", active - limit);
    free(atoms);
}

static mm_status explain_on_root(const mm_explain_config *c, const mm_model *m)
{
    const int M = m->d.M, K = m->d.K;
    float *y = mm_alloc((size_t)M * sizeof *y, "sample");
    int64_t label = 0;
    int has_label = 0;
    mm_shard_request req = {c->data, c->samples, c->labels, 0, c->mask, c->mask_required};
    mm_status st = mm_row_read(&req, c->index, M, y, &label, &has_label);
    if (st != MM_OK) {
        free(y);
        return st;
    }

    int observed = 0;
    for (int j = 0; j < M; j++)
        observed += !isnan(y[j]);
    mm_log0("sample %lld of %s:%s, %d of %d values observed%s", (long long)c->index, c->data,
            c->samples, observed, M, observed == 0 ? ": nothing to explain" : "");
    if (has_label)
        mm_log0("label %lld", (long long)label);
    if (observed == 0) {
        free(y);
        return MM_OK;
    }

    /* Encode under every cluster; the winner is the largest posterior. */
    mm_batch_ws_f32 *ws = mm_batch_ws_create_f32(&m->d, 1, MM_KERNEL_CODE);
    float *E = mm_alloc((size_t)K * sizeof *E, "energies");
    float *P = mm_alloc((size_t)K * sizeof *P, "posteriors");
    mm_batch_encode_f32(ws, m->W, m->b, y, 1, E, P);
    int win = 0;
    for (int k = 1; k < K; k++)
        win = P[k] > P[win] ? k : win;

    mm_log0("cluster %d wins with posterior %.6f; energy = reconstruction error over the "
            "observed values + lambda |x|_1 (lambda %g)", win, P[win], m->d.lambda);
    print_clusters(m, ws, E, P);
    print_atoms(m, ws, win, c->atoms);

    free(P);
    free(E);
    mm_batch_ws_free_f32(ws);
    free(y);
    return MM_OK;
}

mm_status mm_explain(const mm_explain_config *c)
{
    mm_model m;
    MM_TRY(mm_model_read(c->model, &m));
    mm_status st = mm_rank() == 0 ? explain_on_root(c, &m) : MM_OK;
    mm_model_free(&m);
    return mm_par_agree(st);
}
