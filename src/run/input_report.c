/*
 * What the user should know about an input before trusting its results:
 * how much of it is missing, and which rows cannot be clustered at all.
 */
#include "run/run.h"

#include "par/par.h"

void mm_report_missing(const mm_shard *s, const char *path)
{
    if (s->incomplete == 0)
        return;

    double values = (double)s->n * (double)s->M;
    mm_log0("  missing   %lld values (%.2f%%) in %lld of %lld rows; those rows are encoded "
            "on their observed values", (long long)s->missing, 100.0 * (double)s->missing / values,
            (long long)s->incomplete, (long long)s->n);
    if (s->empty > 0)
        mm_log0("warning: %s: %lld rows have no observed value (the first is row %lld); they "
                "get cluster -1 and are left out of every figure", path, (long long)s->empty,
                (long long)s->first_empty);
}
