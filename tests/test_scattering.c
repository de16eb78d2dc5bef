/*
 * The scattering transform against its definition: filters against the
 * Morlet formula written out here, every coefficient of every map (orders 0,
 * 1 and 2) against direct circular convolutions in O(n^2) loops on the same
 * padded grid, a translation by 2^J moving every map by one sample, zero
 * wavelet coefficients for a constant image, map counts and output sizes,
 * the per-map normalisation, and threads changing nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <mixmate/util.h>

#include <complex.h>
#include <math.h>
#include <mpi.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features/scattering.h"

/* ---- the definition, evaluated directly ------------------------------------- */

/* numpy's reflect padding, unfolded one bounce at a time. */
static int mirror(int i, int n)
{
    while (i < 0 || i >= n)
        i = i < 0 ? -i : 2 * (n - 1) - i;
    return i;
}

/* The inverse DFT of a real Fourier-domain filter, by the O(np^2) sum. */
static double complex *inverse_dft(const double *F, int Hp, int Wp)
{
    const size_t np = (size_t)Hp * Wp;
    double complex *f = calloc(np, sizeof *f);
    for (int r = 0; r < Hp; r++)
        for (int q = 0; q < Wp; q++)
            for (int u = 0; u < Hp; u++)
                for (int v = 0; v < Wp; v++) {
                    double ang = 2 * MM_PI * ((double)u * r / Hp + (double)v * q / Wp);
                    f[(size_t)r * Wp + q] += F[(size_t)u * Wp + v] * cexp(I * ang);
                }
    for (size_t i = 0; i < np; i++)
        f[i] /= (double)np;
    return f;
}

/* out(n) = sum_m in(m) filt(n - m), circular on Hp x Wp. */
static void circular_conv(const double complex *in, const double complex *filt, int Hp, int Wp,
                          double complex *out)
{
    for (int r = 0; r < Hp; r++)
        for (int q = 0; q < Wp; q++) {
            double complex sum = 0;
            for (int a = 0; a < Hp; a++)
                for (int b = 0; b < Wp; b++)
                    sum += in[(size_t)a * Wp + b] *
                           filt[(size_t)((r - a + Hp) % Hp) * Wp + (q - b + Wp) % Wp];
            out[(size_t)r * Wp + q] = sum;
        }
}

/* Samples of map * phi at rows and columns (1..Ho) 2^J, appended to out. */
static double *lowpass_samples(const double complex *map, const double complex *phi,
                               const mm_scattering_shape *sh, double *out)
{
    const int step = 1 << sh->J;
    for (int a = 1; a <= sh->Ho; a++)
        for (int b = 1; b <= sh->Wo; b++) {
            double sum = 0;
            for (int r = 0; r < sh->Hp; r++)
                for (int q = 0; q < sh->Wp; q++)
                    sum += creal(map[(size_t)r * sh->Wp + q]) *
                           creal(phi[(size_t)((a * step - r + sh->Hp) % sh->Hp) * sh->Wp +
                                     (b * step - q + sh->Wp) % sh->Wp]);
            *out++ = sum;
        }
    return out;
}

static void modulus(double complex *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = cabs(x[i]);
}

/* Every coefficient of one image by direct convolutions with the spatial
 * filters, in the transform's map order. */
