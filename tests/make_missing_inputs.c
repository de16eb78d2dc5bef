/*
 * Writes and inspects the files of the missing-value tests, which need NaN,
 * infinities and masks that no mixmate command writes. Serial HDF5: each
 * command reads whole datasets, fine for the few hundred rows of a test.
 *
 *   mask IN OUT        OUT: IN's NaNs replaced by finite values, /mask 0 there
 *   empty IN OUT ROW.. OUT: IN with every value of the given rows NaN
 *   bad IN DIR         DIR/inf.h5 and DIR/mask_*.h5, one defect each
 *   count FILE         NaN counts of /samples, per row and in all
 *   unassigned FILE    the rows whose /cluster is -1
 *   reconstruction DATA ASSIGN MODEL [COMPLETE]  errors of /reconstruction
 *   dictionaries MODEL SOURCE    MODEL's /dictionaries replaced by SOURCE's
 */
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    hsize_t n, cols; /* rows, and values per row (all but the first dimension) */
    int rank;
    void *data;
} array;

static void die(const char *what, const char *path)
{
    fprintf(stderr, "make_missing_inputs: %s: %s\n", path, what);
    exit(1);
}

static array read_array(const char *path, const char *name, hid_t mem_type)
{
    array a = {0, 1, 0, NULL};
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        die("cannot open", path);
    hid_t set = H5Dopen2(f, name, H5P_DEFAULT);
    if (set < 0)
        die(name, path);

    hid_t space = H5Dget_space(set);
    hsize_t dims[8] = {0};
    a.rank = H5Sget_simple_extent_ndims(space);
    if (a.rank < 1 || a.rank > 8)
        die("unexpected rank", name);
    H5Sget_simple_extent_dims(space, dims, NULL);
    a.n = dims[0];
    for (int i = 1; i < a.rank; i++)
        a.cols *= dims[i];
    a.data = malloc(a.n * a.cols * H5Tget_size(mem_type) + 1);
    if (H5Dread(set, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.data) < 0)
        die(name, path);
    H5Sclose(space);
    H5Dclose(set);
    H5Fclose(f);
    return a;
}

static int has_dataset(const char *path, const char *name)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        die("cannot open", path);
    int yes = H5Lexists(f, name, H5P_DEFAULT) > 0;
    H5Fclose(f);
    return yes;
}

