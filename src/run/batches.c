/*
 * Which local rows make up each step's batch. Every rank shuffles only its
 * own shard, so no sample moves between ranks; a global batch is the union
 * of every rank's share, sized in proportion to the shards, and the number
 * of steps per epoch, floor(n / B), does not depend on the rank count. When
 * a share times the steps exceeds the shard by a few rows (rounding), the
 * order continues into a fresh permutation, so a few rows are seen twice.
 */
#include "run/run.h"

#include <mixmate/util.h>

#include <stdlib.h>

#include "par/par.h"

void mm_batches_init(mm_batches *bt, int64_t n, int64_t lo, int64_t hi, int B)
{
    /* Share of rank r: floor(B hi / n) - floor(B lo / n); the shares sum to B. */
    bt->steps = n / B;
    bt->local = (int)((B * hi) / n - (B * lo) / n);
    bt->n_local = hi - lo;
    size_t len = (size_t)(bt->steps * bt->local);
    bt->order = mm_alloc((len ? len : 1) * sizeof *bt->order, "batch order");
}

void mm_batches_shuffle(mm_batches *bt, uint64_t seed, int epoch)
{
    mm_rng r;
    mm_rng_seed(&r, seed, MM_STREAM_SHUFFLE, ((uint64_t)epoch << 32) | (uint64_t)mm_rank());

    size_t len = (size_t)(bt->steps * bt->local), done = 0;
    int64_t *perm = mm_alloc((size_t)bt->n_local * sizeof *perm, "shard permutation");
    while (done < len) {
        for (int64_t i = 0; i < bt->n_local; i++)
            perm[i] = i;
        mm_rng_shuffle(&r, perm, (size_t)bt->n_local);
        for (int64_t i = 0; i < bt->n_local && done < len; i++)
            bt->order[done++] = perm[i];
    }
    free(perm);
}

void mm_batches_free(mm_batches *bt)
{
    free(bt->order);
    bt->order = NULL;
}
