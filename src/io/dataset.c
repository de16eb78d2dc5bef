/*
 * Sharded reading of samples and labels. Reads go in collective slabs of at
 * most 256 Mi values per rank, because MPI-IO counts are int and some
 * MPI-IO layers fail on single requests over 2 GiB; every rank takes part in
 * every slab, possibly with an empty selection, as collective I/O demands.
 */
#include "io/dataset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/h5util.h"
#include "par/par.h"

#define SLAB_VALUES ((int64_t)1 << 28)

static void describe_type(hid_t type, char *buf, size_t size)
{
    H5T_class_t cls = H5Tget_class(type);
    size_t bytes = H5Tget_size(type);
    if (cls == H5T_INTEGER)
        snprintf(buf, size, "%sint%zu", H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", 8 * bytes);
    else if (cls == H5T_FLOAT)
        snprintf(buf, size, "float%zu", 8 * bytes);
    else if (cls == H5T_STRING)
        snprintf(buf, size, "strings");
    else if (cls == H5T_COMPOUND)
        snprintf(buf, size, "compound records");
    else
        snprintf(buf, size, "a non-numeric type (HDF5 class %d)", (int)cls);
}

/* Open name in file and check its rank and type class; returns the dims. */
static mm_status open_checked(hid_t file, const char *path, const char *name, int want_rank,
                              int integer_only, hid_t *set, int64_t dims[2], char *type_desc)
{
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0)
        return mm_fail(MM_ERR_INPUT, "%s: dataset %s not found", path, name);
    *set = H5Dopen2(file, name, H5P_DEFAULT);
    if (*set < 0)
        return mm_fail(MM_ERR_INPUT, "%s: %s is not a dataset", path, name);

    hid_t type = H5Dget_type(*set), space = H5Dget_space(*set);
    H5T_class_t cls = H5Tget_class(type);
    int rank = H5Sget_simple_extent_ndims(space);
    hsize_t hd[8] = {0};
    if (rank > 0 && rank <= 8)
        H5Sget_simple_extent_dims(space, hd, NULL);
    describe_type(type, type_desc, 48);
    H5Tclose(type);
    H5Sclose(space);

    if (cls != H5T_INTEGER && (integer_only || cls != H5T_FLOAT))
        return mm_fail(MM_ERR_INPUT, "%s: dataset %s: expected %s values, found %s", path, name,
                       integer_only ? "integer" : "numeric", type_desc);
    if (rank != want_rank)
        return mm_fail(MM_ERR_INPUT, "%s: dataset %s: expected rank %d, found rank %d", path,
                       name, want_rank, rank);
    dims[0] = (int64_t)hd[0];
    dims[1] = want_rank == 2 ? (int64_t)hd[1] : 1;
    return MM_OK;
}

/* Collective: rows [lo, hi) of an n x cols dataset into out, as mem_type. */
static mm_status read_rows(hid_t set, int64_t lo, int64_t hi, int64_t cols, int rank,
                           hid_t mem_type, size_t elem, void *out)
{
    int64_t slab_rows = SLAB_VALUES / cols > 0 ? SLAB_VALUES / cols : 1;
    int64_t slabs = (hi - lo + slab_rows - 1) / slab_rows;
    mm_par_max_i64(&slabs, 1);

    hid_t fspace = H5Dget_space(set), dxpl = mm_h5_dxpl_collective();
    herr_t rc = 0;
    for (int64_t s = 0; s < slabs; s++) {
        int64_t a = lo + s * slab_rows, b = a + slab_rows < hi ? a + slab_rows : hi;
        hsize_t start[2] = {(hsize_t)a, 0};
        hsize_t count[2] = {(hsize_t)(b > a ? b - a : 0), (hsize_t)cols};
        hid_t mspace = H5Screate_simple(rank, count[0] ? count : (hsize_t[2]){1, (hsize_t)cols},
                                        NULL);
        if (b > a) {
            H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
        } else {
            H5Sselect_none(fspace);
            H5Sselect_none(mspace);
        }
        void *dst = (char *)out + (size_t)((b > a ? a : lo) - lo) * cols * elem;
        rc |= H5Dread(set, mem_type, mspace, fspace, dxpl, dst);
        H5Sclose(mspace);
    }
    H5Pclose(dxpl);
    H5Sclose(fspace);
    return rc < 0 ? mm_fail(MM_ERR_IO, "collective read failed") : MM_OK;
}

