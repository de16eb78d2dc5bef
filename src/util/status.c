/*
 * Error recording. One message per process: the first failure is the one
 * closest to the cause, so later failures on the way up do not overwrite it.
 */
#include <mixmate/status.h>

#include <mpi.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char g_message[1024];
static mm_status g_code = MM_OK;

int mm_status_exit_code(mm_status s)
{
    switch (s) {
    case MM_OK: return 0;
    case MM_ERR_USAGE: return 64;
    case MM_ERR_INPUT: return 65;
    case MM_ERR_IO: return 74;
    case MM_ERR_MEMORY: return 71;
    case MM_ERR_INTERNAL: return 70;
    case MM_STOPPED: return 75;
    }
    return 70;
}

mm_status mm_fail(mm_status code, const char *fmt, ...)
{
    if (g_code != MM_OK)
        return code;

    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_message, sizeof g_message, fmt, ap);
    va_end(ap);
    g_code = code;
    return code;
}

const char *mm_error_message(void) { return g_message; }

mm_status mm_error_code(void) { return g_code; }

void mm_error_clear(void)
{
    g_message[0] = '\0';
    g_code = MM_OK;
}

static void out_of_memory(size_t bytes, const char *what)
{
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    fprintf(stderr, "mixmate: error: rank %d: out of memory allocating %.1f MiB for %s\n", rank,
            (double)bytes / (1 << 20), what);
    MPI_Abort(MPI_COMM_WORLD, 71);
}

void *mm_alloc(size_t bytes, const char *what)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p)
        out_of_memory(bytes, what);
    return p;
}

void *mm_calloc(size_t count, size_t size, const char *what)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size, what);
    return p;
}

void *mm_calloc_aligned(size_t count, size_t size, const char *what)
{
    /* calloc leaves fresh pages untouched (they cost no memory until used);
     * the line before the aligned block keeps calloc's pointer for the free. */
    size_t bytes = (count ? count : 1) * (size ? size : 1);
    char *raw = calloc(bytes + 64, 1);
    if (!raw)
        out_of_memory(bytes, what);
    char *p = raw + 64 - (uintptr_t)raw % 64;
    memcpy(p - sizeof raw, &raw, sizeof raw);
    return p;
}

void mm_free_aligned(void *p)
{
    char *raw;
    if (!p)
        return;
    memcpy(&raw, (char *)p - sizeof raw, sizeof raw);
    free(raw);
}
