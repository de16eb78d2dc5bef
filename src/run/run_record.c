/*
 * The run record, DIR/run.json: which mixmate, built how, ran where, with
 * which MPI and BLAS, on how many ranks and threads, with what configuration,
 * from when to when. Rank 0 writes it once the input is accepted and
 * rewrites it when the run ends, each time under a temporary name renamed
 * into place; a run refused for its flags or input leaves none.
 *
 * "oversubscribed" compares the OpenMP threads of all ranks on a host with
 * the CPUs the host has online; under a batch system that shares nodes, the
 * CPUs of the allocation may be fewer, which this record cannot see. The
 * load average of rank 0's host at the start and the end says how much else
 * ran there: timings from a shared machine are only as good as that.
 */
#define _DEFAULT_SOURCE /* getloadavg */
#include "run/report.h"

#include <mixmate/build_info.h>
#include <mixmate/util.h>

#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/text_file.h"
#include "par/par.h"

/* Environment variables that change how a run uses the machine. */
static const char *const ENVIRONMENT[] = {
    "OMP_NUM_THREADS", "OMP_PROC_BIND", "OMP_PLACES", "OPENBLAS_NUM_THREADS",
    "SLURM_JOB_ID", "SLURM_NTASKS", "SLURM_CPUS_PER_TASK", "SLURM_JOB_NODELIST",
};

