/*
 * The batch kernels on samples with missing values (NaN): masked FISTA
 * against the exact lasso minimiser over the observed rows, the two kernel
 * variants against each other and against each row encoded on its own, the
 * gradient against central finite differences, the energy against its
 * definition, and the invariances a missing value must leave: its stored
 * value, the workspace's history and the thread count change nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <mixmate/kernels.h>
#include <mixmate/util.h>

#include <math.h>
#include <mpi.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

static const char *kernel_name(mm_kernel kernel)
{
    return kernel == MM_KERNEL_CODE ? "code" : "data";
}

/* ---- problems with missing values ------------------------------------------ */

typedef struct {
    mm_dims d;
    int B;
    double *W, *b, *Y; /* Y holds NaN where a value is missing */
} problem;

/* Set `count` distinct entries of the M values of y to NaN. */
static void erase_entries(double *y, int M, int count, mm_rng *r)
{
    for (int j = 0; j < count;) {
        int m = (int)mm_rng_below(r, (uint64_t)M);
        if (!isnan(y[m])) {
            y[m] = NAN;
            j++;
        }
    }
}

/* Every period-th row, from row 0, loses 2 or 3 values, so complete and
 * incomplete rows alternate and the code-space batch has to be rearranged. */
static problem make_problem(mm_dims d, int B, uint64_t seed, int period)
{
    problem p = {.d = d, .B = B};
    mm_rng r;
    mm_rng_seed(&r, seed, 500, 0);
    p.W = random_dictionaries(d.K, d.M, d.N, &r);
    p.b = random_matrix((size_t)d.K, 0.2, &r);
    p.Y = random_matrix((size_t)B * d.M, 0.8, &r);
    for (int s = 0; s < B; s++)
        if (s % period == 0)
            erase_entries(p.Y + (size_t)s * d.M, d.M, 2 + s % 2, &r);
    return p;
}

static void free_problem(problem *p)
{
    free(p->W);
    free(p->b);
    free(p->Y);
}

static int count_incomplete(const problem *p)
{
    int n = 0;
    for (int s = 0; s < p->B; s++) {
        int missing = 0;
        for (int m = 0; m < p->d.M; m++)
            missing |= isnan(p->Y[(size_t)s * p->d.M + m]);
        n += missing;
    }
    return n;
}

/* Everything one encode and one gradient of a batch return, in batch order. */
typedef struct {
    double *E, *P, *X, *dW, *db; /* B x K, B x K, K x B x N, K x M x N, K */
    double loss, grad_loss;
} outputs;

static outputs run_batch(const problem *p, const double *Y, mm_kernel kernel,
                         mm_batch_ws_f64 *ws_in)
{
    const size_t K = p->d.K, bk = (size_t)p->B * K, bn = (size_t)p->B * p->d.N;
    const size_t nw = K * p->d.M * p->d.N;
    mm_batch_ws_f64 *ws = ws_in ? ws_in : mm_batch_ws_create_f64(&p->d, p->B, kernel);
    outputs o = {.E = calloc(bk, sizeof(double)), .P = calloc(bk, sizeof(double)),
                 .X = calloc(K * bn, sizeof(double)), .dW = calloc(nw, sizeof(double)),
                 .db = calloc(K, sizeof(double))};

    /* Gradient first: the codes are those of the encode that follows it. */
    o.grad_loss = mm_batch_grad_f64(ws, p->W, p->b, Y, p->B, 1.0, o.dW, o.db);
    o.loss = mm_batch_encode_f64(ws, p->W, p->b, Y, p->B, o.E, o.P);
    for (size_t k = 0; k < K; k++)
        memcpy(o.X + k * bn, mm_batch_codes_f64(ws, (int)k), bn * sizeof(double));

    if (!ws_in)
        mm_batch_ws_free_f64(ws);
    return o;
}

static void free_outputs(outputs *o)
{
    free(o->E);
    free(o->P);
    free(o->X);
    free(o->dW);
    free(o->db);
}

