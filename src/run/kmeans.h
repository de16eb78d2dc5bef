/* k-means for the initialisation: k-means++ seeding, then Lloyd iterations. */
#ifndef MIXMATE_KMEANS_H
#define MIXMATE_KMEANS_H

#include <stdint.h>

/* Clusters the n x M rows of X into K groups; `restarts` independent starts,
 * the lowest inertia wins. Writes labels (n) and returns that inertia.
 * Deterministic for a seed. Serial apart from BLAS; run it on one rank. */
double mm_kmeans(const float *X, int64_t n, int M, int K, int restarts, uint64_t seed,
                 int *labels);

#endif
