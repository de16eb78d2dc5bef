/*
 * Writing and reading model.h5. The file is small (K M N floats), so rank 0
 * does all of the I/O and a broadcast hands the model to the other ranks,
 * rather than every rank opening the file at once.
 */
#include "io/model_file.h"

#include <stdlib.h>
#include <string.h>

#include "io/h5util.h"
#include "par/par.h"

void mm_model_alloc(mm_model *m, const mm_dims *d)
{
    m->d = *d;
    m->W = mm_calloc((size_t)d->K * d->M * d->N, sizeof *m->W, "dictionaries");
    m->b = mm_calloc((size_t)d->K, sizeof *m->b, "prior logits");
}

void mm_model_free(mm_model *m)
{
    free(m->W);
    free(m->b);
    m->W = m->b = NULL;
}

static mm_status put_settings(hid_t f, const mm_model *m, const mm_train_config *c,
                              const mm_shard *data, int epochs_done)
{
    MM_TRY(mm_h5_attr_put_i64(f, "clusters", m->d.K));
    MM_TRY(mm_h5_attr_put_i64(f, "features", m->d.M));
    MM_TRY(mm_h5_attr_put_i64(f, "atoms", m->d.N));
    MM_TRY(mm_h5_attr_put_i64(f, "layers", m->d.L));
    MM_TRY(mm_h5_attr_put_f64(f, "lambda", m->d.lambda));
    MM_TRY(mm_h5_attr_put_f64(f, "step", m->d.eta));
    MM_TRY(mm_h5_attr_put_f64(f, "lr", c->lr));
    MM_TRY(mm_h5_attr_put_i64(f, "batch", c->batch));
    MM_TRY(mm_h5_attr_put_i64(f, "epochs", c->epochs));
    MM_TRY(mm_h5_attr_put_i64(f, "epochs_done", epochs_done));
    MM_TRY(mm_h5_attr_put_i64(f, "seed", (int64_t)c->seed));
    MM_TRY(mm_h5_attr_put_str(f, "init", mm_init_names[c->init]));
    MM_TRY(mm_h5_attr_put_i64(f, "init_subset", c->init_subset));
    MM_TRY(mm_h5_attr_put_i64(f, "kmeans_restarts", c->kmeans_restarts));
    MM_TRY(mm_h5_attr_put_i64(f, "knn", c->knn));
    MM_TRY(mm_h5_attr_put_str(f, "affinity", mm_affinity_names[c->affinity]));
    MM_TRY(mm_h5_attr_put_i64(f, "ssc_nonzero", c->ssc_nonzero));
    MM_TRY(mm_h5_attr_put_str(f, "init_features", mm_features_names[c->init_features]));
    MM_TRY(mm_h5_attr_put_i64(f, "image_height", c->image_h));
    MM_TRY(mm_h5_attr_put_i64(f, "image_width", c->image_w));
    MM_TRY(mm_h5_attr_put_i64(f, "init_pca", c->init_pca));
    MM_TRY(mm_h5_attr_put_i64(f, "learn_prior", c->learn_prior));
    MM_TRY(mm_h5_attr_put_str(f, "kernel", c->kernel == MM_KERNEL_CODE ? "code" : "data"));
    MM_TRY(mm_h5_attr_put_i64(f, "ranks", mm_nranks()));
    MM_TRY(mm_h5_attr_put_str(f, "input_file", c->data));
    MM_TRY(mm_h5_attr_put_str(f, "input_dataset", c->samples));
    MM_TRY(mm_h5_attr_put_i64(f, "input_rows", data->n));
    MM_TRY(mm_h5_attr_put_i64(f, "input_cols", data->M));
    MM_TRY(mm_h5_attr_put_str(f, "input_type", data->type));
    MM_TRY(mm_h5_attr_put_str(f, "mixmate_version", MM_VERSION " (" MM_GIT_REVISION ")"));
    return MM_OK;
}

