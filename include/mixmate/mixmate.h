/*
 * mixmate/mixmate.h - Mixture Model Auto-Encoders on MPI ranks.
 *
 * The entry points behind the mixmate subcommands. Each is collective over
 * MPI_COMM_WORLD: every rank calls it with the same configuration, and every
 * rank returns the same status. On failure one rank has printed one line
 * naming the file, dataset or flag at fault, and no result file is left
 * half-written.
 */
#ifndef MIXMATE_MIXMATE_H
#define MIXMATE_MIXMATE_H

#include <mixmate/kernels.h>
#include <mixmate/status.h>
#include <mixmate/version.h>

#include <stdint.h>

typedef enum {
    MM_INIT_KMEANS = 0,
    MM_INIT_RANDOM = 1,
    MM_INIT_SPECTRAL = 2, /* spectral clustering of a k-nearest-neighbour graph */
    MM_INIT_SSC = 3,      /* sparse subspace clustering (orthogonal matching pursuit) */
} mm_init;

/* Edge weights of the k-nearest-neighbour graph of the spectral start. */
typedef enum {
    MM_AFFINITY_COSINE = 0,   /* |cos| of the angle: y and -y are neighbours */
    MM_AFFINITY_GAUSSIAN = 1, /* exp(-d^2 / (s_i s_j)), s_i the distance to the knn-th */
} mm_affinity;

/* What the initialisation clusters: the subset's raw rows, or the 2-D
 * wavelet scattering coefficients of the images they hold. */
typedef enum { MM_FEATURES_RAW = 0, MM_FEATURES_SCATTERING = 1 } mm_features_kind;

/* The command line's names of the choices above, indexed by value,
 * NULL-terminated ("kmeans", "random", ...; "cosine", "gaussian"; "raw",
 * "scattering"). */
extern const char *const mm_init_names[];
extern const char *const mm_affinity_names[];
extern const char *const mm_features_names[];

typedef struct {
    const char *data;     /* input HDF5 file */
    const char *samples;  /* samples dataset, rows are samples */
    const char *labels;   /* labels dataset, or NULL */
    int labels_required;  /* labels named on the command line: must exist */
    const char *mask;     /* uint8 mask dataset (1 = observed), or NULL */
    int mask_required;    /* mask named on the command line: must exist */
    const char *out;      /* output directory */
    int force;            /* overwrite results already in out */

    mm_dims d;            /* K, N, L, lambda, eta; M comes from the data */
    double lr;            /* Adam learning rate */
    int batch;            /* global batch, split across ranks */
    int epochs;
    uint64_t seed;
    mm_init init;
    int64_t init_subset;  /* samples the initialisation looks at */
    int kmeans_restarts;  /* k-means++ starts; the lowest inertia wins */
    int knn;              /* neighbours per sample in the spectral start's graph */
    mm_affinity affinity; /* edge weights of that graph */
    int ssc_nonzero;      /* at most this many other samples code one sample (ssc) */
    mm_features_kind init_features; /* what the start clusters: raw rows or scattering */
    int image_h, image_w; /* the rows as images, for scattering (h w = M) */
    int init_pca;         /* cluster the subset's leading principal components; 0 = off */
    int learn_prior;      /* train the prior logits b too (else they stay zero) */
    mm_kernel kernel;
    int eval_every;       /* evaluation pass every this many epochs (and the last) */
    double checkpoint_every; /* seconds of wall time between checkpoints; 0 = never */
    int checkpoint_epochs;   /* also checkpoint at the end of every epoch */
    int restart;             /* ignore a checkpoint in out and start over */
} mm_train_config;

typedef struct {
    const char *model;    /* model.h5 of a training run */
    const char *data, *samples, *labels;
    int labels_required;
    const char *mask;     /* uint8 mask dataset (1 = observed), or NULL */
    int mask_required;
    const char *out;      /* assignments file */
    int reconstruct;      /* also write /reconstruction */
    int codes;            /* also write /code and /code_cluster */
    int force;
    int batch;            /* samples encoded at once per rank */
    mm_kernel kernel;
    const char *timers;   /* timers.json to write, or NULL */
    const char *record;   /* run.json to write, or NULL */
} mm_assign_config;

