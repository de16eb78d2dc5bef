/*
 * What ties a checkpoint to a run: the input's fingerprint (shape, type and
 * a checksum of 64 rows spread over the file, each hashed where it lives)
 * and the settings that change the result. A checkpoint that disagrees with
 * the command line is refused with the first field that differs; --epochs
 * may grow, so that a finished schedule can be extended.
 */
#include "run/run.h"

#include <stdio.h>
#include <string.h>

#include "par/par.h"

#define FINGERPRINT_ROWS 64

/* FNV-1a over the row's bytes, seeded by its index so that order matters. */
static uint64_t hash_row(const float *row, int64_t M, int64_t index)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)index;
    const unsigned char *p = (const unsigned char *)row;
    for (size_t i = 0; i < (size_t)M * sizeof *row; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

uint64_t mm_data_checksum(const mm_shard *s)
{
    uint64_t sum = 0;
    for (int i = 0; i < FINGERPRINT_ROWS; i++) {
        int64_t row = s->n * i / FINGERPRINT_ROWS;
        if (row >= s->lo && row < s->hi && (i == 0 || row != s->n * (i - 1) / FINGERPRINT_ROWS))
            sum += hash_row(s->Y + (row - s->lo) * s->M, s->M, row);
    }
    mm_par_sum_u64(&sum, 1);
    return sum;
}

void mm_checkpoint_describe(mm_checkpoint *c, const mm_train_config *cfg, const mm_shard *s,
                            uint64_t checksum)
{
    c->ranks = mm_nranks();
    c->d = cfg->d;
    c->d.M = (int)s->M;
    c->lr = cfg->lr;
    c->batch = cfg->batch;
    c->epochs = cfg->epochs;
    c->seed = (int64_t)cfg->seed;
    c->init = cfg->init;
    c->init_subset = cfg->init_subset;
    c->kmeans_restarts = cfg->kmeans_restarts;
    c->kernel = cfg->kernel;
    c->knn = cfg->knn;
    c->affinity = cfg->affinity;
    c->ssc_nonzero = cfg->ssc_nonzero;
    c->learn_prior = cfg->learn_prior;
    c->init_features = cfg->init_features;
    c->image_h = cfg->image_h;
    c->image_w = cfg->image_w;
    c->init_pca = cfg->init_pca;
    snprintf(c->input_file, sizeof c->input_file, "%s", cfg->data);
    snprintf(c->input_dataset, sizeof c->input_dataset, "%s", cfg->samples);
    snprintf(c->input_type, sizeof c->input_type, "%s", s->type);
    c->input_rows = s->n;
    c->input_cols = s->M;
    c->input_checksum = checksum;
}

#define DIFFERS(field, fmt, have, want)                                                       \
    do {                                                                                       \
        if ((have) != (want))                                                                  \
            return mm_fail(MM_ERR_USAGE, "%s: the checkpoint's " field " is " fmt ", the "     \
                           "command line's " fmt "; rerun with the checkpoint's settings, "    \
                           "or pass --restart", path, have, want);                             \
    } while (0)

/* The name of a choice, guarding against a damaged file's value. */
static const char *choice_name(const char *const *names, int64_t v)
{
    int64_t count = 0;
    while (names[count])
        count++;
    return v >= 0 && v < count ? names[v] : "unknown";
}

#define DIFFERS_CHOICE(field, names, have, want)                                               \
    do {                                                                                       \
        if ((have) != (want))                                                                  \
            return mm_fail(MM_ERR_USAGE, "%s: the checkpoint's " field " is %s, the command "  \
                           "line's %s; rerun with the checkpoint's settings, or pass "        \
                           "--restart", path, choice_name(names, have),                        \
                           choice_name(names, want));                                          \
    } while (0)

mm_status mm_checkpoint_check(const mm_checkpoint *have, const mm_checkpoint *want,
                              const char *path)
{
    DIFFERS("input row count", "%lld", (long long)have->input_rows, (long long)want->input_rows);
    DIFFERS("input column count (M)", "%lld", (long long)have->input_cols,
            (long long)want->input_cols);
    if (strcmp(have->input_type, want->input_type) != 0)
        return mm_fail(MM_ERR_USAGE, "%s: the checkpoint's input type is %s, the data's %s",
                       path, have->input_type, want->input_type);
    if (have->input_checksum != want->input_checksum)
        return mm_fail(MM_ERR_USAGE, "%s: the input's contents differ from those the run "
                       "started on (%s:%s); pass --restart to start over", path,
                       have->input_file, have->input_dataset);
    DIFFERS("rank count", "%lld", (long long)have->ranks, (long long)want->ranks);
    DIFFERS("--clusters", "%d", have->d.K, want->d.K);
    DIFFERS("--atoms", "%d", have->d.N, want->d.N);
    DIFFERS("--layers", "%d", have->d.L, want->d.L);
    DIFFERS("--lambda", "%g", have->d.lambda, want->d.lambda);
    DIFFERS("--step", "%g", have->d.eta, want->d.eta);
    DIFFERS("--lr", "%g", have->lr, want->lr);
    DIFFERS("--batch", "%lld", (long long)have->batch, (long long)want->batch);
    DIFFERS("--seed", "%lld", (long long)have->seed, (long long)want->seed);
    DIFFERS_CHOICE("--init", mm_init_names, have->init, want->init);
    DIFFERS("--init-subset", "%lld", (long long)have->init_subset,
            (long long)want->init_subset);
    DIFFERS("--kmeans-restarts", "%lld", (long long)have->kmeans_restarts,
            (long long)want->kmeans_restarts);
    DIFFERS("--kernel", "%lld", (long long)have->kernel, (long long)want->kernel);
    DIFFERS("--knn", "%lld", (long long)have->knn, (long long)want->knn);
    DIFFERS_CHOICE("--affinity", mm_affinity_names, have->affinity, want->affinity);
    DIFFERS("--ssc-nonzero", "%lld", (long long)have->ssc_nonzero, (long long)want->ssc_nonzero);
    DIFFERS_CHOICE("--init-features", mm_features_names, have->init_features,
                   want->init_features);
    DIFFERS("--image-shape height", "%lld", (long long)have->image_h, (long long)want->image_h);
    DIFFERS("--image-shape width", "%lld", (long long)have->image_w, (long long)want->image_w);
    DIFFERS("--init-pca", "%lld", (long long)have->init_pca, (long long)want->init_pca);
    DIFFERS("--learn-prior", "%lld", (long long)have->learn_prior,
            (long long)want->learn_prior);
    return MM_OK;
}
