/*
 * Text results written under a temporary name and renamed, as the HDF5
 * results are (mm_commit_file), plus the one JSON string escaper the
 * records need. JSON objects themselves are written with fprintf by their
 * owners: they are flat and small, and a generic writer would cost more
 * lines than it saves.
 */
#include "io/text_file.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "io/h5util.h"

FILE *mm_text_open(const char *path, char *tmp, size_t tmp_size)
{
    mm_tmp_name(tmp, tmp_size, path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        mm_fail(MM_ERR_IO, "%s: cannot create (%s)", tmp, strerror(errno));
    return f;
}

mm_status mm_text_commit(FILE *f, const char *tmp, const char *path)
{
    /* A full disk shows up at the flush, not at fprintf. */
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad) {
        int err = errno;
        unlink(tmp);
        return mm_fail(MM_ERR_IO, "%s: cannot write (%s)", path, strerror(err));
    }
    return mm_commit_file(tmp, path);
}

void mm_json_string(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}