/* The bytes of every output, the losses included, are the same. */
static void assert_outputs_identical(const problem *p, const outputs *a, const outputs *b)
{
    const size_t K = p->d.K, bk = (size_t)p->B * K;
    const size_t bn = (size_t)p->B * p->d.N, nw = K * p->d.M * p->d.N;
    assert_memory_equal(a->E, b->E, bk * sizeof(double));
    assert_memory_equal(a->P, b->P, bk * sizeof(double));
    assert_memory_equal(a->X, b->X, K * bn * sizeof(double));
    assert_memory_equal(a->dW, b->dW, nw * sizeof(double));
    assert_memory_equal(a->db, b->db, K * sizeof(double));
    assert_memory_equal(&a->loss, &b->loss, sizeof(double));
    assert_memory_equal(&a->grad_loss, &b->grad_loss, sizeof(double));
}

/* ---- a. masked FISTA reaches the lasso minimiser over the observed rows ---- */

/* The observed rows of W (M x N) and y into Wo and yo; returns their count. */
static int observed_rows(const double *W, const double *y, int M, int N, double *Wo,
                         double *yo)
{
    int mo = 0;
    for (int m = 0; m < M; m++) {
        if (isnan(y[m]))
            continue;
        memcpy(Wo + (size_t)mo * N, W + (size_t)m * N, (size_t)N * sizeof *Wo);
        yo[mo++] = y[m];
    }
    return mo;
}

static void check_masked_fista_converges(mm_kernel kernel)
{
    /* 3000 layers with eta = 0.2 < 1 / |W_o^T W_o| (at most 1 / N) converge. */
    mm_dims d = {.K = 2, .M = 8, .N = 3, .L = 3000, .lambda = 0.3, .eta = 0.2};
    problem p = make_problem(d, 7, 31 + kernel, 2);
    mm_batch_ws_f64 *ws = mm_batch_ws_create_f64(&d, p.B, kernel);
    double Wo[8 * 3], yo[8], exact[3];

    mm_batch_encode_f64(ws, p.W, p.b, p.Y, p.B, NULL, NULL);
    double worst = 0;
    for (int k = 0; k < d.K; k++) {
        const double *X = mm_batch_codes_f64(ws, k), *Wk = p.W + (size_t)k * d.M * d.N;
        for (int s = 0; s < p.B; s++) {
            int mo = observed_rows(Wk, p.Y + (size_t)s * d.M, d.M, d.N, Wo, yo);
            brute_force_lasso(Wo, yo, mo, d.N, d.lambda, exact);
            worst = fmax(worst, max_abs_diff(X + (size_t)s * d.N, exact, d.N));
        }
    }
    printf("  masked FISTA (%s space, %d of %d rows incomplete) vs brute-force lasso on the "
           "observed rows: max |x - x*| = %.3g\n", kernel_name(kernel), count_incomplete(&p),
           p.B, worst);
    assert_int_equal(count_incomplete(&p), 4);
    assert_true(worst < 1e-8);

    mm_batch_ws_free_f64(ws);
    free_problem(&p);
}

static void test_masked_fista_code_workspace(void **state)
{
    (void)state;
    check_masked_fista_converges(MM_KERNEL_CODE);
}

static void test_masked_fista_data_workspace(void **state)
{
    (void)state;
    check_masked_fista_converges(MM_KERNEL_DATA);
}

/* ---- b. both variants agree on a mixed batch, and with each row alone ------ */

/* K = 3 and 100 complete rows of 150: the code-space chunks of the complete
 * rows (three per cluster) and the masked item run side by side. */
static const mm_dims MIXED = {.K = 3, .M = 12, .N = 5, .L = 15, .lambda = 0.3, .eta = 0.05};

