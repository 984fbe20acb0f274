/* bench_conv: the engine's conv layer against plain sgemm on the same shapes.
 *
 * For every distinct conv shape of ResNet-20 and VGG-16 (CIFAR, 3x32x32) at
 * batch 64 it times, with the same OpenBLAS:
 *   - forward sgemm  [out x in*k*k] * [in*k*k x batch*oh*ow];
 *   - backward sgemm, the two GEMMs of a conv backward:
 *       dW = dout [out x N] * col^T [N x K]   and   dcol = W^T [K x out] * dout;
 *   - the engine's conv2d_ops forward and backward (with a data gradient),
 *     im2col / col2im, chunking and NCHW scatter included.
 * FLOPs are 2*MACs forward and 4*MACs backward.  Each figure is the median
 * of several timed repetitions after one warm-up, sgemm and engine
 * alternating.  The summary weights every
 * shape by how many times it occurs in its network, i.e. it is the ratio of
 * whole-network conv time, sgemm over engine.
 *
 * On a CPU with AVX-512 it then times the direct 3x3 kernels (conv3x3.h)
 * on one sample with AVX2 against AVX-512, alternating.
 *
 * Usage: bench_conv [batch [filter]]   (default 64; filter: only the shapes
 * whose net or layer name contains it)
 */
#include "config.h"

#include <cblas.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nn/layer.h"
#include "base/rng.h"
#include "nn/conv3x3.h"
#include "bench_json.h"
#include "bench_kernels.h"

struct bench_shape {
	const char *net;
	const char *what;
	int c, hw, out, k, s, p;
	int count;  /* occurrences in the network */
};

static const struct bench_shape bench_shapes[] = {
	{ "resnet20", "stem",      3, 32, 16, 3, 1, 1, 1 },
	{ "resnet20", "s1 16",    16, 32, 16, 3, 1, 1, 6 },
	{ "resnet20", "s2 16-32", 16, 32, 32, 3, 2, 1, 1 },
	{ "resnet20", "proj 16-32", 16, 32, 32, 1, 2, 0, 1 },
	{ "resnet20", "s1 32",    32, 16, 32, 3, 1, 1, 5 },
	{ "resnet20", "s2 32-64", 32, 16, 64, 3, 2, 1, 1 },
	{ "resnet20", "proj 32-64", 32, 16, 64, 1, 2, 0, 1 },
	{ "resnet20", "s1 64",    64,  8, 64, 3, 1, 1, 5 },
	{ "vgg16",    "conv1_1",   3, 32, 64, 3, 1, 1, 1 },
	{ "vgg16",    "conv1_2",  64, 32, 64, 3, 1, 1, 1 },
	{ "vgg16",    "conv2_1",  64, 16, 128, 3, 1, 1, 1 },
	{ "vgg16",    "conv2_2", 128, 16, 128, 3, 1, 1, 1 },
	{ "vgg16",    "conv3_1", 128,  8, 256, 3, 1, 1, 1 },
	{ "vgg16",    "conv3_2", 256,  8, 256, 3, 1, 1, 2 },
	{ "vgg16",    "conv4_1", 256,  4, 512, 3, 1, 1, 1 },
	{ "vgg16",    "conv4_2", 512,  4, 512, 3, 1, 1, 2 },
	{ "vgg16",    "conv5_x", 512,  2, 512, 3, 1, 1, 3 },
};
#define N_SHAPES ((int)(sizeof bench_shapes / sizeof bench_shapes[0]))

/* Timed repetitions: enough for ~0.6 s per pair, within [5, 21]. */
#define BENCH_TARGET_S 0.6
#define BENCH_MIN_REPS 5
#define BENCH_MAX_REPS 21

static double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

typedef void (*bench_fn)(void *ctx);

/* Median seconds of fa and of fb, each warmed up once, then timed in
 * alternation so that both see the same machine state (this VM's speed
 * drifts by tens of percent over seconds). */
static void bench_pair(bench_fn fa, bench_fn fb, void *ctx, double *ta, double *tb)
{
	double t0 = bench_now();
	fa(ctx);
	fb(ctx);
	double warm = bench_now() - t0;
	int reps = warm > 0.0 ? (int)(BENCH_TARGET_S / warm) : BENCH_MAX_REPS;
	if (reps < BENCH_MIN_REPS)
		reps = BENCH_MIN_REPS;
	if (reps > BENCH_MAX_REPS)
		reps = BENCH_MAX_REPS;
	double a[BENCH_MAX_REPS], b[BENCH_MAX_REPS];
	for (int i = 0; i < reps; i++) {
		t0 = bench_now();
		fa(ctx);
		double t1 = bench_now();
		fb(ctx);
		a[i] = t1 - t0;
		b[i] = bench_now() - t1;
	}
	qsort(a, (size_t)reps, sizeof a[0], bench_cmp_double);
	qsort(b, (size_t)reps, sizeof b[0], bench_cmp_double);
	*ta = reps % 2 ? a[reps / 2] : 0.5 * (a[reps / 2 - 1] + a[reps / 2]);
	*tb = reps % 2 ? b[reps / 2] : 0.5 * (b[reps / 2 - 1] + b[reps / 2]);
}

