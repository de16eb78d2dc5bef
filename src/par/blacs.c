/*
 * BLACS grids, block-cyclic dense matrices and ScaLAPACK's pdsyevr behind
 * intent-named calls. ScaLAPACK ships no C header, so the Fortran and
 * C-BLACS prototypes are declared here, every Fortran argument by pointer
 * and the hidden lengths of character arguments passed explicitly.
 * Limit: pdsyevr writes its eigenvectors into a second n x n distributed
 * matrix even when k << n are wanted, so a rank holds 16 n^2 / P bytes;
 * and it computes at least a block (64) of eigenpairs, see below. It gets
 * its minimum workspace, not the "optimal" one, which would gather the
 * matrix on fewer ranks (see minimum_workspace).
 * BLACS is left initialised until exit; mixmate finalises MPI itself.
 */
#define _POSIX_C_SOURCE 200809L
#include "par/blacs.h"

#include <math.h>
#include <mpi.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "par/par.h"

void Cblacs_get(int context, int what, int *value);
void Cblacs_gridinit(int *context, const char *order, int rows, int cols);
void Cblacs_gridinfo(int context, int *rows, int *cols, int *row, int *col);
void Cblacs_gridexit(int context);
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *rsrc, const int *csrc, const int *context, const int *lld, int *info);
void pdsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
              const int *ia, const int *ja, const int *desca, const double *vl,
              const double *vu, const int *il, const int *iu, int *m, int *nz, double *w,
              double *z, const int *iz, const int *jz, const int *descz, double *work,
              const int *lwork, int *iwork, const int *liwork, int *info, size_t jobz_len,
              size_t range_len, size_t uplo_len);

void mm_grid_shape(int ranks, int *rows, int *cols)
{
    int p = (int)sqrt((double)ranks);
    while (p > 1 && ranks % p != 0)
        p--;
    *rows = p < 1 ? 1 : p;
    *cols = ranks / *rows;
}

mm_status mm_grid_create(int rows, int cols, mm_grid *g)
{
    memset(g, 0, sizeof *g);
    g->context = -1;
    if (rows == 0 && cols == 0)
        mm_grid_shape(mm_nranks(), &rows, &cols);
    if (rows < 1 || cols < 1 || rows * cols != mm_nranks())
        return mm_fail(MM_ERR_USAGE, "process grid %d x %d: expected one of %d ranks in all",
                       rows, cols, mm_nranks());

    /* The default system context is MPI_COMM_WORLD; BLACS duplicates it. */
    Cblacs_get(-1, 0, &g->context);
    Cblacs_gridinit(&g->context, "Row", rows, cols);
    Cblacs_gridinfo(g->context, &g->rows, &g->cols, &g->row, &g->col);
    if (g->rows != rows || g->cols != cols || g->row < 0)
        return mm_fail(MM_ERR_INTERNAL, "BLACS made a %d x %d grid, asked for %d x %d",
                       g->rows, g->cols, rows, cols);
    return MM_OK;
}

void mm_grid_free(mm_grid *g)
{
    if (g->context >= 0 && g->row >= 0)
        Cblacs_gridexit(g->context);
    g->context = -1;
}

/* Rows (or columns) of n a process at place `place` of `count` holds. */
static int local_count(int64_t n, int place, int count)
{
    int nn = (int)n, nb = MM_DIST_BLOCK, src = 0;
    return numroc_(&nn, &nb, &place, &src, &count);
}

double mm_dist_eigen_bytes(int64_t n, int k, int ranks)
{
    int rows, cols;
    mm_grid_shape(ranks, &rows, &cols);
    double blocks = ceil((double)n / MM_DIST_BLOCK);
    double r = ceil(blocks / rows) * MM_DIST_BLOCK, c = ceil(blocks / cols) * MM_DIST_BLOCK;
    /* A and Z, then pdsyevr's vectors (2 + ask / P) n and the gathered n x k. */
    double ask = k > MM_DIST_BLOCK ? k : MM_DIST_BLOCK;
    return 2.0 * 8.0 * r * c + 8.0 * (double)n * (12.0 + k + ceil(ask / ranks));
}

void mm_par_node_memory(double *bytes, int *ranks_on_node)
{
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, ranks_on_node);
    MPI_Comm_free(&node);
    *bytes = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
}

