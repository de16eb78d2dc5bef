/*
 * mixmate/metrics.h - clustering quality scores from a contingency table.
 *
 * Scores are computed from counts rather than label vectors so that each MPI
 * rank can build its local table, the tables can be summed with one reduction,
 * and the global table scored once on any rank. NMI and ARI follow
 * scikit-learn's definitions and edge cases, so numbers can be compared with
 * Python results directly. Pure C: no MPI, no global state.
 */
#ifndef MIXMATE_METRICS_H
#define MIXMATE_METRICS_H

#include <stdint.h>

typedef struct {
    double acc; /* best one-to-one cluster->class matching accuracy (Hungarian) */
    double nmi; /* normalised mutual information, arithmetic mean normalisation
                   (scikit-learn default) */
    double ari; /* adjusted Rand index */
} mm_scores;

/* counts[i * n_classes + j] = number of samples assigned to cluster i whose class is j.
 * Rectangular tables allowed (n_clusters != n_classes). Returns 0 on success, -1 if the table is
 * empty (total 0) or a dimension < 1.
 *
 * Empty rows and columns are ignored, as they would be by label-based code: a table whose only
 * non-zero entry is one cell scores NMI = ARI = 1, like two labellings that never split the data.
 * Also returns -1 (leaving *out untouched) if counts or out is NULL, a count is negative, the
 * total overflows int64, or the scratch space for the matching cannot be allocated.
 * ARI pair counts are exact for totals up to 3e9 and accurate to rounding beyond. */
int mm_scores_from_table(const int64_t *counts, int n_clusters, int n_classes, mm_scores *out);

/* Maximum-weight assignment on an n_rows x n_cols table of non-negative counts (rectangular OK):
 * returns the matched total; match[i] = column matched to row i, or -1. Exact (Hungarian /
 * Kuhn-Munkres, O(n^3)), not greedy. match may be NULL.
 *
 * The optimum is that of the table zero-padded to square, found without the padding: with
 * k = min and n = max(n_rows, n_cols) it costs O(k^2 n) time and O(n) scratch, and the table
 * is never copied. Every row gets a column when n_rows <= n_cols (even a zero-weight one);
 * otherwise exactly n_cols rows do and the rest get -1. Entries times n must stay below 2^62
 * so the dual potentials cannot overflow. Returns -1 if table is NULL, a dimension is < 1, or
 * the scratch allocation fails (match is then untouched). */
int64_t mm_hungarian_max(const int64_t *table, int n_rows, int n_cols, int *match);

#endif
