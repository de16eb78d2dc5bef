/*
 * Graph-based starts: spectral clustering of a k-nearest-neighbour graph and
 * sparse subspace clustering (SSC) by orthogonal matching pursuit. Both
 * take S points of dimension D (the initialisation subset, or features made
 * from it), identical on every rank, and return the same S labels on every
 * rank. Each rank computes the graph rows of its own slice of the points;
 * the rows (S x width, small) are then gathered everywhere.
 */
#ifndef MIXMATE_SPECTRAL_H
#define MIXMATE_SPECTRAL_H

#include <mixmate/mixmate.h>

#include <stdint.h>

/* A directed sparse graph with at most `width` edges leaving each point. */
typedef struct {
    int64_t n;      /* points */
    int width;      /* edges per point */
    int32_t *col;   /* n x width target points, best first; -1 where unused */
    float *val;     /* n x width: |cos|, squared distance, or |coefficient| */
} mm_graph_rows;

/* A symmetric sparse matrix in compressed rows. */
typedef struct {
    int64_t n;
    int64_t *start; /* n + 1 offsets into col and val */
    int32_t *col;   /* ascending within a row */
    double *val;
} mm_csr;

/* Collective: refuse settings of cfg's graph start that cannot work on S
 * points and K clusters, or whose eigenproblem would not fit the node. */
mm_status mm_graph_check(const mm_train_config *cfg, int64_t S, int K);

/* Collective: the knn nearest points of every point (itself excluded) by
 * |cos| (cosine) or Euclidean distance (gaussian). Rows threaded; each rank
 * does its block of points with SGEMM, then the rows are gathered. */
void mm_knn_rows(const float *X, int64_t S, int D, int knn, mm_affinity affinity,
                 mm_graph_rows *out);

/* Collective: every point coded by at most `nonzero` other points by
 * orthogonal matching pursuit on unit-norm points; the coefficients'
 * magnitudes as edges. Ranks and threads work on blocks of points. */
void mm_ssc_rows(const float *X, int64_t S, int D, int nonzero, mm_graph_rows *out);

/* Rows for n points of `width` edges, all unused. */
void mm_graph_rows_alloc(mm_graph_rows *g, int64_t n, int width);

/* Collective: each rank has filled rows [lo, hi) (its mm_block_range of n);
 * afterwards every rank holds all rows. */
void mm_graph_rows_gather(mm_graph_rows *g, int64_t lo, int64_t hi);

void mm_graph_rows_free(mm_graph_rows *g);

/* The normalised affinity D^(-1/2) A D^(-1/2) of a symmetrised graph. kNN
 * graphs: A_ij = w_ij if either point is among the other's neighbours, with
 * w the |cos| or the Gaussian exp(-d_ij^2 / (s_i s_j)) whose local scale
 * s_i is the distance to point i's farthest listed neighbour. SSC graphs:
 * A = |C| + |C|^T. Not collective; the same result on every rank. */
void mm_affinity_normalised(const mm_graph_rows *g, mm_init kind, mm_affinity affinity,
                            mm_csr *out);
void mm_csr_free(mm_csr *a);

typedef struct {
    double graph_s, eigen_s, kmeans_s; /* wall time of the three phases */
    int64_t edges;                     /* of the undirected graph (half the non-zeros) */
    int grid_rows, grid_cols;
    double eig_first, eig_last;        /* largest and K-th largest eigenvalue */
} mm_spectral_report;

/* Collective: the K leading eigenvectors of a normalised affinity, from
 * ScaLAPACK on a near-square grid of all ranks, with unit rows (Ng, Jordan
 * and Weiss), as an S x K float array on every rank. */
mm_status mm_spectral_embedding(const mm_csr *a, int K, float *U, mm_spectral_report *rep);

/* Collective: labels (S, identical on every rank) of the S x D points by
 * cfg->init (spectral or ssc): graph, embedding, then k-means with
 * cfg->kmeans_restarts starts on the embedding. Refuses settings that do
 * not fit S (too few points, too many neighbours, too much memory). */
mm_status mm_graph_cluster(const mm_train_config *cfg, const float *X, int64_t S, int D,
                           int K, int *labels, mm_spectral_report *rep);

#endif
