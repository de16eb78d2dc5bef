/*
 * The training run: read this rank's shard, initialise, then epochs of
 * shuffled steps. A step encodes the rank's share of the batch, back-
 * propagates through the unrolled encoder, sums the gradients of W and b
 * and the loss over all ranks in one in-place allreduce of one buffer, and
 * takes the same Adam step on every rank, so the model never diverges
 * between ranks and never needs to be broadcast again.
 *
 * Checkpoints are taken at step boundaries (on a timer, at epoch ends when
 * asked, and on a stop request) and hold everything the loop depends on:
 * the model, Adam's state, and the position (epoch, step). Each epoch's
 * order is a function of the seed, the epoch and the rank alone, so a
 * resumed run replays exactly the steps the interrupted one would have taken
 * and ends with the same model, bit for bit, for the same rank count.
 */
#include "run/run.h"

#include <mixmate/util.h>

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/assign_file.h"
#include "par/par.h"
#include "run/report.h"
#include "util/timers.h"

enum { T_COMPUTE, T_ALLREDUCE, T_IO, T_EVAL, T_COUNT };

typedef struct {
    const mm_train_config *cfg;
    mm_shard data;
    mm_model model;
    mm_stepper step;
    mm_batches batches;
    float *batch_rows; /* this rank's share of a batch, gathered contiguously */
    mm_eval_outputs outputs;
    double seconds[T_COUNT];
    FILE *metrics;     /* rank 0 only */

    mm_checkpoint desc;      /* this run's settings and input fingerprint */
    char checkpoint[4200];   /* DIR/checkpoint.h5 */
    double last_checkpoint;  /* mm_now() when the last one was written */
    int resumed;
    int64_t start_epochs, start_step; /* where the loop picks up */
    double start_loss;       /* loss sum of the steps already done in that epoch */
    int64_t steps_taken;     /* by this process, for the timer report */
} trainer;

static void print_config(const trainer *t)
{
    const mm_train_config *c = t->cfg;
    const mm_dims *d = &t->model.d;
    mm_log0("mixmate %s (%s) train: %d ranks x %d threads", MM_VERSION, MM_GIT_REVISION,
            mm_nranks(), omp_get_max_threads());
    mm_log0("  data      %s:%s  %lld x %lld %s, labels %s", c->data, c->samples,
            (long long)t->data.n, (long long)t->data.M, t->data.type,
            t->data.labels ? c->labels : "none");
    mm_report_missing(&t->data, c->data);
    mm_log0("  model     K %d  N %d  L %d  lambda %g  step %g  kernel %s", d->K, d->N, d->L,
            d->lambda, d->eta, c->kernel == MM_KERNEL_CODE ? "code" : "data");
    mm_log0("  training  epochs %d  batch %d (%d on rank 0)  steps/epoch %lld  lr %g  seed %llu"
            "  prior %s", c->epochs, c->batch, t->batches.local, (long long)t->batches.steps,
            c->lr, (unsigned long long)c->seed, c->learn_prior ? "learned" : "fixed at zero");
    mm_init_log_config(c);
    mm_log0("  output    %s", c->out);
}

