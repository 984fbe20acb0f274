/* check_conv: the convolution layer (engine/conv2d.c).
 *
 * Forward and backward are compared with naive direct loops in double on
 * many shapes (strides, paddings, kernels, groups, depthwise, 1x1, bias,
 * batches that split into several chunks); backward is also checked with
 * central finite differences (tests/gradcheck.h).  Shape inference, the
 * parameter and MAC counts, initialisation and the "backward adds" contract
 * are checked directly.  Shapes big enough for the multi-threaded path
 * (conv2d.c's team: each thread takes some samples of every chunk, with its
 * own dW copy) are run with one and with two threads.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "nn/conv3x3.h"
#include "nn/conv_dw3.h"
#include "nn/conv_packing.h"
#include "nn/conv_panels.h"
#include "nn/conv_wino.h"
#include "nn/conv_wino4.h"
#include "nn/gemm_panels.h"
#include "nn/gemm_thin.h"
#include "nn/layer.h"
#include "base/rng.h"
#include "base/threads.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* The case tables leave the trailing asymmetric-pad fields out (zero:
 * symmetric p) on purpose. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct conv_case {
	int c, h, w;     /* input shape */
	int out, k, s, p, groups, bias;
	int batch;
	bool asym;             /* pads below instead of p on every side */
	struct layer_pad pads; /* top, left, bottom, right */
};

static struct layer_pad conv_case_pad(const struct conv_case *cc)
{
	return cc->asym ? cc->pads : layer_pad_all(cc->p);
}

/* Hand-picked shapes; each line says which path or edge it exercises. */
static const struct conv_case conv_cases[] = {
	{ 3, 8, 8, 4, 3, 1, 1, 1, 1, 1 },     /* plain 3x3, batch 1 */
	{ 3, 9, 7, 5, 3, 2, 1, 1, 0, 2 },     /* stride 2, non-square */
	{ 4, 7, 10, 6, 5, 1, 2, 1, 1, 3 },    /* 5x5, pad 2 */
	{ 4, 11, 9, 8, 5, 2, 0, 1, 0, 2 },    /* 5x5 stride 2, no pad */
	{ 6, 6, 6, 4, 1, 1, 0, 1, 1, 3 },     /* 1x1 stride 1, chunked copy */
	{ 6, 6, 5, 4, 1, 1, 0, 2, 0, 1 },     /* 1x1 in place, groups 2 */
	{ 8, 32, 32, 6, 1, 1, 0, 1, 1, 2 },   /* 1x1 in place, batch 2 */
	{ 8, 9, 9, 6, 1, 2, 0, 1, 0, 4 },     /* 1x1 stride 2 projection */
	{ 4, 8, 8, 8, 3, 1, 1, 2, 1, 2 },     /* groups 2 */
	{ 6, 10, 7, 9, 3, 2, 2, 3, 0, 3 },    /* groups 3, stride 2, pad 2 */
	{ 5, 8, 8, 5, 3, 1, 1, 5, 0, 2 },     /* depthwise */
	{ 4, 9, 6, 4, 3, 2, 1, 4, 1, 3 },     /* depthwise stride 2 */
	{ 3, 7, 7, 6, 5, 1, 2, 3, 1, 2 },     /* depthwise, multiplier 2 */
	{ 2, 5, 5, 3, 5, 1, 0, 1, 1, 2 },     /* kernel = input */
	{ 3, 4, 4, 2, 3, 3, 2, 1, 0, 2 },     /* stride 3: whole rows of pad */
	{ 64, 16, 16, 2, 3, 1, 1, 1, 0, 15 },/* two chunks, 8 + 7 */
	{ 1, 5, 8, 2, 3, 1, 0, 1, 1, 5 },     /* one input channel */
	{ 3, 6, 6, 7, 2, 2, 0, 1, 0, 2 },     /* even kernel */
	{ 8, 4, 4, 16, 3, 1, 1, 1, 1, 64 },   /* VGG-like tail, batch 64 */
	{ 4, 1, 1, 3, 1, 1, 0, 1, 1, 3 },     /* 1x1 spatial */
	{ 4, 3, 3, 4, 3, 1, 1, 2, 0, 1 },     /* groups 2, batch 1 */
	{ 3, 2, 9, 4, 3, 1, 1, 1, 1, 2 },     /* very flat input */
	{ 4, 5, 5, 6, 3, 1, 2, 1, 1, 2 },     /* pad 2 with a 3x3 kernel */
	/* Maps at least 16 wide take the row-by-row im2col, narrower ones the
	 * table-driven one; cover both with strides, pads and groups. */
	{ 3, 9, 35, 4, 3, 2, 1, 1, 1, 2 },    /* wide, stride 2 */
	{ 2, 6, 40, 3, 5, 1, 2, 1, 0, 2 },    /* wide, 5x5 pad 2 */
	{ 4, 5, 60, 4, 3, 3, 0, 2, 1, 3 },    /* wide, stride 3, groups 2 */
	{ 2, 30, 30, 3, 3, 2, 1, 1, 0, 2 },   /* narrow output, plane too big for the table */
	/* Asymmetric pads (ONNX's SAME_UPPER / SAME_LOWER, PyTorch's
	 * padding=(1, 0)) on both im2col paths, depthwise and 1x1. */
	{ 3, 8, 8, 4, 3, 2, 0, 1, 1, 2, true, { 0, 0, 1, 1 } },    /* SAME_UPPER stride 2, table */
	{ 3, 9, 35, 4, 3, 2, 0, 1, 1, 2, true, { 0, 0, 1, 1 } },   /* SAME_UPPER stride 2, rows */
	{ 3, 7, 20, 5, 3, 1, 0, 1, 0, 2, true, { 1, 0, 1, 0 } },   /* pad rows only */
	{ 4, 9, 6, 4, 3, 2, 0, 4, 1, 3, true, { 1, 1, 0, 0 } },    /* depthwise SAME_LOWER */
	{ 6, 10, 7, 9, 3, 2, 0, 3, 0, 3, true, { 0, 2, 1, 0 } },   /* groups 3, every side different */
	{ 2, 30, 30, 3, 3, 2, 0, 1, 0, 2, true, { 1, 0, 0, 1 } },  /* narrow output, big plane */
	{ 4, 6, 6, 3, 1, 1, 0, 1, 1, 2, true, { 0, 0, 1, 2 } },    /* 1x1 with pads: not pointwise */
	{ 3, 5, 5, 2, 4, 2, 0, 1, 1, 2, true, { 1, 1, 2, 2 } },    /* even kernel, SAME_UPPER */
	/* The data gradient as a conv over dout (stride 1, one group, maps of
	 * 16x16 and more, 16 inputs or more, 64 outputs or fewer, pads at
	 * most k - 1), and its edges.  Its 3x3 shapes have more than 64
	 * inputs: with fewer, a CPU with AVX2 runs them on the direct 3x3
	 * kernels (direct3x3_cases below). */
	{ 72, 16, 16, 7, 3, 1, 1, 1, 1, 2 },  /* dgrad conv: 3x3 pad 1 */
	{ 17, 16, 20, 4, 5, 1, 2, 1, 0, 2 },  /* dgrad conv: 5x5 pad 2, not square */
	{ 72, 17, 18, 6, 3, 1, 0, 1, 1, 2 },  /* dgrad conv: no pad, dout padded by 2 */
	{ 66, 16, 16, 5, 3, 1, 0, 1, 1, 2, true, { 0, 1, 2, 1 } }, /* dgrad conv: uneven pads */
	{ 16, 16, 17, 4, 2, 1, 0, 1, 1, 2, true, { 0, 0, 1, 1 } }, /* dgrad conv: even kernel */
	{ 68, 16, 16, 64, 3, 1, 1, 1, 0, 1 }, /* dgrad conv: batch 1, 64 outputs */
	{ 16, 20, 13, 3, 3, 1, 3, 1, 1, 2 },  /* pad 3 > k - 1: the column path */
	{ 16, 16, 16, 6, 3, 1, 1, 2, 1, 2 },  /* groups 2: the column path */
	{ 3, 16, 16, 8, 3, 1, 1, 1, 1, 2 },   /* 3 inputs (a stem): the column path (direct 3x3 on AVX2) */
	{ 16, 16, 16, 65, 3, 1, 1, 1, 0, 1 }, /* 65 outputs: the column path */
	/* Depthwise 3x3 (conv_dw3.c): the flat stencil above 64 outputs, by
	 * bands on wide planes; channels in lanes at 64 or fewer, in blocks
	 * of 16 and a remainder. */
	{ 3, 12, 12, 3, 3, 1, 1, 3, 1, 2 },   /* dw3 flat, stride 1 */
	{ 4, 20, 20, 4, 3, 2, 1, 4, 0, 2 },   /* dw3 flat, stride 2: four phases */
	{ 3, 12, 12, 6, 3, 1, 2, 3, 0, 1 },   /* dw3 flat, pad 2, multiplier 2 */
	{ 3, 23, 19, 6, 3, 2, 0, 3, 1, 2, true, { 2, 1, 0, 2 } }, /* dw3 flat, stride 2, uneven pads */
	{ 2, 40, 300, 2, 3, 1, 1, 2, 1, 1 },  /* dw3 flat, stride 1, several bands */
	{ 2, 61, 300, 2, 3, 2, 1, 2, 0, 1 },  /* dw3 flat, stride 2, several bands */
	{ 20, 4, 4, 20, 3, 1, 1, 20, 1, 2 },  /* dw3 lanes: 16 + 4 channels */
	{ 9, 5, 5, 18, 3, 2, 1, 9, 1, 2 },    /* dw3 lanes: stride 2, multiplier 2 */
	{ 17, 7, 6, 17, 3, 1, 0, 17, 0, 1, true, { 0, 2, 1, 1 } }, /* dw3 lanes, uneven pads */
	/* Depthwise 3x3 stride 1 with left and right padding 1: with AVX-512,
	 * the row path forward and conv_dw3_backward. */
	{ 6, 9, 16, 6, 3, 1, 1, 6, 1, 2 },    /* dw3 rows: 16 wide, odd height */
	{ 3, 5, 32, 6, 3, 1, 1, 3, 0, 2 },    /* dw3 rows: 32 wide, multiplier 2 */
	{ 4, 7, 16, 4, 3, 1, 0, 4, 1, 2, true, { 0, 1, 2, 1 } }, /* dw3 rows: pads 0 and 2 */
	{ 4, 6, 8, 8, 3, 1, 0, 4, 0, 3, true, { 2, 1, 0, 1 } },  /* dw3 rows of 8, multiplier 2 */
	{ 5, 13, 4, 5, 3, 1, 1, 5, 1, 1 },    /* dw3 rows of 4, a partial last vector */
	{ 2, 33, 48, 2, 3, 1, 1, 2, 1, 1 },   /* dw3 rows: 48 wide, 33 high */
	/* And stride 2 onto rows of 16k or 8 (left padding 1). */
	{ 4, 16, 16, 4, 3, 2, 1, 4, 1, 2 },   /* dw3 rows s2: onto rows of 8 */
	{ 3, 14, 16, 6, 3, 2, 1, 3, 0, 2 },   /* dw3 rows s2: rows of 8, 7 of them, multiplier 2 */
	{ 3, 9, 32, 6, 3, 2, 1, 3, 1, 2 },    /* dw3 rows s2: onto 16, odd height, multiplier 2 */
	{ 2, 8, 64, 2, 3, 2, 0, 2, 1, 2, true, { 1, 1, 0, 0 } },  /* dw3 rows s2: onto 32 */
	{ 2, 15, 16, 2, 3, 2, 0, 2, 0, 1, true, { 2, 1, 1, 1 } }, /* dw3 rows s2: top pad 2 */
	{ 4, 8, 8, 4, 3, 2, 1, 4, 1, 2 },     /* dw3 rows s2: onto rows of 4 */
	{ 3, 9, 8, 6, 3, 2, 1, 3, 0, 2 },     /* dw3 rows s2: rows of 4, 5 of them, multiplier 2 */
};
#define N_CONV_CASES ((int)(sizeof conv_cases / sizeof conv_cases[0]))
#define N_RANDOM_CASES 12

/* The thin kernel (gemm_thin.c): at most 16 columns and 64 Ki weights per
 * group; rows left over from its blocks run one at a time (AVX2: blocks of
 * 8 up to 8 columns, of 6 from 9 to 16; AVX-512: blocks of 8, and up to 4
 * columns four k at once, with a short last step when k is not a multiple
 * of 4).  test_conv_thin_shapes runs each forward on both instruction
 * sets (the backward's thin kernel is AVX-512 only, uncapped). */
static const struct conv_case thin_cases[] = {
	{ 64, 4, 4, 128, 3, 1, 1, 1, 1, 1 },  /* thin: 16 columns, 128 = 21 x 6 + 2 rows */
	{ 120, 4, 4, 70, 3, 1, 1, 1, 1, 1 },  /* thin: 16 columns, 70 = 8 x 8 + 6 rows */
	{ 130, 2, 2, 70, 3, 1, 1, 1, 0, 1 },  /* thin: 4 columns, 70 = 8 x 8 + 6 rows, k 4n + 2 */
	{ 91, 1, 3, 100, 3, 1, 1, 1, 1, 1 },  /* thin: 3 columns, k 4n + 3, 12 x 8 + 4 rows */
	{ 87, 2, 1, 90, 3, 1, 1, 1, 0, 1 },   /* thin: 2 columns, k 4n + 3, 11 x 8 + 2 rows */
	{ 89, 1, 3, 100, 3, 1, 1, 1, 1, 1 },  /* thin: 3 columns, k 4n + 1 */
	{ 80, 3, 3, 100, 3, 1, 1, 1, 1, 1 },  /* thin: 9 columns */
	{ 256, 2, 2, 128, 3, 1, 1, 2, 1, 1 }, /* thin: groups 2 */
	{ 80, 2, 2, 100, 3, 1, 1, 1, 1, 3 },  /* thin: a chunk of 3 samples, 12 columns */
	{ 300, 1, 1, 250, 1, 1, 0, 1, 1, 1 }, /* thin: 1x1 on a 1x1 map, in place */
};
#define N_THIN_CASES ((int)(sizeof thin_cases / sizeof thin_cases[0]))

