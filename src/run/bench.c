/*
 * The benchmark: in one run, this machine's SGEMM rate on large square
 * matrices (all ranks at once, each with its share of the cores), then the
 * training step and the inference pass of a given model shape on generated
 * data. Achieved GFLOP/s count only the matrix products of the code-space
 * algorithm (mm_step_flops), so their ratio to the SGEMM rate says how close
 * the step runs to what this BLAS can do on these cores. Both rates are the
 * best of several repeats (SGEMM 3 products, the step 5 blocks of steps), so
 * that on a shared machine the ratio compares undisturbed runs; the step's
 * mean over all timed steps is printed beside it.
 */
#define _DEFAULT_SOURCE /* getloadavg */
#include "run/run.h"

#include <mixmate/util.h>

#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "par/par.h"

/* Image-like rows in [0, 1). */
static float *random_rows(int64_t rows, int M, uint64_t seed)
{
    float *Y = mm_alloc((size_t)rows * M * sizeof *Y, "benchmark rows");
    mm_rng r;
    mm_rng_seed(&r, seed, MM_STREAM_SYNTH, (uint64_t)mm_rank() + 1);
    for (size_t i = 0; i < (size_t)rows * M; i++)
        Y[i] = (float)mm_rng_uniform(&r);
    return Y;
}

/* Aggregate SGEMM GFLOP/s of all ranks running at once, best of three. */
static double sgemm_rate(int n)
{
    float *A = random_rows(n, n, 1), *B = random_rows(n, n, 2);
    float *C = mm_calloc((size_t)n * n, sizeof *C, "SGEMM output");
    double best = 1e30;

    mm_blas_threads(omp_get_max_threads());
    for (int rep = 0; rep < 3; rep++) {
        mm_par_barrier();
        double t0 = mm_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, A, n, B, n, 0.0f,
                    C, n);
        double t = mm_now() - t0;
        best = t < best ? t : best;
    }
    mm_blas_threads(1);

    double rate = 2.0 * n * n * (double)n / best / 1e9;
    mm_par_sum_double(&rate, 1);
    free(C);
    free(B);
    free(A);
    return rate;
}

#define STEP_BLOCKS 5 /* blocks of timed steps; the fastest one gives the rate */

typedef struct {
    double seconds;   /* per step in the fastest block, max over ranks */
    double mean;      /* per step over all timed steps, max over ranks */
    double compute, allreduce, update; /* per step over all timed steps */
    double gflops;    /* all ranks, fastest block */
} step_timing;

/* Seconds of n steps, the slowest rank's. */
static double time_block(mm_stepper *s, mm_model *m, const float *Y, int local, int batch,
                         int n)
{
    mm_par_barrier();
    double t0 = mm_now();
    for (int i = 0; i < n; i++)
        mm_stepper_step(s, m, Y, local, batch);
    double t = mm_now() - t0;
    mm_par_max_double(&t, 1);
    return t;
}

static step_timing time_steps(const mm_bench_config *c, mm_model *m, const float *Y, int local)
{
    mm_stepper s;
    mm_stepper_init(&s, &m->d, local > 0 ? local : 1, c->kernel, 1e-3);

    /* Two untimed steps fault in the buffers and warm the caches. */
    for (int i = 0; i < 2; i++)
        mm_stepper_step(&s, m, Y, local, c->batch);
    s.compute_s = s.allreduce_s = s.update_s = 0;

    /* The steps in blocks; the fastest block's time per step is the rate. */
    double best = 1e30, total = 0;
    int done = 0;
    for (int b = 0; b < STEP_BLOCKS; b++) {
        int n = (int)((long)c->steps * (b + 1) / STEP_BLOCKS) - done;
        if (n <= 0)
            continue;
        double t = time_block(&s, m, Y, local, c->batch, n);
        best = t / n < best ? t / n : best;
        total += t;
        done += n;
    }
    double t[3] = {s.compute_s, s.allreduce_s, s.update_s};
    mm_par_max_double(t, 3);

    double flops = mm_step_flops(&m->d, local, c->kernel);
    mm_par_sum_double(&flops, 1);
    mm_stepper_free(&s);
    return (step_timing){best, total / c->steps, t[0] / c->steps, t[1] / c->steps,
                         t[2] / c->steps, flops / best / 1e9};
}

/* Encode infer_rows rows per rank; returns {seconds, GFLOP/s} over all ranks. */
static void time_inference(const mm_bench_config *c, const mm_model *m, double *secs,
                           double *gflops)
{
    float *Y = random_rows(c->infer_batch, m->d.M, c->seed + 7);
    mm_batch_ws_f32 *ws = mm_batch_ws_create_f32(&m->d, c->infer_batch, c->kernel);
    double flops = 0;

    mm_batch_encode_f32(ws, m->W, m->b, Y, c->infer_batch, NULL, NULL);
    mm_par_barrier();
    double t0 = mm_now();
    for (int done = 0; done < c->infer_rows; done += c->infer_batch) {
        int B = c->infer_rows - done < c->infer_batch ? c->infer_rows - done : c->infer_batch;
        mm_batch_encode_f32(ws, m->W, m->b, Y, B, NULL, NULL);
        flops += mm_encode_flops(&m->d, B, c->kernel);
    }
    *secs = mm_now() - t0;
    mm_par_max_double(secs, 1);
    mm_par_sum_double(&flops, 1);
    *gflops = flops / *secs / 1e9;
    mm_batch_ws_free_f32(ws);
    free(Y);
}

