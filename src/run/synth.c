/*
 * Data drawn from the MixMate model itself: K random dictionaries with unit
 * columns; each sample picks a cluster uniformly, a code with `active`
 * Laplace entries on random atoms, and adds Gaussian noise. Row i draws from
 * its own random stream, so the file is the same whatever the rank count.
 */
#include "run/run.h"

#include <mixmate/util.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/h5util.h"
#include "par/par.h"

static void dictionaries(const mm_synth_config *c, float *W)
{
    mm_rng r;
    mm_rng_seed(&r, c->seed, MM_STREAM_SYNTH, 0);
    for (size_t i = 0; i < (size_t)c->K * c->M * c->N; i++)
        W[i] = (float)mm_rng_normal(&r);
    mm_normalize_columns(W, c->K, c->M, c->N);
}

/* Row i: its label, then y = W_k x + noise. */
static void draw_row(const mm_synth_config *c, const float *W, int64_t i, float *y,
                     int32_t *label, int *atoms)
{
    mm_rng r;
    mm_rng_seed(&r, c->seed, MM_STREAM_SYNTH, (uint64_t)i + 1);
    int k = (int)mm_rng_below(&r, (uint64_t)c->K);
    *label = k;

    /* A random subset of atoms: the first `active` of a partial shuffle. */
    for (int n = 0; n < c->N; n++)
        atoms[n] = n;
    for (int a = 0; a < c->active; a++) {
        int j = a + (int)mm_rng_below(&r, (uint64_t)(c->N - a));
        int tmp = atoms[a];
        atoms[a] = atoms[j];
        atoms[j] = tmp;
    }

    const float *Wk = W + (size_t)k * c->M * c->N;
    for (int m = 0; m < c->M; m++)
        y[m] = 0;
    for (int a = 0; a < c->active; a++) {
        float x = (float)mm_rng_laplace(&r);
        x = c->signed_codes ? x : fabsf(x);
        for (int m = 0; m < c->M; m++)
            y[m] += Wk[(size_t)m * c->N + atoms[a]] * x;
    }
    for (int m = 0; m < c->M; m++)
        y[m] += (float)(c->noise * mm_rng_normal(&r));
}

static mm_status write_file(const mm_synth_config *c, const float *W, int64_t lo, int64_t hi,
                            const float *Y, const int32_t *labels)
{
    char tmp[4200];
    mm_tmp_name(tmp, sizeof tmp, c->out);
    hid_t fapl = mm_h5_fapl_mpio();
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    MM_TRY(mm_par_agree(f < 0 ? mm_fail(MM_ERR_IO, "%s: cannot create file", tmp) : MM_OK));

    /* Same collective sequence on every rank; rank 0 alone writes the dictionaries. */
    int64_t ydims[2] = {c->n, c->M}, wdims[3] = {c->K, c->M, c->N};
    mm_status s1 = mm_h5_write_block(f, "samples", H5T_NATIVE_FLOAT, 2, ydims, lo, hi, Y);
    mm_status s2 = mm_h5_write_block(f, "labels", H5T_NATIVE_INT32, 1, ydims, lo, hi, labels);
    mm_status s3 = mm_h5_write_block(f, "dictionaries", H5T_NATIVE_FLOAT, 3, wdims, 0,
                                     mm_rank() == 0 ? c->K : 0, W);
    /* Attributes of a parallel file are collective: every rank writes the same. */
    mm_status s4 = mm_h5_attr_put_i64(f, "active", c->active);
    if (s4 == MM_OK)
        s4 = mm_h5_attr_put_f64(f, "noise", c->noise);
    if (s4 == MM_OK)
        s4 = mm_h5_attr_put_i64(f, "seed", (int64_t)c->seed);
    herr_t rc = H5Fclose(f);
    mm_status st = s1 ? s1 : s2 ? s2 : s3 ? s3 : s4;
    if (st == MM_OK && rc < 0)
        st = mm_fail(MM_ERR_IO, "%s: cannot close file", tmp);
    st = mm_par_agree(st);
    if (st != MM_OK) {
        if (mm_rank() == 0)
            remove(tmp);
        return st;
    }
    return mm_par_agree(mm_rank() == 0 ? mm_commit_file(tmp, c->out) : MM_OK);
}

mm_status mm_synth(const mm_synth_config *c)
{
    MM_TRY(mm_outfile_prepare(c->out, c->force, "--out"));
    int64_t lo, hi;
    mm_block_range(c->n, mm_rank(), mm_nranks(), &lo, &hi);

    float *W = mm_alloc((size_t)c->K * c->M * c->N * sizeof *W, "true dictionaries");
    float *Y = mm_alloc((size_t)(hi - lo) * c->M * sizeof *Y, "samples");
    int32_t *labels = mm_alloc((size_t)(hi - lo) * sizeof *labels, "labels");
    dictionaries(c, W);

    #pragma omp parallel
    {
        int *atoms = mm_alloc((size_t)c->N * sizeof *atoms, "atom choice");
        #pragma omp for schedule(static)
        for (int64_t i = lo; i < hi; i++)
            draw_row(c, W, i, Y + (i - lo) * c->M, labels + (i - lo), atoms);
        free(atoms);
    }

    mm_status st = write_file(c, W, lo, hi, Y, labels);
    if (st == MM_OK)
        mm_log0("wrote %s: %lld samples x %d features, %d clusters of %d atoms, %d active, "
                "noise %g, %s codes", c->out, (long long)c->n, c->M, c->K, c->N, c->active,
                c->noise,
                c->signed_codes ? "signed" : "positive");
    free(labels);
    free(Y);
    free(W);
    return st;
}