/* A standalone conv layer with its own buffers. */
struct conv_run {
	struct conv_case cc;
	struct layer l;
	float *params, *grads, *x, *y, *dy, *dx, *scratch;
	size_t x_len, y_len, scratch_len;
};

static float uniform_pm1(struct rng *r)
{
	return (float)(2.0 * rng_uniform(r) - 1.0);
}

static enum eng_status conv_layer_infer(struct layer *l, const struct conv_case *cc,
					struct eng_err *err)
{
	memset(l, 0, sizeof *l);
	l->kind = LAYER_KIND_CONV;
	l->ops = layer_kind_ops(LAYER_KIND_CONV);
	snprintf(l->name, sizeof l->name, "conv7");
	l->n_in = 1;
	l->in_idx[0] = -1;
	layer_conf_defaults(LAYER_KIND_CONV, &l->conf);
	l->conf.out = cc->out;
	l->conf.size = cc->k;
	l->conf.stride = cc->s;
	l->conf.pad = conv_case_pad(cc);
	l->conf.groups = cc->groups;
	l->conf.bias = cc->bias;
	struct shape in = { cc->c, cc->h, cc->w };
	return l->ops->infer(l, &in, 1, err);
}

static void *xmalloc_floats(size_t n)
{
	float *p = malloc((n ? n : 1) * sizeof(float));
	ck_assert_ptr_nonnull(p);
	return p;
}

/* Scratch contents are undefined on entry: poison it so reads before
 * writes show up as NaNs in the results. */
static void conv_run_poison(struct conv_run *cr)
{
	for (size_t i = 0; i < cr->scratch_len; i++)
		cr->scratch[i] = NAN;
}

static void conv_run_init(struct conv_run *cr, const struct conv_case *cc, uint64_t seed)
{
	memset(cr, 0, sizeof *cr);
	cr->cc = *cc;
	struct eng_err err;
	enum eng_status st = conv_layer_infer(&cr->l, cc, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "infer: %s", err.msg);
	struct layer *l = &cr->l;
	size_t np = l->w_len + l->b_len;
	cr->params = xmalloc_floats(np);
	cr->grads = xmalloc_floats(np);
	l->w = cr->params;
	l->dw = cr->grads;
	l->b = l->b_len ? cr->params + l->w_len : NULL;
	l->db = l->b_len ? cr->grads + l->w_len : NULL;
	cr->x_len = shape_size(l->in) * (size_t)cc->batch;
	cr->y_len = shape_size(l->out) * (size_t)cc->batch;
	cr->x = xmalloc_floats(cr->x_len);
	cr->dx = xmalloc_floats(cr->x_len);
	cr->y = xmalloc_floats(cr->y_len);
	cr->dy = xmalloc_floats(cr->y_len);
	/* Exactly what the layer asked for, so ASan catches any overrun. */
	cr->scratch_len = l->ops->scratch_len(l, cc->batch);
	cr->scratch = xmalloc_floats(cr->scratch_len);
	struct rng r;
	rng_seed(&r, seed);
	for (size_t i = 0; i < np; i++)
		cr->params[i] = uniform_pm1(&r);
	for (size_t i = 0; i < cr->x_len; i++)
		cr->x[i] = uniform_pm1(&r);
	for (size_t i = 0; i < cr->y_len; i++)
		cr->dy[i] = uniform_pm1(&r);
}

/* The scratch a net prepared for `batch` samples would hand a call of
 * cr's smaller batch: exactly the layer's size for `batch`, which must be
 * at least what cr's own batch needs. */
static void conv_run_scratch_for(struct conv_run *cr, int batch)
{
	const size_t need = cr->l.ops->scratch_len(&cr->l, batch);
	ck_assert_uint_ge(need, cr->scratch_len);
	free(cr->scratch);
	cr->scratch_len = need;
	cr->scratch = xmalloc_floats(need);
}

static void conv_run_done(struct conv_run *cr)
{
	free(cr->params); free(cr->grads); free(cr->x); free(cr->y);
	free(cr->dy); free(cr->dx); free(cr->scratch);
}

/* layer_io's threads for every call (the team a caller grants), and its
 * dw_assign for every backward. */
static int conv_io_threads;
static bool conv_dw_assign;

static void conv_run_forward(struct conv_run *cr)
{
	struct layer_io io = { .batch = cr->cc.batch, .train = true, .threads = conv_io_threads };
	io.in[0] = cr->x;
	io.out = cr->y;
	io.scratch = cr->scratch;
	conv_run_poison(cr);
	cr->l.ops->forward(&cr->l, &io);
}

/* assign: the first writer's call (layer_io.din_assign), onto whatever
 * dx holds. */
static void conv_run_backward(struct conv_run *cr, bool with_din, bool assign)
{
	struct layer_io io = { .batch = cr->cc.batch, .train = true, .threads = conv_io_threads,
			       .dw_assign = conv_dw_assign };
	io.in[0] = cr->x;
	io.out = cr->y;
	io.dout = cr->dy;
	io.din[0] = with_din ? cr->dx : NULL;
	io.din_assign[0] = with_din && assign;
	io.scratch = cr->scratch;
	conv_run_poison(cr);
	cr->l.ops->backward(&cr->l, &io);
}

/* Naive results in double, with the sum of |terms| of every entry as the
 * scale for its rounding error. */
struct conv_ref {
	double *y, *y_abs, *dx, *dx_abs, *dw, *dw_abs, *db, *db_abs;
};

static double *xcalloc_doubles(size_t n)
{
	double *p = calloc(n ? n : 1, sizeof(double));
	ck_assert_ptr_nonnull(p);
	return p;
}

/* The 7-loop direct convolution and its adjoints, written from the
 * definition: y[n][o][i][j] = b[o] + sum_{c,u,v} x[n][g*cg + c][i*s - pt + u]
 * [j*s - pl + v] * w[o][c][u][v], with g = o / og (pt, pl: top and left
 * pads; the bottom and right ones only set the output size). */
static void conv_ref_compute(const struct conv_run *cr, struct conv_ref *ref)
{
	const struct conv_case *cc = &cr->cc;
	const struct layer *l = &cr->l;
	const int oh = l->out.h, ow = l->out.w;
	const int cg = cc->c / cc->groups, og = cc->out / cc->groups;
	const struct layer_pad pad = conv_case_pad(cc);
	ref->y = xcalloc_doubles(cr->y_len);
	ref->y_abs = xcalloc_doubles(cr->y_len);
	ref->dx = xcalloc_doubles(cr->x_len);
	ref->dx_abs = xcalloc_doubles(cr->x_len);
	ref->dw = xcalloc_doubles(l->w_len);
	ref->dw_abs = xcalloc_doubles(l->w_len);
	ref->db = xcalloc_doubles((size_t)cc->out);
	ref->db_abs = xcalloc_doubles((size_t)cc->out);
	for (int n = 0; n < cc->batch; n++)
	for (int o = 0; o < cc->out; o++)
	for (int i = 0; i < oh; i++)
	for (int j = 0; j < ow; j++) {
		size_t yi = (((size_t)n * cc->out + o) * oh + i) * ow + j;
		double g = cr->dy[yi];
		double acc = l->b ? l->b[o] : 0.0;
		double acc_abs = l->b ? fabs(l->b[o]) : 0.0;
		if (l->b) {
			ref->db[o] += g;
			ref->db_abs[o] += fabs(g);
		}
		for (int c = 0; c < cg; c++)
		for (int u = 0; u < cc->k; u++)
		for (int v = 0; v < cc->k; v++) {
			int ih = i * cc->s - pad.top + u, iw = j * cc->s - pad.left + v;
			if (ih < 0 || ih >= cc->h || iw < 0 || iw >= cc->w)
				continue;
			int ci = (o / og) * cg + c;
			size_t xi = (((size_t)n * cc->c + ci) * cc->h + ih) * cc->w + iw;
			size_t wi = (((size_t)o * cg + c) * cc->k + u) * cc->k + v;
			double xv = cr->x[xi], wv = l->w[wi];
			acc += xv * wv;
			acc_abs += fabs(xv * wv);
			ref->dx[xi] += g * wv;
			ref->dx_abs[xi] += fabs(g * wv);
			ref->dw[wi] += g * xv;
			ref->dw_abs[wi] += fabs(g * xv);
		}
		ref->y[yi] = acc;
		ref->y_abs[yi] = acc_abs;
	}
}

static void conv_ref_done(struct conv_ref *ref)
{
	free(ref->y); free(ref->y_abs); free(ref->dx); free(ref->dx_abs);
	free(ref->dw); free(ref->dw_abs); free(ref->db); free(ref->db_abs);
}

/* got[i] - base must match want[i] within 1e-4 of its term scale. */
static void conv_expect_close(const char *what, const struct conv_case *cc,
			      const float *got, double base, const double *want,
			      const double *scale, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double d = fabs(((double)got[i] - base) - want[i]);
		double tol = 1e-4 * (scale[i] + 1e-3);
		ck_assert_msg(d <= tol,
			      "%s[%zu]: got %.7g want %.7g (case in %dx%dx%d out %d k%d s%d pads %d %d %d %d g%d bias %d batch %d)",
			      what, i, (double)got[i] - base, want[i], cc->c, cc->h, cc->w,
			      cc->out, cc->k, cc->s, conv_case_pad(cc).top, conv_case_pad(cc).left,
			      conv_case_pad(cc).bottom, conv_case_pad(cc).right, cc->groups,
			      cc->bias, cc->batch);
	}
}

static void fill(float *p, size_t n, float v)
{
	for (size_t i = 0; i < n; i++)
		p[i] = v;
}

/* Forward, backward (accumulating onto non-zero gradients), backward
 * without a data gradient and backward assigning the data gradient, all
 * against the naive loops. */
static void conv_case_check(const struct conv_case *cc, uint64_t seed)
{
	struct conv_run cr;
	conv_run_init(&cr, cc, seed);
	struct conv_ref ref;
	conv_ref_compute(&cr, &ref);
	struct layer *l = &cr.l;

	conv_run_forward(&cr);
	conv_expect_close("y", cc, cr.y, 0.0, ref.y, ref.y_abs, cr.y_len);

	/* Backward adds: start every gradient from a known non-zero value. */
	fill(cr.dx, cr.x_len, 0.5f);
	fill(l->dw, l->w_len, 0.25f);
	if (l->db)
		fill(l->db, l->b_len, -0.125f);
	conv_run_backward(&cr, true, false);
	conv_expect_close("dx", cc, cr.dx, 0.5, ref.dx, ref.dx_abs, cr.x_len);
	conv_expect_close("dw", cc, l->dw, 0.25, ref.dw, ref.dw_abs, l->w_len);
	if (l->db)
		conv_expect_close("db", cc, l->db, -0.125, ref.db, ref.db_abs, l->b_len);

	/* No data gradient (a first layer): dw and db must not change. */
	fill(l->dw, l->w_len, 0.0f);
	if (l->db)
		fill(l->db, l->b_len, 0.0f);
	conv_run_backward(&cr, false, false);
	conv_expect_close("dw (din NULL)", cc, l->dw, 0.0, ref.dw, ref.dw_abs, l->w_len);
	if (l->db)
		conv_expect_close("db (din NULL)", cc, l->db, 0.0, ref.db, ref.db_abs, l->b_len);

	/* The first writer assigns: whatever dx held (NaN here) is gone. */
	fill(cr.dx, cr.x_len, NAN);
	conv_run_backward(&cr, true, true);
	conv_expect_close("dx (assigned)", cc, cr.dx, 0.0, ref.dx, ref.dx_abs, cr.x_len);

	/* dw_assign: so are whatever dw and db held, with and without din. */
	conv_dw_assign = true;
	for (int with_din = 1; with_din >= 0; with_din--) {
		fill(l->dw, l->w_len, NAN);
		if (l->db)
			fill(l->db, l->b_len, NAN);
		conv_run_backward(&cr, with_din, false);
		conv_expect_close(with_din ? "dw (assigned)" : "dw (assigned, din NULL)", cc,
				  l->dw, 0.0, ref.dw, ref.dw_abs, l->w_len);
		if (l->db)
			conv_expect_close("db (assigned)", cc, l->db, 0.0, ref.db, ref.db_abs,
					  l->b_len);
	}
	conv_dw_assign = false;

	conv_ref_done(&ref);
	conv_run_done(&cr);
}

START_TEST(test_conv_fixed_shapes)
{
	conv_case_check(&conv_cases[_i], 1000 + (uint64_t)_i);
}
END_TEST

/* The AVX2 kernels under the cap (conv3x3_cap_isa, as
 * RECONVENE_CONV3X3_ISA=avx2 sets it), then the widest the CPU has. */
START_TEST(test_conv_thin_shapes)
{
	const enum conv3x3_isa best = conv3x3_best_isa();
	if (best >= CONV3X3_ISA_AVX2) {
		conv3x3_cap_isa(CONV3X3_ISA_AVX2);
		conv_case_check(&thin_cases[_i], 1500 + (uint64_t)_i);
		conv3x3_cap_isa(best);
	}
	conv_case_check(&thin_cases[_i], 1500 + (uint64_t)_i);
}
END_TEST

/* At least 64 Ki column entries (K * batch * out_h * out_w), so that with two
 * threads conv2d.c splits them over a team; odd batches give uneven slots. */