static void direct_scattering(const mm_scattering *s, const float *img, double *out)
{
    const mm_scattering_shape *sh = mm_scattering_geometry(s);
    const int J = sh->J, L = sh->L, K = J * L;
    const size_t np = (size_t)sh->Hp * sh->Wp;
    double complex *filt[K + 1];
    for (int k = 0; k <= K; k++)
        filt[k] = inverse_dft(mm_scattering_filter(s, k), sh->Hp, sh->Wp);

    double complex *x = calloc(np, sizeof *x), *u2 = calloc(np, sizeof *u2);
    double complex *u1 = calloc((size_t)K * np, sizeof *u1);
    for (int r = 0; r < sh->Hp; r++)
        for (int q = 0; q < sh->Wp; q++)
            x[(size_t)r * sh->Wp + q] =
                img[mirror(r - sh->top, sh->H) * sh->W + mirror(q - sh->left, sh->W)];

    out = lowpass_samples(x, filt[K], sh, out);
    for (int k1 = 0; k1 < K; k1++) {
        circular_conv(x, filt[k1], sh->Hp, sh->Wp, u1 + k1 * np);
        modulus(u1 + k1 * np, np);
        out = lowpass_samples(u1 + k1 * np, filt[K], sh, out);
    }
    for (int k1 = 0; k1 < K; k1++)
        for (int k2 = (k1 / L + 1) * L; k2 < K; k2++) {
            circular_conv(u1 + k1 * np, filt[k2], sh->Hp, sh->Wp, u2);
            modulus(u2, np);
            out = lowpass_samples(u2, filt[K], sh, out);
        }

    for (int k = 0; k <= K; k++)
        free(filt[k]);
    free(u1), free(u2), free(x);
}

static float *random_image(int H, int W, uint64_t seed)
{
    mm_rng r;
    mm_rng_seed(&r, seed, 900, 0);
    float *img = malloc((size_t)H * W * sizeof *img);
    for (int i = 0; i < H * W; i++)
        img[i] = (float)mm_rng_uniform(&r);
    return img;
}

/* Largest difference in each map relative to that map's largest reference
 * value; the worst over maps. Every map must be non-zero. */
static double worst_map_error(const float *got, const double *want, int maps, int P)
{
    double worst = 0;
    for (int k = 0; k < maps; k++) {
        double diff = 0, scale = 0;
        for (int p = 0; p < P; p++) {
            diff = fmax(diff, fabs(got[k * P + p] - want[k * P + p]));
            scale = fmax(scale, fabs(want[k * P + p]));
        }
        assert_true(scale > 0);
        worst = fmax(worst, diff / scale);
    }
    return worst;
}

static void check_against_direct(int H, int W, int J, int L, uint64_t seed)
{
    mm_scattering *s = NULL;
    assert_int_equal(mm_scattering_create(H, W, J, L, &s), MM_OK);
    const mm_scattering_shape *sh = mm_scattering_geometry(s);
    const int P = sh->Ho * sh->Wo;
    assert_int_equal(sh->maps, 1 + J * L + L * L * J * (J - 1) / 2);
    assert_int_equal(mm_scattering_size(s), (size_t)sh->maps * P);

    float *img = random_image(H, W, seed);
    float *got = malloc(mm_scattering_size(s) * sizeof *got);
    double *want = malloc(mm_scattering_size(s) * sizeof *want);
    mm_scattering_apply(s, img, 1, got);
    direct_scattering(s, img, want);

    double err = worst_map_error(got, want, sh->maps, P);
    printf("  %dx%d J=%d L=%d: %d maps of %dx%d, worst relative error %.2e\n", H, W, J, L,
           sh->maps, sh->Ho, sh->Wo, err);
    assert_true(err < 1e-5);
    free(want), free(got), free(img);
    mm_scattering_free(s);
}

static void test_every_map_matches_direct_convolution(void **state)
{
    (void)state;
    check_against_direct(9, 14, 2, 8, 1);  /* padded 16 x 20, maps 2 x 3 */
    check_against_direct(8, 8, 3, 8, 2);   /* the initialisation's 217 maps */
}

/* ---- the filters against the Morlet formula ----------------------------------- */

/* Kymatio's Gabor in rotated coordinates: envelope exp(-(x'^2 + slant^2 y'^2)
 * / 2 sigma^2), phase xi x', summed over 5 x 5 periods. */
static double complex gabor_at(int r, int q, int Hp, int Wp, double sigma, double theta,
                               double xi, double slant)
{
    double complex sum = 0;
    for (int ex = -2; ex <= 2; ex++)
        for (int ey = -2; ey <= 2; ey++) {
            double x = r + ex * Hp, y = q + ey * Wp;
            double along = x * cos(theta) + y * sin(theta);
            double across = -x * sin(theta) + y * cos(theta);
            double env = exp(-(along * along + slant * slant * across * across) /
                             (2 * sigma * sigma));
            sum += env * cexp(I * xi * along);
        }
    return sum * slant / (2 * MM_PI * sigma * sigma);
}

