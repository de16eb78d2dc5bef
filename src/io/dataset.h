/*
 * Reading the samples (and optional labels) of an HDF5 file, each rank its
 * own contiguous block of rows. No rank ever holds more than its block.
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
} mm_shard;

typedef struct {
    const char *path;     /* the HDF5 file */
    const char *samples;  /* dataset of samples, rows are samples */
    const char *labels;   /* dataset of integer labels, or NULL */
    int labels_required;  /* 0: a missing labels dataset is no error */
} mm_shard_request;

/* Collective. Opens the file on all ranks, checks shapes and types, and reads
 * this rank's block of rows with collective hyperslab reads, converting any
 * numeric type to float. Fails (same status on every rank) with a message
 * naming the file and dataset. Non-finite values are refused. */
mm_status mm_shard_read(const mm_shard_request *req, mm_shard *s);

void mm_shard_free(mm_shard *s);

#endif
