/* mixmate synth: a data set drawn from the model itself. */
#include <mixmate/mixmate.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "par/par.h"

mm_status mm_cmd_synth(int argc, char **argv)
{
    mm_synth_config c = {.n = 10000, .M = 100, .K = 5, .N = 5, .active = 3, .noise = 0.01,
                         .seed = 1};
    mm_arg table[] = {
        {"--out", ARG_TEXT, &c.out, "FILE", "HDF5 file to write", 1},
        {"--samples", ARG_I64, &c.n, "n", "number of samples", 0, 1, 1e15},
        {"--dim", ARG_INT, &c.M, "M", "features per sample", 0, 1, 1e9},
        {"--clusters", ARG_INT, &c.K, "K", "clusters", 0, 1, 1e9},
        {"--atoms", ARG_INT, &c.N, "N", "atoms per cluster", 0, 1, 1e9},
        {"--active", ARG_INT, &c.active, "S", "non-zero code entries per sample", 0, 1, 1e9},
        {"--noise", ARG_REAL, &c.noise, "SIGMA", "standard deviation of the noise", 0, 0, 1e30},
        {"--seed", ARG_U64, &c.seed, "X", "seed"},
        {"--signed", ARG_FLAG, &c.signed_codes, "",
         "signed codes: clusters are whole subspaces (default: positive codes, cones)"},
        {"--force", ARG_FLAG, &c.force, "", "overwrite an existing file"},
        {NULL},
    };

    if (mm_args_wants_help(argc, argv)) {
        mm_args_help("mixmate synth --out FILE [flags]",
                     "Draw a labelled data set from the MixMate model: K random dictionaries, "
                     "sparse Laplace\ncodes, Gaussian noise. Writes /samples, /labels and the "
                     "true /dictionaries.", table);
        return MM_OK;
    }
    MM_TRY(mm_par_agree(mm_args_parse(table, argc, argv, 2, NULL, 0, NULL)));
    if (c.active > c.N)
        return mm_par_agree(mm_fail(MM_ERR_USAGE, "--active %d: more than --atoms %d",
                                    c.active, c.N));
    return mm_synth(&c);
}