static void test_variants_agree_on_mixed_batch(void **state)
{
    (void)state;
    problem p = make_problem(MIXED, 150, 11, 3);
    const size_t K = p.d.K, bk = (size_t)p.B * K, bn = (size_t)p.B * p.d.N;
    const size_t nw = K * p.d.M * p.d.N;
    outputs o[2];
    for (int v = 0; v < 2; v++)
        o[v] = run_batch(&p, p.Y, (mm_kernel)v, NULL);

    double de = max_abs_diff(o[0].E, o[1].E, bk), dp = max_abs_diff(o[0].P, o[1].P, bk);
    double dx = max_abs_diff(o[0].X, o[1].X, K * bn), dw = max_abs_diff(o[0].dW, o[1].dW, nw);
    double db = max_abs_diff(o[0].db, o[1].db, K), dl = fabs(o[0].loss - o[1].loss);
    printf("  code vs data workspace, %d of %d rows incomplete: max |dE| %.3g |dP| %.3g "
           "|dX| %.3g |d dW| %.3g |d db| %.3g |d loss| %.3g\n", count_incomplete(&p), p.B, de,
           dp, dx, dw, db, dl);
    assert_int_equal(count_incomplete(&p), 50);
    assert_true(de < 1e-10 && dp < 1e-12 && dx < 1e-10);
    assert_true(dw < 1e-10 && db < 1e-12 && dl < 1e-10);
    assert_true(fabs(o[0].loss - o[0].grad_loss) < 1e-12 * fabs(o[0].loss));

    for (int v = 0; v < 2; v++)
        free_outputs(&o[v]);
    free_problem(&p);
}

/* Each row's energies and codes in the batch equal those of a batch of that
 * row alone, so the rearranged rows went back to their places. */
static void check_rows_alone(mm_kernel kernel)
{
    problem p = make_problem(MIXED, 150, 12, 4);
    const int K = p.d.K, N = p.d.N;
    const size_t bn = (size_t)p.B * N;
    outputs all = run_batch(&p, p.Y, kernel, NULL);
    mm_batch_ws_f64 *ws = mm_batch_ws_create_f64(&p.d, 1, kernel);
    double E[3], worst_e = 0, worst_x = 0;

    for (int s = 0; s < p.B; s++) {
        mm_batch_encode_f64(ws, p.W, p.b, p.Y + (size_t)s * p.d.M, 1, E, NULL);
        worst_e = fmax(worst_e, max_abs_diff(E, all.E + (size_t)s * K, K));
        for (int k = 0; k < K; k++)
            worst_x = fmax(worst_x, max_abs_diff(mm_batch_codes_f64(ws, k),
                                                 all.X + k * bn + (size_t)s * N, N));
    }
    printf("  %s workspace, batch vs each row alone: max |dE| %.3g |dX| %.3g\n",
           kernel_name(kernel), worst_e, worst_x);
    assert_true(worst_e < 1e-12 && worst_x < 1e-12);

    mm_batch_ws_free_f64(ws);
    free_outputs(&all);
    free_problem(&p);
}

static void test_mixed_batch_equals_rows_alone(void **state)
{
    (void)state;
    check_rows_alone(MM_KERNEL_CODE);
    check_rows_alone(MM_KERNEL_DATA);
}

/* ---- c. the gradient against central finite differences ------------------ */

static double step_loss(mm_batch_ws_f64 *ws, const problem *p)
{
    return mm_batch_encode_f64(ws, p->W, p->b, p->Y, p->B, NULL, NULL) / ((double)p->B * p->d.M);
}

