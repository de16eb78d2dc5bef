/*
 * Unrolled FISTA in data space, forward and backward, for one cluster: the
 * published formulation, every layer a residual z W^T - y and its product
 * with W. It costs about M / N times the code-space variant and is kept as
 * the plain reference that the fast variant is tested against; its backward
 * pass differentiates the layers directly, without G or C.
 *
 * It is also the path of samples with missing values: with a mask m the
 * residual is m * (z W^T) - y (y zero where missing), which no N x N Gram
 * matrix can express because every sample sees its own rows of W.
 */
#include <mixmate/kernels.h>

#include <math.h>
#include <string.h>

#include "kernels/real.h"

static inline mm_real shrink(mm_real v, mm_real thr)
{
    return v > thr ? v - thr : (v < -thr ? v + thr : 0);
}

/* z_l = (1 + m_l) S(u_l) - m_l S(u_{l-1}); z_0 = 0. */
static void momentum_point(const mm_real *U, int l, size_t n, mm_real thr, const double *mom,
                           mm_real *z)
{
    if (l == 0) {
        memset(z, 0, n * sizeof *z);
        return;
    }
    const mm_real *u = U + (size_t)(l - 1) * n;
    mm_real m = (mm_real)mom[l - 1];
    for (size_t i = 0; i < n; i++) {
        mm_real xp = l > 1 ? shrink(u[i - n], thr) : 0;
        mm_real x = shrink(u[i], thr);
        z[i] = x + m * (x - xp);
    }
}

/* Zero the missing entries of a B x M block. */
static void apply_mask(const MM_R(mm_cluster) *c, const mm_dims *d, mm_real *R)
{
    if (!c->mask)
        return;
    const size_t n = (size_t)c->B * d->M;
    #pragma omp simd
    for (size_t i = 0; i < n; i++)
        R[i] *= c->mask[i];
}

/* R = m * (z W^T) - Y, the data-space residual over observed entries (B x M). */
static void residual(const MM_R(mm_cluster) *c, const mm_dims *d, const mm_real *z, mm_real *R)
{
    memcpy(R, c->Y, (size_t)c->B * d->M * sizeof *R);
    mm_gemm(0, 1, c->B, d->M, d->N, 1, z, d->N, c->W, d->N, -1, R, d->M);
    apply_mask(c, d, R);
}

void MM_R(mm_data_forward)(MM_R(mm_cluster) *c, const mm_dims *d, const double *mom)
{
    const int B = c->B, M = d->M, N = d->N;
    const size_t bn = (size_t)B * N;
    const mm_real eta = (mm_real)d->eta, thr = (mm_real)(d->lambda * d->eta);
    mm_real *z = c->work, *R = c->work + 4 * bn;

    /* Layers: u_l = z_{l-1} - eta (z_{l-1} W^T - y) W, x_l = S(u_l). */
    for (int l = 1; l <= d->L; l++) {
        mm_real *u = c->U + (size_t)(l - 1) * bn;
        momentum_point(c->U, l - 1, bn, thr, mom, z);
        residual(c, d, z, R);
        memcpy(u, z, bn * sizeof *u);
        mm_gemm(0, 0, B, N, M, -eta, R, M, c->W, N, 1, u, N);
    }
    for (size_t i = 0; i < bn; i++)
        c->X[i] = shrink(c->U[(size_t)(d->L - 1) * bn + i], thr);

    /* Energy ||x W^T - y||^2 + lambda |x|_1 from the reconstruction itself. */
    residual(c, d, c->X, R);
    for (int b = 0; b < B; b++) {
        double sq = 0, l1 = 0;
        for (int m = 0; m < M; m++)
            sq += (double)R[(size_t)b * M + m] * R[(size_t)b * M + m];
        for (int n = 0; n < N; n++)
            l1 += fabs((double)c->X[(size_t)b * N + n]);
        c->E[(size_t)b * c->estride] = (mm_real)(sq + d->lambda * l1);
    }
}

void MM_R(mm_data_backward)(MM_R(mm_cluster) *c, const mm_dims *d, const double *mom,
                            const mm_real *gE, mm_real *dW)
{
    const int B = c->B, M = d->M, N = d->N;
    const size_t bn = (size_t)B * N;
    const mm_real eta = (mm_real)d->eta, thr = (mm_real)(d->lambda * d->eta);
    mm_real *gx = c->work, *gz = c->work + bn, *gu = c->work + 2 * bn, *z = c->work + 3 * bn;
    mm_real *R = c->work + 4 * bn, *Q = R + (size_t)B * M;

    /* Energy: dE/dx = 2 r W + lambda sign(x), dE/dW = 2 r^T x, r = m * (x W^T) - y. */
    residual(c, d, c->X, R);
    for (int b = 0; b < B; b++) {
        mm_real ge = gE[(size_t)b * c->estride];
        for (int m = 0; m < M; m++)
            R[(size_t)b * M + m] *= 2 * ge;
        for (int n = 0; n < N; n++) {
            mm_real x = c->X[(size_t)b * N + n];
            gx[(size_t)b * N + n] = ge * (mm_real)d->lambda * (mm_real)((x > 0) - (x < 0));
        }
    }
    mm_gemm(0, 0, B, N, M, 1, R, M, c->W, N, 1, gx, N);
    mm_gemm(1, 0, M, N, B, 1, R, M, c->X, N, 1, dW, N);
    memset(gz, 0, bn * sizeof *gz);

    for (int l = d->L; l >= 1; l--) {
        const mm_real *u = c->U + (size_t)(l - 1) * bn;
        mm_real m = (mm_real)mom[l - 1];

        /* x_l feeds z_l and z_{l+1}; u_l feeds x_l through the threshold. */
        for (size_t i = 0; i < bn; i++) {
            gx[i] += (1 + m) * gz[i];
            gu[i] = (u[i] > thr || u[i] < -thr) ? gx[i] : 0;
            gx[i] = -m * gz[i];
        }

        /* u = z - eta R W with R = m * (z W^T) - y: W gets -eta (R^T gu + Q^T z),
         * z gets gu - eta Q W, where Q = m * (gu W^T). */
        momentum_point(c->U, l - 1, bn, thr, mom, z);
        residual(c, d, z, R);
        mm_gemm(0, 1, B, M, N, 1, gu, N, c->W, N, 0, Q, M);
        apply_mask(c, d, Q);
        mm_gemm(1, 0, M, N, B, -eta, R, M, gu, N, 1, dW, N);
        mm_gemm(1, 0, M, N, B, -eta, Q, M, z, N, 1, dW, N);
        memcpy(gz, gu, bn * sizeof *gz);
        mm_gemm(0, 0, B, N, M, -eta, Q, M, c->W, N, 1, gz, N);
    }
}
