/*
 * HDF5 helpers. Result files are written under a temporary name and renamed
 * into place, so a run that fails or is killed never leaves a half-written
 * model or assignment file where a user would read it.
 */
#define _POSIX_C_SOURCE 200809L
#include "io/h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void mm_h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

hid_t mm_h5_fapl_mpio(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
    return fapl;
}

hid_t mm_h5_dxpl_collective(void)
{
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
    return dxpl;
}

mm_status mm_h5_check_readable(const char *path)
{
    if (access(path, R_OK) != 0)
        return mm_fail(MM_ERR_INPUT, "%s: cannot read file (%s)", path, strerror(errno));
    if (H5Fis_hdf5(path) <= 0)
        return mm_fail(MM_ERR_INPUT, "%s: not an HDF5 file", path);
    return MM_OK;
}

static mm_status attr_put(hid_t obj, const char *name, hid_t type, const void *v)
{
    hid_t space = H5Screate(H5S_SCALAR);
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = attr < 0 ? -1 : H5Awrite(attr, type, v);
    if (attr >= 0)
        H5Aclose(attr);
    H5Sclose(space);
    return rc < 0 ? mm_fail(MM_ERR_IO, "cannot write attribute %s", name) : MM_OK;
}

mm_status mm_h5_attr_put_i64(hid_t obj, const char *name, int64_t v)
{
    return attr_put(obj, name, H5T_NATIVE_INT64, &v);
}

mm_status mm_h5_attr_put_f64(hid_t obj, const char *name, double v)
{
    return attr_put(obj, name, H5T_NATIVE_DOUBLE, &v);
}

mm_status mm_h5_attr_put_str(hid_t obj, const char *name, const char *v)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, strlen(v) + 1);
    H5Tset_strpad(type, H5T_STR_NULLTERM);
    mm_status st = attr_put(obj, name, type, v);
    H5Tclose(type);
    return st;
}

static mm_status attr_get(hid_t obj, const char *file, const char *name, hid_t type, void *v)
{
    if (H5Aexists(obj, name) <= 0)
        return mm_fail(MM_ERR_INPUT, "%s: attribute %s is missing", file, name);
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    herr_t rc = attr < 0 ? -1 : H5Aread(attr, type, v);
    if (attr >= 0)
        H5Aclose(attr);
    return rc < 0 ? mm_fail(MM_ERR_INPUT, "%s: attribute %s is not a number", file, name) : MM_OK;
}

mm_status mm_h5_attr_get_i64(hid_t obj, const char *file, const char *name, int64_t *v)
{
    return attr_get(obj, file, name, H5T_NATIVE_INT64, v);
}

mm_status mm_h5_attr_get_f64(hid_t obj, const char *file, const char *name, double *v)
{
    return attr_get(obj, file, name, H5T_NATIVE_DOUBLE, v);
}

mm_status mm_h5_put_dataset(hid_t file, const char *name, hid_t type, int rank,
                            const int64_t *dims, const void *data)
{
    hsize_t hd[4];
    for (int i = 0; i < rank; i++)
        hd[i] = (hsize_t)dims[i];

    hid_t space = H5Screate_simple(rank, hd, NULL);
    hid_t set = H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = set < 0 ? -1 : H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    if (set >= 0)
        H5Dclose(set);
    H5Sclose(space);
    return rc < 0 ? mm_fail(MM_ERR_IO, "cannot write dataset %s", name) : MM_OK;
}

mm_status mm_h5_write_block(hid_t file, const char *name, hid_t type, int rank,
                            const int64_t *dims, int64_t lo, int64_t hi, const void *buf)
{
    hsize_t hd[4], start[4] = {0}, count[4];
    for (int i = 0; i < rank; i++)
        hd[i] = count[i] = (hsize_t)dims[i];
    start[0] = (hsize_t)lo;
    count[0] = (hsize_t)(hi - lo);

    hid_t fspace = H5Screate_simple(rank, hd, NULL);
    hid_t set = H5Dcreate2(file, name, type, fspace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t mspace = H5Screate_simple(rank, count, NULL);
    hid_t dxpl = mm_h5_dxpl_collective();
    H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
    if (hi <= lo) {
        H5Sselect_none(fspace);
        H5Sselect_none(mspace);
    }
    herr_t rc = set < 0 ? -1 : H5Dwrite(set, type, mspace, fspace, dxpl, buf);

    H5Pclose(dxpl);
    H5Sclose(mspace);
    if (set >= 0)
        H5Dclose(set);
    H5Sclose(fspace);
    return rc < 0 ? mm_fail(MM_ERR_IO, "cannot write dataset %s", name) : MM_OK;
}

void mm_tmp_name(char *buf, size_t size, const char *final_path)
{
    snprintf(buf, size, "%s.tmp", final_path);
}

mm_status mm_commit_file(const char *tmp, const char *final_path)
{
    /* Data first, then the name, then the directory entry. */
    int fd = open(tmp, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    if (rename(tmp, final_path) != 0) {
        int err = errno;
        unlink(tmp);
        return mm_fail(MM_ERR_IO, "%s: cannot rename into place (%s)", final_path, strerror(err));
    }

    char dir[4096];
    snprintf(dir, sizeof dir, "%s", final_path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return MM_OK;
}
