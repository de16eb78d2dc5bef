/*
 * Unrolled FISTA in code space, forward and backward, for one cluster.
 *
 * With G = W^T W and C = Y W formed once, a layer is u = z H + eta C with
 * H = I - eta G: a B x N x N product instead of two B x M x N ones, about
 * M / N times fewer flops. The price is that the energy comes from
 * y.y - 2 c.x + x^T G x, which loses a few float digits to cancellation when
 * reconstructions are good; the data-space variant is there to check it.
 * The forward keeps only every layer's codes x_l (L x B x N): the backward
 * reads its threshold masks from them (x_l != 0 exactly where |u_l| > thr)
 * and rebuilds the momentum points z_l, in hot memory, from two of them.
 * Each layer's elementwise work is one pass.
 */
#include <mixmate/kernels.h>

#include <math.h>
#include <string.h>

#include "kernels/real.h"

/* Soft threshold written as v - clamp(v, -thr, thr): branch-free, so the
 * loops below vectorise, and exactly 0 inside the dead zone. */
static inline mm_real shrink(mm_real v, mm_real thr)
{
    mm_real c = v < -thr ? -thr : v;
    return v - (c > thr ? thr : c);
}

/* The rest of layer l after its product v = z_{l-1} H, in one pass:
 * u = v + eta c, the codes x = S(u) and the momentum point
 * z = x + m (x - x_prev). Of these only x is kept. */
static void finish_layer(const mm_real *restrict v, const mm_real *restrict c,
                         const mm_real *restrict x_prev, mm_real *restrict x,
                         mm_real *restrict z, size_t n, mm_real eta, mm_real thr, mm_real m)
{
    #pragma omp simd
    for (size_t i = 0; i < n; i++) {
        mm_real xi = shrink(v[i] + eta * c[i], thr);
        z[i] = xi + m * (xi - x_prev[i]);
        x[i] = xi;
    }
}

/* z = x + m (x - x_prev), from kept codes; x_prev NULL for x_0 = 0. */
static void momentum_point(const mm_real *restrict x, const mm_real *restrict x_prev, mm_real m,
                           mm_real *restrict z, size_t n)
{
    if (!x_prev) {
        #pragma omp simd
        for (size_t i = 0; i < n; i++)
            z[i] = (1 + m) * x[i];
        return;
    }
    #pragma omp simd
    for (size_t i = 0; i < n; i++)
        z[i] = x[i] + m * (x[i] - x_prev[i]);
}

void MM_R(mm_code_prepare)(MM_R(mm_cluster) *c, const mm_dims *d)
{
    const int M = d->M, N = d->N;
    const mm_real eta = (mm_real)d->eta;

    /* Gram matrix and the layer operator H = I - eta G. */
    mm_gram(M, N, c->W, c->G);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            c->H[i * N + j] = (i == j) - eta * c->G[i * N + j];
}

/* The codes of layer l of a chunk: x_1..x_{L-1} in the activation store
 * (or, with no backward pass to follow, in turn in its two slots), x_L in X. */
static mm_real *layer_codes(const MM_R(mm_cluster) *c, const mm_dims *d, int l)
{
    if (l == d->L)
        return c->X;
    if (c->ring)
        return c->U + (size_t)((l - 1) % 2) * mm_lines((size_t)c->B * d->N);
    return c->U + (size_t)(l - 1) * c->B * d->N;
}

void MM_R(mm_code_forward)(MM_R(mm_cluster) *c, const mm_dims *d, const double *mom)
{
    const int B = c->B, N = d->N;
    const size_t bn = (size_t)B * N;
    const mm_real eta = (mm_real)d->eta, thr = (mm_real)(d->lambda * d->eta);
    mm_real *v = c->work, *z = c->work + mm_lines(bn), *xg = c->work;

    /* C already holds Y W (stacked.c). Layer 1 starts from z_0 = x_0 = 0,
     * so u_1 = eta C. */
    memset(v, 0, bn * sizeof *v);
    finish_layer(v, c->C, v, layer_codes(c, d, 1), z, bn, eta, thr, (mm_real)mom[0]);

    /* Layers 2..L: u_l = z_{l-1} H + eta C. Only the codes are kept: the
     * backward pass reads its masks and momentum points from them. */
    for (int l = 2; l <= d->L; l++) {
        mm_gemm(0, 0, B, N, N, 1, z, N, c->H, N, 0, v, N);
        finish_layer(v, c->C, layer_codes(c, d, l - 1), layer_codes(c, d, l), z, bn, eta, thr,
                     (mm_real)mom[l - 1]);
    }

    /* Energy y.y - 2 c.x + x^T G x + lambda |x|_1, per sample. */
    mm_gemm(0, 0, B, N, N, 1, c->X, N, c->G, N, 0, xg, N);
    for (int b = 0; b < B; b++) {
        const mm_real *x = c->X + (size_t)b * N;
        const mm_real *cb = c->C + (size_t)b * N, *g = xg + (size_t)b * N;
        double quad = 0, l1 = 0;
        #pragma omp simd reduction(+ : quad, l1)
        for (int n = 0; n < N; n++) {
            quad += (double)x[n] * (g[n] - 2 * cb[n]);
            l1 += fabs((double)x[n]);
        }
        c->E[(size_t)b * c->estride] = (mm_real)(c->yy[b] + quad + d->lambda * l1);
    }
}