static void utc_now(char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void write_build(FILE *f)
{
    char mpi[1024], standard[16];
    mm_par_library(mpi, sizeof mpi, standard, sizeof standard);

    fprintf(f, "  \"mixmate_version\": \"%s\",\n  \"git_revision\": \"%s\",\n", MM_VERSION,
            MM_GIT_REVISION);
    fprintf(f, "  \"build\": {\"type\": \"%s\", \"compiler\": \"%s %s\", \"flags\": ",
            MM_BUILD_TYPE, MM_COMPILER_ID, MM_COMPILER_VERSION);
    mm_json_string(f, MM_C_FLAGS);
    fprintf(f, ", \"hdf5\": \"%s\", \"timers\": %s},\n", MM_HDF5_VERSION,
            MIXMATE_TIMERS ? "true" : "false");
    fputs("  \"mpi\": {\"library\": ", f);
    mm_json_string(f, mpi);
    fprintf(f, ", \"standard\": \"%s\"},\n", standard);
    fputs("  \"blas\": {\"config\": ", f);
    mm_json_string(f, mm_blas_config());
    fprintf(f, ", \"threads\": %d},\n", mm_blas_thread_count());
}

/* One entry per host, in order of its first rank: its ranks, their threads
 * and its CPUs. Returns 1 when some host runs more threads than it has CPUs. */
static int write_hosts(FILE *f, const mm_run_record *r)
{
    const int P = mm_nranks();
    int over = 0, first = 1;
    fputs("  \"hosts\": [", f);
    for (int i = 0; i < P; i++) {
        const char *name = r->hosts + (size_t)i * MM_HOST_WIDTH;
        int seen = 0, ranks = 0, threads = 0;
        for (int j = 0; j < P; j++) {
            int same = strcmp(name, r->hosts + (size_t)j * MM_HOST_WIDTH) == 0;
            seen |= same && j < i;
            ranks += same;
            threads += same ? r->per_rank[2 * j + 1] : 0;
        }
        if (seen)
            continue;
        over |= threads > r->per_rank[2 * i];
        fprintf(f, "%s\n    {\"name\": ", first ? "" : ",");
        mm_json_string(f, name);
        fprintf(f, ", \"ranks\": %d, \"threads\": %d, \"cpus\": %d}", ranks, threads,
                r->per_rank[2 * i]);
        first = 0;
    }
    fputs("\n  ],\n", f);
    return over;
}

static void write_environment(FILE *f)
{
    int first = 1;
    fputs("  \"environment\": {", f);
    for (size_t i = 0; i < sizeof ENVIRONMENT / sizeof *ENVIRONMENT; i++) {
        const char *v = getenv(ENVIRONMENT[i]);
        if (!v)
            continue;
        fprintf(f, "%s\"%s\": ", first ? "" : ", ", ENVIRONMENT[i]);
        mm_json_string(f, v);
        first = 0;
    }
    fputs("},\n", f);
}

/* 1, 5 and 15 minute load averages, or null where the system gives none. */
static void write_load(FILE *f, const char *key, const double *load)
{
    fprintf(f, ",\n  \"%s\": ", key);
    if (load[0] < 0)
        fputs("null", f);
    else
        fprintf(f, "[%.2f, %.2f, %.2f]", load[0], load[1], load[2]);
}

static int max_threads(const mm_run_record *r)
{
    int most = 0;
    for (int i = 0; i < mm_nranks(); i++)
        most = r->per_rank[2 * i + 1] > most ? r->per_rank[2 * i + 1] : most;
    return most;
}

/* Rank 0: the whole record; end is NULL while the run goes on. */
static mm_status write_record(const mm_run_record *r, const char *status, const char *end,
                              int exit_code)
{
    char tmp[4300];
    FILE *f = mm_text_open(r->path, tmp, sizeof tmp);
    if (!f)
        return MM_ERR_IO;

    fprintf(f, "{\n  \"command\": \"%s\",\n  \"status\": \"%s\",\n", r->command, status);
    write_build(f);
    fprintf(f, "  \"ranks\": %d,\n  \"threads_per_rank\": %d,\n", mm_nranks(), max_threads(r));
    int over = write_hosts(f, r);
    fprintf(f, "  \"oversubscribed\": %s,\n", over ? "true" : "false");
    write_environment(f);
    fprintf(f, "  \"resumed\": %s,\n  \"start\": \"%s\",\n  \"end\": ",
            r->resumed ? "true" : "false", r->start);
    mm_json_string(f, end);
    write_load(f, "load_average_start", r->load_start);
    if (end) {
        double now[3] = {-1, -1, -1};
        getloadavg(now, 3);
        write_load(f, "load_average_end", now);
    }
    if (end)
        fprintf(f, ",\n  \"wall_s\": %.3f,\n  \"exit_code\": %d", mm_now() - r->t0, exit_code);
    if (r->rows > 0)
        fprintf(f, ",\n  \"input\": {\"rows\": %lld, \"features\": %lld}", (long long)r->rows,
                (long long)r->features);
    fputs(",\n  \"config\": ", f);
    r->write_config(f, r->config);
    fputs("\n}\n", f);
    return mm_text_commit(f, tmp, r->path);
}

void mm_run_record_begin(mm_run_record *r, const char *path, const char *command,
                         mm_config_writer write_config, const void *config, int resumed)
{
    memset(r, 0, sizeof *r);
    snprintf(r->path, sizeof r->path, "%s", path);
    r->command = command;
    r->write_config = write_config;
    r->config = config;
    r->resumed = resumed;
    r->t0 = mm_now();
    utc_now(r->start, sizeof r->start);
    r->load_start[0] = -1;
    getloadavg(r->load_start, 3);

    /* Every rank's host, its CPUs and this rank's threads, to rank 0. */
    int mine[2] = {(int)sysconf(_SC_NPROCESSORS_ONLN), omp_get_max_threads()};
    if (mm_rank() == 0) {
        r->hosts = mm_calloc((size_t)mm_nranks(), MM_HOST_WIDTH, "host names");
        r->per_rank = mm_calloc((size_t)mm_nranks() * 2, sizeof *r->per_rank, "host CPUs");
    }
    mm_par_gather_hosts(r->hosts, MM_HOST_WIDTH, mine, 2, r->per_rank);
}

mm_status mm_run_record_start(mm_run_record *r, int64_t rows, int64_t features)
{
    r->rows = rows;
    r->features = features;
    r->written = 1;

    mm_status st = MM_OK;
    if (mm_rank() == 0)
        st = write_record(r, "running", NULL, 0);
    return mm_par_agree(st);
}

mm_status mm_run_record_end(mm_run_record *r, mm_status outcome)
{
    const char *status = outcome == MM_OK ? "finished"
                         : outcome == MM_STOPPED ? "stopped" : "failed";
    char end[32];
    utc_now(end, sizeof end);

    mm_status st = MM_OK;
    if (r->written && mm_rank() == 0)
        st = write_record(r, status, end, mm_status_exit_code(outcome));
    st = mm_par_agree(st);
    free(r->per_rank);
    free(r->hosts);
    r->per_rank = NULL, r->hosts = NULL;
    return outcome != MM_OK ? outcome : st;
}