/* Everything one run measures, all ranks' figures combined. */
typedef struct {
    double sgemm;             /* GFLOP/s */
    step_timing step;
    double infer_s, infer_gflops;
    double mem_min, mem_max;  /* MiB */
    int r_min, r_max;
    double load[2];           /* 1-minute load average at the start and the end */
} bench_result;

static void report(const mm_bench_config *c, const bench_result *r)
{
    const int P = mm_nranks(), threads = omp_get_max_threads();
    const step_timing *st = &r->step;
    double rate = c->batch / st->seconds, irate = (double)c->infer_rows * P / r->infer_s;

    mm_log0("  SGEMM %d^3, all ranks at once   %8.1f GFLOP/s", c->sgemm_n, r->sgemm);
    mm_log0("  training step  %8.2f ms   %8.1f GFLOP/s  %.2f of SGEMM  %10.0f samples/s",
            1e3 * st->seconds, st->gflops, st->gflops / r->sgemm, rate);
    mm_log0("    per step     mean %.2f ms: compute %.2f ms  allreduce %.2f ms  optimiser %.2f ms"
            "  (max over ranks)", 1e3 * st->mean, 1e3 * st->compute, 1e3 * st->allreduce,
            1e3 * st->update);
    mm_log0("  inference      %8.2f s    %8.1f GFLOP/s  %.2f of SGEMM  %10.0f samples/s",
            r->infer_s, r->infer_gflops, r->infer_gflops / r->sgemm, irate);
    mm_log0("  peak memory    %.1f MiB (rank %d) to %.1f MiB (rank %d) per rank, before the SGEMM",
            r->mem_min, r->r_min, r->mem_max, r->r_max);
    mm_log0("  load average   %.2f at the start, %.2f at the end (%d cores in use)", r->load[0],
            r->load[1], P * threads);
    mm_log0("{\"ranks\": %d, \"threads\": %d, \"K\": %d, \"M\": %d, \"N\": %d, \"L\": %d, "
            "\"batch\": %d, \"sgemm_gflops\": %.3f, \"step_ms\": %.4f, \"step_gflops\": %.3f, "
            "\"step_fraction_of_sgemm\": %.4f, \"train_samples_per_s\": %.1f, "
            "\"compute_ms\": %.4f, \"allreduce_ms\": %.4f, \"optimiser_ms\": %.4f, "
            "\"step_ms_mean\": %.4f, \"infer_samples_per_s\": %.1f, \"infer_gflops\": %.3f, "
            "\"peak_rss_mib_max\": %.2f, \"load_start\": %.2f, \"load_end\": %.2f}",
            P, threads, c->d.K, c->d.M, c->d.N, c->d.L, c->batch, r->sgemm, 1e3 * st->seconds,
            st->gflops, st->gflops / r->sgemm, rate, 1e3 * st->compute, 1e3 * st->allreduce,
            1e3 * st->update, 1e3 * st->mean, irate, r->infer_gflops, r->mem_max, r->load[0],
            r->load[1]);
}

mm_status mm_bench(const mm_bench_config *c)
{
    const int P = mm_nranks(), threads = omp_get_max_threads();
    int64_t lo, hi;
    mm_block_range(c->batch, mm_rank(), P, &lo, &hi);
    const int local = (int)(hi - lo);
    bench_result r;
    double load[3];

    mm_log0("mixmate %s (%s) bench: K %d  M %d  N %d  L %d  batch %d  kernel %s  "
            "%d ranks x %d threads", MM_VERSION, MM_GIT_REVISION, c->d.K, c->d.M, c->d.N, c->d.L,
            c->batch, c->kernel == MM_KERNEL_CODE ? "code" : "data", P, threads);
    getloadavg(load, 3);
    r.load[0] = load[0];

    /* The model's step and inference and their memory peak, then the
     * machine's rate, whose large matrices would otherwise be the peak. */
    mm_model m;
    mm_model_alloc(&m, &c->d);
    mm_init_model(&(mm_train_config){.seed = c->seed, .init = MM_INIT_RANDOM}, NULL, &m);
    float *Y = random_rows(local > 0 ? local : 1, c->d.M, c->seed);
    r.step = time_steps(c, &m, Y, local);
    time_inference(c, &m, &r.infer_s, &r.infer_gflops);
    mm_par_minmax_loc((double)mm_peak_rss_bytes() / (1 << 20), &r.mem_min, &r.r_min, &r.mem_max,
                      &r.r_max);
    r.sgemm = sgemm_rate(c->sgemm_n);
    getloadavg(load, 3);
    r.load[1] = load[0];

    report(c, &r);
    free(Y);
    mm_model_free(&m);
    return MM_OK;
}
