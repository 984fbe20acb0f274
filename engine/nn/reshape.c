/* reshape.c: flatten, c x h x w -> (c*h*w) x 1 x 1.  NCHW is already
 * contiguous per sample, so the data is copied unchanged.
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "nn/layer.h"

static enum eng_status flatten_infer(struct layer *l, const struct shape *in,
				     int n_in, struct eng_err *err)
{
	if (n_in != 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: flatten takes exactly one input, got %d", l->name, n_in);
	if (in[0].c <= 0 || in[0].h <= 0 || in[0].w <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: input shape %dx%dx%d is not positive",
				   l->name, in[0].c, in[0].h, in[0].w);
	size_t n = shape_size(in[0]);
	if (n > INT_MAX)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %zu values do not fit one channel axis", l->name, n);
	l->in = in[0];
	l->out = (struct shape){ .c = (int)n, .h = 1, .w = 1 };
	l->w_len = l->b_len = l->state_len = 0;
	return ENG_STATUS_OK;
}

static uint64_t flatten_macs(const struct layer *l)
{
	(void)l;
	return 0;
}

static void flatten_forward(struct layer *l, const struct layer_io *io)
{
	memcpy(io->out, io->in[0], shape_size(l->in) * (size_t)io->batch * sizeof(float));
}

static void flatten_backward(struct layer *l, const struct layer_io *io)
{
	float *dx = io->din[0];
	if (!dx)
		return;
	size_t n = shape_size(l->in) * (size_t)io->batch;
	if (io->din_assign[0]) {
		memcpy(dx, io->dout, n * sizeof(float));
		return;
	}
	for (size_t i = 0; i < n; i++)
		dx[i] += io->dout[i];
}

const struct layer_ops flatten_ops = {
	.name = "flatten",
	.infer = flatten_infer,
	.macs = flatten_macs,
	.forward = flatten_forward,
	.backward = flatten_backward,
};
