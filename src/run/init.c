/*
 * Initial dictionaries. The data-driven starts look at a subset drawn
 * uniformly from the whole file, not from one rank's shard, because files
 * are often sorted by class or time. Every rank contributes the subset rows
 * it owns and receives all of them; the subset is clustered (k-means on
 * rank 0, or the graph-based starts on all ranks), rank 0 builds the
 * dictionaries from the clusters, and a broadcast makes the model identical
 * everywhere. Cost: one gather of subset x M floats.
 * Only complete rows (no missing value) are drawn, as the published method
 * initialises from complete samples; they are numbered rank by rank, so a
 * file without missing values draws exactly its own row numbers.
 */
#include "run/run.h"

#include <mixmate/util.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "par/blacs.h"
#include "par/par.h"
#include "run/features.h"
#include "run/kmeans.h"
#include "run/spectral.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* S distinct row indices of [0, n), sorted; the same on every rank. */
static int64_t draw_subset(int64_t n, int64_t S, uint64_t seed, int64_t *idx)
{
    mm_rng r;
    mm_rng_seed(&r, seed, MM_STREAM_SUBSET, 0);
    if (S >= n) {
        for (int64_t i = 0; i < n; i++)
            idx[i] = i;
        return n;
    }

    /* Draw, sort, drop repeats, top up: few rounds since S <= n. */
    int64_t have = 0;
    while (have < S) {
        for (int64_t i = have; i < S; i++)
            idx[i] = (int64_t)mm_rng_below(&r, (uint64_t)n);
        qsort(idx, (size_t)S, sizeof *idx, cmp_i64);
        have = 0;
        for (int64_t i = 0; i < S; i++)
            if (have == 0 || idx[i] != idx[have - 1])
                idx[have++] = idx[i];
    }
    return S;
}

/* This rank's complete rows (local indices) and the number of complete rows
 * on lower ranks; returns the count in the whole file. */
static int64_t complete_rows(const mm_shard *s, int64_t *local, int64_t *count, int64_t *offset)
{
    int64_t *per_rank = mm_calloc((size_t)mm_nranks(), sizeof *per_rank, "row counts");
    *count = 0;
    for (int64_t r = 0; r < s->hi - s->lo; r++)
        if (!s->incomplete || mm_row_state(s->Y + r * s->M, s->M) == 0)
            local[(*count)++] = r;
    per_rank[mm_rank()] = *count;
    mm_par_sum_i64(per_rank, (size_t)mm_nranks());

    int64_t total = 0;
    for (int r = 0; r < mm_nranks(); r++) {
        if (r == mm_rank())
            *offset = total;
        total += per_rank[r];
    }
    free(per_rank);
    return total;
}

/* Every rank's subset rows, in subset order, on every rank. idx numbers the
 * complete rows of the file. */
static float *gather_subset(const mm_shard *s, const int64_t *local, int64_t count,
                            int64_t offset, const int64_t *idx, int64_t S)
{
    float *mine = mm_alloc((size_t)S * s->M * sizeof *mine, "initialisation rows");
    size_t taken = 0;
    for (int64_t i = 0; i < S; i++)
        if (idx[i] >= offset && idx[i] < offset + count)
            memcpy(mine + taken++ * s->M, s->Y + local[idx[i] - offset] * s->M,
                   (size_t)s->M * sizeof *mine);

    float *all = mm_alloc((size_t)S * s->M * sizeof *all, "initialisation subset");
    mm_par_allgather_float(mine, taken * (size_t)s->M, all);
    free(mine);
    return all;
}

static void normalize(float *v, int M, int stride)
{
    double ss = 0;
    for (int m = 0; m < M; m++)
        ss += (double)v[(size_t)m * stride] * v[(size_t)m * stride];
    double inv = ss > 0 ? 1.0 / sqrt(ss) : 0;
    for (int m = 0; m < M; m++)
        v[(size_t)m * stride] = (float)(v[(size_t)m * stride] * inv);
}

