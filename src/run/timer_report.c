/*
 * The timer report at the end of a command: every rank's timer totals are
 * reduced to the min and max (each with its rank), the mean and the spread
 * (standard deviation over ranks); rank 0 prints one table and writes the
 * same figures to timers.json. Calls, totals and means per call are rank 0's
 * own. The reduction is three small collectives, once per run.
 */
#include "run/report.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>

#include "io/text_file.h"
#include "par/par.h"
#include "util/timers.h"

typedef struct {
    double total[MM_T_COUNT], mean[MM_T_COUNT], spread[MM_T_COUNT];
    double min[MM_T_COUNT], max[MM_T_COUNT];
    int min_rank[MM_T_COUNT], max_rank[MM_T_COUNT];
    int64_t calls[MM_T_COUNT];
    int used[MM_T_COUNT]; /* some rank started it */
} timer_stats;

static void reduce(timer_stats *s)
{
    double sum[2 * MM_T_COUNT];
    int64_t calls[MM_T_COUNT];
    for (int t = 0; t < MM_T_COUNT; t++) {
        s->total[t] = mm_timer_slots[t].total_s;
        s->calls[t] = calls[t] = mm_timer_slots[t].calls;
        sum[t] = s->total[t];
        sum[MM_T_COUNT + t] = s->total[t] * s->total[t];
    }

    /* Mean and spread from the sums of totals and their squares. */
    mm_par_sum_double(sum, 2 * MM_T_COUNT);
    mm_par_max_i64(calls, MM_T_COUNT);
    mm_par_minmax_loc_n(s->total, MM_T_COUNT, s->min, s->min_rank, s->max, s->max_rank);
    const double P = mm_nranks();
    for (int t = 0; t < MM_T_COUNT; t++) {
        s->mean[t] = sum[t] / P;
        double var = sum[MM_T_COUNT + t] / P - s->mean[t] * s->mean[t];
        s->spread[t] = var > 0 ? sqrt(var) : 0.0;
        s->used[t] = calls[t] > 0;
    }
}

static int depth(mm_timer t)
{
    int d = 0;
    for (mm_timer p = mm_timer_parent(t); p != MM_T_COUNT; p = mm_timer_parent(p))
        d++;
    return d;
}

/* A phase of the step as a share of the step, or -1 for timers outside it. */
static double share_of_step(const timer_stats *s, mm_timer t)
{
    double step = s->total[MM_T_STEP];
    int in_step = t == MM_T_STEP || mm_timer_parent(t) == MM_T_STEP;
    return in_step && step > 0 ? s->total[t] / step : -1;
}

static double share_of_total(const timer_stats *s, mm_timer t)
{
    double total = s->total[MM_T_TOTAL];
    return total > 0 ? s->total[t] / total : 0;
}

static void print_table(const timer_stats *s)
{
    if (!mm_timers_enabled()) {
        mm_log0("timers: compiled out (build with -DMIXMATE_TIMERS=ON to measure phases)");
        return;
    }
    mm_log0("timers: calls, total and mean per call on rank 0; each total across the %d "
            "ranks", mm_nranks());
    mm_log0("%-14s %7s %10s %10s %7s %7s | %10s %5s %10s %5s %10s %9s", "timer", "calls",
            "total s", "mean ms", "% total", "% step", "min s", "rank", "max s", "rank",
            "mean s", "spread s");
    for (int t = 0; t < MM_T_COUNT; t++) {
        if (!s->used[t])
            continue;
        char name[32], step[16] = "-";
        snprintf(name, sizeof name, "%*s%s", 2 * depth(t), "", mm_timer_name(t));
        if (share_of_step(s, t) >= 0)
            snprintf(step, sizeof step, "%.1f", 100 * share_of_step(s, t));
        double per_call = s->calls[t] > 0 ? 1e3 * s->total[t] / s->calls[t] : 0;
        mm_log0("%-14s %7lld %10.3f %10.3f %7.1f %7s | %10.3f %5d %10.3f %5d %10.3f %9.3f",
                name, (long long)s->calls[t], s->total[t], per_call,
                100 * share_of_total(s, t), step, s->min[t], s->min_rank[t], s->max[t],
                s->max_rank[t], s->mean[t], s->spread[t]);
    }
}

static void write_timer(FILE *f, const timer_stats *s, mm_timer t)
{
    mm_timer parent = mm_timer_parent(t);
    fprintf(f, "    {\"name\": \"%s\", \"parent\": ", mm_timer_name(t));
    mm_json_string(f, parent == MM_T_COUNT ? NULL : mm_timer_name(parent));
    fprintf(f, ", \"calls\": %lld, \"total_s\": %.9g, \"mean_s\": %.9g, "
            "\"share_of_total\": %.9g, \"share_of_step\": ", (long long)s->calls[t],
            s->total[t], s->calls[t] > 0 ? s->total[t] / s->calls[t] : 0.0,
            share_of_total(s, t));
    if (share_of_step(s, t) >= 0)
        fprintf(f, "%.9g", share_of_step(s, t));
    else
        fputs("null", f);
    fprintf(f, ",\n     \"ranks\": {\"min_s\": %.9g, \"min_rank\": %d, \"max_s\": %.9g, "
            "\"max_rank\": %d, \"mean_s\": %.9g, \"spread_s\": %.9g}}", s->min[t],
            s->min_rank[t], s->max[t], s->max_rank[t], s->mean[t], s->spread[t]);
}

static mm_status write_json(const char *path, const timer_stats *s, const mm_timer_work *w)
{
    char tmp[4200];
    FILE *f = mm_text_open(path, tmp, sizeof tmp);
    if (!f)
        return MM_ERR_IO;

    fprintf(f, "{\n  \"command\": \"%s\",\n  \"ranks\": %d,\n  \"threads_per_rank\": %d,\n"
            "  \"timers_compiled\": %s,\n", w->command, mm_nranks(), omp_get_max_threads(),
            mm_timers_enabled() ? "true" : "false");
    double epochs = w->steps_per_epoch > 0 ? (double)w->steps / w->steps_per_epoch : 0;
    fprintf(f, "  \"work\": {\"steps\": %lld, \"steps_per_epoch\": %lld, \"epochs\": %.6g, "
            "\"samples\": %lld, \"batch\": %d, \"local_batch_rank0\": %d},\n"
            "  \"timers\": [\n", (long long)w->steps, (long long)w->steps_per_epoch, epochs,
            (long long)w->samples, w->batch, w->local_batch);
    for (int t = 0; t < MM_T_COUNT; t++) {
        write_timer(f, s, (mm_timer)t);
        fputs(t + 1 < MM_T_COUNT ? ",\n" : "\n", f);
    }
    fputs("  ]\n}\n", f);
    return mm_text_commit(f, tmp, path);
}

mm_status mm_timers_report(const char *path, const mm_timer_work *w)
{
    timer_stats s;
    reduce(&s);
    print_table(&s);

    mm_status st = MM_OK;
    if (path && mm_rank() == 0)
        st = write_json(path, &s, w);
    return mm_par_agree(st);
}
