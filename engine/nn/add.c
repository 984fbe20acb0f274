/* add.c: elementwise sum of exactly two inputs of the same shape (the join
 * of a residual block).  The backward hands dout unchanged to both inputs.
 *
 * With the ReLU after it (forward_relu, backward_relu: the net's choice,
 * net.c) it writes the ReLU's output in the pass that sums, and its
 * backward hands the ReLU's output gradient, where the ReLU passed, to
 * both inputs: the mask comes from the ReLU's output z, which passes
 * exactly where its input did (0 < z, and z < clip for ReLU6).  That
 * spares the ReLU's pass each way and the copy of its gradient.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "base/target_clones.h"
#include "base/threads.h"
#include "nn/act.h"
#include "nn/layer.h"

#ifdef _OPENMP
#define ADD_OMP(directive) _Pragma(directive)
#else
#define ADD_OMP(directive)
#endif

static enum eng_status add_infer(struct layer *l, const struct shape *in,
				 int n_in, struct eng_err *err)
{
	if (n_in != 2)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: add takes exactly two inputs, got %d", l->name, n_in);
	if (in[0].c <= 0 || in[0].h <= 0 || in[0].w <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: input shape %dx%dx%d is not positive",
				   l->name, in[0].c, in[0].h, in[0].w);
	if (!shape_equal(in[0], in[1]))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: cannot add shapes %dx%dx%d and %dx%dx%d",
				   l->name, in[0].c, in[0].h, in[0].w,
				   in[1].c, in[1].h, in[1].w);
	l->in = in[0];
	l->out = in[0];
	l->w_len = l->b_len = l->state_len = 0;
	return ENG_STATUS_OK;
}

static uint64_t add_macs(const struct layer *l)
{
	(void)l;
	return 0;
}

/* The per-element loops, compiled for the CPU's widest vectors (the
 * engine's baseline is SSE2) and marked `omp simd`: -O2's cost model left
 * them scalar (a loop of unknown length needs an epilogue).  out never
 * aliases an input: every layer has its own activation buffer. */
ENG_TARGET_CLONES static void add_sum(const float *restrict a, const float *restrict b,
				      float *restrict out, size_t n)
{
	ADD_OMP("omp simd")
	for (size_t i = 0; i < n; i++)
		out[i] = a[i] + b[i];
}

/* A fused eval net's add + ReLU (layer.h post_relu): one pass. */
ENG_TARGET_CLONES static void add_sum_relu(const float *restrict a,
					   const float *restrict b, float *restrict out,
					   size_t n, float hi)
{
	ADD_OMP("omp simd")
	for (size_t i = 0; i < n; i++)
		out[i] = layer_post_act(a[i] + b[i], hi);
}

ENG_TARGET_CLONES static void add_into(float *restrict dx, const float *restrict dy,
				       size_t n)
{
	ADD_OMP("omp simd")
	for (size_t i = 0; i < n; i++)
		dx[i] += dy[i];
}

/* The sum, with the ReLU (bounded by hi) when relu, split over a team as
 * act.c splits the ReLU's elements (the same sums whatever the split). */
static void add_forward_parts(const struct layer *l, const struct layer_io *io, bool relu,
			      float hi)
{
	const size_t n = shape_size(l->out) * (size_t)io->batch;
	const int nt = relu_threads(n);
	ADD_OMP("omp parallel for schedule(static) num_threads(nt) if(nt > 1)")
	for (int t = 0; t < nt; t++) {
		const size_t a = threads_part(n, nt, t), e = threads_part(n, nt, t + 1);
		if (relu)
			add_sum_relu(io->in[0] + a, io->in[1] + a, io->out + a, e - a, hi);
		else
			add_sum(io->in[0] + a, io->in[1] + a, io->out + a, e - a);
	}
}

static void add_forward(struct layer *l, const struct layer_io *io)
{
	add_forward_parts(l, io, l->conf.post_relu, layer_post_hi(&l->conf));
}

static void add_forward_relu(struct layer *l, const struct layer_io *io, float clip)
{
	add_forward_parts(l, io, true, layer_relu_hi(clip));
}

/* Both inputs' gradients: dout unchanged, or (relu) where the ReLU passed,
 * the mask from its output (act.h: it passes where its input did); split
 * over a team as the forward. */
static void add_backward_parts(const struct layer *l, const struct layer_io *io, bool relu,
			       float clip)
{
	const size_t n = shape_size(l->out) * (size_t)io->batch;
	const int nt = relu_threads(n);
	ADD_OMP("omp parallel for schedule(static) num_threads(nt) if(nt > 1)")
	for (int t = 0; t < nt; t++) {
		const size_t a = threads_part(n, nt, t), e = threads_part(n, nt, t + 1);
		for (int k = 0; k < 2; k++) {
			float *dx = io->din[k];
			if (!dx)
				continue;
			if (relu)
				relu_grad_range(io->out + a, io->dout + a, dx + a, e - a, clip,
						io->din_assign[k]);
			else if (io->din_assign[k])
				memcpy(dx + a, io->dout + a, (e - a) * sizeof(float));
			else
				add_into(dx + a, io->dout + a, e - a);
		}
	}
}

static void add_backward_relu(struct layer *l, const struct layer_io *io, float clip)
{
	add_backward_parts(l, io, true, clip);
}

static void add_backward(struct layer *l, const struct layer_io *io)
{
	ENG_ASSERT(!l->conf.post_relu);	/* fused eval nets never train */
	add_backward_parts(l, io, false, 0.0f);
}

const struct layer_ops add_ops = {
	.name = "add",
	.infer = add_infer,
	.macs = add_macs,
	.forward = add_forward,
	.backward = add_backward,
	.forward_relu = add_forward_relu,
	.backward_relu = add_backward_relu,
};