static const struct conv_case team_cases[] = {
	{ 72, 16, 16, 8, 3, 1, 1, 1, 1, 9 },    /* one chunk, 4 + 5 samples */
	{ 16, 24, 24, 12, 3, 2, 1, 2, 1, 7 },   /* groups 2, stride 2 */
	{ 24, 12, 12, 16, 3, 1, 1, 1, 0, 11 },  /* narrow map: table im2col */
	{ 64, 16, 16, 16, 1, 1, 0, 1, 1, 5 },   /* 1x1, chunked copy */
	{ 100, 32, 32, 4, 3, 1, 1, 1, 1, 3 },   /* chunks 2 + 1: a thread idles */
	{ 16, 20, 20, 10, 5, 1, 2, 1, 0, 5 },   /* dgrad conv, 5x5, 2 + 3 samples */
	{ 72, 18, 18, 8, 3, 1, 0, 1, 1, 5, true, { 1, 0, 1, 2 } }, /* dgrad conv, uneven pads */
	{ 24, 32, 32, 40, 1, 1, 0, 1, 1, 5 },   /* 1x1 in place, 2 + 3 samples */
	{ 64, 32, 33, 6, 1, 1, 0, 2, 0, 3 },    /* 1x1 in place, groups 2, 1 + 2 samples */
};
#define N_TEAM_CASES ((int)(sizeof team_cases / sizeof team_cases[0]))

/* Shapes conv2d.c runs on the direct 3x3 kernels (conv3x3.h: 3x3, stride
 * 1, one group, maps of at least 16x16, at most 64 channels) on a CPU with
 * AVX2, the GEMM path elsewhere.  Two threads split the samples (batch 1
 * runs on one); output counts that are not multiples of 4 leave padding
 * channels in the kernels' blocks. */
static const struct conv_case direct3x3_cases[] = {
	{ 3, 32, 32, 16, 3, 1, 1, 1, 1, 2 },    /* ResNet's stem */
	{ 16, 32, 32, 16, 3, 1, 1, 1, 0, 1 },   /* stage 1, batch 1 */
	{ 7, 17, 19, 13, 3, 1, 1, 1, 1, 3 },    /* odd sizes, 13 outputs, uneven split */
	{ 5, 16, 20, 6, 3, 1, 0, 1, 1, 1, true, { 2, 0, 1, 2 } }, /* pads 0..2 */
	{ 64, 16, 16, 64, 3, 1, 1, 1, 0, 1 },   /* the largest taken, batch 1 */
	{ 32, 16, 16, 62, 3, 1, 1, 1, 1, 4 },   /* 62 outputs, 2 + 2 samples */
	{ 9, 18, 16, 5, 3, 1, 0, 1, 0, 2 },     /* no padding: a 16x14 output */
	/* Stride 2 (AVX-512; elsewhere the GEMM path), outputs of 16x16 and
	 * more: ResNet's first downsampling conv, odd maps, every pad. */
	{ 16, 32, 32, 32, 3, 2, 1, 1, 1, 2 },   /* 16 -> 32 from 32x32 */
	{ 5, 33, 35, 7, 3, 2, 1, 1, 0, 3 },     /* odd maps, 7 outputs, uneven split */
	{ 6, 34, 32, 13, 3, 2, 0, 1, 1, 2, true, { 2, 0, 1, 2 } }, /* pads 0..2 */
	{ 64, 32, 32, 64, 3, 2, 1, 1, 0, 1 },   /* the largest taken, batch 1 */
};
#define N_DIRECT3X3_CASES ((int)(sizeof direct3x3_cases / sizeof direct3x3_cases[0]))

/* The thread count the conv may use is the smaller of OpenMP's and
 * OpenBLAS's; the tests set both (threads_set_count), so that the serial
 * and the team path are each taken whatever the environment says (the
 * team needs two processors). */

START_TEST(test_conv_team_shapes)
{
	threads_set_count(1);
	conv_case_check(&team_cases[_i], 3000 + (uint64_t)_i);
	threads_set_count(2);
	conv_case_check(&team_cases[_i], 3000 + (uint64_t)_i);
}
END_TEST

START_TEST(test_conv_direct3x3_shapes)
{
	threads_set_count(1);
	conv_case_check(&direct3x3_cases[_i], 4000 + (uint64_t)_i);
	threads_set_count(2);
	conv_case_check(&direct3x3_cases[_i], 4000 + (uint64_t)_i);
}
END_TEST

/* Batch-1 convs with a team granted (layer_io's threads, as SynFlow
 * grants it), against the naive loops and bit for bit against one
 * thread.  The thin kernels (gemm_thin.h) split the forward by rows at
 * multiples of 24 and the backward by columns of k: rows 128, 70 (blocks
 * of 8 and a rest), 300 (cut at 144); k = 576, 1170 (not a multiple of
 * 16), 1152 per group.  The direct 3x3 kernels (where the CPU has them)
 * split by output channels for the forward and dW, by input channels for
 * din: 16, 64 and 13 outputs (a part of a single block of 4 and padding
 * channels), 7 and 5 inputs, uneven pads. */
static const struct conv_case batch1_team_cases[] = {
	{ 64, 4, 4, 128, 3, 1, 1, 1, 1, 1 },
	{ 130, 2, 2, 70, 3, 1, 1, 1, 0, 1 },
	{ 80, 3, 3, 300, 3, 1, 1, 1, 1, 1 },
	{ 256, 2, 2, 128, 3, 1, 1, 2, 1, 1 },
	{ 16, 32, 32, 16, 3, 1, 1, 1, 0, 1 },
	{ 64, 16, 16, 64, 3, 1, 1, 1, 1, 1 },
	{ 7, 17, 19, 13, 3, 1, 1, 1, 1, 1 },
	{ 5, 16, 20, 6, 3, 1, 0, 1, 1, 1, true, { 2, 0, 1, 2 } },
	{ 16, 32, 32, 32, 3, 2, 1, 1, 1, 1 },
	{ 5, 33, 35, 7, 3, 2, 1, 1, 0, 1 },
};
#define N_BATCH1_TEAM_CASES ((int)(sizeof batch1_team_cases / sizeof batch1_team_cases[0]))

START_TEST(test_conv_batch1_team)
{
	const struct conv_case *cc = &batch1_team_cases[_i];
	threads_set_count(2);
	conv_io_threads = 2;
	conv_case_check(cc, 5000 + (uint64_t)_i);
	float *out[2][3];
	for (int t = 0; t < 2; t++) {
		conv_io_threads = t == 0 ? 0 : 2;
		struct conv_run cr;
		conv_run_init(&cr, cc, 5100 + (uint64_t)_i);
		conv_run_forward(&cr);
		/* The gradients add onto 0.25: dW and the bias's (grads holds
		 * both; malloc left the bias's undefined before). */
		fill(cr.grads, cr.l.w_len + cr.l.b_len, 0.25f);
		fill(cr.dx, cr.x_len, NAN);
		conv_run_backward(&cr, true, true);
		out[t][0] = cr.y;
		out[t][1] = cr.dx;
		out[t][2] = cr.grads;
		cr.y = cr.dx = cr.grads = NULL;
		const size_t len[3] = { cr.y_len, cr.x_len, cr.l.w_len + cr.l.b_len };
		if (t == 1)
			for (int k = 0; k < 3; k++)
				ck_assert_msg(memcmp(out[0][k], out[1][k], len[k] * sizeof(float)) == 0,
					      "case %d: output %d differs on two threads", _i, k);
		conv_run_done(&cr);
	}
	for (int t = 0; t < 2; t++)
		for (int k = 0; k < 3; k++)
			free(out[t][k]);
	conv_io_threads = 0;
}
END_TEST

/* Naive 3x3 references in double for the direct kernels' tests (stride
 * 1 or 2, pads pt and pl at the top and left; in [c][h][w], wt
 * [o][c][3][3], dout [o][oh][ow]): output (oc, y, x) of the conv, and
 * weight gradient (oc, ci, tap) summed onto `start`; each also sums the
 * magnitudes of its terms into *mag (from `start` too), the tolerance's
 * scale. */
static double naive3x3_out(const float *in, const float *wt, int c, int h, int w, int s,
			   int pt, int pl, int oc, int y, int x, double *mag)
{
	double ref = 0;
	*mag = 0;
	for (int ci = 0; ci < c; ci++)
		for (int t = 0; t < 9; t++) {
			int iy = s * y + t / 3 - pt, ix = s * x + t % 3 - pl;
			if (iy < 0 || iy >= h || ix < 0 || ix >= w)
				continue;
			double v = (double)wt[(oc * c + ci) * 9 + t] * in[(ci * h + iy) * w + ix];
			ref += v, *mag += fabs(v);
		}
	return ref;
}

static double naive3x3_dw(const float *in, const float *dout, int h, int w, int s,
			  int pt, int pl, int oh, int ow, int oc, int ci, int t, double start,
			  double *mag)
{
	double ref = start;
	*mag = start;
	for (int y = 0; y < oh; y++)
		for (int x = 0; x < ow; x++) {
			int iy = s * y + t / 3 - pt, ix = s * x + t % 3 - pl;
			if (iy < 0 || iy >= h || ix < 0 || ix >= w)
				continue;
			double v = (double)dout[(oc * oh + y) * ow + x] * in[(ci * h + iy) * w + ix];
			ref += v, *mag += fabs(v);
		}
	return ref;
}

/* conv3x3.c's kernels on each instruction set this CPU runs (AVX2, and
 * AVX-512 where it has it; conv2d runs only the widest), straight against
 * naive loops in double: random channel counts (outputs 1..21: whole
 * 8-channel blocks, a last block of 4, padding channels), maps from 1x1
 * to 19x19 and every padding 0..2 per side, so that the 24- and
 * 48-position blocks end inside, at and past a row. */
START_TEST(test_conv3x3_kernels_each_isa)
{
	const enum conv3x3_isa best = conv3x3_best_isa();
	if (best == CONV3X3_ISA_NONE)
		return;
	if (best < CONV3X3_ISA_AVX512)
		fprintf(stderr, "check_conv: AVX-512 kernels not run (no AVX-512, or RECONVENE_CONV3X3_ISA caps it): AVX2 only\n");
	struct rng r;
	rng_seed(&r, 99);
	for (int iter = 0; iter < 60; iter++) {
		struct conv3x3 g;
		int c = 1 + (int)rng_below(&r, 12), o = 1 + (int)rng_below(&r, 21);
		int pad[4];
		for (int i = 0; i < 4; i++)
			pad[i] = (int)rng_below(&r, 3);
		int h = 1 + (int)rng_below(&r, 19), w = 1 + (int)rng_below(&r, 19);
		if (h + pad[0] + pad[2] < 3)
			h = 3;
		if (w + pad[1] + pad[3] < 3)
			w = 3;
		conv3x3_init(&g, c, h, w, o, pad[0], pad[1], pad[2], pad[3]);
		float *in = malloc((size_t)c * h * w * sizeof(float));
		float *wt = malloc((size_t)o * c * 9 * sizeof(float));
		float *dout = malloc((size_t)o * g.oh * g.ow * sizeof(float));
		float *padded = malloc(conv3x3_padded_floats(&g) * sizeof(float));
		float *packed = malloc(conv3x3_packed_floats(&g) * sizeof(float));
		float *staged = malloc(conv3x3_staged_floats(&g) * sizeof(float));
		float *dstaged = malloc(conv3x3_staged_floats(&g) * sizeof(float));
		float *dw = malloc((size_t)o * c * 9 * sizeof(float));
		ck_assert(in && wt && dout && padded && packed && staged && dstaged && dw);
		for (int i = 0; i < c * h * w; i++)
			in[i] = (float)rng_uniform(&r) * 2 - 1;
		for (int i = 0; i < o * c * 9; i++)
			wt[i] = (float)rng_uniform(&r) * 2 - 1;
		for (int i = 0; i < o * g.oh * g.ow; i++)
			dout[i] = (float)rng_uniform(&r) * 2 - 1;
		conv3x3_pad(&g, in, padded);
		conv3x3_pack(&g, wt, packed);
		conv3x3_stage(&g, dout, dstaged);
		for (enum conv3x3_isa isa = CONV3X3_ISA_AVX2; isa <= best; isa++) {
			conv3x3_forward_isa(isa, &g, packed, padded, staged);
			for (int i = 0; i < o * c * 9; i++)
				dw[i] = 0.5f; /* wgrad adds */
			conv3x3_wgrad_isa(isa, &g, padded, dstaged, dw);
			for (int oc = 0; oc < o; oc++)
				for (int y = 0; y < g.oh; y++)
					for (int x = 0; x < g.ow; x++) {
						double mag;
						double ref = naive3x3_out(in, wt, c, h, w, 1, pad[0], pad[1],
									  oc, y, x, &mag);
						double got = staged[(size_t)oc * g.qn + (size_t)y * g.wp + x];
						ck_assert_msg(fabs(got - ref) <= 1e-5 * (mag + 1),
							      "%s forward c%d o%d %dx%d pads %d%d%d%d: out[%d][%d][%d] %g, naive %g",
							      conv3x3_isa_name(isa), c, o, h, w, pad[0], pad[1], pad[2],
							      pad[3], oc, y, x, got, ref);
					}
			for (int oc = 0; oc < o; oc++)
				for (int ci = 0; ci < c; ci++)
					for (int t = 0; t < 9; t++) {
						double mag;
						double ref = naive3x3_dw(in, dout, h, w, 1, pad[0], pad[1],
									 g.oh, g.ow, oc, ci, t, 0.5, &mag);
						double got = dw[(oc * c + ci) * 9 + t];
						ck_assert_msg(fabs(got - ref) <= 1e-5 * (mag + 1),
							      "%s wgrad c%d o%d %dx%d: dw[%d][%d][%d] %g, naive %g",
							      conv3x3_isa_name(isa), c, o, h, w, oc, ci, t, got, ref);
					}
		}
		free(in), free(wt), free(dout), free(padded), free(packed), free(staged);
		free(dstaged), free(dw);
	}
}
END_TEST

/* The stride-2 forms (AVX-512 only) against naive loops in double: the
 * forward through its four phase planes, the weight gradient, and the
 * data gradient's four phase convs interleaved into din (assigned, then
 * added onto 0.5, and split in two parts as threads split it), on random
 * channel counts, maps of 3x3 to 20x20 (odd and even) and every padding
 * 0..2 per side. */
