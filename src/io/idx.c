/*
 * IDX reader. zlib's gzread passes plain files through unchanged, so one
 * path reads both the .gz files Debian ships and uncompressed copies. The
 * whole file is held in memory: IDX data sets are small enough for that.
 */
#include "io/idx.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int type_size(int type)
{
    switch (type) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    }
    return 0;
}

/* Big-endian element i of raw as float. */
static float element(const unsigned char *raw, int type, size_t i)
{
    int sz = type_size(type);
    const unsigned char *p = raw + i * sz;
    uint64_t u = 0;
    for (int k = 0; k < sz; k++)
        u = (u << 8) | p[k];

    switch (type) {
    case 0x08: return (float)(uint8_t)u;
    case 0x09: return (float)(int8_t)u;
    case 0x0B: return (float)(int16_t)u;
    case 0x0C: return (float)(int32_t)u;
    case 0x0D: { uint32_t w = (uint32_t)u; float f; memcpy(&f, &w, 4); return f; }
    default: { double d; memcpy(&d, &u, 8); return (float)d; }
    }
}

static mm_status read_header(gzFile gz, const char *path, mm_idx *out)
{
    unsigned char magic[4];
    if (gzread(gz, magic, 4) != 4 || magic[0] != 0 || magic[1] != 0 || !type_size(magic[2]) ||
        magic[3] < 1 || magic[3] > 8)
        return mm_fail(MM_ERR_INPUT, "%s: not an IDX file (bad magic number)", path);
    out->type = magic[2];
    out->ndim = magic[3];

    out->count = 1;
    for (int i = 0; i < out->ndim; i++) {
        unsigned char b[4];
        if (gzread(gz, b, 4) != 4)
            return mm_fail(MM_ERR_INPUT, "%s: IDX header ends early", path);
        out->dims[i] = ((int64_t)b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
        out->count *= (size_t)out->dims[i];
    }
    return MM_OK;
}

mm_status mm_idx_read(const char *path, mm_idx *out)
{
    memset(out, 0, sizeof *out);
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return mm_fail(MM_ERR_INPUT, "%s: cannot open", path);

    mm_status st = read_header(gz, path, out);
    unsigned char *raw = NULL;
    if (st == MM_OK) {
        size_t bytes = out->count * type_size(out->type);
        raw = mm_alloc(bytes, "an IDX file");
        size_t got = 0;
        while (got < bytes) {
            unsigned chunk = bytes - got > (1u << 30) ? (1u << 30) : (unsigned)(bytes - got);
            int r = gzread(gz, raw + got, chunk);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        if (got != bytes)
            st = mm_fail(MM_ERR_INPUT, "%s: expected %zu bytes of data, found %zu (truncated?)",
                         path, bytes, got);
    }
    gzclose(gz);

    if (st == MM_OK) {
        out->values = mm_alloc(out->count * sizeof *out->values, "IDX values");
        for (size_t i = 0; i < out->count; i++)
            out->values[i] = element(raw, out->type, i);
    }
    free(raw);
    return st;
}

void mm_idx_free(mm_idx *idx)
{
    free(idx->values);
    idx->values = NULL;
}
