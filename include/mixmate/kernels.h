/*
 * mixmate/kernels.h - the MixMate batch computation.
 *
 * Symbols used throughout mixmate:
 *   K clusters, M features per sample, N atoms per dictionary,
 *   L unrolled FISTA layers, B samples in a batch.
 * All arrays are row-major. Dictionaries are one K x M x N block: W_k is the
 * M x N slice k, its columns the atoms. A batch Y is B x M, a sample a row.
 *
 * Every routine exists in float (_f32, what runs) and double (_f64, what the
 * gradient tests use). Two variants compute the same function:
 *   MM_KERNEL_CODE  FISTA in code space: G = W^T W and C = Y W once per
 *                   batch, then every layer is a B x N x N product.
 *   MM_KERNEL_DATA  FISTA in data space, as published: every layer goes
 *                   through W and W^T (B x M x N products). The plain,
 *                   checked reference variant.
 * A row of Y may hold NaN for missing values: its encoding and energy use the
 * observed entries only (masked data-space FISTA, whichever variant is
 * chosen); complete rows keep the chosen variant.
 * None of these routines call MPI or allocate after the workspace exists.
 * They run OpenMP threads over clusters; BLAS must be single-threaded.
 */
#ifndef MIXMATE_KERNELS_H
#define MIXMATE_KERNELS_H

#include <stddef.h>

typedef struct {
    int K;         /* clusters */
    int M;         /* features per sample */
    int N;         /* atoms per dictionary */
    int L;         /* unrolled FISTA layers */
    double lambda; /* l1 penalty of the energy */
    double eta;    /* FISTA step size; the threshold is lambda * eta */
} mm_dims;

typedef enum { MM_KERNEL_CODE = 0, MM_KERNEL_DATA = 1 } mm_kernel;

typedef struct mm_batch_ws_f32 mm_batch_ws_f32;
typedef struct mm_batch_ws_f64 mm_batch_ws_f64;

/* Scratch for batches of up to max_batch samples. Never fails: an allocation
 * failure aborts the run with the buffer's size. Free with _free. */
mm_batch_ws_f32 *mm_batch_ws_create_f32(const mm_dims *d, int max_batch, mm_kernel kernel);
mm_batch_ws_f64 *mm_batch_ws_create_f64(const mm_dims *d, int max_batch, mm_kernel kernel);
void mm_batch_ws_free_f32(mm_batch_ws_f32 *ws);
void mm_batch_ws_free_f64(mm_batch_ws_f64 *ws);

/* Bytes the workspace holds, for memory reports. */
size_t mm_batch_ws_bytes_f32(const mm_batch_ws_f32 *ws);

/* Encode B samples under every cluster. Writes energies E and posteriors
 * P = softmax(-E + b) (both B x K, either may be NULL) and returns the sum
 * over the batch of the per-sample loss sum_k P_k E_k. */
double mm_batch_encode_f32(mm_batch_ws_f32 *ws, const float *W, const float *b, const float *Y,
                           int B, float *E, float *P);
double mm_batch_encode_f64(mm_batch_ws_f64 *ws, const double *W, const double *b,
                           const double *Y, int B, double *E, double *P);

/* Encode, then back-propagate through all L layers: adds scale times the
 * gradient of the summed per-sample loss to dW (K x M x N) and db (K).
 * Returns the summed per-sample loss (unscaled). With scale = 1 / (B M) the
 * gradient is that of the published step loss, mean / M. */
double mm_batch_grad_f32(mm_batch_ws_f32 *ws, const float *W, const float *b, const float *Y,
                         int B, double scale, float *dW, float *db);
double mm_batch_grad_f64(mm_batch_ws_f64 *ws, const double *W, const double *b,
                         const double *Y, int B, double scale, double *dW, double *db);

/* mm_batch_grad in its two halves, for timing them apart; together they give
 * the same results bit for bit. Forward encodes Y and keeps the activations
 * in ws, returning the summed per-sample loss; backward then adds the scaled
 * gradient to dW and db from what the last forward on ws kept, with the same
 * W. */
double mm_batch_forward_f32(mm_batch_ws_f32 *ws, const float *W, const float *b,
                            const float *Y, int B);
double mm_batch_forward_f64(mm_batch_ws_f64 *ws, const double *W, const double *b,
                            const double *Y, int B);
void mm_batch_backward_f32(mm_batch_ws_f32 *ws, const float *W, double scale, float *dW,
                           float *db);
void mm_batch_backward_f64(mm_batch_ws_f64 *ws, const double *W, double scale, double *dW,
                           double *db);

/* Final codes of the last mm_batch_encode, in batch order: cluster k's B x N block
 * (row stride N). */
const float *mm_batch_codes_f32(const mm_batch_ws_f32 *ws, int k);
const double *mm_batch_codes_f64(const mm_batch_ws_f64 *ws, int k);

/* Flops of the matrix products (2 m n k each) of one training step (forward
 * and backward) and of one encode, for B rows. Code space per cluster:
 *   step   3 M N^2 + 4 B M N + 6 L B N^2   (G by SYRK: M N^2)
 *   encode   M N^2 + 2 B M N + 2 L B N^2
 * Data space per cluster: step (14 L + 8) B M N, encode (4 L + 2) B M N. */
double mm_step_flops(const mm_dims *d, int B, mm_kernel kernel);
double mm_encode_flops(const mm_dims *d, int B, mm_kernel kernel);

/* The soft-threshold of the l1 proximal step: sign(v) max(|v| - thr, 0). */
static inline double mm_soft_threshold(double v, double thr)
{
    return v > thr ? v - thr : (v < -thr ? v + thr : 0.0);
}

/* FISTA momentum coefficients m_l = (t_{l-1} - 1) / t_l for l = 1..L, with
 * t_0 = 1 and t_l = (1 + sqrt(1 + 4 t_{l-1}^2)) / 2; m[0] belongs to layer 1. */
void mm_fista_momentum(int L, double *m);

/* ---- optimiser (float only: it runs on the model, never in the tests' double path) ---- */

typedef struct {
    double lr, beta1, beta2, eps;
    long step; /* steps taken so far */
} mm_adam;

/* One Adam step on n parameters, as torch.optim.Adam computes it. */
void mm_adam_step(mm_adam *opt, float *param, const float *grad, float *m, float *v, size_t n);

/* Adam on K dictionaries (M x N each) followed by the unit-norm rescaling of
 * every column, fused into two passes over memory; what training runs. */
void mm_adam_step_dictionaries(mm_adam *opt, float *W, const float *grad, float *m, float *v,
                               int K, int M, int N);

/* Rescale every column of the K dictionaries (M x N each) to unit norm. */
void mm_normalize_columns(float *W, int K, int M, int N);

#endif
