/* sparse.c: CSR weights, sparse conv/linear kernels, batch-1 runner.
 *
 * All loops are written with GCC/Clang vector extensions because -O2's
 * cost model leaves loops of unknown length scalar.  The direct kernel
 * keeps a tile of T output positions in registers across all kept weights
 * of a row (two accumulators, to hide the add latency); the im2col kernel
 * adds up to four kept weights per pass over a row (one load and store of
 * the row per four multiply-adds), which is what bounds a sparse axpy.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/target_clones.h"
#include "measure/sparse.h"

/* The hot kernels: compiled per x86-64 level (base/target_clones.h). */
#define SPARSE_CLONES ENG_TARGET_CLONES

#if defined(__GNUC__)
#define SPARSE_VEC 8
typedef float sparse_v8 __attribute__((vector_size(32)));
/* Unaligned loads and stores through memcpy; macros, not functions, so no
 * 32-byte vector crosses a call (an ABI that depends on -mavx). */
#define SPARSE_LOAD(v, p) memcpy(&(v), (p), sizeof(sparse_v8))
#define SPARSE_STORE(p, v) memcpy((p), &(v), sizeof(sparse_v8))
#endif

/* acc[i] += sum_j v[j] * p[j][i] for i < n, nw (1..4) weights. */
SPARSE_CLONES static void sparse_axpy_n(float *restrict acc, const float *const *p,
			  const float *v, int nw, size_t n)
{
	size_t i = 0;
	if (nw == 4) {
		const float *restrict p0 = p[0], *restrict p1 = p[1];
		const float *restrict p2 = p[2], *restrict p3 = p[3];
		float v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3];
#ifdef SPARSE_VEC
		sparse_v8 w0 = { v0, v0, v0, v0, v0, v0, v0, v0 };
		sparse_v8 w1 = { v1, v1, v1, v1, v1, v1, v1, v1 };
		sparse_v8 w2 = { v2, v2, v2, v2, v2, v2, v2, v2 };
		sparse_v8 w3 = { v3, v3, v3, v3, v3, v3, v3, v3 };
		for (; i + SPARSE_VEC <= n; i += SPARSE_VEC) {
			sparse_v8 a, x0, x1, x2, x3;
			SPARSE_LOAD(a, acc + i);
			SPARSE_LOAD(x0, p0 + i);
			SPARSE_LOAD(x1, p1 + i);
			SPARSE_LOAD(x2, p2 + i);
			SPARSE_LOAD(x3, p3 + i);
			a += w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3;
			SPARSE_STORE(acc + i, a);
		}
#endif
		for (; i < n; i++)
			acc[i] += v0 * p0[i] + v1 * p1[i] + v2 * p2[i] + v3 * p3[i];
		return;
	}
	for (int j = 0; j < nw; j++) {
		const float *restrict pj = p[j];
		float vj = v[j];
		i = 0;
#ifdef SPARSE_VEC
		sparse_v8 w = { vj, vj, vj, vj, vj, vj, vj, vj };
		for (; i + SPARSE_VEC <= n; i += SPARSE_VEC) {
			sparse_v8 a, x;
			SPARSE_LOAD(a, acc + i);
			SPARSE_LOAD(x, pj + i);
			a += w * x;
			SPARSE_STORE(acc + i, a);
		}
#endif
		for (; i < n; i++)
			acc[i] += vj * pj[i];
	}
}

static bool sparse_layer_kind_ok(const struct layer *l)
{
	return (l->kind == LAYER_KIND_CONV || l->kind == LAYER_KIND_LINEAR) &&
	       l->w_len > 0;
}

