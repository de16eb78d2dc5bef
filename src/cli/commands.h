/* The subcommands: each parses its flags and calls the library. Collective. */
#ifndef MIXMATE_COMMANDS_H
#define MIXMATE_COMMANDS_H

#include <mixmate/status.h>

mm_status mm_cmd_train(int argc, char **argv);
mm_status mm_cmd_assign(int argc, char **argv);
mm_status mm_cmd_synth(int argc, char **argv);
mm_status mm_cmd_import(int argc, char **argv);
mm_status mm_cmd_erase(int argc, char **argv);
mm_status mm_cmd_explain(int argc, char **argv);
mm_status mm_cmd_atoms(int argc, char **argv);
mm_status mm_cmd_bench(int argc, char **argv);

#endif