int mm_row_state(const float *y, int64_t M)
{
    int64_t missing = 0;
    for (int64_t m = 0; m < M; m++)
        missing += isnan(y[m]) != 0;
    return missing == 0 ? 0 : (missing == M ? 2 : 1);
}

/* Refuse infinities; count missing values and incomplete and empty rows. */
static mm_status check_values(mm_shard *s, const char *path, const char *name)
{
    size_t count = (size_t)(s->hi - s->lo) * s->M;
    for (size_t i = 0; i < count; i++)
        if (isinf(s->Y[i]))
            return mm_fail(MM_ERR_INPUT, "%s: dataset %s: row %lld column %lld is infinite", path,
                           name, (long long)(s->lo + (int64_t)(i / s->M)),
                           (long long)(i % s->M));

    s->first_empty = INT64_MAX;
    for (int64_t r = 0; r < s->hi - s->lo; r++) {
        const float *y = s->Y + r * s->M;
        int state = mm_row_state(y, s->M);
        s->incomplete += state != 0;
        s->empty += state == 2;
        if (state == 2 && s->first_empty == INT64_MAX)
            s->first_empty = s->lo + r;
        for (int64_t m = 0; state && m < s->M; m++)
            s->missing += isnan(y[m]) != 0;
    }
    return MM_OK;
}

/* Collective: the file-wide counts from every rank's. */
static void agree_counts(mm_shard *s)
{
    int64_t sums[3] = {s->incomplete, s->empty, s->missing};
    mm_par_sum_i64(sums, 3);
    s->incomplete = sums[0];
    s->empty = sums[1];
    s->missing = sums[2];
    mm_par_min_i64(&s->first_empty, 1);
    if (s->first_empty == INT64_MAX)
        s->first_empty = -1;
}

static mm_status read_samples(hid_t file, const mm_shard_request *req, mm_shard *s)
{
    hid_t set = -1;
    int64_t dims[2];
    mm_status st = open_checked(file, req->path, req->samples, 2, 0, &set, dims, s->type);
    st = mm_par_agree(st);
    if (st != MM_OK)
        goto done;

    s->n = dims[0];
    s->M = dims[1];
    if (s->n < 1 || s->M < 1)
        st = mm_fail(MM_ERR_INPUT, "%s: dataset %s: expected at least one row and column, "
                     "found %lld x %lld", req->path, req->samples, (long long)s->n,
                     (long long)s->M);
    else if (s->n < mm_nranks())
        st = mm_fail(MM_ERR_INPUT, "%s: dataset %s: %lld rows cannot be shared by %d ranks",
                     req->path, req->samples, (long long)s->n, mm_nranks());
    st = mm_par_agree(st);
    if (st != MM_OK)
        goto done;

    mm_block_range(s->n, mm_rank(), mm_nranks(), &s->lo, &s->hi);
    s->Y = mm_alloc((size_t)(s->hi - s->lo) * s->M * sizeof *s->Y, "the samples shard");
    st = read_rows(set, s->lo, s->hi, s->M, 2, H5T_NATIVE_FLOAT, sizeof(float), s->Y);
    st = mm_par_agree(st);
done:
    if (set >= 0)
        H5Dclose(set);
    return st;
}