enum eng_status sparse_csr_from_layer(const struct layer *l, const uint8_t *wmask,
				      struct sparse_csr *out, struct eng_err *err)
{
	memset(out, 0, sizeof *out);
	if (!sparse_layer_kind_ok(l))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: only conv and linear layers have a sparse form",
				   l->name);
	int rows = l->out.c;
	size_t cols = l->w_len / (size_t)rows;
	ENG_ASSERT(cols * (size_t)rows == l->w_len);
	if (l->w_len > INT32_MAX)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %zu weights are too many for 32-bit CSR indices",
				   l->name, l->w_len);
	size_t nnz = 0;
	for (size_t j = 0; j < l->w_len; j++)
		nnz += wmask ? (wmask[j] != 0) : (l->w[j] != 0.0f);
	out->rows = rows;
	out->cols = (int)cols;
	out->nnz = nnz;
	out->row_ptr = malloc(((size_t)rows + 1) * sizeof *out->row_ptr);
	if (nnz) {
		out->col_idx = malloc(nnz * sizeof *out->col_idx);
		out->val = malloc(nnz * sizeof *out->val);
	}
	if (!out->row_ptr || (nnz && (!out->col_idx || !out->val))) {
		sparse_csr_done(out);
		return eng_err_set(err, ENG_STATUS_ENOMEM,
				   "%s: out of memory for the CSR weights", l->name);
	}
	size_t k = 0;
	for (int r = 0; r < rows; r++) {
		out->row_ptr[r] = (int32_t)k;
		const float *w = l->w + (size_t)r * cols;
		const uint8_t *m = wmask ? wmask + (size_t)r * cols : NULL;
		for (size_t j = 0; j < cols; j++) {
			if (m ? m[j] != 0 : w[j] != 0.0f) {
				out->col_idx[k] = (int32_t)j;
				out->val[k] = w[j];
				k++;
			}
		}
	}
	out->row_ptr[rows] = (int32_t)k;
	ENG_ASSERT(k == nnz);
	return ENG_STATUS_OK;
}

void sparse_csr_done(struct sparse_csr *m)
{
	free(m->row_ptr);
	free(m->col_idx);
	free(m->val);
	memset(m, 0, sizeof *m);
}

size_t sparse_csr_bytes(const struct sparse_csr *m)
{
	return m->nnz * (sizeof(float) + sizeof(int32_t)) +
	       ((size_t)m->rows + 1) * sizeof(int32_t);
}

enum eng_status sparse_layer_prepare(const struct layer *l, const uint8_t *wmask,
				     enum sparse_kernel kernel,
				     struct sparse_layer *out, struct eng_err *err)
{
	memset(out, 0, sizeof *out);
	enum eng_status st = sparse_csr_from_layer(l, wmask, &out->csr, err);
	if (st)
		return st;
	out->l = l;
	out->kernel = kernel;
	if (l->kind != LAYER_KIND_CONV || kernel != SPARSE_KERNEL_DIRECT)
		return ENG_STATUS_OK;
	int k = l->conf.size, sd = l->conf.stride;
	const struct layer_pad p = l->conf.pad;
	int hp = l->in.h + p.top + p.bottom, wp = l->in.w + p.left + p.right;
	out->hq = (hp + sd - 1) / sd;
	out->wq = (wp + sd - 1) / sd;
	/* Taps reach phases 0 .. min(k, s) - 1 per axis (a 1x1 stride-2
	 * shortcut needs one plane, not four). */
	out->np = k < sd ? k : sd;
	/* The last tile of a row may read up to tile - 1 floats past the
	 * planes: zero slack. */
	size_t n = (size_t)(l->out.h - 1) * out->wq + (size_t)l->out.w;
	out->tile = n <= 4 ? 4 : n <= 8 ? 8 : 16;
	out->in_len = (size_t)out->np * out->np * l->in.c * out->hq * out->wq;
	if (out->in_len + (size_t)out->tile > INT32_MAX) {
		sparse_layer_done(out);
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: input too large for the sparse kernel", l->name);
	}
	if (out->csr.nnz) {
		out->off = malloc(out->csr.nnz * sizeof *out->off);
		if (!out->off) {
			sparse_layer_done(out);
			return eng_err_set(err, ENG_STATUS_ENOMEM,
					   "%s: out of memory for the sparse offsets",
					   l->name);
		}
	}
	int c_in = l->in.c, groups = l->conf.groups;
	int cg = c_in / groups, og = l->out.c / groups, kk = k * k;
	for (int r = 0; r < out->csr.rows; r++) {
		int g = r / og;
		for (int32_t q = out->csr.row_ptr[r]; q < out->csr.row_ptr[r + 1]; q++) {
			int j = out->csr.col_idx[q];
			int c = g * cg + j / kk, kh = j % kk / k, kw = j % k;
			int phase = kh % sd * out->np + kw % sd;
			out->off[q] = (((int32_t)phase * c_in + c) * out->hq + kh / sd) *
					      out->wq + kw / sd;
		}
	}
	return ENG_STATUS_OK;
}