START_TEST(test_conv3x3_stride2_kernels)
{
	if (!conv3x3_stride_available(2)) {
		fprintf(stderr, "check_conv: stride-2 direct kernels not run (no AVX-512)\n");
		return;
	}
	struct rng r;
	rng_seed(&r, 7);
	for (int iter = 0; iter < 60; iter++) {
		struct conv3x3 g, t;
		int c = 1 + (int)rng_below(&r, 12), o = 1 + (int)rng_below(&r, 21);
		int pad[4];
		for (int i = 0; i < 4; i++)
			pad[i] = (int)rng_below(&r, 3);
		int h = 3 + (int)rng_below(&r, 18), w = 3 + (int)rng_below(&r, 18);
		conv3x3_init_stride(&g, c, h, w, o, 2, pad[0], pad[1], pad[2], pad[3]);
		conv3x3_dgrad_init(&t, &g);
		ck_assert_int_eq(g.oh, (h + pad[0] + pad[2] - 3) / 2 + 1);
		ck_assert_int_eq(g.ow, (w + pad[1] + pad[3] - 3) / 2 + 1);
		const size_t n_in = (size_t)c * h * w, n_w = (size_t)o * c * 9;
		const size_t n_out = (size_t)o * g.oh * g.ow;
		float *in = malloc(n_in * sizeof(float)), *wt = malloc(n_w * sizeof(float));
		float *dout = malloc(n_out * sizeof(float)), *out = malloc(n_out * sizeof(float));
		float *padded = malloc(conv3x3_padded_floats(&g) * sizeof(float));
		float *packed = malloc(conv3x3_packed_floats(&g) * sizeof(float));
		float *staged = malloc(conv3x3_staged_floats(&g) * sizeof(float));
		float *dstaged = malloc(conv3x3_staged_floats(&g) * sizeof(float));
		float *dw = malloc(n_w * sizeof(float));
		float *padt = malloc(conv3x3_padded_floats(&t) * sizeof(float));
		float *packt = malloc(conv3x3_packed_floats(&t) * sizeof(float));
		float *stt = malloc(conv3x3_staged_floats(&t) * sizeof(float));
		float *din = malloc(n_in * sizeof(float)), *din2 = malloc(n_in * sizeof(float));
		ck_assert(in && wt && dout && out && padded && packed && staged && dstaged && dw &&
			  padt && packt && stt && din && din2);
		for (size_t i = 0; i < n_in; i++)
			in[i] = (float)rng_uniform(&r) * 2 - 1;
		for (size_t i = 0; i < n_w; i++)
			wt[i] = (float)rng_uniform(&r) * 2 - 1;
		for (size_t i = 0; i < n_out; i++)
			dout[i] = (float)rng_uniform(&r) * 2 - 1;
		conv3x3_pad(&g, in, padded);
		conv3x3_pack(&g, wt, packed);
		conv3x3_forward(&g, packed, padded, staged);
		conv3x3_unstage(&g, staged, out, false);
		conv3x3_stage(&g, dout, dstaged);
		for (size_t i = 0; i < n_w; i++)
			dw[i] = 0.5f; /* wgrad adds */
		conv3x3_wgrad(&g, padded, dstaged, dw);
		conv3x3_pack_dgrad(&t, wt, packt);
		conv3x3_pad(&t, dout, padt);
		/* Two parts, as a team of two splits one sample. */
		const int mid = conv3x3_part_bound(&t, 1, 2);
		conv3x3_forward_part(&t, packt, padt, stt, 0, mid);
		conv3x3_forward_part(&t, packt, padt, stt, mid, t.op);
		conv3x3_unstage_part(&t, stt, din, false, 0, mid);
		conv3x3_unstage_part(&t, stt, din, false, mid, t.op);
		for (size_t i = 0; i < n_in; i++)
			din2[i] = 0.5f;
		conv3x3_unstage(&t, stt, din2, true);
		for (int oc = 0; oc < o; oc++)
			for (int y = 0; y < g.oh; y++)
				for (int x = 0; x < g.ow; x++) {
					double mag;
					double ref = naive3x3_out(in, wt, c, h, w, 2, pad[0], pad[1], oc, y,
								  x, &mag);
					double got = out[(oc * g.oh + y) * g.ow + x];
					ck_assert_msg(fabs(got - ref) <= 1e-5 * (mag + 1),
						      "stride-2 forward c%d o%d %dx%d pads %d%d%d%d: out[%d][%d][%d] %g, naive %g",
						      c, o, h, w, pad[0], pad[1], pad[2], pad[3], oc, y, x, got,
						      ref);
				}
		for (int oc = 0; oc < o; oc++)
			for (int ci = 0; ci < c; ci++)
				for (int k = 0; k < 9; k++) {
					double mag;
					double ref = naive3x3_dw(in, dout, h, w, 2, pad[0], pad[1], g.oh,
								 g.ow, oc, ci, k, 0.5, &mag);
					double got = dw[(oc * c + ci) * 9 + k];
					ck_assert_msg(fabs(got - ref) <= 1e-5 * (mag + 1),
						      "stride-2 wgrad c%d o%d %dx%d pads %d%d%d%d: dw[%d][%d][%d] %g, naive %g",
						      c, o, h, w, pad[0], pad[1], pad[2], pad[3], oc, ci, k, got,
						      ref);
				}
		for (int ci = 0; ci < c; ci++)
			for (int iy = 0; iy < h; iy++)
				for (int ix = 0; ix < w; ix++) {
					double ref = 0, mag = 0;
					for (int oc = 0; oc < o; oc++)
						for (int k = 0; k < 9; k++) {
							int ty = iy + pad[0] - k / 3, tx = ix + pad[1] - k % 3;
							if (ty < 0 || tx < 0 || ty % 2 || tx % 2 ||
							    ty / 2 >= g.oh || tx / 2 >= g.ow)
								continue;
							double v = (double)wt[(oc * c + ci) * 9 + k] *
								   dout[(oc * g.oh + ty / 2) * g.ow + tx / 2];
							ref += v, mag += fabs(v);
						}
					const size_t at = ((size_t)ci * h + iy) * w + ix;
					ck_assert_msg(fabs(din[at] - ref) <= 1e-5 * (mag + 1) &&
							      fabs(din2[at] - 0.5 - ref) <= 1e-5 * (mag + 1),
						      "stride-2 dgrad c%d o%d %dx%d pads %d%d%d%d: din[%d][%d][%d] %g (added: %g), naive %g",
						      c, o, h, w, pad[0], pad[1], pad[2], pad[3], ci, iy, ix,
						      din[at], din2[at] - 0.5, ref);
				}
		free(in), free(wt), free(dout), free(out), free(padded), free(packed);
		free(staged), free(dstaged), free(dw), free(padt), free(packt), free(stt);
		free(din), free(din2);
	}
}
END_TEST

/* A random valid configuration: groups 1, 2, 4 or depthwise, kernels
 * 1/3/5, strides 1/2, pads 0..2, sides 1..12, batches 1..4. */
static struct conv_case conv_case_random(struct rng *r)
{
	static const int kernels[] = { 1, 3, 5 };
	struct conv_case cc;
	int gsel = (int)rng_below(r, 4);
	int cg = 1 + (int)rng_below(r, 4), og = 1 + (int)rng_below(r, 4);
	cc.groups = gsel == 3 ? 1 + (int)rng_below(r, 6) : (gsel == 0 ? 1 : 2 * gsel);
	if (gsel == 3)
		cg = og = 1;
	cc.c = cg * cc.groups;
	cc.out = og * cc.groups;
	cc.k = kernels[rng_below(r, 3)];
	cc.s = 1 + (int)rng_below(r, 2);
	cc.p = (int)rng_below(r, 3);
	cc.h = 1 + (int)rng_below(r, 12);
	cc.w = 1 + (int)rng_below(r, 12);
	if (cc.h + 2 * cc.p < cc.k)
		cc.h = cc.k;
	if (cc.w + 2 * cc.p < cc.k)
		cc.w = cc.k;
	cc.bias = (int)rng_below(r, 2);
	cc.batch = 1 + (int)rng_below(r, 4);
	return cc;
}

START_TEST(test_conv_random_shapes)
{
	struct rng r;
	rng_seed(&r, 77);
	for (int i = 0; i < N_RANDOM_CASES; i++) {
		struct conv_case cc = conv_case_random(&r);
		conv_case_check(&cc, 2000 + (uint64_t)i);
	}
}
END_TEST

/* The output of a known tensor, computed by hand: a 1-channel 3x3 input
 * 1..9 with an all-ones 2x2 kernel, stride 1, no pad, bias 0.5. */
START_TEST(test_conv_hand_example)
{
	struct conv_case cc = { 1, 3, 3, 1, 2, 1, 0, 1, 1, 1 };
	struct conv_run cr;
	conv_run_init(&cr, &cc, 1);
	for (int i = 0; i < 9; i++)
		cr.x[i] = (float)(i + 1);
	fill(cr.l.w, 4, 1.0f);
	cr.l.b[0] = 0.5f;
	conv_run_forward(&cr);
	ck_assert_int_eq(cr.l.out.h, 2);
	ck_assert_int_eq(cr.l.out.w, 2);
	ck_assert_float_eq(cr.y[0], 12.5f);
	ck_assert_float_eq(cr.y[1], 16.5f);
	ck_assert_float_eq(cr.y[2], 24.5f);
	ck_assert_float_eq(cr.y[3], 28.5f);
	conv_run_done(&cr);
}
END_TEST

struct gc_case {
	struct conv_case cc;
	const char *what;
};

static const struct gc_case gc_cases[] = {
	{ { 3, 5, 6, 4, 3, 1, 1, 1, 1, 2 }, "3x3 pad 1, bias" },
	{ { 3, 7, 6, 4, 3, 2, 1, 1, 0, 2 }, "stride 2" },
	{ { 2, 5, 5, 3, 3, 1, 2, 1, 1, 1 }, "pad 2, batch 1" },
	{ { 2, 6, 7, 3, 5, 2, 2, 1, 0, 2 }, "5x5 stride 2 pad 2" },
	{ { 4, 5, 5, 6, 3, 1, 1, 2, 1, 2 }, "groups 2" },
	{ { 4, 6, 5, 4, 3, 1, 1, 4, 1, 2 }, "depthwise" },
	{ { 3, 5, 16, 3, 3, 1, 1, 3, 1, 2 }, "depthwise, 16 wide (AVX-512 rows)" },
	{ { 2, 5, 8, 4, 3, 1, 1, 2, 0, 2 }, "depthwise rows of 8, multiplier 2 (AVX-512 rows)" },
	{ { 2, 6, 32, 2, 3, 2, 1, 2, 1, 2 }, "depthwise stride 2 onto 16 (AVX-512 rows)" },
	{ { 2, 6, 16, 4, 3, 2, 1, 2, 0, 2 }, "depthwise stride 2 onto 8, multiplier 2 (AVX-512 rows)" },
	{ { 2, 7, 8, 2, 3, 2, 1, 2, 1, 2 }, "depthwise stride 2 onto 4 (AVX-512 rows)" },
	{ { 3, 7, 7, 6, 3, 2, 1, 3, 0, 2 }, "depthwise stride 2, multiplier 2" },
	{ { 4, 4, 5, 3, 1, 1, 0, 1, 1, 3 }, "1x1 stride 1, chunked" },
	{ { 4, 4, 5, 6, 1, 1, 0, 2, 0, 1 }, "1x1 stride 1 in place, groups 2" },
	{ { 2, 32, 32, 2, 1, 1, 0, 1, 1, 2 }, "1x1 in place, batch 2" },
	{ { 4, 6, 6, 3, 1, 2, 0, 1, 0, 2 }, "1x1 stride 2 projection" },
	{ { 3, 6, 7, 4, 3, 2, 0, 1, 1, 2, true, { 0, 0, 1, 1 } }, "SAME_UPPER stride 2" },
	{ { 4, 6, 5, 4, 3, 1, 0, 4, 1, 2, true, { 1, 0, 2, 1 } }, "depthwise, every side different" },
	{ { 2, 16, 17, 3, 3, 1, 0, 1, 1, 2, true, { 1, 2, 0, 1 } }, "direct 3x3, uneven pads" },
	{ { 2, 33, 32, 3, 3, 2, 1, 1, 1, 2, true, { 1, 1, 2, 0 } }, "direct 3x3 stride 2, uneven pads" },
};
#define N_GC_CASES ((int)(sizeof gc_cases / sizeof gc_cases[0]))

START_TEST(test_conv_gradcheck)
{
	const struct gc_case *gc = &gc_cases[_i];
	const struct conv_case *cc = &gc->cc;
	struct layer_conf conf;
	layer_conf_defaults(LAYER_KIND_CONV, &conf);
	conf.out = cc->out;
	conf.size = cc->k;
	conf.stride = cc->s;
	conf.pad = conv_case_pad(cc);
	conf.groups = cc->groups;
	conf.bias = cc->bias;
	struct shape in = { cc->c, cc->h, cc->w };
	struct gradcheck_result res;
	bool ok = gradcheck_layer(LAYER_KIND_CONV, &conf, &in, 1, cc->batch, true,
				  50 + (uint64_t)_i, 1e-2, NULL, &res);
	ck_assert_msg(ok, "%s: %s", gc->what, res.report);
	ck_assert_msg(res.worst < 1e-2, "%s: %s", gc->what, res.report);
	/* The weight gradient was really compared (not skipped as empty). */
	ck_assert_msg(res.err_w > 0.0 || res.err_in[0] > 0.0, "%s: %s", gc->what, res.report);
}
END_TEST

/* A config that must be rejected, and a fragment its message must hold. */
struct bad_case {
	struct conv_case cc;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	{ { 30, 8, 8, 8, 3, 1, 1, 4, 0, 1 }, "conv7: 30 input channels not divisible by groups 4" },
	{ { 8, 8, 8, 6, 3, 1, 1, 4, 0, 1 }, "conv7: 6 filters not divisible by groups 4" },
	{ { 3, 3, 3, 4, 5, 1, 0, 1, 0, 1 }, "kernel larger" },
	{ { 3, 2, 8, 4, 5, 1, 1, 1, 0, 1 }, "kernel larger" },
	{ { 3, 8, 8, 4, 3, 0, 1, 1, 0, 1 }, "stride" },
	{ { 3, 8, 8, 4, 3, -1, 1, 1, 0, 1 }, "stride" },
	{ { 3, 8, 8, 0, 3, 1, 1, 1, 0, 1 }, "out" },
	{ { 3, 8, 8, 4, 0, 1, 1, 1, 0, 1 }, "size" },
	{ { 3, 8, 8, 4, 3, 1, -1, 1, 0, 1 }, "pad" },
	{ { 3, 8, 8, 4, 3, 1, 0, 1, 0, 1, true, { 1, 1, 1, -1 } }, "pad must not be negative, got 1 1 1 -1" },
	{ { 3, 2, 2, 4, 5, 1, 0, 1, 0, 1, true, { 2, 2, 0, 0 } }, "kernel larger" },
	{ { 3, 8, 8, 4, 3, 1, 1, 0, 0, 1 }, "groups" },
	{ { 3, 8, 8, 4, 3, 1, 1, 1, 2, 1 }, "bias" },
};
#define N_BAD_CASES ((int)(sizeof bad_cases / sizeof bad_cases[0]))

