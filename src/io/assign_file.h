/* Assignment files: per-sample cluster, posterior and energies, n rows. */
#ifndef MIXMATE_ASSIGN_FILE_H
#define MIXMATE_ASSIGN_FILE_H

#include <mixmate/status.h>

#include <stdint.h>

typedef struct {
    int64_t n, lo, hi; /* rows in all, and this rank's [lo, hi) */
    int K;
    const int32_t *cluster;   /* hi - lo */
    const float *probability; /* (hi - lo) x K */
    const float *energy;      /* (hi - lo) x K */
    int M, N;
    const float *reconstruction; /* (hi - lo) x M, or NULL */
    const float *code;        /* (hi - lo) x N, or NULL; written with /code_cluster */
} mm_assignments;

/* Collective: every rank writes its rows of /cluster, /probability and
 * /energy (and /reconstruction, /code and /code_cluster when given) into one
 * file, through a temporary name renamed at the end. */
mm_status mm_assignments_write(const char *path, const mm_assignments *a);

#endif
