/* conv_dw3.h: the forward of one channel of a 3x3 depthwise conv (one
 * input channel per group), stride 1 or 2, as a flat nine-tap stencil,
 * or (AVX-512) straight from the plane, below.
 *
 * The input plane is copied, a band of output rows at a time, into a
 * zero-padded buffer split by phase: with stride s, phase (a, b) holds the
 * padded plane's rows s*i + a and columns s*j + b (stride 1 has one phase,
 * the padded plane itself; stride 2 has four).  Tap (kh, kw) then reads
 * phase (kh % s, kw % s) at a fixed offset (kh / s) * width + kw / s from
 * output position q = oh * width + ow, so every output of the band is the
 * same nine-term sum over nine pointers into the buffer: one loop with no
 * bounds, no strides and no row calls, which the compiler vectorises
 * (AVX-512 and AVX2 clones, target_clones.h).  The width - OW positions
 * past each output row are computed and dropped when the rows are copied
 * out, with the bias already in and the fused ReLU or ReLU6 applied.
 *
 * Each output is bias + w[0] x[0] + ... + w[8] x[8] in that order (padding
 * reads zeros), without fused multiply-adds (the build is ISO C), so every
 * instruction set gives the same bits.
 *
 * Owns: nothing; the buffers live on the calling thread's stack
 * (CONV_DW3_BUFFER floats).
 */
#ifndef RECONVENE_CONV_DW3_H
#define RECONVENE_CONV_DW3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/conv2d_geom.h"

/* Floats of stack buffer per call (phases and staged outputs: 32 KiB). */
#define CONV_DW3_BUFFER 8192

/* Small planes go channels in lanes instead (conv_dw3_lanes):
 * CONV_DW3_LANES output channels at a time, their padded input planes
 * interleaved (position-major, a channel per lane) on the stack, so each
 * output position of the block is nine vector multiply-adds.  A plane of
 * 4x4 is 22 positions of the stencil above: mostly loop overhead.  Same
 * sums in the same order as conv_dw3_plane, so the same bits. */
#define CONV_DW3_LANES 16
#define CONV_DW3_LANES_PLANE 400 /* padded positions: 18 x 18 fits */
/* Output positions up to which lanes win: the planes go in and out by
 * gathers and scatters, which cost more than the stencil's overhead on
 * larger planes (MobileNetV2 at one thread, Zen 5: 4x4 planes 0.075 ->
 * 0.030 ms a layer, 8x8 even, 16x16 0.040 -> 0.066). */
#define CONV_DW3_LANES_OUT 64

/* On a CPU with AVX-512 (conv3x3_best_isa), two paths read the unpadded
 * plane straight from memory, with no copy and no gathers; padding is
 * zeros shifted or masked into the vectors, so the sums are the ones
 * above, to the bit.  MobileNetV2's seventeen depthwise convs at batch 1,
 * one thread, Zen 5: 0.46-0.51 -> 0.16 ms in all (docs/performance.md).
 *
 * The row path (conv_dw3_rows) takes the shapes of CIFAR-sized nets,
 * left and right padding 1:
 *   - stride 1, rows of 16k columns: sixteen outputs of a row read one
 *     vector of each of three input rows and the vectors either side,
 *     the columns left and right shifted in (valignd); four output rows
 *     at a time, so each input row is loaded and shifted once for three;
 *   - stride 1, rows of 8 or 4 columns: a vector is 16 / w rows, tap
 *     row kh one masked load of as many input rows, the shifts within
 *     each row;
 *   - stride 2 onto rows of 16k, 8 or 4 columns: the even and the odd
 *     input columns of 32 by two permutes, the odd ones shifted by one
 *     for column 2 ow - 1; rows of 8 pair two output rows in a vector,
 *     rows of 4 put four side by side.
 * The mask path (conv_dw3_masked) takes the other stride-1 planes with
 * output rows as long as input rows (pl + pr = 2), narrower than 16:
 * output position q = oh * w + ow reads input q + (kh - pt) * w +
 * (kw - pl) for tap (kh, kw), one offset for every q, so sixteen outputs
 * are nine loads, each with a lane mask that zeroes what would be padding
 * (or the next row's first column).  Masks are kept per vector, for
 * planes of up to CONV_DW3_MASKED_VECS x 16 outputs. */
#define CONV_DW3_MASKED_VECS 16

enum conv_dw3_path {
	CONV_DW3_NONE,		/* not these kernels: the caller's row loops */
	CONV_DW3_BY_PLANES,	/* conv_dw3_plane, plane by plane */
	CONV_DW3_BY_LANES,	/* conv_dw3_lanes, 16 channels at a time */
	CONV_DW3_BY_MASKS,	/* conv_dw3_masked, plane by plane */
	CONV_DW3_BY_ROWS	/* conv_dw3_rows_block, or one plane: conv_dw3_rows */
};

