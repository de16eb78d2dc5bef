/*
 * Maximum-weight assignment by Kuhn-Munkres: rows are added one at a time along a
 * shortest augmenting path, with dual potentials keeping reduced costs non-negative,
 * in integer arithmetic (so exact). A rectangular table is solved with its shorter
 * side as the rows, which gives the optimum of the zero-padded square table in
 * O(k^2 n) instead of O(n^3) (k = shorter side, n = longer), and skips the padded
 * rows whose ties make the square version crawl. A tall table is read transposed in
 * place, so scratch memory is O(n) and the table is never copied.
 */
#include <mixmate/metrics.h>

#include <stdlib.h>

/* The solver works in 1-based indices; column 0 is the virtual root from which the
 * row being inserted starts its search. Solver rows are the table's shorter side. */
typedef struct {
    const int64_t *table;
    size_t row_stride, col_stride; /* table offset of solver cell (i, j), 0-based */
    int n_rows, n_cols;            /* n_rows <= n_cols */
    int64_t *u;                    /* row potentials, n_rows + 1 */
    int64_t *v;                    /* column potentials, n_cols + 1 */
    int64_t *slack;   /* smallest reduced cost reaching each column in this search */
    int *row_of_col;  /* row matched to each column, 0 if none */
    int *way;         /* previous column on the shortest path to each column */
    unsigned char *seen; /* column already in the search tree */
} solver;

static int solver_alloc(solver *s, const int64_t *table, int n_rows, int n_cols)
{
    /* Solve the transposed problem when the table is tall. */
    int tall = n_rows > n_cols;
    s->table = table;
    s->n_rows = tall ? n_cols : n_rows;
    s->n_cols = tall ? n_rows : n_cols;
    s->row_stride = tall ? 1 : (size_t)n_cols;
    s->col_stride = tall ? (size_t)n_cols : 1;

    /* One block, widest type first so every array stays aligned. */
    size_t len = (size_t)s->n_cols + 1;
    char *block = calloc(len, 3 * sizeof(int64_t) + 2 * sizeof(int) + 1);
    if (!block)
        return -1;
    s->u = (int64_t *)block;
    s->v = s->u + len;
    s->slack = s->v + len;
    s->row_of_col = (int *)(s->slack + len);
    s->way = s->row_of_col + len;
    s->seen = (unsigned char *)(s->way + len);
    return 0;
}

/* Scan the columns outside the tree from the row matched to column j0, lowering their
 * slacks; return the outside column with the smallest slack and store that slack. */
static int relax_from(solver *s, int j0, int64_t *delta)
{
    int i0 = s->row_of_col[j0];
    const int64_t *row = s->table + (size_t)(i0 - 1) * s->row_stride;
    int best = 0;

    *delta = INT64_MAX;
    for (int j = 1; j <= s->n_cols; j++) {
        if (s->seen[j])
            continue;
        /* Maximising weight is minimising its negation. */
        int64_t reduced = -row[(size_t)(j - 1) * s->col_stride] - s->u[i0] - s->v[j];
        if (reduced < s->slack[j]) {
            s->slack[j] = reduced;
            s->way[j] = j0;
        }
        if (s->slack[j] < *delta) {
            *delta = s->slack[j];
            best = j;
        }
    }
    return best;
}

/* Move the potentials by delta so the cheapest outside edge becomes tight while every
 * edge inside the tree stays tight. */
static void shift_potentials(solver *s, int64_t delta)
{
    for (int j = 0; j <= s->n_cols; j++) {
        if (s->seen[j]) {
            s->u[s->row_of_col[j]] += delta;
            s->v[j] -= delta;
        } else {
            s->slack[j] -= delta;
        }
    }
}

/* Insert row i: grow a shortest-path tree until it reaches a free column, then flip
 * the matching along the path back to the root. */
static void add_row(solver *s, int i)
{
    for (int j = 0; j <= s->n_cols; j++) {
        s->slack[j] = INT64_MAX;
        s->seen[j] = 0;
    }
    s->row_of_col[0] = i;

    int j0 = 0;
    do {
        int64_t delta;
        s->seen[j0] = 1;
        int j1 = relax_from(s, j0, &delta);
        shift_potentials(s, delta);
        j0 = j1;
    } while (s->row_of_col[j0] != 0);

    while (j0 != 0) {
        int prev = s->way[j0];
        s->row_of_col[j0] = s->row_of_col[prev];
        j0 = prev;
    }
}

int64_t mm_hungarian_max(const int64_t *table, int n_rows, int n_cols, int *match)
{
    solver s;
    if (!table || n_rows < 1 || n_cols < 1 || solver_alloc(&s, table, n_rows, n_cols) != 0)
        return -1;

    for (int i = 1; i <= s.n_rows; i++)
        add_row(&s, i);

    /* Read the matching back in table coordinates; unmatched solver columns drop out. */
    int tall = n_rows > n_cols;
    int64_t total = 0;
    if (match)
        for (int i = 0; i < n_rows; i++)
            match[i] = -1;
    for (int j = 1; j <= s.n_cols; j++) {
        int i = s.row_of_col[j];
        if (i == 0)
            continue;
        int row = tall ? j - 1 : i - 1, col = tall ? i - 1 : j - 1;
        total += table[(size_t)row * n_cols + col];
        if (match)
            match[row] = col;
    }

    free(s.u);
    return total;
}
