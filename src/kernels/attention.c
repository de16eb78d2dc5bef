/*
 * The cluster posterior p = softmax(-E + b) and the per-sample loss
 * f = sum_k p_k E_k, with their gradients. Sums run in double whatever the
 * kernel precision: they are O(B K) and energies of image data reach 1e2,
 * where float softmax sums would lose the small posteriors.
 */
#include <mixmate/kernels.h>

#include <math.h>

#include "kernels/real.h"

double MM_R(mm_attention_forward)(const mm_real *E, const mm_real *b, int B, int K, mm_real *P,
                                  double *f)
{
    double total = 0;

    for (int s = 0; s < B; s++) {
        const mm_real *e = E + (size_t)s * K;
        mm_real *p = P + (size_t)s * K;

        /* Shift by the largest logit so that exp never overflows. */
        double top = -INFINITY;
        for (int k = 0; k < K; k++)
            top = fmax(top, (double)b[k] - e[k]);
        double z = 0;
        for (int k = 0; k < K; k++)
            z += exp((double)b[k] - e[k] - top);

        double fs = 0;
        for (int k = 0; k < K; k++) {
            double pk = exp((double)b[k] - e[k] - top) / z;
            p[k] = (mm_real)pk;
            fs += pk * e[k];
        }
        f[s] = fs;
        total += fs;
    }
    return total;
}

void MM_R(mm_attention_backward)(const mm_real *E, const mm_real *P, const double *f, int B,
                                 int K, double scale, mm_real *gE, mm_real *db)
{
    /* df/dE_k = p_k (1 - E_k + f), df/db_k = p_k (E_k - f). */
    for (int k = 0; k < K; k++) {
        double acc = 0;
        for (int s = 0; s < B; s++) {
            size_t i = (size_t)s * K + k;
            gE[i] = (mm_real)(scale * P[i] * (1.0 - E[i] + f[s]));
            acc += (double)P[i] * (E[i] - f[s]);
        }
        db[k] += (mm_real)(scale * acc);
    }
}