START_TEST(test_conv_infer_rejects)
{
	const struct bad_case *bc = &bad_cases[_i];
	struct layer l;
	struct eng_err err;
	err.msg[0] = '\0';
	ck_assert_int_eq(conv_layer_infer(&l, &bc->cc, &err), ENG_STATUS_EINVAL);
	ck_assert_msg(strstr(err.msg, bc->msg) != NULL, "message '%s' lacks '%s'",
		      err.msg, bc->msg);
	ck_assert_msg(strncmp(err.msg, "conv7:", 6) == 0, "message '%s' does not name the layer",
		      err.msg);
}
END_TEST

START_TEST(test_conv_infer_inputs)
{
	struct conv_case cc = { 3, 8, 8, 4, 3, 1, 1, 1, 0, 1 };
	struct layer l;
	struct eng_err err;
	ck_assert_int_eq(conv_layer_infer(&l, &cc, &err), ENG_STATUS_OK);
	struct shape two[2] = { { 3, 8, 8 }, { 3, 8, 8 } };
	ck_assert_int_eq(l.ops->infer(&l, two, 2, &err), ENG_STATUS_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "conv7"));
	struct shape empty = { 0, 8, 8 };
	ck_assert_int_eq(l.ops->infer(&l, &empty, 1, &err), ENG_STATUS_EINVAL);
	/* Kernel exactly the padded size is fine: a 1x1 output. */
	struct conv_case edge = { 3, 1, 1, 4, 3, 2, 1, 1, 0, 1 };
	ck_assert_int_eq(conv_layer_infer(&l, &edge, &err), ENG_STATUS_OK);
	ck_assert_int_eq(l.out.h, 1);
	ck_assert_int_eq(l.out.w, 1);
}
END_TEST

START_TEST(test_conv_counts)
{
	struct layer l;
	struct eng_err err;
	/* ResNet-20 stem: 3x32x32 -> 16, 3x3, pad 1. */
	struct conv_case stem = { 3, 32, 32, 16, 3, 1, 1, 1, 0, 1 };
	ck_assert_int_eq(conv_layer_infer(&l, &stem, &err), ENG_STATUS_OK);
	ck_assert_int_eq(l.out.c, 16);
	ck_assert_int_eq(l.out.h, 32);
	ck_assert_int_eq(l.out.w, 32);
	ck_assert_uint_eq(l.w_len, 432);
	ck_assert_uint_eq(l.b_len, 0);
	ck_assert_uint_eq(l.state_len, 0);
	ck_assert_uint_eq(l.ops->macs(&l), 442368);       /* 32*32*16*3*9 */

	/* Grouped, strided, with bias: 32x16x16 -> 64, groups 4, stride 2. */
	struct conv_case grp = { 32, 16, 16, 64, 3, 2, 1, 4, 1, 1 };
	ck_assert_int_eq(conv_layer_infer(&l, &grp, &err), ENG_STATUS_OK);
	ck_assert_int_eq(l.out.h, 8);
	ck_assert_int_eq(l.out.w, 8);
	ck_assert_uint_eq(l.w_len, 4608);                 /* 64*8*3*3 */
	ck_assert_uint_eq(l.b_len, 64);
	ck_assert_uint_eq(l.ops->macs(&l), 294912);       /* 8*8*64*8*9 */

	/* Non-square, stride 2, no pad: (10 - 3)/2 + 1 = 4, (7 - 3)/2 + 1 = 3. */
	struct conv_case ns = { 2, 10, 7, 5, 3, 2, 0, 1, 1, 1 };
	ck_assert_int_eq(conv_layer_infer(&l, &ns, &err), ENG_STATUS_OK);
	ck_assert_int_eq(l.out.h, 4);
	ck_assert_int_eq(l.out.w, 3);
	ck_assert_uint_eq(l.ops->macs(&l), 4 * 3 * 5 * 2 * 9);

	/* VGG-16 conv at 4x4, 512 -> 512: 2,359,296 weights, 37.7 M MACs. */
	struct conv_case vgg = { 512, 4, 4, 512, 3, 1, 1, 1, 0, 1 };
	ck_assert_int_eq(conv_layer_infer(&l, &vgg, &err), ENG_STATUS_OK);
	ck_assert_uint_eq(l.w_len, 2359296);
	ck_assert_uint_eq(l.ops->macs(&l), 37748736);

	/* Depthwise 3x3 on 32 channels at 16x16. */
	struct conv_case dw = { 32, 16, 16, 32, 3, 1, 1, 32, 0, 1 };
	ck_assert_int_eq(conv_layer_infer(&l, &dw, &err), ENG_STATUS_OK);
	ck_assert_uint_eq(l.w_len, 288);
	ck_assert_uint_eq(l.ops->macs(&l), 16 * 16 * 32 * 9);
}
END_TEST

/* Kaiming-normal with fan-in (in/groups)*k*k and zero bias. */
START_TEST(test_conv_init)
{
	struct conv_case cc = { 64, 8, 8, 128, 3, 1, 1, 2, 1, 1 };
	struct conv_run cr;
	conv_run_init(&cr, &cc, 3);
	struct rng r;
	rng_seed(&r, 9);
	cr.l.ops->init(&cr.l, &r);
	double sum = 0.0, sum2 = 0.0;
	for (size_t i = 0; i < cr.l.w_len; i++) {
		sum += cr.l.w[i];
		sum2 += (double)cr.l.w[i] * cr.l.w[i];
	}
	double n = (double)cr.l.w_len;
	double std = sqrt(sum2 / n - (sum / n) * (sum / n));
	double want = sqrt(2.0 / (32.0 * 9.0));
	ck_assert_msg(fabs(std / want - 1.0) < 0.03, "std %g want %g", std, want);
	ck_assert_msg(fabs(sum / n) < 0.03 * want, "mean %g", sum / n);
	for (size_t i = 0; i < cr.l.b_len; i++)
		ck_assert_float_eq(cr.l.b[i], 0.0f);
	conv_run_done(&cr);
}
END_TEST

/* Scratch sized for a big batch also serves smaller ones (the net sizes it
 * once, for its largest batch), and chunking keeps it bounded. */
START_TEST(test_conv_scratch)
{
	static const struct conv_case shapes[] = {
		{ 72, 32, 32, 64, 3, 1, 1, 1, 0, 1 },
		{ 16, 32, 32, 32, 3, 2, 1, 1, 0, 1 },
		{ 16, 32, 32, 16, 3, 1, 1, 1, 0, 1 },
		{ 512, 2, 2, 512, 3, 1, 1, 1, 0, 1 },
		{ 8, 32, 32, 8, 1, 1, 0, 1, 0, 1 },
		{ 8, 8, 8, 8, 1, 1, 0, 2, 0, 1 },
	};
	struct layer l;
	struct eng_err err;
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		ck_assert_int_eq(conv_layer_infer(&l, &shapes[i], &err), ENG_STATUS_OK);
		size_t prev = 0;
		for (int b = 1; b <= 64; b++) {
			size_t s = l.ops->scratch_len(&l, b);
			ck_assert_msg(s >= prev, "shape %zu: scratch(%d) = %zu < %zu", i, b, s, prev);
			prev = s;
		}
	}
	/* 64 samples of a 72-channel 3x3 conv at 32x32 would need 64*(648+64)*1024
	 * floats at once; chunks keep it far below. */
	ck_assert_int_eq(conv_layer_infer(&l, &shapes[0], &err), ENG_STATUS_OK);
	ck_assert_uint_lt(l.ops->scratch_len(&l, 64), (size_t)64 * (648 + 64) * 1024 / 4);
	/* The direct 3x3 path keeps buffers per thread, never for more
	 * threads than samples: batch 1 sizes one thread's, batch 2 two. */
#ifdef _OPENMP
	ck_assert_int_eq(conv_layer_infer(&l, &shapes[2], &err), ENG_STATUS_OK);
	if (omp_get_num_procs() >= 2)
		ck_assert_uint_lt(l.ops->scratch_len(&l, 1), l.ops->scratch_len(&l, 2));
#endif
	/* A depthwise conv runs direct loops and needs none. */
	struct conv_case dw = { 32, 16, 16, 32, 3, 1, 1, 32, 0, 1 };
	ck_assert_int_eq(conv_layer_infer(&l, &dw, &err), ENG_STATUS_OK);
	ck_assert_uint_eq(l.ops->scratch_len(&l, 64), 0);
}
END_TEST

/* A fused net's small-map convs on panels (conv_panels.h, gemm_panels.h):
 * each panel height (64 rows for 1-4 columns, 32 for 5-8, 16 for 9-16),
 * column counts below a panel's (B padded), output channels that leave a
 * partial panel (pruned widths), a 1x1 conv reading its input in place,
 * and a few samples on a 2x2 map, which the panels take up to 4 columns
 * only. */
static const struct conv_case panel_cases[] = {
	{ 64, 4, 4, 128, 3, 1, 1, 1, 1, 1 },  /* 16 columns, 16-row panels, 8 of them */
	{ 120, 4, 4, 70, 3, 1, 1, 1, 1, 1 },  /* 16 columns, 70 = 4 x 16 + 6 rows */
	{ 130, 2, 2, 70, 3, 1, 1, 1, 0, 1 },  /* 4 columns, 64-row panels, 70 = 64 + 6 */
	{ 91, 1, 3, 100, 3, 1, 1, 1, 1, 1 },  /* 3 columns: B padded to 4 */
	{ 100, 2, 3, 90, 3, 1, 1, 1, 1, 1 },  /* 6 columns, 32-row panels, 90 = 2 x 32 + 26 */
	{ 80, 3, 3, 100, 3, 1, 1, 1, 1, 1 },  /* 9 columns: B padded to 16 */
	{ 300, 1, 1, 250, 1, 1, 0, 1, 1, 1 }, /* 1x1 on a 1x1 map, B in place */
	{ 80, 2, 2, 100, 3, 1, 1, 1, 1, 3 },  /* 12 columns on 4-column panels: gemm_thin */
};
#define N_PANEL_CASES ((int)(sizeof panel_cases / sizeof panel_cases[0]))

START_TEST(test_conv_panels_shapes)
{
	const struct conv_case *cc = &panel_cases[_i];
	struct conv_run cr;
	conv_run_init(&cr, cc, 1900 + (uint64_t)_i);
	struct layer *l = &cr.l;
	if (conv3x3_best_isa() != CONV3X3_ISA_AVX512) {
		ck_assert(!conv_panels_eligible(l));
		fprintf(stderr, "check_conv: no AVX-512 here, the panels are not run\n");
		conv_run_done(&cr);
		return;
	}
	ck_assert(conv_panels_eligible(l));
	const size_t ncol = (size_t)cc->batch * (size_t)l->out.h * (size_t)l->out.w;
	struct conv_ref ref;
	conv_ref_compute(&cr, &ref);
	/* gemm_thin on the row-major weights first: the unfused path. */
	ck_assert(!conv_panels_runs(l, ncol));
	conv_run_forward(&cr);
	float *y_thin = xmalloc_floats(cr.y_len), *y1 = xmalloc_floats(cr.y_len);
	memcpy(y_thin, cr.y, cr.y_len * sizeof *y_thin);
	float *panels = xmalloc_floats(conv_panels_len(l));
	conv_panels_pack(l, panels);
	l->packing = LAYER_PACKED_PANELS;
	l->w_packed = panels;
	ck_assert(conv_panels_runs(l, ncol) == (cc->batch == 1));
	for (int t = 1; t <= 2; t++) {
		conv_io_threads = t;
		conv_run_forward(&cr);
		conv_expect_close("y (panels)", cc, cr.y, 0.0, ref.y, ref.y_abs, cr.y_len);
		if (t == 1)
			memcpy(y1, cr.y, cr.y_len * sizeof *y1);
		else /* threads split whole panels, never a sum */
			ck_assert_msg(memcmp(y1, cr.y, cr.y_len * sizeof *y1) == 0,
				      "two threads differ from one");
	}
	conv_io_threads = 0;
	/* From 9 columns both kernels sum each element over k in order
	 * with fused multiply-adds: the same bits, in the rows gemm_thin
	 * takes in blocks of 8 (its rows left over run a plain loop). */
	if (ncol > 8) {
		const size_t blocked = (size_t)cc->out / 8 * 8 * ncol;
		ck_assert_msg(memcmp(y1, y_thin, blocked * sizeof *y1) == 0,
			      "panels differ from gemm_thin");
	}
	free(panels);
	free(y_thin);
	free(y1);
	conv_ref_done(&ref);
	conv_run_done(&cr);
}
END_TEST

/* gemm_panels itself: every panel height and a column count below each,
 * rows split at panel boundaries as a team splits them, and the plain
 * loop (under the kernel cap) giving the kernels' bits. */