/* How a conv runs here, decided once per call by conv_dw3_plan. */
struct conv_dw3 {
	enum conv_dw3_path path;
	/* The plane path's bands: stride (s x s phases), floats per phase row
	 * (the padded width / s, rounded up), phase rows a band reads past
	 * its output rows (2 / s), output rows per band (the last may have
	 * fewer). */
	int s, width, extra, rows;
	/* The mask path: vectors of 16 outputs per plane (the last may be
	 * partial), tap t's offset from an output position to its input,
	 * and each vector's nine lane masks (bit l: output 16 v + l exists
	 * and tap t reads inside the plane). */
	int nvec;
	ptrdiff_t off[9];
	uint16_t mask[CONV_DW3_MASKED_VECS][9];
	/* The row path on rows of 8 or 4 columns (conv_dw3.c's dw3_rows):
	 * vectors of 16 / w rows, nvec of them, mask[v][kh] and these. */
	uint16_t prev_mask, next_mask;
};

/* The path for g: NONE unless a 3x3 kernel, stride 1 or 2, padding 0..2
 * on each side, and rows short enough that a band of one output row fits
 * the buffer; then BY_MASKS where it applies (above), else BY_LANES on at
 * most CONV_DW3_LANES_OUT outputs and CONV_DW3_LANES_PLANE padded
 * inputs, else BY_PLANES. */
void conv_dw3_plan(struct conv_dw3 *d, const struct conv2d_geom *g);

/* dst (g->oh x g->ow) = bias + the 3x3 conv of plane (g->h x g->w) with
 * w[0..9), then cf's fused activation when cf->post_relu
 * (layer_post_act).  d: conv_dw3_plan(g) with path BY_PLANES. */
void conv_dw3_plane(const struct conv_dw3 *d, const struct conv2d_geom *g,
		    const float *plane, const float *w, float bias,
		    const struct layer_conf *cf, float *dst);

/* Output channels [o0, o1) of one sample (o1 - o0 <= CONV_DW3_LANES):
 * in is the sample's g->c input planes, out its g->o output planes;
 * channel o reads input plane o / g->og, w[o * 9 ..], b[o] (b may be
 * NULL: no bias), then the activation as conv_dw3_plane.  d:
 * conv_dw3_plan(g) with path BY_LANES. */
void conv_dw3_lanes(const struct conv_dw3 *d, const struct conv2d_geom *g,
		    const float *in, const float *w, const float *b, int o0, int o1,
		    const struct layer_conf *cf, float *out);

/* As conv_dw3_plane, d: conv_dw3_plan(g) with path BY_ROWS. */
void conv_dw3_rows(const struct conv_dw3 *d, const struct conv2d_geom *g,
		   const float *plane, const float *w, float bias,
		   const struct layer_conf *cf, float *dst);

/* Output channels [o0, o1) of one sample on the row path, as
 * conv_dw3_lanes takes them (in: the sample's g->c planes, out its g->o;
 * b may be NULL): one call for many small planes, whose per-call setup
 * would otherwise cost more than their sums (MobileNetV2's 4x4 planes:
 * 10 -> 4 ns a plane). */
void conv_dw3_rows_block(const struct conv_dw3 *d, const struct conv2d_geom *g,
			 const float *in, const float *w, const float *b, int o0, int o1,
			 const struct layer_conf *cf, float *out);

/* As conv_dw3_plane, d: conv_dw3_plan(g) with path BY_MASKS.  The same
 * sums in the same order (zeros where padding is read), so the same
 * bits as the other two paths. */
void conv_dw3_masked(const struct conv_dw3 *d, const struct conv2d_geom *g,
		     const float *plane, const float *w, float bias,
		     const struct layer_conf *cf, float *dst);

/* The backward of the row path's shapes (conv_dw3_plan gives BY_ROWS;
 * at stride 1 also right padding 1), on AVX-512.  The weight gradient
 * sums dout times each tap's input vectors, taken as the forward takes
 * them, in nine vector accumulators over every sample (fused
 * multiply-adds, then across lanes).  The data gradient at stride 1 is
 * dout convolved with the kernel turned half a turn, padded 2 - p, on
 * the forward's row kernel; at stride 2 each din row is written once,
 * its even columns from tap kw = 1 and its odd ones from kw = 2 and the
 * next column's kw = 0, interleaved.  MobileNetV2 training at batch 64,
 * one thread, Zen 5: its depthwise backward 434 -> 90 ms a step.  A
 * result depends on neither timing nor threads; it differs in its last
 * bits from the generic loops' (conv2d.c), which sum in another order. */
struct conv_dw3_backward {
	struct conv_dw3 fwd;		/* the conv's own plan */
	struct conv2d_geom dgrad;	/* one dout plane to one din plane */
	struct conv_dw3 dplan;		/* its plan */
};

/* Whether g's backward runs here; fills b when it does. */
bool conv_dw3_backward_plan(struct conv_dw3_backward *b, const struct conv2d_geom *g);

/* Filter o (of input channel o / g->og) over batch samples of in
 * (batch x g->c planes) and dout (batch x g->o): dw[0..9) += its weight
 * gradients, summed over the samples in the accumulators; then, when din
 * is not NULL (batch x g->c planes), each sample's plane o / g->og of
 * din = or += (din_add) the gradient through w[0..9). */
void conv_dw3_backward(const struct conv_dw3_backward *b, const struct conv2d_geom *g,
		       const float *in, const float *dout, int batch, int o, const float *w,
		       float *dw, float *din, bool din_add);

#endif