/* One line on stdout and one JSON object in metrics.jsonl, from rank 0. */
static void log_epoch(trainer *t, int epoch, double loss, double secs, const mm_eval *ev)
{
    double s[T_COUNT];
    memcpy(s, t->seconds, sizeof s);
    mm_par_max_double(s, T_COUNT);
    if (mm_rank() != 0)
        return;

    double samples = epoch > 0 ? (double)t->batches.steps * t->cfg->batch : 0;
    double rate = secs > 0 ? samples / secs : 0;
    char evals[200] = "";
    if (ev->done)
        snprintf(evals, sizeof evals, "  eval %.6f", ev->loss);
    if (ev->done && ev->has_labels)
        snprintf(evals + strlen(evals), sizeof evals - strlen(evals),
                 "  ACC %.4f  NMI %.4f  ARI %.4f", ev->scores.acc, ev->scores.nmi,
                 ev->scores.ari);
    mm_log0("epoch %3d/%d  loss %.6f%s  %.2f s  %.0f samples/s  "
            "[compute %.2f  allreduce %.2f  io %.2f  eval %.2f]", epoch, t->cfg->epochs, loss,
            evals, secs, rate, s[T_COMPUTE], s[T_ALLREDUCE], s[T_IO], s[T_EVAL]);

    FILE *f = t->metrics;
    fprintf(f, "{\"epoch\": %d, \"loss\": %.9g, \"seconds\": %.6f, \"samples_per_s\": %.3f, "
            "\"compute_s\": %.6f, \"allreduce_s\": %.6f, \"io_s\": %.6f, \"eval_s\": %.6f",
            epoch, loss, secs, rate, s[T_COMPUTE], s[T_ALLREDUCE], s[T_IO], s[T_EVAL]);
    if (ev->done) {
        fprintf(f, ", \"eval_loss\": %.9g, \"zero_code_fraction\": %.6f", ev->loss,
                ev->zero_fraction);
        if (ev->has_labels)
            fprintf(f, ", \"acc\": %.9g, \"nmi\": %.9g, \"ari\": %.9g", ev->scores.acc,
                    ev->scores.nmi, ev->scores.ari);
        fprintf(f, ", \"cluster_sizes\": [");
        for (int k = 0; k < t->model.d.K; k++)
            fprintf(f, "%s%lld", k ? ", " : "", (long long)ev->sizes[k]);
        fprintf(f, "]");
    }
    fprintf(f, "}\n");
    fflush(f);
}

/* One optimiser step on this rank's share of batch `step`; returns the step loss. */
static double train_step(trainer *t, int64_t step)
{
    const int M = t->model.d.M, local = t->batches.local;
    const int64_t *rows = t->batches.order + step * local;

    mm_timer_start(MM_T_STEP);
    for (int i = 0; i < local; i++)
        memcpy(t->batch_rows + (size_t)i * M, t->data.Y + rows[i] * M,
               (size_t)M * sizeof(float));
    double loss = mm_stepper_step(&t->step, &t->model, t->batch_rows, local, t->cfg->batch);
    mm_timer_stop(MM_T_STEP);
    t->steps_taken++;
    return loss;
}

static mm_status evaluate(trainer *t, mm_eval *ev)
{
    double t0 = mm_now();
    mm_timer_start(MM_T_EVAL);
    mm_status st = mm_evaluate(t->step.ws, t->cfg->batch, &t->model, &t->data, &t->outputs, ev);
    mm_timer_stop(MM_T_EVAL);
    t->seconds[T_EVAL] += mm_now() - t0;
    return st;
}

/* Collective: rank 0 writes the state after `epochs` epochs and `step` steps. */
static mm_status save_checkpoint(trainer *t, int64_t epochs, int64_t step, double loss, int done)
{
    double t0 = mm_now();
    mm_status st = MM_OK;
    mm_timer_start(MM_T_CHECKPOINT);
    if (mm_rank() == 0) {
        mm_checkpoint c = t->desc;
        c.finished = done, c.epochs_done = epochs, c.step = step, c.loss_sum = loss;
        c.adam_step = t->step.adam.step;
        c.W = t->model.W, c.b = t->model.b;
        c.adam_m = t->step.adam_m, c.adam_v = t->step.adam_v;
        c.prior_m = t->step.prior_m, c.prior_v = t->step.prior_v;
        st = mm_checkpoint_write(t->checkpoint, &c);
    }
    st = mm_par_agree(st);
    mm_timer_stop(MM_T_CHECKPOINT);
    t->last_checkpoint = mm_now();
    t->seconds[T_IO] += t->last_checkpoint - t0;
    return st;
}

/* Flags this rank raises before a step: stop (a signal) and checkpoint due. */
static void raise_flags(trainer *t)
{
    double every = t->cfg->checkpoint_every;
    t->step.flags[0] = mm_signal_pending() ? 1.0f : 0.0f;
    t->step.flags[1] = every > 0 && mm_now() - t->last_checkpoint >= every ? 1.0f : 0.0f;
}

