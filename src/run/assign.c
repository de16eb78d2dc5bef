/*
 * Clustering new data with a trained model: the same sharded read and
 * encoder as training, no gradients, and the assignments written
 * collectively. Memory per rank is its shard plus the n_local x K outputs,
 * plus n_local x M for --reconstruct (as much again as the shard) and
 * n_local x N for --codes.
 */
#include "run/run.h"

#include <mixmate/util.h>

#include <stdlib.h>

#include "io/assign_file.h"
#include "par/par.h"
#include "run/report.h"
#include "util/timers.h"

static mm_status check_shape(const mm_assign_config *c, const mm_model *m, const mm_shard *s)
{
    mm_status st = MM_OK;
    if (s->M != m->d.M)
        st = mm_fail(MM_ERR_INPUT, "%s: dataset %s has %lld values per row, the model %s "
                     "expects %d", c->data, c->samples, (long long)s->M, c->model, m->d.M);
    return mm_par_agree(st);
}

static mm_status encode_and_write(const mm_assign_config *c, const mm_model *m,
                                  const mm_shard *s)
{
    const int64_t rows = s->hi - s->lo;
    const int K = m->d.K;
    mm_eval_outputs out = {
        .cluster = mm_alloc((size_t)rows * sizeof *out.cluster, "assignments"),
        .probability = mm_alloc((size_t)rows * K * sizeof *out.probability, "posteriors"),
        .energy = mm_alloc((size_t)rows * K * sizeof *out.energy, "energies"),
    };
    if (c->reconstruct)
        out.reconstruction = mm_alloc((size_t)rows * m->d.M * sizeof(float), "reconstructions");
    if (c->codes)
        out.code = mm_alloc((size_t)rows * m->d.N * sizeof(float), "codes");
    mm_batch_ws_f32 *ws = mm_batch_ws_create_f32(&m->d, c->batch, c->kernel);
    double t0 = mm_now();

    mm_eval ev;
    mm_timer_start(MM_T_EVAL);
    mm_status st = mm_evaluate(ws, c->batch, m, s, &out, &ev);
    mm_timer_stop(MM_T_EVAL);
    double secs = mm_now() - t0;
    if (st == MM_OK) {
        mm_log0("encoded %lld samples in %.2f s (%.0f samples/s), loss %.6f", (long long)s->n,
                secs, (double)s->n / secs, ev.loss);
        if (ev.has_labels)
            mm_log0("ACC %.4f  NMI %.4f  ARI %.4f", ev.scores.acc, ev.scores.nmi,
                    ev.scores.ari);
        mm_assignments a = {.n = s->n, .lo = s->lo, .hi = s->hi, .K = K, .cluster = out.cluster,
                            .probability = out.probability, .energy = out.energy,
                            .M = m->d.M, .N = m->d.N, .reconstruction = out.reconstruction,
                            .code = out.code};
        mm_timer_start(MM_T_WRITE);
        st = mm_assignments_write(c->out, &a);
        mm_timer_stop(MM_T_WRITE);
    }
    if (st == MM_OK)
        mm_log0("wrote %s", c->out);

    mm_eval_free(&ev);
    mm_batch_ws_free_f32(ws);
    free(out.code);
    free(out.reconstruction);
    free(out.energy);
    free(out.probability);
    free(out.cluster);
    return st;
}

static mm_status assign_run(const mm_assign_config *c, mm_run_record *rec,
                            mm_timer_work *work)
{
    mm_model m;
    mm_shard s;

    MM_TRY(mm_model_read(c->model, &m));
    mm_shard_request req = {c->data, c->samples, c->labels, c->labels_required, c->mask,
                            c->mask_required};
    mm_timer_start(MM_T_READ);
    mm_status st = mm_shard_read(&req, &s);
    mm_timer_stop(MM_T_READ);
    if (st == MM_OK) {
        mm_log0("mixmate %s assign: %s on %s:%s (%lld x %lld), %d ranks", MM_VERSION, c->model,
                c->data, c->samples, (long long)s.n, (long long)s.M, mm_nranks());
        mm_report_missing(&s, c->data);
        work->samples = s.n;
        st = check_shape(c, &m, &s);
        if (st == MM_OK && c->record)
            st = mm_run_record_start(rec, s.n, s.M);
        if (st == MM_OK)
            st = encode_and_write(c, &m, &s);
        mm_shard_free(&s);
    }
    mm_model_free(&m);
    return st;
}

mm_status mm_assign(const mm_assign_config *c)
{
    mm_timers_reset();
    mm_timer_start(MM_T_TOTAL);
    MM_TRY(mm_outfile_prepare(c->out, c->force, "--out"));
    if (c->timers)
        MM_TRY(mm_outfile_prepare(c->timers, c->force, "--timers"));
    if (c->record)
        MM_TRY(mm_outfile_prepare(c->record, c->force, "--record"));

    /* The record, when asked for, brackets the run; the timer table ends it. */
    mm_run_record rec = {0};
    mm_timer_work work = {"assign", .batch = c->batch, .local_batch = c->batch};
    if (c->record)
        mm_run_record_begin(&rec, c->record, "assign", mm_assign_config_json, c, 0);
    mm_status st = assign_run(c, &rec, &work);
    mm_timer_stop(MM_T_TOTAL);
    if (st == MM_OK)
        st = mm_timers_report(c->timers, &work);
    return c->record ? mm_run_record_end(&rec, st) : st;
}
