/*
 * MPI wrappers, the rank-0 print policy and the collective error exit.
 * Everything else in mixmate reaches MPI through these names, so the
 * communication pattern of a run can be read from this one file: sums of
 * gradients and counts, a broadcast of the initial model, one gather of the
 * initialisation subset, and at the ends of a run the gather of host names
 * and the min/max of the timers.
 */
#include "par/par.h"

#include <mixmate/util.h>

#include <cblas.h>
#include <limits.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_rank = 0;
static int g_size = 1;

char *openblas_get_corename(void);

/* OpenBLAS picks its kernels when it loads, from the CPU model. A release
 * older than the CPU falls back to its SSE3 (Prescott) kernels, which run
 * SGEMM several times slower than its AVX2 or AVX-512 ones; only the
 * environment can change the choice, before the program starts. */
static void warn_generic_blas(void)
{
#if defined(__x86_64__)
    static const char *const GENERIC[] = {"Prescott", "Core2", "Penryn", "Dunnington",
                                          "Nehalem", "Atom", NULL};
    const char *core = openblas_get_corename();
    int generic = 0;
    for (int i = 0; core && GENERIC[i]; i++)
        generic |= strcmp(core, GENERIC[i]) == 0;
    __builtin_cpu_init();
    if (g_rank != 0 || !generic || !__builtin_cpu_supports("avx2"))
        return;
    const char *better = __builtin_cpu_supports("avx512f") ? "SkylakeX" : "Haswell";
    fprintf(stderr, "mixmate: warning: OpenBLAS runs its %s kernels on a CPU with %s; set "
            "OPENBLAS_CORETYPE=%s for several times faster products (README: BLAS kernels)\n",
            core, __builtin_cpu_supports("avx512f") ? "AVX-512" : "AVX2", better);
#endif
}

void mm_par_init(int *argc, char ***argv)
{
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);

    /* mixmate threads with OpenMP over clusters and samples, and calls BLAS
     * from inside those threads; a threaded BLAS would oversubscribe the
     * cores. This is the one place where BLAS threading is set. */
    openblas_set_num_threads(1);
    warn_generic_blas();

    /* Before any OpenMP thread exists, so that every worker inherits it. */
    mm_fpu_flush_subnormals();
}

void mm_par_finalize(void) { MPI_Finalize(); }

int mm_rank(void) { return g_rank; }

int mm_nranks(void) { return g_size; }

