/*
 * The batch kernels against three independent references: a brute-force
 * lasso solution, central finite differences in double precision, and a
 * PyTorch autograd fixture (tests/fixtures/torch_step.h5). The code-space
 * and data-space variants are also checked against each other. The
 * training step with the prior logits learned is checked against the same
 * fixture through the stepper that training runs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <mixmate/kernels.h>
#include <mixmate/util.h>

#include <hdf5.h>
#include <math.h>
#include <mpi.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run.h"
#include "test_support.h"

static const char *g_fixture;

/* Step loss of a batch in double: sum of per-sample losses / (B M). */
static double step_loss(mm_batch_ws_f64 *ws, const mm_dims *d, const double *W, const double *b,
                        const double *Y, int B)
{
    return mm_batch_encode_f64(ws, W, b, Y, B, NULL, NULL) / ((double)B * d->M);
}

/* ---- soft threshold and FISTA --------------------------------------------- */

static void test_soft_threshold_edges(void **state)
{
    (void)state;
    assert_true(mm_soft_threshold(0.5, 0.5) == 0.0);
    assert_true(mm_soft_threshold(-0.5, 0.5) == 0.0);
    assert_true(mm_soft_threshold(0.0, 0.5) == 0.0);
    assert_true(mm_soft_threshold(0.75, 0.5) == 0.25);
    assert_true(mm_soft_threshold(-0.75, 0.5) == -0.25);
    assert_true(mm_soft_threshold(-3.0, 0.0) == -3.0);
    assert_true(mm_soft_threshold(1e-300, 0.0) == 1e-300);
    assert_true(isnan(mm_soft_threshold(NAN, 0.5)) || mm_soft_threshold(NAN, 0.5) == 0.0);
}

static void test_fista_momentum(void **state)
{
    (void)state;
    double m[4];
    mm_fista_momentum(4, m);
    double t1 = (1 + sqrt(5.0)) / 2, t2 = (1 + sqrt(1 + 4 * t1 * t1)) / 2;
    assert_true(m[0] == 0.0);
    assert_true(fabs(m[1] - (t1 - 1) / t2) < 1e-15);
}

static void check_fista_converges(mm_kernel kernel)
{
    const int M = 10, N = 5, B = 6;
    mm_rng r;
    mm_rng_seed(&r, 42, 100, kernel);
    double *W = random_dictionaries(1, M, N, &r);
    double *Y = random_matrix((size_t)B * M, 1.0, &r);
    double b = 0;
    mm_dims d = {.K = 1, .M = M, .N = N, .L = 3000, .lambda = 0.3, .eta = 0.15};
    mm_batch_ws_f64 *ws = mm_batch_ws_create_f64(&d, B, kernel);

    /* 3000 unrolled layers with eta < 1 / |W^T W| reach the minimiser. */
    mm_batch_encode_f64(ws, W, &b, Y, B, NULL, NULL);
    const double *X = mm_batch_codes_f64(ws, 0);
    double worst = 0;
    for (int s = 0; s < B; s++) {
        double exact[8];
        brute_force_lasso(W, Y + (size_t)s * M, M, N, d.lambda, exact);
        worst = fmax(worst, max_abs_diff(X + (size_t)s * N, exact, N));
    }
    printf("  FISTA (%s space) vs brute-force lasso: max |x - x*| = %.3g\n",
           kernel == MM_KERNEL_CODE ? "code" : "data", worst);
    assert_true(worst < 1e-8);

    mm_batch_ws_free_f64(ws);
    free(Y);
    free(W);
}

static void test_fista_code_space_converges(void **state)
{
    (void)state;
    check_fista_converges(MM_KERNEL_CODE);
}

static void test_fista_data_space_converges(void **state)
{
    (void)state;
    check_fista_converges(MM_KERNEL_DATA);
}

/* ---- gradients -------------------------------------------------------------- */

typedef struct {
    mm_dims d;
    int B;
    double *W, *b, *Y;
} problem;

/* With B = 70 and K = 3 the code-space kernel splits every cluster's rows into
 * chunks, so the chunked reduction is part of what the tests check. */
