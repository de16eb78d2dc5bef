/*
 * The initialisation's feature step: scattering of the subset's images and
 * principal components, both split over ranks by rows and gathered, so every
 * rank ends with the same S x D features. Memory per rank (P ranks, T
 * threads), besides the subset X (4 S M bytes, held already): scattering
 * 4 S D0 (1 + 1 / P) for all rows' and this rank's coefficients plus T x
 * 3.3 MB of workspace for 28 x 28 images (D0 = 1953 there); PCA of d columns
 * to D, 8 d^2 for the covariance, 8 d D for the axes, 4 S D (1 + 1 / P).
 * S = 10000 Fashion-MNIST images to 1953 coefficients: 200 MB on one rank.
 */
#include "run/features.h"

#include <stdlib.h>

#include "features/scattering.h"
#include "par/par.h"
#include "run/pca.h"

/* The spec against the data; the same answer on every rank, and one rank
 * prints it. Writes the scattering dimension (or M) to *dim. */
static mm_status check_spec(const mm_features_spec *spec, int64_t S, int M, int *dim)
{
    const int side = 1 << MM_FEATURES_SCALES;
    mm_status st = MM_OK;
    *dim = M;
    if (spec->kind != MM_FEATURES_RAW && spec->kind != MM_FEATURES_SCATTERING)
        st = mm_fail(MM_ERR_USAGE, "--init-features: unknown kind %d", (int)spec->kind);
    if (spec->kind == MM_FEATURES_SCATTERING) {
        long long pixels = (long long)spec->image_h * spec->image_w;
        mm_scattering_shape sh;
        if (spec->image_h < 1 || spec->image_w < 1 || pixels != M)
            st = mm_fail(MM_ERR_USAGE, "--image-shape %dx%d has %lld pixels but the data rows "
                         "have %d values; give the images' height x width", spec->image_h,
                         spec->image_w, pixels, M);
        else if (spec->image_h < side || spec->image_w < side)
            st = mm_fail(MM_ERR_USAGE, "--image-shape %dx%d: scattering over %d scales needs "
                         "images of at least %d x %d pixels", spec->image_h, spec->image_w,
                         MM_FEATURES_SCALES, side, side);
        else if ((st = mm_scattering_shape_of(spec->image_h, spec->image_w, MM_FEATURES_SCALES,
                                              MM_FEATURES_ORIENTATIONS, &sh)) == MM_OK)
            *dim = sh.maps * sh.Ho * sh.Wo;
    }
    if (st == MM_OK && (spec->pca < 0 || spec->pca > *dim || spec->pca > S))
        st = mm_fail(MM_ERR_USAGE, "--init-pca %d is outside 0..%lld: the features have %d "
                     "dimensions and the subset %lld rows", spec->pca,
                     (long long)(S < *dim ? S : *dim), *dim, (long long)S);
    return mm_par_agree(st);
}

mm_status mm_features_check(const mm_features_spec *spec, int64_t S, int M)
{
    int dim;
    return check_spec(spec, S, M, &dim);
}

/* Every row's scattering coefficients, each map normalised over the subset. */
static mm_status scattering_features(const mm_features_spec *spec, const float *X, int64_t S,
                                     float **F, int *D)
{
    mm_scattering *s = NULL;
    MM_TRY(mm_par_agree(mm_scattering_create(spec->image_h, spec->image_w, MM_FEATURES_SCALES,
                                             MM_FEATURES_ORIENTATIONS, &s)));
    const size_t d = mm_scattering_size(s), M = (size_t)spec->image_h * spec->image_w;

    int64_t lo, hi;
    mm_block_range(S, mm_rank(), mm_nranks(), &lo, &hi);
    float *mine = mm_alloc((size_t)(hi - lo) * d * sizeof *mine, "scattering of this rank");
    mm_scattering_apply(s, X + (size_t)lo * M, hi - lo, mine);
    *F = mm_alloc((size_t)S * d * sizeof **F, "scattering features");
    mm_par_allgather_float(mine, (size_t)(hi - lo) * d, *F);
    free(mine);

    mm_scattering_normalise(s, *F, S);
    mm_scattering_free(s);
    *D = (int)d;
    return MM_OK;
}

mm_status mm_features_compute(const mm_features_spec *spec, const float *X, int64_t S, int M,
                              float **F, int *D)
{
    int dim = M;
    *F = NULL;
    *D = M;
    MM_TRY(check_spec(spec, S, M, &dim));

    /* Scattering first: PCA then works on the coefficients. */
    float *base = NULL;
    if (spec->kind == MM_FEATURES_SCATTERING)
        MM_TRY(scattering_features(spec, X, S, &base, &dim));
    if (spec->pca == 0) {
        *F = base, *D = dim;
        return MM_OK;
    }

    float *proj = NULL;
    mm_status st = mm_pca_project(base ? base : X, S, dim, spec->pca, &proj);
    free(base);
    if (st == MM_OK)
        *F = proj, *D = spec->pca;
    return st;
}
