/*
 * Reading the samples (and optional labels and mask) of an HDF5 file, each
 * rank its own contiguous block of rows. No rank ever holds more than its
 * block. A missing value is NaN in Y, whether the file stored NaN or its mask
 * said 0, so that one representation reaches the kernels.
 */
#ifndef MIXMATE_DATASET_H
#define MIXMATE_DATASET_H

#include <mixmate/status.h>

#include <stdint.h>

typedef struct {
    int64_t n;        /* rows in the file */
    int64_t M;        /* values per row */
    int64_t lo, hi;   /* this rank's rows [lo, hi) */
    float *Y;         /* (hi - lo) x M, row-major */
    int64_t *labels;  /* hi - lo class labels, or NULL */
    char type[48];    /* the stored type, for provenance ("uint8", "float32", ...) */
    int64_t incomplete; /* rows in the file with at least one missing value */
    int64_t empty;      /* rows in the file with no observed value at all */
    int64_t first_empty; /* the first of those, or -1 */
    int64_t missing;    /* missing values in the file */
} mm_shard;

typedef struct {
    const char *path;     /* the HDF5 file */
    const char *samples;  /* dataset of samples, rows are samples */
    const char *labels;   /* dataset of integer labels, or NULL */
    int labels_required;  /* 0: a missing labels dataset is no error */
    const char *mask;     /* uint8 dataset shaped like samples, 1 = observed, or NULL */
    int mask_required;    /* 0: a missing mask dataset is no error */
} mm_shard_request;

/* Collective. Opens the file on all ranks, checks shapes and types, and reads
 * this rank's block of rows with collective hyperslab reads, converting any
 * numeric type to float. Fails (same status on every rank) with a message
 * naming the file and dataset; an infinite value or a mask value other than
 * 0 and 1 is refused with its row and column. */
mm_status mm_shard_read(const mm_shard_request *req, mm_shard *s);

/* 1 when row r (local) of Y has a missing value; 2 when it has no observed one. */
int mm_row_state(const float *y, int64_t M);

void mm_shard_free(mm_shard *s);

/* Not collective: one row of the samples (mask applied) and its label, for
 * looking at a single sample. y must hold M values; M is checked against
 * the file, index against its rows, each failure named. */
mm_status mm_row_read(const mm_shard_request *req, int64_t index, int64_t M, float *y,
                      int64_t *label, int *has_label);

#endif
