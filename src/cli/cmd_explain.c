/* mixmate explain: the numbers behind one sample's assignment. */
#include <mixmate/mixmate.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "par/par.h"

mm_status mm_cmd_explain(int argc, char **argv)
{
    mm_explain_config c = {.samples = "/samples", .labels = "/labels", .index = -1, .atoms = 20};
    const char *mask = NULL;
    mm_arg table[] = {
        {"--model", ARG_TEXT, &c.model, "FILE", "model.h5 written by train", 1},
        {"--data", ARG_TEXT, &c.data, "FILE", "input HDF5 file", 1},
        {"--index", ARG_I64, &c.index, "I", "the sample (row, from 0) to explain", 1, 0, 1e18},
        {"--samples", ARG_TEXT, &c.samples, "NAME", "samples dataset, rows are samples"},
        {"--mask", ARG_TEXT, &mask, "NAME",
         "uint8 mask, 1 = observed, 0 = missing (default /mask when present)"},
        {"--atoms", ARG_INT, &c.atoms, "A", "list at most A active atoms", 0, 1, 1e9},
        {NULL},
    };

    if (mm_args_wants_help(argc, argv)) {
        mm_args_help("mixmate explain --model FILE --data FILE --index I [flags]",
                     "Print the posterior over clusters of one sample, each cluster's energy "
                     "split into\nreconstruction error and sparsity cost, and the winning "
                     "cluster's active atoms.", table);
        return MM_OK;
    }
    MM_TRY(mm_par_agree(mm_args_parse(table, argc, argv, 2, NULL, 0, NULL)));
    c.mask = mask ? mask : "/mask";
    c.mask_required = mask != NULL;
    return mm_explain(&c);
}