START_TEST(test_gemm_panels_plain_and_parts)
{
	const int m = 150, k = 77;
	const int ns[] = { 4, 3, 8, 5, 16, 11 };
	struct rng r;
	rng_seed(&r, 1950);
	float *a = xmalloc_floats((size_t)m * k), *b = xmalloc_floats((size_t)k * 16);
	for (size_t i = 0; i < (size_t)m * k; i++)
		a[i] = uniform_pm1(&r);
	for (size_t i = 0; i < (size_t)k * 16; i++)
		b[i] = uniform_pm1(&r);
	float *c = xmalloc_floats((size_t)m * 16), *c2 = xmalloc_floats((size_t)m * 16);
	float *bpad = xmalloc_floats(gemm_panels_scratch(k));
	const enum conv3x3_isa best = conv3x3_best_isa();
	for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
		const int n = ns[t], rows = gemm_panels_rows(n);
		ck_assert_int_le(n, gemm_panels_max_n(rows));
		float *p = xmalloc_floats(gemm_panels_len(rows, m, k));
		gemm_panels_pack(rows, m, k, a, (size_t)k, p);
		gemm_panels(rows, m, 0, m, n, k, p, b, (size_t)n, c, (size_t)n, bpad);
		for (int i = 0; i < m; i++)
			for (int j = 0; j < n; j++) {
				double want = 0.0, scale = 0.0;
				for (int kk = 0; kk < k; kk++) {
					want += (double)a[(size_t)i * k + kk] * b[(size_t)kk * n + j];
					scale += fabs((double)a[(size_t)i * k + kk] * b[(size_t)kk * n + j]);
				}
				ck_assert_msg(fabs(c[(size_t)i * n + j] - want) <= 1e-5 * scale,
					      "n %d C[%d][%d]: %g want %g", n, i, j,
					      (double)c[(size_t)i * n + j], want);
			}
		/* In parts: [0, rows), [rows, m). */
		fill(c2, (size_t)m * 16, NAN);
		gemm_panels(rows, m, 0, rows, n, k, p, b, (size_t)n, c2, (size_t)n, bpad);
		gemm_panels(rows, m, rows, m, n, k, p, b, (size_t)n, c2, (size_t)n, bpad);
		ck_assert(memcmp(c, c2, (size_t)m * n * sizeof *c) == 0);
		/* The plain loop. */
		conv3x3_cap_isa(CONV3X3_ISA_NONE);
		fill(c2, (size_t)m * 16, NAN);
		gemm_panels(rows, m, 0, m, n, k, p, b, (size_t)n, c2, (size_t)n, bpad);
		conv3x3_cap_isa(best);
		ck_assert_msg(memcmp(c, c2, (size_t)m * n * sizeof *c) == 0,
			      "n %d: the plain loop differs from the kernel", n);
		free(p);
	}
	/* The transposed form (gemm_panels_t): Ct = (A B)^T from Bt, against
	 * the naive sum, and the plain loop's bits under the cap. */
	const int nt = 32;
	float *p = xmalloc_floats(gemm_panels_len(16, m, k)), *bt = xmalloc_floats((size_t)nt * k);
	float *ct = xmalloc_floats((size_t)nt * m), *ct2 = xmalloc_floats((size_t)nt * m);
	gemm_panels_pack(16, m, k, a, (size_t)k, p);
	for (size_t i = 0; i < (size_t)nt * k; i++)
		bt[i] = uniform_pm1(&r);
	gemm_panels_t(m, nt, k, p, bt, (size_t)k, ct, (size_t)m);
	for (int j = 0; j < nt; j++)
		for (int i = 0; i < m; i++) {
			double want = 0.0, scale = 0.0;
			for (int kk = 0; kk < k; kk++) {
				const double t = (double)a[(size_t)i * k + kk] * bt[(size_t)j * k + kk];
				want += t;
				scale += fabs(t);
			}
			ck_assert_msg(fabs(ct[(size_t)j * m + i] - want) <= 1e-5 * scale,
				      "Ct[%d][%d]: %g want %g", j, i, (double)ct[(size_t)j * m + i], want);
		}
	conv3x3_cap_isa(CONV3X3_ISA_NONE);
	fill(ct2, (size_t)nt * m, NAN);
	gemm_panels_t(m, nt, k, p, bt, (size_t)k, ct2, (size_t)m);
	conv3x3_cap_isa(best);
	ck_assert_msg(memcmp(ct, ct2, (size_t)nt * m * sizeof *ct) == 0,
		      "gemm_panels_t: the plain loop differs from the kernel");
	free(p);
	free(bt);
	free(ct);
	free(ct2);
	free(a);
	free(b);
	free(c);
	free(c2);
	free(bpad);
}
END_TEST

/* Whether this CPU runs the Winograd paths (AVX-512); says so when not. */
static bool conv_wino_here(void)
{
	if (conv3x3_best_isa() == CONV3X3_ISA_AVX512)
		return true;
	fprintf(stderr, "check_conv: no AVX-512 here, the Winograd paths are not run\n");
	return false;
}

/* Winograd F(2x2, 3x3) (conv_wino.h), the fused inference nets' path for
 * 3x3 stride-1 convs on 8x8 to 32x32 maps: odd and even sides, channel
 * counts pruning leaves (not multiples of 8), with and without a bias,
 * plain, ReLU and ReLU6, on one and two threads. */
static const struct conv_case wino_cases[] = {
	{ 64, 8, 8, 64, 3, 1, 1, 1, 1, 1 },     /* 16 tiles: the thin products */
	{ 67, 8, 8, 70, 3, 1, 1, 1, 0, 1 },     /* thin, output channels not 16s */
	{ 64, 16, 16, 32, 3, 1, 1, 1, 1, 1 },   /* 64 tiles: sgemm products */
	{ 65, 9, 13, 17, 3, 1, 1, 1, 1, 1 },    /* odd sides: half tiles */
	{ 96, 15, 8, 9, 3, 1, 1, 1, 1, 1 },     /* 8 x 4 tiles, odd rows */
	{ 128, 12, 12, 129, 3, 1, 1, 1, 0, 1 }, /* 36 tiles */
	{ 64, 32, 32, 64, 3, 1, 1, 1, 1, 1 },   /* VGG's conv1_2: 256 tiles */
	{ 66, 31, 29, 20, 3, 1, 1, 1, 0, 1 },   /* the largest odd sides */
};
#define N_WINO_CASES ((int)(sizeof wino_cases / sizeof wino_cases[0]))

START_TEST(test_conv_wino_shapes)
{
	if (!conv_wino_here())
		return;
	const struct conv_case *cc = &wino_cases[_i];
	struct conv_run cr;
	conv_run_init(&cr, cc, 1700 + (uint64_t)_i);
	struct layer *l = &cr.l;
	ck_assert(conv_wino_eligible(l));
	struct conv_ref ref;
	conv_ref_compute(&cr, &ref);
	float *u = xmalloc_floats(conv_wino_weights_len(l));
	conv_wino_transform_weights(l, u);
	ck_assert(!conv_wino_runs(l, 1));
	l->packing = LAYER_PACKED_WINO2;
	l->w_packed = u;
	/* Batch 1 only (conv_wino.h says why). */
	ck_assert(conv_wino_runs(l, 1) && !conv_wino_runs(l, 2));
	float *y1 = xmalloc_floats(cr.y_len);
	const float clips[] = { -1.0f, 0.0f, 6.0f }; /* none, ReLU, ReLU6 */
	for (int a = 0; a < 3; a++) {
		l->conf.post_relu = clips[a] >= 0.0f;
		l->conf.post_clip = clips[a] > 0.0f ? clips[a] : 0.0f;
		/* The reference, through the same activation (1-Lipschitz, so
		 * the tolerance holds), and the largest |y| for the header's
		 * bound. */
		double *want = xcalloc_doubles(cr.y_len), ymax = 0.0;
		for (size_t i = 0; i < cr.y_len; i++) {
			want[i] = l->conf.post_relu
					  ? layer_post_act((float)ref.y[i], layer_post_hi(&l->conf))
					  : ref.y[i];
			ymax = fmax(ymax, fabs(want[i]));
		}
		/* OpenBLAS on one thread for both: a team's threads call it
		 * so, and its own threads may split a product otherwise. */
		const int blas_saved = threads_blas_serial_begin();
		for (int t = 1; t <= 2; t++) {
			conv_io_threads = t;
			conv_run_forward(&cr);
			conv_expect_close("y (winograd)", cc, cr.y, 0.0, want, ref.y_abs, cr.y_len);
			for (size_t i = 0; i < cr.y_len; i++)
				ck_assert_msg(fabs(cr.y[i] - want[i]) <= 1e-5 * ymax,
					      "y[%zu]: %g want %g (largest %g)", i, (double)cr.y[i],
					      want[i], ymax);
			if (t == 1)
				memcpy(y1, cr.y, cr.y_len * sizeof *y1);
			else /* threads split channels and products, never a sum */
				ck_assert_msg(memcmp(y1, cr.y, cr.y_len * sizeof *y1) == 0,
					      "two threads differ from one");
		}
		threads_blas_serial_end(blas_saved);
		conv_io_threads = 0;
		free(want);
	}
	free(y1);
	free(u);
	conv_ref_done(&ref);
	conv_run_done(&cr);
}
END_TEST

/* The batched Winograd path (conv_wino.h: training, scoring, larger
 * inference batches): forward and backward (the data and weight
 * gradients; the bias gradient is conv2d's) through it, all against the
 * naive loops: 8x8 to 16x16 maps whose sides are not both multiples of 4
 * (those take F(4x4, 3x3), below), odd sides, channel counts pruning
 * leaves, batches that split unevenly over a team and over a thread's
 * runs of samples. */
static const struct conv_case wino_batch_cases[] = {
	{ 64, 10, 10, 128, 3, 1, 1, 1, 1, 5 },  /* 10x10, an odd batch */
	{ 65, 9, 9, 130, 3, 1, 1, 1, 0, 3 },    /* no bias */
	{ 64, 14, 14, 131, 3, 1, 1, 1, 1, 14 }, /* runs of 6: two per thread */
	{ 96, 9, 11, 129, 3, 1, 1, 1, 1, 4 },   /* odd sides */
	{ 64, 10, 14, 128, 3, 1, 1, 1, 1, 2 },  /* the smallest batch */
};
#define N_WINO_BATCH_CASES ((int)(sizeof wino_batch_cases / sizeof wino_batch_cases[0]))

START_TEST(test_conv_wino_batch_shapes)
{
	if (!conv_wino_here())
		return;
	const struct conv_case *cc = &wino_batch_cases[_i];
	struct layer l;
	struct eng_err err;
	ck_assert(conv_layer_infer(&l, cc, &err) == ENG_STATUS_OK);
	ck_assert(conv_wino_batch_runs(&l, cc->batch) && !conv_wino_batch_runs(&l, 1));
	/* Sides that are not multiples of 4: F(4x4, 3x3) leaves them here. */
	ck_assert(!conv_wino4_runs(&l, cc->batch));
	conv_case_check(cc, 1800 + (uint64_t)_i);
}
END_TEST

/* The batched Winograd backward by finite differences: the conv is
 * linear in its weights and in its input, so for L = sum(y * dy) the
 * central difference (L(w + e) - L(w - e)) / 2 equals <dL/dw, e> up to
 * rounding, for any direction e; the same for the input. */
static double conv_loss(struct conv_run *cr)
{
	conv_run_forward(cr);
	double acc = 0.0;
	for (size_t i = 0; i < cr->y_len; i++)
		acc += (double)cr->y[i] * cr->dy[i];
	return acc;
}

/* dL/dw and dL/dx of the layer's backward against central differences
 * along a random direction each. */
static void conv_fd_check(struct conv_run *cr, uint64_t seed)
{
	struct layer *l = &cr->l;
	conv_dw_assign = true;
	conv_run_forward(cr);
	conv_run_backward(cr, true, true);
	conv_dw_assign = false;
	struct rng r;
	rng_seed(&r, seed);
	const size_t lens[2] = { l->w_len, cr->x_len };
	float *vals[2] = { l->w, cr->x };
	const float *grads[2] = { l->dw, cr->dx };
	for (int k = 0; k < 2; k++) {
		float *e = xmalloc_floats(lens[k]), *keep = xmalloc_floats(lens[k]);
		memcpy(keep, vals[k], lens[k] * sizeof *keep);
		double want = 0.0, scale = 0.0;
		for (size_t i = 0; i < lens[k]; i++) {
			e[i] = 0.01f * uniform_pm1(&r);
			want += (double)grads[k][i] * e[i];
			scale += fabs((double)grads[k][i] * e[i]);
		}
		for (size_t i = 0; i < lens[k]; i++)
			vals[k][i] = keep[i] + e[i];
		const double up = conv_loss(cr);
		for (size_t i = 0; i < lens[k]; i++)
			vals[k][i] = keep[i] - e[i];
		const double down = conv_loss(cr);
		memcpy(vals[k], keep, lens[k] * sizeof *keep);
		const double got = (up - down) / 2.0;
		ck_assert_msg(fabs(got - want) <= 1e-3 * scale, "%s: difference %g, gradient %g (scale %g)",
			      k == 0 ? "weights" : "input", got, want, scale);
		free(e);
		free(keep);
	}
}

START_TEST(test_conv_wino_batch_fd)
{
	if (!conv_wino_here())
		return;
	const struct conv_case cc = { 64, 10, 10, 128, 3, 1, 1, 1, 1, 3 };
	struct conv_run cr;
	conv_run_init(&cr, &cc, 1900);
	ck_assert(conv_wino_batch_runs(&cr.l, cc.batch) && !conv_wino4_runs(&cr.l, cc.batch));
	conv_fd_check(&cr, 1901);
	conv_run_done(&cr);
}
END_TEST

/* Winograd F(4x4, 3x3) (conv_wino4.h), the batched path of VGG's 4x4 to
 * 16x16 convs: forward and backward through the layer against the naive
 * loops, one to sixteen tiles a sample, non-square maps, channel counts
 * pruning leaves (not multiples of 16), with and without a bias, batches
 * of 2 to 130 (two runs of products). */
