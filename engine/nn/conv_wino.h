/* conv_wino.h: Winograd F(2x2, 3x3) for 3x3 stride-1 convs: a fused
 * inference net's batch-1 forward on 8x8 to 32x32 maps (net_fuse.h), and
 * (further down) the batched forward, data and weight gradients of every
 * net on 8x8 to 16x16 maps whose sides are not both multiples of 4
 * (those take F(4x4, 3x3), conv_wino4.h).
 *
 * A 2x2 block of outputs is A^T [(G g G^T) .* (B^T d B)] A for the 4x4
 * input patch d around it and each 3x3 filter g (Lavin and Gray 2016):
 * 16 multiplies per input channel where the direct sum takes 36.  Over a
 * layer that is 16 products of (out x in) by (in x tiles) matrices, one
 * per element xi of the 4x4 transformed tile, with 2.25 times fewer
 * multiply-adds than the conv.  In a fused net the filters' transform
 * G g G^T is done once, when the net is fused
 * (conv_wino_transform_weights), so a call costs the input transform,
 * the 16 products and the output transform (bias and the fused ReLU or
 * ReLU6 applied there).
 *
 * Where it pays (conv_wino_eligible for the layer, conv_wino_runs for a
 * call): VGG-16's 16x16 and 8x8 layers at batch 1 and one thread, Zen 5,
 * went 0.23 -> 0.12, 0.47 -> 0.31, 0.24 -> 0.12 and 0.48 -> 0.23 ms
 * (docs/performance.md, with the batched path's figures); its 32x32
 * conv1_2, where the direct 3x3 kernels (conv3x3.h) run near the core's
 * peak, 0.35-0.36 -> 0.29-0.30 ms (the batched path stays at 16x16 and
 * below).  On 4x4 and 2x2 maps the layer is a stream of its weights,
 * which the transform makes 16/9 as large.
 *
 * Layouts.  A fused net's batch-1 products on 8x8 maps (16 tiles) are
 * thin: the transformed filters are packed eight output channels at a
 * time, k-major (u[xi][o / 8][c][o % 8], zero past the last channel), and
 * one AVX-512 kernel streams them once in order against the 16 tile
 * columns held in cache.  Every other product is an OpenBLAS sgemm on
 * u[xi][o][c] against planes whose columns are the tiles of one sample,
 * or (batched) of a run of samples side by side.  At batch 1 threads
 * split the channels of the transforms and the 16 products, never a sum:
 * with the thin kernel, and with an sgemm as far as OpenBLAS computes a
 * product alike on its own threads and on one, an output has the same
 * bits on any number of threads.  Batched, threads take runs of samples,
 * and how many share a product depends on the team.
 *
 * Rounding: the transforms add and subtract up to 16 terms per value, so
 * outputs differ from the direct sum by a few units in the last place of
 * the layer's largest values (check_conv holds them to 1e-5 of those).
 *
 * Owns: nothing.  A fused net's transformed filters are the caller's
 * (net_fuse's block in struct net); a batched call transforms them into
 * its scratch, with every other buffer it needs.
 */
#ifndef RECONVENE_CONV_WINO_H
#define RECONVENE_CONV_WINO_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/layer.h"

/* Whether l is a conv the Winograd transforms compute (this file's and
 * conv_wino4.h's), on a CPU where they run: 3x3, stride 1, padding 1 on
 * every side, one group, and the AVX-512 kernels (conv3x3_best_isa, so
 * the process cap RECONVENE_CONV3X3_ISA turns them off too).  Each path
 * then asks its own channels and sides. */
bool conv_wino_applies(const struct layer *l);

/* Whether conv layer l (shapes inferred) may run this path in a fused
 * net: 3x3, stride 1, padding 1 on every side, one group, at least 64
 * input channels, output maps from 8x8 to 32x32, and a CPU with the
 * AVX-512 kernels (conv3x3_best_isa, so the process cap
 * RECONVENE_CONV3X3_ISA turns it off too).  conv_packing_for prefers
 * F(4x4, 3x3) (conv_wino4.h) where that takes the layer: 16x16 and 32x32
 * maps. */
bool conv_wino_eligible(const struct layer *l);

/* Floats of l's transformed filters. */
size_t conv_wino_weights_len(const struct layer *l);

/* l's filters (l->w) transformed into u (conv_wino_weights_len floats). */
void conv_wino_transform_weights(const struct layer *l, float *u);

/* Floats of scratch one call needs, on a team of at most `threads`. */
size_t conv_wino_scratch_len(const struct layer *l, int threads);

/* Whether a forward of `batch` samples of l runs this path: l has
 * transformed filters (a fused net's, layer.h LAYER_PACKED_WINO2), is
 * still eligible (the scratch conv2d sized) and batch is 1.  A larger
 * batch takes the batched paths: run sample by sample, this one lost at
 * two threads (VGG-16 at batch 100: 165-169 -> 175 ms, ResNet-20 29 ->
 * 34 ms), where the batched GEMMs use both cores. */
bool conv_wino_runs(const struct layer *l, int batch);

/* out (l->out) = the conv of one sample in (l->in) with the filters u
 * transformed from l->w, plus l->b, then l's fused activation (layer.h
 * post_relu), on a team of `threads` (1: the calling thread; OpenBLAS may
 * use its own inside the sgemm products). */
void conv_wino_forward(const struct layer *l, const float *u, const float *in, float *out,
		       float *scratch, int threads);

/* The batched path, for every net (training, scoring, a fused net's
 * larger batches): the filters transformed per call into the scratch,
 * then each thread of a team transforms, multiplies and transforms back
 * a run of samples, several to one product.  Whether l may take it (a
 * 3x3 stride-1 conv as above with 128 or more outputs, on 8x8 to 16x16
 * maps: where it measured faster), whether a call of `batch` samples
 * does (two or more), its scratch (0 where it does not run) and the
 * forward: out = conv(in) + l->b, then l's fused activation if any.
 * conv2d asks F(4x4, 3x3) first (conv_wino4.h): maps whose sides are
 * multiples of 4 go there, and this path keeps the others (10x10, 9x11). */
bool conv_wino_batch_eligible(const struct layer *l);
bool conv_wino_batch_runs(const struct layer *l, int batch);
/* Enough for any call of at most `batch` samples granted at most
 * `threads`. */
size_t conv_wino_batch_scratch_len(const struct layer *l, int batch, int threads);
void conv_wino_forward_batch(const struct layer *l, const float *in, float *out, int batch,
			     float *scratch, int threads);

/* The backward the same way, wherever the batched forward runs (conv2d's
 * conv2d_wino_path decides both): the data gradient as a 3x3 stride-1 conv
 * from the outputs back to the inputs with the filters turned by 180
 * degrees, din += (assign: =) its value for dout; the weight gradient
 * dw += (assign: =) G^T dU G, dU for each of the 16 transformed filter
 * values the product of the output gradient's transform (A dY A^T per
 * tile) and the input's (B^T d B), summed over every tile of every
 * sample (each thread its samples, the threads' sums then added in
 * thread order).  Both in the scratch conv_wino_batch_scratch_len
 * sizes; the bias gradient is the caller's. */
void conv_wino_dgrad_batch(const struct layer *l, const float *dout, float *din, bool assign,
			   int batch, float *scratch, int threads);
void conv_wino_wgrad_batch(const struct layer *l, const float *in, const float *dout, float *dw,
			   bool assign, int batch, float *scratch, int threads);

#endif
