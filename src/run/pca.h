/* Principal components of a matrix every rank holds, from a covariance
 * summed over the ranks' row slices. */
#ifndef MIXMATE_PCA_H
#define MIXMATE_PCA_H

#include <mixmate/status.h>

#include <stdint.h>

/* Collective. A (S x M, row-major) is identical on every rank. Writes to *out
 * a newly allocated S x D array, identical on every rank: the centred rows of
 * A projected onto the D leading eigenvectors of their covariance, in order
 * of decreasing eigenvalue, each vector's sign chosen so that its entry of
 * largest magnitude is positive. Needs 1 <= D <= M; fails (agreed over ranks)
 * only when LAPACK does. */
mm_status mm_pca_project(const float *A, int64_t S, int M, int D, float **out);

#endif
