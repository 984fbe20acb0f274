/* conv3x3.c: 3x3 stride-1 and stride-2 convolutions over a zero-padded
 * plane (conv3x3.h has the layout and the argument).
 *
 * The accumulators are named variables, not an array: gcc -O2 keeps an
 * array of __m256 on the stack (gemm_thin.c learnt the same).  The two
 * kernels use 12 accumulators and 4 working registers, the 16 of AVX2.
 */
#include "config.h"

#include <stdatomic.h>
#include <string.h>

#include "base/status.h"
#include "base/target_clones.h"
#include "nn/conv3x3.h"
#include "nn/lane_mask.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CONV3X3_X86 1
#endif

#ifdef _OPENMP
#define CONV3X3_OMP(directive) _Pragma(directive)
#else
#define CONV3X3_OMP(directive)
#endif

static size_t conv3x3_round(size_t n, size_t m)
{
	return (n + m - 1) / m * m;
}

static enum conv3x3_isa conv3x3_cpu_isa(void)
{
#ifdef CONV3X3_X86
	if (__builtin_cpu_supports("avx512f"))
		return CONV3X3_ISA_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return CONV3X3_ISA_AVX2;
#endif
	return CONV3X3_ISA_NONE;
}

/* The cap conv3x3_cap_isa set: a process setting like OpenBLAS's kernel
 * choice, made once by the front end before any net runs (conv2d sizes
 * scratch and picks paths by the result, which must not change under a
 * running net).  Atomic so that a late call is still a defined read. */
static atomic_int conv3x3_cap = CONV3X3_ISA_AVX512;

void conv3x3_cap_isa(enum conv3x3_isa cap)
{
	atomic_store(&conv3x3_cap, (int)cap);
}

enum conv3x3_isa conv3x3_best_isa(void)
{
	const int cpu = (int)conv3x3_cpu_isa(), cap = atomic_load(&conv3x3_cap);
	return (enum conv3x3_isa)(cpu < cap ? cpu : cap);
}

const char *conv3x3_describe(void)
{
	const enum conv3x3_isa cpu = conv3x3_cpu_isa(), best = conv3x3_best_isa();
	if (best < cpu)
		return best == CONV3X3_ISA_AVX2
			       ? "AVX2 direct kernels (capped by RECONVENE_CONV3X3_ISA=avx2; this CPU has AVX-512)"
			       : "none (RECONVENE_CONV3X3_ISA=none: im2col + sgemm for every conv)";
	if (best == CONV3X3_ISA_NONE)
		return "none (no AVX2 and FMA: im2col + sgemm for every conv)";
	return best == CONV3X3_ISA_AVX512 ? "AVX-512 direct kernels" : "AVX2 direct kernels";
}

bool conv3x3_available(void)
{
	return conv3x3_best_isa() != CONV3X3_ISA_NONE;
}

bool conv3x3_stride_available(int stride)
{
	return stride == 1 ? conv3x3_available()
			   : stride == 2 && conv3x3_best_isa() == CONV3X3_ISA_AVX512;
}

const char *conv3x3_isa_name(enum conv3x3_isa isa)
{
	switch (isa) {
	case CONV3X3_ISA_AVX512:
		return "AVX-512";
	case CONV3X3_ISA_AVX2:
		return "AVX2";
	case CONV3X3_ISA_NONE:
		break;
	}
	return "none";
}

/* The one output phase of a conv: tap t (kh * 3 + kw) at its offset. */
static void conv3x3_taps_one(struct conv3x3 *g)
{
	g->nphase = 1;
	g->ntap[0] = 9;
	for (int t = 0; t < 9; t++) {
		const int kh = t / 3, kw = t % 3;
		g->tap[0][t] = t;
		if (g->mode == CONV3X3_MODE_S1)
			g->off[0][t] = (ptrdiff_t)kh * g->wp + kw;
		else /* phase (kh % 2, kw % 2), then the shift within it */
			g->off[0][t] = (ptrdiff_t)((kh & 1) * 2 + (kw & 1)) *
					       (ptrdiff_t)g->phase_plane +
				       (ptrdiff_t)(kh >> 1) * g->wp + (kw >> 1);
	}
}

