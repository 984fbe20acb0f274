/* conv_wino4.h: Winograd F(4x4, 3x3) for the batched 3x3 stride-1 convs
 * on 4x4 maps (VGG's conv4 block on CIFAR): forward, data gradient and
 * weight gradient, for training and scoring.
 *
 * On a 4x4 map with padding 1 a sample's whole output is one 4x4 tile,
 * and its padded input one 6x6 patch d: Y = A^T [(G g G^T) .* (B^T d B)] A
 * (Lavin and Gray 2016, points 0, +-1, +-2): 36 multiplies per input
 * channel where the direct sum takes 144.  Over a layer that is 36
 * products, one per element xi of the 6x6 transformed tile, of
 * (samples x in) by (in x out) matrices: four times fewer multiply-adds
 * than the conv, at the cost of the filters' transform (36 floats per
 * filter where the conv reads 9) and the tiles'.  F(2x2, 3x3)
 * (conv_wino.h), four tiles a sample here, saves 2.25 times and lost.
 *
 * Layouts, all row-major: the transformed inputs v[xi][n][c] and filters
 * u[xi][o][c], the products m[xi][n][o] = v[xi] u[xi]^T (one sgemm per
 * xi, the samples of a run as rows), so that each transform reads and
 * writes sixteen channels as one vector.  The weight gradient is
 * dU[xi] = Z[xi]^T v[xi] with Z = A dY A^T, then G^T dU G.
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

/* Whether conv layer l (shapes inferred) may take this path: 3x3,
 * stride 1, padding 1 on every side, one group, 4x4 outputs, at least
 * CONV_WINO4_MIN_IN inputs and CONV_WINO4_MIN_OUT outputs, on a CPU with
 * the AVX-512 kernels (conv3x3_best_isa, so RECONVENE_CONV3X3_ISA caps it
 * too); and whether a call of `batch` samples does (two or more). */
bool conv_wino4_eligible(const struct layer *l);
bool conv_wino4_runs(const struct layer *l, int batch);
#define CONV_WINO4_MIN_IN 64
#define CONV_WINO4_MIN_OUT 64

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

#endif