static void random_dictionaries(mm_model *m, uint64_t seed)
{
    const mm_dims *d = &m->d;
    mm_rng r;
    mm_rng_seed(&r, seed, MM_STREAM_INIT, 0);
    for (size_t i = 0; i < (size_t)d->K * d->M * d->N; i++)
        m->W[i] = (float)mm_rng_normal(&r);
    mm_normalize_columns(m->W, d->K, d->M, d->N);
}

/* Up to N random members of each cluster, centred by their own mean and
 * normalised, replace the first columns of W_k. */
static void members_as_atoms(mm_model *m, const float *X, const int *labels, int64_t S,
                             uint64_t seed)
{
    const int M = m->d.M, N = m->d.N;
    int64_t *members = mm_alloc((size_t)S * sizeof *members, "cluster members");
    mm_rng r;
    mm_rng_seed(&r, seed, MM_STREAM_INIT, 1);

    for (int k = 0; k < m->d.K; k++) {
        int64_t count = 0;
        for (int64_t i = 0; i < S; i++)
            if (labels[i] == k)
                members[count++] = i;
        mm_rng_shuffle(&r, members, (size_t)count);

        float *Wk = m->W + (size_t)k * M * N;
        for (int j = 0; j < N && j < count; j++) {
            const float *x = X + members[j] * M;
            double mean = 0;
            for (int i = 0; i < M; i++)
                mean += x[i];
            mean /= M;
            for (int i = 0; i < M; i++)
                Wk[(size_t)i * N + j] = (float)(x[i] - mean);
            normalize(Wk + j, M, N);
        }
    }
    free(members);
    mm_normalize_columns(m->W, m->d.K, M, N);
}

/* Labels of the S x D points, identical on every rank, by cfg->init. */
static mm_status cluster_subset(const mm_train_config *cfg, const float *F, int64_t S, int D,
                                int K, int *labels)
{
    if (cfg->init == MM_INIT_KMEANS) {
        if (mm_rank() == 0)
            mm_kmeans(F, S, D, K < S ? K : (int)S, cfg->kmeans_restarts, cfg->seed, labels);
        mm_par_bcast(labels, (size_t)S * sizeof *labels, 0);
        return MM_OK;
    }

    mm_spectral_report r;
    MM_TRY(mm_graph_cluster(cfg, F, S, D, K, labels, &r));
    mm_log0("  %s start: graph %.2f s (%lld edges), eigensolver %.2f s (pdsyevr on a %d x %d "
            "grid, blocks of %d; eigenvalues %.4f .. %.4f), k-means %.2f s",
            mm_init_names[cfg->init], r.graph_s, (long long)r.edges, r.eigen_s, r.grid_rows,
            r.grid_cols, MM_DIST_BLOCK, r.eig_first, r.eig_last, r.kmeans_s);
    return MM_OK;
}

/* Rows with no missing value in the whole file, and the subset size drawn. */
static int64_t subset_size(const mm_train_config *cfg, const mm_shard *s, int64_t *complete)
{
    int64_t *local = mm_alloc((size_t)(s->hi - s->lo + 1) * sizeof *local, "complete rows");
    int64_t count = 0, offset = 0;
    *complete = complete_rows(s, local, &count, &offset);
    free(local);
    return cfg->init_subset < *complete ? cfg->init_subset : *complete;
}

static mm_status too_few_complete(const mm_train_config *cfg, int64_t n, int K)
{
    return mm_par_agree(mm_fail(MM_ERR_INPUT, "%s: only %lld rows have no missing value; "
                                "--init %s needs at least %d (--clusters); use --init random",
                                cfg->data, (long long)n, mm_init_names[cfg->init], K));
}

mm_status mm_init_check(const mm_train_config *cfg, const mm_shard *s)
{
    if (cfg->init == MM_INIT_RANDOM)
        return MM_OK;

    int64_t n = 0, S = subset_size(cfg, s, &n);
    if (n < cfg->d.K)
        return too_few_complete(cfg, n, cfg->d.K);
    if (cfg->init != MM_INIT_KMEANS)
        MM_TRY(mm_graph_check(cfg, S, cfg->d.K));
    mm_features_spec spec = {cfg->init_features, cfg->image_h, cfg->image_w, cfg->init_pca};
    return mm_features_check(&spec, S, (int)s->M);
}