static void put(hid_t f, const char *name, hid_t type, hsize_t n, hsize_t cols, int rank,
                const void *data)
{
    hsize_t dims[2] = {n, cols};
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t set = H5Dcreate2(f, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (set < 0 || H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        die(name, "writing");
    H5Dclose(set);
    H5Sclose(space);
}

/* A new file holding samples and, when IN has them, IN's labels. */
static hid_t create_with(const char *path, const array *samples, const char *in)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        die("cannot create", path);
    put(f, "samples", H5T_NATIVE_FLOAT, samples->n, samples->cols, 2, samples->data);
    if (has_dataset(in, "/labels")) {
        array labels = read_array(in, "/labels", H5T_NATIVE_INT);
        put(f, "labels", H5T_NATIVE_INT, labels.n, 1, 1, labels.data);
        free(labels.data);
    }
    return f;
}

/* The finite stand-in of missing value i: any number will do, so they vary. */
static float stand_in(size_t i)
{
    return (float)((double)(i % 13) * 7.5 - 40.0);
}

static int cmd_mask(const char *in, const char *out)
{
    array s = read_array(in, "/samples", H5T_NATIVE_FLOAT);
    float *y = s.data;
    uint8_t *mask = malloc(s.n * s.cols + 1);
    for (size_t i = 0; i < s.n * s.cols; i++) {
        mask[i] = !isnan(y[i]);
        y[i] = mask[i] ? y[i] : stand_in(i);
    }

    hid_t f = create_with(out, &s, in);
    put(f, "mask", H5T_NATIVE_UINT8, s.n, s.cols, 2, mask);
    H5Fclose(f);
    free(mask);
    free(s.data);
    return 0;
}

static int cmd_empty(const char *in, const char *out, int nrows, char **rows)
{
    array s = read_array(in, "/samples", H5T_NATIVE_FLOAT);
    float *y = s.data;
    for (int j = 0; j < nrows; j++) {
        hsize_t r = strtoull(rows[j], NULL, 10);
        if (r >= s.n)
            die("row out of range", rows[j]);
        for (hsize_t m = 0; m < s.cols; m++)
            y[r * s.cols + m] = NAN;
    }
    H5Fclose(create_with(out, &s, in));
    free(s.data);
    return 0;
}

/* IN's samples with one defect: a mask of the given shape and type holding
 * 1 everywhere but one entry, which holds bad. */
static void write_bad_mask(const char *dir, const char *name, const char *in, const array *s,
                           hsize_t rows, hid_t type, int bad)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int *mask = malloc(rows * s->cols * sizeof *mask);
    for (size_t i = 0; i < rows * s->cols; i++)
        mask[i] = 1;
    mask[3 * s->cols + 2] = bad;

    hid_t f = create_with(path, s, in);
    hsize_t dims[2] = {rows, s->cols};
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t set = H5Dcreate2(f, "mask", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (set < 0 || H5Dwrite(set, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, mask) < 0)
        die("mask", path);
    H5Dclose(set);
    H5Sclose(space);
    H5Fclose(f);
    free(mask);
}

/* The infinity sits at row n - 3, column 7: on the last rank's block. */
static int cmd_bad(const char *in, const char *dir)
{
    array s = read_array(in, "/samples", H5T_NATIVE_FLOAT);
    char path[4096];
    write_bad_mask(dir, "mask_shape.h5", in, &s, s.n - 1, H5T_STD_U8LE, 1);
    write_bad_mask(dir, "mask_value.h5", in, &s, s.n, H5T_STD_U8LE, 2);
    write_bad_mask(dir, "mask_negative.h5", in, &s, s.n, H5T_STD_I8LE, -1);
    write_bad_mask(dir, "mask_float.h5", in, &s, s.n, H5T_IEEE_F32LE, 0);

    float *y = s.data;
    y[(s.n - 3) * s.cols + 7] = -INFINITY;
    snprintf(path, sizeof path, "%s/inf.h5", dir);
    H5Fclose(create_with(path, &s, in));
    free(s.data);
    return 0;
}

/* rows, incomplete rows, empty rows, NaNs, and the fewest and most NaNs of
 * an incomplete row. */
static int cmd_count(const char *path)
{
    array s = read_array(path, "/samples", H5T_NATIVE_FLOAT);
    const float *y = s.data;
    long incomplete = 0, empty = 0, nans = 0, lo = -1, hi = -1;
    for (hsize_t r = 0; r < s.n; r++) {
        long c = 0;
        for (hsize_t m = 0; m < s.cols; m++)
            c += isnan(y[r * s.cols + m]) != 0;
        if (c == 0)
            continue;
        incomplete++;
        empty += c == (long)s.cols;
        nans += c;
        lo = lo < 0 || c < lo ? c : lo;
        hi = c > hi ? c : hi;
    }
    printf("rows %llu cols %llu incomplete %ld empty %ld nan %ld min_per_row %ld "
           "max_per_row %ld\n", (unsigned long long)s.n, (unsigned long long)s.cols, incomplete,
           empty, nans, lo, hi);
    free(s.data);
    return 0;
}

static int cmd_unassigned(const char *path)
{
    array c = read_array(path, "/cluster", H5T_NATIVE_INT);
    const int *k = c.data;
    long count = 0;
    for (hsize_t i = 0; i < c.n; i++)
        count += k[i] == -1;
    printf("unassigned %ld:", count);
    for (hsize_t i = 0; i < c.n; i++)
        if (k[i] == -1)
            printf(" %llu", (unsigned long long)i);
    printf("\n");
    free(c.data);
    return 0;
}

/* Errors of one assignments file's reconstructions. */
typedef struct {
    double model_err;  /* max |reconstruction - W_k x|, k = /code_cluster */
    double observed_sq, observed_ref; /* squared error and squared data, observed entries */
    double imputed_sq, imputed_ref;   /* the same on missing entries, against the truth */
    long imputed_bad;  /* non-finite imputed values of assigned rows */
    long empty_bad;    /* rows of cluster -1 with a non-NaN reconstruction or non-zero code */
    long cluster_diff; /* rows where /code_cluster differs from /cluster */
} recon_errors;

/* Row y (NaN where missing) with its reconstruction yr, code x of cluster k
 * and, when known, its complete values t. */
static void row_errors(const float *y, const float *t, const float *yr, const float *x,
                       const float *W, int k, hsize_t M, hsize_t N, recon_errors *e)
{
    if (k < 0) {
        int bad = 0;
        for (hsize_t m = 0; m < M; m++)
            bad |= !isnan(yr[m]);
        for (hsize_t n = 0; n < N; n++)
            bad |= x[n] != 0;
        e->empty_bad += bad;
        return;
    }
    for (hsize_t m = 0; m < M; m++) {
        double w = 0;
        for (hsize_t n = 0; n < N; n++)
            w += (double)W[((hsize_t)k * M + m) * N + n] * x[n];
        e->model_err = fmax(e->model_err, fabs(w - yr[m]));
        if (!isnan(y[m])) {
            e->observed_sq += ((double)y[m] - yr[m]) * ((double)y[m] - yr[m]);
            e->observed_ref += (double)y[m] * y[m];
            continue;
        }
        e->imputed_bad += !isfinite(yr[m]);
        if (t) {
            e->imputed_sq += ((double)t[m] - yr[m]) * ((double)t[m] - yr[m]);
            e->imputed_ref += (double)t[m] * t[m];
        }
    }
}

/* The samples of a data file, NaN where the file or its mask says missing. */
static array samples_with_mask(const char *data)
{
    array s = read_array(data, "/samples", H5T_NATIVE_FLOAT);
    float *y = s.data;
    if (has_dataset(data, "/mask")) {
        array mask = read_array(data, "/mask", H5T_NATIVE_UINT8);
        for (size_t i = 0; i < s.n * s.cols; i++)
            y[i] = ((uint8_t *)mask.data)[i] ? y[i] : NAN;
        free(mask.data);
    }
    return s;
}

static int cmd_reconstruction(const char *data, const char *assign, const char *model,
                              const char *truth)
{
    array s = samples_with_mask(data);
    array t = truth ? read_array(truth, "/samples", H5T_NATIVE_FLOAT) : (array){0, 0, 0, NULL};
    array yr = read_array(assign, "/reconstruction", H5T_NATIVE_FLOAT);
    array x = read_array(assign, "/code", H5T_NATIVE_FLOAT);
    array kc = read_array(assign, "/code_cluster", H5T_NATIVE_INT);
    array kk = read_array(assign, "/cluster", H5T_NATIVE_INT);
    array W = read_array(model, "/dictionaries", H5T_NATIVE_FLOAT);
    hsize_t M = s.cols, N = x.cols;
    if (yr.n != s.n || yr.cols != M || x.n != s.n || kc.n != s.n || kc.rank != 1)
        die("shapes differ from the data's", assign);
    if (W.cols != M * N || (truth && (t.n != s.n || t.cols != M)))
        die("the model or the complete data differ from the data in shape", model);

    recon_errors e = {0};
    for (hsize_t i = 0; i < s.n; i++) {
        int k = ((int *)kc.data)[i];
        if (k >= (int)W.n)
            die("a cluster beyond the model's", assign);
        e.cluster_diff += k != ((int *)kk.data)[i];
        row_errors((float *)s.data + i * M, truth ? (float *)t.data + i * M : NULL,
                   (float *)yr.data + i * M, (float *)x.data + i * N, W.data, k, M, N, &e);
    }
    printf("rows %llu recon_cols %llu code_cols %llu model_err %.3g observed_rel_err %.4g "
           "imputed_rel_err %.4g imputed_bad %ld empty_bad %ld cluster_diff %ld\n",
           (unsigned long long)yr.n, (unsigned long long)yr.cols, (unsigned long long)N,
           e.model_err, sqrt(e.observed_sq / e.observed_ref),
           e.imputed_ref > 0 ? sqrt(e.imputed_sq / e.imputed_ref) : -1.0, e.imputed_bad,
           e.empty_bad, e.cluster_diff);

    array all[] = {s, t, yr, x, kc, kk, W};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        free(all[i].data);
    return 0;
}

/* MODEL's /dictionaries overwritten by SOURCE's, of the same shape. */
static int cmd_dictionaries(const char *model, const char *source)
{
    array want = read_array(source, "/dictionaries", H5T_NATIVE_FLOAT);
    array have = read_array(model, "/dictionaries", H5T_NATIVE_FLOAT);
    if (want.rank != have.rank || want.n != have.n || want.cols != have.cols)
        die("dictionaries of another shape", source);

    hid_t f = H5Fopen(model, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t set = f < 0 ? -1 : H5Dopen2(f, "/dictionaries", H5P_DEFAULT);
    if (set < 0 || H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, want.data) < 0)
        die("cannot write /dictionaries", model);
    H5Dclose(set);
    H5Fclose(f);
    free(have.data);
    free(want.data);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    if (!strcmp(cmd, "mask") && argc == 4)
        return cmd_mask(argv[2], argv[3]);
    if (!strcmp(cmd, "empty") && argc >= 5)
        return cmd_empty(argv[2], argv[3], argc - 4, argv + 4);
    if (!strcmp(cmd, "bad") && argc == 4)
        return cmd_bad(argv[2], argv[3]);
    if (!strcmp(cmd, "count") && argc == 3)
        return cmd_count(argv[2]);
    if (!strcmp(cmd, "unassigned") && argc == 3)
        return cmd_unassigned(argv[2]);
    if (!strcmp(cmd, "reconstruction") && (argc == 5 || argc == 6))
        return cmd_reconstruction(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
    if (!strcmp(cmd, "dictionaries") && argc == 4)
        return cmd_dictionaries(argv[2], argv[3]);
    fprintf(stderr, "usage: %s mask IN OUT | empty IN OUT ROW... | bad IN DIR | count FILE | "
            "unassigned FILE | reconstruction DATA ASSIGN MODEL [COMPLETE_DATA] | dictionaries "
            "MODEL SOURCE\n", argv[0]);
    return 2;
}
