/*
 * Pictures of the dictionaries: one row of tiles per cluster, one atom per
 * tile, drawn as an image (--shape HxW) or as a line plot (--shape M). With
 * data, a cluster's most used atoms come first: counting needs the shard and
 * one batch of codes per rank, and one sum of K x N counts. Rank 0 draws the
 * whole image in memory before writing it, so its size is capped.
 */
#include "run/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/png_file.h"
#include "par/par.h"

#define USE_BATCH 1024        /* samples encoded at once per rank when counting use */
#define PLOT_HEIGHT 48        /* a line plot tile's height before scaling */
#define PLOT_MAX_WIDTH 256    /* and its widest; longer atoms are resampled */
#define PLOT_MARGIN 2         /* rows kept free above and below the curve */
#define MAX_SIDE 1000000      /* libpng's default limit on either side */
#define MAX_PIXELS (1 << 27)  /* 384 MiB of RGB held by rank 0 */

/* The gaps are coloured because every grey already means a value. */
static const uint8_t GAP_RGB[3] = {64, 96, 160};
static const uint8_t PAPER = 255, ZERO_LINE = 215, INK = 0;

typedef struct {
    int K, P;           /* rows of tiles (clusters) and tiles per row (atoms shown) */
    int tile_w, tile_h; /* one tile before scaling */
    int scale;
    int width, height;  /* the whole image before scaling, 1-pixel gaps included */
} layout;

typedef struct {
    int index;
    int64_t count;
} ranked;

/* Most used first; ties by index, so the picture does not depend on qsort. */
static int by_use(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x->index - y->index;
}

/* ---- checks and layout (every rank, same model, same outcome) -------------- */

static mm_status check_shape(const mm_atoms_config *c, const mm_model *m)
{
    int64_t values = c->shape_h ? (int64_t)c->shape_h * c->shape_w : c->shape_w;
    if (values == m->d.M)
        return MM_OK;
    if (c->shape_h)
        return mm_fail(MM_ERR_USAGE, "--shape %dx%d: %lld values per atom, but the atoms of "
                       "%s have %d; give a shape whose product is %d", c->shape_h, c->shape_w,
                       (long long)values, c->model, m->d.M, m->d.M);
    return mm_fail(MM_ERR_USAGE, "--shape %d: the atoms of %s have %d values, not %d",
                   c->shape_w, c->model, m->d.M, c->shape_w);
}

static mm_status plan_layout(const mm_atoms_config *c, const mm_model *m, layout *lo)
{
    const int N = m->d.N, M = m->d.M;
    lo->K = m->d.K;
    lo->P = c->per_cluster > 0 && c->per_cluster < N ? c->per_cluster : N;
    lo->tile_w = c->shape_h ? c->shape_w : (M < PLOT_MAX_WIDTH ? M : PLOT_MAX_WIDTH);
    lo->tile_h = c->shape_h ? c->shape_h : PLOT_HEIGHT;
    lo->scale = c->scale;

    /* Sizes in 64 bits: a wide shape times many atoms overflows int. */
    int64_t w = ((int64_t)lo->P * (lo->tile_w + 1) - 1) * lo->scale;
    int64_t h = ((int64_t)lo->K * (lo->tile_h + 1) - 1) * lo->scale;
    if (w > MAX_SIDE || h > MAX_SIDE || w * h > MAX_PIXELS)
        return mm_fail(MM_ERR_USAGE, "--png %s: the image would be %lld x %lld pixels, more "
                       "than mixmate draws (%d per side, %d in all); show fewer atoms with "
                       "--per-cluster or pass a smaller --scale", c->png, (long long)w,
                       (long long)h, MAX_SIDE, MAX_PIXELS);
    lo->width = (int)(w / lo->scale);
    lo->height = (int)(h / lo->scale);
    return MM_OK;
}

/* ---- ordering by use --------------------------------------------------------- */

static mm_status check_data(const mm_atoms_config *c, const mm_model *m, const mm_shard *s)
{
    mm_status st = MM_OK;
    if (s->M != m->d.M)
        st = mm_fail(MM_ERR_INPUT, "%s: dataset %s has %lld values per row, the model %s "
                     "expects %d", c->data, c->samples, (long long)s->M, c->model, m->d.M);
    return mm_par_agree(st);
}

/* counts (K N + 1): how often each atom is active in the samples its cluster
 * wins, then the number of samples counted; summed over ranks. */
