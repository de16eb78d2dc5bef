/*
 * The only module that calls MPI. Wrappers are named by what they do for
 * mixmate; each says whether it is collective (every rank must call it).
 */
#ifndef MIXMATE_PAR_H
#define MIXMATE_PAR_H

#include <mixmate/status.h>

#include <stddef.h>
#include <stdint.h>

/* Start MPI (threads funnelled through the main thread) and pin BLAS to one
 * thread. Collective. */
void mm_par_init(int *argc, char ***argv);
void mm_par_finalize(void);

int mm_rank(void);
int mm_nranks(void);

/* Rank 0 prints a line to stdout (flushed); other ranks print nothing. */
void mm_log0(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Collective: agree on failure. If any rank failed, the lowest failing rank
 * prints its recorded message as one line on stderr and every rank returns
 * that rank's status; otherwise MM_OK everywhere. */
mm_status mm_par_agree(mm_status local);

/* Stop every rank at once after printing a line; for states a collective
 * error path cannot reach (a rank failing inside a collective call). */
_Noreturn void mm_par_abort(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Collective in-place sums and maxima over all ranks. */
void mm_par_sum_float(float *buf, size_t n);
void mm_par_sum_double(double *buf, size_t n);
void mm_par_sum_i64(int64_t *buf, size_t n);
void mm_par_sum_u64(uint64_t *buf, size_t n);
void mm_par_max_double(double *buf, size_t n);
void mm_par_min_i64(int64_t *buf, size_t n);
void mm_par_max_i64(int64_t *buf, size_t n);

/* Collective: the largest and smallest v over ranks, with the rank holding each. */
void mm_par_minmax_loc(double v, double *min, int *min_rank, double *max, int *max_rank);

/* Collective: mm_par_minmax_loc for each of n values at once (the timer table). */
void mm_par_minmax_loc_n(const double *v, size_t n, double *min, int *min_rank, double *max,
                         int *max_rank);

/* The MPI library's own version line (MPI_Get_library_version) and the
 * standard it implements, e.g. "3.1". Not collective. */
void mm_par_library(char *version, size_t size, char *standard, size_t standard_size);

/* Collective: every rank's host name (width bytes each, NUL-padded) and n
 * integers, gathered in rank order to rank 0 (names: ranks x width, values:
 * ranks x n); other ranks' buffers are unused and may be NULL. */
void mm_par_gather_hosts(char *names, size_t width, const int *mine, int n, int *values);

/* BLAS threads for code outside OpenMP regions (the benchmark's SGEMM);
 * everything else runs BLAS on one thread, as mm_par_init sets it. */
void mm_blas_threads(int n);

/* The BLAS build (openblas_get_config) and its current thread count. */
const char *mm_blas_config(void);
int mm_blas_thread_count(void);

/* Collective: broadcast bytes from rank root. */
void mm_par_bcast(void *buf, size_t bytes, int root);

/* Collective: concatenate every rank's float block (count_local values) in
 * rank order into all (sum of counts values) on every rank. */
void mm_par_allgather_float(const float *local, size_t count_local, float *all);

/* Collective: concatenate every rank's bytes in rank order into all, on
 * every rank (the initialisation's neighbour lists). */
void mm_par_allgather_bytes(const void *local, size_t bytes_local, void *all);

/* Collective: synchronise. */
void mm_par_barrier(void);

/* The contiguous block [lo, hi) of n items owned by rank r of p. */
void mm_block_range(int64_t n, int r, int p, int64_t *lo, int64_t *hi);

#endif