void sparse_layer_done(struct sparse_layer *sl)
{
	sparse_csr_done(&sl->csr);
	free(sl->off);
	memset(sl, 0, sizeof *sl);
}

size_t sparse_layer_scratch_len(const struct sparse_layer *sl)
{
	const struct layer *l = sl->l;
	if (l->kind != LAYER_KIND_CONV)
		return 0;
	size_t ohw = (size_t)l->out.h * (size_t)l->out.w;
	if (sl->kernel == SPARSE_KERNEL_IM2COL)
		return (size_t)l->in.c * (size_t)l->conf.size * (size_t)l->conf.size * ohw;
	/* Phase planes and their slack, then one wide output row rounded up
	 * to whole tiles. */
	size_t n = (size_t)(l->out.h - 1) * sl->wq + (size_t)l->out.w;
	size_t t = (size_t)sl->tile;
	return sl->in_len + t + (n + t - 1) / t * t;
}

static void sparse_linear_forward(const struct sparse_layer *sl, const float *in,
				  float *out)
{
	const struct sparse_csr *m = &sl->csr;
	const struct layer *l = sl->l;
	for (int r = 0; r < m->rows; r++) {
		float s = l->b_len ? l->b[r] : 0.0f;
		for (int32_t q = m->row_ptr[r]; q < m->row_ptr[r + 1]; q++)
			s += m->val[q] * in[m->col_idx[q]];
		out[r] = s;
	}
}

static void sparse_fill_bias(const struct layer *l, int r, float *o, size_t n)
{
	float b = l->b_len ? l->b[r] : 0.0f;
	for (size_t i = 0; i < n; i++)
		o[i] = b;
}

/* dst[0 .. n rounded up to T) = bias + sum over q0 <= q < q1 of
 * val[q] * pin[off[q] + i]: one wide output row, T positions per tile. */
#define SPARSE_TILE_KERNEL(name, T)                                             \
	SPARSE_CLONES static void name(const float *pin, const int32_t *off,    \
				       const float *val, int32_t q0, int32_t q1, \
				       float bias, float *dst, size_t n)         \
	{                                                                       \
		typedef float vt __attribute__((vector_size((T) * sizeof(float)))); \
		for (size_t i = 0; i < n; i += (T)) {                           \
			vt a0 = { 0 }, a1 = { 0 }, x0, x1;                      \
			const float *p = pin + i;                               \
			int32_t q = q0;                                         \
			for (; q + 1 < q1; q += 2) {                            \
				memcpy(&x0, p + off[q], sizeof x0);             \
				memcpy(&x1, p + off[q + 1], sizeof x1);         \
				a0 += val[q] * x0;                              \
				a1 += val[q + 1] * x1;                          \
			}                                                       \
			if (q < q1) {                                           \
				memcpy(&x0, p + off[q], sizeof x0);             \
				a0 += val[q] * x0;                              \
			}                                                       \
			a0 += a1 + bias;                                        \
			memcpy(dst + i, &a0, sizeof a0);                        \
		}                                                               \
	}
#if defined(__GNUC__)
SPARSE_TILE_KERNEL(sparse_tile4, 4)
SPARSE_TILE_KERNEL(sparse_tile8, 8)
SPARSE_TILE_KERNEL(sparse_tile16, 16)
#else
#error "sparse.c needs GCC or Clang vector extensions"
#endif

/* The phase planes (see sparse.h): input pixel (c, y, x) lands in
 * plane ((y + pt) % s, (x + pl) % s) of channel c at
 * ((y + pt) / s, (x + pl) / s), if that plane is kept (phase < np per
 * axis); everything else is zero (pt, pl: the top and left pads). */
static void sparse_phase_fill(const struct sparse_layer *sl, const float *in,
			      float *planes)
{
	const struct layer *l = sl->l;
	int c = l->in.c, h = l->in.h, w = l->in.w;
	int pt = l->conf.pad.top, pl = l->conf.pad.left;
	int s = l->conf.stride, hq = sl->hq, wq = sl->wq, np = sl->np;
	memset(planes, 0, (sl->in_len + (size_t)sl->tile) * sizeof(float));
	for (int ch = 0; ch < c; ch++)
		for (int y = 0; y < h; y++) {
			const float *src = in + ((size_t)ch * h + y) * w;
			int py = (y + pt) % s, yq = (y + pt) / s;
			if (s == 1) {
				memcpy(planes + ((size_t)ch * hq + yq) * wq + pl, src,
				       (size_t)w * sizeof(float));
				continue;
			}
			if (py >= np)
				continue;
			for (int px = 0; px < np; px++) {
				float *dst = planes +
					     (((size_t)(py * np + px) * c + ch) * hq + yq) * wq;
				/* First x with (x + pl) % s == px. */
				int x = ((px - pl) % s + s) % s;
				for (; x < w; x += s)
					dst[(x + pl) / s] = src[x];
			}
		}
}

