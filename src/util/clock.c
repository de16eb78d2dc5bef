/* Wall clock and memory readings for progress lines and benchmarks. */
#define _POSIX_C_SOURCE 200809L
#include <mixmate/util.h>

#include <sys/resource.h>
#include <time.h>

double mm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

size_t mm_peak_rss_bytes(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (size_t)ru.ru_maxrss * 1024; /* Linux reports KiB */
}
