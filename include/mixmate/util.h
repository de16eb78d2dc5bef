/*
 * mixmate/util.h - random numbers and clocks.
 *
 * The generator is xoshiro256** seeded through splitmix64. Every random
 * choice in mixmate draws from a stream named by (seed, purpose, index), so a
 * sample's noise or a rank's shuffle does not depend on what other streams
 * drew before it: results are reproducible for a seed and rank count.
 */
#ifndef MIXMATE_UTIL_H
#define MIXMATE_UTIL_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} mm_rng;

/* Purposes of random streams; part of the stream's name. */
enum {
    MM_STREAM_INIT = 1,    /* dictionary initialisation */
    MM_STREAM_SUBSET = 2,  /* the initialisation subset */
    MM_STREAM_KMEANS = 3,  /* k-means++ seeding and restarts */
    MM_STREAM_SHUFFLE = 4, /* per-epoch, per-rank shuffles */
    MM_STREAM_SYNTH = 5,   /* generated data sets */
    MM_STREAM_ERASE = 6,   /* erased values, one stream per sample */
};

void mm_rng_seed(mm_rng *r, uint64_t seed, uint64_t purpose, uint64_t index);
uint64_t mm_rng_next(mm_rng *r);
double mm_rng_uniform(mm_rng *r);             /* [0, 1) with 53 random bits */
double mm_rng_normal(mm_rng *r);              /* standard normal */
double mm_rng_laplace(mm_rng *r);             /* Laplace, scale 1 */
uint64_t mm_rng_below(mm_rng *r, uint64_t n); /* uniform in [0, n), unbiased */
void mm_rng_shuffle(mm_rng *r, int64_t *a, size_t n);

/* Flush subnormal results and inputs to zero on the calling thread; threads
 * it creates afterwards inherit the setting (see fpu.c for why). */
void mm_fpu_flush_subnormals(void);

/* Monotonic wall clock in seconds. */
double mm_now(void);

/* Peak resident set size of this process in bytes (0 when unknown). */
size_t mm_peak_rss_bytes(void);

#endif
