/*
 * The optimiser step and the unit-norm constraint on dictionary atoms, in
 * the same arithmetic order as torch.optim.Adam so that a run can be checked
 * step by step against the reference.
 */
#include <mixmate/kernels.h>

#include <math.h>

void mm_adam_step(mm_adam *opt, float *param, const float *grad, float *m, float *v, size_t n)
{
    opt->step++;
    const double bc1 = 1.0 - pow(opt->beta1, (double)opt->step);
    const double bc2_sqrt = sqrt(1.0 - pow(opt->beta2, (double)opt->step));
    const float b1 = (float)opt->beta1, b2 = (float)opt->beta2;
    const float step_size = (float)(opt->lr / bc1), eps = (float)opt->eps;
    const float bc2s = (float)bc2_sqrt;

    #pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        m[i] = m[i] * b1 + g * (1 - b1);
        v[i] = v[i] * b2 + g * g * (1 - b2);
        float denom = sqrtf(v[i]) / bc2s + eps;
        param[i] += -step_size * (m[i] / denom);
    }
}

void mm_adam_step_dictionaries(mm_adam *opt, float *W, const float *grad, float *m, float *v,
                               int K, int M, int N)
{
    opt->step++;
    const double bc1 = 1.0 - pow(opt->beta1, (double)opt->step);
    const double bc2s = sqrt(1.0 - pow(opt->beta2, (double)opt->step));
    const float b1 = (float)opt->beta1, b2 = (float)opt->beta2;
    const float step_size = (float)(opt->lr / bc1 * bc2s), eps = (float)(opt->eps * bc2s);
    const size_t mn = (size_t)M * N;

    /* Per dictionary: the Adam update in one flat pass, then its column norms
     * and the rescaling while it is still in cache. lr m / (sqrt(v) / c + eps)
     * is computed as lr c m / (sqrt(v) + c eps): one division instead of two. */
    #pragma omp parallel for schedule(dynamic, 1)
    for (int k = 0; k < K; k++) {
        float *Wk = W + k * mn, *mk = m + k * mn, *vk = v + k * mn;
        const float *gk = grad + k * mn;
        #pragma omp simd
        for (size_t j = 0; j < mn; j++) {
            float g = gk[j];
            mk[j] = mk[j] * b1 + g * (1 - b1);
            vk[j] = vk[j] * b2 + g * g * (1 - b2);
            Wk[j] -= step_size * mk[j] / (sqrtf(vk[j]) + eps);
        }

        float norm[N];
        for (int n = 0; n < N; n++)
            norm[n] = 0;
        for (int i = 0; i < M; i++)
            for (int n = 0; n < N; n++)
                norm[n] += Wk[(size_t)i * N + n] * Wk[(size_t)i * N + n];
        for (int n = 0; n < N; n++)
            norm[n] = norm[n] > 0 ? 1.0f / sqrtf(norm[n]) : 0.0f;
        for (int i = 0; i < M; i++)
            for (int n = 0; n < N; n++)
                Wk[(size_t)i * N + n] *= norm[n];
    }
}

void mm_normalize_columns(float *W, int K, int M, int N)
{
    #pragma omp parallel for schedule(dynamic, 1)
    for (int k = 0; k < K; k++) {
        float *Wk = W + (size_t)k * M * N;
        double norm[N];
        for (int n = 0; n < N; n++)
            norm[n] = 0;
        for (int m = 0; m < M; m++)
            for (int n = 0; n < N; n++)
                norm[n] += (double)Wk[(size_t)m * N + n] * Wk[(size_t)m * N + n];
        for (int n = 0; n < N; n++)
            norm[n] = norm[n] > 0 ? 1.0 / sqrt(norm[n]) : 0;
        for (int m = 0; m < M; m++)
            for (int n = 0; n < N; n++)
                Wk[(size_t)m * N + n] = (float)(Wk[(size_t)m * N + n] * norm[n]);
    }
}
