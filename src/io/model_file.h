/*
 * model.h5: the trained dictionaries and prior logits with every setting
 * that produced them, readable by h5py, h5dump or Fortran.
 */
#ifndef MIXMATE_MODEL_FILE_H
#define MIXMATE_MODEL_FILE_H

#include <mixmate/mixmate.h>

#include "io/dataset.h"

typedef struct {
    mm_dims d;
    float *W; /* K x M x N */
    float *b; /* K */
} mm_model;

void mm_model_alloc(mm_model *m, const mm_dims *d);
void mm_model_free(mm_model *m);

/* Rank 0 only: write path through a temporary name. */
mm_status mm_model_write(const char *path, const mm_model *m, const mm_train_config *cfg,
                         const mm_shard *data, int epochs_done);

/* Collective: rank 0 reads path, every rank receives the model. */
mm_status mm_model_read(const char *path, mm_model *m);

#endif
