/*
 * 2-D scattering of images as Kymatio's Scattering2D defines it, orders 0 to
 * 2, every convolution circular on the padded grid at full resolution.
 * Kymatio keeps each modulus only every 2^j samples (j its wavelet's scale),
 * which aliases it a little; computing the definition itself costs about
 * three times Kymatio's FFT work: 233 transforms of the padded grid per image,
 * near 3.5 ms of one core for 28 x 28 (padded 40 x 40). The final low-pass is
 * evaluated only at the kept samples, one matrix product for all maps.
 * Threads take whole images, each with its own buffers, and share FFTW plans
 * made once (new-array execution is thread-safe).
 */
#include "features/scattering.h"

#include <cblas.h>
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>

#define ALIGN 64

struct mm_scattering {
    mm_scattering_shape sh;
    size_t np;         /* Hp Wp */
    int P;             /* Ho Wo */
    double *filters;   /* (J L + 1) x np: psi_{j,l} at j L + l, then phi */
    double *phi_at;    /* np x P: phi(p - n) for grid point n and kept sample p */
    fftw_plan fwd, bwd; /* np complex to np complex, out of place, aligned */
};

/* One thread's buffers, carved from one block at ALIGN-byte offsets so that
 * every array has the alignment the plans were made for. */
typedef struct {
    void *block;
    fftw_complex *a, *b, *c; /* np each */
    fftw_complex *u1;        /* (J - 1) L x np: transforms of the moduli order 2 reuses */
    double *maps;            /* maps x np: the padded image, then every modulus */
    double *coef;            /* maps x P */
} workspace;

static size_t round_up(size_t bytes) { return (bytes + ALIGN - 1) / ALIGN * ALIGN; }

static void *carve(char **at, size_t bytes)
{
    void *p = *at;
    *at += round_up(bytes);
    return p;
}

static void workspace_init(workspace *w, const mm_scattering *s)
{
    const size_t np = s->np, cb = np * sizeof(fftw_complex);
    const int J = s->sh.J, L = s->sh.L, maps = s->sh.maps;
    size_t bytes = ALIGN + 3 * round_up(cb) + round_up((size_t)(J - 1) * L * cb) +
                   round_up((size_t)maps * np * sizeof(double)) +
                   round_up((size_t)maps * s->P * sizeof(double));
    w->block = mm_alloc(bytes, "scattering workspace");

    char *at = (char *)(((uintptr_t)w->block + ALIGN - 1) / ALIGN * ALIGN);
    w->a = carve(&at, cb);
    w->b = carve(&at, cb);
    w->c = carve(&at, cb);
    w->u1 = carve(&at, (size_t)(J - 1) * L * cb);
    w->maps = carve(&at, (size_t)maps * np * sizeof(double));
    w->coef = carve(&at, (size_t)maps * s->P * sizeof(double));
}

mm_status mm_scattering_shape_of(int H, int W, int J, int L, mm_scattering_shape *sh)
{
    if (J < 1 || J > 12 || L < 1)
        return mm_fail(MM_ERR_USAGE, "scattering needs 1 <= J <= 12 scales and L >= 1 "
                                     "orientations; found J = %d, L = %d", J, L);
    const int step = 1 << J;
    if (H < step || W < step)
        return mm_fail(MM_ERR_USAGE, "scattering with J = %d needs images of at least %d x %d "
                                     "pixels; found %d x %d", J, step, step, H, W);

    sh->H = H, sh->W = W, sh->J = J, sh->L = L;
    sh->Hp = ((H + step) / step + 1) * step;
    sh->Wp = ((W + step) / step + 1) * step;
    sh->top = (sh->Hp - H) / 2, sh->left = (sh->Wp - W) / 2;
    sh->Ho = sh->Hp / step - 2, sh->Wo = sh->Wp / step - 2;
    sh->maps = 1 + J * L + L * L * J * (J - 1) / 2;
    return MM_OK;
}

/* Kymatio's filters: psi with sigma 0.8 2^j, xi 3 pi / 4 / 2^j, slant 4 / L;
 * phi a round Gaussian with sigma 0.8 2^(J-1), as Kymatio's filter_bank has
 * it (not 0.8 2^J: the low-pass is half as wide as its subsampling step
 * suggests). */