/* The filter's Hermitian part, which is what a real Fourier filter keeps. */
static void check_filter(const mm_scattering *s, int k, double sigma, double theta, double xi,
                         double slant, int morlet)
{
    const mm_scattering_shape *sh = mm_scattering_geometry(s);
    const int Hp = sh->Hp, Wp = sh->Wp;
    const size_t np = (size_t)Hp * Wp;
    double complex *g = calloc(np, sizeof *g), *e = calloc(np, sizeof *e), sg = 0, se = 0;
    for (int r = 0; r < Hp; r++)
        for (int q = 0; q < Wp; q++) {
            sg += g[r * Wp + q] = gabor_at(r, q, Hp, Wp, sigma, theta, xi, slant);
            se += e[r * Wp + q] = gabor_at(r, q, Hp, Wp, sigma, theta, 0, slant);
        }
    for (size_t i = 0; morlet && i < np; i++)
        g[i] -= sg / se * e[i];

    double complex *f = inverse_dft(mm_scattering_filter(s, k), Hp, Wp);
    double diff = 0, scale = 0;
    for (int r = 0; r < Hp; r++)
        for (int q = 0; q < Wp; q++) {
            double complex mirror = conj(g[(Hp - r) % Hp * Wp + (Wp - q) % Wp]);
            double complex herm = (g[r * Wp + q] + mirror) / 2;
            diff = fmax(diff, cabs(f[r * Wp + q] - herm));
            scale = fmax(scale, cabs(herm));
        }
    assert_true(diff < 1e-12 * scale);
    free(f), free(e), free(g);
}

static void test_filters_are_kymatio_morlets(void **state)
{
    (void)state;
    const int J = 3, L = 8;
    mm_scattering *s = NULL;
    assert_int_equal(mm_scattering_create(28, 28, J, L, &s), MM_OK);
    const mm_scattering_shape *sh = mm_scattering_geometry(s);
    assert_int_equal(sh->Hp, 40);
    assert_int_equal(sh->top, 6);
    assert_int_equal(sh->Ho, 3);
    assert_int_equal(sh->maps, 217);
    assert_int_equal(mm_scattering_size(s), 217 * 9);

    for (int j = 0; j < J; j++)
        for (int l = 0; l < L; l += 3) {
            check_filter(s, j * L + l, 0.8 * (1 << j), MM_PI * l / L, 0.75 * MM_PI / (1 << j),
                         4.0 / L, 1);
            /* Zero mean: the wavelet's transform vanishes at frequency 0. */
            assert_true(fabs(mm_scattering_filter(s, j * L + l)[0]) < 1e-12);
        }
    check_filter(s, J * L, 0.8 * (1 << (J - 1)), 0, 0, 1, 0);
    assert_true(fabs(mm_scattering_filter(s, J * L)[0] - 1) < 1e-9);
    mm_scattering_free(s);
}

/* ---- invariances ---------------------------------------------------------- */

static void test_translation_by_2J_shifts_every_map(void **state)
{
    (void)state;
    const int H = 32, W = 32, J = 2, shift = 1 << J;
    mm_scattering *s = NULL;
    assert_int_equal(mm_scattering_create(H, W, J, 8, &s), MM_OK);
    const mm_scattering_shape *sh = mm_scattering_geometry(s);
    const int P = sh->Ho * sh->Wo, D = (int)mm_scattering_size(s);

    /* A blob far enough from the borders that the padding stays zero. */
    float *img = calloc((size_t)2 * H * W, sizeof *img), *moved = img + H * W;
    float *blob = random_image(8, 8, 3);
    for (int r = 0; r < 8; r++)
        for (int q = 0; q < 8; q++) {
            img[(8 + r) * W + 10 + q] = blob[r * 8 + q];
            moved[(8 + shift + r) * W + 10 + q] = blob[r * 8 + q];
        }
    float *out = malloc((size_t)2 * D * sizeof *out);
    mm_scattering_apply(s, img, 2, out);

    for (int k = 0; k < sh->maps; k++) {
        const float *a = out + k * P, *b = out + D + k * P;
        double diff = 0, scale = 0;
        for (int r = 0; r + 1 < sh->Ho; r++)
            for (int q = 0; q < sh->Wo; q++) {
                diff = fmax(diff, fabs(b[(r + 1) * sh->Wo + q] - a[r * sh->Wo + q]));
                scale = fmax(scale, fabs(a[r * sh->Wo + q]));
            }
        assert_true(scale > 0);
        assert_true(diff < 1e-5 * scale);
    }
    free(out), free(blob), free(img);
    mm_scattering_free(s);
}

