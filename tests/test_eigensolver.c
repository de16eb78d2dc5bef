/*
 * The distributed eigensolver (ScaLAPACK pdsyevr behind mm_dist_leading_eigen)
 * against LAPACK's dsyevr on one rank, on the process grids named on the
 * command line (e.g. "1x2 2x1"; "0x0" is the automatic near-square grid).
 * Run under mpirun with as many ranks as each grid has. Every check is made
 * on values all ranks agree on, so a failure fails every rank alike.
 *
 * Tolerances, relative to the largest |eigenvalue| a of the matrix:
 *   eigenvalues   |lambda - lambda_LAPACK| <= 1e-10 a
 *   residuals     |A v - lambda v|         <= 1e-9 a   (every vector)
 *   orthonormal   |V^T V - I|_max          <= 1e-10
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <mixmate/util.h>

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "par/blacs.h"
#include "par/par.h"

static const char **g_grids;
static int g_n_grids;

typedef struct {
    int64_t n;
    double *A; /* n x n, the same on every rank */
} dense;

static double entry_of(int64_t i, int64_t j, void *ctx)
{
    const dense *d = ctx;
    return d->A[i * d->n + j];
}

/* Symmetric with standard normal entries. */
static dense random_symmetric(int64_t n, uint64_t seed)
{
    dense d = {n, malloc((size_t)(n * n) * sizeof(double))};
    mm_rng r;
    mm_rng_seed(&r, seed, 900, 0);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j <= i; j++)
            d.A[i * n + j] = d.A[j * n + i] = mm_rng_normal(&r);
    return d;
}

/* D^(-1/2) A D^(-1/2) of `rings` disjoint rings with random chords inside
 * each: eigenvalue 1 has multiplicity `rings`, as a clustered graph's has. */
static dense ring_affinity(int64_t n, int rings, uint64_t seed)
{
    dense d = {n, calloc((size_t)(n * n), sizeof(double))};
    mm_rng r;
    mm_rng_seed(&r, seed, 901, 0);
    int64_t per = n / rings;
    for (int64_t i = 0; i < n; i++) {
        int64_t ring = i / per < rings ? i / per : rings - 1;
        int64_t base = ring * per, len = ring == rings - 1 ? n - base : per;
        int64_t next = base + (i - base + 1) % len, chord = base + (int64_t)mm_rng_below(&r, len);
        double w = 0.5 + mm_rng_uniform(&r);
        d.A[i * n + next] = d.A[next * n + i] = w;
        if (chord != i)
            d.A[i * n + chord] = d.A[chord * n + i] = w / 2;
    }
    double *deg = calloc((size_t)n, sizeof *deg);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++)
            deg[i] += d.A[i * n + j];
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++)
            d.A[i * n + j] /= sqrt(deg[i] * deg[j]);
    free(deg);
    return d;
}

/* All eigenvalues from LAPACK dsyevr on this rank, ascending. */
static double *lapack_eigenvalues(const dense *d)
{
    const int n = (int)d->n;
    double *a = malloc((size_t)n * n * sizeof *a), *w = malloc((size_t)n * sizeof *w);
    memcpy(a, d->A, (size_t)n * n * sizeof *a);
    int found = 0, *support = malloc(2 * (size_t)n * sizeof *support);
    double unused = 0;
    int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'N', 'A', 'L', n, a, n, 0, 0, 0, 0, 0.0,
                              &found, w, &unused, 1, support);
    assert_int_equal(info, 0);
    assert_int_equal(found, n);
    free(support);
    free(a);
    return w;
}