static problem make_problem(uint64_t seed, int B)
{
    problem p = {.d = {.K = 3, .M = 12, .N = 5, .L = 6, .lambda = 0.3, .eta = 0.05}, .B = B};
    mm_rng r;
    mm_rng_seed(&r, seed, 200, 0);
    p.W = random_dictionaries(p.d.K, p.d.M, p.d.N, &r);
    p.b = random_matrix((size_t)p.d.K, 0.2, &r);
    p.Y = random_matrix((size_t)p.B * p.d.M, 0.8, &r);
    return p;
}

static void free_problem(problem *p)
{
    free(p->W);
    free(p->b);
    free(p->Y);
}

static void check_finite_differences(mm_kernel kernel)
{
    problem p = make_problem(7, 70);
    const size_t nw = (size_t)p.d.K * p.d.M * p.d.N;
    const double h = 1e-6, scale = 1.0 / ((double)p.B * p.d.M);
    mm_batch_ws_f64 *ws = mm_batch_ws_create_f64(&p.d, p.B, kernel);
    double *dW = calloc(nw, sizeof *dW), *db = calloc(p.d.K, sizeof *db);
    double *fW = calloc(nw, sizeof *fW), *fb = calloc(p.d.K, sizeof *fb);

    /* Analytic gradient, then every parameter perturbed both ways. */
    mm_batch_grad_f64(ws, p.W, p.b, p.Y, p.B, scale, dW, db);
    for (size_t i = 0; i < nw + p.d.K; i++) {
        double *param = i < nw ? p.W + i : p.b + (i - nw), keep = *param;
        *param = keep + h;
        double up = step_loss(ws, &p.d, p.W, p.b, p.Y, p.B);
        *param = keep - h;
        double down = step_loss(ws, &p.d, p.W, p.b, p.Y, p.B);
        *param = keep;
        (i < nw ? fW : fb)[i < nw ? i : i - nw] = (up - down) / (2 * h);
    }

    /* Norm-wise relative error over all of dW and db. */
    double diff[2] = {0, 0}, ref[2] = {norm2(fW, nw), norm2(fb, p.d.K)};
    for (size_t i = 0; i < nw; i++)
        diff[0] += (dW[i] - fW[i]) * (dW[i] - fW[i]);
    for (int k = 0; k < p.d.K; k++)
        diff[1] += (db[k] - fb[k]) * (db[k] - fb[k]);
    double rel_W = sqrt(diff[0]) / ref[0], rel_b = sqrt(diff[1]) / ref[1];
    printf("  %s space vs finite differences: relative error dW %.3g, db %.3g\n",
           kernel == MM_KERNEL_CODE ? "code" : "data", rel_W, rel_b);
    assert_true(rel_W < 1e-6);
    assert_true(rel_b < 1e-6);

    free(fb);
    free(fW);
    free(db);
    free(dW);
    mm_batch_ws_free_f64(ws);
    free_problem(&p);
}

static void test_code_space_gradient_matches_fd(void **state)
{
    (void)state;
    check_finite_differences(MM_KERNEL_CODE);
}

static void test_data_space_gradient_matches_fd(void **state)
{
    (void)state;
    check_finite_differences(MM_KERNEL_DATA);
}

static double max_abs(const double *a, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(a[i]));
    return m;
}

/* Energies, gradient and loss of the code-space variant against the plain
 * data-space reference on the same problem, relative to their largest value. */
static void check_code_and_data_space_agree(const problem *p, double tol)
{
    const size_t nw = (size_t)p->d.K * p->d.M * p->d.N, bk = (size_t)p->B * p->d.K;
    double *dW[2], *db[2], *E[2], loss[2];

    for (int v = 0; v < 2; v++) {
        mm_batch_ws_f64 *ws = mm_batch_ws_create_f64(&p->d, p->B, (mm_kernel)v);
        dW[v] = calloc(nw, sizeof(double));
        db[v] = calloc(p->d.K, sizeof(double));
        E[v] = calloc(bk, sizeof(double));
        mm_batch_encode_f64(ws, p->W, p->b, p->Y, p->B, E[v], NULL);
        loss[v] = mm_batch_grad_f64(ws, p->W, p->b, p->Y, p->B, 1.0, dW[v], db[v]);
        mm_batch_ws_free_f64(ws);
    }
    double e = max_abs_diff(E[0], E[1], bk) / max_abs(E[1], bk);
    double g = max_abs_diff(dW[0], dW[1], nw) / max_abs(dW[1], nw);
    double l = fabs(loss[0] - loss[1]) / fabs(loss[1]);
    printf("  code vs data space (B %d, M %d, N %d): relative max |dE| %.3g, max |d dW| %.3g, "
           "|d loss| %.3g\n", p->B, p->d.M, p->d.N, e, g, l);
    assert_true(e < tol);
    assert_true(g < tol);
    assert_true(l < tol);

    for (int v = 0; v < 2; v++) {
        free(dW[v]);
        free(db[v]);
        free(E[v]);
    }
}

