/*
 * Checkpoint files. Arrays are chunked with the Fletcher32 filter and the
 * file uses the newest HDF5 format, whose metadata also carries checksums,
 * so that a flipped bit anywhere is found on reading rather than trained on.
 * A fault-injection point (MIXMATE_FAULT=checkpoint-before-rename) stops the
 * process between writing and renaming, for the tests of crash safety.
 */
#define _POSIX_C_SOURCE 200809L
#include "io/checkpoint_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/h5util.h"

/* A chunked, checksummed float dataset of the given shape. */
static mm_status put_checked(hid_t f, const char *name, int rank, const hsize_t *dims,
                             const float *data)
{
    /* One chunk per dictionary keeps chunks far below HDF5's 4 GiB limit. */
    hsize_t chunk[3] = {rank == 3 ? 1 : dims[0], rank == 3 ? dims[1] : 0, rank == 3 ? dims[2] : 0};
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, rank, chunk);
    H5Pset_fletcher32(dcpl);
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t set = H5Dcreate2(f, name, H5T_NATIVE_FLOAT, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    herr_t rc = set < 0 ? -1
                        : H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    if (set >= 0)
        H5Dclose(set);
    H5Sclose(space);
    H5Pclose(dcpl);
    return rc < 0 ? mm_fail(MM_ERR_IO, "cannot write checkpoint dataset %s", name) : MM_OK;
}

static mm_status put_attributes(hid_t f, const mm_checkpoint *c)
{
    const struct {
        const char *name;
        int64_t v;
    } ints[] = {
        {"format", MM_CHECKPOINT_FORMAT}, {"finished", c->finished},
        {"epochs_done", c->epochs_done}, {"step", c->step}, {"adam_step", c->adam_step},
        {"ranks", c->ranks}, {"clusters", c->d.K}, {"features", c->d.M}, {"atoms", c->d.N},
        {"layers", c->d.L}, {"batch", c->batch}, {"epochs", c->epochs}, {"seed", c->seed},
        {"init", c->init}, {"init_subset", c->init_subset},
        {"kmeans_restarts", c->kmeans_restarts}, {"kernel", c->kernel}, {"knn", c->knn},
        {"affinity", c->affinity}, {"ssc_nonzero", c->ssc_nonzero},
        {"learn_prior", c->learn_prior}, {"init_features", c->init_features},
        {"image_height", c->image_h}, {"image_width", c->image_w}, {"init_pca", c->init_pca},
        {"input_rows", c->input_rows},
        {"input_cols", c->input_cols}, {"input_checksum", (int64_t)c->input_checksum},
    };
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
        MM_TRY(mm_h5_attr_put_i64(f, ints[i].name, ints[i].v));
    MM_TRY(mm_h5_attr_put_f64(f, "lambda", c->d.lambda));
    MM_TRY(mm_h5_attr_put_f64(f, "step_size", c->d.eta));
    MM_TRY(mm_h5_attr_put_f64(f, "lr", c->lr));
    MM_TRY(mm_h5_attr_put_f64(f, "loss_sum", c->loss_sum));
    MM_TRY(mm_h5_attr_put_str(f, "input_file", c->input_file));
    MM_TRY(mm_h5_attr_put_str(f, "input_dataset", c->input_dataset));
    MM_TRY(mm_h5_attr_put_str(f, "input_type", c->input_type));
    MM_TRY(mm_h5_attr_put_str(f, "mixmate_version", MM_VERSION " (" MM_GIT_REVISION ")"));
    return MM_OK;
}

static mm_status write_contents(hid_t f, const mm_checkpoint *c)
{
    hsize_t w[3] = {(hsize_t)c->d.K, (hsize_t)c->d.M, (hsize_t)c->d.N};
    hsize_t b[1] = {(hsize_t)c->d.K};
    MM_TRY(put_checked(f, "dictionaries", 3, w, c->W));
    MM_TRY(put_checked(f, "prior_logits", 1, b, c->b));
    MM_TRY(put_checked(f, "adam_m", 3, w, c->adam_m));
    MM_TRY(put_checked(f, "adam_v", 3, w, c->adam_v));
    MM_TRY(put_checked(f, "prior_adam_m", 1, b, c->prior_m));
    MM_TRY(put_checked(f, "prior_adam_v", 1, b, c->prior_v));
    return put_attributes(f, c);
}

