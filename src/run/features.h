/*
 * Features the initialisation's clustering sees instead of the raw subset
 * rows: 2-D scattering coefficients of images and/or a projection onto
 * leading principal components. The dictionaries are still built from the
 * raw rows; only the clustering looks at these.
 */
#ifndef MIXMATE_FEATURES_H
#define MIXMATE_FEATURES_H

#include <mixmate/mixmate.h>

#include <stdint.h>

typedef struct {
    mm_features_kind kind;  /* raw pixels or scattering coefficients */
    int image_h, image_w;   /* image shape for scattering; h * w must equal M */
    int pca;                /* project onto this many leading principal components; 0 = no PCA */
} mm_features_spec;

/* The scattering the initialisation uses: J = 3 scales, L = 8 orientations,
 * orders 0 to 2 (217 maps). */
enum { MM_FEATURES_SCALES = 3, MM_FEATURES_ORIENTATIONS = 8 };

/* Collective. X (S x M, row-major) is identical on every rank. Writes a newly
 * allocated S x D feature array, identical on every rank, to *F and D to *D;
 * with kind RAW and pca 0, *F is NULL, *D is M and X is used as it is.
 * Scattering: each rank transforms its contiguous slice of the S rows
 * (OpenMP threads over rows), the slices are gathered, and every map is
 * divided by its root mean square over the whole subset; the result does not
 * depend on the number of ranks or threads, to the bit. PCA: the covariance
 * of each rank's slice is summed over ranks and the rows are projected onto
 * its pca leading eigenvectors (LAPACK). Fails, with the same status on
 * every rank and one line naming the flag, when the spec does not fit the
 * data: h * w != M, an image smaller than 8 x 8, pca < 0, or pca larger than
 * the feature dimension or S. */
/* Collective: whether a spec fits S rows of M values, as mm_features_compute
 * would judge it, without computing anything. */
mm_status mm_features_check(const mm_features_spec *spec, int64_t S, int M);

mm_status mm_features_compute(const mm_features_spec *spec, const float *X, int64_t S, int M,
                              float **F, int *D);

#endif
