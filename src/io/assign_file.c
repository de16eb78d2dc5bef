/*
 * Collective writing of assignments: one file created by all ranks through
 * MPI-IO, each writing its own block of rows with one collective call per
 * dataset. The file appears under its final name only once complete.
 */
#include "io/assign_file.h"

#include <stdio.h>
#include <unistd.h>

#include "io/h5util.h"
#include "par/par.h"

static mm_status write_block(hid_t f, const char *name, hid_t type, const mm_assignments *a,
                             int cols, const void *buf)
{
    int64_t dims[2] = {a->n, cols};
    return mm_h5_write_block(f, name, type, cols ? 2 : 1, dims, a->lo, a->hi, buf);
}

mm_status mm_assignments_write(const char *path, const mm_assignments *a)
{
    char tmp[4200];
    mm_tmp_name(tmp, sizeof tmp, path);
    mm_h5_quiet();

    hid_t fapl = mm_h5_fapl_mpio();
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    MM_TRY(mm_par_agree(f < 0 ? mm_fail(MM_ERR_IO, "%s: cannot create file", tmp) : MM_OK));

    /* Every rank makes the same sequence of collective calls, even after a failure. */
    mm_status st = write_block(f, "cluster", H5T_NATIVE_INT32, a, 0, a->cluster);
    mm_status s2 = write_block(f, "probability", H5T_NATIVE_FLOAT, a, a->K, a->probability);
    mm_status s3 = write_block(f, "energy", H5T_NATIVE_FLOAT, a, a->K, a->energy);
    mm_status s4 = MM_OK, s5 = MM_OK, s6 = MM_OK;
    if (a->reconstruction)
        s4 = write_block(f, "reconstruction", H5T_NATIVE_FLOAT, a, a->M, a->reconstruction);
    if (a->code) {
        s5 = write_block(f, "code", H5T_NATIVE_FLOAT, a, a->N, a->code);
        s6 = write_block(f, "code_cluster", H5T_NATIVE_INT32, a, 0, a->cluster);
    }
    if (H5Fclose(f) < 0)
        st = mm_fail(MM_ERR_IO, "%s: cannot close file", tmp);
    mm_status all[] = {st, s2, s3, s4, s5, s6};
    for (int i = 1; i < 6 && st == MM_OK; i++)
        st = all[i];
    st = mm_par_agree(st);
    if (st != MM_OK) {
        if (mm_rank() == 0)
            unlink(tmp);
        return st;
    }

    /* Only a complete file takes the final name. */
    return mm_par_agree(mm_rank() == 0 ? mm_commit_file(tmp, path) : MM_OK);
}