/* Gradient of the energies at the final codes: writes dL/dx into gx and the
 * energy's shares of dL/dC (over C) and dL/dG (over G, read before). Uses
 * two B x N scratch blocks. */
static void energy_backward(MM_R(mm_cluster) *c, const mm_dims *d, const mm_real *gE,
                            mm_real *gx, mm_real *xg, mm_real *xs, mm_real *gG)
{
    const int B = c->B, N = d->N;
    const mm_real lambda = (mm_real)d->lambda;

    /* dE/dx = 2 (G x - c) + lambda sign(x); dE/dc = -2 x; dE/dG = x x^T. */
    mm_gemm(0, 0, B, N, N, 1, c->X, N, c->G, N, 0, xg, N);
    for (int b = 0; b < B; b++) {
        const size_t o = (size_t)b * N;
        const mm_real ge = gE[(size_t)b * c->estride];
        mm_real *restrict gxb = gx + o, *restrict cb = c->C + o, *restrict xsb = xs + o;
        const mm_real *restrict xb = c->X + o, *restrict xgb = xg + o;
        #pragma omp simd
        for (int n = 0; n < N; n++) {
            mm_real x = xb[n];
            mm_real sgn = (mm_real)((x > 0) - (x < 0));
            gxb[n] = ge * (2 * (xgb[n] - cb[n]) + lambda * sgn);
            cb[n] = -2 * ge * x;
            xsb[n] = ge * x;
        }
    }
    mm_gemm(1, 0, N, N, B, 1, c->X, N, xs, N, 0, gG, N);
}

/* Back through the threshold of layer l, in one pass: with g = dL/dx_l, gu =
 * g where x_l != 0 (|u_l| > thr), and its eta gu added to dL/dC. The codes
 * x_l feed z_l = (1 + m_l) x_l - m_l x_{l-1} and z_{l+1}, so
 * g = (1 + m_l) gz_l - m_{l+1} gz_{l+1}: the two last products, no running
 * dL/dx to store. */
static void threshold_backward(const mm_real *restrict x, const mm_real *restrict gz,
                               const mm_real *restrict gz_next, mm_real *restrict gu,
                               mm_real *restrict gc, size_t n, mm_real eta, mm_real m,
                               mm_real m_next)
{
    #pragma omp simd
    for (size_t i = 0; i < n; i++) {
        mm_real g = (1 + m) * gz[i] - m_next * gz_next[i];
        gu[i] = x[i] != 0 ? g : 0;
        gc[i] += eta * gu[i];
    }
}

void MM_R(mm_code_backward)(MM_R(mm_cluster) *c, const mm_dims *d, const double *mom,
                            const mm_real *gE)
{
    const int B = c->B, N = d->N, L = d->L;
    const size_t bn = (size_t)B * N;
    const mm_real eta = (mm_real)d->eta;
    const size_t s = mm_lines(bn);
    mm_real *gz[2] = {c->work, c->work + s}, *gx = c->work + 2 * s, *gu = c->work + 3 * s;
    mm_real *z = gx; /* dL/dx_L is read once, at layer L, before the first z */

    /* Energy at the final codes. z_L feeds nothing, so gz_L = 0 and dL/dx_L
     * is the energy's share alone. */
    energy_backward(c, d, gE, gx, gz[0], gz[1], c->gG);
    memset(gz[0], 0, bn * sizeof *gz[0]);

    /* Walk the layers back: u_l = eta C + z_{l-1} H gives gz_{l-1} = gu H
     * (H symmetric), dL/dG -= eta z_{l-1}^T gu, and eta gu to dL/dC. */
    for (int l = L; l >= 1; l--) {
        mm_real *cur = gz[(L - l) % 2], *next = gz[(L - l + 1) % 2];
        const mm_real *x = layer_codes(c, d, l);
        if (l == L)
            threshold_backward(x, gx, cur, gu, c->C, bn, eta, 0, 0);
        else
            threshold_backward(x, cur, next, gu, c->C, bn, eta, (mm_real)mom[l - 1],
                               (mm_real)mom[l]);
        if (l == 1)
            break;
        momentum_point(layer_codes(c, d, l - 1), l > 2 ? layer_codes(c, d, l - 2) : NULL,
                       (mm_real)mom[l - 2], z, bn);
        mm_gemm(1, 0, N, N, B, -eta, z, N, gu, N, 1, c->gG, N);
        mm_gemm(0, 0, B, N, N, 1, gu, N, c->H, N, 0, next, N);
    }
}
