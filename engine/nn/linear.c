/* linear.c: fully connected layer, y = x W^T + b, on the per-sample
 * flattened input (in = c*h*w).  w[out][in] is PyTorch's layout, so the
 * batch product is one row-major sgemm with W transposed, and both backward
 * products are sgemms accumulating (beta = 1) into the existing gradients.
 */
#include "config.h"

#include <cblas.h>
#include <limits.h>
#include <string.h>

#include "base/threads.h"
#include "nn/layer.h"
#include "nn/layer_init.h"

/* Products smaller than this many multiply-adds (about 0.3 ms on one
 * core) run on the calling thread: OpenBLAS's pool would save less than
 * its threads then cost by spinning against the engine's OpenMP team
 * (every classifier of the shipped models at batch 64 is below it). */
#define LINEAR_SERIAL_MACS ((size_t)1 << 24)

static size_t linear_call_macs(const struct layer *l, int batch)
{
	return shape_size(l->in) * (size_t)l->out.c * (size_t)batch;
}

static int linear_blas_begin(const struct layer *l, int batch)
{
	return linear_call_macs(l, batch) < LINEAR_SERIAL_MACS ? threads_blas_serial_begin() : 1;
}

static enum eng_status linear_infer(struct layer *l, const struct shape *in,
				    int n_in, struct eng_err *err)
{
	if (n_in != 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: linear takes exactly one input, got %d", l->name, n_in);
	if (in[0].c <= 0 || in[0].h <= 0 || in[0].w <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: input shape %dx%dx%d is not positive",
				   l->name, in[0].c, in[0].h, in[0].w);
	if (l->conf.out <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: out must be positive, got %d", l->name, l->conf.out);
	if (l->conf.bias != 0 && l->conf.bias != 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: bias must be 0 or 1, got %d", l->name, l->conf.bias);
	size_t n = shape_size(in[0]);
	/* sgemm takes int dimensions. */
	if (n > INT_MAX)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %zu inputs are too many for one linear layer",
				   l->name, n);
	l->in = in[0];
	l->out = (struct shape){ .c = l->conf.out, .h = 1, .w = 1 };
	l->w_len = (size_t)l->conf.out * n;
	l->b_len = l->conf.bias ? (size_t)l->conf.out : 0;
	l->state_len = 0;
	return ENG_STATUS_OK;
}

static uint64_t linear_macs(const struct layer *l)
{
	return (uint64_t)shape_size(l->in) * (uint64_t)l->out.c;
}

static void linear_init(struct layer *l, struct rng *r)
{
	layer_init_kaiming(l->w, l->w_len, shape_size(l->in), r);
	if (l->b_len)
		memset(l->b, 0, l->b_len * sizeof(float));
}

static void linear_forward(struct layer *l, const struct layer_io *io)
{
	int n_in = (int)shape_size(l->in), n_out = l->out.c, batch = io->batch;
	float *y = io->out;
	/* Start from the bias (or zero) and let sgemm accumulate, so no
	 * uninitialised output is ever read. */
	for (int b = 0; b < batch; b++) {
		float *row = y + (size_t)b * (size_t)n_out;
		if (l->b_len)
			memcpy(row, l->b, (size_t)n_out * sizeof(float));
		else
			memset(row, 0, (size_t)n_out * sizeof(float));
	}
	const int nb = linear_blas_begin(l, batch);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, n_out, n_in,
		    1.0f, io->in[0], n_in, l->w, n_in, 1.0f, y, n_out);
	threads_blas_serial_end(nb);
}

static void linear_backward(struct layer *l, const struct layer_io *io)
{
	int n_in = (int)shape_size(l->in), n_out = l->out.c, batch = io->batch;
	const float *dy = io->dout;
	layer_dw_zero_if_assign(l, io);
	const int nb = linear_blas_begin(l, batch);
	/* dW[out][in] += dY^T[out][batch] * X[batch][in] */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n_out, n_in, batch,
		    1.0f, dy, n_out, io->in[0], n_in, 1.0f, l->dw, n_in);
	if (l->b_len) {
		for (int b = 0; b < batch; b++)
			for (int o = 0; o < n_out; o++)
				l->db[o] += dy[(size_t)b * (size_t)n_out + (size_t)o];
	}
	/* dX[batch][in] += dY[batch][out] * W[out][in] */
	if (io->din[0])
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, n_in,
			    n_out, 1.0f, dy, n_out, l->w, n_in,
			    io->din_assign[0] ? 0.0f : 1.0f, io->din[0], n_in);
	threads_blas_serial_end(nb);
}

const struct layer_ops linear_ops = {
	.name = "linear",
	.infer = linear_infer,
	.macs = linear_macs,
	.init = linear_init,
	.forward = linear_forward,
	.backward = linear_backward,
};