static void tally(const mm_model *m, const mm_shard *s, int64_t *counts)
{
    const int K = m->d.K, N = m->d.N;
    const int64_t rows = s->hi - s->lo;
    const int chunk = rows < USE_BATCH ? (rows > 0 ? (int)rows : 1) : USE_BATCH;
    mm_batch_ws_f32 *ws = mm_batch_ws_create_f32(&m->d, chunk, MM_KERNEL_CODE);
    float *P = mm_alloc((size_t)chunk * K * sizeof *P, "posteriors");

    for (int64_t a = 0; a < rows; a += chunk) {
        int B = (int)(rows - a < chunk ? rows - a : chunk);
        const float *Y = s->Y + a * s->M;
        mm_batch_encode_f32(ws, m->W, m->b, Y, B, NULL, P);
        for (int i = 0; i < B; i++) {
            if (s->empty && mm_row_state(Y + (size_t)i * s->M, s->M) == 2)
                continue;
            const float *p = P + (size_t)i * K;
            int k = 0;
            for (int j = 1; j < K; j++)
                k = p[j] > p[k] ? j : k;
            const float *x = mm_batch_codes_f32(ws, k) + (size_t)i * N;
            for (int n = 0; n < N; n++)
                counts[(size_t)k * N + n] += x[n] != 0.0f;
            counts[(size_t)K * N]++;
        }
    }

    free(P);
    mm_batch_ws_free_f32(ws);
    mm_par_sum_i64(counts, (size_t)K * N + 1);
}

static mm_status count_use(const mm_atoms_config *c, const mm_model *m, int64_t *counts)
{
    mm_shard s;
    mm_shard_request req = {c->data, c->samples, NULL, 0, c->mask, c->mask_required};
    MM_TRY(mm_shard_read(&req, &s));

    mm_report_missing(&s, c->data);
    mm_status st = check_data(c, m, &s);
    if (st == MM_OK)
        tally(m, &s, counts);
    mm_shard_free(&s);
    return st;
}

/* order (K x N): atom indices per cluster, most used first, or 0..N-1. */
static void order_atoms(const int64_t *counts, int K, int N, int *order)
{
    ranked *r = mm_alloc((size_t)N * sizeof *r, "atom order");
    for (int k = 0; k < K; k++) {
        for (int n = 0; n < N; n++)
            r[n] = (ranked){n, counts ? counts[(size_t)k * N + n] : 0};
        if (counts)
            qsort(r, (size_t)N, sizeof *r, by_use);
        for (int n = 0; n < N; n++)
            order[(size_t)k * N + n] = r[n].index;
    }
    free(r);
}

/* ---- drawing (rank 0) ------------------------------------------------------- */

static void put(uint8_t *rgb, const layout *lo, int x, int y, uint8_t v)
{
    uint8_t *px = rgb + 3 * ((size_t)y * lo->width + x);
    px[0] = px[1] = px[2] = v;
}

/* Atom n of cluster k is column n of W_k (M x N, row-major): stride N. */
static void atom_values(const mm_model *m, int k, int n, float *a)
{
    const int M = m->d.M, N = m->d.N;
    const float *W = m->W + (size_t)k * M * N;
    for (int j = 0; j < M; j++)
        a[j] = W[(size_t)j * N + n];
}

/* Symmetric grey scale: 0 is mid grey, +amax white, -amax black. */
static uint8_t grey(float v, float amax)
{
    if (!(amax > 0))
        return 128;
    long g = lrintf(127.5f + 127.5f * v / amax);
    return (uint8_t)(g < 0 ? 0 : (g > 255 ? 255 : g));
}

static void draw_image(uint8_t *rgb, const layout *lo, int x0, int y0, const float *a)
{
    float amax = 0;
    for (int j = 0; j < lo->tile_w * lo->tile_h; j++)
        amax = fabsf(a[j]) > amax ? fabsf(a[j]) : amax;
    for (int r = 0; r < lo->tile_h; r++)
        for (int c = 0; c < lo->tile_w; c++)
            put(rgb, lo, x0 + c, y0 + r, grey(a[(size_t)r * lo->tile_w + c], amax));
}

/* Pixel row of value v in a plot spanning [vlo, vhi] (top row is vhi). */
static int plot_row(float v, float vlo, float vhi)
{
    const int span = PLOT_HEIGHT - 1 - 2 * PLOT_MARGIN;
    if (!(vhi > vlo))
        return PLOT_HEIGHT / 2;
    return PLOT_MARGIN + (int)lrintf((vhi - v) / (vhi - vlo) * (float)span);
}

/* A line plot of M values: the range always holds 0, so the zero line shows.
 * Column x covers the values [x M / w, (x + 1) M / w) and draws their whole
 * span joined to the previous column's last value, so no peak is lost. */
static void draw_plot(uint8_t *rgb, const layout *lo, int x0, int y0, const float *a, int M)
{
    float vlo = 0, vhi = 0;
    for (int j = 0; j < M; j++) {
        vlo = a[j] < vlo ? a[j] : vlo;
        vhi = a[j] > vhi ? a[j] : vhi;
    }
    const int zero = plot_row(0, vlo, vhi);
    for (int x = 0; x < lo->tile_w; x++)
        for (int y = 0; y < lo->tile_h; y++)
            put(rgb, lo, x0 + x, y0 + y, y == zero ? ZERO_LINE : PAPER);

    for (int x = 0; x < lo->tile_w; x++) {
        int j0 = (int)((int64_t)x * M / lo->tile_w);
        int j1 = (int)((int64_t)(x + 1) * M / lo->tile_w);
        float top = a[j0 > 0 ? j0 - 1 : 0], bottom = top;
        for (int j = j0; j < j1; j++) {
            top = a[j] > top ? a[j] : top;
            bottom = a[j] < bottom ? a[j] : bottom;
        }
        for (int y = plot_row(top, vlo, vhi); y <= plot_row(bottom, vlo, vhi); y++)
            put(rgb, lo, x0 + x, y0 + y, INK);
    }
}

