/*
 * mixmate/status.h - the one error path used everywhere.
 *
 * A function that can fail returns mm_status. The first failure on a process
 * records one line of text (what failed, where, expected versus found); later
 * failures on the way up keep that first, most precise, line. The command
 * layer agrees on failure across ranks and lets one rank print it.
 */
#ifndef MIXMATE_STATUS_H
#define MIXMATE_STATUS_H

#include <stddef.h>

typedef enum {
    MM_OK = 0,
    MM_ERR_USAGE = 1,    /* a flag or argument is wrong */
    MM_ERR_INPUT = 2,    /* an input file or dataset is wrong */
    MM_ERR_IO = 3,       /* reading or writing failed */
    MM_ERR_MEMORY = 4,   /* an allocation failed */
    MM_ERR_INTERNAL = 5, /* a library call failed unexpectedly */
    MM_STOPPED = 6,      /* stopped on request after a checkpoint; rerun to resume */
} mm_status;

/* Exit codes: EX_USAGE, EX_DATAERR, EX_IOERR, EX_OSERR, EX_SOFTWARE and, for
 * a checkpointed stop, EX_TEMPFAIL (75), which job scripts requeue on. */
int mm_status_exit_code(mm_status s);

/* Record a failure (only the first one sticks) and return code. */
mm_status mm_fail(mm_status code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The recorded line, or "" when none. */
const char *mm_error_message(void);
mm_status mm_error_code(void);
void mm_error_clear(void);

/* Allocate or stop the program: an out-of-memory condition is reported with
 * the buffer's purpose and size, then every rank is aborted. */
void *mm_alloc(size_t bytes, const char *what);
void *mm_calloc(size_t count, size_t size, const char *what);
/* Zeroed and aligned to a 64-byte cache line, for arrays that vector loops
 * stream through (a vector split over two lines costs two accesses).
 * Release with mm_free_aligned. */
void *mm_calloc_aligned(size_t count, size_t size, const char *what);
void mm_free_aligned(void *p);

/* Propagate a failure to the caller. */
#define MM_TRY(expr)                                                                           \
    do {                                                                                       \
        mm_status mm_try_status_ = (expr);                                                     \
        if (mm_try_status_ != MM_OK)                                                           \
            return mm_try_status_;                                                             \
    } while (0)

/* Propagate a failure to a cleanup label; `st` must be an mm_status in scope. */
#define MM_TRY_GOTO(st, expr, label)                                                           \
    do {                                                                                       \
        (st) = (expr);                                                                         \
        if ((st) != MM_OK)                                                                     \
            goto label;                                                                        \
    } while (0)

#endif
