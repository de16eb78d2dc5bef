/*
 * Clustering scores from a contingency table: matching accuracy, NMI and ARI, with
 * scikit-learn's formulas, evaluation order and edge cases so results agree with it to
 * a few ulps. Working from the table instead of label vectors lets ranks sum their
 * tables and score once; the price is that empty rows and columns, which labels never
 * produce, must be skipped explicitly wherever sklearn counts distinct labels.
 */
#include <mixmate/metrics.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>

/* Up to this total, every pair count (at most total^2 / 2) fits in an int64. */
#define EXACT_PAIR_TOTAL_MAX INT64_C(3000000000)

typedef struct {
    const int64_t *counts;
    int n_rows, n_cols;
    int64_t *row_sum; /* cluster sizes */
    int64_t *col_sum; /* class sizes */
    int rows_used;    /* non-empty clusters: what sklearn sees as distinct labels */
    int cols_used;
    int64_t total;
} margins;

/* Unordered sample pairs by agreement: together in both labellings (tp), only in the
 * clusters (fp), only in the classes (fn), in neither (tn). */
typedef struct {
    double tp, fp, fn, tn;
} pairs;

static int count_used(const int64_t *sums, int len)
{
    int used = 0;
    for (int k = 0; k < len; k++)
        used += sums[k] != 0;
    return used;
}

/* Fill row and column sums; -1 on a negative count, an int64 overflow or an empty table. */
static int margins_fill(margins *m)
{
    for (int i = 0; i < m->n_rows; i++) {
        const int64_t *row = m->counts + (size_t)i * m->n_cols;
        for (int j = 0; j < m->n_cols; j++) {
            if (row[j] < 0 || row[j] > INT64_MAX - m->total)
                return -1;
            m->total += row[j];
            m->row_sum[i] += row[j];
            m->col_sum[j] += row[j];
        }
    }

    m->rows_used = count_used(m->row_sum, m->n_rows);
    m->cols_used = count_used(m->col_sum, m->n_cols);
    return m->total > 0 ? 0 : -1;
}

static int margins_init(margins *m, const int64_t *counts, int n_rows, int n_cols)
{
    *m = (margins){.counts = counts, .n_rows = n_rows, .n_cols = n_cols};
    m->row_sum = calloc((size_t)n_rows + (size_t)n_cols, sizeof(int64_t));
    if (!m->row_sum)
        return -1;
    m->col_sum = m->row_sum + n_rows;

    if (margins_fill(m) != 0) {
        free(m->row_sum);
        return -1;
    }
    return 0;
}

/* Neumaier's compensated sum: tables of a few thousand squared cells would otherwise
 * lose digits that pairwise summation in numpy keeps. */
static void sum_add(double *sum, double *carry, double x)
{
    double t = *sum + x;
    if (fabs(*sum) >= fabs(x))
        *carry += (*sum - t) + x;
    else
        *carry += (x - t) + *sum;
    *sum = t;
}

/* Entropy in nats of the labelling with these group sizes; sklearn's term order. */
static double entropy(const int64_t *sizes, int len, int64_t total)
{
    if (count_used(sizes, len) <= 1)
        return 0.0;

    double log_n = log((double)total);
    double sum = 0.0, carry = 0.0;
    for (int k = 0; k < len; k++) {
        if (sizes[k] == 0)
            continue;
        double p = (double)sizes[k];
        sum_add(&sum, &carry, (p / (double)total) * (log(p) - log_n));
    }
    return -(sum + carry);
}

/* Mutual information in nats, term by term as sklearn's mutual_info_score writes it,
 * including dropping terms below machine epsilon and clipping at zero. */
static double mutual_info(const margins *m)
{
    /* A labelling without a split has zero entropy, so shares no information. */
    if (m->rows_used == 1 || m->cols_used == 1)
        return 0.0;

    double n = (double)m->total, log_n = log(n);
    double sum = 0.0, carry = 0.0;
    for (int i = 0; i < m->n_rows; i++) {
        for (int j = 0; j < m->n_cols; j++) {
            int64_t c = m->counts[(size_t)i * m->n_cols + j];
            if (c == 0)
                continue;
            double joint = (double)c / n;
            double outer = (double)m->row_sum[i] * (double)m->col_sum[j];
            double term = joint * (log((double)c) - log_n) + joint * (-log(outer) + log_n + log_n);
            sum_add(&sum, &carry, fabs(term) < DBL_EPSILON ? 0.0 : term);
        }
    }
    return fmax(sum + carry, 0.0);
}

