/*
 * Kymatio's 2-D Gabor and Morlet filters, built in space on the padded grid
 * and moved to the Fourier domain. The envelope is summed over 5 x 5 copies
 * of the grid, so the filter is periodic as the circular convolutions need;
 * a Morlet subtracts the envelope times the constant that gives zero mean.
 * Only the real part of the transform is kept, as Kymatio does: it is the
 * transform of the filter's Hermitian part, and differs from the whole one
 * by the grid's asymmetry alone (one more sample at -N/2 than at +N/2).
 */
#include "features/scattering.h"

#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>

/* The periodised Gabor on the grid, origin at index (0, 0); normalised by
 * 2 pi sigma^2 / slant (Kymatio writes 3.1415 for pi; this uses pi). */
static void gabor(int Hp, int Wp, double sigma, double theta, double xi, double slant,
                  fftw_complex *g)
{
    const double c = cos(theta), s = sin(theta), sl2 = slant * slant;
    const double inv = 1.0 / (2 * sigma * sigma);
    const double a = (c * c + sl2 * s * s) * inv, b = c * s * (1 - sl2) * inv;
    const double d = (s * s + sl2 * c * c) * inv, norm = 2 * MM_PI * sigma * sigma / slant;

    for (int r = 0; r < Hp; r++)
        for (int q = 0; q < Wp; q++) {
            double complex sum = 0;
            for (int ex = -2; ex <= 2; ex++)
                for (int ey = -2; ey <= 2; ey++) {
                    double x = r + ex * Hp, y = q + ey * Wp;
                    double quad = a * x * x + 2 * b * x * y + d * y * y;
                    sum += cexp(-quad + I * xi * (x * c + y * s));
                }
            g[(size_t)r * Wp + q] = sum / norm;
        }
}

void mm_morlet_fourier(int Hp, int Wp, double sigma, double theta, double xi, double slant,
                       int morlet, double *out)
{
    const size_t np = (size_t)Hp * Wp;
    fftw_complex *g = mm_alloc(np * sizeof *g, "Gabor filter");
    fftw_complex *f = mm_alloc(np * sizeof *f, "Gabor filter transform");
    gabor(Hp, Wp, sigma, theta, xi, slant, g);

    /* Zero mean: subtract the envelope scaled to the Gabor's own sum. */
    if (morlet) {
        fftw_complex *env = mm_alloc(np * sizeof *env, "Gabor envelope");
        gabor(Hp, Wp, sigma, theta, 0, slant, env);
        double complex sg = 0, se = 0;
        for (size_t i = 0; i < np; i++)
            sg += g[i], se += env[i];
        for (size_t i = 0; i < np; i++)
            g[i] -= sg / se * env[i];
        free(env);
    }

    fftw_plan p = fftw_plan_dft_2d(Hp, Wp, g, f, FFTW_FORWARD, FFTW_ESTIMATE);
    fftw_execute(p);
    fftw_destroy_plan(p);
    for (size_t i = 0; i < np; i++)
        out[i] = creal(f[i]);
    free(f);
    free(g);
}
