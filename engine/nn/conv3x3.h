/* conv3x3.h: one sample of a 3x3, stride-1, one-group convolution run
 * directly over a zero-padded copy of its input, without im2col.
 *
 * The input's C planes are copied once into planes of width WP = W + pl +
 * pr with the padding as zeros.  Flattened, output position q = oh * WP +
 * ow then reads input q + kh * WP + kw for tap (kh, kw): every output row
 * and every tap is the same 1-D stencil over one long vector, so a kernel
 * runs down it 24 positions (three AVX registers) and 4 output channels at
 * a time, 12 accumulators, with no im2col matrix and no packing; with
 * AVX-512, 48 positions (three of its registers) and 8 output channels,
 * 24 accumulators.  The
 * positions ow >= OW of each row (WP - OW of them, 2 for a 'same' conv)
 * are computed and thrown away: the result lands in a staging matrix
 * [O'][QN] (O' = O rounded up to 4, QN = OH * WP rounded up to 48) and is
 * copied out row by row.
 *
 * The weight gradient is the same stencil the other way round: dW[o][c]
 * [kh][kw] = sum over q of dout[o][q] * in[c][q + kh * WP + kw], with dout
 * staged in the same [O'][QN] layout (zeros at the thrown-away positions),
 * 4 output channels x the 3 taps of one kernel row at a time.  The data
 * gradient is the forward of another 3x3 stride-1 conv (dout with the
 * flipped, transposed weights, padded by 2 - pad), so it uses the forward.
 *
 * Each output element and each weight gradient is one sum in a fixed
 * order: the result depends on neither timing nor threads.
 *
 * The kernels need AVX2 and FMA, or AVX-512: conv3x3_forward and
 * conv3x3_wgrad run the widest the CPU has (conv3x3_best_isa) and may only
 * be called where conv3x3_available() is true (conv2d.c keeps its GEMM
 * path elsewhere).  The _isa forms run a given one, for the tests and
 * bench_conv, which compare them.  AVX2 and AVX-512 sum in different
 * orders, so a result depends on the CPU (not on threads or timing).
 *
 * Owns: nothing; callers pass every buffer (sizes below).
 */
#ifndef RECONVENE_CONV3X3_H
#define RECONVENE_CONV3X3_H

#include <stdbool.h>
#include <stddef.h>

#define CONV3X3_OB 4   /* output channels per block */
#define CONV3X3_QB 48  /* output positions per block (AVX-512's; AVX2 runs
			* two blocks of 24) */

struct conv3x3 {
	int c, h, w;            /* input channels and map */
	int o, oh, ow;          /* output channels and map */
	int pt, pl, pb, pr;     /* padding, each 0..2 */
	int wp;                 /* padded width: w + pl + pr */
	int op;                 /* o rounded up to CONV3X3_OB */
	size_t qn;              /* staged positions: oh * wp rounded up to CONV3X3_QB */
	size_t plane;           /* floats per padded input plane, zero slack included */
};

/* The kernels' instruction sets, narrowest first. */
enum conv3x3_isa { CONV3X3_ISA_NONE, CONV3X3_ISA_AVX2, CONV3X3_ISA_AVX512 };

/* The widest this CPU runs (the OS saving its registers included), at
 * most the cap. */
enum conv3x3_isa conv3x3_best_isa(void);

/* Cap the kernels at isa for the whole process (CONV3X3_ISA_NONE: never
 * the direct path).  The front end calls it once, before any net runs
 * (tui/host/blas_kernel.c, from RECONVENE_CONV3X3_ISA): for A/B timings,
 * and for CPUs that lower their clock under AVX-512. */
void conv3x3_cap_isa(enum conv3x3_isa isa);

/* "AVX-512", "AVX2" or "none" (static storage). */
const char *conv3x3_isa_name(enum conv3x3_isa isa);

/* One line for --version and the benchmarks: which kernels run, and why
 * (static storage). */
const char *conv3x3_describe(void);

/* Whether this CPU runs the kernels (AVX2 and FMA at least). */
bool conv3x3_available(void);

/* The geometry of c -> o channels on an h x w map with the given padding
 * (each 0..2, and the output at least 1 x 1). */
void conv3x3_init(struct conv3x3 *g, int c, int h, int w, int o, int pt, int pl, int pb,
		  int pr);

/* The geometry of g's data gradient: dout (o channels, oh x ow) in, din
 * (c channels, h x w) out, each padding p becoming 2 - p. */
void conv3x3_dgrad_init(struct conv3x3 *t, const struct conv3x3 *g);

/* Buffer sizes in floats. */
size_t conv3x3_padded_floats(const struct conv3x3 *g);  /* c padded planes */
size_t conv3x3_staged_floats(const struct conv3x3 *g);  /* op x qn */
size_t conv3x3_packed_floats(const struct conv3x3 *g);  /* op * c * 9 */

/* w [o][c][3][3] -> packed, a block of CONV3X3_OB channels at a time
 * (zeros for the padding channels). */
void conv3x3_pack(const struct conv3x3 *g, const float *w, float *packed);

/* The packed weights of g's data-gradient conv t (conv3x3_dgrad_init)
 * straight from g's w: wt[c][o][kh][kw] = w[o][c][2 - kh][2 - kw]. */
void conv3x3_pack_dgrad(const struct conv3x3 *t, const float *w, float *packed);

/* in [c][h][w] -> padded (conv3x3_padded_floats), borders and slack 0. */
void conv3x3_pad(const struct conv3x3 *g, const float *in, float *padded);

/* staged [op][qn] = the convolution of padded by packed. */
void conv3x3_forward(const struct conv3x3 *g, const float *packed, const float *padded,
		     float *staged);

/* out [o][oh][ow] = staged (add: +=). */
void conv3x3_unstage(const struct conv3x3 *g, const float *staged, float *out, bool add);

/* dout [o][oh][ow] -> staged [op][qn], zeros elsewhere. */
void conv3x3_stage(const struct conv3x3 *g, const float *dout, float *staged);

/* dw [o][c][3][3] += the weight gradient of one sample: padded input
 * (conv3x3_pad) against its staged dout (conv3x3_stage). */
void conv3x3_wgrad(const struct conv3x3 *g, const float *padded, const float *staged,
		   float *dw);

/* conv3x3_forward, conv3x3_wgrad and conv3x3_unstage on the output
 * channels [o0, o1) alone (of staged's rows, dw's and out's channels):
 * o0 and o1 are bounds from conv3x3_part_bound.  Each channel comes out
 * exactly as the whole call computes it, so a caller may split one
 * sample's channels over threads (conv2d.c at batch 1) and get the same
 * bits on any number of them. */
void conv3x3_forward_part(const struct conv3x3 *g, const float *packed, const float *padded,
			  float *staged, int o0, int o1);
void conv3x3_wgrad_part(const struct conv3x3 *g, const float *padded, const float *staged,
			float *dw, int o0, int o1);
void conv3x3_unstage_part(const struct conv3x3 *g, const float *staged, float *out, bool add,
			  int o0, int o1);
/* Part th of nth (th = nth: the end): the first output channel of that
 * part, a multiple of 8 (the AVX-512 forward's blocks). */
int conv3x3_part_bound(const struct conv3x3 *g, int th, int nth);
/* The same two on a given instruction set, at most conv3x3_best_isa(). */
void conv3x3_forward_isa(enum conv3x3_isa isa, const struct conv3x3 *g, const float *packed,
			 const float *padded, float *staged);
void conv3x3_wgrad_isa(enum conv3x3_isa isa, const struct conv3x3 *g, const float *padded,
		       const float *staged, float *dw);

#endif