static double nmi(const margins *m)
{
    /* Neither labelling splits the data: sklearn calls that a perfect match. */
    if (m->rows_used == 1 && m->cols_used == 1)
        return 1.0;

    /* Past the case above, no information shared means 0 under any normalisation. */
    double mi = mutual_info(m);
    if (mi == 0.0)
        return 0.0;

    double h_pred = entropy(m->row_sum, m->n_rows, m->total);
    double h_true = entropy(m->col_sum, m->n_cols, m->total);
    return mi / ((h_true + h_pred) / 2.0);
}

/* Exact pair counts, valid while total^2 fits in an int64. */
static pairs pairs_exact(const margins *m)
{
    int64_t together = 0, same_cluster = 0, same_class = 0;
    for (int i = 0; i < m->n_rows; i++) {
        same_cluster += m->row_sum[i] * (m->row_sum[i] - 1) / 2;
        for (int j = 0; j < m->n_cols; j++) {
            int64_t c = m->counts[(size_t)i * m->n_cols + j];
            together += c * (c - 1) / 2;
        }
    }
    for (int j = 0; j < m->n_cols; j++)
        same_class += m->col_sum[j] * (m->col_sum[j] - 1) / 2;

    int64_t all = m->total * (m->total - 1) / 2;
    return (pairs){
        .tp = (double)together,
        .fp = (double)(same_cluster - together),
        .fn = (double)(same_class - together),
        .tn = (double)(all - same_cluster - same_class + together),
    };
}

static double pair_count(int64_t size)
{
    return 0.5 * (double)size * (double)(size - 1);
}

/* The same counts in floating point, for totals whose squares would overflow an int64:
 * rounding instead of undefined behaviour. */
static pairs pairs_rounded(const margins *m)
{
    double together = 0.0, same_cluster = 0.0, same_class = 0.0;
    for (int i = 0; i < m->n_rows; i++) {
        same_cluster += pair_count(m->row_sum[i]);
        for (int j = 0; j < m->n_cols; j++)
            together += pair_count(m->counts[(size_t)i * m->n_cols + j]);
    }
    for (int j = 0; j < m->n_cols; j++)
        same_class += pair_count(m->col_sum[j]);

    return (pairs){
        .tp = together,
        .fp = same_cluster - together,
        .fn = same_class - together,
        .tn = pair_count(m->total) - same_cluster - same_class + together,
    };
}

/* sklearn's pair-confusion form of ARI. It uses ordered pairs, twice ours in every
 * count, which cancels in the ratio. */
static double ari(const margins *m)
{
    pairs p = m->total <= EXACT_PAIR_TOTAL_MAX ? pairs_exact(m) : pairs_rounded(m);

    /* Full agreement, including a single cluster on both sides and a single sample. */
    if (p.fn == 0.0 && p.fp == 0.0)
        return 1.0;

    double num = p.tp * p.tn - p.fn * p.fp;
    double den = (p.tp + p.fn) * (p.fn + p.tn) + (p.tp + p.fp) * (p.fp + p.tn);
    return 2.0 * num / den;
}

int mm_scores_from_table(const int64_t *counts, int n_clusters, int n_classes, mm_scores *out)
{
    margins m;
    if (!counts || !out || n_clusters < 1 || n_classes < 1)
        return -1;
    if (margins_init(&m, counts, n_clusters, n_classes) != 0)
        return -1;

    /* The matching is the only step that can fail after validation (its scratch space). */
    int64_t matched = mm_hungarian_max(counts, n_clusters, n_classes, NULL);
    if (matched >= 0) {
        out->acc = (double)matched / (double)m.total;
        out->nmi = nmi(&m);
        out->ari = ari(&m);
    }

    free(m.row_sum);
    return matched >= 0 ? 0 : -1;
}