static void sparse_conv_direct(const struct sparse_layer *sl, const float *in,
			       float *out, float *scratch)
{
	const struct layer *l = sl->l;
	const struct sparse_csr *m = &sl->csr;
	int oh = l->out.h, ow = l->out.w, wq = sl->wq;
	size_t ohw = (size_t)oh * (size_t)ow;
	size_t n = (size_t)(oh - 1) * wq + (size_t)ow;
	float *planes = scratch;
	float *row = scratch + sl->in_len + (size_t)sl->tile;
	sparse_phase_fill(sl, in, planes);
	for (int r = 0; r < m->rows; r++) {
		float bias = l->b_len ? l->b[r] : 0.0f;
		int32_t q0 = m->row_ptr[r], q1 = m->row_ptr[r + 1];
		if (sl->tile == 16)
			sparse_tile16(planes, sl->off, m->val, q0, q1, bias, row, n);
		else if (sl->tile == 8)
			sparse_tile8(planes, sl->off, m->val, q0, q1, bias, row, n);
		else
			sparse_tile4(planes, sl->off, m->val, q0, q1, bias, row, n);
		float *o = out + (size_t)r * ohw;
		if (wq == ow) {
			memcpy(o, row, ohw * sizeof(float));
			continue;
		}
		for (int oy = 0; oy < oh; oy++)
			memcpy(o + (size_t)oy * ow, row + (size_t)oy * wq,
			       (size_t)ow * sizeof(float));
	}
}

/* col[(c * k + kh) * k + kw][oy * ow + ox], zero outside the input. */
static void sparse_im2col(const struct layer *l, const float *in, float *col)
{
	int c = l->in.c, h = l->in.h, w = l->in.w, k = l->conf.size;
	int s = l->conf.stride, oh = l->out.h, ow = l->out.w;
	int pt = l->conf.pad.top, pl = l->conf.pad.left;
	for (int ch = 0; ch < c; ch++)
		for (int kh = 0; kh < k; kh++)
			for (int kw = 0; kw < k; kw++) {
				float *dst = col + (((size_t)ch * k + kh) * k + kw) * oh * ow;
				for (int oy = 0; oy < oh; oy++) {
					int y = oy * s + kh - pt;
					float *d = dst + (size_t)oy * ow;
					if (y < 0 || y >= h) {
						memset(d, 0, (size_t)ow * sizeof(float));
						continue;
					}
					const float *src = in + ((size_t)ch * h + y) * w;
					for (int ox = 0; ox < ow; ox++) {
						int x = ox * s + kw - pl;
						d[ox] = x >= 0 && x < w ? src[x] : 0.0f;
					}
				}
			}
}

static void sparse_conv_im2col(const struct sparse_layer *sl, const float *in,
			       float *out, float *scratch)
{
	const struct layer *l = sl->l;
	const struct sparse_csr *m = &sl->csr;
	size_t ohw = (size_t)l->out.h * (size_t)l->out.w;
	int og = l->out.c / l->conf.groups;
	sparse_im2col(l, in, scratch);
	const float *p[4];
	for (int r = 0; r < m->rows; r++) {
		float *o = out + (size_t)r * ohw;
		/* Group g's rows start at column g * cols of the full matrix. */
		const float *colg = scratch + (size_t)(r / og) * m->cols * ohw;
		sparse_fill_bias(l, r, o, ohw);
		for (int32_t q = m->row_ptr[r]; q < m->row_ptr[r + 1]; q += 4) {
			int nw = m->row_ptr[r + 1] - q < 4 ? (int)(m->row_ptr[r + 1] - q) : 4;
			for (int j = 0; j < nw; j++)
				p[j] = colg + (size_t)m->col_idx[q + j] * ohw;
			sparse_axpy_n(o, p, m->val + q, nw, ohw);
		}
	}
}