void conv3x3_init_stride(struct conv3x3 *g, int c, int h, int w, int o, int stride, int pt,
			 int pl, int pb, int pr)
{
	ENG_ASSERT(stride == 1 || stride == 2);
	g->mode = stride == 1 ? CONV3X3_MODE_S1 : CONV3X3_MODE_S2;
	g->c = c;
	g->h = h;
	g->w = w;
	g->o = o;
	g->pt = pt;
	g->pl = pl;
	g->pb = pb;
	g->pr = pr;
	g->dh = g->dw = g->dt = g->dl = 0;
	g->op = (int)conv3x3_round((size_t)o, CONV3X3_OB);
	if (stride == 1) {
		g->wp = w + pl + pr;
		g->oh = h + pt + pb - 2;
		g->ow = g->wp - 2;
		g->qn = conv3x3_round((size_t)g->oh * (size_t)g->wp, CONV3X3_QB);
		/* The last forward block of B positions (24 with AVX2, 48
		 * with AVX-512) reads up to qn - B + 2 * wp + 2 + B - 1 = qn +
		 * 2 * wp + 1, AVX2's weight gradient as far, and AVX-512's,
		 * which loads one vector ahead, up to qn + 2 * wp + 15: all
		 * within the zeros. */
		g->plane = conv3x3_round(g->qn + 2 * (size_t)g->wp + 16, 8);
		g->phase_plane = 0;
	} else {
		const int hp = h + pt + pb, wpad = w + pl + pr;
		g->wp = (wpad + 1) / 2;
		g->oh = (hp - 3) / 2 + 1;
		g->ow = (wpad - 3) / 2 + 1;
		g->qn = conv3x3_round((size_t)g->oh * (size_t)g->wp, CONV3X3_QB);
		/* A phase holds (hp + 1) / 2 = oh + 1 rows; the forward reads
		 * a phase up to qn - 1 + wp + 1, the weight gradient's
		 * vector ahead up to qn + wp + 15 (in the next phase but
		 * one at most: zeros or data, never past the channel). */
		g->phase_plane = conv3x3_round(g->qn + (size_t)g->wp + 16, 8);
		g->plane = CONV3X3_PHASES * g->phase_plane;
	}
	conv3x3_taps_one(g);
}

void conv3x3_init(struct conv3x3 *g, int c, int h, int w, int o, int pt, int pl, int pb,
		  int pr)
{
	conv3x3_init_stride(g, c, h, w, o, 1, pt, pl, pb, pr);
}

/* A stride-2 conv g's data gradient: dout padded by 1 on every side (rows
 * of wp = ow + 2), and output phase (a, b) of the padded input's
 * gradient at y * wp + x (y < PH, x < the forward's wp) summing, over the
 * taps (kh, kw) of that parity, w[o][c][kh][kw] dout[o][y - kh / 2][x -
 * kw / 2], i.e. padded dout at offset (1 - kh / 2) * wp + 1 - kw / 2. */
static void conv3x3_dgrad_init_s2(struct conv3x3 *t, const struct conv3x3 *g)
{
	t->mode = CONV3X3_MODE_S2_DGRAD;
	t->c = g->o;
	t->h = g->oh;
	t->w = g->ow;
	t->o = g->c;
	t->pt = t->pl = t->pb = t->pr = 1;
	t->wp = g->ow + 2;
	t->oh = g->oh + 1;      /* PH */
	t->ow = g->wp;          /* the forward's phase width */
	t->op = (int)conv3x3_round((size_t)t->o, CONV3X3_OB);
	t->qn = conv3x3_round((size_t)t->oh * (size_t)t->wp, CONV3X3_QB);
	/* dout's oh + 2 = PH + 1 rows, and reads up to qn + wp. */
	t->plane = conv3x3_round(t->qn + 2 * (size_t)t->wp + 16, 8);
	t->phase_plane = 0;
	t->dh = g->h;
	t->dw = g->w;
	t->dt = g->pt;
	t->dl = g->pl;
	t->nphase = CONV3X3_PHASES;
	for (int f = 0; f < CONV3X3_PHASES; f++) {
		const int a = f >> 1, b = f & 1;
		int n = 0;
		for (int kh = a; kh < 3; kh += 2)
			for (int kw = b; kw < 3; kw += 2) {
				t->tap[f][n] = kh * 3 + kw;
				t->off[f][n] = (ptrdiff_t)(1 - kh / 2) * t->wp + (1 - kw / 2);
				n++;
			}
		t->ntap[f] = n;
	}
}

void conv3x3_dgrad_init(struct conv3x3 *t, const struct conv3x3 *g)
{
	ENG_ASSERT(g->mode != CONV3X3_MODE_S2_DGRAD);
	if (g->mode == CONV3X3_MODE_S2) {
		conv3x3_dgrad_init_s2(t, g);
		return;
	}
	conv3x3_init(t, g->o, g->oh, g->ow, g->c, 2 - g->pt, 2 - g->pl, 2 - g->pb, 2 - g->pr);
}

size_t conv3x3_padded_floats(const struct conv3x3 *g)
{
	return (size_t)g->c * g->plane;
}

size_t conv3x3_staged_floats(const struct conv3x3 *g)
{
	return (size_t)g->nphase * (size_t)g->op * g->qn;
}

size_t conv3x3_packed_floats(const struct conv3x3 *g)
{
	return (size_t)g->c * 9 * (size_t)g->op;
}

/* Output phase f's weights start after the phases before it: op * c
 * * ntap floats each. */
static size_t conv3x3_phase_base(const struct conv3x3 *g, int f)
{
	size_t taps = 0;
	for (int k = 0; k < f; k++)
		taps += (size_t)g->ntap[k];
	return taps * (size_t)g->c * (size_t)g->op;
}

/* Within a phase of n taps (from its conv3x3_phase_base),
 * packed[(ob / CONV3X3_OB) * c * n + ci * n + j][o % CONV3X3_OB]: one
 * block's weights are one contiguous run that its kernel reads front to
 * back (a [c][9][op] layout put every broadcast on a new cache line). */
static size_t conv3x3_packed_at(const struct conv3x3 *g, int n, int o, int ci, int j)
{
	return (((size_t)(o / CONV3X3_OB) * (size_t)g->c + (size_t)ci) * (size_t)n + (size_t)j) *
		       CONV3X3_OB +
	       (size_t)(o % CONV3X3_OB);
}

