/* conv_wino4.h: Winograd F(4x4, 3x3) for the batched 3x3 stride-1 convs
 * on maps whose sides are multiples of 4, 4x4 to 16x16 (VGG's conv2 to
 * conv4 blocks on CIFAR): forward, data gradient and weight gradient, for
 * training and scoring.
 *
 * A 4x4 block of outputs is A^T [(G g G^T) .* (B^T d B)] A for the 6x6
 * input patch d around it and each 3x3 filter g (Lavin and Gray 2016,
 * points 0, +-1, +-2): 36 multiplies per input channel where the direct
 * sum takes 144, and F(2x2, 3x3) (conv_wino.h) 64.  Over a layer that is
 * 36 products, one per element xi of the 6x6 transformed tile, of
 * (tiles x in) by (in x out) matrices: four times fewer multiply-adds
 * than the conv, at the cost of the filters' transform (36 floats per
 * filter where the conv reads 9) and the tiles'.  VGG-16 at batch 64,
 * one thread: its 8x8 convs went 20-24 -> 13-14 ms a forward and 39-50
 * -> 26-29 ms a backward against F(2x2, 3x3); its 32x32 conv1_2, on the
 * direct 3x3 kernels, lost (23-25 -> 29-31 ms), so it stays there
 * (docs/performance.md).
 *
 * Layouts, all row-major: the transformed inputs v[xi][tile][c] (the
 * tiles of a run of samples, sample-major), filters u[xi][o][c] and
 * products m[xi][tile][o] = v[xi] u[xi]^T, one sgemm per xi, so that each
 * transform reads and writes sixteen channels as one vector.  The weight
 * gradient is dU[xi] = Z[xi]^T v[xi] with Z = A dY A^T per tile, then
 * G^T dU G; the data gradient is the conv of the output gradient with
 * the filters turned by 180 degrees.
 *
 * Threads: a team splits the transforms by samples and filters, and the
 * 36 products by xi, each product whole on one thread (OpenBLAS kept on
 * the calling thread of each); every sum, the weight gradient's over the
 * samples included, is then computed by the same code in the same order
 * on any number of threads, so results are the same to the bit.
 *
 * Rounding: the transforms scale values by up to 8 (A) and 5 (B), so
 * outputs differ from the direct sum by about 1e-5 of the layer's largest
 * values, ten times F(2x2, 3x3)'s (check_conv holds both to the naive
 * loops' tolerance).
 *
 * Owns: nothing; every buffer is in the caller's scratch
 * (conv_wino4_scratch_len).
 */
#ifndef RECONVENE_CONV_WINO4_H
#define RECONVENE_CONV_WINO4_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/layer.h"

/* Whether conv layer l (shapes inferred) may take this path: a conv the
 * Winograd transforms compute on this CPU (conv_wino_applies: 3x3,
 * stride 1, padding 1, one group, the AVX-512 kernels), output sides
 * multiples of 4 up to CONV_WINO4_MAX_SIDE, at least CONV_WINO4_MIN_IN
 * inputs and CONV_WINO4_MIN_OUT outputs; and whether a call of `batch`
 * samples does (two or more). */
bool conv_wino4_eligible(const struct layer *l);
bool conv_wino4_runs(const struct layer *l, int batch);
#define CONV_WINO4_MIN_IN 64
#define CONV_WINO4_MIN_OUT 64
#define CONV_WINO4_MAX_SIDE 16

/* Floats of scratch any call of at most `batch` samples needs. */
size_t conv_wino4_scratch_len(const struct layer *l, int batch);

/* out = conv(in) + l->b, then l's fused activation if any (layer.h
 * post_relu), `batch` samples, on a team of `threads`. */
void conv_wino4_forward(const struct layer *l, const float *in, float *out, int batch,
			float *scratch, int threads);

/* The data gradient, din += (assign: =) its value for dout: a 3x3
 * stride-1 conv from the outputs back to the inputs with the filters
 * turned by 180 degrees. */
void conv_wino4_dgrad(const struct layer *l, const float *dout, float *din, bool assign,
		      int batch, float *scratch, int threads);

/* The weight gradient, dw += (assign: =) its value for in and dout,
 * summed over the samples.  The bias gradient is the caller's. */
void conv_wino4_wgrad(const struct layer *l, const float *in, const float *dout, float *dw,
		      bool assign, int batch, float *scratch, int threads);

/* A fused net's batch-1 forward (net_fuse.c packs the filters once).
 * At batch 1 the products are thin, 36 of (tiles x in) by (in x out),
 * so they run on gemm_panels_t over the filters packed in panels of 16
 * output channels (channels in vector lanes, no sgemm packing per call);
 * the transforms read and write the maps through an NHWC copy, sixteen
 * channels of a position as one vector.  On VGG-16 (one thread) conv1_2
 * went 0.29 -> 0.19 ms, conv2_1 0.115 -> 0.08 and conv2_2 0.23 -> 0.145
 * against F(2x2, 3x3)'s batch-1 path (docs/performance.md).
 *
 * Eligible: a conv conv_wino_applies takes, output sides multiples of 4
 * up to CONV_WINO4_FUSED_MAX_SIDE whose tiles come in sixteens (16x16
 * and 32x32 maps; an 8x8 map's four tiles would stream 4x the filters
 * of a direct conv through thin products), and the channel minimums
 * above.  Threads: a team splits positions, tiles and channels for the
 * transforms and the 36 products by xi, so every element is computed
 * the same on any team. */
#define CONV_WINO4_FUSED_MAX_SIDE 32
bool conv_wino4_fused_eligible(const struct layer *l);

/* Whether a forward of `batch` samples of l runs it: l has the packed
 * filters (layer.h LAYER_PACKED_WINO4), is still eligible (the kernel
 * cap could have dropped since the net was fused) and batch is 1. */
bool conv_wino4_fused_runs(const struct layer *l, int batch);

/* Floats of l's packed filters, and l->w transformed into them (false:
 * out of memory for the transform's temporary copy). */
size_t conv_wino4_fused_len(const struct layer *l);
bool conv_wino4_fused_weights(const struct layer *l, float *packed);

/* Floats of scratch the forward needs. */
size_t conv_wino4_fused_scratch(const struct layer *l);

/* out = conv(in) + l->b, then l's fused activation, for one sample, with
 * the filters packed by conv_wino4_fused_weights, on a team of
 * `threads`. */
void conv_wino4_fused_forward(const struct layer *l, const float *packed, const float *in,
			      float *out, float *scratch, int threads);

#endif
