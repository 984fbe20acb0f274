/* add.c: elementwise sum of exactly two inputs of the same shape (the join
 * of a residual block).  The backward hands dout unchanged to both inputs.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "base/target_clones.h"
#include "nn/layer.h"

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
 * engine's baseline is SSE2).  out never aliases an input: every layer
 * has its own activation buffer. */
ENG_TARGET_CLONES static void add_sum(const float *restrict a, const float *restrict b,
				      float *restrict out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = a[i] + b[i];
}

/* A fused eval net's add + ReLU (layer.h post_relu): one pass. */
ENG_TARGET_CLONES static void add_sum_relu(const float *restrict a,
					   const float *restrict b, float *restrict out,
					   size_t n, float hi)
{
	for (size_t i = 0; i < n; i++)
		out[i] = layer_post_act(a[i] + b[i], hi);
}

ENG_TARGET_CLONES static void add_into(float *restrict dx, const float *restrict dy,
				       size_t n)
{
	for (size_t i = 0; i < n; i++)
		dx[i] += dy[i];
}

static void add_forward(struct layer *l, const struct layer_io *io)
{
	size_t n = shape_size(l->out) * (size_t)io->batch;
	if (!l->conf.post_relu)
		add_sum(io->in[0], io->in[1], io->out, n);
	else
		add_sum_relu(io->in[0], io->in[1], io->out, n, layer_post_hi(&l->conf));
}

static void add_backward(struct layer *l, const struct layer_io *io)
{
	ENG_ASSERT(!l->conf.post_relu);	/* fused eval nets never train */
	size_t n = shape_size(l->out) * (size_t)io->batch;
	for (int k = 0; k < 2; k++) {
		if (!io->din[k])
			continue;
		if (io->din_assign[k])
			memcpy(io->din[k], io->dout, n * sizeof(float));
		else
			add_into(io->din[k], io->dout, n);
	}
}

const struct layer_ops add_ops = {
	.name = "add",
	.infer = add_infer,
	.macs = add_macs,
	.forward = add_forward,
	.backward = add_backward,
};
