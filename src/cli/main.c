/*
 * mixmate: the command-line entry. Starts MPI, dispatches a subcommand, and
 * turns its status into the same exit code on every rank.
 */
#include <mixmate/mixmate.h>

#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "par/par.h"
#include "run/run.h"

typedef struct {
    const char *name;
    mm_status (*run)(int argc, char **argv);
    const char *summary;
    int stoppable; /* checkpoints and stops on SIGUSR1, SIGTERM and SIGINT */
} command;

static const command COMMANDS[] = {
    {"train", mm_cmd_train, "train dictionaries on an HDF5 data set", 1},
    {"assign", mm_cmd_assign, "cluster a data set with a trained model"},
    {"synth", mm_cmd_synth, "write a data set drawn from the model itself"},
    {"import", mm_cmd_import, "convert IDX files (MNIST family) to HDF5"},
    {"erase", mm_cmd_erase, "copy a data set with values erased, for robustness studies"},
    {"explain", mm_cmd_explain, "why one sample went to its cluster: energies and atoms"},
    {"atoms", mm_cmd_atoms, "draw the atoms of a trained model as a PNG image"},
    {"bench", mm_cmd_bench, "time the training step and inference against SGEMM"},
};

static void usage(void)
{
    mm_log0("usage: mixmate COMMAND [flags]   (mixmate COMMAND --help for its flags)\n");
    mm_log0("Mixture Model Auto-Encoders: clustering with one sparse dictionary per cluster.\n");
    mm_log0("commands:");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof *COMMANDS; i++)
        mm_log0("  %-8s %s", COMMANDS[i].name, COMMANDS[i].summary);
    mm_log0("\n  --version  print the version and build");
}

static mm_status dispatch(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage();
        return argc < 2 ? mm_par_agree(mm_fail(MM_ERR_USAGE, "no command given")) : MM_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        mm_log0("mixmate %s (%s), %s", MM_VERSION, MM_GIT_REVISION, MM_COMPILER);
        return MM_OK;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof *COMMANDS; i++)
        if (strcmp(argv[1], COMMANDS[i].name) == 0)
            return COMMANDS[i].run(argc, argv);
    return mm_par_agree(mm_fail(MM_ERR_USAGE, "%s: unknown command (see mixmate --help)",
                                argv[1]));
}

/* SLURM may send its time-limit signal early, even while the ranks start:
 * a command that can stop cleanly catches it before MPI starts, not after
 * the input is read, so that the request waits for the first step instead of
 * killing the rank. */
static void catch_stop_requests(int argc, char **argv)
{
    for (size_t i = 0; argc > 1 && i < sizeof COMMANDS / sizeof *COMMANDS; i++)
        if (COMMANDS[i].stoppable && strcmp(argv[1], COMMANDS[i].name) == 0)
            mm_signals_install();
}

int main(int argc, char **argv)
{
    catch_stop_requests(argc, argv);
    mm_par_init(&argc, &argv);
    mm_status st = dispatch(argc, argv);
    mm_par_finalize();
    return mm_status_exit_code(st);
}