static void test_code_and_data_space_agree(void **state)
{
    (void)state;
    problem p = make_problem(11, 100);
    p.d.L = 15;
    check_code_and_data_space_agree(&p, 1e-10);
    free_problem(&p);
}

/* A shape large enough that the products over all clusters at once split
 * into several blocks of rows and of features, with B N not a whole number
 * of cache lines. */
static problem make_blocked_problem(uint64_t seed)
{
    problem p = {.d = {.K = 3, .M = 400, .N = 7, .L = 8, .lambda = 0.3, .eta = 0.02}, .B = 301};
    mm_rng r;
    mm_rng_seed(&r, seed, 201, 0);
    p.W = random_dictionaries(p.d.K, p.d.M, p.d.N, &r);
    p.b = random_matrix((size_t)p.d.K, 0.2, &r);
    p.Y = random_matrix((size_t)p.B * p.d.M, 0.8, &r);
    return p;
}

static void test_blocked_products_match_data_space(void **state)
{
    (void)state;
    problem p = make_blocked_problem(13);
    check_code_and_data_space_agree(&p, 1e-10);
    free_problem(&p);
}

/* An encode with no backward pass to follow keeps the layers' codes in two
 * scratch slots instead of the activation store: the same arithmetic, so
 * the same codes and loss to the bit. */
static void test_encode_matches_forward(void **state)
{
    (void)state;
    problem p = make_blocked_problem(19);
    mm_batch_ws_f64 *ws = mm_batch_ws_create_f64(&p.d, p.B, MM_KERNEL_CODE);
    const size_t bn = (size_t)p.B * p.d.N;
    double *X = malloc(p.d.K * bn * sizeof *X);

    double loss = mm_batch_forward_f64(ws, p.W, p.b, p.Y, p.B);
    for (int k = 0; k < p.d.K; k++)
        memcpy(X + k * bn, mm_batch_codes_f64(ws, k), bn * sizeof *X);
    double again = mm_batch_encode_f64(ws, p.W, p.b, p.Y, p.B, NULL, NULL);
    assert_true(loss == again);
    for (int k = 0; k < p.d.K; k++)
        assert_memory_equal(X + k * bn, mm_batch_codes_f64(ws, k), bn * sizeof *X);

    free(X);
    mm_batch_ws_free_f64(ws);
    free_problem(&p);
}

/* ---- the PyTorch fixture ---------------------------------------------------- */

typedef struct {
    mm_dims d;
    int B;
    double lr;
    double *W, *b, *Y, *Y2, *E, *P, *X, *dW, *db, *W_after, *W_after2, loss, loss2;
    double *prior_W[2], *prior_b[2], prior_loss2; /* after steps 1 and 2 with b learned */
} torch_case;

static double *read_all(hid_t g, const char *name, size_t count)
{
    double *a = malloc(count * sizeof *a);
    hid_t set = H5Dopen2(g, name, H5P_DEFAULT);
    assert_true(set >= 0);
    hid_t space = H5Dget_space(set);
    assert_int_equal((size_t)H5Sget_simple_extent_npoints(space), count);
    assert_true(H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a) >= 0);
    H5Sclose(space);
    H5Dclose(set);
    return a;
}

static double read_attr(hid_t g, const char *name)
{
    double v = 0;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    assert_true(a >= 0);
    H5Aread(a, H5T_NATIVE_DOUBLE, &v);
    H5Aclose(a);
    return v;
}