static void check_finite_differences(mm_kernel kernel)
{
    mm_dims d = {.K = 3, .M = 12, .N = 5, .L = 6, .lambda = 0.3, .eta = 0.05};
    problem p = make_problem(d, 70, 7, 2);
    for (int m = 0; m < d.M; m++)
        p.Y[5 * d.M + m] = NAN; /* a row with nothing observed has no gradient */
    const size_t nw = (size_t)d.K * d.M * d.N;
    const double h = 1e-6, scale = 1.0 / ((double)p.B * d.M);
    mm_batch_ws_f64 *ws = mm_batch_ws_create_f64(&d, p.B, kernel);
    double *dW = calloc(nw, sizeof *dW), *db = calloc(d.K, sizeof *db);
    double *fW = calloc(nw, sizeof *fW), *fb = calloc(d.K, sizeof *fb);

    /* Analytic gradient, then every parameter perturbed both ways. */
    mm_batch_grad_f64(ws, p.W, p.b, p.Y, p.B, scale, dW, db);
    for (size_t i = 0; i < nw + d.K; i++) {
        double *param = i < nw ? p.W + i : p.b + (i - nw), keep = *param;
        *param = keep + h;
        double up = step_loss(ws, &p);
        *param = keep - h;
        double down = step_loss(ws, &p);
        *param = keep;
        (i < nw ? fW : fb)[i < nw ? i : i - nw] = (up - down) / (2 * h);
    }

    /* Norm-wise relative error over all of dW and db. */
    double diff[2] = {0, 0};
    for (size_t i = 0; i < nw; i++)
        diff[0] += (dW[i] - fW[i]) * (dW[i] - fW[i]);
    for (int k = 0; k < d.K; k++)
        diff[1] += (db[k] - fb[k]) * (db[k] - fb[k]);
    double rel_W = sqrt(diff[0]) / norm2(fW, nw), rel_b = sqrt(diff[1]) / norm2(fb, d.K);
    printf("  %s workspace, %d of %d rows incomplete, vs finite differences: relative error "
           "dW %.3g, db %.3g\n", kernel_name(kernel), count_incomplete(&p), p.B, rel_W, rel_b);
    assert_int_equal(count_incomplete(&p), 36);
    assert_true(rel_W < 1e-6);
    assert_true(rel_b < 1e-6);

    free(fb);
    free(fW);
    free(db);
    free(dW);
    mm_batch_ws_free_f64(ws);
    free_problem(&p);
}

static void test_code_workspace_gradient_matches_fd(void **state)
{
    (void)state;
    check_finite_differences(MM_KERNEL_CODE);
}

static void test_data_workspace_gradient_matches_fd(void **state)
{
    (void)state;
    check_finite_differences(MM_KERNEL_DATA);
}

/* ---- d. the energy is its definition over the observed entries ------------- */

/* ||m * (y - W x)||^2 + lambda |x|_1 for one sample; W is M x N. */
static double masked_energy(const double *W, const double *y, const double *x, int M, int N,
                            double lambda)
{
    double sq = 0, l1 = 0;
    for (int m = 0; m < M; m++) {
        if (isnan(y[m]))
            continue;
        double r = y[m];
        for (int n = 0; n < N; n++)
            r -= W[(size_t)m * N + n] * x[n];
        sq += r * r;
    }
    for (int n = 0; n < N; n++)
        l1 += fabs(x[n]);
    return sq + lambda * l1;
}

/* The posteriors are softmax(-E + b) of those energies, the loss sum_k p_k E_k. */
static void check_energies(mm_kernel kernel)
{
    problem p = make_problem(MIXED, 150, 13, 3);
    const int K = p.d.K, M = p.d.M, N = p.d.N;
    outputs o = run_batch(&p, p.Y, kernel, NULL);
    double worst_e = 0, worst_p = 0, loss = 0;

    for (int s = 0; s < p.B; s++) {
        const double *y = p.Y + (size_t)s * M, *e = o.E + (size_t)s * K;
        double z = 0, want[3];
        for (int k = 0; k < K; k++) {
            const double *x = o.X + ((size_t)k * p.B + s) * N;
            want[k] = masked_energy(p.W + (size_t)k * M * N, y, x, M, N, p.d.lambda);
            worst_e = fmax(worst_e, fabs(e[k] - want[k]) / (1 + want[k]));
            z += exp(p.b[k] - e[k]);
        }
        for (int k = 0; k < K; k++) {
            double pk = exp(p.b[k] - e[k]) / z;
            worst_p = fmax(worst_p, fabs(o.P[(size_t)s * K + k] - pk));
            loss += pk * e[k];
        }
    }
    double dl = fabs(loss - o.loss) / loss;
    printf("  %s workspace energies vs ||m (y - W x)||^2 + lambda |x|_1: max relative %.3g, "
           "posteriors %.3g, loss relative %.3g\n", kernel_name(kernel), worst_e, worst_p, dl);
    assert_true(worst_e < 1e-12 && worst_p < 1e-14 && dl < 1e-13);

    free_outputs(&o);
    free_problem(&p);
}