mm_status mm_model_write(const char *path, const mm_model *m, const mm_train_config *cfg,
                         const mm_shard *data, int epochs_done)
{
    char tmp[4200];
    mm_tmp_name(tmp, sizeof tmp, path);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return mm_fail(MM_ERR_IO, "%s: cannot create file", tmp);

    int64_t dims[3] = {m->d.K, m->d.M, m->d.N};
    mm_status st = mm_h5_put_dataset(f, "dictionaries", H5T_NATIVE_FLOAT, 3, dims, m->W);
    if (st == MM_OK)
        st = mm_h5_put_dataset(f, "prior_logits", H5T_NATIVE_FLOAT, 1, dims, m->b);
    if (st == MM_OK)
        st = put_settings(f, m, cfg, data, epochs_done);
    if (H5Fclose(f) < 0 && st == MM_OK)
        st = mm_fail(MM_ERR_IO, "%s: cannot close file", tmp);

    if (st != MM_OK) {
        remove(tmp);
        return st;
    }
    return mm_commit_file(tmp, path);
}

/* Read a whole float dataset whose shape must be exactly dims. */
static int read_exact(hid_t f, const char *name, int rank, const hsize_t *dims, float *out)
{
    hid_t set = H5Dopen2(f, name, H5P_DEFAULT);
    if (set < 0)
        return -1;
    hid_t space = H5Dget_space(set);
    hsize_t have[3] = {0};
    int ok = H5Sget_simple_extent_ndims(space) == rank;
    if (ok)
        H5Sget_simple_extent_dims(space, have, NULL);
    for (int i = 0; ok && i < rank; i++)
        ok = have[i] == dims[i];
    if (ok)
        ok = H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0;
    H5Sclose(space);
    H5Dclose(set);
    return ok ? 0 : -1;
}

/* Rank 0: the shape and settings, then the arrays. */
static mm_status read_local(const char *path, mm_model *m)
{
    MM_TRY(mm_h5_check_readable(path));
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return mm_fail(MM_ERR_INPUT, "%s: cannot open as HDF5", path);

    int64_t K = 0, M = 0, N = 0, L = 0;
    mm_dims d = {0};
    mm_status st = mm_h5_attr_get_i64(f, path, "clusters", &K);
    if (st == MM_OK)
        st = mm_h5_attr_get_i64(f, path, "features", &M);
    if (st == MM_OK)
        st = mm_h5_attr_get_i64(f, path, "atoms", &N);
    if (st == MM_OK)
        st = mm_h5_attr_get_i64(f, path, "layers", &L);
    if (st == MM_OK)
        st = mm_h5_attr_get_f64(f, path, "lambda", &d.lambda);
    if (st == MM_OK)
        st = mm_h5_attr_get_f64(f, path, "step", &d.eta);
    if (st == MM_OK && (K < 1 || M < 1 || N < 1 || L < 1))
        st = mm_fail(MM_ERR_INPUT, "%s: model shape %lld x %lld x %lld, L %lld is not valid",
                     path, (long long)K, (long long)M, (long long)N, (long long)L);
    if (st == MM_OK) {
        d.K = (int)K, d.M = (int)M, d.N = (int)N, d.L = (int)L;
        mm_model_alloc(m, &d);
        hsize_t wd[3] = {(hsize_t)K, (hsize_t)M, (hsize_t)N};
        if (read_exact(f, "dictionaries", 3, wd, m->W) < 0 ||
            read_exact(f, "prior_logits", 1, wd, m->b) < 0)
            st = mm_fail(MM_ERR_INPUT, "%s: expected /dictionaries %lld x %lld x %lld and "
                         "/prior_logits %lld as its attributes say", path, (long long)K,
                         (long long)M, (long long)N, (long long)K);
    }
    H5Fclose(f);
    return st;
}

mm_status mm_model_read(const char *path, mm_model *m)
{
    memset(m, 0, sizeof *m);
    mm_h5_quiet();
    mm_status st = mm_rank() == 0 ? read_local(path, m) : MM_OK;
    st = mm_par_agree(st);
    if (st != MM_OK) {
        mm_model_free(m);
        return st;
    }

    mm_dims d = m->d;
    mm_par_bcast(&d, sizeof d, 0);
    if (mm_rank() != 0)
        mm_model_alloc(m, &d);
    mm_par_bcast(m->W, (size_t)d.K * d.M * d.N * sizeof *m->W, 0);
    mm_par_bcast(m->b, (size_t)d.K * sizeof *m->b, 0);
    return MM_OK;
}
