/*
 * Named timers: one enum of handles and one table of names, so that every
 * report lists the same phases in the same order. Start and stop read the
 * monotonic clock and add to a per-process slot; nothing else happens on
 * the hot path. Built with MIXMATE_TIMERS=OFF they compile to nothing.
 *
 * Timers belong to the calling process and are not thread-safe: call them
 * from the main thread only, outside OpenMP regions. A timer's total counts
 * the time between its start and stop calls; starting a running timer again
 * restarts it. The reduction over ranks and the reports live in
 * src/run/timer_report.c.
 */
#ifndef MIXMATE_TIMERS_H
#define MIXMATE_TIMERS_H

#include <mixmate/build_info.h>
#include <mixmate/util.h>

#include <stdint.h>

/* Nesting is by convention: a phase's parent is named in the table. */
typedef enum {
    MM_T_TOTAL,      /* the whole command, from the output check to the last result */
    MM_T_READ,       /* this rank's block of rows from the input file */
    MM_T_INIT,       /* the initial dictionaries (k-means or random) */
    MM_T_STEP,       /* a training step: gathering the rows and the four phases below */
    MM_T_FORWARD,    /* encode forward: FISTA under every cluster, energies, posteriors */
    MM_T_BACKWARD,   /* back-propagation through the unrolled encoder to dW and db */
    MM_T_ALLREDUCE,  /* the one gradient allreduce, waiting for the slowest rank included */
    MM_T_OPTIMISER,  /* Adam and the renormalisation of the atoms */
    MM_T_EVAL,       /* an evaluation pass over all local rows (assign: the whole encode) */
    MM_T_CHECKPOINT, /* writing a checkpoint, the ranks' agreement included */
    MM_T_WRITE,      /* writing the results: model and assignments */
    MM_T_COUNT
} mm_timer;

typedef struct {
    double total_s; /* summed over all start-stop pairs */
    double start_s; /* clock reading of the last start */
    int64_t calls;  /* completed start-stop pairs */
} mm_timer_slot;

extern mm_timer_slot mm_timer_slots[MM_T_COUNT];

/* The timer's name ("allreduce"), and its parent (MM_T_COUNT for none). */
const char *mm_timer_name(mm_timer t);
mm_timer mm_timer_parent(mm_timer t);

/* Zero every slot; a command calls this once before its first timer. */
void mm_timers_reset(void);

/* 1 when the timers were compiled in. */
int mm_timers_enabled(void);

#if MIXMATE_TIMERS
static inline void mm_timer_start(mm_timer t) { mm_timer_slots[t].start_s = mm_now(); }

static inline void mm_timer_stop(mm_timer t)
{
    mm_timer_slots[t].total_s += mm_now() - mm_timer_slots[t].start_s;
    mm_timer_slots[t].calls++;
}
#else
static inline void mm_timer_start(mm_timer t) { (void)t; }
static inline void mm_timer_stop(mm_timer t) { (void)t; }
#endif

#endif
