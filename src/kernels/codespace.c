/*
 * Unrolled FISTA in code space, forward and backward, for one cluster.
 *
 * With G = W^T W and C = Y W formed once, a layer is u = z H + eta C with
 * H = I - eta G: a B x N x N product instead of two B x M x N ones, about
 * M / N times fewer flops. The price is that the energy comes from
 * y.y - 2 c.x + x^T G x, which loses a few float digits to cancellation when
 * reconstructions are good; the data-space variant is there to check it.
 * The forward keeps every layer's u (L x B x N); codes x_l = S(u_l) and
 * momenta z_l are recomputed from it in the backward pass.
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

/* Shrink u into x, then extrapolate z = x + m (x - x_prev); one pass. */
static void shrink_and_extrapolate(const mm_real *restrict u, mm_real *restrict x,
                                   mm_real *restrict x_prev, mm_real *restrict z, size_t n,
                                   mm_real thr, mm_real m)
{
    #pragma omp simd
    for (size_t i = 0; i < n; i++) {
        mm_real xi = shrink(u[i], thr);
        z[i] = xi + m * (xi - x_prev[i]);
        x_prev[i] = xi;
        x[i] = xi;
    }
}

/* z_l = (1 + m_l) S(u_l) - m_l S(u_{l-1}); z_0 = 0. */
static void momentum_point(const mm_real *U, int l, size_t n, mm_real thr, const double *mom,
                           mm_real *restrict z)
{
    const mm_real *restrict u = U + (size_t)(l - 1) * n;
    mm_real m = (mm_real)mom[l - 1];

    if (l == 1) {
        #pragma omp simd
        for (size_t i = 0; i < n; i++) {
            mm_real x = shrink(u[i], thr);
            z[i] = x + m * (x - 0);
        }
        return;
    }
    const mm_real *restrict u_prev = u - n;
    #pragma omp simd
    for (size_t i = 0; i < n; i++) {
        mm_real x = shrink(u[i], thr);
        z[i] = x + m * (x - shrink(u_prev[i], thr));
    }
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

void MM_R(mm_code_forward)(MM_R(mm_cluster) *c, const mm_dims *d, const double *mom)
{
    const int B = c->B, M = d->M, N = d->N;
    const size_t bn = (size_t)B * N;
    const mm_real eta = (mm_real)d->eta, thr = (mm_real)(d->lambda * d->eta);
    mm_real *z = c->work, *x_prev = c->work + bn, *xg = c->work + 2 * bn;

    /* Correlations C = Y W of this block's rows. */
    mm_gemm(0, 0, B, N, M, 1, c->Y, M, c->W, N, 0, c->C, N);

    /* Layer 1 starts from z = 0, so u_1 = eta C. */
    memset(x_prev, 0, bn * sizeof *x_prev);
    for (size_t i = 0; i < bn; i++)
        c->U[i] = eta * c->C[i];
    shrink_and_extrapolate(c->U, c->X, x_prev, z, bn, thr, (mm_real)mom[0]);

    /* Layers 2..L: u_l = eta C + z_{l-1} H. */
    for (int l = 2; l <= d->L; l++) {
        mm_real *u = c->U + (size_t)(l - 1) * bn;
        for (size_t i = 0; i < bn; i++)
            u[i] = eta * c->C[i];
        mm_gemm(0, 0, B, N, N, 1, z, N, c->H, N, 1, u, N);
        shrink_and_extrapolate(u, c->X, x_prev, z, bn, thr, (mm_real)mom[l - 1]);
    }

    /* Energy y.y - 2 c.x + x^T G x + lambda |x|_1, per sample. */
    mm_gemm(0, 0, B, N, N, 1, c->X, N, c->G, N, 0, xg, N);
    for (int b = 0; b < B; b++) {
        const mm_real *x = c->X + (size_t)b * N;
        const mm_real *cb = c->C + (size_t)b * N, *g = xg + (size_t)b * N;
        double quad = 0, l1 = 0;
        for (int n = 0; n < N; n++) {
            quad += (double)x[n] * (g[n] - 2 * cb[n]);
            l1 += fabs((double)x[n]);
        }
        c->E[(size_t)b * c->estride] = (mm_real)(c->yy[b] + quad + d->lambda * l1);
    }
}

/* Gradient of the energies at the final codes: writes dL/dx into gx and the
 * energy's shares of dL/dC (over C) and dL/dG (over G, read before). */
static void energy_backward(MM_R(mm_cluster) *c, const mm_dims *d, const mm_real *gE,
                            mm_real *gx, mm_real *gG)
{
    const int B = c->B, N = d->N;
    mm_real *xg = c->work + 2 * (size_t)B * N, *xs = c->work + 3 * (size_t)B * N;

    /* dE/dx = 2 (G x - c) + lambda sign(x); dE/dc = -2 x; dE/dG = x x^T. */
    mm_gemm(0, 0, B, N, N, 1, c->X, N, c->G, N, 0, xg, N);
    for (int b = 0; b < B; b++) {
        mm_real ge = gE[(size_t)b * c->estride];
        for (int n = 0; n < N; n++) {
            size_t i = (size_t)b * N + n;
            mm_real x = c->X[i];
            mm_real sgn = (mm_real)((x > 0) - (x < 0));
            gx[i] = ge * (2 * (xg[i] - c->C[i]) + (mm_real)d->lambda * sgn);
            c->C[i] = -2 * ge * x;
            xs[i] = ge * x;
        }
    }
    mm_gemm(1, 0, N, N, B, 1, c->X, N, xs, N, 0, gG, N);
}

void MM_R(mm_code_backward)(MM_R(mm_cluster) *c, const mm_dims *d, const double *mom,
                            const mm_real *gE)
{
    const int B = c->B, N = d->N, L = d->L;
    const size_t bn = (size_t)B * N;
    const mm_real eta = (mm_real)d->eta, thr = (mm_real)(d->lambda * d->eta);
    mm_real *gx = c->work, *gz = c->work + bn, *gu = c->work + 2 * bn, *z = c->work + 3 * bn;
    mm_real *gG = c->gG;

    /* Energy at the final codes; gz_L = 0 since z_L feeds nothing. */
    energy_backward(c, d, gE, gx, gG);
    memset(gz, 0, bn * sizeof *gz);

    /* Walk the layers back: x_l feeds z_l and z_{l+1}; u_l feeds x_l. The
     * running sum of eta gu is dL/dC's layer share; -eta sum z^T gu is dL/dG's. */
    for (int l = L; l >= 1; l--) {
        const mm_real *u = c->U + (size_t)(l - 1) * bn;
        mm_real m = (mm_real)mom[l - 1];

        /* gx_l += (1 + m_l) gz_l; gz_l's other part flows to x_{l-1}. */
        mm_real *restrict gc = c->C;
        #pragma omp simd
        for (size_t i = 0; i < bn; i++) {
            mm_real g = gx[i] + (1 + m) * gz[i];
            gu[i] = (u[i] > thr || u[i] < -thr) ? g : 0;
            gx[i] = -m * gz[i];
            gc[i] += eta * gu[i];
        }
        if (l == 1)
            break;

        /* u_l = eta C + z_{l-1} H: gz_{l-1} = gu H (H symmetric), dH += z^T gu. */
        momentum_point(c->U, l - 1, bn, thr, mom, z);
        mm_gemm(1, 0, N, N, B, -eta, z, N, gu, N, 1, gG, N);
        mm_gemm(0, 0, B, N, N, 1, gu, N, c->H, N, 0, gz, N);
    }
}

void MM_R(mm_code_finish)(MM_R(mm_cluster) *c, const mm_dims *d, mm_real *dW)
{
    const int B = c->B, M = d->M, N = d->N;
    mm_real *gG = c->gG;

    /* Chain rule to W: G = W^T W gives W (gG + gG^T); C = Y W gives Y^T gC. */
    for (int i = 0; i < N; i++)
        for (int j = i; j < N; j++) {
            mm_real s = gG[i * N + j] + gG[j * N + i];
            gG[i * N + j] = s;
            gG[j * N + i] = s;
        }
    mm_gemm(0, 0, M, N, N, 1, c->W, N, gG, N, 1, dW, N);
    mm_gemm(1, 0, M, N, B, 1, c->Y, M, c->C, N, 1, dW, N);
}