static void test_constant_image_has_no_wavelet_energy(void **state)
{
    (void)state;
    mm_scattering *s = NULL;
    assert_int_equal(mm_scattering_create(16, 16, 2, 8, &s), MM_OK);
    const mm_scattering_shape *sh = mm_scattering_geometry(s);
    const int P = sh->Ho * sh->Wo, D = (int)mm_scattering_size(s);
    float img[16 * 16];
    for (int i = 0; i < 16 * 16; i++)
        img[i] = 3.0f;
    float *out = malloc((size_t)D * sizeof *out);
    mm_scattering_apply(s, img, 1, out);

    /* Order 0 is the image's value (phi sums to 1); the rest is rounding. */
    for (int p = 0; p < P; p++)
        assert_true(fabs(out[p] - 3.0) < 1e-6);
    for (int i = P; i < D; i++)
        assert_true(fabs(out[i]) < 1e-6 * 3.0);
    free(out);
    mm_scattering_free(s);
}

static void test_threads_and_normalisation(void **state)
{
    (void)state;
    const int n = 7;
    mm_scattering *s = NULL;
    assert_int_equal(mm_scattering_create(12, 10, 3, 8, &s), MM_OK);
    const size_t D = mm_scattering_size(s);
    const int P = mm_scattering_geometry(s)->Ho * mm_scattering_geometry(s)->Wo;
    float *imgs = random_image(n * 12, 10, 4);
    float *one = malloc(n * D * sizeof *one), *two = malloc(n * D * sizeof *two);

    /* Each image is computed alone: the thread count changes no bit. */
    omp_set_num_threads(1);
    mm_scattering_apply(s, imgs, n, one);
    omp_set_num_threads(2);
    mm_scattering_apply(s, imgs, n, two);
    assert_memory_equal(one, two, n * D * sizeof *one);

    /* Every map has unit root mean square over the rows and its samples. */
    mm_scattering_normalise(s, one, n);
    for (int k = 0; k < mm_scattering_geometry(s)->maps; k++) {
        double ss = 0;
        for (int i = 0; i < n; i++)
            for (int p = 0; p < P; p++)
                ss += (double)one[i * D + k * P + p] * one[i * D + k * P + p];
        assert_true(fabs(sqrt(ss / (n * P)) - 1) < 1e-5);
    }
    free(two), free(one), free(imgs);
    mm_scattering_free(s);
}

static void test_refuses_images_smaller_than_2J(void **state)
{
    (void)state;
    mm_scattering *s = NULL;
    mm_error_clear();
    assert_int_equal(mm_scattering_create(7, 28, 3, 8, &s), MM_ERR_USAGE);
    assert_non_null(strstr(mm_error_message(), "7 x 28"));
    assert_null(s);
    mm_error_clear();
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters_are_kymatio_morlets),
        cmocka_unit_test(test_every_map_matches_direct_convolution),
        cmocka_unit_test(test_translation_by_2J_shifts_every_map),
        cmocka_unit_test(test_constant_image_has_no_wavelet_energy),
        cmocka_unit_test(test_threads_and_normalisation),
        cmocka_unit_test(test_refuses_images_smaller_than_2J),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Finalize();
    return failed;
}
