/*
 * The spectral step shared by --init spectral and --init ssc: the K leading
 * eigenvectors of the normalised affinity, rows scaled to unit length (Ng,
 * Jordan and Weiss 2001), clustered by k-means. The S x S affinity is
 * sparse, but it goes into ScaLAPACK as a dense matrix distributed over all
 * ranks, so no rank holds more than its share: 16 S^2 / P bytes with the
 * eigenvector matrix. The dense eigensolver costs O(S^3) flops, which is
 * what bounds S (see the README for times); a sparse Lanczos solver would
 * scale further but is not what this uses.
 */
#include "run/spectral.h"

#include <mixmate/util.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "par/blacs.h"
#include "par/par.h"
#include "run/kmeans.h"

/* Share of a node's physical memory the eigensolver's ranks may take. */
#define MEMORY_SHARE 0.8
/* Largest |A v - lambda v| accepted from the eigensolver (|A| <= 1 here). */
#define EIGEN_RESIDUAL_MAX 1e-6

static void fill_from_csr(mm_dist_matrix *m, const mm_csr *a)
{
    for (int64_t i = 0; i < a->n; i++) {
        if (!mm_dist_owns_row(m, i))
            continue;
        for (int64_t e = a->start[i]; e < a->start[i + 1]; e++)
            mm_dist_matrix_set(m, i, a->col[e], a->val[e]);
    }
}

/* The largest residual |A v_j - lambda_j v_j| of the S x K eigenvectors V:
 * a check that costs one sparse product and catches a solver that returns
 * without having finished its job. */
static double eigen_residual(const mm_csr *a, const double *values, const double *V, int K)
{
    double worst = 0;
    for (int k = 0; k < K; k++) {
        double ss = 0;
        for (int64_t i = 0; i < a->n; i++) {
            double r = -values[k] * V[i * K + k];
            for (int64_t e = a->start[i]; e < a->start[i + 1]; e++)
                r += a->val[e] * V[(int64_t)a->col[e] * K + k];
            ss += r * r;
        }
        worst = fmax(worst, sqrt(ss));
    }
    return worst;
}

mm_status mm_spectral_embedding(const mm_csr *a, int K, float *U, mm_spectral_report *rep)
{
    mm_grid grid;
    mm_dist_matrix m;
    MM_TRY(mm_grid_create(0, 0, &grid));
    rep->grid_rows = grid.rows, rep->grid_cols = grid.cols;
    mm_status st = mm_dist_matrix_create(&grid, a->n, &m);
    if (st != MM_OK) {
        mm_grid_free(&grid);
        return st;
    }

    /* Eigenpairs into S x K doubles on every rank. */
    fill_from_csr(&m, a);
    double *values = mm_alloc((size_t)K * sizeof *values, "eigenvalues");
    double *V = mm_alloc((size_t)a->n * K * sizeof *V, "eigenvectors");
    st = mm_dist_leading_eigen(&m, K, values, V);
    mm_dist_matrix_free(&m);
    mm_grid_free(&grid);
    double residual = st == MM_OK ? eigen_residual(a, values, V, K) : 0;
    if (st == MM_OK && !(residual <= EIGEN_RESIDUAL_MAX))
        st = mm_fail(MM_ERR_INTERNAL, "ScaLAPACK pdsyevr returned eigenvectors with residual "
                     "%.2g (expected below %g) for the %lld x %lld affinity", residual,
                     EIGEN_RESIDUAL_MAX, (long long)a->n, (long long)a->n);

    /* Unit rows; a point without edges keeps a zero row. */
    if (st == MM_OK) {
        rep->eig_first = values[0], rep->eig_last = values[K - 1];
        for (int64_t i = 0; i < a->n; i++) {
            double ss = 0;
            for (int k = 0; k < K; k++)
                ss += V[i * K + k] * V[i * K + k];
            double inv = ss > 0 ? 1.0 / sqrt(ss) : 0.0;
            for (int k = 0; k < K; k++)
                U[i * K + k] = (float)(V[i * K + k] * inv);
        }
    }
    free(V);
    free(values);
    return st;
}

