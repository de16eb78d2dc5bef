/*
 * Tests for the clustering scores and the assignment solver. Scores are checked
 * against scikit-learn / scipy references read from the fixture named by argv[1];
 * the solver is checked against exhaustive search on small tables and against an
 * optimality certificate (no improving exchange cycle) on a table too big to search.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <mixmate/metrics.h>

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCORE_TOL 1e-12

static const char *g_fixture_path;

/* ---- helpers ------------------------------------------------------------------------- */

/* xorshift64*: deterministic tables without depending on the C library's rand(). */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * UINT64_C(2685821657736338717);
}

static void fill_random(int64_t *table, int n, uint64_t seed, int64_t max_value)
{
    uint64_t state = seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
    for (int k = 0; k < n; k++)
        table[k] = (int64_t)(next_random(&state) % (uint64_t)(max_value + 1));
}

/* A matching must use each column at most once and weigh what the solver reported. */
static void assert_valid_matching(const int64_t *table, int n_rows, int n_cols,
                                  const int *match, int64_t total)
{
    int *used = calloc((size_t)n_cols, sizeof(int));
    int64_t sum = 0;
    int matched = 0;
    assert_non_null(used);

    for (int i = 0; i < n_rows; i++) {
        if (match[i] < 0)
            continue;
        assert_true(match[i] < n_cols);
        assert_int_equal(used[match[i]], 0);
        used[match[i]] = 1;
        sum += table[(size_t)i * n_cols + match[i]];
        matched++;
    }

    /* Padding to square means every row or every column gets a partner. */
    assert_int_equal(matched, n_rows < n_cols ? n_rows : n_cols);
    assert_int_equal(sum, total);
    free(used);
}

/* ---- fixture ------------------------------------------------------------------------- */

/* Skip whitespace and '#' comment lines; return 0 at end of file. */
static int skip_to_token(FILE *f)
{
    int ch;
    while ((ch = fgetc(f)) != EOF) {
        if (ch == '#') {
            while ((ch = fgetc(f)) != EOF && ch != '\n')
                ;
        } else if (!isspace(ch)) {
            ungetc(ch, f);
            return 1;
        }
    }
    return 0;
}

typedef struct {
    int n_clusters, n_classes;
    double want[3]; /* acc, nmi, ari */
    int64_t *table;
} fixture_case;

/* Read the next case; 1 on success, 0 at end of file, fails the test on malformed input. */
static int read_case(FILE *f, fixture_case *c)
{
    if (!skip_to_token(f))
        return 0;
    int got = fscanf(f, "%d %d %lf %lf %lf", &c->n_clusters, &c->n_classes, &c->want[0],
                     &c->want[1], &c->want[2]);
    assert_int_equal(got, 5);
    assert_true(c->n_clusters >= 1 && c->n_classes >= 1);

    size_t cells = (size_t)c->n_clusters * (size_t)c->n_classes;
    c->table = malloc(cells * sizeof(int64_t));
    assert_non_null(c->table);
    for (size_t k = 0; k < cells; k++) {
        assert_true(skip_to_token(f));
        assert_int_equal(fscanf(f, "%" SCNd64, &c->table[k]), 1);
    }
    return 1;
}

static void test_fixture_scores(void **state)
{
    (void)state;
    static const char *names[3] = {"acc", "nmi", "ari"};
    double max_diff[3] = {0.0, 0.0, 0.0};
    fixture_case c;
    int n_cases = 0;

    assert_non_null(g_fixture_path);
    FILE *f = fopen(g_fixture_path, "r");
    if (!f)
        fail_msg("cannot open fixture %s", g_fixture_path);

    while (read_case(f, &c)) {
        mm_scores s;
        assert_int_equal(mm_scores_from_table(c.table, c.n_clusters, c.n_classes, &s), 0);
        double got[3] = {s.acc, s.nmi, s.ari};
        for (int m = 0; m < 3; m++) {
            double diff = fabs(got[m] - c.want[m]);
            if (!(diff <= SCORE_TOL))
                fail_msg("case %d %s: got %.17g, want %.17g", n_cases, names[m], got[m],
                         c.want[m]);
            max_diff[m] = fmax(max_diff[m], diff);
        }
        free(c.table);
        n_cases++;
    }
    fclose(f);

    printf("[ fixture  ] %d cases, max |diff| acc %.3g nmi %.3g ari %.3g\n", n_cases,
           max_diff[0], max_diff[1], max_diff[2]);
    assert_true(n_cases >= 12);
}

/* ---- scores: arguments and invariances ----------------------------------------------- */

