/* conv3x3.h: one sample of a 3x3, stride-1 or stride-2, one-group
 * convolution run directly over a zero-padded copy of its input, without
 * im2col.
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
 * Stride 2 (ResNet's downsampling convs) is the same stencil over four
 * phase planes: the padded input split by the parity of its row and
 * column, each plane (PH rows of WP = ceil(padded width / 2)) holding
 * padded[2y + a][2x + b] at y * WP + x.  Output q = oh * WP + ow then
 * reads phase (kh % 2, kw % 2) at q + (kh / 2) * WP + kw / 2 for tap
 * (kh, kw): one offset per tap again, so the forward kernel and the
 * staging are the stride-1 ones with another table (conv3x3_init_stride),
 * and the weight gradient takes taps kw = 0 and 2 from one phase and
 * kw = 1 from the other.  Its data gradient is four stride-1 convs of
 * dout (padded by 1) onto the four phases of the padded input's
 * gradient, phase (a, b) taking the 4, 2, 2 or 1 taps (kh, kw) with kh %
 * 2 = a and kw % 2 = b: 9 in all, the conv's own multiply-adds.  Its
 * geometry (conv3x3_dgrad_init of a stride-2 one) runs through the same
 * functions as a stride-1 data gradient: pack_dgrad, pad (dout), forward
 * (the four phases), unstage (interleaving them into din).  Stride 2 runs
 * on AVX-512 only (conv3x3_stride_available).
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

/* What a geometry computes (the stride-2 forms above). */
enum conv3x3_mode {
	CONV3X3_MODE_S1,        /* a stride-1 conv, or its data gradient */
	CONV3X3_MODE_S2,        /* a stride-2 conv: input in four phase planes */
	CONV3X3_MODE_S2_DGRAD,  /* a stride-2 conv's data gradient: four outputs */
};

#define CONV3X3_PHASES 4

struct conv3x3 {
	enum conv3x3_mode mode;
	int c, h, w;            /* input channels and map */
	int o, oh, ow;          /* output channels and map (S2_DGRAD: the phase
				 * grid, PH x WP of the forward's) */
	int pt, pl, pb, pr;     /* padding, each 0..2 */
	int wp;                 /* row length of the stencil: the padded width
				 * (S2: a phase plane's) */
	int op;                 /* o rounded up to CONV3X3_OB */
	size_t qn;              /* staged positions: oh * wp rounded up to CONV3X3_QB */
	size_t plane;           /* floats per padded input channel, zero slack
				 * included (S2: four phase planes) */
	size_t phase_plane;     /* S2: floats per phase plane */
	/* The stencil: nphase outputs (4 for S2_DGRAD, else 1), output
	 * phase f summing ntap[f] taps, tap j the kernel position tap[f][j]
	 * (kh * 3 + kw of the conv's w) read at off[f][j] past the output
	 * position in each channel's padded input. */
	int nphase;
	int ntap[CONV3X3_PHASES];
	int tap[CONV3X3_PHASES][9];
	ptrdiff_t off[CONV3X3_PHASES][9];
	/* S2_DGRAD: din's map (the forward's input) and where it starts in
	 * the padded grid (the forward's pt and pl). */
	int dh, dw, dt, dl;
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

/* Whether it runs them at this stride: 1 where conv3x3_available, 2
 * where conv3x3_best_isa is AVX-512. */
bool conv3x3_stride_available(int stride);

/* The geometry of c -> o channels on an h x w map with the given padding
 * (each 0..2, and the output at least 1 x 1), stride 1 or 2. */
void conv3x3_init(struct conv3x3 *g, int c, int h, int w, int o, int pt, int pl, int pb,
		  int pr);
void conv3x3_init_stride(struct conv3x3 *g, int c, int h, int w, int o, int stride, int pt,
			 int pl, int pb, int pr);

/* The geometry of g's data gradient: dout (o channels, oh x ow) in, din
 * (c channels, h x w) out.  Stride 1: a stride-1 conv, each padding p
 * becoming 2 - p; stride 2: the four phase convs (the top). */
void conv3x3_dgrad_init(struct conv3x3 *t, const struct conv3x3 *g);

/* Buffer sizes in floats. */
size_t conv3x3_padded_floats(const struct conv3x3 *g);  /* c padded planes */
size_t conv3x3_staged_floats(const struct conv3x3 *g);  /* nphase x op x qn */
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

/* out [o][oh][ow] = staged (add: +=); S2_DGRAD: din [o][dh][dw] from the
 * four phases. */
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
