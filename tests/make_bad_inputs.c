/*
 * Writes the malformed input files that the error tests feed to mixmate:
 * one file per defect, each otherwise valid, into the directory argv[1].
 */
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

static void put(hid_t f, const char *name, hid_t type, int rank, const hsize_t *dims,
                const void *data)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t set = H5Dcreate2(f, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (data)
        H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    H5Dclose(set);
    H5Sclose(space);
}

static hid_t create(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    float v[6 * 4];
    int lab[6] = {0, 1, 1, 2, 2, 0};
    for (int i = 0; i < 24; i++)
        v[i] = (float)i / 24;

    /* Samples of rank 1. */
    hid_t f = create(dir, "rank1.h5");
    put(f, "samples", H5T_NATIVE_FLOAT, 1, (hsize_t[]){12}, v);
    H5Fclose(f);

    /* Strings instead of numbers. */
    f = create(dir, "strings.h5");
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, 4);
    char text[3 * 2][4] = {"a", "b", "c", "d", "e", "f"};
    put(f, "samples", str, 2, (hsize_t[]){3, 2}, text);
    H5Tclose(str);
    H5Fclose(f);

    /* No rows. */
    f = create(dir, "empty.h5");
    put(f, "samples", H5T_NATIVE_FLOAT, 2, (hsize_t[]){0, 4}, NULL);
    H5Fclose(f);

    /* Three rows (fewer than four ranks), valid otherwise. */
    f = create(dir, "three.h5");
    put(f, "samples", H5T_NATIVE_FLOAT, 2, (hsize_t[]){3, 4}, v);
    put(f, "labels", H5T_NATIVE_INT, 1, (hsize_t[]){3}, lab);
    H5Fclose(f);

    /* Labels of the wrong length. */
    f = create(dir, "badlabels.h5");
    put(f, "samples", H5T_NATIVE_FLOAT, 2, (hsize_t[]){6, 4}, v);
    put(f, "labels", H5T_NATIVE_INT, 1, (hsize_t[]){5}, lab);
    H5Fclose(f);

    /* Not bad: bytes and 16-bit labels, which every reader must convert. */
    unsigned char bytes[8 * 4];
    short small_labels[8];
    for (int i = 0; i < 32; i++)
        bytes[i] = (unsigned char)(i * 7 % 256);
    for (int i = 0; i < 8; i++)
        small_labels[i] = (short)(i % 2);
    f = create(dir, "bytes.h5");
    put(f, "samples", H5T_NATIVE_UCHAR, 2, (hsize_t[]){8, 4}, bytes);
    put(f, "labels", H5T_NATIVE_SHORT, 1, (hsize_t[]){8}, small_labels);
    H5Fclose(f);

    /* An infinite value. */
    v[5] = 1.0f / 0.0f;
    f = create(dir, "inf.h5");
    put(f, "samples", H5T_NATIVE_FLOAT, 2, (hsize_t[]){6, 4}, v);
    H5Fclose(f);
    return 0;
}
