/*
 * checkpoint.h5: everything a training run needs to continue bitwise where
 * it stopped. Rank 0 writes it (the model is identical on every rank) and
 * reads it; the run module broadcasts what it read.
 */
#ifndef MIXMATE_CHECKPOINT_FILE_H
#define MIXMATE_CHECKPOINT_FILE_H

#include <mixmate/mixmate.h>

#include <stdint.h>

/* 2: adds the graph-based starts' settings, learn_prior and Adam's moments of b. */
#define MM_CHECKPOINT_FORMAT 2

typedef struct {
    /* where the run stands */
    int finished;          /* 1 once the last epoch's results are written */
    int64_t epochs_done;   /* completed epochs */
    int64_t step;          /* steps done in the epoch after them */
    double loss_sum;       /* sum of those steps' losses, for the epoch's line */
    int64_t adam_step;
    int64_t ranks;

    /* the configuration that matters for continuing */
    mm_dims d;             /* K, M, N, L, lambda, eta */
    double lr;
    int64_t batch, epochs, seed, init, init_subset, kmeans_restarts, kernel;
    int64_t knn, affinity, ssc_nonzero, learn_prior;
    int64_t init_features, image_h, image_w, init_pca;

    /* the input's fingerprint */
    char input_file[1024];
    char input_dataset[256];
    char input_type[48];
    int64_t input_rows, input_cols;
    uint64_t input_checksum;

    /* the state: K x M x N (W, Adam moments) and K (b, its Adam moments) floats */
    float *W, *b, *adam_m, *adam_v, *prior_m, *prior_v;
} mm_checkpoint;

/* Rank 0 only: write path through a temporary name, flushed, synced and
 * renamed, with Fletcher32 checksums on the arrays. */
mm_status mm_checkpoint_write(const char *path, const mm_checkpoint *c);

/* Rank 0 only: read path, allocating the arrays (free with _free). A
 * damaged, truncated or foreign file fails with a line naming it. */
mm_status mm_checkpoint_read(const char *path, mm_checkpoint *c);

/* Rank 0 only: 1 if path holds a checkpoint of an unfinished run, 0 if of a
 * finished one, -1 if it cannot be read. */
int mm_checkpoint_unfinished(const char *path);

void mm_checkpoint_free(mm_checkpoint *c);

#endif