mm_status mm_checkpoint_write(const char *path, const mm_checkpoint *c)
{
    char tmp[4200];
    mm_tmp_name(tmp, sizeof tmp, path);
    mm_h5_quiet();

    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (f < 0)
        return mm_fail(MM_ERR_IO, "%s: cannot create file", tmp);

    mm_status st = write_contents(f, c);
    if (H5Fflush(f, H5F_SCOPE_GLOBAL) < 0 && st == MM_OK)
        st = mm_fail(MM_ERR_IO, "%s: cannot flush", tmp);
    if (H5Fclose(f) < 0 && st == MM_OK)
        st = mm_fail(MM_ERR_IO, "%s: cannot close", tmp);
    if (st != MM_OK) {
        remove(tmp);
        return st;
    }

    const char *fault = getenv("MIXMATE_FAULT");
    if (fault && strcmp(fault, "checkpoint-before-rename") == 0)
        abort();
    return mm_commit_file(tmp, path);
}

static mm_status read_array(hid_t f, const char *path, const char *name, size_t count,
                            float **out)
{
    *out = mm_alloc(count * sizeof **out, "checkpoint arrays");
    hid_t set = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t space = set < 0 ? -1 : H5Dget_space(set);
    int ok = space >= 0 && (size_t)H5Sget_simple_extent_npoints(space) == count &&
             H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) >= 0;
    if (space >= 0)
        H5Sclose(space);
    if (set >= 0)
        H5Dclose(set);
    if (!ok)
        return mm_fail(MM_ERR_INPUT, "%s: dataset %s is missing or damaged (checksum); remove "
                       "the file or pass --restart", path, name);
    return MM_OK;
}

static mm_status get_string(hid_t f, const char *name, char *buf, size_t size)
{
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a < 0)
        return MM_ERR_INPUT;
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, size);
    herr_t rc = H5Aread(a, type, buf);
    buf[size - 1] = '\0';
    H5Tclose(type);
    H5Aclose(a);
    return rc < 0 ? MM_ERR_INPUT : MM_OK;
}