static float *bench_alloc(size_t n, struct rng *r)
{
	float *p = malloc((n ? n : 1) * sizeof(float));
	if (!p) {
		fprintf(stderr, "bench_conv: out of memory (%zu floats)\n", n);
		exit(EXIT_FAILURE);
	}
	for (size_t i = 0; i < n; i++)
		p[i] = (float)(2.0 * rng_uniform(r) - 1.0);
	return p;
}

/* Everything one shape needs. */
struct bench_ctx {
	int m, n, k;                  /* forward GEMM: out, batch*oh*ow, in*k*k */
	float *a, *bm, *cm, *dwm, *dcol;  /* sgemm operands */
	struct layer l;
	struct layer_io io;
};

static void bench_sgemm_forward(void *p)
{
	struct bench_ctx *b = p;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b->m, b->n, b->k,
		    1.0f, b->a, b->k, b->bm, b->n, 0.0f, b->cm, b->n);
}

static void bench_sgemm_backward(void *p)
{
	struct bench_ctx *b = p;
	/* dW [m x k] += dout [m x n] * col^T */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b->m, b->k, b->n,
		    1.0f, b->cm, b->n, b->bm, b->n, 1.0f, b->dwm, b->k);
	/* dcol [k x n] = W^T * dout */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, b->k, b->n, b->m,
		    1.0f, b->a, b->k, b->cm, b->n, 0.0f, b->dcol, b->n);
}

static void bench_conv_forward(void *p)
{
	struct bench_ctx *b = p;
	b->l.ops->forward(&b->l, &b->io);
}

static void bench_conv_backward(void *p)
{
	struct bench_ctx *b = p;
	b->l.ops->backward(&b->l, &b->io);
}

struct bench_times {
	double sg_f, sg_b, cv_f, cv_b; /* seconds */
	double macs;                   /* per batch */
};

static void bench_shape_run(const struct bench_shape *bs, int batch, struct rng *r,
			    struct bench_times *t)
{
	struct bench_ctx b;
	memset(&b, 0, sizeof b);
	struct layer *l = &b.l;
	l->kind = LAYER_KIND_CONV;
	l->ops = layer_kind_ops(LAYER_KIND_CONV);
	snprintf(l->name, sizeof l->name, "%s", bs->what);
	l->n_in = 1;
	l->in_idx[0] = -1;
	layer_conf_defaults(LAYER_KIND_CONV, &l->conf);
	l->conf.out = bs->out;
	l->conf.size = bs->k;
	l->conf.stride = bs->s;
	l->conf.pad = layer_pad_all(bs->p);
	struct shape in = { bs->c, bs->hw, bs->hw };
	struct eng_err err;
	if (l->ops->infer(l, &in, 1, &err) != ENG_STATUS_OK) {
		fprintf(stderr, "bench_conv: %s\n", err.msg);
		exit(EXIT_FAILURE);
	}
	size_t x_len = shape_size(l->in) * (size_t)batch;
	size_t y_len = shape_size(l->out) * (size_t)batch;
	l->w = bench_alloc(l->w_len, r);
	l->dw = bench_alloc(l->w_len, r);
	float *x = bench_alloc(x_len, r), *y = bench_alloc(y_len, r);
	float *dy = bench_alloc(y_len, r), *dx = bench_alloc(x_len, r);
	float *scratch = bench_alloc(l->ops->scratch_len(l, batch), r);
	b.io.batch = batch;
	b.io.train = true;
	b.io.in[0] = x;
	b.io.out = y;
	b.io.dout = dy;
	b.io.din[0] = dx;
	b.io.scratch = scratch;

	b.m = bs->out;
	b.n = batch * l->out.h * l->out.w;
	b.k = bs->c * bs->k * bs->k;
	b.a = bench_alloc((size_t)b.m * (size_t)b.k, r);
	b.bm = bench_alloc((size_t)b.k * (size_t)b.n, r);
	b.cm = bench_alloc((size_t)b.m * (size_t)b.n, r);
	b.dwm = bench_alloc((size_t)b.m * (size_t)b.k, r);
	b.dcol = bench_alloc((size_t)b.k * (size_t)b.n, r);

