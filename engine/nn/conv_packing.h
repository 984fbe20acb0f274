/* conv_packing.h: which form a fused net's conv keeps its weights in for
 * its batch-1 forward, transformed once when the net is fused: the one
 * decision net_fuse asks, and what the form needs.
 *
 * The forms (layer.h enum layer_packing), first that takes the layer:
 *  - LAYER_PACKED_WINO4: Winograd F(4x4, 3x3) filters in panels
 *    (conv_wino4.h: 3x3 convs on 16x16 and 32x32 maps);
 *  - LAYER_PACKED_WINO2: Winograd F(2x2, 3x3) filters (conv_wino.h: the
 *    other 3x3 convs on 8x8 to 32x32 maps);
 *  - LAYER_PACKED_PANELS: the weights in panels (conv_panels.h: at most
 *    16 output positions);
 *  - LAYER_PACKED_NONE: everything else, l->w as it is.
 * Each is on AVX-512 only (the eligibility functions ask the kernel cap),
 * so under RECONVENE_CONV3X3_ISA=avx2 a fused net packs nothing.
 *
 * Owns: nothing; the packed weights belong to the fused net's block.
 */
#ifndef RECONVENE_CONV_PACKING_H
#define RECONVENE_CONV_PACKING_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/layer.h"

/* The form layer l (shapes inferred) takes in a fused net. */
enum layer_packing conv_packing_for(const struct layer *l);

/* Floats of l's weights in form p (0 for LAYER_PACKED_NONE). */
size_t conv_packing_len(const struct layer *l, enum layer_packing p);

/* l's weights (l->w) into dst (conv_packing_len floats) in form p; false
 * when out of memory (a transform's temporary copy). */
bool conv_packing_fill(const struct layer *l, enum layer_packing p, float *dst);

#endif