static void build_filters(mm_scattering *s)
{
    const int J = s->sh.J, L = s->sh.L;
    for (int j = 0; j < J; j++)
        for (int l = 0; l < L; l++)
            mm_morlet_fourier(s->sh.Hp, s->sh.Wp, 0.8 * (1 << j), MM_PI * l / L,
                              0.75 * MM_PI / (1 << j), 4.0 / L, 1,
                              s->filters + (size_t)(j * L + l) * s->np);
    mm_morlet_fourier(s->sh.Hp, s->sh.Wp, 0.8 * (1 << (J - 1)), 0, 0, 1, 0,
                      s->filters + (size_t)J * L * s->np);
}

/* phi in space (real part of its inverse transform), laid out so that the
 * moduli times phi_at give the low-passed maps at the kept samples. */
static void build_phi_at(mm_scattering *s, workspace *w)
{
    const int Hp = s->sh.Hp, Wp = s->sh.Wp, step = 1 << s->sh.J;
    const double *phi = s->filters + (size_t)s->sh.J * s->sh.L * s->np;
    for (size_t i = 0; i < s->np; i++)
        w->a[i] = phi[i];
    fftw_execute_dft(s->bwd, w->a, w->b);

    for (int r = 0; r < Hp; r++)
        for (int q = 0; q < Wp; q++)
            for (int p = 0; p < s->P; p++) {
                int pr = (p / s->sh.Wo + 1) * step, pq = (p % s->sh.Wo + 1) * step;
                size_t d = (size_t)((pr - r + Hp) % Hp) * Wp + (size_t)((pq - q + Wp) % Wp);
                s->phi_at[((size_t)r * Wp + q) * s->P + p] = creal(w->b[d]) / (double)s->np;
            }
}

mm_status mm_scattering_create(int H, int W, int J, int L, mm_scattering **out)
{
    mm_scattering_shape sh;
    MM_TRY(mm_scattering_shape_of(H, W, J, L, &sh));

    mm_scattering *s = mm_calloc(1, sizeof *s, "scattering transform");
    s->sh = sh;
    s->np = (size_t)sh.Hp * sh.Wp;
    s->P = sh.Ho * sh.Wo;
    s->filters = mm_alloc((size_t)(J * L + 1) * s->np * sizeof *s->filters, "Morlet filters");
    s->phi_at = mm_alloc(s->np * s->P * sizeof *s->phi_at, "low-pass samples");
    build_filters(s);

    /* Estimated plans: the plan, hence every rounding, is the same on every
     * rank and run, which measured plans (about twice as fast) would not
     * promise. Without buffering, the estimate avoids plans that allocate a
     * buffer at every execution (a third faster on 40 x 40). */
    const unsigned flags = FFTW_ESTIMATE | FFTW_NO_BUFFERING;
    workspace w;
    workspace_init(&w, s);
    s->fwd = fftw_plan_dft_2d(sh.Hp, sh.Wp, w.a, w.b, FFTW_FORWARD, flags);
    s->bwd = fftw_plan_dft_2d(sh.Hp, sh.Wp, w.a, w.b, FFTW_BACKWARD, flags);
    if (!s->fwd || !s->bwd) {
        free(w.block);
        mm_scattering_free(s);
        return mm_fail(MM_ERR_INTERNAL, "FFTW could not plan a %d x %d transform", sh.Hp, sh.Wp);
    }
    build_phi_at(s, &w);
    free(w.block);
    *out = s;
    return MM_OK;
}

void mm_scattering_free(mm_scattering *s)
{
    if (!s)
        return;
    if (s->fwd)
        fftw_destroy_plan(s->fwd);
    if (s->bwd)
        fftw_destroy_plan(s->bwd);
    free(s->phi_at);
    free(s->filters);
    free(s);
}

const mm_scattering_shape *mm_scattering_geometry(const mm_scattering *s) { return &s->sh; }

size_t mm_scattering_size(const mm_scattering *s) { return (size_t)s->sh.maps * s->P; }

const double *mm_scattering_filter(const mm_scattering *s, int k)
{
    return s->filters + (size_t)k * s->np;
}

/* numpy's "reflect" padding (the edge sample is not repeated), folded as
 * often as needed when the margin exceeds the image. */
static int reflect(int i, int n)
{
    int period = 2 * (n - 1);
    i %= period;
    if (i < 0)
        i += period;
    return i < n ? i : period - i;
}

static void pad(const mm_scattering_shape *sh, const float *img, double *grid)
{
    for (int r = 0; r < sh->Hp; r++) {
        const float *row = img + (size_t)reflect(r - sh->top, sh->H) * sh->W;
        for (int q = 0; q < sh->Wp; q++)
            grid[(size_t)r * sh->Wp + q] = row[reflect(q - sh->left, sh->W)];
    }
}

