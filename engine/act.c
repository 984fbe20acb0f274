/* act.c: ReLU, optionally clipped from above (clip 6 = ReLU6).
 *
 * The gradient passes only where the forward was on its sloped part:
 * 0 < x, and x < clip when clipping.  At the kinks themselves the gradient
 * is 0, as in PyTorch's relu and hardtanh backward.
 */
#include "config.h"

#include <math.h>
#include <stddef.h>

#include "layer.h"

static enum eng_status relu_infer(struct layer *l, const struct shape *in,
				  int n_in, struct eng_err *err)
{
	if (n_in != 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: relu takes exactly one input, got %d", l->name, n_in);
	if (in[0].c <= 0 || in[0].h <= 0 || in[0].w <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: input shape %dx%dx%d is not positive",
				   l->name, in[0].c, in[0].h, in[0].w);
	if (!(l->conf.clip >= 0.0f) || !isfinite(l->conf.clip))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: clip must be 0 (none) or positive, got %g",
				   l->name, (double)l->conf.clip);
	l->in = in[0];
	l->out = in[0];
	l->w_len = l->b_len = l->state_len = 0;
	return ENG_STATUS_OK;
}

static uint64_t relu_macs(const struct layer *l)
{
	(void)l;
	return 0;
}

static void relu_forward(struct layer *l, const struct layer_io *io)
{
	size_t n = shape_size(l->in) * (size_t)io->batch;
	const float *x = io->in[0];
	float *y = io->out;
	float clip = l->conf.clip;
	if (clip > 0.0f) {
		for (size_t i = 0; i < n; i++)
			y[i] = x[i] > 0.0f ? (x[i] < clip ? x[i] : clip) : 0.0f;
	} else {
		for (size_t i = 0; i < n; i++)
			y[i] = x[i] > 0.0f ? x[i] : 0.0f;
	}
}

static void relu_backward(struct layer *l, const struct layer_io *io)
{
	float *dx = io->din[0];
	if (!dx)
		return;
	size_t n = shape_size(l->in) * (size_t)io->batch;
	const float *x = io->in[0];
	const float *dy = io->dout;
	float clip = l->conf.clip;
	if (clip > 0.0f) {
		for (size_t i = 0; i < n; i++)
			if (x[i] > 0.0f && x[i] < clip)
				dx[i] += dy[i];
	} else {
		for (size_t i = 0; i < n; i++)
			if (x[i] > 0.0f)
				dx[i] += dy[i];
	}
}

const struct layer_ops relu_ops = {
	.name = "relu",
	.infer = relu_infer,
	.macs = relu_macs,
	.forward = relu_forward,
	.backward = relu_backward,
};