static const struct conv_case wino4_cases[] = {
	{ 64, 4, 4, 64, 3, 1, 1, 1, 1, 2 },     /* the smallest: 4 vectors of lanes */
	{ 67, 4, 4, 130, 3, 1, 1, 1, 0, 5 },    /* lanes left over both ways */
	{ 512, 4, 4, 512, 3, 1, 1, 1, 0, 3 },   /* VGG-16's conv4_2 */
	{ 96, 4, 4, 65, 3, 1, 1, 1, 1, 130 },   /* two runs of 65 */
	{ 64, 8, 8, 128, 3, 1, 1, 1, 1, 5 },    /* four tiles a sample */
	{ 70, 8, 12, 66, 3, 1, 1, 1, 0, 3 },    /* six, rows of three */
	{ 64, 16, 16, 72, 3, 1, 1, 1, 1, 9 },   /* sixteen: runs of 5 and 4 */
};
#define N_WINO4_CASES ((int)(sizeof wino4_cases / sizeof wino4_cases[0]))

START_TEST(test_conv_wino4_shapes)
{
	if (!conv_wino_here())
		return;
	const struct conv_case *cc = &wino4_cases[_i];
	struct layer l;
	struct eng_err err;
	ck_assert(conv_layer_infer(&l, cc, &err) == ENG_STATUS_OK);
	ck_assert(conv_wino4_runs(&l, cc->batch) && !conv_wino4_runs(&l, 1));
	conv_case_check(cc, 2000 + (uint64_t)_i);
}
END_TEST

/* F(4x4, 3x3) for a fused net's batch 1 (conv_wino4_fused_*): 16x16 and
 * 32x32 maps (VGG's conv2_2 and conv1_2), output channels that leave a
 * partial panel and partial lanes, inputs that leave partial lanes, and
 * a map of 8 x 32 (sixteen tiles in two rows); with and without a bias,
 * plain, ReLU and ReLU6, on one and two threads. */
static const struct conv_case wino4_fused_cases[] = {
	{ 64, 32, 32, 64, 3, 1, 1, 1, 1, 1 },   /* VGG-16's conv1_2 */
	{ 128, 16, 16, 128, 3, 1, 1, 1, 0, 1 }, /* VGG-16's conv2_2 */
	{ 67, 16, 16, 70, 3, 1, 1, 1, 1, 1 },   /* 70 = 4 x 16 + 6 outputs, 67 inputs */
	{ 80, 8, 32, 72, 3, 1, 1, 1, 0, 1 },    /* 2 x 8 tiles */
};
#define N_WINO4_FUSED_CASES ((int)(sizeof wino4_fused_cases / sizeof wino4_fused_cases[0]))

START_TEST(test_conv_wino4_fused_shapes)
{
	if (!conv_wino_here())
		return;
	const struct conv_case *cc = &wino4_fused_cases[_i];
	struct conv_run cr;
	conv_run_init(&cr, cc, 2300 + (uint64_t)_i);
	struct layer *l = &cr.l;
	ck_assert(conv_wino4_fused_eligible(l));
	struct conv_ref ref;
	conv_ref_compute(&cr, &ref);
	float *u = xmalloc_floats(conv_wino4_fused_len(l));
	ck_assert(conv_wino4_fused_weights(l, u));
	ck_assert(!conv_wino4_fused_runs(l, 1));
	l->packing = LAYER_PACKED_WINO4;
	l->w_packed = u;
	ck_assert(conv_wino4_fused_runs(l, 1) && !conv_wino4_fused_runs(l, 2));
	float *y1 = xmalloc_floats(cr.y_len);
	const float clips[] = { -1.0f, 0.0f, 6.0f }; /* none, ReLU, ReLU6 */
	for (int a = 0; a < 3; a++) {
		l->conf.post_relu = clips[a] >= 0.0f;
		l->conf.post_clip = clips[a] > 0.0f ? clips[a] : 0.0f;
		double *want = xcalloc_doubles(cr.y_len);
		for (size_t i = 0; i < cr.y_len; i++)
			want[i] = l->conf.post_relu
					  ? layer_post_act((float)ref.y[i], layer_post_hi(&l->conf))
					  : ref.y[i];
		for (int t = 1; t <= 2; t++) {
			conv_io_threads = t;
			conv_run_forward(&cr);
			conv_expect_close("y (winograd 4x4, fused)", cc, cr.y, 0.0, want, ref.y_abs,
					  cr.y_len);
			if (t == 1)
				memcpy(y1, cr.y, cr.y_len * sizeof *y1);
			else /* threads split positions, tiles and products, never a sum */
				ck_assert_msg(memcmp(y1, cr.y, cr.y_len * sizeof *y1) == 0,
					      "two threads differ from one");
		}
		conv_io_threads = 0;
		free(want);
	}
	l->conf.post_relu = false;
	free(y1);
	free(u);
	conv_ref_done(&ref);
	conv_run_done(&cr);
}
END_TEST

/* Which fused batch-1 form (conv_packing_for) each kind of conv gets. */
START_TEST(test_conv_packing_for)
{
	const struct {
		struct conv_case cc;
		enum layer_packing want; /* on AVX-512 */
	} t[] = {
		{ { 64, 32, 32, 64, 3, 1, 1, 1, 1, 1 }, LAYER_PACKED_WINO4 },
		{ { 128, 16, 16, 128, 3, 1, 1, 1, 1, 1 }, LAYER_PACKED_WINO4 },
		{ { 256, 8, 8, 256, 3, 1, 1, 1, 1, 1 }, LAYER_PACKED_WINO2 },  /* four tiles */
		{ { 64, 12, 12, 64, 3, 1, 1, 1, 1, 1 }, LAYER_PACKED_WINO2 },  /* nine tiles */
		{ { 32, 16, 16, 32, 3, 1, 1, 1, 1, 1 }, LAYER_PACKED_NONE },   /* few channels */
		{ { 512, 4, 4, 512, 3, 1, 1, 1, 1, 1 }, LAYER_PACKED_PANELS }, /* 16 positions */
		{ { 512, 2, 2, 512, 3, 1, 1, 1, 1, 1 }, LAYER_PACKED_PANELS },
		{ { 64, 32, 32, 64, 3, 2, 1, 1, 1, 1 }, LAYER_PACKED_NONE },   /* stride 2 */
	};
	const bool wide = conv3x3_best_isa() == CONV3X3_ISA_AVX512;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct layer l;
		struct eng_err err;
		ck_assert(conv_layer_infer(&l, &t[i].cc, &err) == ENG_STATUS_OK);
		const enum layer_packing got = conv_packing_for(&l);
		ck_assert_msg(got == (wide ? t[i].want : LAYER_PACKED_NONE), "case %zu: %d", i,
			      (int)got);
		ck_assert_uint_eq(conv_packing_len(&l, got) == 0, got == LAYER_PACKED_NONE);
	}
	/* Under the kernel cap nothing is packed. */
	if (wide) {
		struct layer l;
		struct eng_err err;
		ck_assert(conv_layer_infer(&l, &t[0].cc, &err) == ENG_STATUS_OK);
		conv3x3_cap_isa(CONV3X3_ISA_AVX2);
		ck_assert_int_eq(conv_packing_for(&l), LAYER_PACKED_NONE);
		conv3x3_cap_isa(CONV3X3_ISA_AVX512);
	}
}
END_TEST

/* The same path with the fused activation (a fused net's batches), and
 * on one thread against two: threads split the transforms and the 36
 * products, never a sum, so every output and gradient is the same to the
 * bit. */
START_TEST(test_conv_wino4_threads)
{
	if (!conv_wino_here())
		return;
	const struct conv_case cc = { 80, 8, 8, 72, 3, 1, 1, 1, 1, 7 };
	struct conv_run cr;
	conv_run_init(&cr, &cc, 2100);
	struct conv_ref ref;
	conv_ref_compute(&cr, &ref);
	struct layer *l = &cr.l;
	const size_t ylen = cr.y_len, xlen = cr.x_len, wlen = l->w_len;
	float *y[2], *dx[2], *dw[2];
	const int blas_saved = threads_blas_serial_begin();
	for (int t = 0; t < 2; t++) {
		y[t] = xmalloc_floats(ylen);
		dx[t] = xmalloc_floats(xlen);
		dw[t] = xmalloc_floats(wlen);
		/* ReLU6 with a bias: past the clip, below zero and between. */
		l->conf.post_relu = true;
		l->conf.post_clip = 6.0f;
		conv_run_poison(&cr);
		conv_wino4_forward(l, cr.x, y[t], cc.batch, cr.scratch, t + 1);
		size_t clipped = 0, zeroed = 0;
		for (size_t i = 0; i < ylen; i++) {
			double want = layer_post_act((float)ref.y[i], 6.0f);
			ck_assert_msg(fabs(y[t][i] - want) <= 1e-4 * (ref.y_abs[i] + 1e-3),
				      "y[%zu] %g want %g", i, (double)y[t][i], want);
			clipped += y[t][i] == 6.0f;
			zeroed += y[t][i] == 0.0f;
		}
		ck_assert(clipped > 0 && zeroed > 0);
		l->conf.post_relu = false;
		/* Onto NaN: assigned, not added. */
		fill(dx[t], xlen, NAN);
		fill(dw[t], wlen, NAN);
		conv_run_poison(&cr);
		conv_wino4_dgrad(l, cr.dy, dx[t], true, cc.batch, cr.scratch, t + 1);
		conv_run_poison(&cr);
		conv_wino4_wgrad(l, cr.x, cr.dy, dw[t], true, cc.batch, cr.scratch, t + 1);
		conv_expect_close("dx (wino4)", &cc, dx[t], 0.0, ref.dx, ref.dx_abs, xlen);
		conv_expect_close("dw (wino4)", &cc, dw[t], 0.0, ref.dw, ref.dw_abs, wlen);
	}
	threads_blas_serial_end(blas_saved);
	ck_assert_msg(memcmp(y[0], y[1], ylen * sizeof(float)) == 0, "y: two threads differ");
	ck_assert_msg(memcmp(dx[0], dx[1], xlen * sizeof(float)) == 0, "dx: two threads differ");
	ck_assert_msg(memcmp(dw[0], dw[1], wlen * sizeof(float)) == 0, "dw: two threads differ");
	for (int t = 0; t < 2; t++) {
		free(y[t]);
		free(dx[t]);
		free(dw[t]);
	}
	conv_ref_done(&ref);
	conv_run_done(&cr);
}
END_TEST

/* A net sizes its scratch for its largest batch and may then run a
 * smaller one, whose runs can be longer: 64 channels each way on 16x16
 * maps take at most 28 samples a run, so batch 29 runs as 15 + 14 and
 * batch 28 as one run of 28.  The scratch sized for 29 must hold it
 * (exactly that much is allocated, so ASan sees any overrun). */
START_TEST(test_conv_wino4_smaller_batch)
{
	if (!conv_wino_here())
		return;
	struct conv_case big = { 64, 16, 16, 64, 3, 1, 1, 1, 1, 29 };
	struct conv_case small = big;
	small.batch = 28;
	struct conv_run cr;
	conv_run_init(&cr, &small, 2300);
	ck_assert(conv_wino4_runs(&cr.l, small.batch));
	conv_run_scratch_for(&cr, big.batch);
	struct conv_ref ref;
	conv_ref_compute(&cr, &ref);
	conv_run_forward(&cr);
	conv_expect_close("y", &small, cr.y, 0.0, ref.y, ref.y_abs, cr.y_len);
	conv_dw_assign = true;
	conv_run_backward(&cr, true, true);
	conv_dw_assign = false;
	conv_expect_close("dx", &small, cr.dx, 0.0, ref.dx, ref.dx_abs, cr.x_len);
	conv_expect_close("dw", &small, cr.l.dw, 0.0, ref.dw, ref.dw_abs, cr.l.w_len);
	conv_ref_done(&ref);
	conv_run_done(&cr);
}
END_TEST

/* Its backward by finite differences (test_conv_wino_batch_fd's check). */
START_TEST(test_conv_wino4_fd)
{
	if (!conv_wino_here())
		return;
	const struct conv_case cc = { 64, 8, 12, 96, 3, 1, 1, 1, 1, 3 };
	struct conv_run cr;
	conv_run_init(&cr, &cc, 2200);
	ck_assert(conv_wino4_runs(&cr.l, cc.batch));
	conv_fd_check(&cr, 2201);
	conv_run_done(&cr);
}
END_TEST

/* Which convs take the Winograd path: only 3x3, stride 1, pad 1, one
 * group, 64 or more inputs, outputs 8x8 to 16x16 (batched: 128 or more
 * outputs too). */