void conv3x3_pack(const struct conv3x3 *g, const float *w, float *packed)
{
	ENG_ASSERT(g->mode != CONV3X3_MODE_S2_DGRAD);
	for (int o = 0; o < g->op; o++)
		for (int c = 0; c < g->c; c++)
			for (int t = 0; t < 9; t++)
				packed[conv3x3_packed_at(g, 9, o, c, t)] =
					o < g->o ? w[((size_t)o * (size_t)g->c + (size_t)c) * 9 + (size_t)t]
						 : 0.0f;
}

void conv3x3_pack_dgrad(const struct conv3x3 *t, const float *w, float *packed)
{
	/* t's input channels are g's outputs (t->c = g->o) and its outputs
	 * g's inputs (t->o = g->c); w is g's [t->c][t->o][3][3].  Stride 1
	 * turns the kernel by 180 degrees (tap 8 - j); stride 2's phases
	 * take their taps as listed. */
	const bool s1 = t->mode == CONV3X3_MODE_S1;
	for (int f = 0; f < t->nphase; f++) {
		float *pf = packed + conv3x3_phase_base(t, f);
		const int n = t->ntap[f];
		for (int ic = 0; ic < t->op; ic++)
			for (int oc = 0; oc < t->c; oc++)
				for (int j = 0; j < n; j++)
					pf[conv3x3_packed_at(t, n, ic, oc, j)] =
						ic < t->o ? w[((size_t)oc * (size_t)t->o + (size_t)ic) * 9 +
							      (size_t)(s1 ? 8 - j : t->tap[f][j])]
							  : 0.0f;
	}
}

/* Rows of 8-64 floats, one row per call: a memcpy call each cost more
 * than the copy (glibc's memmove was 8 % of a resnet20 SNIP call).  In the
 * clones below the copy loop is a few vector moves, inline; gcc -O2 would
 * turn it back into a memmove call (its loop-pattern pass), which
 * CONV3X3_ROWS turns off for these three functions. */
#if defined(__GNUC__) && !defined(__clang__)
#define CONV3X3_ROWS ENG_TARGET_CLONES __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define CONV3X3_ROWS ENG_TARGET_CLONES
#endif
#define CONV3X3_COPY(dst, src, n)                       \
	do {                                            \
		float *restrict d_ = (dst);             \
		const float *restrict s_ = (src);       \
		const int n_ = (n);                     \
		CONV3X3_OMP("omp simd")                 \
		for (int i_ = 0; i_ < n_; i_++)         \
			d_[i_] = s_[i_];                \
	} while (0)

#ifdef CONV3X3_X86
/* Stride 2: phase (a, b) of channel c holds padded[2y + a][2x + b] at y *
 * wp + x, zeros elsewhere.  Input row ih is padded row Y = ih + pt, so
 * phase row Y / 2 of parity a = Y % 2; its even elements (iw = 2k,
 * padded column 2k + pl) go to phase pl % 2 at x = k + pl / 2, its odd
 * ones to the other phase at k + (pl + 1) / 2: one deinterleave per row
 * (two permutes per 32 floats).  Stride 2 runs on AVX-512 only
 * (conv3x3_stride_available). */
__attribute__((target("avx512f")))
static void conv3x3_pad_phases(const struct conv3x3 *g, const float *in, float *padded)
{
	const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26,
					       28, 30);
	const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
	const int ne = (g->w + 1) / 2, no = g->w / 2;
	const size_t xe = (size_t)(g->pl >> 1), xo = (size_t)((g->pl + 1) >> 1);
	const size_t be = (size_t)(g->pl & 1), bo = be ^ 1;
	for (int c = 0; c < g->c; c++) {
		float *pc = padded + (size_t)c * g->plane;
		memset(pc, 0, g->plane * sizeof(float));
		const float *src = in + (size_t)c * (size_t)g->h * (size_t)g->w;
		for (int ih = 0; ih < g->h; ih++, src += g->w) {
			const int y = ih + g->pt;
			float *row = pc + (size_t)((y & 1) * 2) * g->phase_plane +
				     (size_t)(y >> 1) * (size_t)g->wp;
			float *de = row + be * g->phase_plane + xe;
			float *dq = row + bo * g->phase_plane + xo;
			for (int k = 0; k < ne; k += 16) {
				const int n = g->w - 2 * k;
				const __m512 v0 = _mm512_maskz_loadu_ps(lane_mask16(n), src + 2 * k);
				const __m512 v1 = _mm512_maskz_loadu_ps(lane_mask16(n - 16),
									src + 2 * k + 16);
				_mm512_mask_storeu_ps(de + k, lane_mask16(ne - k),
						      _mm512_permutex2var_ps(v0, even, v1));
				_mm512_mask_storeu_ps(dq + k, lane_mask16(no - k),
						      _mm512_permutex2var_ps(v0, odd, v1));
			}
		}
	}
}

/* S2_DGRAD: din[o][ih][iw] is phase ((ih + dt) % 2, (iw + dl) % 2) at
 * ((ih + dt) / 2) * wp + (iw + dl) / 2: a row of din interleaves two
 * phase rows (even iw from phase dl % 2 at k + dl / 2, odd from the
 * other at k + (dl + 1) / 2), two permutes per 32 floats. */