void mm_log0(const char *fmt, ...)
{
    if (g_rank != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

mm_status mm_par_agree(mm_status local)
{
    /* The lowest failing rank speaks for all; its status becomes everyone's. */
    int mine = local != MM_OK ? g_rank : g_size, first = g_size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == g_size)
        return MM_OK;

    int code = (int)local;
    MPI_Bcast(&code, 1, MPI_INT, first, MPI_COMM_WORLD);
    if (g_rank == first) {
        const char *msg = mm_error_message();
        fprintf(stderr, "mixmate: error: %s\n", msg[0] ? msg : "unspecified failure");
        fflush(stderr);
    }
    return (mm_status)code;
}

_Noreturn void mm_par_abort(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mixmate: error: rank %d: ", g_rank);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

/* MPI counts are int: large buffers go in chunks. */
static void allreduce_chunked(void *buf, size_t n, size_t elem, MPI_Datatype t, MPI_Op op)
{
    char *p = buf;
    while (n > 0) {
        int c = n > INT_MAX / 2 ? INT_MAX / 2 : (int)n;
        MPI_Allreduce(MPI_IN_PLACE, p, c, t, op, MPI_COMM_WORLD);
        p += (size_t)c * elem;
        n -= (size_t)c;
    }
}

void mm_par_sum_float(float *buf, size_t n)
{
    allreduce_chunked(buf, n, sizeof *buf, MPI_FLOAT, MPI_SUM);
}

void mm_par_sum_double(double *buf, size_t n)
{
    allreduce_chunked(buf, n, sizeof *buf, MPI_DOUBLE, MPI_SUM);
}

void mm_par_sum_i64(int64_t *buf, size_t n)
{
    allreduce_chunked(buf, n, sizeof *buf, MPI_INT64_T, MPI_SUM);
}

void mm_par_sum_u64(uint64_t *buf, size_t n)
{
    allreduce_chunked(buf, n, sizeof *buf, MPI_UINT64_T, MPI_SUM);
}

void mm_par_max_double(double *buf, size_t n)
{
    allreduce_chunked(buf, n, sizeof *buf, MPI_DOUBLE, MPI_MAX);
}

void mm_par_min_i64(int64_t *buf, size_t n)
{
    allreduce_chunked(buf, n, sizeof *buf, MPI_INT64_T, MPI_MIN);
}

void mm_par_max_i64(int64_t *buf, size_t n)
{
    allreduce_chunked(buf, n, sizeof *buf, MPI_INT64_T, MPI_MAX);
}

void mm_par_minmax_loc(double v, double *min, int *min_rank, double *max, int *max_rank)
{
    struct {
        double v;
        int rank;
    } in = {v, g_rank}, lo, hi;
    MPI_Allreduce(&in, &lo, 1, MPI_DOUBLE_INT, MPI_MINLOC, MPI_COMM_WORLD);
    MPI_Allreduce(&in, &hi, 1, MPI_DOUBLE_INT, MPI_MAXLOC, MPI_COMM_WORLD);
    *min = lo.v, *min_rank = lo.rank;
    *max = hi.v, *max_rank = hi.rank;
}

void mm_par_minmax_loc_n(const double *v, size_t n, double *min, int *min_rank, double *max,
                         int *max_rank)
{
    struct pair {
        double v;
        int rank;
    } *in = mm_calloc(3 * n, sizeof *in, "rank statistics");
    struct pair *lo = in + n, *hi = in + 2 * n;
    for (size_t i = 0; i < n; i++)
        in[i] = (struct pair){v[i], g_rank};

    /* Timer tables are a dozen entries: no chunking needed. */
    MPI_Allreduce(in, lo, (int)n, MPI_DOUBLE_INT, MPI_MINLOC, MPI_COMM_WORLD);
    MPI_Allreduce(in, hi, (int)n, MPI_DOUBLE_INT, MPI_MAXLOC, MPI_COMM_WORLD);
    for (size_t i = 0; i < n; i++) {
        min[i] = lo[i].v, min_rank[i] = lo[i].rank;
        max[i] = hi[i].v, max_rank[i] = hi[i].rank;
    }
    free(in);
}

void mm_par_library(char *version, size_t size, char *standard, size_t standard_size)
{
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0, major = 0, minor = 0;
    MPI_Get_library_version(lib, &len);
    MPI_Get_version(&major, &minor);

    /* Open MPI appends a newline and the release date on one line; keep the first line. */
    lib[strcspn(lib, "\n")] = '\0';
    snprintf(version, size, "%s", lib);
    snprintf(standard, standard_size, "%d.%d", major, minor);
}

void mm_par_gather_hosts(char *names, size_t width, const int *mine, int n, int *values)
{
    char name[MPI_MAX_PROCESSOR_NAME + 1] = "";
    int len = 0;
    MPI_Get_processor_name(name, &len);
    char *row = mm_calloc(width, 1, "host name");
    snprintf(row, width, "%s", name);

    MPI_Gather(row, (int)width, MPI_CHAR, names, (int)width, MPI_CHAR, 0, MPI_COMM_WORLD);
    MPI_Gather(mine, n, MPI_INT, values, n, MPI_INT, 0, MPI_COMM_WORLD);
    free(row);
}

void mm_blas_threads(int n) { openblas_set_num_threads(n); }

const char *mm_blas_config(void) { return openblas_get_config(); }

int mm_blas_thread_count(void) { return openblas_get_num_threads(); }

void mm_par_bcast(void *buf, size_t bytes, int root)
{
    char *p = buf;
    while (bytes > 0) {
        int c = bytes > INT_MAX / 2 ? INT_MAX / 2 : (int)bytes;
        MPI_Bcast(p, c, MPI_BYTE, root, MPI_COMM_WORLD);
        p += c;
        bytes -= (size_t)c;
    }
}

/* Every rank's block of `count_local` items of type t, concatenated in rank
 * order into all on every rank; `what` names the items in errors. */
static void allgather(const void *local, size_t count_local, MPI_Datatype t, void *all,
                      const char *what)
{
    int *counts = malloc((size_t)g_size * sizeof *counts);
    int *displs = malloc((size_t)g_size * sizeof *displs);
    if (!counts || !displs)
        mm_par_abort(71, "out of memory for the gather of %d ranks", g_size);
    if (count_local > INT_MAX)
        mm_par_abort(70, "gather of %zu %s from one rank exceeds MPI's int counts",
                     count_local, what);

    int mine = (int)count_local;
    MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);
    long long total = 0;
    for (int r = 0; r < g_size; r++) {
        displs[r] = (int)total;
        total += counts[r];
    }
    if (total > INT_MAX)
        mm_par_abort(70, "gather of %lld %s exceeds MPI's int counts", total, what);
    MPI_Allgatherv(local, mine, t, all, counts, displs, t, MPI_COMM_WORLD);

    free(displs);
    free(counts);
}

void mm_par_allgather_float(const float *local, size_t count_local, float *all)
{
    allgather(local, count_local, MPI_FLOAT, all, "values");
}

void mm_par_allgather_bytes(const void *local, size_t bytes_local, void *all)
{
    allgather(local, bytes_local, MPI_BYTE, all, "bytes");
}

void mm_par_barrier(void) { MPI_Barrier(MPI_COMM_WORLD); }

void mm_block_range(int64_t n, int r, int p, int64_t *lo, int64_t *hi)
{
    int64_t base = n / p, extra = n % p;
    *lo = r * base + (r < extra ? r : extra);
    *hi = *lo + base + (r < extra ? 1 : 0);
}
