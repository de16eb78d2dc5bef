/*
 * What a run leaves behind for a scaling study: the timer table and
 * timers.json (timer_report.c), and the run record run.json with the
 * machine, the build and the configuration (run_record.c, config_json.c).
 * All are collective; only rank 0 prints and writes.
 */
#ifndef MIXMATE_RUN_REPORT_H
#define MIXMATE_RUN_REPORT_H

#include <mixmate/mixmate.h>

#include <stdio.h>

/* ---- timers across ranks (timer_report.c) ---- */

typedef struct {
    const char *command;  /* "train" or "assign" */
    int64_t steps;        /* training steps taken by this process */
    int64_t steps_per_epoch;
    int64_t samples;      /* samples stepped on (steps x batch), or rows encoded */
    int batch;            /* global batch */
    int local_batch;      /* rank 0's share of it */
} mm_timer_work;

/* Collective: reduce every timer over the ranks, print the table on rank 0
 * and, when path is not NULL, write the same figures there as JSON. */
mm_status mm_timers_report(const char *path, const mm_timer_work *w);

/* ---- the run record (run_record.c) ---- */

typedef void (*mm_config_writer)(FILE *f, const void *config);

typedef struct {
    char path[4200];
    const char *command;
    mm_config_writer write_config;
    const void *config;
    char start[32];       /* UTC, ISO 8601 */
    double t0;
    double load_start[3]; /* load averages of rank 0's host at the start, or -1 */
    int resumed;
    int written;          /* the run started: the record is on disk */
    int64_t rows, features; /* the input's shape */
    char *hosts;          /* rank 0: ranks x MM_HOST_WIDTH host names */
    int *per_rank;        /* rank 0: ranks x 2: online CPUs of the host, OpenMP threads */
} mm_run_record;

#define MM_HOST_WIDTH 256

/* Collective: note the start time and gather the hosts; writes nothing yet.
 * resumed: the run continues from a checkpoint. */
void mm_run_record_begin(mm_run_record *r, const char *path, const char *command,
                         mm_config_writer write_config, const void *config, int resumed);

/* Collective: the input was read and accepted, so the run starts: rank 0
 * writes the record with status "running". A run refused before this point
 * (bad flags or input) leaves no record, as it leaves no other file. */
mm_status mm_run_record_start(mm_run_record *r, int64_t rows, int64_t features);

/* Collective: rewrite a started run's record with the end time and the
 * outcome, and free it. Returns outcome, or an I/O failure when outcome was
 * MM_OK. */
mm_status mm_run_record_end(mm_run_record *r, mm_status outcome);

/* ---- configurations as JSON objects (config_json.c) ---- */

void mm_train_config_json(FILE *f, const void *train_config);
void mm_assign_config_json(FILE *f, const void *assign_config);

#endif
