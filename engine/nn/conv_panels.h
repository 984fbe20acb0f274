/* conv_panels.h: a fused net's batch-1 convs on small maps (at most 16
 * output positions: VGG's 4x4 and 2x2) as thin products on weights
 * packed once into panels (gemm_panels.h), where the unfused nets run
 * gemm_thin on the row-major weights.
 *
 * net_fuse packs the folded weights of every conv conv_packing_for
 * gives panels (layer.h LAYER_PACKED_PANELS, in the fused net's block);
 * a fused net's weights must not change afterwards.  conv2d's forward
 * asks conv_panels_runs for each thin product.
 *
 * Owns: nothing; the panels belong to the fused net.
 */
#ifndef RECONVENE_CONV_PANELS_H
#define RECONVENE_CONV_PANELS_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/layer.h"

/* Whether conv layer l (shapes inferred) gets panels in a fused net: one
 * group, not depthwise, at most 16 output positions, and a product the
 * panels take on this CPU (gemm_panels_pays, at batch 1). */
bool conv_panels_eligible(const struct layer *l);

/* Rows of l's panels (gemm_panels_rows of its output positions). */
int conv_panels_rows(const struct layer *l);

/* Floats of l's panels. */
size_t conv_panels_len(const struct layer *l);

/* l's weights (l->w) packed into panels (conv_panels_len floats). */
void conv_panels_pack(const struct layer *l, float *panels);

/* Whether a forward product of ncol columns runs on l's panels: l has
 * them (a fused net's), is still eligible (the kernel cap could have
 * dropped since the net was fused), and the panels take ncol columns
 * (batch 1; a 2x2 map's panels also take a few samples). */
bool conv_panels_runs(const struct layer *l, size_t ncol);

#endif