__attribute__((target("avx512f")))
static void conv3x3_unstage_phases(const struct conv3x3 *g, const float *staged, float *out,
				   bool add, int o0, int o1)
{
	const __m512i lo_idx = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22,
						 7, 23);
	const __m512i hi_idx = _mm512_add_epi32(lo_idx, _mm512_set1_epi32(8));
	const size_t per_phase = (size_t)g->op * g->qn;
	const int ne = (g->dw + 1) / 2, no = g->dw / 2;
	const size_t xe = (size_t)(g->dl >> 1), xo = (size_t)((g->dl + 1) >> 1);
	const size_t be = (size_t)(g->dl & 1), bo = be ^ 1;
	for (int o = o0; o < o1; o++) {
		float *dst = out + (size_t)o * (size_t)g->dh * (size_t)g->dw;
		for (int ih = 0; ih < g->dh; ih++, dst += g->dw) {
			const int y = ih + g->dt;
			const float *row = staged + (size_t)((y & 1) * 2) * per_phase +
					   (size_t)o * g->qn + (size_t)(y >> 1) * (size_t)g->wp;
			const float *se = row + be * per_phase + xe, *so = row + bo * per_phase + xo;
			for (int k = 0; k < ne; k += 16) {
				/* Masked loads: nothing past the row's last
				 * element is read (the last phase's last row
				 * ends the buffer). */
				const __m512 e = _mm512_maskz_loadu_ps(lane_mask16(ne - k), se + k);
				const __m512 q = _mm512_maskz_loadu_ps(lane_mask16(no - k), so + k);
				__m512 v0 = _mm512_permutex2var_ps(e, lo_idx, q);
				__m512 v1 = _mm512_permutex2var_ps(e, hi_idx, q);
				const __mmask16 m0 = lane_mask16(g->dw - 2 * k);
				const __mmask16 m1 = lane_mask16(g->dw - 2 * k - 16);
				if (add) {
					v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, dst + 2 * k));
					v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, dst + 2 * k + 16));
				}
				_mm512_mask_storeu_ps(dst + 2 * k, m0, v0);
				_mm512_mask_storeu_ps(dst + 2 * k + 16, m1, v1);
			}
		}
	}
}
#endif

CONV3X3_ROWS void conv3x3_pad(const struct conv3x3 *g, const float *in, float *padded)
{
	if (g->mode == CONV3X3_MODE_S2) {
#ifdef CONV3X3_X86
		conv3x3_pad_phases(g, in, padded);
#endif
		return;
	}
	const size_t wp = (size_t)g->wp;
	for (int c = 0; c < g->c; c++) {
		float *p = padded + (size_t)c * g->plane;
		const float *src = in + (size_t)c * (size_t)g->h * (size_t)g->w;
		memset(p, 0, (size_t)g->pt * wp * sizeof(float));
		float *row = p + (size_t)g->pt * wp;
		for (int ih = 0; ih < g->h; ih++, row += wp, src += g->w) {
			for (int i = 0; i < g->pl; i++)
				row[i] = 0.0f;
			CONV3X3_COPY(row + g->pl, src, g->w);
			for (int i = 0; i < g->pr; i++)
				row[g->pl + g->w + i] = 0.0f;
		}
		memset(row, 0, (size_t)(p + g->plane - row) * sizeof(float));
	}
}

void conv3x3_unstage(const struct conv3x3 *g, const float *staged, float *out, bool add)
{
	conv3x3_unstage_part(g, staged, out, add, 0, g->op);
}

CONV3X3_ROWS void conv3x3_unstage_part(const struct conv3x3 *g, const float *staged,
					    float *out, bool add, int o0, int o1)
{
	o1 = o1 < g->o ? o1 : g->o;
	if (g->mode == CONV3X3_MODE_S2_DGRAD) {
#ifdef CONV3X3_X86
		conv3x3_unstage_phases(g, staged, out, add, o0, o1);
#endif
		return;
	}
	for (int o = o0; o < o1; o++) {
		const float *src = staged + (size_t)o * g->qn;
		float *dst = out + (size_t)o * (size_t)g->oh * (size_t)g->ow;
		for (int oh = 0; oh < g->oh; oh++, src += g->wp, dst += g->ow) {
			if (add) {
				CONV3X3_OMP("omp simd")
				for (int i = 0; i < g->ow; i++)
					dst[i] += src[i];
			} else {
				CONV3X3_COPY(dst, src, g->ow);
			}
		}
	}
}

CONV3X3_ROWS void conv3x3_stage(const struct conv3x3 *g, const float *dout, float *staged)
{
	ENG_ASSERT(g->mode != CONV3X3_MODE_S2_DGRAD);
	memset(staged, 0, conv3x3_staged_floats(g) * sizeof(float));
	for (int o = 0; o < g->o; o++) {
		float *dst = staged + (size_t)o * g->qn;
		const float *src = dout + (size_t)o * (size_t)g->oh * (size_t)g->ow;
		for (int oh = 0; oh < g->oh; oh++, dst += g->wp, src += g->ow)
			CONV3X3_COPY(dst, src, g->ow);
	}
}

#ifdef CONV3X3_X86

