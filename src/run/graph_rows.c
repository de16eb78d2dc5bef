/*
 * The directed graph rows of the graph-based starts: allocation, the gather
 * that gives every rank every point's edges, and release. The rows are S x
 * width, a few MB even for S in the tens of thousands, so a plain allgather
 * of each rank's block of rows is cheap next to computing them.
 */
#include "run/spectral.h"

#include <stdlib.h>
#include <string.h>

#include "par/par.h"

void mm_graph_rows_alloc(mm_graph_rows *g, int64_t n, int width)
{
    size_t count = (size_t)n * width;
    g->n = n;
    g->width = width;
    g->col = mm_alloc(count * sizeof *g->col, "graph edges");
    g->val = mm_calloc(count, sizeof *g->val, "graph weights");
    for (size_t i = 0; i < count; i++)
        g->col[i] = -1;
}

void mm_graph_rows_gather(mm_graph_rows *g, int64_t lo, int64_t hi)
{
    size_t first = (size_t)lo * g->width, count = (size_t)(hi - lo) * g->width;
    int32_t *col = mm_alloc((count + 1) * sizeof *col, "graph edges of this rank");
    float *val = mm_alloc((count + 1) * sizeof *val, "graph weights of this rank");
    memcpy(col, g->col + first, count * sizeof *col);
    memcpy(val, g->val + first, count * sizeof *val);

    mm_par_allgather_bytes(col, count * sizeof *col, g->col);
    mm_par_allgather_bytes(val, count * sizeof *val, g->val);
    free(val);
    free(col);
}

void mm_graph_rows_free(mm_graph_rows *g)
{
    free(g->col);
    free(g->val);
    g->col = NULL;
    g->val = NULL;
}
