/* pool.c: max, average and global average pooling.
 *
 * Windows follow PyTorch (floor mode): out = (in + pad_before + pad_after -
 * size) / stride + 1 per axis, and each side's pad <= size / 2, which
 * guarantees every window holds at least one real cell.  Max pooling ignores padded cells (they act as -inf); average
 * pooling counts them as zeros and always divides by size * size
 * (count_include_pad = True, PyTorch's default).
 *
 * The max-pool backward recomputes each window's arg-max from the input
 * instead of caching indices: the same scan with the same first-max-wins
 * rule picks the same cell, and no cache is needed.
 *
 * Max pooling splits its planes over an OpenMP team as big as OpenBLAS's
 * thread count (threads_for_work) on large tensors (VGG-16's first pools);
 * planes are independent, so the split changes no result.
 */
#include "config.h"

#include <stddef.h>

#include "base/target_clones.h"
#include "base/threads.h"
#include "nn/layer.h"

#ifdef _OPENMP
#define POOL_OMP(directive) _Pragma(directive)
#else
#define POOL_OMP(directive)
#endif

/* Input floats below which a max pool stays on one thread (~50 us). */
#define POOL_PAR_MIN ((size_t)1 << 17)

static int pool_stride(const struct layer *l)
{
	return l->conf.stride ? l->conf.stride : l->conf.size;
}

static enum eng_status pool_infer_input(struct layer *l, const struct shape *in,
					int n_in, struct eng_err *err)
{
	if (n_in != 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: pooling takes exactly one input, got %d",
				   l->name, n_in);
	if (in[0].c <= 0 || in[0].h <= 0 || in[0].w <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: input shape %dx%dx%d is not positive",
				   l->name, in[0].c, in[0].h, in[0].w);
	return ENG_STATUS_OK;
}

static enum eng_status pool_window_infer(struct layer *l, const struct shape *in,
					 int n_in, struct eng_err *err)
{
	enum eng_status st = pool_infer_input(l, in, n_in, err);
	if (st != ENG_STATUS_OK)
		return st;
	const struct layer_conf *c = &l->conf;
	if (c->size <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: size must be positive, got %d", l->name, c->size);
	if (c->stride < 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: stride must be positive (0 = size), got %d",
				   l->name, c->stride);
	const struct layer_pad *pd = &c->pad;
	int half = c->size / 2;
	if (pd->top < 0 || pd->top > half || pd->left < 0 || pd->left > half ||
	    pd->bottom < 0 || pd->bottom > half || pd->right < 0 || pd->right > half)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: pad %d %d %d %d: each side must be between 0 and half the size %d",
				   l->name, pd->top, pd->left, pd->bottom, pd->right, c->size);
	int s = pool_stride(l);
	/* Compare before dividing: C's division truncates toward zero, so a
	 * window slightly larger than the input would still give out = 1. */
	long long ph = (long long)in[0].h + pd->top + pd->bottom;
	long long pw = (long long)in[0].w + pd->left + pd->right;
	if (ph < c->size || pw < c->size)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %dx%d window (padded to %lldx%lld) does not fit the %dx%d input",
				   l->name, c->size, c->size, ph, pw, in[0].h, in[0].w);
	l->in = in[0];
	l->out.c = in[0].c;
	l->out.h = (int)((ph - c->size) / s + 1);
	l->out.w = (int)((pw - c->size) / s + 1);
	l->w_len = l->b_len = l->state_len = 0;
	return ENG_STATUS_OK;
}

static uint64_t pool_macs(const struct layer *l)
{
	(void)l;
	return 0;
}

/* The real cells [*lo, *hi) that window o covers along an axis of length n
 * padded by `before` at its start. */
static void pool_span(const struct layer *l, int o, int n, int before, int *lo, int *hi)
{
	int start = o * pool_stride(l) - before;
	int end = start + l->conf.size;
	*lo = start < 0 ? 0 : start;
	*hi = end > n ? n : end;
}

/* Whether v takes over from the running maximum m: greater, or a NaN
 * over a number, so that the first wins on ties and divergence shows. */
static inline bool maxpool_beats(float v, float m)
{
	return v > m || (v != v && m == m);
}

/* Offset within the plane x of the window's maximum (maxpool_beats). */
static size_t maxpool_argmax(const struct layer *l, const float *x, int oy, int ox)
{
	int y0, y1, x0, x1;
	pool_span(l, oy, l->in.h, l->conf.pad.top, &y0, &y1);
	pool_span(l, ox, l->in.w, l->conf.pad.left, &x0, &x1);
	size_t best = (size_t)y0 * (size_t)l->in.w + (size_t)x0;
	for (int y = y0; y < y1; y++) {
		for (int xx = x0; xx < x1; xx++) {
			size_t i = (size_t)y * (size_t)l->in.w + (size_t)xx;
			if (maxpool_beats(x[i], x[best]))
				best = i;
		}
	}
	return best;
}