#define CONV3X3_FMA4(x, w0, w1, w2, w3, a0, a1, a2, a3) \
	do {                                             \
		a0 = _mm256_fmadd_ps(w0, x, a0);         \
		a1 = _mm256_fmadd_ps(w1, x, a1);         \
		a2 = _mm256_fmadd_ps(w2, x, a2);         \
		a3 = _mm256_fmadd_ps(w3, x, a3);         \
	} while (0)

/* One output channel's three vectors: one broadcast in flight at a time,
 * so that 3 inputs, 1 weight and 12 accumulators fill the 16 registers
 * (four broadcasts up front made gcc spill an accumulator). */
#define CONV3X3_FMA3(wp_, x0, x1, x2, a0, a1, a2)                 \
	do {                                                      \
		const __m256 w_ = _mm256_broadcast_ss(wp_);       \
		a0 = _mm256_fmadd_ps(w_, x0, a0);                 \
		a1 = _mm256_fmadd_ps(w_, x1, a1);                 \
		a2 = _mm256_fmadd_ps(w_, x2, a2);                 \
	} while (0)

__attribute__((target("avx2,fma")))
static void conv3x3_forward_avx2(const struct conv3x3 *g, const float *packed,
				 const float *padded, float *staged, int o0, int o1)
{
	/* One output phase of 9 taps (conv3x3_part_ok): S1 or S2. */
	ptrdiff_t off[9];
	memcpy(off, g->off[0], sizeof off);
	const size_t qn = g->qn;
	for (size_t ob = (size_t)o0; ob < (size_t)o1; ob += CONV3X3_OB) {
		float *s0 = staged + ob * qn, *s1 = s0 + qn, *s2 = s1 + qn, *s3 = s2 + qn;
		for (size_t q = 0; q < qn; q += 24) {
			__m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00;
			__m256 a10 = a00, a11 = a00, a12 = a00;
			__m256 a20 = a00, a21 = a00, a22 = a00;
			__m256 a30 = a00, a31 = a00, a32 = a00;
			const float *pc = padded + q;
			const float *wt = packed + ob * (size_t)g->c * 9;
			for (int c = 0; c < g->c; c++, pc += g->plane) {
				for (int t = 0; t < 9; t++, wt += CONV3X3_OB) {
					const float *p = pc + off[t];
					const __m256 x0 = _mm256_loadu_ps(p);
					const __m256 x1 = _mm256_loadu_ps(p + 8);
					const __m256 x2 = _mm256_loadu_ps(p + 16);
					CONV3X3_FMA3(wt, x0, x1, x2, a00, a01, a02);
					CONV3X3_FMA3(wt + 1, x0, x1, x2, a10, a11, a12);
					CONV3X3_FMA3(wt + 2, x0, x1, x2, a20, a21, a22);
					CONV3X3_FMA3(wt + 3, x0, x1, x2, a30, a31, a32);
				}
			}
			_mm256_storeu_ps(s0 + q, a00);
			_mm256_storeu_ps(s0 + q + 8, a01);
			_mm256_storeu_ps(s0 + q + 16, a02);
			_mm256_storeu_ps(s1 + q, a10);
			_mm256_storeu_ps(s1 + q + 8, a11);
			_mm256_storeu_ps(s1 + q + 16, a12);
			_mm256_storeu_ps(s2 + q, a20);
			_mm256_storeu_ps(s2 + q + 8, a21);
			_mm256_storeu_ps(s2 + q + 16, a22);
			_mm256_storeu_ps(s3 + q, a30);
			_mm256_storeu_ps(s3 + q + 8, a31);
			_mm256_storeu_ps(s3 + q + 16, a32);
		}
	}
}

