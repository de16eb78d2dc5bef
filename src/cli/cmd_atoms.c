/* mixmate atoms: draw the atoms of a trained model as a PNG image. */
#include <mixmate/mixmate.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "par/par.h"

mm_status mm_cmd_atoms(int argc, char **argv)
{
    mm_atoms_config c = {.samples = "/samples", .scale = 2};
    const char *shape = NULL, *mask = NULL;
    mm_arg table[] = {
        {"--model", ARG_TEXT, &c.model, "FILE", "model.h5 written by train", 1},
        {"--shape", ARG_TEXT, &shape, "HxW|M",
         "atoms as H x W images (row-major) or as line plots of M values", 1},
        {"--png", ARG_TEXT, &c.png, "FILE", "PNG image to write", 1},
        {"--per-cluster", ARG_INT, &c.per_cluster, "P",
         "atoms shown per cluster, the first P in their order; 0 = all", 0, 0, 1e9},
        {"--data", ARG_TEXT, &c.data, "FILE",
         "order each cluster's atoms by how often the samples it wins use them"},
        {"--samples", ARG_TEXT, &c.samples, "NAME", "samples dataset of --data"},
        {"--mask", ARG_TEXT, &mask, "NAME",
         "uint8 mask, 1 = observed, 0 = missing (default /mask when present)"},
        {"--scale", ARG_INT, &c.scale, "S", "draw every pixel as S x S", 0, 1, 64},
        {"--force", ARG_FLAG, &c.force, "", "overwrite an existing image"},
        {NULL},
    };

    if (mm_args_wants_help(argc, argv)) {
        mm_args_help("mixmate atoms --model FILE --shape HxW|M --png FILE [flags]",
                     "Draw every cluster's dictionary as one row of tiles, an atom per tile. "
                     "Images are grey\nwhere the atom is 0, white at its largest positive "
                     "value and black at its most\nnegative. Without --data the atoms come "
                     "in index order; with it, most used first.", table);
        return MM_OK;
    }
    MM_TRY(mm_par_agree(mm_args_parse(table, argc, argv, 2, NULL, 0, NULL)));
    MM_TRY(mm_par_agree(mm_args_shape("--shape", shape, 1, &c.shape_h, &c.shape_w)));
    c.mask = mask ? mask : "/mask";
    c.mask_required = mask != NULL;
    return mm_atoms(&c);
}