mm_status mm_dist_matrix_create(const mm_grid *g, int64_t n, mm_dist_matrix *m)
{
    memset(m, 0, sizeof *m);
    if (n < 1 || n > INT32_MAX)
        return mm_fail(MM_ERR_USAGE, "distributed matrix of order %lld: expected 1 .. %d",
                       (long long)n, INT32_MAX);
    m->grid = g;
    m->n = n;
    m->local_rows = local_count(n, g->row, g->rows);
    m->local_cols = local_count(n, g->col, g->cols);

    int nn = (int)n, nb = MM_DIST_BLOCK, zero = 0, info = 0;
    int lld = m->local_rows > 1 ? m->local_rows : 1;
    descinit_(m->desc, &nn, &nn, &nb, &nb, &zero, &zero, &g->context, &lld, &info);
    if (info != 0)
        return mm_fail(MM_ERR_INTERNAL, "ScaLAPACK descinit failed (info %d) for n = %lld",
                       info, (long long)n);
    m->a = mm_calloc((size_t)lld * (m->local_cols > 0 ? m->local_cols : 1), sizeof *m->a,
                     "distributed matrix");
    return MM_OK;
}

void mm_dist_matrix_free(mm_dist_matrix *m)
{
    free(m->a);
    m->a = NULL;
}

/* Global index i -> (owning place, local index) for a block-cyclic axis. */
static int owner(int64_t i, int count, int64_t *local)
{
    int64_t block = i / MM_DIST_BLOCK;
    *local = block / count * MM_DIST_BLOCK + i % MM_DIST_BLOCK;
    return (int)(block % count);
}

/* Local index -> global index along an axis where this rank is `place`. */
static int64_t global_index(int64_t local, int place, int count)
{
    int64_t block = local / MM_DIST_BLOCK;
    return (block * count + place) * MM_DIST_BLOCK + local % MM_DIST_BLOCK;
}

int mm_dist_owns_row(const mm_dist_matrix *m, int64_t i)
{
    int64_t li;
    return owner(i, m->grid->rows, &li) == m->grid->row;
}

int mm_dist_matrix_set(mm_dist_matrix *m, int64_t i, int64_t j, double v)
{
    int64_t li, lj;
    if (owner(i, m->grid->rows, &li) != m->grid->row || owner(j, m->grid->cols, &lj) !=
        m->grid->col)
        return 0;
    m->a[lj * m->desc[8] + li] = v;
    return 1;
}

void mm_dist_matrix_fill(mm_dist_matrix *m, double (*entry)(int64_t i, int64_t j, void *ctx),
                         void *ctx)
{
    const mm_grid *g = m->grid;
    #pragma omp parallel for schedule(static)
    for (int lj = 0; lj < m->local_cols; lj++) {
        int64_t j = global_index(lj, g->col, g->cols);
        for (int li = 0; li < m->local_rows; li++)
            m->a[(size_t)lj * m->desc[8] + li] = entry(global_index(li, g->row, g->rows), j, ctx);
    }
}

static int max3(int a, int b, int c)
{
    int m = a > b ? a : b;
    return m > c ? m : c;
}

/* pdsyevr's documented minimum workspace for neig eigenvectors. Its query
 * answers more: with that much, the reduction to tridiagonal form
 * (pdsyntrd) copies the whole matrix to one rank and runs LAPACK there when
 * the grid has 2 or 3 ranks, and to a square sub-grid otherwise. The
 * minimum keeps the reduction on the whole grid and each rank's memory at
 * its share of the matrix. */
static int minimum_workspace(const mm_dist_matrix *m, int neig)
{
    const mm_grid *g = m->grid;
    int nb = MM_DIST_BLOCK, zero = 0, nn = max3((int)m->n, nb, 2), cols = max3(neig, nb, 2);
    int np0 = numroc_(&nn, &nb, &zero, &zero, &g->rows);
    int mq0 = numroc_(&cols, &nb, &zero, &zero, &g->cols);
    int ranks = g->rows * g->cols, per_rank = (neig + ranks - 1) / ranks;
    int reduce = 18 * nn > np0 * mq0 + 2 * nb * nb ? 18 * nn : np0 * mq0 + 2 * nb * nb;
    return 2 + 5 * (int)m->n + reduce + (2 + per_rank) * nn;
}

