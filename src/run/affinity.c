/*
 * From directed graph rows to the symmetric normalised affinity
 * D^(-1/2) A D^(-1/2) whose leading eigenvectors the spectral start uses.
 * Every rank builds the same sparse matrix (about 2 S width entries) from
 * the gathered rows; each later copies its own blocks into the distributed
 * dense matrix. A point without edges keeps an empty row: its embedding row
 * is zero and k-means places it wherever it is nearest.
 */
#include "run/spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int32_t col;
    double val;
} entry;

static int cmp_entry(const void *a, const void *b)
{
    int32_t x = ((const entry *)a)->col, y = ((const entry *)b)->col;
    return (x > y) - (x < y);
}

/* Local scale of the Gaussian weight: distance to the farthest listed neighbour. */
static double *local_scales(const mm_graph_rows *g)
{
    double *s = mm_alloc((size_t)g->n * sizeof *s, "local scales");
    for (int64_t i = 0; i < g->n; i++) {
        s[i] = 0;
        for (int e = 0; e < g->width; e++)
            if (g->col[i * g->width + e] >= 0)
                s[i] = sqrt((double)g->val[i * g->width + e]);
    }
    return s;
}

/* Weight of the directed edge e of point i. */
static double edge_weight(const mm_graph_rows *g, const double *scale, int64_t i, int e)
{
    double v = g->val[i * g->width + e];
    if (!scale)
        return v;
    double s = scale[i] * scale[g->col[i * g->width + e]];
    return s > 0 ? exp(-v / s) : (v == 0 ? 1.0 : 0.0);
}

/* Both directions of every edge, grouped by row (unsorted within rows). */
static entry *both_directions(const mm_graph_rows *g, const double *scale, int64_t *start)
{
    const int w = g->width;
    memset(start, 0, (size_t)(g->n + 1) * sizeof *start);
    for (int64_t i = 0; i < g->n; i++)
        for (int e = 0; e < w && g->col[i * w + e] >= 0; e++)
            start[i + 1]++, start[g->col[i * w + e] + 1]++;
    for (int64_t i = 0; i < g->n; i++)
        start[i + 1] += start[i];

    entry *all = mm_alloc((size_t)start[g->n] * sizeof *all + 1, "affinity entries");
    int64_t *fill = mm_alloc((size_t)g->n * sizeof *fill, "affinity offsets");
    memcpy(fill, start, (size_t)g->n * sizeof *fill);
    for (int64_t i = 0; i < g->n; i++)
        for (int e = 0; e < w && g->col[i * w + e] >= 0; e++) {
            int32_t j = g->col[i * w + e];
            double v = edge_weight(g, scale, i, e);
            all[fill[i]++] = (entry){j, v};
            all[fill[j]++] = (entry){(int32_t)i, v};
        }
    free(fill);
    return all;
}

/* Sort each row by column and merge repeats: the larger weight for kNN
 * graphs (an edge listed from both ends), the sum for SSC (|C| + |C|^T). */
static void merge_rows(entry *all, const int64_t *start, int64_t n, int sum, mm_csr *out)
{
    out->n = n;
    out->start = mm_alloc((size_t)(n + 1) * sizeof *out->start, "affinity rows");
    out->col = mm_alloc((size_t)start[n] * sizeof *out->col + 1, "affinity columns");
    out->val = mm_alloc((size_t)start[n] * sizeof *out->val + 1, "affinity values");
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        out->start[i] = k;
        qsort(all + start[i], (size_t)(start[i + 1] - start[i]), sizeof *all, cmp_entry);
        for (int64_t e = start[i]; e < start[i + 1]; e++) {
            if (k > out->start[i] && out->col[k - 1] == all[e].col) {
                double *v = &out->val[k - 1];
                *v = sum ? *v + all[e].val : fmax(*v, all[e].val);
                continue;
            }
            out->col[k] = all[e].col;
            out->val[k++] = all[e].val;
        }
    }
    out->start[n] = k;
}

void mm_affinity_normalised(const mm_graph_rows *g, mm_init kind, mm_affinity affinity,
                            mm_csr *out)
{
    int gaussian = kind != MM_INIT_SSC && affinity == MM_AFFINITY_GAUSSIAN;
    double *scale = gaussian ? local_scales(g) : NULL;
    int64_t *start = mm_alloc((size_t)(g->n + 1) * sizeof *start, "affinity row starts");
    entry *all = both_directions(g, scale, start);
    merge_rows(all, start, g->n, kind == MM_INIT_SSC, out);
    free(all);
    free(start);
    free(scale);

    /* A_ij / sqrt(d_i d_j) with d the row sums. */
    double *inv = mm_alloc((size_t)g->n * sizeof *inv, "degrees");
    for (int64_t i = 0; i < g->n; i++) {
        double d = 0;
        for (int64_t e = out->start[i]; e < out->start[i + 1]; e++)
            d += out->val[e];
        inv[i] = d > 0 ? 1.0 / sqrt(d) : 0.0;
    }
    for (int64_t i = 0; i < g->n; i++)
        for (int64_t e = out->start[i]; e < out->start[i + 1]; e++)
            out->val[e] *= inv[i] * inv[out->col[e]];
    free(inv);
}

void mm_csr_free(mm_csr *a)
{
    free(a->start);
    free(a->col);
    free(a->val);
    a->start = NULL;
    a->col = NULL;
    a->val = NULL;
}