/* The mask marks observed values with 1; its zeros become NaN in Y. */
static mm_status read_mask(hid_t file, const mm_shard_request *req, mm_shard *s)
{
    if (!req->mask)
        return MM_OK;
    if (!req->mask_required && H5Lexists(file, req->mask, H5P_DEFAULT) <= 0)
        return MM_OK;

    hid_t set = -1;
    int64_t dims[2] = {0, 0};
    char type[48];
    mm_status st = open_checked(file, req->path, req->mask, 2, 1, &set, dims, type);
    if (st == MM_OK && (dims[0] != s->n || dims[1] != s->M))
        st = mm_fail(MM_ERR_INPUT, "%s: dataset %s: expected %lld x %lld like %s, found "
                     "%lld x %lld", req->path, req->mask, (long long)s->n, (long long)s->M,
                     req->samples, (long long)dims[0], (long long)dims[1]);
    st = mm_par_agree(st);
    if (st != MM_OK)
        goto done;

    /* Held only while it is applied: half the shard's size. Read as int16, not
     * uint8, because HDF5 clips what it converts: a signed mask's -1 would
     * become 0 and silently mean missing. */
    size_t count = (size_t)(s->hi - s->lo) * s->M;
    int16_t *mask = mm_alloc((count ? count : 1) * sizeof *mask, "the mask shard");
    st = read_rows(set, s->lo, s->hi, s->M, 2, H5T_NATIVE_INT16, sizeof *mask, mask);
    for (size_t i = 0; st == MM_OK && i < count; i++) {
        if (mask[i] != 0 && mask[i] != 1)
            st = mm_fail(MM_ERR_INPUT, "%s: dataset %s: row %lld column %lld is %d, expected 0 "
                         "(missing) or 1 (observed)", req->path, req->mask,
                         (long long)(s->lo + (int64_t)(i / s->M)), (long long)(i % s->M),
                         mask[i]);
        else if (mask[i] == 0)
            s->Y[i] = NAN;
    }
    free(mask);
    st = mm_par_agree(st);
done:
    if (set >= 0)
        H5Dclose(set);
    return st;
}

static mm_status read_labels(hid_t file, const mm_shard_request *req, mm_shard *s)
{
    if (!req->labels)
        return MM_OK;
    if (!req->labels_required && H5Lexists(file, req->labels, H5P_DEFAULT) <= 0)
        return MM_OK;

    hid_t set = -1;
    int64_t dims[2];
    char type[48];
    mm_status st = open_checked(file, req->path, req->labels, 1, 1, &set, dims, type);
    if (st == MM_OK && dims[0] != s->n)
        st = mm_fail(MM_ERR_INPUT, "%s: dataset %s: expected %lld labels (one per sample), "
                     "found %lld", req->path, req->labels, (long long)s->n, (long long)dims[0]);
    st = mm_par_agree(st);
    if (st == MM_OK) {
        s->labels = mm_alloc((size_t)(s->hi - s->lo) * sizeof *s->labels, "the labels shard");
        st = mm_par_agree(read_rows(set, s->lo, s->hi, 1, 1, H5T_NATIVE_INT64, sizeof(int64_t),
                                    s->labels));
    }
    if (set >= 0)
        H5Dclose(set);
    return st;
}

