/*
 * Configurations as one-line JSON objects for run.json, with the names of
 * the command-line flags, so that a record can be read back as the command
 * that made it. A new field of a configuration needs a line here too.
 */
#include "run/report.h"

#include "io/text_file.h"

static const char *choice(const char *const *names, int count, int value)
{
    return value >= 0 && value < count ? names[value] : "other";
}

static void text(FILE *f, const char *key, const char *value)
{
    fprintf(f, ", \"%s\": ", key);
    mm_json_string(f, value);
}

void mm_train_config_json(FILE *f, const void *config)
{
    static const char *const KERNELS[] = {"code", "data"};
    const mm_train_config *c = config;

    fputs("{\"data\": ", f);
    mm_json_string(f, c->data);
    text(f, "samples", c->samples);
    text(f, "labels", c->labels);
    text(f, "mask", c->mask);
    text(f, "out", c->out);
    fprintf(f, ", \"clusters\": %d, \"atoms\": %d, \"layers\": %d, \"lambda\": %.17g, "
            "\"step\": %.17g, \"lr\": %.17g, \"batch\": %d, \"epochs\": %d, \"seed\": %llu",
            c->d.K, c->d.N, c->d.L, c->d.lambda, c->d.eta, c->lr, c->batch, c->epochs,
            (unsigned long long)c->seed);
    text(f, "init", choice(mm_init_names, 4, (int)c->init));
    fprintf(f, ", \"init_subset\": %lld, \"kmeans_restarts\": %d, \"knn\": %d",
            (long long)c->init_subset, c->kmeans_restarts, c->knn);
    text(f, "affinity", choice(mm_affinity_names, 2, (int)c->affinity));
    fprintf(f, ", \"ssc_nonzero\": %d", c->ssc_nonzero);
    text(f, "init_features", choice(mm_features_names, 2, (int)c->init_features));
    fprintf(f, ", \"image_shape\": [%d, %d], \"init_pca\": %d, \"learn_prior\": %s",
            c->image_h, c->image_w, c->init_pca, c->learn_prior ? "true" : "false");
    text(f, "kernel", choice(KERNELS, 2, (int)c->kernel));
    fprintf(f, ", \"eval_every\": %d, \"checkpoint_every\": %.17g, \"checkpoint_epochs\": %s, "
            "\"restart\": %s, \"force\": %s}", c->eval_every, c->checkpoint_every,
            c->checkpoint_epochs ? "true" : "false", c->restart ? "true" : "false",
            c->force ? "true" : "false");
}

void mm_assign_config_json(FILE *f, const void *config)
{
    static const char *const KERNELS[] = {"code", "data"};
    const mm_assign_config *c = config;

    fputs("{\"model\": ", f);
    mm_json_string(f, c->model);
    text(f, "data", c->data);
    text(f, "samples", c->samples);
    text(f, "labels", c->labels);
    text(f, "mask", c->mask);
    text(f, "out", c->out);
    fprintf(f, ", \"batch\": %d", c->batch);
    text(f, "kernel", choice(KERNELS, 2, (int)c->kernel));
    fprintf(f, ", \"reconstruct\": %s, \"codes\": %s, \"force\": %s}",
            c->reconstruct ? "true" : "false", c->codes ? "true" : "false",
            c->force ? "true" : "false");
}
