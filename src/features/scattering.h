/*
 * The 2-D wavelet scattering transform of images (Kymatio's Scattering2D
 * definition, orders 0 to 2) and its Morlet filter bank, computed with FFTW.
 * Serial per image, threaded over images; no MPI.
 *
 * Shapes: an image is H x W floats, row-major. It is reflect-padded to the
 * Hp x Wp grid on which every convolution is circular. A transformed image is
 * `maps` coefficient maps of Ho x Wo values each, map-major, row-major within
 * a map: mm_scattering_size() = maps * Ho * Wo floats.
 *
 * Map order: order 0; order 1 by (j1, l1); order 2 by (j1, l1, j2, l2) with
 * j2 > j1; scales j from fine (0) to coarse, orientation l at angle pi l / L.
 * (Kymatio numbers its angles (L/2 - 1 - l) pi / L: the same angles modulo
 * pi, and a wavelet turned by pi gives the same modulus of a real signal, so
 * only the order of the maps differs.)
 *
 * Geometry, as Kymatio's: the padding is numpy's "reflect" (the edge pixel
 * not repeated), (Hp - H) / 2 rows above, the rest below; the maps are
 * sampled every 2^J from index 0 and the first and last samples of each
 * axis are cut, because their low-pass window lies mostly in the padding.
 * 28 x 28 with J = 3: padded 40 x 40, 5 x 5 samples, 3 x 3 kept, centred on
 * image pixels 2, 10 and 18 of each axis; 217 maps x 9 = 1953 values.
 */
#ifndef MIXMATE_SCATTERING_H
#define MIXMATE_SCATTERING_H

#include <mixmate/status.h>

#include <stddef.h>
#include <stdint.h>

/* Strict C17 has no M_PI. */
#define MM_PI 3.14159265358979323846

typedef struct mm_scattering mm_scattering;

typedef struct {
    int H, W;       /* image */
    int J, L;       /* scales and orientations */
    int Hp, Wp;     /* padded grid: ((H + 2^J) / 2^J + 1) 2^J, as Kymatio pads */
    int top, left;  /* the image's first row and column on the padded grid */
    int Ho, Wo;     /* kept map size: Hp / 2^J - 2 (one border sample cut per side) */
    int maps;       /* 1 + J L + L^2 J (J - 1) / 2 */
} mm_scattering_shape;

/* The shape of the transform of H x W images, without building it. Fails
 * (MM_ERR_USAGE) when J < 1, L < 1, or H or W is smaller than 2^J. */
mm_status mm_scattering_shape_of(int H, int W, int J, int L, mm_scattering_shape *shape);

/* Build the filters and FFTW plans. Not thread-safe (FFTW's planner is not):
 * call from one thread; the transform it returns may then be applied from
 * any number of threads. */
mm_status mm_scattering_create(int H, int W, int J, int L, mm_scattering **s);
void mm_scattering_free(mm_scattering *s);

const mm_scattering_shape *mm_scattering_geometry(const mm_scattering *s);

/* Floats per transformed image: maps * Ho * Wo. */
size_t mm_scattering_size(const mm_scattering *s);

/* The Fourier-domain filter k as Hp x Wp reals (DFT with e^{-2 pi i k.n / N},
 * origin at index 0): the wavelet psi_{j, l} for k = j L + l < J L, the
 * low-pass phi for k = J L. */
const double *mm_scattering_filter(const mm_scattering *s, int k);

/* Transform n images (n x H x W) into out (n x mm_scattering_size()), with
 * OpenMP threads over images. Unnormalised coefficients. */
void mm_scattering_apply(const mm_scattering *s, const float *images, int64_t n, float *out);

/* Divide every coefficient map by its root mean square over the n rows of F
 * and the map's Ho x Wo positions (a map that is zero everywhere stays
 * zero). Serial; the result depends on every row, not on how they are split. */
void mm_scattering_normalise(const mm_scattering *s, float *F, int64_t n);

/* Fourier transform, real part, of a Kymatio-style Gabor (morlet 0) or Morlet
 * (morlet 1) on an Hp x Wp grid: envelope sigma, stretched by 1 / slant
 * across direction theta, frequency xi along it, summed over 5 x 5 periods.
 * Plans an FFT: call from one thread. */
void mm_morlet_fourier(int Hp, int Wp, double sigma, double theta, double xi, double slant,
                       int morlet, double *out);

#endif