/* pdsyevr for eigenpairs il..iu (1-based) into z. */
static mm_status run_pdsyevr(mm_dist_matrix *m, mm_dist_matrix *z, int il, int iu, double *w,
                             int *found)
{
    const int n = (int)m->n, one = 1;
    const double unused = 0;
    int nz = 0, info = 0, lwork = -1, liwork = -1, iwork_query = 0;
    double work_query = 0;

    /* The query sizes the integer workspace; the real one is the minimum. */
    pdsyevr_("V", "I", "L", &n, m->a, &one, &one, m->desc, &unused, &unused, &il, &iu, found,
             &nz, w, z->a, &one, &one, z->desc, &work_query, &lwork, &iwork_query, &liwork,
             &info, 1, 1, 1);
    if (info != 0)
        return mm_fail(MM_ERR_INTERNAL, "ScaLAPACK pdsyevr workspace query failed (info %d) "
                       "for n = %d", info, n);
    lwork = minimum_workspace(m, iu - il + 1);
    liwork = iwork_query;
    double *work = mm_alloc((size_t)lwork * sizeof *work, "pdsyevr workspace");
    int *iwork = mm_alloc((size_t)liwork * sizeof *iwork, "pdsyevr integer workspace");
    pdsyevr_("V", "I", "L", &n, m->a, &one, &one, m->desc, &unused, &unused, &il, &iu, found,
             &nz, w, z->a, &one, &one, z->desc, work, &lwork, iwork, &liwork, &info, 1, 1, 1);
    free(iwork);
    free(work);

    if (info != 0 || nz != *found || *found != iu - il + 1)
        return mm_fail(MM_ERR_INTERNAL, "ScaLAPACK pdsyevr failed on the %d x %d matrix: info "
                       "%d, %d of %d eigenpairs found", n, n, info, nz, iu - il + 1);
    return MM_OK;
}

/* Columns [found - k, found) of z, last first, as an n x k row-major array
 * on every rank: each entry is held by one rank and zero elsewhere, so a
 * sum gathers it. */
static void gather_columns(const mm_dist_matrix *z, int found, int k, double *out)
{
    const mm_grid *g = z->grid;
    memset(out, 0, (size_t)z->n * k * sizeof *out);
    for (int lj = 0; lj < z->local_cols; lj++) {
        int64_t j = global_index(lj, g->col, g->cols);
        if (j < found - k || j >= found)
            continue;
        for (int li = 0; li < z->local_rows; li++)
            out[global_index(li, g->row, g->rows) * k + (found - 1 - j)] =
                z->a[(size_t)lj * z->desc[8] + li];
    }
    mm_par_sum_double(out, (size_t)z->n * k);
}

mm_status mm_dist_leading_eigen(mm_dist_matrix *m, int k, double *values, double *vectors)
{
    if (k < 1 || k > m->n)
        return mm_fail(MM_ERR_USAGE, "%d leading eigenpairs of a %lld x %lld matrix: expected "
                       "1 .. %lld", k, (long long)m->n, (long long)m->n, (long long)m->n);
    mm_dist_matrix z;
    MM_TRY(mm_dist_matrix_create(m->grid, m->n, &z));
    double *w = mm_alloc((size_t)m->n * sizeof *w, "eigenvalues");

    /* ScaLAPACK 2.2's pdsyevr sizes the workspace of its back-transformation
     * (PDORMTR) by the number of vectors wanted; for fewer than one block it
     * is too small, and pdsyevr then returns untransformed vectors with info
     * 0. Asking for at least a block of eigenpairs avoids that. */
    int ask = k > MM_DIST_BLOCK ? k : (m->n < MM_DIST_BLOCK ? (int)m->n : MM_DIST_BLOCK);

    /* Outside OpenMP regions, BLAS may use every thread this rank owns. */
    int found = 0;
    mm_blas_threads(omp_get_max_threads());
    mm_status st = run_pdsyevr(m, &z, (int)m->n - ask + 1, (int)m->n, w, &found);
    mm_blas_threads(1);

    /* Ascending from pdsyevr; largest first here. */
    if (st == MM_OK) {
        for (int j = 0; j < k; j++)
            values[j] = w[found - 1 - j];
        gather_columns(&z, found, k, vectors);
    }
    free(w);
    mm_dist_matrix_free(&z);
    return st;
}
