/*
 * The pieces the commands are made of: output locations, batches,
 * initialisation and evaluation. All are collective unless they say not.
 */
#ifndef MIXMATE_RUN_H
#define MIXMATE_RUN_H

#include <mixmate/metrics.h>
#include <mixmate/mixmate.h>

#include "io/checkpoint_file.h"
#include "io/dataset.h"
#include "io/model_file.h"

/* ---- output locations (outdir.c) ---- */

/* Create dir if missing; refuse one that holds a finished run's results
 * unless force. Sets *resume when dir holds the checkpoint of an unfinished
 * run and restart is not set. */
mm_status mm_outdir_prepare(const char *dir, int force, int restart, int *resume);

/* Refuse an existing path unless force; the directory must exist. flag names
 * the option the path came from. */
mm_status mm_outfile_prepare(const char *path, int force, const char *flag);

/* ---- batches (batches.c) ---- */

typedef struct {
    int64_t steps;       /* global steps per epoch: floor(n / B), same on every rank */
    int local;           /* this rank's rows in every batch */
    int64_t n_local;
    int64_t *order;      /* steps x local row indices for the current epoch */
} mm_batches;

/* This rank's share of the global batch B is proportional to its shard. */
void mm_batches_init(mm_batches *bt, int64_t n, int64_t lo, int64_t hi, int B);

/* The epoch's sample order, from the seed, the epoch and the rank alone. */
void mm_batches_shuffle(mm_batches *bt, uint64_t seed, int epoch);
void mm_batches_free(mm_batches *bt);

/* ---- the optimiser step (step.c) ---- */

typedef struct {
    mm_batch_ws_f32 *ws;
    float *grad;          /* K M N + K + 1: dW, db, loss; the one reduced buffer */
    float *adam_m, *adam_v;
    float *prior_m, *prior_v; /* K: Adam's moments of b */
    mm_adam adam;
    int learn_prior;      /* take Adam steps on b too (set after init; default off) */
    size_t nw;            /* K M N */
    int K, M;
    double compute_s, allreduce_s, update_s; /* accumulated by every step */
    float flags[2];       /* stop and checkpoint requests: this rank's in, the sum out */
} mm_stepper;

void mm_stepper_init(mm_stepper *s, const mm_dims *d, int max_rows, mm_kernel kernel,
                     double lr);
void mm_stepper_free(mm_stepper *s);

/* Collective: one step on the global batch of which this rank holds `local`
 * rows; `global` is the global batch size. Returns the global step loss. */
double mm_stepper_step(mm_stepper *s, mm_model *m, const float *rows, int local, int global);

/* ---- checkpoints and stop requests (resume.c, signals.c) ---- */

/* Collective: a checksum of rows spread over the whole input. */
uint64_t mm_data_checksum(const mm_shard *s);

/* Fill c's configuration and input fingerprint from a run's settings. */
void mm_checkpoint_describe(mm_checkpoint *c, const mm_train_config *cfg, const mm_shard *s,
                            uint64_t checksum);

/* The first field in which a checkpoint (have) disagrees with the command
 * line (want), as a failure naming it. */
mm_status mm_checkpoint_check(const mm_checkpoint *have, const mm_checkpoint *want,
                              const char *path);

void mm_signals_install(void);
int mm_signal_pending(void);   /* the signal that asked to stop, or 0 */
const char *mm_signal_name(int sig);

/* ---- input report (input_report.c) ---- */

/* Rank 0 prints how much of the input is missing, when any is. */
void mm_report_missing(const mm_shard *s, const char *path);

/* ---- initialisation (init.c) ---- */

/* Refuse start settings that cannot work on this input (too few complete
 * rows, a graph or feature setting that does not fit the subset), before
 * anything is written. */
mm_status mm_init_check(const mm_train_config *cfg, const mm_shard *s);

/* Dictionaries from the data as cfg->init says, identical on every rank. */
mm_status mm_init_model(const mm_train_config *cfg, const mm_shard *s, mm_model *m);

/* Rank 0 prints the initialisation's settings as one line of the config. */
void mm_init_log_config(const mm_train_config *cfg);

/* ---- evaluation (evaluate.c) ---- */

typedef struct {
    int done;             /* 0 when no evaluation pass ran (the other fields are unset) */
    double loss;          /* mean over all samples of sum_k p_k E_k, divided by M */
    int has_labels;
    mm_scores scores;
    int64_t *sizes;       /* K: samples assigned to each cluster */
    double zero_fraction; /* mean fraction of zero entries in the winning codes */
    int64_t empty;        /* rows with no observed value: cluster -1, left out of all figures */
} mm_eval;

typedef struct {
    int32_t *cluster;     /* local rows, or NULL */
    float *probability;   /* local rows x K, or NULL */
    float *energy;        /* local rows x K, or NULL */
    float *reconstruction; /* local rows x M: the winning cluster's W_k x_k, or NULL */
    float *code;          /* local rows x N: the winning cluster's code, or NULL */
} mm_eval_outputs;

/* Encode every local row in chunks of the workspace's batch, then agree on
 * the loss, cluster sizes and (with labels) ACC, NMI and ARI. A row with no
 * observed value gets cluster -1 (NaN reconstruction, zero code) and stays
 * out of the loss, the sizes and the scores. */
mm_status mm_evaluate(mm_batch_ws_f32 *ws, int chunk, const mm_model *m, const mm_shard *s,
                      mm_eval_outputs *out, mm_eval *ev);
void mm_eval_free(mm_eval *ev);

#endif