static mm_status read_attributes(hid_t f, const char *path, mm_checkpoint *c)
{
    int64_t v[27], format = 0;
    const char *names[] = {"finished", "epochs_done", "step", "adam_step", "ranks", "clusters",
                           "features", "atoms", "layers", "batch", "epochs", "seed", "init",
                           "init_subset", "kmeans_restarts", "kernel", "input_rows",
                           "input_cols", "input_checksum", "knn", "affinity", "ssc_nonzero",
                           "learn_prior", "init_features", "image_height", "image_width",
                           "init_pca"};
    MM_TRY(mm_h5_attr_get_i64(f, path, "format", &format));
    if (format < MM_CHECKPOINT_FORMAT)
        return mm_fail(MM_ERR_INPUT, "%s: checkpoint format %lld was written by an older "
                       "mixmate, this one reads format %d; pass --restart to start over", path,
                       (long long)format, MM_CHECKPOINT_FORMAT);
    if (format != MM_CHECKPOINT_FORMAT)
        return mm_fail(MM_ERR_INPUT, "%s: checkpoint format %lld, this mixmate reads %d", path,
                       (long long)format, MM_CHECKPOINT_FORMAT);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        MM_TRY(mm_h5_attr_get_i64(f, path, names[i], &v[i]));

    c->finished = (int)v[0], c->epochs_done = v[1], c->step = v[2], c->adam_step = v[3];
    c->ranks = v[4];
    c->d.K = (int)v[5], c->d.M = (int)v[6], c->d.N = (int)v[7], c->d.L = (int)v[8];
    c->batch = v[9], c->epochs = v[10], c->seed = v[11], c->init = v[12];
    c->init_subset = v[13], c->kmeans_restarts = v[14], c->kernel = v[15];
    c->input_rows = v[16], c->input_cols = v[17], c->input_checksum = (uint64_t)v[18];
    c->knn = v[19], c->affinity = v[20], c->ssc_nonzero = v[21], c->learn_prior = v[22];
    c->init_features = v[23], c->image_h = v[24], c->image_w = v[25], c->init_pca = v[26];
    MM_TRY(mm_h5_attr_get_f64(f, path, "lambda", &c->d.lambda));
    MM_TRY(mm_h5_attr_get_f64(f, path, "step_size", &c->d.eta));
    MM_TRY(mm_h5_attr_get_f64(f, path, "lr", &c->lr));
    MM_TRY(mm_h5_attr_get_f64(f, path, "loss_sum", &c->loss_sum));
    if (get_string(f, "input_file", c->input_file, sizeof c->input_file) != MM_OK ||
        get_string(f, "input_dataset", c->input_dataset, sizeof c->input_dataset) != MM_OK ||
        get_string(f, "input_type", c->input_type, sizeof c->input_type) != MM_OK)
        return mm_fail(MM_ERR_INPUT, "%s: the input's fingerprint is missing", path);
    if (c->d.K < 1 || c->d.M < 1 || c->d.N < 1 || c->d.L < 1)
        return mm_fail(MM_ERR_INPUT, "%s: damaged checkpoint (shape %d x %d x %d)", path, c->d.K,
                       c->d.M, c->d.N);
    return MM_OK;
}

mm_status mm_checkpoint_read(const char *path, mm_checkpoint *c)
{
    memset(c, 0, sizeof *c);
    mm_h5_quiet();
    if (H5Fis_hdf5(path) <= 0)
        return mm_fail(MM_ERR_INPUT, "%s: not a readable HDF5 file (damaged or truncated?); "
                       "remove it or pass --restart", path);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return mm_fail(MM_ERR_INPUT, "%s: cannot be opened (damaged or truncated?); remove it "
                       "or pass --restart", path);

    mm_status st = read_attributes(f, path, c);
    size_t nw = (size_t)c->d.K * c->d.M * c->d.N;
    if (st == MM_OK)
        st = read_array(f, path, "dictionaries", nw, &c->W);
    if (st == MM_OK)
        st = read_array(f, path, "prior_logits", (size_t)c->d.K, &c->b);
    if (st == MM_OK)
        st = read_array(f, path, "adam_m", nw, &c->adam_m);
    if (st == MM_OK)
        st = read_array(f, path, "adam_v", nw, &c->adam_v);
    if (st == MM_OK)
        st = read_array(f, path, "prior_adam_m", (size_t)c->d.K, &c->prior_m);
    if (st == MM_OK)
        st = read_array(f, path, "prior_adam_v", (size_t)c->d.K, &c->prior_v);
    H5Fclose(f);
    if (st != MM_OK)
        mm_checkpoint_free(c);
    return st;
}

int mm_checkpoint_unfinished(const char *path)
{
    mm_h5_quiet();
    if (H5Fis_hdf5(path) <= 0)
        return -1;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return -1;
    int64_t finished = 0;
    int rc = H5Aexists(f, "finished") > 0 &&
             mm_h5_attr_get_i64(f, path, "finished", &finished) == MM_OK;
    H5Fclose(f);
    if (!rc)
        return -1;
    return finished ? 0 : 1;
}

void mm_checkpoint_free(mm_checkpoint *c)
{
    free(c->W);
    free(c->b);
    free(c->adam_m);
    free(c->adam_v);
    free(c->prior_m);
    free(c->prior_v);
    c->W = c->b = c->adam_m = c->adam_v = c->prior_m = c->prior_v = NULL;
}