	t->macs = (double)l->ops->macs(l) * batch;
	bench_pair(bench_sgemm_forward, bench_conv_forward, &b, &t->sg_f, &t->cv_f);
	bench_pair(bench_sgemm_backward, bench_conv_backward, &b, &t->sg_b, &t->cv_b);

	free(b.a); free(b.bm); free(b.cm); free(b.dwm); free(b.dcol);
	free(l->w); free(l->dw); free(x); free(y); free(dy); free(dx); free(scratch);
}

/* Time one shape, print its row and add its count-weighted times to sum. */
static void bench_shape_report(const struct bench_shape *bs, int batch,
			       struct rng *r, struct bench_times *sum)
{
	struct bench_times t;
	bench_shape_run(bs, batch, r, &t);
	double ff = 2.0 * t.macs * 1e-9, fb = 4.0 * t.macs * 1e-9;
	char ks[8];
	snprintf(ks, sizeof ks, "%d/%d", bs->k, bs->s);
	printf("%-9s %-11s %4d %4d %3d %5s | %6.3f %6.1f %6.1f %4.0f%% | %6.1f %6.1f %4.0f%%\n",
	       bs->net, bs->what, bs->c, bs->out, bs->hw, ks, t.macs * 1e-9,
	       ff / t.sg_f, ff / t.cv_f, 100.0 * t.sg_f / t.cv_f,
	       fb / t.sg_b, fb / t.cv_b, 100.0 * t.sg_b / t.cv_b);
	fflush(stdout);
	sum->sg_f += bs->count * t.sg_f;
	sum->cv_f += bs->count * t.cv_f;
	sum->sg_b += bs->count * t.sg_b;
	sum->cv_b += bs->count * t.cv_b;
}

/* The direct 3x3 kernels on one sample, one instruction set against the
 * other (conv3x3.h): forward and weight gradient, where this CPU has
 * AVX-512 (conv2d runs only the widest; this shows what it buys). */
struct bench_isa_ctx {
	struct conv3x3 g;
	float *packed, *padded, *staged, *dstaged, *dw;
};

static void bench_isa_fwd2(void *p)
{
	struct bench_isa_ctx *c = p;
	conv3x3_forward_isa(CONV3X3_ISA_AVX2, &c->g, c->packed, c->padded, c->staged);
}

static void bench_isa_fwd512(void *p)
{
	struct bench_isa_ctx *c = p;
	conv3x3_forward_isa(CONV3X3_ISA_AVX512, &c->g, c->packed, c->padded, c->staged);
}

static void bench_isa_wg2(void *p)
{
	struct bench_isa_ctx *c = p;
	conv3x3_wgrad_isa(CONV3X3_ISA_AVX2, &c->g, c->padded, c->dstaged, c->dw);
}

static void bench_isa_wg512(void *p)
{
	struct bench_isa_ctx *c = p;
	conv3x3_wgrad_isa(CONV3X3_ISA_AVX512, &c->g, c->padded, c->dstaged, c->dw);
}

static void bench_isa_report(const char *filter, struct rng *r)
{
	if (conv3x3_best_isa() < CONV3X3_ISA_AVX512)
		return;
	printf("\ndirect 3x3 kernels, one sample, GFLOPS (median): AVX2 against AVX-512\n");
	printf("%-9s %-11s %4s %4s %3s | %6s %6s %5s | %6s %6s %5s\n", "net", "layer", "in",
	       "out", "hw", "fwd2", "fwd512", "x", "wgr2", "wgr512", "x");
	for (int i = 0; i < N_SHAPES; i++) {
		const struct bench_shape *bs = &bench_shapes[i];
		if (bs->k != 3 || bs->s != 1 || (filter && !strstr(bs->net, filter) &&
						 !strstr(bs->what, filter)))
			continue;
		struct bench_isa_ctx c;
		conv3x3_init(&c.g, bs->c, bs->hw, bs->hw, bs->out, bs->p, bs->p, bs->p, bs->p);
		float *in = bench_alloc((size_t)bs->c * bs->hw * bs->hw, r);
		float *w = bench_alloc((size_t)bs->out * bs->c * 9, r);
		float *dout = bench_alloc((size_t)bs->out * c.g.oh * c.g.ow, r);
		c.packed = bench_alloc(conv3x3_packed_floats(&c.g), r);
		c.padded = bench_alloc(conv3x3_padded_floats(&c.g), r);
		c.staged = bench_alloc(conv3x3_staged_floats(&c.g), r);
		c.dstaged = bench_alloc(conv3x3_staged_floats(&c.g), r);
		c.dw = bench_alloc((size_t)bs->out * bs->c * 9, r);
		conv3x3_pack(&c.g, w, c.packed);
		conv3x3_pad(&c.g, in, c.padded);
		conv3x3_stage(&c.g, dout, c.dstaged);
		const double flops = 2.0 * bs->c * bs->out * 9 * c.g.oh * c.g.ow;
		double f2, f5, w2, w5;
		bench_pair(bench_isa_fwd2, bench_isa_fwd512, &c, &f2, &f5);
		bench_pair(bench_isa_wg2, bench_isa_wg512, &c, &w2, &w5);
		printf("%-9s %-11s %4d %4d %3d | %6.1f %6.1f %4.2fx | %6.1f %6.1f %4.2fx\n", bs->net,
		       bs->what, bs->c, bs->out, bs->hw, flops / f2 * 1e-9, flops / f5 * 1e-9,
		       f2 / f5, flops / w2 * 1e-9, flops / w5 * 1e-9, w2 / w5);
		fflush(stdout);
		free(in), free(w), free(dout), free(c.packed), free(c.padded);
		free(c.staged), free(c.dstaged), free(c.dw);
	}
}

