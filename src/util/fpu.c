/*
 * The floating-point environment mixmate computes in. Back-propagation
 * through the unrolled encoder drives many gradient entries into the
 * subnormal range, where x86 cores take a microcode assist on every
 * operation; measured on this code, a training step ran four to nine times
 * slower with them. Values that small are far below what a float gradient
 * can resolve next to its neighbours, so they are flushed to zero.
 */
#include <mixmate/util.h>

#if defined(__SSE2__)
#include <pmmintrin.h>
#include <xmmintrin.h>
#endif

void mm_fpu_flush_subnormals(void)
{
#if defined(__SSE2__)
    _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
    _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
#endif
    /* Elsewhere subnormals keep their IEEE meaning; results are unchanged,
     * only slower on cores that trap them. */
}