mm_status mm_shard_read(const mm_shard_request *req, mm_shard *s)
{
    memset(s, 0, sizeof *s);
    mm_h5_quiet();

    /* The file itself: every rank checks, so every rank fails alike. */
    MM_TRY(mm_par_agree(mm_h5_check_readable(req->path)));
    hid_t fapl = mm_h5_fapl_mpio();
    hid_t file = H5Fopen(req->path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    MM_TRY(mm_par_agree(file < 0 ? mm_fail(MM_ERR_INPUT, "%s: cannot open as HDF5", req->path)
                                 : MM_OK));

    /* Samples, the mask over them, then labels. */
    mm_status st = read_samples(file, req, s);
    if (st == MM_OK)
        st = read_mask(file, req, s);
    if (st == MM_OK) {
        st = mm_par_agree(check_values(s, req->path, req->samples));
        agree_counts(s);
    }
    if (st == MM_OK)
        st = read_labels(file, req, s);
    H5Fclose(file);
    if (st != MM_OK)
        mm_shard_free(s);
    return st;
}

void mm_shard_free(mm_shard *s)
{
    free(s->Y);
    free(s->labels);
    s->Y = NULL;
    s->labels = NULL;
}

/* One row of an n x cols dataset into out (cols values of mem_type). */
static mm_status read_one_row(hid_t set, int64_t index, int64_t cols, int rank, hid_t mem_type,
                              void *out)
{
    hsize_t start[2] = {(hsize_t)index, 0}, count[2] = {1, (hsize_t)cols};
    hid_t fspace = H5Dget_space(set), mspace = H5Screate_simple(rank, count, NULL);
    H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
    herr_t rc = H5Dread(set, mem_type, mspace, fspace, H5P_DEFAULT, out);
    H5Sclose(mspace);
    H5Sclose(fspace);
    return rc < 0 ? mm_fail(MM_ERR_IO, "reading row %lld failed", (long long)index) : MM_OK;
}

static mm_status row_samples(hid_t file, const mm_shard_request *req, int64_t index, int64_t M,
                             float *y)
{
    hid_t set = -1;
    int64_t dims[2];
    char type[48];
    mm_status st = open_checked(file, req->path, req->samples, 2, 0, &set, dims, type);
    if (st == MM_OK && dims[1] != M)
        st = mm_fail(MM_ERR_INPUT, "%s: dataset %s has %lld values per row, the model expects "
                     "%lld", req->path, req->samples, (long long)dims[1], (long long)M);
    if (st == MM_OK && (index < 0 || index >= dims[0]))
        st = mm_fail(MM_ERR_USAGE, "--index %lld: %s:%s has rows 0 to %lld", (long long)index,
                     req->path, req->samples, (long long)dims[0] - 1);
    if (st == MM_OK)
        st = read_one_row(set, index, M, 2, H5T_NATIVE_FLOAT, y);
    for (int64_t m = 0; st == MM_OK && m < M; m++)
        if (isinf(y[m]))
            st = mm_fail(MM_ERR_INPUT, "%s: dataset %s: row %lld column %lld is infinite",
                         req->path, req->samples, (long long)index, (long long)m);
    if (set >= 0)
        H5Dclose(set);
    return st;
}

static mm_status row_mask(hid_t file, const mm_shard_request *req, int64_t index, int64_t M,
                          float *y)
{
    if (!req->mask || (!req->mask_required && H5Lexists(file, req->mask, H5P_DEFAULT) <= 0))
        return MM_OK;
    hid_t set = -1;
    int64_t dims[2];
    char type[48];
    int16_t *mask = mm_alloc((size_t)M * sizeof *mask, "mask row");
    mm_status st = open_checked(file, req->path, req->mask, 2, 1, &set, dims, type);
    if (st == MM_OK && dims[1] != M)
        st = mm_fail(MM_ERR_INPUT, "%s: dataset %s: expected %lld columns like %s, found %lld",
                     req->path, req->mask, (long long)M, req->samples, (long long)dims[1]);
    if (st == MM_OK)
        st = read_one_row(set, index, M, 2, H5T_NATIVE_INT16, mask);
    for (int64_t m = 0; st == MM_OK && m < M; m++) {
        if (mask[m] != 0 && mask[m] != 1)
            st = mm_fail(MM_ERR_INPUT, "%s: dataset %s: row %lld column %lld is %d, expected 0 "
                         "(missing) or 1 (observed)", req->path, req->mask, (long long)index,
                         (long long)m, mask[m]);
        else if (mask[m] == 0)
            y[m] = NAN;
    }
    free(mask);
    if (set >= 0)
        H5Dclose(set);
    return st;
}

mm_status mm_row_read(const mm_shard_request *req, int64_t index, int64_t M, float *y,
                      int64_t *label, int *has_label)
{
    mm_h5_quiet();
    MM_TRY(mm_h5_check_readable(req->path));
    hid_t file = H5Fopen(req->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return mm_fail(MM_ERR_INPUT, "%s: cannot open as HDF5", req->path);

    mm_status st = row_samples(file, req, index, M, y);
    if (st == MM_OK)
        st = row_mask(file, req, index, M, y);

    *has_label = 0;
    if (st == MM_OK && req->labels && H5Lexists(file, req->labels, H5P_DEFAULT) > 0) {
        hid_t set = -1;
        int64_t dims[2];
        char type[48];
        st = open_checked(file, req->path, req->labels, 1, 1, &set, dims, type);
        if (st == MM_OK && index < dims[0])
            st = read_one_row(set, index, 1, 1, H5T_NATIVE_INT64, label);
        *has_label = st == MM_OK && index < dims[0];
        if (set >= 0)
            H5Dclose(set);
    }
    H5Fclose(file);
    return st;
}