/* The features the start clusters instead of the raw rows, when asked:
 * *F stays NULL (and *D = M) for raw rows without PCA. */
static mm_status subset_features(const mm_train_config *cfg, const float *X, int64_t S, int M,
                                 float **F, int *D)
{
    mm_features_spec spec = {cfg->init_features, cfg->image_h, cfg->image_w, cfg->init_pca};
    if (spec.kind == MM_FEATURES_RAW && spec.pca == 0)
        return MM_OK;

    double t0 = mm_now();
    MM_TRY(mm_features_compute(&spec, X, S, M, F, D));
    mm_log0("  features: %s%s, %d values per sample, %.2f s", mm_features_names[spec.kind],
            spec.pca > 0 ? " then principal components" : "", *D, mm_now() - t0);
    return MM_OK;
}

mm_status mm_init_model(const mm_train_config *cfg, const mm_shard *s, mm_model *m)
{
    random_dictionaries(m, cfg->seed);
    if (cfg->init == MM_INIT_RANDOM)
        return MM_OK;

    /* The subset of complete rows, gathered from its owners. */
    int64_t *local = mm_alloc((size_t)(s->hi - s->lo + 1) * sizeof *local, "complete rows");
    int64_t count = 0, offset = 0;
    int64_t n = complete_rows(s, local, &count, &offset);
    if (n < m->d.K) {
        free(local);
        return too_few_complete(cfg, n, m->d.K);
    }
    int64_t want = cfg->init_subset < n ? cfg->init_subset : n;
    int64_t *idx = mm_alloc((size_t)want * sizeof *idx, "initialisation indices");
    int64_t S = draw_subset(n, want, cfg->seed, idx);
    float *X = gather_subset(s, local, count, offset, idx, S);
    free(idx);
    free(local);

    /* Cluster the subset, or its features when asked; rank 0 builds the
     * dictionaries from the raw rows either way. */
    float *F = NULL;
    int D = (int)s->M;
    mm_status st = subset_features(cfg, X, S, (int)s->M, &F, &D);
    int *labels = mm_alloc((size_t)S * sizeof *labels, "initialisation labels");
    if (st == MM_OK)
        st = cluster_subset(cfg, F ? F : X, S, D, m->d.K, labels);
    if (st == MM_OK && mm_rank() == 0)
        members_as_atoms(m, X, labels, S, cfg->seed);
    free(labels);
    free(F);
    free(X);
    if (st == MM_OK)
        mm_par_bcast(m->W, (size_t)m->d.K * m->d.M * m->d.N * sizeof *m->W, 0);
    return st;
}

void mm_init_log_config(const mm_train_config *c)
{
    const char *name = mm_init_names[c->init];
    if (c->init == MM_INIT_KMEANS)
        mm_log0("  init      kmeans on %lld samples, %d restarts", (long long)c->init_subset,
                c->kmeans_restarts);
    else if (c->init == MM_INIT_SPECTRAL)
        mm_log0("  init      %s on %lld samples: %d nearest neighbours, %s affinity; k-means "
                "with %d restarts on the embedding", name, (long long)c->init_subset, c->knn,
                mm_affinity_names[c->affinity], c->kmeans_restarts);
    else if (c->init == MM_INIT_SSC)
        mm_log0("  init      %s on %lld samples: at most %d non-zeros per sample; k-means with "
                "%d restarts on the embedding", name, (long long)c->init_subset,
                c->ssc_nonzero, c->kmeans_restarts);
    else
        mm_log0("  init      %s", name);
    if (c->init_features == MM_FEATURES_SCATTERING)
        mm_log0("  features  scattering of %dx%d images (J %d, %d orientations, orders 0-2)",
                c->image_h, c->image_w, MM_FEATURES_SCALES, MM_FEATURES_ORIENTATIONS);
    if (c->init_pca > 0)
        mm_log0("  features  the %d leading principal components of the subset", c->init_pca);
}
