/* mixmate import: IDX files to one HDF5 file. */
#include <mixmate/mixmate.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "par/par.h"

#define MAX_INPUTS 64

mm_status mm_cmd_import(int argc, char **argv)
{
    mm_import_config c = {0};
    const char *inputs[MAX_INPUTS];
    mm_arg table[] = {
        {"--out", ARG_TEXT, &c.out, "FILE", "HDF5 file to write", 1},
        {"--force", ARG_FLAG, &c.force, "", "overwrite an existing file"},
        {NULL},
    };

    if (mm_args_wants_help(argc, argv)) {
        mm_args_help("mixmate import --out FILE IDX_FILE...",
                     "Convert IDX files (gzip or plain) to /samples float32 (bytes scaled to "
                     "[0, 1]) and /labels int32.\nImage and label files are each concatenated "
                     "in the order given.", table);
        return MM_OK;
    }
    MM_TRY(mm_par_agree(mm_args_parse(table, argc, argv, 2, inputs, MAX_INPUTS, &c.n_inputs)));
    if (c.n_inputs == 0)
        return mm_par_agree(mm_fail(MM_ERR_USAGE, "import: no IDX files given"));
    c.inputs = inputs;
    return mm_import(&c);
}
