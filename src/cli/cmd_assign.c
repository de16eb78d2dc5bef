/* mixmate assign: cluster a data set with a trained model. */
#include <mixmate/mixmate.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "par/par.h"

static const char *const KERNELS[] = {"code", "data", NULL};

mm_status mm_cmd_assign(int argc, char **argv)
{
    mm_assign_config c = {.samples = "/samples", .batch = 1024, .kernel = MM_KERNEL_CODE};
    const char *labels = NULL, *mask = NULL;
    mm_arg table[] = {
        {"--model", ARG_TEXT, &c.model, "FILE", "model.h5 written by train", 1},
        {"--data", ARG_TEXT, &c.data, "FILE", "input HDF5 file", 1},
        {"--out", ARG_TEXT, &c.out, "FILE", "assignments file to write", 1},
        {"--samples", ARG_TEXT, &c.samples, "NAME", "samples dataset, rows are samples"},
        {"--labels", ARG_TEXT, &labels, "NAME",
         "integer labels for ACC/NMI/ARI (default /labels when present)"},
        {"--mask", ARG_TEXT, &mask, "NAME",
         "uint8 mask, 1 = observed, 0 = missing (default /mask when present)"},
        {"--reconstruct", ARG_FLAG, &c.reconstruct, "",
         "write /reconstruction: the winning cluster's W_k x_k (imputes missing values)"},
        {"--codes", ARG_FLAG, &c.codes, "",
         "write /code (the winning cluster's sparse code) and /code_cluster"},
        {"--batch", ARG_INT, &c.batch, "B", "samples encoded at once per rank", 0, 1, 1e9},
        {"--kernel", ARG_CHOICE, &c.kernel, "code|data", "FISTA variant", .choices = KERNELS},
        {"--force", ARG_FLAG, &c.force, "", "overwrite an existing output file"},
        {"--timers", ARG_TEXT, &c.timers, "FILE", "write the timer table as JSON to FILE"},
        {"--record", ARG_TEXT, &c.record, "FILE",
         "write the run record (machine, build, configuration) as JSON to FILE"},
        {NULL},
    };

    if (mm_args_wants_help(argc, argv)) {
        mm_args_help("mixmate assign --model FILE --data FILE --out FILE [flags]",
                     "Encode every sample under every cluster of a trained model and write "
                     "/cluster,\n/probability and /energy. Missing values (NaN, or 0 in the "
                     "mask) are left out of\nthe encoding; --reconstruct fills them in.", table);
        return MM_OK;
    }
    MM_TRY(mm_par_agree(mm_args_parse(table, argc, argv, 2, NULL, 0, NULL)));
    c.labels = labels ? labels : "/labels";
    c.labels_required = labels != NULL;
    c.mask = mask ? mask : "/mask";
    c.mask_required = mask != NULL;
    return mm_assign(&c);
}