/* Collective: settings that cannot work on S points, each refused with the
 * flag's name. */
static mm_status check_settings(const mm_train_config *cfg, int64_t S, int K)
{
    const char *name = cfg->init == MM_INIT_SSC ? "ssc" : "spectral";
    int least = K > 2 ? K : 2;
    if (S < least)
        return mm_fail(MM_ERR_USAGE, "--init-subset: --init %s needs at least %d samples for "
                       "--clusters %d, found %lld", name, least, K, (long long)S);
    if (cfg->init == MM_INIT_SPECTRAL && cfg->knn >= S)
        return mm_fail(MM_ERR_USAGE, "--knn %d: expected fewer neighbours than the %lld "
                       "samples of the initialisation subset (--init-subset)", cfg->knn,
                       (long long)S);
    if (cfg->init == MM_INIT_SSC && cfg->ssc_nonzero >= S)
        return mm_fail(MM_ERR_USAGE, "--ssc-nonzero %d: expected fewer than the %lld samples "
                       "of the initialisation subset (--init-subset)", cfg->ssc_nonzero,
                       (long long)S);

    /* The dense eigenproblem's share must fit the node with room to spare.
     * The checks above use values every rank shares, so every rank reaches
     * this collective call or none does. */
    double node_bytes;
    int on_node;
    mm_par_node_memory(&node_bytes, &on_node);
    double need = mm_dist_eigen_bytes(S, K, mm_nranks());
    if (need * on_node > MEMORY_SHARE * node_bytes)
        return mm_fail(MM_ERR_USAGE, "--init-subset %lld: the dense %lld x %lld eigenproblem "
                       "of --init %s needs %.1f GiB per rank, %.1f GiB for the %d rank%s of "
                       "this node, more than %.0f%% of its %.1f GiB; use a smaller subset or "
                       "more nodes", (long long)S, (long long)S, (long long)S, name,
                       need / (1 << 30), need * on_node / (1 << 30), on_node,
                       on_node == 1 ? "" : "s", 100 * MEMORY_SHARE, node_bytes / (1 << 30));
    return MM_OK;
}

mm_status mm_graph_check(const mm_train_config *cfg, int64_t S, int K)
{
    return mm_par_agree(check_settings(cfg, S, K));
}

/* Rank 0 runs k-means on the embedding; every rank receives the labels. */
static void cluster_embedding(const float *U, int64_t S, int K, const mm_train_config *cfg,
                              int *labels)
{
    if (mm_rank() == 0)
        mm_kmeans(U, S, K, K, cfg->kmeans_restarts, cfg->seed, labels);
    mm_par_bcast(labels, (size_t)S * sizeof *labels, 0);
}

mm_status mm_graph_cluster(const mm_train_config *cfg, const float *X, int64_t S, int D,
                           int K, int *labels, mm_spectral_report *rep)
{
    memset(rep, 0, sizeof *rep);
    MM_TRY(mm_graph_check(cfg, S, K));

    /* The graph: each rank its block of points, then everyone all rows. */
    double t0 = mm_now();
    mm_graph_rows rows;
    if (cfg->init == MM_INIT_SSC)
        mm_ssc_rows(X, S, D, cfg->ssc_nonzero, &rows);
    else
        mm_knn_rows(X, S, D, cfg->knn, cfg->affinity, &rows);
    mm_csr a;
    mm_affinity_normalised(&rows, cfg->init, cfg->affinity, &a);
    mm_graph_rows_free(&rows);
    rep->edges = a.start[S] / 2;
    double t1 = mm_now();

    /* The embedding, then k-means on it. */
    float *U = mm_alloc((size_t)S * K * sizeof *U, "spectral embedding");
    mm_status st = mm_par_agree(mm_spectral_embedding(&a, K, U, rep));
    mm_csr_free(&a);
    double t2 = mm_now();
    if (st == MM_OK)
        cluster_embedding(U, S, K, cfg, labels);
    free(U);

    rep->graph_s = t1 - t0, rep->eigen_s = t2 - t1, rep->kmeans_s = mm_now() - t2;
    return st;
}
