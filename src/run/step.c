/*
 * One optimiser step on a global batch, shared by training and the
 * benchmark: forward and backward on this rank's rows, one in-place
 * allreduce of one buffer holding dW, db and the loss, then the same Adam
 * step and renormalisation on every rank (and, when the prior is learned,
 * the same Adam step on b). Times its three phases for the epoch line
 * (whether or not the named timers are compiled in) and its four phases for
 * the timer table.
 */
#include "run/run.h"

#include <mixmate/util.h>

#include <stdlib.h>
#include <string.h>

#include "par/par.h"
#include "util/timers.h"

void mm_stepper_init(mm_stepper *s, const mm_dims *d, int max_rows, mm_kernel kernel, double lr)
{
    memset(s, 0, sizeof *s);
    s->nw = (size_t)d->K * d->M * d->N;
    s->K = d->K;
    s->M = d->M;
    s->ws = mm_batch_ws_create_f32(d, max_rows, kernel);
    s->grad = mm_calloc(s->nw + d->K + 3, sizeof *s->grad, "gradients");
    s->adam_m = mm_calloc(s->nw, sizeof *s->adam_m, "Adam first moments");
    s->adam_v = mm_calloc(s->nw, sizeof *s->adam_v, "Adam second moments");
    s->prior_m = mm_calloc((size_t)d->K, sizeof *s->prior_m, "Adam first moments of b");
    s->prior_v = mm_calloc((size_t)d->K, sizeof *s->prior_v, "Adam second moments of b");
    s->adam = (mm_adam){.lr = lr, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
}

void mm_stepper_free(mm_stepper *s)
{
    free(s->prior_v);
    free(s->prior_m);
    free(s->adam_v);
    free(s->adam_m);
    free(s->grad);
    mm_batch_ws_free_f32(s->ws);
}

/* b belongs to the same optimiser as W: it shares the step count, which the
 * dictionaries' step has already advanced. */
static void prior_step(mm_stepper *s, float *b)
{
    mm_adam same = s->adam;
    same.step--;
    mm_adam_step(&same, b, s->grad + s->nw, s->prior_m, s->prior_v, (size_t)s->K);
}

double mm_stepper_step(mm_stepper *s, mm_model *m, const float *rows, int local, int global)
{
    const size_t nw = s->nw;
    const double scale = 1.0 / ((double)global * s->M);
    double t0 = mm_now();

    /* Forward and backward into the one buffer that is reduced; the loss and
     * the ranks' stop and checkpoint requests ride along at its end. */
    float *tail = s->grad + nw + s->K;
    memset(s->grad, 0, (nw + s->K) * sizeof *s->grad);
    mm_timer_start(MM_T_FORWARD);
    double loss = local > 0 ? mm_batch_forward_f32(s->ws, m->W, m->b, rows, local) : 0.0;
    mm_timer_stop(MM_T_FORWARD);
    mm_timer_start(MM_T_BACKWARD);
    if (local > 0)
        mm_batch_backward_f32(s->ws, m->W, scale, s->grad, s->grad + nw);
    mm_timer_stop(MM_T_BACKWARD);
    tail[0] = (float)(loss * scale);
    tail[1] = s->flags[0];
    tail[2] = s->flags[1];
    double t1 = mm_now();

    /* Sum over ranks: every rank now holds the global batch's gradient. */
    mm_timer_start(MM_T_ALLREDUCE);
    mm_par_sum_float(s->grad, nw + s->K + 3);
    mm_timer_stop(MM_T_ALLREDUCE);
    s->flags[0] = tail[1];
    s->flags[1] = tail[2];
    double t2 = mm_now();

    /* The same update everywhere; the prior logits move only when learned. */
    mm_timer_start(MM_T_OPTIMISER);
    mm_adam_step_dictionaries(&s->adam, m->W, s->grad, s->adam_m, s->adam_v, m->d.K, m->d.M,
                              m->d.N);
    if (s->learn_prior)
        prior_step(s, m->b);
    mm_timer_stop(MM_T_OPTIMISER);
    double t3 = mm_now();

    s->compute_s += t1 - t0;
    s->allreduce_s += t2 - t1;
    s->update_s += t3 - t2;
    return tail[0];
}
