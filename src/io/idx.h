/* IDX files (the MNIST family's format), gzip-compressed or plain. */
#ifndef MIXMATE_IDX_H
#define MIXMATE_IDX_H

#include <mixmate/status.h>

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int type;         /* IDX type code: 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int,
                         0x0D float, 0x0E double */
    int ndim;
    int64_t dims[8];
    size_t count;     /* product of dims */
    float *values;    /* count values, converted to float */
} mm_idx;

/* Reads a whole file; a message names the file on any failure. */
mm_status mm_idx_read(const char *path, mm_idx *out);
void mm_idx_free(mm_idx *idx);

#endif