/* VGG's pools: 2x2, stride 2, no padding.  Their windows do not overlap,
 * so a row of them is one vector loop (maxpool_argmax's rule, first of
 * a, b, c, d in scan order on ties, NaN over numbers, as selects), and the
 * backward sends each dy to the one cell of its window that won. */
static bool maxpool_is_2x2(const struct layer *l)
{
	return l->conf.size == 2 && pool_stride(l) == 2 && l->conf.pad.top == 0 &&
	       l->conf.pad.left == 0 && l->conf.pad.bottom == 0 && l->conf.pad.right == 0;
}

ENG_TARGET_CLONES
static void maxpool_2x2_row(const float *r0, const float *r1, float *y, int ow)
{
	POOL_OMP("omp simd")
	for (int ox = 0; ox < ow; ox++) {
		const float a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
		float m = a;
		m = maxpool_beats(b, m) ? b : m;
		m = maxpool_beats(c, m) ? c : m;
		m = maxpool_beats(d, m) ? d : m;
		y[ox] = m;
	}
}

ENG_TARGET_CLONES
static void maxpool_2x2_row_backward(const float *r0, const float *r1, const float *dy,
				     float *d0, float *d1, int ow)
{
	POOL_OMP("omp simd")
	for (int ox = 0; ox < ow; ox++) {
		const float a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
		/* The winner as a float code 0..3: selects of one type
		 * throughout, which gcc's vectoriser takes. */
		float m = a, k = 0.0f;
		k = maxpool_beats(b, m) ? 1.0f : k;
		m = maxpool_beats(b, m) ? b : m;
		k = maxpool_beats(c, m) ? 2.0f : k;
		m = maxpool_beats(c, m) ? c : m;
		k = maxpool_beats(d, m) ? 3.0f : k;
		const float g = dy[ox];
		const float e0 = d0[2 * ox], e1 = d0[2 * ox + 1], e2 = d1[2 * ox], e3 = d1[2 * ox + 1];
		d0[2 * ox] = k == 0.0f ? e0 + g : e0;
		d0[2 * ox + 1] = k == 1.0f ? e1 + g : e1;
		d1[2 * ox] = k == 2.0f ? e2 + g : e2;
		d1[2 * ox + 1] = k == 3.0f ? e3 + g : e3;
	}
}

static void maxpool_forward(struct layer *l, const struct layer_io *io)
{
	size_t in_plane = (size_t)l->in.h * (size_t)l->in.w;
	size_t out_plane = (size_t)l->out.h * (size_t)l->out.w;
	size_t planes = (size_t)io->batch * (size_t)l->in.c;
	int nt = threads_for_work(planes * in_plane, POOL_PAR_MIN);
	(void)nt; /* only in OpenMP clauses */
	POOL_OMP("omp parallel for schedule(static) num_threads(nt) if(nt > 1)")
	for (size_t p = 0; p < planes; p++) {
		const float *x = io->in[0] + p * in_plane;
		float *y = io->out + p * out_plane;
		if (maxpool_is_2x2(l)) {
			for (int oy = 0; oy < l->out.h; oy++) {
				const float *r0 = x + (size_t)(2 * oy) * (size_t)l->in.w;
				maxpool_2x2_row(r0, r0 + l->in.w, y + (size_t)oy * l->out.w, l->out.w);
			}
			continue;
		}
		for (int oy = 0; oy < l->out.h; oy++)
			for (int ox = 0; ox < l->out.w; ox++)
				y[oy * l->out.w + ox] = x[maxpool_argmax(l, x, oy, ox)];
	}
}

static void maxpool_backward(struct layer *l, const struct layer_io *io)
{
	if (!io->din[0])
		return;
	size_t in_plane = (size_t)l->in.h * (size_t)l->in.w;
	size_t out_plane = (size_t)l->out.h * (size_t)l->out.w;
	size_t planes = (size_t)io->batch * (size_t)l->in.c;
	layer_din_zero_if_assign(io, 0, planes * in_plane);
	int nt = threads_for_work(planes * in_plane, POOL_PAR_MIN);
	(void)nt; /* only in OpenMP clauses */
	POOL_OMP("omp parallel for schedule(static) num_threads(nt) if(nt > 1)")
	for (size_t p = 0; p < planes; p++) {
		const float *x = io->in[0] + p * in_plane;
		const float *dy = io->dout + p * out_plane;
		float *dx = io->din[0] + p * in_plane;
		if (maxpool_is_2x2(l)) {
			for (int oy = 0; oy < l->out.h; oy++) {
				const size_t r = (size_t)(2 * oy) * (size_t)l->in.w;
				maxpool_2x2_row_backward(x + r, x + r + l->in.w,
							 dy + (size_t)oy * l->out.w, dx + r,
							 dx + r + l->in.w, l->out.w);
			}
			continue;
		}
		for (int oy = 0; oy < l->out.h; oy++)
			for (int ox = 0; ox < l->out.w; ox++)
				dx[maxpool_argmax(l, x, oy, ox)] += dy[oy * l->out.w + ox];
	}
}

