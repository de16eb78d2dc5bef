/*
 * The table of timer names and the per-process slots. The table is the one
 * place a new phase is added: its name appears in the printed table, in
 * timers.json and in the README under the same spelling.
 */
#include "util/timers.h"

#include <string.h>

mm_timer_slot mm_timer_slots[MM_T_COUNT];

static const struct {
    const char *name;
    mm_timer parent;
} TABLE[MM_T_COUNT] = {
    [MM_T_TOTAL] = {"total", MM_T_COUNT},
    [MM_T_READ] = {"read", MM_T_TOTAL},
    [MM_T_INIT] = {"init", MM_T_TOTAL},
    [MM_T_STEP] = {"step", MM_T_TOTAL},
    [MM_T_FORWARD] = {"forward", MM_T_STEP},
    [MM_T_BACKWARD] = {"backward", MM_T_STEP},
    [MM_T_ALLREDUCE] = {"allreduce", MM_T_STEP},
    [MM_T_OPTIMISER] = {"optimiser", MM_T_STEP},
    [MM_T_EVAL] = {"evaluation", MM_T_TOTAL},
    [MM_T_CHECKPOINT] = {"checkpoint", MM_T_TOTAL},
    [MM_T_WRITE] = {"write", MM_T_TOTAL},
};

const char *mm_timer_name(mm_timer t) { return TABLE[t].name; }

mm_timer mm_timer_parent(mm_timer t) { return TABLE[t].parent; }

void mm_timers_reset(void) { memset(mm_timer_slots, 0, sizeof mm_timer_slots); }

int mm_timers_enabled(void) { return MIXMATE_TIMERS; }