/* The steps of one epoch from `first`; MM_STOPPED after a stop request. */
static mm_status run_steps(trainer *t, int epoch, int64_t first, double *loss)
{
    mm_batches_shuffle(&t->batches, t->cfg->seed, epoch);
    for (int64_t s = first; s < t->batches.steps; s++) {
        raise_flags(t);
        *loss += train_step(t, s);

        /* Every rank saw the same summed flags, so all act alike. */
        if (t->step.flags[0] > 0 || t->step.flags[1] > 0)
            MM_TRY(save_checkpoint(t, epoch - 1, s + 1, *loss, 0));
        if (t->step.flags[0] > 0) {
            mm_log0("stopped on %s in epoch %d after step %lld of %lld; checkpoint %s; run the "
                    "same command again to resume", mm_signal_name(mm_signal_pending()), epoch,
                    (long long)s + 1, (long long)t->batches.steps, t->checkpoint);
            return MM_STOPPED;
        }
    }
    return MM_OK;
}

static mm_status run_epochs(trainer *t)
{
    mm_eval ev;
    if (!t->resumed) {
        MM_TRY(evaluate(t, &ev));
        log_epoch(t, 0, ev.loss, 0.0, &ev);
        mm_eval_free(&ev);
    }
    memset(t->seconds, 0, sizeof t->seconds);

    for (int epoch = (int)t->start_epochs + 1; epoch <= t->cfg->epochs; epoch++) {
        int first = epoch == t->start_epochs + 1;
        double t0 = mm_now(), loss = first ? t->start_loss : 0, io0 = t->seconds[T_IO];
        t->step.compute_s = t->step.allreduce_s = t->step.update_s = 0;
        MM_TRY(run_steps(t, epoch, first ? t->start_step : 0, &loss));
        double secs = mm_now() - t0;
        t->seconds[T_COMPUTE] = secs - t->step.allreduce_s - (t->seconds[T_IO] - io0);
        t->seconds[T_ALLREDUCE] = t->step.allreduce_s;

        int last = epoch == t->cfg->epochs;
        memset(&ev, 0, sizeof ev);
        if (last || epoch % t->cfg->eval_every == 0)
            MM_TRY(evaluate(t, &ev));
        log_epoch(t, epoch, loss / t->batches.steps, secs, &ev);
        mm_eval_free(&ev);
        memset(t->seconds, 0, sizeof t->seconds);
        if (t->cfg->checkpoint_epochs && !last)
            MM_TRY(save_checkpoint(t, epoch, 0, 0.0, 0));
    }

    /* A run resumed after its last epoch (it died writing results) has not
     * encoded the data in this process yet: the assignments need it. */
    if (t->start_epochs >= t->cfg->epochs) {
        MM_TRY(evaluate(t, &ev));
        mm_eval_free(&ev);
    }
    return MM_OK;
}

/* Collective: load the checkpoint rank 0 reads and checks, on every rank. */
static mm_status resume(trainer *t)
{
    mm_checkpoint c = {0};
    mm_status st = MM_OK;
    if (mm_rank() == 0) {
        st = mm_checkpoint_read(t->checkpoint, &c);
        if (st == MM_OK)
            st = mm_checkpoint_check(&c, &t->desc, t->checkpoint);
    }
    st = mm_par_agree(st);
    if (st != MM_OK) {
        mm_checkpoint_free(&c);
        return st;
    }

    /* The position, then the state, from rank 0 to all. */
    int64_t pos[3] = {c.epochs_done, c.step, c.adam_step};
    double loss = c.loss_sum;
    mm_par_bcast(pos, sizeof pos, 0);
    mm_par_bcast(&loss, sizeof loss, 0);
    size_t nw = t->step.nw;
    if (mm_rank() == 0) {
        memcpy(t->model.W, c.W, nw * sizeof *c.W);
        memcpy(t->model.b, c.b, (size_t)t->model.d.K * sizeof *c.b);
        memcpy(t->step.adam_m, c.adam_m, nw * sizeof *c.adam_m);
        memcpy(t->step.adam_v, c.adam_v, nw * sizeof *c.adam_v);
        memcpy(t->step.prior_m, c.prior_m, (size_t)t->model.d.K * sizeof *c.prior_m);
        memcpy(t->step.prior_v, c.prior_v, (size_t)t->model.d.K * sizeof *c.prior_v);
    }
    mm_checkpoint_free(&c);
    mm_par_bcast(t->model.W, nw * sizeof *t->model.W, 0);
    mm_par_bcast(t->model.b, (size_t)t->model.d.K * sizeof *t->model.b, 0);
    mm_par_bcast(t->step.adam_m, nw * sizeof *t->step.adam_m, 0);
    mm_par_bcast(t->step.adam_v, nw * sizeof *t->step.adam_v, 0);
    mm_par_bcast(t->step.prior_m, (size_t)t->model.d.K * sizeof *t->step.prior_m, 0);
    mm_par_bcast(t->step.prior_v, (size_t)t->model.d.K * sizeof *t->step.prior_v, 0);

    t->resumed = 1;
    t->start_epochs = pos[0], t->start_step = pos[1], t->step.adam.step = pos[2];
    t->start_loss = loss;
    mm_log0("resuming %s from its checkpoint: %lld of %d epochs done, then %lld of %lld steps",
            t->cfg->out, (long long)pos[0], t->cfg->epochs, (long long)pos[1],
            (long long)t->batches.steps);
    return MM_OK;
}