__attribute__((target("avx2,fma")))
static float conv3x3_hsum(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma")))
static void conv3x3_wgrad_avx2(const struct conv3x3 *g, const float *padded,
			       const float *staged, float *dw, int o0, int o1)
{
	const size_t qn = g->qn;
	for (int ob = o0; ob < o1; ob += CONV3X3_OB) {
		const float *d0 = staged + (size_t)ob * qn, *d1 = d0 + qn, *d2 = d1 + qn,
			    *d3 = d2 + qn;
		for (int c = 0; c < g->c; c++) {
			for (int kh = 0; kh < 3; kh++) {
				const float *p = padded + (size_t)c * g->plane + (size_t)kh * (size_t)g->wp;
				__m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00;
				__m256 a10 = a00, a11 = a00, a12 = a00;
				__m256 a20 = a00, a21 = a00, a22 = a00;
				__m256 a30 = a00, a31 = a00, a32 = a00;
				for (size_t q = 0; q < qn; q += 8) {
					const __m256 y0 = _mm256_loadu_ps(d0 + q);
					const __m256 y1 = _mm256_loadu_ps(d1 + q);
					const __m256 y2 = _mm256_loadu_ps(d2 + q);
					const __m256 y3 = _mm256_loadu_ps(d3 + q);
					__m256 x = _mm256_loadu_ps(p + q);
					CONV3X3_FMA4(x, y0, y1, y2, y3, a00, a10, a20, a30);
					x = _mm256_loadu_ps(p + q + 1);
					CONV3X3_FMA4(x, y0, y1, y2, y3, a01, a11, a21, a31);
					x = _mm256_loadu_ps(p + q + 2);
					CONV3X3_FMA4(x, y0, y1, y2, y3, a02, a12, a22, a32);
				}
				const __m256 acc[CONV3X3_OB][3] = { { a00, a01, a02 }, { a10, a11, a12 },
								    { a20, a21, a22 }, { a30, a31, a32 } };
				for (int i = 0; i < CONV3X3_OB && ob + i < g->o; i++) {
					float *d = dw + ((size_t)(ob + i) * (size_t)g->c + (size_t)c) * 9 +
						   (size_t)kh * 3;
					for (int kw = 0; kw < 3; kw++)
						d[kw] += conv3x3_hsum(acc[i][kw]);
				}
			}
		}
	}
}

/* AVX-512 (32 registers of 16 floats): the forward runs 8 output channels
 * (two packed blocks) x 48 positions, 24 accumulators, 3 inputs and one
 * broadcast; a last block of 4 channels (op not a multiple of 8) runs 4 x
 * 48.  The weight gradient runs 4 channels x 3 taps over 16 positions at a
 * time.  The sums are the same as AVX2's in another order (wider vectors,
 * other partial sums): the two agree to rounding, not bit for bit. */
#define CONV3X3_ZFMA3(wp_, x0, x1, x2, a0, a1, a2)                \
	do {                                                      \
		const __m512 w_ = _mm512_set1_ps(*(wp_));         \
		a0 = _mm512_fmadd_ps(w_, x0, a0);                 \
		a1 = _mm512_fmadd_ps(w_, x1, a1);                 \
		a2 = _mm512_fmadd_ps(w_, x2, a2);                 \
	} while (0)

#define CONV3X3_ZSTORE3(dst, a0, a1, a2)                 \
	do {                                             \
		_mm512_storeu_ps((dst), a0);             \
		_mm512_storeu_ps((dst) + 16, a1);        \
		_mm512_storeu_ps((dst) + 32, a2);        \
	} while (0)

/* One block of 4 output channels at ob, or of 8 (two packed blocks)
 * when two is set: inlined with a constant two, so the 4-channel copy
 * keeps only its 12 accumulators. */
__attribute__((target("avx512f"), always_inline))
static inline void conv3x3_forward_zblock(const struct conv3x3 *g, const float *packed,
					  const float *padded, float *staged, size_t ob,
					  const bool two, const int ntap, const ptrdiff_t *off)
{
	const size_t qn = g->qn, blk = (size_t)g->c * (size_t)ntap * CONV3X3_OB;
	float *s0 = staged + ob * qn;
	for (size_t q = 0; q < qn; q += 48) {
		__m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00;
		__m512 a10 = a00, a11 = a00, a12 = a00;
		__m512 a20 = a00, a21 = a00, a22 = a00;
		__m512 a30 = a00, a31 = a00, a32 = a00;
		__m512 a40 = a00, a41 = a00, a42 = a00;
		__m512 a50 = a00, a51 = a00, a52 = a00;
		__m512 a60 = a00, a61 = a00, a62 = a00;
		__m512 a70 = a00, a71 = a00, a72 = a00;
		const float *pc = padded + q;
		const float *wt = packed + ob * (size_t)g->c * (size_t)ntap, *wu = wt + blk;
		for (int c = 0; c < g->c; c++, pc += g->plane) {
			for (int t = 0; t < ntap; t++, wt += CONV3X3_OB, wu += CONV3X3_OB) {
				const float *p = pc + off[t];
				const __m512 x0 = _mm512_loadu_ps(p);
				const __m512 x1 = _mm512_loadu_ps(p + 16);
				const __m512 x2 = _mm512_loadu_ps(p + 32);
				CONV3X3_ZFMA3(wt, x0, x1, x2, a00, a01, a02);
				CONV3X3_ZFMA3(wt + 1, x0, x1, x2, a10, a11, a12);
				CONV3X3_ZFMA3(wt + 2, x0, x1, x2, a20, a21, a22);
				CONV3X3_ZFMA3(wt + 3, x0, x1, x2, a30, a31, a32);
				if (two) {
					CONV3X3_ZFMA3(wu, x0, x1, x2, a40, a41, a42);
					CONV3X3_ZFMA3(wu + 1, x0, x1, x2, a50, a51, a52);
					CONV3X3_ZFMA3(wu + 2, x0, x1, x2, a60, a61, a62);
					CONV3X3_ZFMA3(wu + 3, x0, x1, x2, a70, a71, a72);
				}
			}
		}
		CONV3X3_ZSTORE3(s0 + q, a00, a01, a02);
		CONV3X3_ZSTORE3(s0 + qn + q, a10, a11, a12);
		CONV3X3_ZSTORE3(s0 + 2 * qn + q, a20, a21, a22);
		CONV3X3_ZSTORE3(s0 + 3 * qn + q, a30, a31, a32);
		if (two) {
			CONV3X3_ZSTORE3(s0 + 4 * qn + q, a40, a41, a42);
			CONV3X3_ZSTORE3(s0 + 5 * qn + q, a50, a51, a52);
			CONV3X3_ZSTORE3(s0 + 6 * qn + q, a60, a61, a62);
			CONV3X3_ZSTORE3(s0 + 7 * qn + q, a70, a71, a72);
		}
	}
}

/* One output phase of ntap taps (a constant where it is inlined). */
__attribute__((target("avx512f"), always_inline))
static inline void conv3x3_forward_zphase(const struct conv3x3 *g, const float *packed,
					  const float *padded, float *staged, int o0, int o1,
					  const int ntap, const ptrdiff_t *off)
{
	size_t ob = (size_t)o0;
	for (; ob + 2 * CONV3X3_OB <= (size_t)o1; ob += 2 * CONV3X3_OB)
		conv3x3_forward_zblock(g, packed, padded, staged, ob, true, ntap, off);
	if (ob < (size_t)o1)
		conv3x3_forward_zblock(g, packed, padded, staged, ob, false, ntap, off);
}

__attribute__((target("avx512f")))
static void conv3x3_forward_avx512(const struct conv3x3 *g, const float *packed,
				   const float *padded, float *staged, int o0, int o1)
{
	for (int f = 0; f < g->nphase; f++) {
		const float *pk = packed + conv3x3_phase_base(g, f);
		float *st = staged + (size_t)f * (size_t)g->op * g->qn;
		ptrdiff_t off[9];
		memcpy(off, g->off[f], sizeof off);
		switch (g->ntap[f]) {
		case 9:
			conv3x3_forward_zphase(g, pk, padded, st, o0, o1, 9, off);
			break;
		case 4:
			conv3x3_forward_zphase(g, pk, padded, st, o0, o1, 4, off);
			break;
		case 2:
			conv3x3_forward_zphase(g, pk, padded, st, o0, o1, 2, off);
			break;
		default:
			ENG_ASSERT(g->ntap[f] == 1);
			conv3x3_forward_zphase(g, pk, padded, st, o0, o1, 1, off);
			break;
		}
	}
}

#define CONV3X3_ZFMA4(x, w0, w1, w2, w3, a0, a1, a2, a3) \
	do {                                             \
		a0 = _mm512_fmadd_ps(w0, x, a0);         \
		a1 = _mm512_fmadd_ps(w1, x, a1);         \
		a2 = _mm512_fmadd_ps(w2, x, a2);         \
		a3 = _mm512_fmadd_ps(w3, x, a3);         \
	} while (0)

/* The sums of the 16 lanes of a, b, c and d, in that order: one
 * transposing tree for the four (four _mm512_reduce_add_ps cost twice the
 * shuffles, and at 16x16 the reductions were a third of the kernel). */
__attribute__((target("avx512f")))
static __m128 conv3x3_zsum4(__m512 a, __m512 b, __m512 c, __m512 d)
{
	const __m512 ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
	const __m512 cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
	/* per 128-bit lane: a a b b and c c d d (two partial sums each) */
	const __m512 abcd = _mm512_add_ps(
		_mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(ab), _mm512_castps_pd(cd))),
		_mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(ab), _mm512_castps_pd(cd))));
	/* per lane: a b c d; add the four lanes */
	const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(abcd),
				       _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(abcd), 1)));
	return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/* Stride 1: the three taps of kernel row kh are one row of the plane
 * shifted by 0, 1 and 2.  Stride 2 (s2): taps kw = 0 and 2 are one phase
 * row shifted by 0 and 1, tap kw = 1 the other phase's row. */