int main(int argc, char **argv)
{
	bench_kernels_select();
	int batch = 64;
	const char *filter = argc > 2 ? argv[2] : NULL;
	if (argc > 1) {
		batch = atoi(argv[1]);
		if (batch < 1 || argc > 3) {
			fprintf(stderr, "usage: bench_conv [batch [filter]]\n");
			return EXIT_FAILURE;
		}
	}
	time_t now = time(NULL);
	char date[32];
	strftime(date, sizeof date, "%Y-%m-%d", localtime(&now));
	printf("bench_conv: conv2d vs cblas_sgemm, batch %d, %s, %ld CPUs online\n",
	       batch, date, sysconf(_SC_NPROCESSORS_ONLN));
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	printf("OpenBLAS: %s, %d threads\n", openblas_get_config(),
	       openblas_get_num_threads());
#endif
	printf("GFLOPS (median), %% = engine / sgemm on the same GEMM shapes\n\n");
	printf("%-9s %-11s %4s %4s %3s %5s | %6s %6s %6s %5s | %6s %6s %5s\n",
	       "net", "layer", "in", "out", "hw", "k/s", "GMAC", "sgemmF", "convF", "%F",
	       "sgemmB", "convB", "%B");

	struct rng r;
	rng_seed(&r, 1);
	struct bench_times net = { 0 }, all = { 0 };
	double t_start = bench_now();
	for (int i = 0; i < N_SHAPES; i++) {
		const struct bench_shape *bs = &bench_shapes[i];
		if (!filter || strstr(bs->net, filter) || strstr(bs->what, filter))
			bench_shape_report(bs, batch, &r, &net);
		bool last_of_net = i + 1 == N_SHAPES ||
				   strcmp(bench_shapes[i + 1].net, bs->net) != 0;
		if (last_of_net && net.cv_f > 0.0) {
			printf("%-9s all convs (weighted by count): forward %.0f%%, backward %.0f%% of sgemm\n",
			       bs->net, 100.0 * net.sg_f / net.cv_f, 100.0 * net.sg_b / net.cv_b);
			/* ratio = sgemm time / conv time: the fraction of the
			 * machine's sgemm speed on the same GEMM shapes. */
			bench_json_figure("conv", "conv forward, all layers weighted by count",
					  bs->net, bench_json_threads(), "s", true, net.cv_f,
					  "cblas_sgemm on the same shapes", net.sg_f);
			bench_json_figure("conv", "conv backward, all layers weighted by count",
					  bs->net, bench_json_threads(), "s", true, net.cv_b,
					  "cblas_sgemm on the same shapes", net.sg_b);
			all.sg_f += net.sg_f;
			all.cv_f += net.cv_f;
			all.sg_b += net.sg_b;
			all.cv_b += net.cv_b;
			memset(&net, 0, sizeof net);
		}
	}
	if (all.cv_f > 0.0)
		printf("\nsummary: forward %.0f%%, backward %.0f%% of sgemm (time-weighted over both nets; %.0f s)\n",
		       100.0 * all.sg_f / all.cv_f, 100.0 * all.sg_b / all.cv_b,
		       bench_now() - t_start);
	bench_isa_report(filter, &r);
	return EXIT_SUCCESS;
}