static mm_status check_fit(const trainer *t)
{
    const mm_train_config *c = t->cfg;
    mm_status st = MM_OK;
    if (c->batch > t->data.n)
        st = mm_fail(MM_ERR_USAGE, "--batch %d: larger than the %lld samples in %s", c->batch,
                     (long long)t->data.n, c->data);
    MM_TRY(mm_par_agree(st));
    return mm_init_check(c, &t->data);
}

static void setup(trainer *t)
{
    const mm_train_config *c = t->cfg;
    mm_dims d = c->d;
    d.M = (int)t->data.M;
    mm_model_alloc(&t->model, &d);

    const int64_t rows = t->data.hi - t->data.lo;
    mm_batches_init(&t->batches, t->data.n, t->data.lo, t->data.hi, c->batch);
    int chunk = c->batch > t->batches.local ? c->batch : t->batches.local;
    mm_stepper_init(&t->step, &d, chunk, c->kernel, c->lr);
    t->step.learn_prior = c->learn_prior;
    t->batch_rows = mm_alloc((size_t)(t->batches.local + 1) * d.M * sizeof(float), "batch");
    t->outputs.cluster = mm_alloc((size_t)rows * sizeof(int32_t), "assignments");
    t->outputs.probability = mm_alloc((size_t)rows * d.K * sizeof(float), "posteriors");
    t->outputs.energy = mm_alloc((size_t)rows * d.K * sizeof(float), "energies");
}

static void teardown(trainer *t)
{
    free(t->outputs.energy);
    free(t->outputs.probability);
    free(t->outputs.cluster);
    free(t->batch_rows);
    mm_stepper_free(&t->step);
    mm_batches_free(&t->batches);
    mm_model_free(&t->model);
    mm_shard_free(&t->data);
    if (t->metrics)
        fclose(t->metrics);
}

/* Keep the lines of epochs up to `epochs`: a run killed after logging an
 * epoch but before checkpointing it will log that epoch again. */
static void truncate_metrics(const char *path, int64_t epochs)
{
    FILE *in = fopen(path, "r");
    if (!in)
        return;
    char tmp[4300], line[65536];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *out = fopen(tmp, "w");
    while (out && fgets(line, sizeof line, in)) {
        long long e = -1;
        if (sscanf(line, "{\"epoch\": %lld", &e) == 1 && e <= epochs)
            fputs(line, out);
    }
    fclose(in);
    if (out && fclose(out) == 0)
        rename(tmp, path);
}

static mm_status open_metrics(trainer *t)
{
    mm_status st = MM_OK;
    if (mm_rank() == 0) {
        char path[4200];
        snprintf(path, sizeof path, "%s/metrics.jsonl", t->cfg->out);
        if (t->resumed)
            truncate_metrics(path, t->start_epochs);
        t->metrics = fopen(path, t->resumed ? "a" : "w");
        if (!t->metrics)
            st = mm_fail(MM_ERR_IO, "%s: cannot create file", path);
    }
    return mm_par_agree(st);
}

