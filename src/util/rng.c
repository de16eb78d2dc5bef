/*
 * xoshiro256** (Blackman and Vigna) seeded by splitmix64: small state, fast,
 * and good enough for shuffles, initialisation and synthetic data. Streams
 * are separated by hashing their name into the seed, not by jumps, so a
 * stream can be created for any (purpose, index) in constant time.
 */
#include <mixmate/util.h>

#include <math.h>

#define TWO_PI 6.283185307179586476925

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void mm_rng_seed(mm_rng *r, uint64_t seed, uint64_t purpose, uint64_t index)
{
    uint64_t x = seed;
    uint64_t h = splitmix64(&x) ^ (purpose * 0xd1b54a32d192ed03ULL);
    h = splitmix64(&h) ^ (index * 0x8cb92ba72f3d8dd7ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&h);
}

uint64_t mm_rng_next(mm_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double mm_rng_uniform(mm_rng *r) { return (double)(mm_rng_next(r) >> 11) * 0x1.0p-53; }

double mm_rng_normal(mm_rng *r)
{
    /* Box-Muller on (0, 1]: never takes the log of zero. */
    double u = 1.0 - mm_rng_uniform(r), v = mm_rng_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(TWO_PI * v);
}

double mm_rng_laplace(mm_rng *r)
{
    double u = mm_rng_uniform(r) - 0.5;
    double a = 1.0 - 2.0 * fabs(u);
    return u < 0 ? log(a > 0 ? a : 0x1.0p-53) : -log(a > 0 ? a : 0x1.0p-53);
}

uint64_t mm_rng_below(mm_rng *r, uint64_t n)
{
    /* Rejection on the top of the range keeps every value equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = mm_rng_next(r);
    while (x >= limit);
    return x % n;
}

void mm_rng_shuffle(mm_rng *r, int64_t *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)mm_rng_below(r, i);
        int64_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}
