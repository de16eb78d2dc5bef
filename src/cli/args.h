/*
 * Table-driven flag parsing: a command lists its flags once, with their type,
 * destination, default shown in help, and limits; parsing, checking and
 * --help text all come from that table.
 */
#ifndef MIXMATE_ARGS_H
#define MIXMATE_ARGS_H

#include <mixmate/status.h>

#include <stdint.h>

typedef enum { ARG_INT, ARG_I64, ARG_U64, ARG_REAL, ARG_TEXT, ARG_FLAG, ARG_CHOICE } mm_arg_kind;

typedef struct {
    const char *name;            /* "--clusters" */
    mm_arg_kind kind;
    void *dest;                  /* int, int64_t, uint64_t, double, const char *, int, int */
    const char *metavar;         /* "K" */
    const char *help;
    int required;
    double min, max;             /* numeric limits, inclusive; both 0 = none */
    int min_exclusive;           /* min is a strict bound (eta > 0) */
    const char *const *choices;  /* ARG_CHOICE: NULL-terminated; dest gets the index */
    int seen;                    /* set by the parser */
} mm_arg;

/* Parse argv[first..argc) against table; words not starting with "--" go to
 * positional (up to max_positional). Fails with a line naming the flag. */
mm_status mm_args_parse(mm_arg *table, int argc, char **argv, int first,
                        const char **positional, int max_positional, int *n_positional);

/* Usage text for a command, from its table; printed by rank 0. */
void mm_args_help(const char *usage, const char *summary, const mm_arg *table);

/* Parse "HxW" (or, with allow_plain, "M", giving *h = 0 and *w = M): whole
 * numbers from 1 to 1000000. Fails with a line naming the flag. */
mm_status mm_args_shape(const char *flag, const char *text, int allow_plain, int *h, int *w);

/* 1 when the last parse saw the flag called name on the command line. */
int mm_args_seen(mm_arg *table, const char *name);

/* 1 when argv holds --help or -h. */
int mm_args_wants_help(int argc, char **argv);

#endif
