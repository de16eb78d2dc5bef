/*
 * IDX to HDF5. Image files (rank >= 2) become rows of /samples, flattened;
 * label files (rank 1) become /labels; several files of each kind are
 * concatenated in the order given, so "train images, train labels, test
 * images, test labels" yields the 70,000-sample Fashion-MNIST protocol.
 * Unsigned-byte pixels are scaled to [0, 1]; other types are kept as they
 * are. Runs on rank 0: the inputs are small and serial formats.
 */
#include "run/run.h"

#include <stdlib.h>
#include <string.h>

#include "io/h5util.h"
#include "io/idx.h"
#include "par/par.h"

typedef struct {
    float *samples;
    int64_t rows, cols;
    int32_t *labels;
    int64_t n_labels;
} imported;

static mm_status append_images(imported *im, const mm_idx *x, const char *path)
{
    int64_t rows = x->dims[0], cols = (int64_t)(x->count / (size_t)(rows ? rows : 1));
    if (im->rows > 0 && cols != im->cols)
        return mm_fail(MM_ERR_INPUT, "%s: images of %lld values, earlier files had %lld", path,
                       (long long)cols, (long long)im->cols);

    float scale = x->type == 0x08 ? 1.0f / 255.0f : 1.0f;
    im->cols = cols;
    im->samples = realloc(im->samples, (size_t)(im->rows + rows) * cols * sizeof(float));
    if (!im->samples)
        return mm_fail(MM_ERR_MEMORY, "%s: out of memory", path);
    for (size_t i = 0; i < x->count; i++)
        im->samples[(size_t)im->rows * cols + i] = x->values[i] * scale;
    im->rows += rows;
    return MM_OK;
}

static mm_status append_labels(imported *im, const mm_idx *x, const char *path)
{
    im->labels = realloc(im->labels, (size_t)(im->n_labels + x->dims[0]) * sizeof(int32_t));
    if (!im->labels)
        return mm_fail(MM_ERR_MEMORY, "%s: out of memory", path);
    for (int64_t i = 0; i < x->dims[0]; i++)
        im->labels[im->n_labels + i] = (int32_t)x->values[i];
    im->n_labels += x->dims[0];
    return MM_OK;
}

static mm_status write_h5(const mm_import_config *c, const imported *im)
{
    char tmp[4200];
    mm_tmp_name(tmp, sizeof tmp, c->out);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return mm_fail(MM_ERR_IO, "%s: cannot create file", tmp);

    int64_t dims[2] = {im->rows, im->cols};
    mm_status st = mm_h5_put_dataset(f, "samples", H5T_NATIVE_FLOAT, 2, dims, im->samples);
    if (st == MM_OK && im->n_labels > 0)
        st = mm_h5_put_dataset(f, "labels", H5T_NATIVE_INT32, 1, &im->n_labels, im->labels);
    if (H5Fclose(f) < 0 && st == MM_OK)
        st = mm_fail(MM_ERR_IO, "%s: cannot close file", tmp);
    if (st != MM_OK) {
        remove(tmp);
        return st;
    }
    return mm_commit_file(tmp, c->out);
}

static mm_status import_on_root(const mm_import_config *c)
{
    imported im = {0};
    mm_status st = MM_OK;
    mm_h5_quiet();

    for (int i = 0; i < c->n_inputs && st == MM_OK; i++) {
        mm_idx x;
        st = mm_idx_read(c->inputs[i], &x);
        if (st != MM_OK)
            break;
        st = x.ndim >= 2 ? append_images(&im, &x, c->inputs[i])
                         : append_labels(&im, &x, c->inputs[i]);
        mm_idx_free(&x);
    }
    if (st == MM_OK && im.rows == 0)
        st = mm_fail(MM_ERR_USAGE, "import: no image file among the inputs");
    if (st == MM_OK && im.n_labels > 0 && im.n_labels != im.rows)
        st = mm_fail(MM_ERR_INPUT, "import: %lld images but %lld labels", (long long)im.rows,
                     (long long)im.n_labels);
    if (st == MM_OK)
        st = write_h5(c, &im);
    if (st == MM_OK)
        mm_log0("wrote %s: /samples %lld x %lld float32%s", c->out, (long long)im.rows,
                (long long)im.cols, im.n_labels ? ", /labels int32" : "");
    free(im.samples);
    free(im.labels);
    return st;
}

mm_status mm_import(const mm_import_config *c)
{
    MM_TRY(mm_outfile_prepare(c->out, c->force, "--out"));
    return mm_par_agree(mm_rank() == 0 ? import_on_root(c) : MM_OK);
}