START_TEST(test_conv_wino_eligible)
{
	static const struct {
		struct conv_case cc;
		bool yes, batched; /* batch 1 of a fused net; the batched path */
	} cases[] = {
		{ { 64, 16, 16, 128, 3, 1, 1, 1, 1, 1 }, true, true },
		{ { 256, 8, 8, 256, 3, 1, 1, 1, 1, 1 }, true, true },
		{ { 64, 8, 16, 8, 3, 1, 1, 1, 0, 1 }, true, false },   /* batched: few outputs */
		{ { 63, 16, 16, 64, 3, 1, 1, 1, 1, 1 }, false },  /* few inputs */
		{ { 64, 32, 32, 64, 3, 1, 1, 1, 1, 1 }, true, false },  /* batched: 32x32 */
		{ { 64, 33, 32, 64, 3, 1, 1, 1, 1, 1 }, false },  /* past 32 */
		{ { 64, 7, 7, 128, 3, 1, 1, 1, 1, 1 }, false, false },  /* 7x7 */
		{ { 64, 4, 4, 128, 3, 1, 1, 1, 1, 1 }, false, false },  /* 4x4 */
		{ { 64, 16, 16, 64, 3, 2, 1, 1, 1, 1 }, false },  /* stride 2 */
		{ { 64, 16, 16, 64, 3, 1, 0, 1, 1, 1 }, false },  /* no padding */
		{ { 64, 16, 16, 64, 3, 1, 1, 2, 1, 1 }, false },  /* groups */
		{ { 64, 16, 16, 64, 5, 1, 2, 1, 1, 1 }, false },  /* 5x5 */
		{ { 64, 16, 16, 64, 1, 1, 0, 1, 1, 1 }, false },  /* 1x1 */
		{ { 64, 16, 16, 64, 3, 1, 0, 1, 1, 1, true, { 1, 1, 1, 0 } }, false },
		{ { 64, 2, 2, 64, 3, 1, 1, 1, 1, 1 }, false },    /* 2x2 */
	};
	const bool avx512 = conv3x3_best_isa() == CONV3X3_ISA_AVX512;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct layer l;
		struct eng_err err;
		ck_assert(conv_layer_infer(&l, &cases[i].cc, &err) == ENG_STATUS_OK);
		ck_assert_msg(conv_wino_eligible(&l) == (cases[i].yes && avx512), "case %zu", i);
		ck_assert_msg(conv_wino_batch_eligible(&l) == (cases[i].batched && avx512),
			      "case %zu, batched", i);
	}
	/* F(4x4, 3x3): sides multiples of 4 from 4 to 16, 64 or more
	 * channels each way. */
	static const struct {
		struct conv_case cc;
		bool yes;
	} four[] = {
		{ { 64, 4, 4, 64, 3, 1, 1, 1, 1, 2 }, true },
		{ { 512, 4, 4, 512, 3, 1, 1, 1, 0, 2 }, true },
		{ { 63, 4, 4, 64, 3, 1, 1, 1, 1, 2 }, false },   /* few inputs */
		{ { 64, 4, 4, 63, 3, 1, 1, 1, 1, 2 }, false },   /* few outputs */
		{ { 64, 8, 16, 64, 3, 1, 1, 1, 1, 2 }, true },
		{ { 256, 16, 16, 128, 3, 1, 1, 1, 1, 2 }, true },
		{ { 64, 4, 5, 64, 3, 1, 1, 1, 1, 2 }, false },   /* 4x5 */
		{ { 64, 10, 10, 128, 3, 1, 1, 1, 1, 2 }, false }, /* 10x10 */
		{ { 64, 20, 20, 128, 3, 1, 1, 1, 1, 2 }, false }, /* past 16 */
		{ { 64, 32, 32, 64, 3, 1, 1, 1, 1, 2 }, false },  /* 32x32: it lost */
		{ { 64, 8, 8, 64, 3, 2, 1, 1, 1, 2 }, false },   /* stride 2 to 4x4 */
		{ { 64, 6, 6, 64, 3, 1, 0, 1, 1, 2 }, false },   /* no padding, 4x4 out */
		{ { 64, 4, 4, 64, 3, 1, 1, 2, 1, 2 }, false },   /* groups */
		{ { 64, 4, 4, 64, 1, 1, 0, 1, 1, 2 }, false },   /* 1x1 */
	};
	for (size_t i = 0; i < sizeof four / sizeof four[0]; i++) {
		struct layer l;
		struct eng_err err;
		ck_assert(conv_layer_infer(&l, &four[i].cc, &err) == ENG_STATUS_OK);
		ck_assert_msg(conv_wino4_eligible(&l) == (four[i].yes && avx512), "4x4 case %zu", i);
		ck_assert_msg(!conv_wino4_runs(&l, 1), "4x4 case %zu at batch 1", i);
	}
}
END_TEST

/* The net sizes scratch for its largest batch and may then run a smaller
 * one (the last batch of an epoch): the smaller call must fit. */
START_TEST(test_conv_smaller_batch)
{
	/* 12 samples per chunk at most: batch 20 runs as 10 + 10, batch 12
	 * as one chunk of 12, more than the bigger batch ever holds.  (72
	 * inputs keep it off the direct 3x3 kernels.) */
	struct conv_case big = { 72, 16, 16, 1, 3, 1, 1, 1, 1, 20 };
	struct conv_case small = big;
	small.batch = 12;
	struct conv_run cr;
	conv_run_init(&cr, &small, 5);
	conv_run_scratch_for(&cr, big.batch);
	struct conv_ref ref;
	conv_ref_compute(&cr, &ref);
	conv_run_forward(&cr);
	conv_expect_close("y", &small, cr.y, 0.0, ref.y, ref.y_abs, cr.y_len);
	conv_ref_done(&ref);
	conv_run_done(&cr);
}
END_TEST


/* Every path of conv_dw3.h against a naive loop in float that sums in
 * their order (bias, then taps kh * 3 + kw, a product rounded before each
 * sum, zeros where padding is read): the same bits, on shapes aimed at
 * each path (with AVX-512, the row path for rows of 16k columns at
 * stride 1 and 2 x 16k or 16 at stride 2, the mask path for narrower
 * planes), odd heights, every padding, no activation, ReLU and ReLU6. */
static void dw3_naive(const struct conv2d_geom *g, const float *plane, const float *w,
		      float bias, const struct layer_conf *cf, float *dst)
{
	for (int oh = 0; oh < g->oh; oh++)
		for (int ow = 0; ow < g->ow; ow++) {
			float acc = bias;
			for (int t = 0; t < 9; t++) {
				const int ih = oh * g->s + t / 3 - g->pt;
				const int iw = ow * g->s + t % 3 - g->pl;
				const float x = ih >= 0 && ih < g->h && iw >= 0 && iw < g->w
							? plane[ih * g->w + iw]
							: 0.0f;
				const float prod = w[t] * x;
				acc = acc + prod;
			}
			if (cf->post_relu)
				acc = layer_post_act(acc, layer_post_hi(cf));
			dst[oh * g->ow + ow] = acc;
		}
}

START_TEST(test_conv_dw3_paths)
{
	struct rng r;
	rng_seed(&r, 3107);
	const bool avx512 = conv3x3_best_isa() == CONV3X3_ISA_AVX512;
	/* h, w, stride, pads (t, l, b, r), the path AVX-512 takes */
	static const struct {
		int h, w, s, pt, pl, pb, pr;
		enum conv_dw3_path path;
	} shapes[] = {
		{ 32, 32, 1, 1, 1, 1, 1, CONV_DW3_BY_ROWS },
		{ 7, 16, 1, 1, 1, 1, 1, CONV_DW3_BY_ROWS },
		{ 5, 48, 1, 2, 1, 0, 1, CONV_DW3_BY_ROWS },
		{ 9, 32, 1, 0, 1, 2, 1, CONV_DW3_BY_ROWS },
		{ 32, 32, 2, 1, 1, 1, 1, CONV_DW3_BY_ROWS },
		{ 33, 64, 2, 1, 1, 1, 0, CONV_DW3_BY_ROWS },
		{ 16, 16, 2, 1, 1, 1, 1, CONV_DW3_BY_ROWS },
		{ 13, 16, 2, 1, 1, 0, 0, CONV_DW3_BY_ROWS },
		{ 15, 16, 2, 2, 1, 1, 1, CONV_DW3_BY_ROWS },
		{ 8, 8, 1, 1, 1, 1, 1, CONV_DW3_BY_ROWS },
		{ 4, 4, 1, 1, 1, 1, 1, CONV_DW3_BY_ROWS },
		{ 7, 8, 1, 2, 1, 0, 1, CONV_DW3_BY_ROWS },
		{ 6, 4, 1, 0, 1, 2, 1, CONV_DW3_BY_ROWS },
		{ 1, 4, 1, 1, 1, 1, 1, CONV_DW3_BY_ROWS },
		{ 8, 8, 1, 1, 2, 1, 0, CONV_DW3_BY_MASKS },
		{ 4, 2, 1, 1, 1, 1, 1, CONV_DW3_BY_MASKS },
		{ 11, 7, 1, 2, 0, 0, 2, CONV_DW3_BY_MASKS },
		{ 3, 5, 1, 0, 2, 2, 0, CONV_DW3_BY_MASKS },
		{ 9, 15, 1, 1, 1, 2, 1, CONV_DW3_BY_MASKS },
		{ 12, 20, 1, 1, 1, 1, 1, CONV_DW3_BY_PLANES },
		{ 16, 16, 2, 0, 0, 1, 1, CONV_DW3_BY_LANES },
		{ 32, 32, 2, 0, 0, 1, 1, CONV_DW3_BY_PLANES },
		{ 8, 8, 2, 1, 1, 1, 1, CONV_DW3_BY_ROWS },
		{ 7, 8, 2, 1, 1, 1, 1, CONV_DW3_BY_ROWS },
		{ 11, 8, 2, 1, 1, 1, 1, CONV_DW3_BY_ROWS },
		{ 9, 8, 2, 2, 1, 0, 0, CONV_DW3_BY_ROWS },
		{ 8, 8, 2, 0, 0, 1, 1, CONV_DW3_BY_LANES },
	};
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
		for (int act = 0; act < 3; act++) {
			struct conv2d_geom g = { 0 };
			g.c = g.o = 1;
			g.h = shapes[i].h;
			g.w = shapes[i].w;
			g.k = 3;
			g.s = shapes[i].s;
			g.pt = shapes[i].pt;
			g.pl = shapes[i].pl;
			g.pb = shapes[i].pb;
			g.pr = shapes[i].pr;
			g.oh = (g.h + g.pt + g.pb - 3) / g.s + 1;
			g.ow = (g.w + g.pl + g.pr - 3) / g.s + 1;
			g.groups = g.cg = g.og = 1;
			g.hw = (size_t)g.oh * (size_t)g.ow;
			g.in_hw = (size_t)g.h * (size_t)g.w;
			g.kdim = 9;
			g.direct = true;
			struct layer_conf cf = { 0 };
			cf.post_relu = act > 0;
			cf.post_clip = act == 2 ? 6.0f : 0.0f;
			/* The plane sits one vector into its buffer with guard values
			 * around it that no path may read into a sum. */
			float *buf = xmalloc_floats(g.in_hw + 64);
			for (size_t k = 0; k < g.in_hw + 64; k++)
				buf[k] = NAN;
			float *plane = buf + 16;
			for (size_t k = 0; k < g.in_hw; k++)
				plane[k] = 8.0f * ((float)rng_uniform(&r) * 2 - 1);
			float wt[9];
			for (int t = 0; t < 9; t++)
				wt[t] = (float)rng_uniform(&r) * 2 - 1;
			const float bias = (float)rng_uniform(&r) - 0.5f;
			float *got = xmalloc_floats(g.hw + 16), *want = xmalloc_floats(g.hw);
			for (size_t k = 0; k < g.hw + 16; k++)
				got[k] = -7.0f;
			dw3_naive(&g, plane, wt, bias, &cf, want);
			struct conv_dw3 d;
			conv_dw3_plan(&d, &g);
			if (avx512)
				ck_assert_msg(d.path == shapes[i].path,
					      "shape %zu: path %d, expected %d", i, (int)d.path,
					      (int)shapes[i].path);
			switch (d.path) {
			case CONV_DW3_BY_ROWS:
				conv_dw3_rows(&d, &g, plane, wt, bias, &cf, got);
				break;
			case CONV_DW3_BY_MASKS:
				conv_dw3_masked(&d, &g, plane, wt, bias, &cf, got);
				break;
			case CONV_DW3_BY_PLANES:
				conv_dw3_plane(&d, &g, plane, wt, bias, &cf, got);
				break;
			case CONV_DW3_BY_LANES:
				conv_dw3_lanes(&d, &g, plane, wt, &bias, 0, 1, &cf, got);
				break;
			default:
				ck_abort_msg("shape %zu: no dw3 path", i);
			}
			for (size_t k = 0; k < g.hw; k++)
				ck_assert_msg(memcmp(&got[k], &want[k], sizeof(float)) == 0,
					      "shape %zu act %d path %d: out[%zu] = %.9g, want %.9g", i,
					      act, (int)d.path, k, (double)got[k], (double)want[k]);
			for (size_t k = g.hw; k < g.hw + 16; k++)
				ck_assert_msg(got[k] == -7.0f, "shape %zu: wrote past the plane", i);
			free(buf);
			free(got);
			free(want);
		}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conv");
	TCase *tc = tcase_create("forward_backward");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_conv_fixed_shapes, 0, N_CONV_CASES);
	tcase_add_loop_test(tc, test_conv_thin_shapes, 0, N_THIN_CASES);
	tcase_add_loop_test(tc, test_conv_panels_shapes, 0, N_PANEL_CASES);
	tcase_add_test(tc, test_gemm_panels_plain_and_parts);
	tcase_add_loop_test(tc, test_conv_team_shapes, 0, N_TEAM_CASES);
	tcase_add_loop_test(tc, test_conv_direct3x3_shapes, 0, N_DIRECT3X3_CASES);
	tcase_add_loop_test(tc, test_conv_batch1_team, 0, N_BATCH1_TEAM_CASES);
	tcase_add_test(tc, test_conv3x3_kernels_each_isa);
	tcase_add_test(tc, test_conv3x3_stride2_kernels);
	tcase_add_test(tc, test_conv_dw3_paths);
	tcase_add_test(tc, test_conv_random_shapes);
	tcase_add_test(tc, test_conv_hand_example);
	tcase_add_test(tc, test_conv_smaller_batch);
	tcase_add_loop_test(tc, test_conv_wino_shapes, 0, N_WINO_CASES);
	tcase_add_test(tc, test_conv_wino_eligible);
	tcase_add_loop_test(tc, test_conv_wino_batch_shapes, 0, N_WINO_BATCH_CASES);
	tcase_add_test(tc, test_conv_wino_batch_fd);
	tcase_add_loop_test(tc, test_conv_wino4_shapes, 0, N_WINO4_CASES);
	tcase_add_loop_test(tc, test_conv_wino4_fused_shapes, 0, N_WINO4_FUSED_CASES);
	tcase_add_test(tc, test_conv_packing_for);
	tcase_add_test(tc, test_conv_wino4_threads);
	tcase_add_test(tc, test_conv_wino4_fd);
	tcase_add_test(tc, test_conv_wino4_smaller_batch);
	suite_add_tcase(s, tc);
	TCase *tg = tcase_create("gradcheck");
	tcase_set_timeout(tg, 120);
	tcase_add_loop_test(tg, test_conv_gradcheck, 0, N_GC_CASES);
	suite_add_tcase(s, tg);
	TCase *ti = tcase_create("infer");
	tcase_add_loop_test(ti, test_conv_infer_rejects, 0, N_BAD_CASES);
	tcase_add_test(ti, test_conv_infer_inputs);
	tcase_add_test(ti, test_conv_counts);
	tcase_add_test(ti, test_conv_init);
	tcase_add_test(ti, test_conv_scratch);
	suite_add_tcase(s, ti);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