static void test_energy_is_masked_definition(void **state)
{
    (void)state;
    check_energies(MM_KERNEL_CODE);
    check_energies(MM_KERNEL_DATA);
}

/* ---- e. what must not change the results ----------------------------------- */

/* Missing entries filled with large finite values give other results (so the
 * comparison below can fail), and marked missing again with NaNs of other
 * bit patterns give the original results bitwise, in the same workspace that
 * just held the finite values. */
static void check_missing_values_ignored(mm_kernel kernel)
{
    problem p = make_problem(MIXED, 150, 14, 3);
    const size_t n = (size_t)p.B * p.d.M, bk = (size_t)p.B * p.d.K;
    double *Y = malloc(n * sizeof *Y);
    const double marks[3] = {-NAN, nan("7"), -nan("123456")};
    mm_rng r;
    mm_rng_seed(&r, 15, 501, 0);
    mm_batch_ws_f64 *ws = mm_batch_ws_create_f64(&p.d, p.B, kernel);
    outputs base = run_batch(&p, p.Y, kernel, NULL);

    for (size_t i = 0; i < n; i++)
        Y[i] = isnan(p.Y[i]) ? 1e3 * mm_rng_normal(&r) : p.Y[i];
    outputs filled = run_batch(&p, Y, kernel, ws);
    double moved = max_abs_diff(base.E, filled.E, bk);
    for (size_t i = 0; i < n; i++)
        Y[i] = isnan(p.Y[i]) ? marks[i % 3] : p.Y[i];
    outputs again = run_batch(&p, Y, kernel, ws);

    printf("  %s workspace: filling the missing values moves E by up to %.3g; marking them "
           "missing again restores every output bitwise\n", kernel_name(kernel), moved);
    assert_true(moved > 1.0);
    assert_outputs_identical(&p, &base, &again);

    free_outputs(&again);
    free_outputs(&filled);
    free_outputs(&base);
    mm_batch_ws_free_f64(ws);
    free(Y);
    free_problem(&p);
}

static void test_missing_values_are_ignored(void **state)
{
    (void)state;
    check_missing_values_ignored(MM_KERNEL_CODE);
    check_missing_values_ignored(MM_KERNEL_DATA);
}

static void check_threads(mm_kernel kernel)
{
    problem p = make_problem(MIXED, 150, 16, 5);
    outputs o[2];
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        o[t] = run_batch(&p, p.Y, kernel, NULL);
    }
    omp_set_num_threads(1);
    printf("  %s workspace, %d of %d rows incomplete: 1 and 2 threads give the same bytes\n",
           kernel_name(kernel), count_incomplete(&p), p.B);
    assert_outputs_identical(&p, &o[0], &o[1]);
    free_outputs(&o[0]);
    free_outputs(&o[1]);
    free_problem(&p);
}

static void test_threads_do_not_change_results(void **state)
{
    (void)state;
    check_threads(MM_KERNEL_CODE);
    check_threads(MM_KERNEL_DATA);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_masked_fista_code_workspace),
        cmocka_unit_test(test_masked_fista_data_workspace),
        cmocka_unit_test(test_variants_agree_on_mixed_batch),
        cmocka_unit_test(test_mixed_batch_equals_rows_alone),
        cmocka_unit_test(test_code_workspace_gradient_matches_fd),
        cmocka_unit_test(test_data_workspace_gradient_matches_fd),
        cmocka_unit_test(test_energy_is_masked_definition),
        cmocka_unit_test(test_missing_values_are_ignored),
        cmocka_unit_test(test_threads_do_not_change_results),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Finalize();
    return failed;
}