static void avgpool_forward(struct layer *l, const struct layer_io *io)
{
	size_t in_plane = (size_t)l->in.h * (size_t)l->in.w;
	size_t out_plane = (size_t)l->out.h * (size_t)l->out.w;
	size_t planes = (size_t)io->batch * (size_t)l->in.c;
	float inv = 1.0f / (float)(l->conf.size * l->conf.size);
	for (size_t p = 0; p < planes; p++) {
		const float *x = io->in[0] + p * in_plane;
		float *y = io->out + p * out_plane;
		for (int oy = 0; oy < l->out.h; oy++) {
			int y0, y1;
			pool_span(l, oy, l->in.h, l->conf.pad.top, &y0, &y1);
			for (int ox = 0; ox < l->out.w; ox++) {
				int x0, x1;
				pool_span(l, ox, l->in.w, l->conf.pad.left, &x0, &x1);
				float sum = 0.0f;
				for (int yy = y0; yy < y1; yy++)
					for (int xx = x0; xx < x1; xx++)
						sum += x[yy * l->in.w + xx];
				y[oy * l->out.w + ox] = sum * inv;
			}
		}
	}
}

static void avgpool_backward(struct layer *l, const struct layer_io *io)
{
	if (!io->din[0])
		return;
	size_t in_plane = (size_t)l->in.h * (size_t)l->in.w;
	size_t out_plane = (size_t)l->out.h * (size_t)l->out.w;
	size_t planes = (size_t)io->batch * (size_t)l->in.c;
	layer_din_zero_if_assign(io, 0, planes * in_plane);
	float inv = 1.0f / (float)(l->conf.size * l->conf.size);
	for (size_t p = 0; p < planes; p++) {
		const float *dy = io->dout + p * out_plane;
		float *dx = io->din[0] + p * in_plane;
		for (int oy = 0; oy < l->out.h; oy++) {
			int y0, y1;
			pool_span(l, oy, l->in.h, l->conf.pad.top, &y0, &y1);
			for (int ox = 0; ox < l->out.w; ox++) {
				int x0, x1;
				pool_span(l, ox, l->in.w, l->conf.pad.left, &x0, &x1);
				float g = dy[oy * l->out.w + ox] * inv;
				for (int yy = y0; yy < y1; yy++)
					for (int xx = x0; xx < x1; xx++)
						dx[yy * l->in.w + xx] += g;
			}
		}
	}
}

static enum eng_status gap_infer(struct layer *l, const struct shape *in,
				 int n_in, struct eng_err *err)
{
	enum eng_status st = pool_infer_input(l, in, n_in, err);
	if (st != ENG_STATUS_OK)
		return st;
	l->in = in[0];
	l->out = (struct shape){ .c = in[0].c, .h = 1, .w = 1 };
	l->w_len = l->b_len = l->state_len = 0;
	return ENG_STATUS_OK;
}

static void gap_forward(struct layer *l, const struct layer_io *io)
{
	size_t plane = (size_t)l->in.h * (size_t)l->in.w;
	size_t planes = (size_t)io->batch * (size_t)l->in.c;
	for (size_t p = 0; p < planes; p++) {
		const float *x = io->in[0] + p * plane;
		double sum = 0.0;
		for (size_t i = 0; i < plane; i++)
			sum += x[i];
		io->out[p] = (float)(sum / (double)plane);
	}
}

static void gap_backward(struct layer *l, const struct layer_io *io)
{
	if (!io->din[0])
		return;
	size_t plane = (size_t)l->in.h * (size_t)l->in.w;
	size_t planes = (size_t)io->batch * (size_t)l->in.c;
	for (size_t p = 0; p < planes; p++) {
		float g = io->dout[p] / (float)plane;
		float *dx = io->din[0] + p * plane;
		if (io->din_assign[0]) {
			for (size_t i = 0; i < plane; i++)
				dx[i] = g;
		} else {
			for (size_t i = 0; i < plane; i++)
				dx[i] += g;
		}
	}
}

const struct layer_ops maxpool_ops = {
	.name = "maxpool",
	.infer = pool_window_infer,
	.macs = pool_macs,
	.forward = maxpool_forward,
	.backward = maxpool_backward,
};

const struct layer_ops avgpool_ops = {
	.name = "avgpool",
	.infer = pool_window_infer,
	.macs = pool_macs,
	.forward = avgpool_forward,
	.backward = avgpool_backward,
};

const struct layer_ops gap_ops = {
	.name = "gap",
	.infer = gap_infer,
	.macs = pool_macs,
	.forward = gap_forward,
	.backward = gap_backward,
};