/* Every check of one matrix on one grid; the worst errors are agreed. */
static void check_case(const char *what, const dense *d, int k, int rows, int cols)
{
    const int64_t n = d->n;
    mm_grid g;
    assert_int_equal(mm_grid_create(rows, cols, &g), MM_OK);
    mm_dist_matrix m;
    assert_int_equal(mm_dist_matrix_create(&g, n, &m), MM_OK);
    mm_dist_matrix_fill(&m, entry_of, (void *)d);
    double *values = malloc((size_t)k * sizeof *values);
    double *V = malloc((size_t)(n * k) * sizeof *V);
    assert_int_equal(mm_par_agree(mm_dist_leading_eigen(&m, k, values, V)), MM_OK);

    /* Eigenvalues against LAPACK, largest first. */
    double *ref = lapack_eigenvalues(d);
    double scale = fmax(fabs(ref[0]), fabs(ref[n - 1])), err[3] = {0, 0, 0};
    for (int j = 0; j < k; j++)
        err[0] = fmax(err[0], fabs(values[j] - ref[n - 1 - j]) / scale);

    /* Residual of every vector and orthonormality of the set. */
    for (int j = 0; j < k; j++) {
        double ss = 0;
        for (int64_t i = 0; i < n; i++) {
            double r = -values[j] * V[i * k + j];
            for (int64_t l = 0; l < n; l++)
                r += d->A[i * n + l] * V[l * k + j];
            ss += r * r;
        }
        err[1] = fmax(err[1], sqrt(ss) / scale);
        for (int l = 0; l <= j; l++) {
            double dot = 0;
            for (int64_t i = 0; i < n; i++)
                dot += V[i * k + j] * V[i * k + l];
            err[2] = fmax(err[2], fabs(dot - (l == j)));
        }
    }
    mm_par_max_double(err, 3);
    if (mm_rank() == 0)
        printf("  %-22s n %4lld k %2d grid %d x %d: |dlambda| %.1e  |Av - lambda v| %.1e  "
               "|V'V - I| %.1e\n", what, (long long)n, k, g.rows, g.cols, err[0], err[1], err[2]);
    assert_true(err[0] <= 1e-10);
    assert_true(err[1] <= 1e-9);
    assert_true(err[2] <= 1e-10);

    free(ref);
    free(V);
    free(values);
    mm_dist_matrix_free(&m);
    mm_grid_free(&g);
}

static void parse_grid(const char *text, int *rows, int *cols)
{
    assert_int_equal(sscanf(text, "%dx%d", rows, cols), 2);
}

static void test_random_symmetric(void **state)
{
    (void)state;
    dense d = random_symmetric(300, 1);
    for (int i = 0; i < g_n_grids; i++) {
        int rows, cols;
        parse_grid(g_grids[i], &rows, &cols);
        check_case("random symmetric", &d, 6, rows, cols);
        check_case("random symmetric", &d, 70, rows, cols);
    }
    free(d.A);
}

static void test_clustered_affinity(void **state)
{
    (void)state;
    dense d = ring_affinity(257, 4, 2);
    for (int i = 0; i < g_n_grids; i++) {
        int rows, cols;
        parse_grid(g_grids[i], &rows, &cols);
        check_case("affinity of 4 rings", &d, 4, rows, cols);
    }
    free(d.A);
}

/* A matrix smaller than one block, and k = n. */
static void test_small_matrix(void **state)
{
    (void)state;
    dense d = random_symmetric(9, 3);
    for (int i = 0; i < g_n_grids; i++) {
        int rows, cols;
        parse_grid(g_grids[i], &rows, &cols);
        check_case("random symmetric", &d, 9, rows, cols);
    }
    free(d.A);
}

static void test_grid_shapes(void **state)
{
    (void)state;
    const int ranks[] = {1, 2, 3, 4, 6, 7, 12, 16}, want[][2] = {
        {1, 1}, {1, 2}, {1, 3}, {2, 2}, {2, 3}, {1, 7}, {3, 4}, {4, 4}};
    for (int i = 0; i < 8; i++) {
        int rows, cols;
        mm_grid_shape(ranks[i], &rows, &cols);
        assert_int_equal(rows, want[i][0]);
        assert_int_equal(cols, want[i][1]);
    }

    /* A grid that does not use every rank is refused on every rank. */
    mm_grid g;
    assert_int_equal(mm_grid_create(mm_nranks() + 1, 1, &g), MM_ERR_USAGE);
    mm_error_clear();
}

int main(int argc, char **argv)
{
    mm_par_init(&argc, &argv);
    g_grids = (const char **)argv + 1;
    g_n_grids = argc - 1;
    if (g_n_grids < 1) {
        fprintf(stderr, "usage: mpirun -n P %s PxQ [PxQ...] (0x0: automatic)\n", argv[0]);
        mm_par_finalize();
        return 2;
    }

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_shapes),
        cmocka_unit_test(test_random_symmetric),
        cmocka_unit_test(test_clustered_affinity),
        cmocka_unit_test(test_small_matrix),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    mm_par_finalize();
    return failed;
}