static mm_status write_results(trainer *t)
{
    char path[4200];
    double t0 = mm_now();
    mm_timer_start(MM_T_WRITE);

    snprintf(path, sizeof path, "%s/assignments.h5", t->cfg->out);
    mm_assignments a = {.n = t->data.n, .lo = t->data.lo, .hi = t->data.hi,
                        .K = t->model.d.K, .cluster = t->outputs.cluster,
                        .probability = t->outputs.probability, .energy = t->outputs.energy};
    MM_TRY(mm_assignments_write(path, &a));

    snprintf(path, sizeof path, "%s/model.h5", t->cfg->out);
    mm_status st = MM_OK;
    if (mm_rank() == 0)
        st = mm_model_write(path, &t->model, t->cfg, &t->data, t->cfg->epochs);
    MM_TRY(mm_par_agree(st));
    mm_timer_stop(MM_T_WRITE);
    MM_TRY(save_checkpoint(t, t->cfg->epochs, 0, 0.0, 1));
    mm_log0("wrote %s/model.h5 and %s/assignments.h5 in %.2f s", t->cfg->out, t->cfg->out,
            mm_now() - t0);

    /* What a user sizes the next allocation by: peak memory against the shard. */
    double lo, hi;
    int r_lo, r_hi;
    mm_par_minmax_loc((double)mm_peak_rss_bytes() / (1 << 20), &lo, &r_lo, &hi, &r_hi);
    double shard = (double)(t->data.hi - t->data.lo) * t->data.M * sizeof(float) / (1 << 20);
    mm_log0("peak memory per rank %.1f MiB (rank %d) to %.1f MiB (rank %d); "
            "this rank's shard of the data %.1f MiB", lo, r_lo, hi, r_hi, shard);
    return MM_OK;
}

/* Read, initialise or resume, train, write the results. */
static mm_status train_run(const mm_train_config *cfg, int resuming, mm_run_record *rec,
                           mm_timer_work *work)
{
    trainer t = {.cfg = cfg};
    double t0 = mm_now();

    /* This rank's rows. */
    mm_signals_install();
    mm_shard_request req = {cfg->data, cfg->samples, cfg->labels, cfg->labels_required,
                            cfg->mask, cfg->mask_required};
    mm_timer_start(MM_T_READ);
    MM_TRY(mm_shard_read(&req, &t.data));
    mm_timer_stop(MM_T_READ);
    mm_status st = check_fit(&t);
    if (st == MM_OK)
        st = mm_run_record_start(rec, t.data.n, t.data.M);
    if (st != MM_OK) {
        mm_shard_free(&t.data);
        return st;
    }

    /* Model and buffers; then the checkpoint's state, or a fresh start. */
    setup(&t);
    snprintf(t.checkpoint, sizeof t.checkpoint, "%s/checkpoint.h5", cfg->out);
    mm_checkpoint_describe(&t.desc, cfg, &t.data, mm_data_checksum(&t.data));
    t.last_checkpoint = mm_now();
    if (resuming)
        st = resume(&t);
    if (st == MM_OK)
        print_config(&t);
    t.seconds[T_IO] = mm_now() - t0;
    if (st == MM_OK && !resuming) {
        double t_init = mm_now();
        mm_timer_start(MM_T_INIT);
        st = mm_init_model(cfg, &t.data, &t.model);
        mm_timer_stop(MM_T_INIT);
        mm_log0("initialised in %.2f s (data read in %.2f s)", mm_now() - t_init,
                t.seconds[T_IO]);
    }

    /* Epochs, then the results. */
    if (st == MM_OK)
        st = open_metrics(&t);
    if (st == MM_OK)
        st = run_epochs(&t);
    if (st == MM_OK)
        st = write_results(&t);
    *work = (mm_timer_work){"train", t.steps_taken, t.batches.steps,
                            t.steps_taken * cfg->batch, cfg->batch, t.batches.local};
    teardown(&t);
    return st;
}

mm_status mm_train(const mm_train_config *cfg)
{
    int resuming = 0;
    mm_timers_reset();
    mm_timer_start(MM_T_TOTAL);
    MM_TRY(mm_outdir_prepare(cfg->out, cfg->force, cfg->restart, &resuming));

    /* The run record brackets the run; the timers report on it. */
    char path[4200];
    mm_run_record rec;
    mm_timer_work work = {"train"};
    snprintf(path, sizeof path, "%s/run.json", cfg->out);
    mm_run_record_begin(&rec, path, "train", mm_train_config_json, cfg, resuming);
    mm_status st = train_run(cfg, resuming, &rec, &work);
    mm_timer_stop(MM_T_TOTAL);
    if (st == MM_OK || st == MM_STOPPED) {
        snprintf(path, sizeof path, "%s/timers.json", cfg->out);
        mm_status written = mm_timers_report(path, &work);
        st = st == MM_OK ? written : st;
    }
    return mm_run_record_end(&rec, st);
}