/* |inverse transform of (in times filter)| into a real map; FFTW's inverse
 * is unnormalised, hence the 1 / np. The modulus skips cabs's overflow
 * guard (hypot), which cost as much as the transforms. */
static void filter_modulus(const mm_scattering *s, workspace *w, const fftw_complex *in,
                           const double *filter, double *map)
{
    for (size_t i = 0; i < s->np; i++)
        w->a[i] = in[i] * filter[i];
    fftw_execute_dft(s->bwd, w->a, w->c);
    const double inv = 1.0 / (double)s->np;
    for (size_t i = 0; i < s->np; i++) {
        double re = creal(w->c[i]), im = cimag(w->c[i]);
        map[i] = sqrt(re * re + im * im) * inv;
    }
}

static void transform_one(const mm_scattering *s, workspace *w, const float *img, float *out)
{
    const int J = s->sh.J, L = s->sh.L;
    const size_t np = s->np;

    /* Order 0 is the padded image itself before the low-pass; b = its transform. */
    pad(&s->sh, img, w->maps);
    for (size_t i = 0; i < np; i++)
        w->a[i] = w->maps[i];
    fftw_execute_dft(s->fwd, w->a, w->b);

    /* Order 1, keeping the transforms of the moduli that order 2 filters again. */
    for (int k1 = 0; k1 < J * L; k1++) {
        double *map = w->maps + (size_t)(1 + k1) * np;
        filter_modulus(s, w, w->b, mm_scattering_filter(s, k1), map);
        if (k1 / L == J - 1)
            continue;
        for (size_t i = 0; i < np; i++)
            w->a[i] = map[i];
        fftw_execute_dft(s->fwd, w->a, w->u1 + (size_t)k1 * np);
    }

    /* Order 2: each order-1 modulus through every coarser wavelet. */
    size_t m = 1 + (size_t)J * L;
    for (int k1 = 0; k1 < (J - 1) * L; k1++)
        for (int k2 = (k1 / L + 1) * L; k2 < J * L; k2++)
            filter_modulus(s, w, w->u1 + (size_t)k1 * np, mm_scattering_filter(s, k2),
                           w->maps + m++ * np);

    /* The low-pass at the kept samples, every map at once. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->sh.maps, s->P, (int)np, 1.0,
                w->maps, (int)np, s->phi_at, s->P, 0.0, w->coef, s->P);
    for (size_t i = 0; i < mm_scattering_size(s); i++)
        out[i] = (float)w->coef[i];
}

void mm_scattering_apply(const mm_scattering *s, const float *images, int64_t n, float *out)
{
    const size_t in_size = (size_t)s->sh.H * s->sh.W, out_size = mm_scattering_size(s);
    int threads = omp_get_max_threads();
    if (threads > n)
        threads = n > 0 ? (int)n : 1;
    workspace *ws = mm_alloc((size_t)threads * sizeof *ws, "scattering workspaces");
    for (int t = 0; t < threads; t++)
        workspace_init(&ws[t], s);

#pragma omp parallel for num_threads(threads) schedule(dynamic, 4)
    for (int64_t i = 0; i < n; i++)
        transform_one(s, &ws[omp_get_thread_num()], images + i * in_size, out + i * out_size);

    for (int t = 0; t < threads; t++)
        free(ws[t].block);
    free(ws);
}

/* One scale per map, shared by all images: order-2 maps are orders of
 * magnitude smaller than order 0 and would not count in a Euclidean distance
 * otherwise. A scale, not a z-score, keeps the features non-negative and
 * linear in the coefficients, so a union of subspaces stays one (as subspace
 * clustering assumes). Scaling each image's map to unit norm instead would
 * erase how energy spreads over orientations and scales, which is what the
 * coefficients describe (and clusters Fashion-MNIST worse). */
void mm_scattering_normalise(const mm_scattering *s, float *F, int64_t n)
{
    const size_t D = mm_scattering_size(s), P = (size_t)s->P;
    for (int k = 0; k < s->sh.maps; k++) {
        double ss = 0;
        for (int64_t i = 0; i < n; i++)
            for (size_t p = 0; p < P; p++) {
                double v = F[i * D + k * P + p];
                ss += v * v;
            }
        if (ss == 0)
            continue;
        float inv = (float)(1.0 / sqrt(ss / ((double)n * P)));
        for (int64_t i = 0; i < n; i++)
            for (size_t p = 0; p < P; p++)
                F[i * D + k * P + p] *= inv;
    }
}