void sparse_layer_forward(const struct sparse_layer *sl, const float *in,
			  float *out, float *scratch)
{
	if (sl->l->kind == LAYER_KIND_LINEAR)
		sparse_linear_forward(sl, in, out);
	else if (sl->kernel == SPARSE_KERNEL_IM2COL)
		sparse_conv_im2col(sl, in, out, scratch);
	else
		sparse_conv_direct(sl, in, out, scratch);
}

void sparse_net_free(struct sparse_net *sn)
{
	if (!sn)
		return;
	if (sn->layers)
		for (int i = 0; i < sn->net->n_layers; i++)
			if (sn->layers[i].l)
				sparse_layer_done(&sn->layers[i]);
	free(sn->layers);
	free(sn->scratch);
	free(sn);
}

enum eng_status sparse_net_build_kernel(struct net *net, const uint8_t *mask,
					enum sparse_kernel kernel,
					const struct cancel *abort,
					struct sparse_net **out,
					struct eng_err *err)
{
	*out = NULL;
	enum eng_status st;
	if (net->max_batch < 1 && (st = net_prepare(net, 1, err)))
		return st;
	struct sparse_net *sn = calloc(1, sizeof *sn);
	if (!sn)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory for the sparse net");
	sn->net = net;
	sn->layers = calloc((size_t)net->n_layers, sizeof *sn->layers);
	if (!sn->layers) {
		sparse_net_free(sn);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory for the sparse net");
	}
	size_t dense_params = net->n_params;
	for (int i = 0; i < net->n_layers; i++) {
		if (cancel_requested(abort)) {
			sparse_net_free(sn);
			return eng_err_set(err, ENG_STATUS_ABORTED, "aborted");
		}
		struct layer *l = &net->layers[i];
		if (!sparse_layer_kind_ok(l)) {
			sn->macs += l->ops->macs(l);
			continue;
		}
		const uint8_t *wm = mask ? mask + (l->w - net->params) : NULL;
		st = sparse_layer_prepare(l, wm, kernel, &sn->layers[i], err);
		if (st) {
			sparse_net_free(sn);
			return st;
		}
		const struct sparse_layer *sl = &sn->layers[i];
		size_t len = sparse_layer_scratch_len(sl);
		if (len > sn->scratch_len)
			sn->scratch_len = len;
		sn->nnz += sl->csr.nnz;
		sn->bytes += sparse_csr_bytes(&sl->csr);
		dense_params -= l->w_len;
		sn->macs += (uint64_t)sl->csr.nnz *
			    (l->kind == LAYER_KIND_CONV ? (uint64_t)l->out.h * l->out.w : 1);
	}
	sn->bytes += dense_params * sizeof(float);
	if (sn->scratch_len) {
		sn->scratch = malloc(sn->scratch_len * sizeof(float));
		if (!sn->scratch) {
			sparse_net_free(sn);
			return eng_err_set(err, ENG_STATUS_ENOMEM,
					   "out of memory for the sparse scratch");
		}
	}
	*out = sn;
	return ENG_STATUS_OK;
}

enum eng_status sparse_net_build(struct net *net, const uint8_t *mask,
				 const struct cancel *abort,
				 struct sparse_net **out, struct eng_err *err)
{
	return sparse_net_build_kernel(net, mask, SPARSE_KERNEL_DIRECT, abort, out, err);
}

const float *sparse_net_forward(struct sparse_net *sn, const float *input)
{
	struct net *net = sn->net;
	ENG_ASSERT(net->max_batch >= 1);
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		const float *in[LAYER_MAX_INPUTS] = { NULL, NULL };
		for (int k = 0; k < l->n_in; k++)
			in[k] = l->in_idx[k] < 0 ? input : net->act[l->in_idx[k]];
		if (sn->layers[i].l) {
			sparse_layer_forward(&sn->layers[i], in[0], net->act[i], sn->scratch);
			continue;
		}
		struct layer_io io = { .batch = 1, .train = false };
		for (int k = 0; k < l->n_in; k++)
			io.in[k] = in[k];
		io.out = net->act[i];
		io.cache = net->cache[i];
		io.scratch = net->scratch;
		l->ops->forward(l, &io);
	}
	return net->act[net->n_layers - 1];
}
