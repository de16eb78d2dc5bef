/*
 * Dense symmetric matrices distributed over a 2-D BLACS grid of all ranks,
 * and the one ScaLAPACK computation mixmate needs from them: a few leading
 * eigenpairs. Conventions, stated once:
 *   - the grid is P x Q with P * Q = every rank, row-major rank order;
 *   - a matrix is distributed in MM_DIST_BLOCK x MM_DIST_BLOCK blocks,
 *     block-cyclically from process (0, 0);
 *   - each rank's local part is column-major (ScaLAPACK's), leading
 *     dimension max(1, local_rows);
 *   - global indices are 0-based here (ScaLAPACK's are 1-based).
 * Collective calls must be made by every rank of the grid in the same order.
 */
#ifndef MIXMATE_BLACS_H
#define MIXMATE_BLACS_H

#include <mixmate/status.h>

#include <stddef.h>
#include <stdint.h>

/* Rows and columns of a distributed block: large enough for the BLAS-3 work
 * of the reduction to tridiagonal form, small enough to balance S ~ 10^3. */
#define MM_DIST_BLOCK 64

typedef struct {
    int context;         /* BLACS context */
    int rows, cols;      /* P x Q */
    int row, col;        /* this rank's place */
} mm_grid;

typedef struct {
    const mm_grid *grid;
    int64_t n;           /* global n x n */
    int local_rows, local_cols;
    int desc[9];         /* ScaLAPACK array descriptor */
    double *a;           /* local_rows x local_cols, column-major */
} mm_dist_matrix;

/* The most nearly square P x Q with P * Q = ranks and P <= Q (1 x 2, 2 x 2,
 * 2 x 3, 1 x 5, ...). */
void mm_grid_shape(int ranks, int *rows, int *cols);

/* Collective: a rows x cols grid over all ranks; rows = cols = 0 chooses
 * mm_grid_shape. rows x cols must equal the rank count. */
mm_status mm_grid_create(int rows, int cols, mm_grid *g);

/* Collective: release the grid (MPI itself stays up). */
void mm_grid_free(mm_grid *g);

/* Bytes one rank holds for the eigenpairs of an n x n matrix on `ranks`
 * ranks: the matrix, the eigenvector matrix ScaLAPACK writes (also n x n),
 * and workspace for k vectors. */
double mm_dist_eigen_bytes(int64_t n, int k, int ranks);

/* Collective: this node's physical memory and the ranks that share it. */
void mm_par_node_memory(double *bytes, int *ranks_on_node);

/* Not collective: an n x n zero matrix on g (g must outlive it). */
mm_status mm_dist_matrix_create(const mm_grid *g, int64_t n, mm_dist_matrix *m);
void mm_dist_matrix_free(mm_dist_matrix *m);

/* Whether this rank holds (part of) global row i. */
int mm_dist_owns_row(const mm_dist_matrix *m, int64_t i);

/* Store v at global (i, j) when this rank holds it; returns 1 if it did. */
int mm_dist_matrix_set(mm_dist_matrix *m, int64_t i, int64_t j, double v);

/* Set every locally held entry to entry(i, j, ctx); threads over columns. */
void mm_dist_matrix_fill(mm_dist_matrix *m, double (*entry)(int64_t i, int64_t j, void *ctx),
                         void *ctx);

/* Collective: the k largest eigenvalues of the symmetric m (its lower
 * triangle is read), largest first, in values (k), and their orthonormal
 * eigenvectors as an n x k row-major array on every rank, column j for
 * values[j]. Uses pdsyevr (MRRR) for the top max(k, 64) eigenpairs (a
 * workaround, see blacs.c). m's contents are destroyed. Fails with a line
 * naming the ScaLAPACK info. */
mm_status mm_dist_leading_eigen(mm_dist_matrix *m, int k, double *values, double *vectors);

#endif
