/*
 * k-means as scikit-learn runs it for the published initialisation: greedy
 * k-means++ (2 + ln K candidates per centre, the one that lowers the
 * potential most wins), then Lloyd iterations to a fixed point, several
 * restarts. Distances come from one SGEMM per iteration, |x|^2 - 2 x.c + |c|^2.
 * An emptied cluster takes the point farthest from its centre.
 */
#include "run/kmeans.h"

#include <mixmate/status.h>
#include <mixmate/util.h>

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LLOYD_MAX_ITER 300

typedef struct {
    const float *X;
    int64_t n;
    int M, K;
    float *xx;    /* n squared norms */
    float *C;     /* K x M centres */
    float *dots;  /* n x K products */
    double *dist; /* n: squared distance to the nearest centre */
} km_state;

static double sqdist(const float *a, const float *b, int M)
{
    double s = 0;
    for (int m = 0; m < M; m++) {
        double d = (double)a[m] - b[m];
        s += d * d;
    }
    return s;
}

/* Index of the row whose prefix sum of weights first exceeds u * total. */
static int64_t pick_weighted(const double *w, int64_t n, double total, double u)
{
    double target = u * total, acc = 0;
    for (int64_t i = 0; i < n; i++) {
        acc += w[i];
        if (acc > target)
            return i;
    }
    return n - 1;
}

static void seed_plus_plus(km_state *s, mm_rng *r)
{
    const int64_t n = s->n;
    const int M = s->M, trials = 2 + (int)log(s->K);
    double *cand = mm_alloc((size_t)n * sizeof *cand, "k-means++ candidates");

    /* First centre uniformly, then each next one from D^2 sampling. */
    int64_t first = (int64_t)mm_rng_below(r, (uint64_t)n);
    memcpy(s->C, s->X + first * M, (size_t)M * sizeof *s->C);
    double pot = 0;
    for (int64_t i = 0; i < n; i++)
        pot += s->dist[i] = sqdist(s->X + i * M, s->C, M);

    for (int k = 1; k < s->K; k++) {
        double best_pot = DBL_MAX;
        int64_t best = 0;
        for (int t = 0; t < trials; t++) {
            int64_t c = pot > 0 ? pick_weighted(s->dist, n, pot, mm_rng_uniform(r))
                                : (int64_t)mm_rng_below(r, (uint64_t)n);
            double p = 0;
            for (int64_t i = 0; i < n; i++)
                p += fmin(s->dist[i], sqdist(s->X + i * M, s->X + c * M, M));
            if (p < best_pot)
                best_pot = p, best = c;
        }
        memcpy(s->C + (size_t)k * M, s->X + best * M, (size_t)M * sizeof *s->C);
        for (int64_t i = 0; i < n; i++)
            cand[i] = fmin(s->dist[i], sqdist(s->X + i * M, s->X + best * M, M));
        memcpy(s->dist, cand, (size_t)n * sizeof *cand);
        pot = best_pot;
    }
    free(cand);
}

/* Nearest centre of every row; returns how many labels changed. */
static int64_t assign(km_state *s, int *labels)
{
    const int K = s->K, M = s->M;
    float cc[K];
    for (int k = 0; k < K; k++)
        cc[k] = (float)cblas_sdot(M, s->C + (size_t)k * M, 1, s->C + (size_t)k * M, 1);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)s->n, K, M, 1.0f, s->X, M, s->C,
                M, 0.0f, s->dots, K);

    int64_t changed = 0;
    for (int64_t i = 0; i < s->n; i++) {
        int best = 0;
        double bd = DBL_MAX;
        for (int k = 0; k < K; k++) {
            double d = (double)s->xx[i] - 2.0 * s->dots[i * K + k] + cc[k];
            if (d < bd)
                bd = d, best = k;
        }
        s->dist[i] = bd > 0 ? bd : 0;
        changed += labels[i] != best;
        labels[i] = best;
    }
    return changed;
}

static void update_centres(km_state *s, int *labels)
{
    const int K = s->K, M = s->M;
    double *sum = mm_calloc((size_t)K * M, sizeof *sum, "k-means sums");
    int64_t *count = mm_calloc((size_t)K, sizeof *count, "k-means counts");

    for (int64_t i = 0; i < s->n; i++) {
        count[labels[i]]++;
        for (int m = 0; m < M; m++)
            sum[(size_t)labels[i] * M + m] += s->X[i * M + m];
    }
    for (int k = 0; k < K; k++) {
        if (count[k] == 0) {
            /* Refill an empty cluster with the worst-fitted point. */
            int64_t far = 0;
            for (int64_t i = 1; i < s->n; i++)
                if (s->dist[i] > s->dist[far])
                    far = i;
            s->dist[far] = 0;
            labels[far] = k;
            memcpy(s->C + (size_t)k * M, s->X + far * M, (size_t)M * sizeof *s->C);
            continue;
        }
        for (int m = 0; m < M; m++)
            s->C[(size_t)k * M + m] = (float)(sum[(size_t)k * M + m] / count[k]);
    }
    free(count);
    free(sum);
}

static double lloyd(km_state *s, int *labels)
{
    for (int64_t i = 0; i < s->n; i++)
        labels[i] = -1;
    for (int it = 0; it < LLOYD_MAX_ITER; it++) {
        if (assign(s, labels) == 0)
            break;
        update_centres(s, labels);
    }
    double inertia = 0;
    for (int64_t i = 0; i < s->n; i++)
        inertia += s->dist[i];
    return inertia;
}

double mm_kmeans(const float *X, int64_t n, int M, int K, int restarts, uint64_t seed,
                 int *labels)
{
    km_state s = {.X = X, .n = n, .M = M, .K = K};
    s.xx = mm_alloc((size_t)n * sizeof *s.xx, "k-means norms");
    s.C = mm_alloc((size_t)K * M * sizeof *s.C, "k-means centres");
    s.dots = mm_alloc((size_t)n * K * sizeof *s.dots, "k-means products");
    s.dist = mm_alloc((size_t)n * sizeof *s.dist, "k-means distances");
    int *trial = mm_alloc((size_t)n * sizeof *trial, "k-means labels");
    for (int64_t i = 0; i < n; i++)
        s.xx[i] = (float)cblas_sdot(M, X + i * M, 1, X + i * M, 1);

    /* Independent starts; strict < keeps the earliest of equal inertias. */
    double best = DBL_MAX;
    for (int r = 0; r < (restarts > 0 ? restarts : 1); r++) {
        mm_rng rng;
        mm_rng_seed(&rng, seed, MM_STREAM_KMEANS, (uint64_t)r);
        seed_plus_plus(&s, &rng);
        double inertia = lloyd(&s, trial);
        if (inertia < best) {
            best = inertia;
            memcpy(labels, trial, (size_t)n * sizeof *labels);
        }
    }

    free(trial);
    free(s.dist);
    free(s.dots);
    free(s.C);
    free(s.xx);
    return best;
}
