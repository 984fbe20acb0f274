/* lane_mask.h: the lane mask of a 16-float vector's partial load or
 * store, shared by the AVX-512 kernels (conv3x3.c, conv_dw3.c,
 * gemm_thin.c), so that none builds it by hand.
 *
 * Owns: nothing (an inline function).
 */
#ifndef RECONVENE_LANE_MASK_H
#define RECONVENE_LANE_MASK_H

#include <stdint.h>

/* The first n lanes of 16: none for n <= 0, all for n >= 16.  The value
 * of an __mmask16 (an unsigned 16-bit integer), so callers need no
 * AVX-512 target to build it. */
static inline uint16_t lane_mask16(int n)
{
	return (uint16_t)(n <= 0 ? 0u : n >= 16 ? 0xffffu : (1u << n) - 1u);
}

#endif