__attribute__((target("avx512f"), always_inline))
static inline void conv3x3_wgrad_zrun(const struct conv3x3 *g, const float *padded,
				      const float *staged, float *dw, int o0, int o1,
				      const bool s2)
{
	const size_t qn = g->qn;
	for (int ob = o0; ob < o1; ob += CONV3X3_OB) {
		const float *d0 = staged + (size_t)ob * qn, *d1 = d0 + qn, *d2 = d1 + qn,
			    *d3 = d2 + qn;
		for (int c = 0; c < g->c; c++) {
			for (int kh = 0; kh < 3; kh++) {
				const float *pc = padded + (size_t)c * g->plane;
				const float *p = pc + g->off[0][kh * 3];
				const float *pb = pc + g->off[0][kh * 3 + 1]; /* s2 */
				__m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00;
				__m512 a10 = a00, a11 = a00, a12 = a00;
				__m512 a20 = a00, a21 = a00, a22 = a00;
				__m512 a30 = a00, a31 = a00, a32 = a00;
				__m512i x = _mm512_castps_si512(_mm512_loadu_ps(p));
				for (size_t q = 0; q < qn; q += 16) {
					const __m512 y0 = _mm512_loadu_ps(d0 + q);
					const __m512 y1 = _mm512_loadu_ps(d1 + q);
					const __m512 y2 = _mm512_loadu_ps(d2 + q);
					const __m512 y3 = _mm512_loadu_ps(d3 + q);
					const __m512i xn = _mm512_castps_si512(_mm512_loadu_ps(p + q + 16));
					const __m512 x0 = _mm512_castsi512_ps(x);
					const __m512 x1 = s2 ? _mm512_loadu_ps(pb + q)
							     : _mm512_castsi512_ps(_mm512_alignr_epi32(xn, x, 1));
					/* (The shift must be a constant.) */
					const __m512 x2 = _mm512_castsi512_ps(
						s2 ? _mm512_alignr_epi32(xn, x, 1)
						   : _mm512_alignr_epi32(xn, x, 2));
					CONV3X3_ZFMA4(x0, y0, y1, y2, y3, a00, a10, a20, a30);
					CONV3X3_ZFMA4(x1, y0, y1, y2, y3, a01, a11, a21, a31);
					CONV3X3_ZFMA4(x2, y0, y1, y2, y3, a02, a12, a22, a32);
					x = xn;
				}
				float sum[3][CONV3X3_OB];
				_mm_storeu_ps(sum[0], conv3x3_zsum4(a00, a10, a20, a30));
				_mm_storeu_ps(sum[1], conv3x3_zsum4(a01, a11, a21, a31));
				_mm_storeu_ps(sum[2], conv3x3_zsum4(a02, a12, a22, a32));
				for (int i = 0; i < CONV3X3_OB && ob + i < g->o; i++) {
					float *d = dw + ((size_t)(ob + i) * (size_t)g->c + (size_t)c) * 9 +
						   (size_t)kh * 3;
					for (int kw = 0; kw < 3; kw++)
						d[kw] += sum[kw][i];
				}
			}
		}
	}
}

