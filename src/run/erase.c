/*
 * The corruption of the published robustness experiment: a fraction of the
 * samples each loses a fixed fraction of its values. Every sample draws from
 * its own random stream, so the erased entries depend on the seed and the
 * sample alone, never on the rank count. Each rank reads, erases and writes
 * its own block of rows.
 */
#include "run/run.h"

#include <mixmate/util.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "io/h5util.h"
#include "par/par.h"

/* Erase `count` of row i's M values, chosen uniformly without repeats, when
 * the row is one of the chosen samples. Returns 1 when it was. */
static int erase_row(const mm_erase_config *c, int64_t i, float *y, int64_t M, int64_t count,
                     int64_t *slots)
{
    mm_rng r;
    mm_rng_seed(&r, c->seed, MM_STREAM_ERASE, (uint64_t)i);
    if (mm_rng_uniform(&r) >= c->prob)
        return 0;

    /* A partial Fisher-Yates shuffle picks the first `count` slots. */
    for (int64_t m = 0; m < M; m++)
        slots[m] = m;
    for (int64_t j = 0; j < count; j++) {
        int64_t pick = j + (int64_t)mm_rng_below(&r, (uint64_t)(M - j));
        int64_t t = slots[j];
        slots[j] = slots[pick];
        slots[pick] = t;
        y[slots[j]] = NAN;
    }
    return 1;
}

static mm_status write_file(const mm_erase_config *c, const mm_shard *s)
{
    char tmp[4200];
    mm_tmp_name(tmp, sizeof tmp, c->out);
    hid_t fapl = mm_h5_fapl_mpio();
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    MM_TRY(mm_par_agree(f < 0 ? mm_fail(MM_ERR_IO, "%s: cannot create file", tmp) : MM_OK));

    /* The same collective sequence on every rank. */
    int64_t dims[2] = {s->n, s->M};
    mm_status st = mm_h5_write_block(f, "samples", H5T_NATIVE_FLOAT, 2, dims, s->lo, s->hi, s->Y);
    mm_status s2 = MM_OK, s3;
    if (s->labels)
        s2 = mm_h5_write_block(f, "labels", H5T_NATIVE_INT64, 1, dims, s->lo, s->hi, s->labels);
    s3 = mm_h5_attr_put_f64(f, "erase_prob", c->prob);
    if (s3 == MM_OK)
        s3 = mm_h5_attr_put_f64(f, "erase_frac", c->frac);
    if (s3 == MM_OK)
        s3 = mm_h5_attr_put_i64(f, "erase_seed", (int64_t)c->seed);
    herr_t rc = H5Fclose(f);
    st = st ? st : s2 ? s2 : s3;
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

mm_status mm_erase(const mm_erase_config *c)
{
    mm_shard s;
    MM_TRY(mm_outfile_prepare(c->out, c->force, "OUT"));
    mm_shard_request req = {c->in, c->samples, "/labels", 0, NULL, 0};
    MM_TRY(mm_shard_read(&req, &s));

    /* Erase, counting what went; values already missing stay missing. */
    const int64_t count = (int64_t)llround(c->frac * (double)s.M);
    int64_t *slots = mm_alloc((size_t)s.M * sizeof *slots, "erase slots");
    int64_t hit = 0;
    for (int64_t i = s.lo; i < s.hi; i++)
        hit += erase_row(c, i, s.Y + (i - s.lo) * s.M, s.M, count, slots);
    free(slots);
    mm_par_sum_i64(&hit, 1);

    mm_status st = write_file(c, &s);
    if (st == MM_OK)
        mm_log0("wrote %s: %lld of %lld samples lost %lld of %lld values each (prob %g, frac %g, "
                "seed %llu)", c->out, (long long)hit, (long long)s.n, (long long)count,
                (long long)s.M, c->prob, c->frac, (unsigned long long)c->seed);
    mm_shard_free(&s);
    return st;
}