static void test_scores_rejects_bad_tables(void **state)
{
    (void)state;
    const int64_t zeros[4] = {0, 0, 0, 0};
    const int64_t negative[4] = {3, -1, 0, 2};
    const int64_t overflow[2] = {INT64_MAX, 1};
    const int64_t one[1] = {5};
    mm_scores s;

    assert_int_equal(mm_scores_from_table(zeros, 2, 2, &s), -1);
    assert_int_equal(mm_scores_from_table(one, 0, 1, &s), -1);
    assert_int_equal(mm_scores_from_table(one, 1, 0, &s), -1);
    assert_int_equal(mm_scores_from_table(negative, 2, 2, &s), -1);
    assert_int_equal(mm_scores_from_table(overflow, 1, 2, &s), -1);
    assert_int_equal(mm_scores_from_table(NULL, 1, 1, &s), -1);
    assert_int_equal(mm_scores_from_table(one, 1, 1, NULL), -1);

    /* One cell holding everything: neither side splits the data. */
    assert_int_equal(mm_scores_from_table(one, 1, 1, &s), 0);
    assert_true(s.acc == 1.0 && s.nmi == 1.0 && s.ari == 1.0);
}

/* Relabelling clusters or classes, or swapping their roles, must not change any score. */
static void test_scores_invariant_to_relabelling(void **state)
{
    (void)state;
    enum { K = 6, C = 4 };
    int64_t table[K * C], permuted[K * C], transposed[C * K];
    const int row_perm[K] = {3, 0, 5, 1, 4, 2}, col_perm[C] = {2, 3, 0, 1};
    mm_scores a, b, t;

    fill_random(table, K * C, 11, 40);
    for (int i = 0; i < K; i++) {
        for (int j = 0; j < C; j++) {
            permuted[row_perm[i] * C + col_perm[j]] = table[i * C + j];
            transposed[j * K + i] = table[i * C + j];
        }
    }

    assert_int_equal(mm_scores_from_table(table, K, C, &a), 0);
    assert_int_equal(mm_scores_from_table(permuted, K, C, &b), 0);
    assert_int_equal(mm_scores_from_table(transposed, C, K, &t), 0);
    assert_float_equal(a.acc, b.acc, 1e-15);
    assert_float_equal(a.nmi, b.nmi, 1e-15);
    assert_float_equal(a.ari, b.ari, 1e-15);
    assert_float_equal(a.acc, t.acc, 1e-15);
    assert_float_equal(a.nmi, t.nmi, 1e-15);
    assert_float_equal(a.ari, t.ari, 1e-15);
}

/* ---- assignment solver --------------------------------------------------------------- */

/* Greedy takes the 10 and then strands rows 1 and 3 with zeros: 15 instead of 26. */
static void test_hungarian_beats_greedy(void **state)
{
    (void)state;
    const int64_t table[16] = {
        10, 9, 0, 0,
        9,  0, 0, 0,
        0,  0, 5, 4,
        0,  0, 4, 0,
    };
    const int want[4] = {1, 0, 3, 2};
    int match[4];

    assert_int_equal(mm_hungarian_max(table, 4, 4, match), 26);
    for (int i = 0; i < 4; i++)
        assert_int_equal(match[i], want[i]);
    assert_int_equal(mm_hungarian_max(table, 4, 4, NULL), 26);
}

static void test_hungarian_rectangular(void **state)
{
    (void)state;
    /* Wide: both rows are matched, and not to their greedy column 0. */
    const int64_t wide[2 * 4] = {
        8, 7, 1, 0,
        9, 1, 1, 2,
    };
    /* Tall: two of the three rows must stay unmatched. */
    const int64_t tall[3 * 1] = {4, 9, 6};
    int match[3];

    assert_int_equal(mm_hungarian_max(wide, 2, 4, match), 16);
    assert_int_equal(match[0], 1);
    assert_int_equal(match[1], 0);

    assert_int_equal(mm_hungarian_max(tall, 3, 1, match), 9);
    assert_int_equal(match[0], -1);
    assert_int_equal(match[1], 0);
    assert_int_equal(match[2], -1);
}

static void test_hungarian_degenerate(void **state)
{
    (void)state;
    const int64_t zeros[6] = {0, 0, 0, 0, 0, 0};
    const int64_t one[1] = {7};
    int match[3] = {42, 42, 42};

    assert_int_equal(mm_hungarian_max(one, 1, 1, match), 7);
    assert_int_equal(match[0], 0);
    assert_int_equal(mm_hungarian_max(zeros, 3, 2, match), 0);
    assert_valid_matching(zeros, 3, 2, match, 0);
    assert_int_equal(mm_hungarian_max(zeros, 0, 2, match), -1);
    assert_int_equal(mm_hungarian_max(zeros, 2, 0, match), -1);
    assert_int_equal(mm_hungarian_max(NULL, 2, 2, match), -1);
}

/* Best total over all injective maps of the rows into the columns (rows <= cols). */
static int64_t exhaustive_best(const int64_t *table, int n_rows, int n_cols, int row,
                               unsigned used)
{
    if (row == n_rows)
        return 0;
    int64_t best = INT64_MIN;
    for (int j = 0; j < n_cols; j++) {
        if (used & (1u << j))
            continue;
        int64_t rest = exhaustive_best(table, n_rows, n_cols, row + 1, used | (1u << j));
        int64_t here = table[row * n_cols + j] + rest;
        best = here > best ? here : best;
    }
    return best;
}

