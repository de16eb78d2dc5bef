/* mixmate erase: a copy of a data set with values erased, for robustness studies. */
#include <mixmate/mixmate.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "par/par.h"

mm_status mm_cmd_erase(int argc, char **argv)
{
    mm_erase_config c = {.samples = "/samples", .prob = 0.9, .frac = 0.25, .seed = 1};
    const char *files[2] = {NULL, NULL};
    int n_files = 0;
    mm_arg table[] = {
        {"--prob", ARG_REAL, &c.prob, "P", "fraction of samples that lose values", 0, 0, 1},
        {"--frac", ARG_REAL, &c.frac, "F", "fraction of a chosen sample's values erased", 0, 0,
         1},
        {"--seed", ARG_U64, &c.seed, "S", "seed"},
        {"--samples", ARG_TEXT, &c.samples, "NAME", "samples dataset of IN"},
        {"--force", ARG_FLAG, &c.force, "", "overwrite an existing OUT"},
        {NULL},
    };

    if (mm_args_wants_help(argc, argv)) {
        mm_args_help("mixmate erase [flags] IN OUT",
                     "Copy the samples (and /labels) of IN to OUT with values erased as NaN: "
                     "each sample, with\nprobability P, loses round(F M) of its M values, "
                     "chosen uniformly.", table);
        return MM_OK;
    }
    MM_TRY(mm_par_agree(mm_args_parse(table, argc, argv, 2, files, 2, &n_files)));
    if (n_files != 2)
        return mm_par_agree(mm_fail(MM_ERR_USAGE, "erase needs IN and OUT files (found %d)",
                                    n_files));
    c.in = files[0];
    c.out = files[1];
    return mm_erase(&c);
}
