/* mixmate bench: the training step, inference and SGEMM, timed side by side. */
#include <mixmate/mixmate.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "par/par.h"

static const char *const KERNELS[] = {"code", "data", NULL};

mm_status mm_cmd_bench(int argc, char **argv)
{
    mm_bench_config c = {
        .d = {.K = 10, .M = 784, .N = 50, .L = 15, .lambda = 0.75, .eta = 0.04},
        .batch = 256, .steps = 50, .infer_rows = 20000, .infer_batch = 1024,
        .sgemm_n = 2048, .kernel = MM_KERNEL_CODE, .seed = 1,
    };
    mm_arg table[] = {
        {"--clusters", ARG_INT, &c.d.K, "K", "clusters", 0, 1, 1e9},
        {"--dim", ARG_INT, &c.d.M, "M", "features per sample", 0, 1, 1e9},
        {"--atoms", ARG_INT, &c.d.N, "N", "atoms per dictionary", 0, 1, 1e9},
        {"--layers", ARG_INT, &c.d.L, "L", "unrolled FISTA layers", 0, 1, 1e9},
        {"--batch", ARG_INT, &c.batch, "B", "global training batch", 0, 1, 1e9},
        {"--steps", ARG_INT, &c.steps, "S", "timed training steps", 0, 1, 1e9},
        {"--infer-rows", ARG_INT, &c.infer_rows, "R", "rows each rank encodes", 0, 1, 1e9},
        {"--infer-batch", ARG_INT, &c.infer_batch, "B", "rows encoded at once", 0, 1, 1e9},
        {"--sgemm", ARG_INT, &c.sgemm_n, "n", "size of the reference SGEMM", 0, 64, 1e5},
        {"--kernel", ARG_CHOICE, &c.kernel, "code|data", "FISTA variant", .choices = KERNELS},
        {"--seed", ARG_U64, &c.seed, "S", "seed of the generated data"},
        {NULL},
    };

    if (mm_args_wants_help(argc, argv)) {
        mm_args_help("mixmate bench [flags]",
                     "Time the training step (forward, backward, allreduce, Adam) and the "
                     "inference pass on\ngenerated data, next to this machine's SGEMM rate. "
                     "Defaults: the Fashion-MNIST shape.", table);
        return MM_OK;
    }
    MM_TRY(mm_par_agree(mm_args_parse(table, argc, argv, 2, NULL, 0, NULL)));
    if (c.batch < mm_nranks())
        return mm_par_agree(mm_fail(MM_ERR_USAGE, "--batch %d: fewer rows than the %d ranks",
                                    c.batch, mm_nranks()));
    return mm_bench(&c);
}