/* The unscaled picture: gap colour everywhere, then every tile over it. */
static uint8_t *render(const layout *lo, const mm_model *m, const int *order, int plot)
{
    size_t pixels = (size_t)lo->width * lo->height;
    uint8_t *rgb = mm_alloc(3 * pixels, "atom picture");
    for (size_t i = 0; i < pixels; i++)
        memcpy(rgb + 3 * i, GAP_RGB, 3);

    float *a = mm_alloc((size_t)m->d.M * sizeof *a, "atom");
    for (int k = 0; k < lo->K; k++)
        for (int i = 0; i < lo->P; i++) {
            int x0 = i * (lo->tile_w + 1), y0 = k * (lo->tile_h + 1);
            atom_values(m, k, order[(size_t)k * m->d.N + i], a);
            if (plot)
                draw_plot(rgb, lo, x0, y0, a, m->d.M);
            else
                draw_image(rgb, lo, x0, y0, a);
        }
    free(a);
    return rgb;
}

/* Every pixel of src becomes a scale x scale block. */
static uint8_t *enlarge(const uint8_t *src, const layout *lo)
{
    const int S = lo->scale;
    const size_t row_bytes = 3 * (size_t)lo->width * S;
    uint8_t *dst = mm_alloc(row_bytes * lo->height * S, "scaled atom picture");
    for (int y = 0; y < lo->height; y++) {
        uint8_t *row = dst + (size_t)y * S * row_bytes;
        for (int x = 0; x < lo->width; x++)
            for (int d = 0; d < S; d++)
                memcpy(row + 3 * ((size_t)x * S + d), src + 3 * ((size_t)y * lo->width + x), 3);
        for (int d = 1; d < S; d++)
            memcpy(row + d * row_bytes, row, row_bytes);
    }
    return dst;
}

static mm_status draw_and_write(const mm_atoms_config *c, const mm_model *m, const layout *lo,
                                const int *order)
{
    uint8_t *small = render(lo, m, order, c->shape_h == 0);
    uint8_t *big = lo->scale > 1 ? enlarge(small, lo) : small;
    mm_image img = {lo->width * lo->scale, lo->height * lo->scale, 3, big};
    mm_status st = mm_png_write(c->png, &img);
    if (big != small)
        free(big);
    free(small);
    return st;
}

/* ---- the command --------------------------------------------------------------- */

static void report(const mm_atoms_config *c, const mm_model *m, const layout *lo,
                   int64_t samples)
{
    char tiles[160], order[4200];
    const int S = lo->scale;
    if (c->shape_h)
        snprintf(tiles, sizeof tiles, "%dx%d images at scale %d", lo->tile_h, lo->tile_w, S);
    else
        snprintf(tiles, sizeof tiles, "line plots of %d values at scale %d", m->d.M, S);
    if (c->data)
        snprintf(order, sizeof order, "ordered by use in %lld samples of %s",
                 (long long)samples, c->data);
    else
        snprintf(order, sizeof order, "in atom order");
    mm_log0("wrote %s (%d x %d px): %d clusters x %d of %d atoms, tiles %d x %d px (%s), %s",
            c->png, lo->width * S, lo->height * S, lo->K, lo->P, m->d.N, lo->tile_w * S,
            lo->tile_h * S, tiles, order);
}

static mm_status picture(const mm_atoms_config *c, const mm_model *m)
{
    const int K = m->d.K, N = m->d.N;
    layout lo;
    MM_TRY(mm_par_agree(check_shape(c, m)));
    MM_TRY(mm_par_agree(plan_layout(c, m, &lo)));

    /* Count use (collective), order, then draw on rank 0. */
    int64_t *counts = c->data ? mm_calloc((size_t)K * N + 1, sizeof *counts, "atom use") : NULL;
    mm_status st = counts ? count_use(c, m, counts) : MM_OK;
    int *order = mm_alloc((size_t)K * N * sizeof *order, "atom order");
    if (st == MM_OK) {
        order_atoms(counts, K, N, order);
        st = mm_par_agree(mm_rank() == 0 ? draw_and_write(c, m, &lo, order) : MM_OK);
    }
    if (st == MM_OK)
        report(c, m, &lo, counts ? counts[(size_t)K * N] : 0);

    free(order);
    free(counts);
    return st;
}

mm_status mm_atoms(const mm_atoms_config *c)
{
    mm_model m;
    MM_TRY(mm_outfile_prepare(c->png, c->force, "--png"));
    MM_TRY(mm_model_read(c->model, &m));
    mm_status st = picture(c, &m);
    mm_model_free(&m);
    return st;
}
