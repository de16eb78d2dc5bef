/*
 * Small HDF5 helpers shared by the file modules: quiet error stacks (mixmate
 * prints its own one-line messages), the MPI-IO access property, attributes
 * and the temporary-name-then-rename discipline for result files.
 */
#ifndef MIXMATE_H5UTIL_H
#define MIXMATE_H5UTIL_H

#include <mixmate/status.h>

#include <hdf5.h>
#include <stdint.h>

/* Silence HDF5's own error printing for this process. */
void mm_h5_quiet(void);

/* A file access property list for parallel (MPI-IO) access on all ranks. */
hid_t mm_h5_fapl_mpio(void);

/* A transfer property list for collective reads and writes. */
hid_t mm_h5_dxpl_collective(void);

/* Fails with a message naming path when it is missing or not HDF5. */
mm_status mm_h5_check_readable(const char *path);

/* Attributes on an object: write, and read with a named failure. */
mm_status mm_h5_attr_put_i64(hid_t obj, const char *name, int64_t v);
mm_status mm_h5_attr_put_f64(hid_t obj, const char *name, double v);
mm_status mm_h5_attr_put_str(hid_t obj, const char *name, const char *v);
mm_status mm_h5_attr_get_i64(hid_t obj, const char *file, const char *name, int64_t *v);
mm_status mm_h5_attr_get_f64(hid_t obj, const char *file, const char *name, double *v);

/* Writes a whole dataset of a native type from one process. */
mm_status mm_h5_put_dataset(hid_t file, const char *name, hid_t type, int rank,
                            const int64_t *dims, const void *data);

/* Collective: create dataset name of the given shape in a file opened by all
 * ranks, and write this rank's rows [lo, hi) of the first dimension (all of
 * the others) from buf with one collective call. */
mm_status mm_h5_write_block(hid_t file, const char *name, hid_t type, int rank,
                            const int64_t *dims, int64_t lo, int64_t hi, const void *buf);

/* "DIR/name.tmp.XXXX": where a result is written before its rename. */
void mm_tmp_name(char *buf, size_t size, const char *final_path);

/* Rename tmp over final and sync the directory; on failure removes tmp. */
mm_status mm_commit_file(const char *tmp, const char *final_path);

#endif