typedef struct {
    const char *out;
    int64_t n;            /* samples */
    int M, K, N;          /* features, clusters, atoms per cluster */
    int active;           /* non-zero code entries per sample */
    double noise;         /* standard deviation of the added Gaussian noise */
    int signed_codes;     /* 0: code magnitudes |Laplace|, so clusters are cones;
                             1: symmetric Laplace, clusters are whole subspaces */
    uint64_t seed;
    int force;
} mm_synth_config;

typedef struct {
    const char *model;
    const char *data, *samples, *labels, *mask;
    int mask_required;
    int64_t index;        /* the sample (row) to explain */
    int atoms;            /* at most this many active atoms listed */
} mm_explain_config;

typedef struct {
    const char *model;    /* model.h5 of a training run */
    const char *png;      /* image to write */
    int shape_h, shape_w; /* each atom an H x W image (row-major, as samples are stored);
                             shape_h = 0: a line plot of shape_w values */
    int per_cluster;      /* atoms shown per cluster; 0 = all */
    int scale;            /* every pixel drawn as scale x scale */
    const char *data;     /* samples that order the atoms by use, or NULL: atom order */
    const char *samples;
    const char *mask;     /* uint8 mask dataset (1 = observed), or NULL */
    int mask_required;
    int force;            /* overwrite an existing image */
} mm_atoms_config;

typedef struct {
    const char *in, *out;
    const char *samples;  /* samples dataset of in; out gets /samples (and in's /labels) */
    double prob;          /* fraction of samples that lose values */
    double frac;          /* fraction of a chosen sample's values that go missing */
    uint64_t seed;
    int force;
} mm_erase_config;

typedef struct {
    const char *out;
    const char *const *inputs; /* IDX files, images and labels in any order */
    int n_inputs;
    int force;
} mm_import_config;

typedef struct {
    mm_dims d;            /* K, M, N, L, lambda, eta of the model timed */
    int batch;            /* global training batch, split across ranks */
    int steps;            /* timed training steps (after two untimed ones) */
    int infer_rows;       /* rows each rank encodes in the inference pass */
    int infer_batch;      /* rows encoded at once */
    int sgemm_n;          /* size of the square SGEMM that sets the reference rate */
    mm_kernel kernel;
    uint64_t seed;
} mm_bench_config;

/* Train a model; writes out/model.h5, out/assignments.h5, out/metrics.jsonl
 * and, while it runs, out/checkpoint.h5, from which it resumes by itself.
 * Returns MM_STOPPED after a stop request (a signal) was checkpointed. */
mm_status mm_train(const mm_train_config *cfg);

/* Cluster a data set with a trained model. */
mm_status mm_assign(const mm_assign_config *cfg);

/* Write a data set drawn from the model itself (with its labels and the true
 * dictionaries), rows written in parallel. */
mm_status mm_synth(const mm_synth_config *cfg);

/* Time the training step, the inference pass and this machine's SGEMM on
 * generated data, and print rates, their ratio and peak memory per rank. */
mm_status mm_bench(const mm_bench_config *cfg);

/* Print why one sample went to its cluster: the posterior, every cluster's
 * energy split into reconstruction error and sparsity cost, and the winning
 * cluster's active atoms with their weights. */
mm_status mm_explain(const mm_explain_config *cfg);

/* Draw every cluster's atoms as one row of tiles in a PNG image (rank 0
 * writes it). With data, each cluster's atoms are shown in decreasing order
 * of how often they are active in the samples that cluster wins. */
mm_status mm_atoms(const mm_atoms_config *cfg);

/* Copy a data set with values erased (NaN) as the published robustness
 * experiment does: a fraction prob of the samples each loses round(frac M)
 * values chosen uniformly; the same for a seed whatever the rank count. */
mm_status mm_erase(const mm_erase_config *cfg);

/* Convert IDX files (gzip or plain) to /samples float32 in [0, 1] and /labels. */
mm_status mm_import(const mm_import_config *cfg);

#endif