static void test_hungarian_matches_exhaustive_search(void **state)
{
    (void)state;
    enum { MAX_N = 7 };
    int64_t table[MAX_N * MAX_N], transposed[MAX_N * MAX_N];
    int match[MAX_N];

    for (uint64_t seed = 1; seed <= 400; seed++) {
        int n_rows = 1 + (int)(seed % MAX_N);
        int n_cols = seed % 3 == 0 ? MAX_N : n_rows;
        /* Small value ranges force ties, which are where solvers go wrong. */
        fill_random(table, n_rows * n_cols, seed, seed % 2 ? 9 : 100000);
        int64_t want = exhaustive_best(table, n_rows, n_cols, 0, 0);

        int64_t got = mm_hungarian_max(table, n_rows, n_cols, match);
        assert_int_equal(got, want);
        assert_valid_matching(table, n_rows, n_cols, match, got);

        /* The tall orientation of the same problem has the same optimum. */
        for (int i = 0; i < n_rows; i++)
            for (int j = 0; j < n_cols; j++)
                transposed[j * n_rows + i] = table[i * n_cols + j];
        assert_int_equal(mm_hungarian_max(transposed, n_cols, n_rows, match), want);
        assert_valid_matching(transposed, n_cols, n_rows, match, want);
    }
}

/* A perfect matching is maximum iff no cycle of reassignments gains weight. Edge c -> d
 * moves the row holding column c onto column d; Floyd-Warshall on the negated gains
 * finds a negative cycle, i.e. an improvement, if there is one. */
static int has_improving_cycle(const int64_t *table, int n, const int *match)
{
    int64_t *dist = malloc((size_t)n * n * sizeof(int64_t));
    int *row_of_col = malloc((size_t)n * sizeof(int));
    assert_true(dist && row_of_col);
    for (int i = 0; i < n; i++)
        row_of_col[match[i]] = i;

    for (int c = 0; c < n; c++) {
        const int64_t *row = table + (size_t)row_of_col[c] * n;
        for (int d = 0; d < n; d++)
            dist[(size_t)c * n + d] = row[c] - row[d];
    }
    int found = 0;
    for (int k = 0; k < n && !found; k++) {
        for (int c = 0; c < n; c++)
            for (int d = 0; d < n; d++) {
                int64_t via = dist[(size_t)c * n + k] + dist[(size_t)k * n + d];
                if (via < dist[(size_t)c * n + d])
                    dist[(size_t)c * n + d] = via;
            }
        for (int c = 0; c < n; c++)
            found |= dist[(size_t)c * n + c] < 0;
    }

    free(dist);
    free(row_of_col);
    return found;
}

static void test_hungarian_optimality_certificate(void **state)
{
    (void)state;
    enum { N = 300 };
    int64_t *table = malloc((size_t)N * N * sizeof(int64_t));
    int match[N];
    assert_non_null(table);

    for (uint64_t seed = 1; seed <= 2; seed++) {
        fill_random(table, N * N, 1000 + seed, seed == 1 ? 1000000 : 20);
        int64_t total = mm_hungarian_max(table, N, N, match);
        assert_valid_matching(table, N, N, match, total);
        assert_false(has_improving_cycle(table, N, match));

        /* The certificate must be able to fail: swapping two columns loses weight
         * unless those two rows happen to tie. */
        int tmp = match[0];
        match[0] = match[1];
        match[1] = tmp;
        int64_t swapped = total - table[match[1]] - table[N + match[0]] + table[match[0]] +
                          table[N + match[1]];
        if (swapped < total)
            assert_true(has_improving_cycle(table, N, match));
    }
    free(table);
}

/* A few thousand clusters must be practical, and tall tables must not lose rows. */
static void test_hungarian_large(void **state)
{
    (void)state;
    enum { ROWS = 2000, COLS = 1500 };
    int64_t *table = malloc((size_t)ROWS * COLS * sizeof(int64_t));
    int *match = malloc(ROWS * sizeof(int));
    assert_true(table && match);

    fill_random(table, ROWS * COLS, 77, 1000000000);
    int64_t total = mm_hungarian_max(table, ROWS, COLS, match);
    assert_valid_matching(table, ROWS, COLS, match, total);
    /* Every column's own best cell bounds the optimum from above. */
    int64_t bound = 0;
    for (int j = 0; j < COLS; j++) {
        int64_t best = 0;
        for (int i = 0; i < ROWS; i++)
            best = table[(size_t)i * COLS + j] > best ? table[(size_t)i * COLS + j] : best;
        bound += best;
    }
    assert_true(total <= bound && total > bound / 2);

    free(table);
    free(match);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s metrics_cases.txt\n", argv[0]);
        return 2;
    }
    g_fixture_path = argv[1];

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_scores),
        cmocka_unit_test(test_scores_rejects_bad_tables),
        cmocka_unit_test(test_scores_invariant_to_relabelling),
        cmocka_unit_test(test_hungarian_beats_greedy),
        cmocka_unit_test(test_hungarian_rectangular),
        cmocka_unit_test(test_hungarian_degenerate),
        cmocka_unit_test(test_hungarian_matches_exhaustive_search),
        cmocka_unit_test(test_hungarian_optimality_certificate),
        cmocka_unit_test(test_hungarian_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
