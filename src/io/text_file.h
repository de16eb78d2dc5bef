/*
 * Small text results (run.json, timers.json) written safely: to a temporary
 * name first, then renamed into place, so a reader never sees half a file.
 */
#ifndef MIXMATE_TEXT_FILE_H
#define MIXMATE_TEXT_FILE_H

#include <mixmate/status.h>

#include <stdio.h>

/* Not collective: open the temporary file for path (its name goes to tmp).
 * Returns NULL after recording a failure that names path. */
FILE *mm_text_open(const char *path, char *tmp, size_t tmp_size);

/* Not collective: close f and rename tmp over path. A failed write or close
 * removes tmp and is recorded naming path. */
mm_status mm_text_commit(FILE *f, const char *tmp, const char *path);

/* Write s as a JSON string: quoted, with quotes, backslashes and control
 * characters escaped. NULL is written as null. */
void mm_json_string(FILE *f, const char *s);

#endif