__attribute__((target("avx512f")))
static void conv3x3_wgrad_avx512(const struct conv3x3 *g, const float *padded,
				 const float *staged, float *dw, int o0, int o1)
{
	if (g->mode == CONV3X3_MODE_S2)
		conv3x3_wgrad_zrun(g, padded, staged, dw, o0, o1, true);
	else
		conv3x3_wgrad_zrun(g, padded, staged, dw, o0, o1, false);
}
#endif

/* Callers take this path only where conv3x3_available() says so
 * (conv2d_runs_3x3); there is no plain fallback to keep untested. */
/* Whether [o0, o1) is a part conv3x3_part_bound can give (and isa one the
 * CPU runs). */
static bool conv3x3_part_ok(enum conv3x3_isa isa, const struct conv3x3 *g, int o0, int o1)
{
	return isa != CONV3X3_ISA_NONE && isa <= conv3x3_best_isa() &&
	       (g->mode == CONV3X3_MODE_S1 || isa == CONV3X3_ISA_AVX512) &&
	       o0 % (2 * CONV3X3_OB) == 0 && o0 <= o1 && o1 <= g->op &&
	       (o1 % (2 * CONV3X3_OB) == 0 || o1 == g->op);
}

static void conv3x3_forward_run(enum conv3x3_isa isa, const struct conv3x3 *g,
				const float *packed, const float *padded, float *staged, int o0,
				int o1)
{
	ENG_ASSERT(conv3x3_part_ok(isa, g, o0, o1));
#ifdef CONV3X3_X86
	if (isa == CONV3X3_ISA_AVX512)
		conv3x3_forward_avx512(g, packed, padded, staged, o0, o1);
	else
		conv3x3_forward_avx2(g, packed, padded, staged, o0, o1);
#else
	(void)isa, (void)g, (void)packed, (void)padded, (void)staged, (void)o0, (void)o1;
#endif
}

static void conv3x3_wgrad_run(enum conv3x3_isa isa, const struct conv3x3 *g,
			      const float *padded, const float *staged, float *dw, int o0, int o1)
{
	ENG_ASSERT(conv3x3_part_ok(isa, g, o0, o1) && g->mode != CONV3X3_MODE_S2_DGRAD);
#ifdef CONV3X3_X86
	if (isa == CONV3X3_ISA_AVX512)
		conv3x3_wgrad_avx512(g, padded, staged, dw, o0, o1);
	else
		conv3x3_wgrad_avx2(g, padded, staged, dw, o0, o1);
#else
	(void)isa, (void)g, (void)padded, (void)staged, (void)dw, (void)o0, (void)o1;
#endif
}

void conv3x3_forward_isa(enum conv3x3_isa isa, const struct conv3x3 *g, const float *packed,
			 const float *padded, float *staged)
{
	conv3x3_forward_run(isa, g, packed, padded, staged, 0, g->op);
}

void conv3x3_wgrad_isa(enum conv3x3_isa isa, const struct conv3x3 *g, const float *padded,
		       const float *staged, float *dw)
{
	conv3x3_wgrad_run(isa, g, padded, staged, dw, 0, g->op);
}

void conv3x3_forward_part(const struct conv3x3 *g, const float *packed, const float *padded,
			  float *staged, int o0, int o1)
{
	conv3x3_forward_run(conv3x3_best_isa(), g, packed, padded, staged, o0, o1);
}

void conv3x3_wgrad_part(const struct conv3x3 *g, const float *padded, const float *staged,
			float *dw, int o0, int o1)
{
	conv3x3_wgrad_run(conv3x3_best_isa(), g, padded, staged, dw, o0, o1);
}

int conv3x3_part_bound(const struct conv3x3 *g, int th, int nth)
{
	const int octets = (g->op + 2 * CONV3X3_OB - 1) / (2 * CONV3X3_OB);
	return th >= nth ? g->op : octets * th / nth * 2 * CONV3X3_OB;
}

void conv3x3_forward(const struct conv3x3 *g, const float *packed, const float *padded,
		     float *staged)
{
	conv3x3_forward_isa(conv3x3_best_isa(), g, packed, padded, staged);
}

void conv3x3_wgrad(const struct conv3x3 *g, const float *padded, const float *staged,
		   float *dw)
{
	conv3x3_wgrad_isa(conv3x3_best_isa(), g, padded, staged, dw);
}
