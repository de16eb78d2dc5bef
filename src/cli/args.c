/*
 * The flag parser behind every subcommand. Numbers must parse completely
 * ("1e-3" yes, "1e-3x" no) and lie within the table's limits; every problem
 * is reported as one line naming the flag, what it expects and what it got.
 */
#include "cli/args.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "par/par.h"

static mm_status parse_number(const mm_arg *a, const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
        return mm_fail(MM_ERR_USAGE, "%s: expected a number, found '%s'", a->name, text);
    if (a->kind != ARG_REAL && v != floor(v))
        return mm_fail(MM_ERR_USAGE, "%s: expected a whole number, found '%s'", a->name, text);

    int has_limits = a->min != 0 || a->max != 0;
    if (has_limits && (a->min_exclusive ? v <= a->min : v < a->min))
        return mm_fail(MM_ERR_USAGE, "%s: expected a value %s %g, found %s", a->name,
                       a->min_exclusive ? ">" : ">=", a->min, text);
    if (has_limits && a->max > a->min && v > a->max)
        return mm_fail(MM_ERR_USAGE, "%s: expected a value <= %g, found %s", a->name, a->max,
                       text);
    *out = v;
    return MM_OK;
}

static mm_status store(mm_arg *a, const char *text)
{
    double v = 0;
    switch (a->kind) {
    case ARG_TEXT:
        *(const char **)a->dest = text;
        return MM_OK;
    case ARG_CHOICE:
        for (int i = 0; a->choices[i]; i++)
            if (strcmp(a->choices[i], text) == 0) {
                *(int *)a->dest = i;
                return MM_OK;
            }
        return mm_fail(MM_ERR_USAGE, "%s: unknown choice '%s'", a->name, text);
    default:
        break;
    }

    MM_TRY(parse_number(a, text, &v));
    if (a->kind == ARG_INT && fabs(v) > 2147483647.0)
        return mm_fail(MM_ERR_USAGE, "%s: %s is out of range", a->name, text);
    if (a->kind == ARG_U64 && v < 0)
        return mm_fail(MM_ERR_USAGE, "%s: expected a non-negative number, found %s", a->name,
                       text);
    if (a->kind == ARG_INT)
        *(int *)a->dest = (int)v;
    else if (a->kind == ARG_I64)
        *(int64_t *)a->dest = (int64_t)v;
    else if (a->kind == ARG_U64)
        *(uint64_t *)a->dest = strtoull(text, NULL, 10);
    else
        *(double *)a->dest = v;
    return MM_OK;
}

static mm_arg *find(mm_arg *table, const char *name)
{
    for (mm_arg *a = table; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

int mm_args_seen(mm_arg *table, const char *name)
{
    const mm_arg *a = find(table, name);
    return a && a->seen;
}

mm_status mm_args_parse(mm_arg *table, int argc, char **argv, int first,
                        const char **positional, int max_positional, int *n_positional)
{
    int np = 0;
    for (int i = first; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) != 0) {
            if (np >= max_positional)
                return mm_fail(MM_ERR_USAGE, "unexpected argument '%s'", argv[i]);
            positional[np++] = argv[i];
            continue;
        }

        /* --flag value, --flag=value, or a bare switch. */
        char name[128];
        const char *eq = strchr(argv[i], '=');
        size_t len = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
        snprintf(name, sizeof name, "%.*s", (int)len, argv[i]);
        mm_arg *a = find(table, name);
        if (!a)
            return mm_fail(MM_ERR_USAGE, "%s: unknown flag (see --help)", name);
        a->seen = 1;
        if (a->kind == ARG_FLAG) {
            *(int *)a->dest = 1;
            continue;
        }
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!value)
            return mm_fail(MM_ERR_USAGE, "%s: expected a value %s", a->name, a->metavar);
        MM_TRY(store(a, value));
    }

    for (mm_arg *a = table; a->name; a++)
        if (a->required && !a->seen)
            return mm_fail(MM_ERR_USAGE, "%s %s is required (see --help)", a->name, a->metavar);
    if (n_positional)
        *n_positional = np;
    return MM_OK;
}

#define MAX_SIDE 1000000 /* more values than any image or spectrum a row could hold */

/* A positive whole number at the start of text; *rest is what follows it. */
static int leading_count(const char *text, const char **rest, int *v)
{
    if (!isdigit((unsigned char)text[0]))
        return 0;
    char *end = NULL;
    errno = 0;
    long n = strtol(text, &end, 10);
    *rest = end;
    *v = (int)n;
    return errno == 0 && n >= 1 && n <= MAX_SIDE;
}

mm_status mm_args_shape(const char *flag, const char *text, int allow_plain, int *h, int *w)
{
    const char *rest = text;
    int a = 0, b = 0;
    int ok = leading_count(text, &rest, &a);
    if (ok && *rest == '\0' && allow_plain) {
        *h = 0, *w = a;
        return MM_OK;
    }
    if (ok && (*rest == 'x' || *rest == 'X') && leading_count(rest + 1, &rest, &b) &&
        *rest == '\0') {
        *h = a, *w = b;
        return MM_OK;
    }
    return mm_fail(MM_ERR_USAGE, "%s: expected HxW (an image, e.g. 28x28)%s, whole numbers "
                   "from 1 to %d, found '%s'", flag, allow_plain ? " or M (a line plot)" : "",
                   MAX_SIDE, text);
}

static void default_text(const mm_arg *a, char *buf, size_t size)
{
    buf[0] = '\0';
    if (a->required || a->kind == ARG_FLAG)
        return;
    switch (a->kind) {
    case ARG_INT: snprintf(buf, size, " (default %d)", *(int *)a->dest); break;
    case ARG_I64: snprintf(buf, size, " (default %lld)", (long long)*(int64_t *)a->dest); break;
    case ARG_U64:
        snprintf(buf, size, " (default %llu)", (unsigned long long)*(uint64_t *)a->dest);
        break;
    case ARG_REAL: snprintf(buf, size, " (default %g)", *(double *)a->dest); break;
    case ARG_TEXT:
        if (*(const char **)a->dest)
            snprintf(buf, size, " (default %s)", *(const char **)a->dest);
        break;
    case ARG_CHOICE: snprintf(buf, size, " (default %s)", a->choices[*(int *)a->dest]); break;
    default: break;
    }
}

void mm_args_help(const char *usage, const char *summary, const mm_arg *table)
{
    mm_log0("usage: %s\n\n%s\n\nflags:", usage, summary);
    for (const mm_arg *a = table; a->name; a++) {
        char left[64], def[96];
        snprintf(left, sizeof left, "%s %s", a->name, a->kind == ARG_FLAG ? "" : a->metavar);
        default_text(a, def, sizeof def);
        mm_log0("  %-24s %s%s%s", left, a->help, def, a->required ? " (required)" : "");
    }
}

int mm_args_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}
