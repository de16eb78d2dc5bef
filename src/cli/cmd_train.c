/* mixmate train: flags to a validated configuration, then mm_train. */
#include <mixmate/mixmate.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "par/par.h"

#define BIG 1e30

static const char *const KERNELS[] = {"code", "data", NULL};

/* The start's feature flags fit together: scattering needs the image shape,
 * and features need a start that clusters. */
static mm_status check_features(mm_train_config *c, const char *image_shape)
{
    if (image_shape)
        MM_TRY(mm_args_shape("--image-shape", image_shape, 0, &c->image_h, &c->image_w));
    if (c->init_features == MM_FEATURES_SCATTERING && !image_shape)
        return mm_fail(MM_ERR_USAGE, "--init-features scattering needs --image-shape HxW, the "
                       "images' height and width");
    if ((c->init_features != MM_FEATURES_RAW || c->init_pca > 0) && c->init == MM_INIT_RANDOM)
        return mm_fail(MM_ERR_USAGE, "--init-features and --init-pca shape the clustering "
                       "start; --init random clusters nothing");
    return MM_OK;
}

/* Rows declared to be images start, unless told otherwise, from the start
 * that trained the best Fashion-MNIST models: SSC on the scattering
 * coefficients of 5,000 samples (README: Which start). */
static void image_start(mm_train_config *c, mm_arg *table, const char *image_shape)
{
    if (!image_shape || mm_args_seen(table, "--init"))
        return;
    c->init = MM_INIT_SSC;
    if (!mm_args_seen(table, "--init-features"))
        c->init_features = MM_FEATURES_SCATTERING;
    if (!mm_args_seen(table, "--init-subset"))
        c->init_subset = 5000;
}

mm_status mm_cmd_train(int argc, char **argv)
{
    mm_train_config c = {
        .samples = "/samples", .labels = "/labels",
        .d = {.N = 50, .L = 15, .lambda = 0.75, .eta = 0.04},
        .lr = 1e-3, .batch = 256, .epochs = 50, .seed = 0,
        .init = MM_INIT_KMEANS, .init_subset = 2000, .kmeans_restarts = 10,
        .knn = 10, .affinity = MM_AFFINITY_COSINE, .ssc_nonzero = 8,
        .kernel = MM_KERNEL_CODE, .eval_every = 1, .checkpoint_every = 600,
    };
    const char *labels = NULL, *mask = NULL, *image_shape = NULL;
    mm_arg table[] = {
        {"--data", ARG_TEXT, &c.data, "FILE", "input HDF5 file", 1},
        {"--clusters", ARG_INT, &c.d.K, "K", "number of clusters", 1, 1, BIG},
        {"--out", ARG_TEXT, &c.out, "DIR", "output directory (created if missing)", 1},
        {"--samples", ARG_TEXT, &c.samples, "NAME", "samples dataset, rows are samples"},
        {"--labels", ARG_TEXT, &labels, "NAME",
         "integer labels for ACC/NMI/ARI (default /labels when present)"},
        {"--mask", ARG_TEXT, &mask, "NAME",
         "uint8 mask, 1 = observed, 0 = missing (default /mask when present)"},
        {"--atoms", ARG_INT, &c.d.N, "N", "atoms per dictionary", 0, 1, BIG},
        {"--layers", ARG_INT, &c.d.L, "L", "unrolled FISTA layers", 0, 1, BIG},
        {"--lambda", ARG_REAL, &c.d.lambda, "X", "l1 penalty", 0, 0, BIG},
        {"--step", ARG_REAL, &c.d.eta, "X", "FISTA step size", 0, 0, BIG, 1},
        {"--lr", ARG_REAL, &c.lr, "X", "Adam learning rate", 0, 0, BIG, 1},
        {"--batch", ARG_INT, &c.batch, "B", "global batch, split across ranks", 0, 1, BIG},
        {"--epochs", ARG_INT, &c.epochs, "E", "training epochs", 0, 0, BIG},
        {"--seed", ARG_U64, &c.seed, "S", "seed of every random choice"},
        {"--init", ARG_CHOICE, &c.init, "NAME",
         "initial dictionaries: kmeans, random, spectral or ssc; with --image-shape, "
         "ssc on scattering features of 5000 samples unless set",
         .choices = mm_init_names},
        {"--init-subset", ARG_I64, &c.init_subset, "S", "samples the initialisation clusters",
         0, 1, BIG},
        {"--kmeans-restarts", ARG_INT, &c.kmeans_restarts, "R", "k-means++ starts", 0, 1, BIG},
        {"--knn", ARG_INT, &c.knn, "K", "neighbours per sample in the spectral graph", 0, 1,
         BIG},
        {"--affinity", ARG_CHOICE, &c.affinity, "NAME",
         "spectral graph weights: cosine (|cos|) or gaussian (local scale)",
         .choices = mm_affinity_names},
        {"--ssc-nonzero", ARG_INT, &c.ssc_nonzero, "Z",
         "at most this many other samples code a sample (ssc)", 0, 1, BIG},
        {"--init-features", ARG_CHOICE, &c.init_features, "NAME",
         "what the start clusters: raw rows or scattering of images", .choices =
         mm_features_names},
        {"--image-shape", ARG_TEXT, &image_shape, "HxW", "the rows as H x W images (scattering)"},
        {"--init-pca", ARG_INT, &c.init_pca, "D",
         "cluster the start's D leading principal components; 0 = off", 0, 0, BIG},
        {"--learn-prior", ARG_FLAG, &c.learn_prior, "", "train the prior logits b too"},
        {"--kernel", ARG_CHOICE, &c.kernel, "code|data",
         "FISTA in code space (fast) or data space (reference)", .choices = KERNELS},
        {"--eval-every", ARG_INT, &c.eval_every, "E", "evaluation pass every E epochs", 0, 1,
         BIG},
        {"--checkpoint-every", ARG_REAL, &c.checkpoint_every, "S",
         "seconds between checkpoints (0: only on a stop request)", 0, 0, BIG},
        {"--checkpoint-epochs", ARG_FLAG, &c.checkpoint_epochs, "",
         "also checkpoint at the end of every epoch"},
        {"--restart", ARG_FLAG, &c.restart, "", "ignore the checkpoint in DIR and start over"},
        {"--force", ARG_FLAG, &c.force, "", "overwrite the results of an earlier run"},
        {NULL},
    };

    if (mm_args_wants_help(argc, argv)) {
        mm_args_help("mixmate train --data FILE --clusters K --out DIR [flags]",
                     "Train K sparse dictionaries (MixMate) on the rows of an HDF5 dataset. "
                     "Writes DIR/model.h5,\nDIR/assignments.h5 and DIR/metrics.jsonl. "
                     "Resumes by itself from DIR/checkpoint.h5 when DIR holds\nan unfinished "
                     "run; SIGUSR1, SIGTERM or SIGINT checkpoint and stop with status 75. "
                     "Missing values\n(NaN, or 0 in the mask) are left out of the encoding.",
                     table);
        return MM_OK;
    }
    MM_TRY(mm_par_agree(mm_args_parse(table, argc, argv, 2, NULL, 0, NULL)));
    image_start(&c, table, image_shape);
    MM_TRY(mm_par_agree(check_features(&c, image_shape)));
    c.labels = labels ? labels : "/labels";
    c.labels_required = labels != NULL;
    c.mask = mask ? mask : "/mask";
    c.mask_required = mask != NULL;
    return mm_train(&c);
}