static torch_case load_case(const char *group)
{
    torch_case c;
    hid_t f = H5Fopen(g_fixture, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
    assert_true(g >= 0);

    c.d = (mm_dims){.K = (int)read_attr(g, "K"), .M = (int)read_attr(g, "M"),
                    .N = (int)read_attr(g, "N"), .L = (int)read_attr(g, "L"),
                    .lambda = read_attr(g, "lambda"), .eta = read_attr(g, "eta")};
    c.B = (int)read_attr(g, "B");
    c.lr = read_attr(g, "lr");
    size_t K = c.d.K, M = c.d.M, N = c.d.N, B = c.B;
    c.W = read_all(g, "W", K * M * N);
    c.b = read_all(g, "b", K);
    c.Y = read_all(g, "Y", B * M);
    c.Y2 = read_all(g, "Y2", B * M);
    c.E = read_all(g, "E", B * K);
    c.P = read_all(g, "P", B * K);
    c.X = read_all(g, "X", K * B * N);
    c.dW = read_all(g, "dW", K * M * N);
    c.db = read_all(g, "db", K);
    c.W_after = read_all(g, "W_after", K * M * N);
    c.W_after2 = read_all(g, "W_after2", K * M * N);
    c.prior_W[0] = read_all(g, "prior_W_after", K * M * N);
    c.prior_W[1] = read_all(g, "prior_W_after2", K * M * N);
    c.prior_b[0] = read_all(g, "prior_b_after", K);
    c.prior_b[1] = read_all(g, "prior_b_after2", K);
    double *l = read_all(g, "loss", 1), *l2 = read_all(g, "loss2", 1);
    double *pl2 = read_all(g, "prior_loss2", 1);
    c.loss = *l;
    c.loss2 = *l2;
    c.prior_loss2 = *pl2;
    free(pl2);
    free(l);
    free(l2);
    H5Gclose(g);
    H5Fclose(f);
    return c;
}

static void free_case(torch_case *c)
{
    double *all[] = {c->W, c->b, c->Y, c->Y2, c->E, c->P, c->X, c->dW, c->db, c->W_after,
                     c->W_after2, c->prior_W[0], c->prior_W[1], c->prior_b[0], c->prior_b[1]};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        free(all[i]);
}

/* Double path: forward values and gradients to near machine precision. */
static void check_torch_double(const char *group, mm_kernel kernel)
{
    torch_case c = load_case(group);
    const size_t K = c.d.K, nw = K * c.d.M * c.d.N, bk = (size_t)c.B * K, bn = (size_t)c.B * c.d.N;
    mm_batch_ws_f64 *ws = mm_batch_ws_create_f64(&c.d, c.B, kernel);
    double *E = calloc(bk, sizeof *E), *P = calloc(bk, sizeof *P);
    double *dW = calloc(nw, sizeof *dW), *db = calloc(K, sizeof *db);

    double total = mm_batch_encode_f64(ws, c.W, c.b, c.Y, c.B, E, P);
    double dx = 0;
    for (size_t k = 0; k < K; k++)
        dx = fmax(dx, max_abs_diff(mm_batch_codes_f64(ws, (int)k), c.X + k * bn, bn));
    mm_batch_grad_f64(ws, c.W, c.b, c.Y, c.B, 1.0 / ((double)c.B * c.d.M), dW, db);

    double de = max_abs_diff(E, c.E, bk), dp = max_abs_diff(P, c.P, bk);
    double dl = fabs(total / ((double)c.B * c.d.M) - c.loss);
    double dg = max_abs_diff(dW, c.dW, nw) / fmax(1e-300, norm2(c.dW, nw) / sqrt((double)nw));
    double dgb = max_abs_diff(db, c.db, K);
    printf("  %-20s %s f64: |dX| %.2g |dE| %.2g |dP| %.2g |dloss| %.2g "
           "|d dW|/rms %.2g |d db| %.2g\n", group, kernel ? "data" : "code", dx, de, dp, dl, dg,
           dgb);
    assert_true(dx < 1e-10 && de < 1e-9 && dp < 1e-10 && dl < 1e-12);
    assert_true(dg < 1e-8 && dgb < 1e-12);

    free(db);
    free(dW);
    free(P);
    free(E);
    mm_batch_ws_free_f64(ws);
    free_case(&c);
}

static void test_torch_fixture_double(void **state)
{
    (void)state;
    const char *groups[] = {"case_small", "case_published", "case_tiny_threshold"};
    for (int i = 0; i < 3; i++)
        for (int v = 0; v < 2; v++)
            check_torch_double(groups[i], (mm_kernel)v);
}

static float *to_float(const double *a, size_t n)
{
    float *f = malloc(n * sizeof *f);
    for (size_t i = 0; i < n; i++)
        f[i] = (float)a[i];
    return f;
}

/* Float path through two Adam steps and renormalisations, as training runs it. */
static void check_torch_training_steps(const char *group)
{
    torch_case c = load_case(group);
    const size_t K = c.d.K, nw = K * c.d.M * c.d.N;
    mm_batch_ws_f32 *ws = mm_batch_ws_create_f32(&c.d, c.B, MM_KERNEL_CODE);
    float *W = to_float(c.W, nw), *b = to_float(c.b, K);
    float *Y[2] = {to_float(c.Y, (size_t)c.B * c.d.M), to_float(c.Y2, (size_t)c.B * c.d.M)};
    float *g = calloc(nw + K, sizeof *g), *m = calloc(nw, sizeof *m), *v = calloc(nw, sizeof *v);
    mm_adam opt = {.lr = c.lr, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
    const double *want[2] = {c.W_after, c.W_after2};
    double want_loss[2] = {c.loss, c.loss2};

    for (int step = 0; step < 2; step++) {
        memset(g, 0, (nw + K) * sizeof *g);
        double scale = 1.0 / ((double)c.B * c.d.M);
        double loss = mm_batch_grad_f32(ws, W, b, Y[step], c.B, scale, g, g + nw) * scale;
        mm_adam_step_dictionaries(&opt, W, g, m, v, c.d.K, c.d.M, c.d.N);

        double dw = 0;
        for (size_t i = 0; i < nw; i++)
            dw = fmax(dw, fabs(W[i] - want[step][i]));
        printf("  %-20s f32 step %d: |dloss| %.2g  max |W - W_torch| %.2g\n", group, step + 1,
               fabs(loss - want_loss[step]), dw);
        assert_true(fabs(loss - want_loss[step]) < 1e-5 * fmax(1.0, want_loss[step]));
        assert_true(dw < 1e-5);
    }

    free(v);
    free(m);
    free(g);
    free(Y[1]);
    free(Y[0]);
    free(b);
    free(W);
    mm_batch_ws_free_f32(ws);
    free_case(&c);
}

static void test_torch_fixture_training_steps(void **state)
{
    (void)state;
    check_torch_training_steps("case_small");
    check_torch_training_steps("case_published");
    check_torch_training_steps("case_tiny_threshold");
}

/* Two steps of the training stepper (one rank) on the fixture's batches,
 * with b learned as one Adam optimiser over W and b, or frozen. */
static void check_stepper_prior(const char *group, int learn)
{
    torch_case c = load_case(group);
    const size_t K = c.d.K, nw = K * c.d.M * c.d.N;
    mm_stepper s;
    mm_stepper_init(&s, &c.d, c.B, MM_KERNEL_CODE, c.lr);
    s.learn_prior = learn;
    mm_model m = {.d = c.d, .W = to_float(c.W, nw), .b = to_float(c.b, K)};
    float *Y[2] = {to_float(c.Y, (size_t)c.B * c.d.M), to_float(c.Y2, (size_t)c.B * c.d.M)};
    const double *want_W[2] = {learn ? c.prior_W[0] : c.W_after, learn ? c.prior_W[1] :
                               c.W_after2};

    for (int step = 0; step < 2; step++) {
        double loss = mm_stepper_step(&s, &m, Y[step], c.B, c.B);
        double dw = 0, db = 0;
        for (size_t i = 0; i < nw; i++)
            dw = fmax(dw, fabs(m.W[i] - want_W[step][i]));
        for (size_t k = 0; k < K; k++)
            db = fmax(db, fabs(m.b[k] - (learn ? c.prior_b[step][k] : (float)c.b[k])));
        printf("  %-20s stepper, prior %s, step %d: max |W - W_torch| %.2g  "
               "max |b - b_torch| %.2g\n", group, learn ? "learned" : "frozen", step + 1, dw, db);
        assert_true(dw < 1e-5);
        assert_true(learn ? db < 1e-6 : db == 0.0);
        if (step == 1 && learn)
            assert_true(fabs(loss - c.prior_loss2) < 1e-5 * fmax(1.0, c.prior_loss2));
    }

    /* The prior moved (these fixtures have non-zero db) only when learned. */
    double moved = 0;
    for (size_t k = 0; k < K; k++)
        moved = fmax(moved, fabs(m.b[k] - (float)c.b[k]));
    assert_true(learn ? moved > 1e-4 : moved == 0.0);

    free(Y[1]);
    free(Y[0]);
    free(m.b);
    free(m.W);
    mm_stepper_free(&s);
    free_case(&c);
}

static void test_torch_fixture_learned_prior(void **state)
{
    (void)state;
    const char *groups[] = {"case_small", "case_published", "case_tiny_threshold"};
    for (int i = 0; i < 3; i++) {
        check_stepper_prior(groups[i], 1);
        check_stepper_prior(groups[i], 0);
    }
}

static void test_fused_adam_matches_two_passes(void **state)
{
    (void)state;
    const int K = 3, M = 40, N = 7;
    const size_t n = (size_t)K * M * N;
    mm_rng r;
    mm_rng_seed(&r, 3, 300, 0);
    float *W[2], *g = malloc(n * sizeof *g), *mv[4];
    for (int i = 0; i < 2; i++)
        W[i] = malloc(n * sizeof(float));
    for (int i = 0; i < 4; i++)
        mv[i] = calloc(n, sizeof(float));
    for (size_t i = 0; i < n; i++)
        W[0][i] = W[1][i] = (float)mm_rng_normal(&r);
    mm_adam a = {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8}, b = a;

    double worst = 0;
    for (int step = 0; step < 5; step++) {
        for (size_t i = 0; i < n; i++)
            g[i] = (float)mm_rng_normal(&r);
        mm_adam_step(&a, W[0], g, mv[0], mv[1], n);
        mm_normalize_columns(W[0], K, M, N);
        mm_adam_step_dictionaries(&b, W[1], g, mv[2], mv[3], K, M, N);
        for (size_t i = 0; i < n; i++)
            worst = fmax(worst, fabs(W[0][i] - W[1][i]));
    }
    printf("  fused Adam + normalisation vs two passes: max |dW| %.2g\n", worst);
    assert_true(worst < 1e-6);
    for (int i = 0; i < 4; i++)
        free(mv[i]);
    free(W[1]);
    free(W[0]);
    free(g);
}

/* Bitwise the same gradient on 1, 2 and 3 threads. */
static void check_threads_do_not_change_results(const problem *p)
{
    const size_t nw = (size_t)p->d.K * p->d.M * p->d.N;
    const int threads = omp_get_max_threads();
    double *g[3];
    for (int t = 0; t < 3; t++) {
        omp_set_num_threads(t + 1);
        mm_batch_ws_f64 *ws = mm_batch_ws_create_f64(&p->d, p->B, MM_KERNEL_CODE);
        g[t] = calloc(nw + p->d.K, sizeof(double));
        mm_batch_grad_f64(ws, p->W, p->b, p->Y, p->B, 1.0, g[t], g[t] + nw);
        mm_batch_ws_free_f64(ws);
    }
    omp_set_num_threads(threads);
    assert_memory_equal(g[0], g[1], (nw + p->d.K) * sizeof(double));
    assert_memory_equal(g[0], g[2], (nw + p->d.K) * sizeof(double));
    for (int t = 0; t < 3; t++)
        free(g[t]);
}

static void test_threads_do_not_change_results(void **state)
{
    (void)state;
    problem p = make_problem(5, 100);
    check_threads_do_not_change_results(&p);
    free_problem(&p);
    p = make_blocked_problem(17);
    check_threads_do_not_change_results(&p);
    free_problem(&p);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    if (argc < 2) {
        fprintf(stderr, "usage: %s tests/fixtures/torch_step.h5\n", argv[0]);
        MPI_Finalize();
        return 2;
    }
    g_fixture = argv[1];

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soft_threshold_edges),
        cmocka_unit_test(test_fista_momentum),
        cmocka_unit_test(test_fista_code_space_converges),
        cmocka_unit_test(test_fista_data_space_converges),
        cmocka_unit_test(test_code_space_gradient_matches_fd),
        cmocka_unit_test(test_data_space_gradient_matches_fd),
        cmocka_unit_test(test_code_and_data_space_agree),
        cmocka_unit_test(test_blocked_products_match_data_space),
        cmocka_unit_test(test_encode_matches_forward),
        cmocka_unit_test(test_torch_fixture_double),
        cmocka_unit_test(test_torch_fixture_training_steps),
        cmocka_unit_test(test_torch_fixture_learned_prior),
        cmocka_unit_test(test_fused_adam_matches_two_passes),
        cmocka_unit_test(test_threads_do_not_change_results),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    MPI_Finalize();
    return failed;
}
