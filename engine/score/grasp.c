/* grasp.c: GraSP scores w * (H g), with an exact Hessian-vector product
 * (docs/scoring.md has the maths).
 *
 * Pearlmutter's R-operator: with v the tangent in weight space, propagate
 * x' = d x / d eps along w + eps v through the forward pass, then the
 * derivative of every backward quantity (dy' for activations, Hv for the
 * weights).  Conv and linear are bilinear in (w, x), so their tangents are
 * two ordinary calls with swapped operands; ReLU, pooling, flatten and add
 * are (piecewise) linear, so their tangents reuse the ops with the mask of
 * the original input; batch norm is done here in double.  v is zero outside
 * the prunable weights, so biases and BN parameters have no tangent.
 *
 * The DAG runner (net_forward/net_backward) has no room for tangents, so
 * this file walks net->layers itself and calls the layer ops on private
 * copies of struct layer whose w/b/dw/db point at other buffers (the
 * tangent v, H v, no bias).  The ops only ever reach parameters through
 * those pointers, which is what makes the swap legal (layer.h's contracts).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/target_clones.h"
#include "score/score.h"
#include "score/grasp.h"
#include "score/batch.h"

/* The BN terms below are sums in double over a channel's elements; an
 * OpenMP simd reduction lets each run in vector lanes (partial sums in
 * another order: double rounding, far below the float results), and
 * ENG_TARGET_CLONES builds them for AVX-512 and AVX2 too.  The order of
 * the partial sums then depends on the CPU's clone (and on OpenMP being
 * on), so a score may differ in its last bit between machines, as the
 * conv kernels' sums already do; never between runs or thread counts. */
#ifdef _OPENMP
#define GRASP_OMP(directive) _Pragma(directive)
#else
#define GRASP_OMP(directive)
#endif

struct score_tangent {
	float *block;       /* everything below: the net's workspace */
	float **tx;         /* per layer: output tangent x' */
	float **tdy;        /* per layer: backward tangent dy' */
	float *zero_in;     /* batch x input, zeros: the input's tangent */
	float *v;           /* n_params: tangent (g on prunable weights) */
	float *hv;          /* n_params: H v */
};

static void score_tangent_done(struct score_tangent *t)
{
	free(t->tx);
	free(t->tdy);
	memset(t, 0, sizeof *t);
}

static enum eng_status score_tangent_init(struct score_tangent *t,
					  struct net *net, int batch,
					  struct eng_err *err)
{
	memset(t, 0, sizeof *t);
	size_t total = 0;
	for (int i = 0; i < net->n_layers; i++)
		total += 2 * score_act_len(net, i, batch);
	size_t nin = shape_size(net->input) * (size_t)batch;
	total += nin + 2 * net->n_params;
	/* Kept by the net between calls (net_workspace), zeroed here. */
	t->block = net_workspace(net, total);
	if (t->block)
		memset(t->block, 0, total * sizeof(float));
	t->tx = calloc((size_t)net->n_layers, sizeof *t->tx);
	t->tdy = calloc((size_t)net->n_layers, sizeof *t->tdy);
	if (!t->block || !t->tx || !t->tdy) {
		score_tangent_done(t);
		return eng_err_set(err, ENG_STATUS_ENOMEM,
				   "%s: cannot allocate %zu MiB for GraSP", net->name,
				   total * sizeof(float) >> 20);
	}
	float *p = t->block;
	for (int i = 0; i < net->n_layers; i++) {
		size_t a = score_act_len(net, i, batch);
		t->tx[i] = p;
		p += a;
		t->tdy[i] = p;
		p += a;
	}
	t->zero_in = p;
	p += nin;
	t->v = p;
	p += net->n_params;
	t->hv = p;
	return ENG_STATUS_OK;
}

/* Per-channel statistics the BN forward used: batch mean and 1/sqrt(var +
 * eps) in double (batch mode), or the running ones (eval mode). */
ENG_TARGET_CLONES
static void score_bn_stats(const struct layer *l, const float *x, int batch,
			   bool batch_stats, int ch, double *mean, double *istd)
{
	int c = l->in.c;
	size_t hw = (size_t)l->in.h * (size_t)l->in.w;
	double m, var;
	if (batch_stats) {
		double n = (double)batch * (double)hw, sum = 0.0, ss = 0.0;
		for (int b = 0; b < batch; b++) {
			const float *p = x + ((size_t)b * c + ch) * hw;
			GRASP_OMP("omp simd reduction(+:sum)")
			for (size_t i = 0; i < hw; i++)
				sum += p[i];
		}
		m = sum / n;
		for (int b = 0; b < batch; b++) {
			const float *p = x + ((size_t)b * c + ch) * hw;
			GRASP_OMP("omp simd reduction(+:ss)")
			for (size_t i = 0; i < hw; i++)
				ss += (p[i] - m) * (p[i] - m);
		}
		var = ss / n;
	} else {
		m = l->state[ch];
		var = l->state[c + ch];
	}
	*mean = m;
	*istd = 1.0 / sqrt(var + (double)l->conf.eps);
}

/* x' -> y' of a BN layer (no tangent on gamma and beta). */
ENG_TARGET_CLONES
static void score_bn_tangent(const struct layer *l, const float *x, const float *tx,
			     float *ty, int batch, bool batch_stats)
{
	int c = l->in.c;
	size_t hw = (size_t)l->in.h * (size_t)l->in.w;
	double n = (double)batch * (double)hw;
	for (int ch = 0; ch < c; ch++) {
		double mean, istd;
		score_bn_stats(l, x, batch, batch_stats, ch, &mean, &istd);
		double g = (double)l->w[ch] * istd;
		double mt = 0.0, st = 0.0; /* mean(x'), mean(xhat x') */
		if (batch_stats) {
			for (int b = 0; b < batch; b++) {
				size_t off = ((size_t)b * c + ch) * hw;
				GRASP_OMP("omp simd reduction(+:mt, st)")
				for (size_t i = 0; i < hw; i++) {
					mt += tx[off + i];
					st += (x[off + i] - mean) * istd * tx[off + i];
				}
			}
			mt /= n;
			st /= n;
		}
		for (int b = 0; b < batch; b++) {
			size_t off = ((size_t)b * c + ch) * hw;
			GRASP_OMP("omp simd")
			for (size_t i = 0; i < hw; i++) {
				double xh = (x[off + i] - mean) * istd;
				ty[off + i] = (float)(g * (tx[off + i] - mt - xh * st));
			}
		}
	}
}

/* The derivative of the BN input gradient dx = g istd (dy - a - xhat b):
 * adds (dx)' into tdx. */
ENG_TARGET_CLONES
static void score_bn_rback(const struct layer *l, const float *x, const float *tx,
			   const float *dy, const float *tdy, float *tdx, int batch,
			   bool batch_stats)
{
	int c = l->in.c;
	size_t hw = (size_t)l->in.h * (size_t)l->in.w;
	double n = (double)batch * (double)hw;
	for (int ch = 0; ch < c; ch++) {
		double mean, istd;
		score_bn_stats(l, x, batch, batch_stats, ch, &mean, &istd);
		double gam = l->w[ch];
		if (!batch_stats) {
			for (int b = 0; b < batch; b++) {
				size_t off = ((size_t)b * c + ch) * hw;
				GRASP_OMP("omp simd")
				for (size_t i = 0; i < hw; i++)
					tdx[off + i] += (float)(gam * istd * tdy[off + i]);
			}
			continue;
		}
		double s_tx = 0, s_xhtx = 0, s_dy = 0, s_dyxh = 0, s_tdy = 0,
		       s_tdyxh = 0, s_dytx = 0;
		for (int b = 0; b < batch; b++) {
			size_t off = ((size_t)b * c + ch) * hw;
			GRASP_OMP("omp simd reduction(+:s_tx, s_xhtx, s_dy, s_dyxh, s_tdy, s_tdyxh, s_dytx)")
			for (size_t i = 0; i < hw; i++) {
				double xh = (x[off + i] - mean) * istd;
				double t = tx[off + i], d = dy[off + i], td = tdy[off + i];
				s_tx += t;
				s_xhtx += xh * t;
				s_dy += d;
				s_dyxh += d * xh;
				s_tdy += td;
				s_tdyxh += td * xh;
				s_dytx += d * t;
			}
		}
		double mu_t = s_tx / n;        /* mean' */
		double sig_t = s_xhtx / n;     /* sigma' */
		double a = s_dy / n, bb = s_dyxh / n;
		double a_t = s_tdy / n;
		/* mean(dy xhat') with xhat' = istd (x' - mean' - xhat sigma') */
		double dy_xht = istd * (s_dytx / n - mu_t * a - sig_t * bb);
		double b_t = s_tdyxh / n + dy_xht;
		double istd_t = -istd * istd * sig_t;
		for (int b = 0; b < batch; b++) {
			size_t off = ((size_t)b * c + ch) * hw;
			GRASP_OMP("omp simd")
			for (size_t i = 0; i < hw; i++) {
				double xh = (x[off + i] - mean) * istd;
				double xh_t = istd * (tx[off + i] - mu_t - xh * sig_t);
				double d = dy[off + i];
				double r = istd_t * (d - a - xh * bb) +
					   istd * (tdy[off + i] - a_t - xh_t * bb - xh * b_t);
				tdx[off + i] += (float)(gam * r);
			}
		}
	}
}

/* The window rule of pool.c: PyTorch floor mode, first maximum wins. */
static void score_maxpool_tangent(const struct layer *l, const float *x,
				  const float *tx, float *ty, int batch)
{
	int s = l->conf.stride ? l->conf.stride : l->conf.size;
	size_t in_plane = (size_t)l->in.h * (size_t)l->in.w;
	size_t out_plane = (size_t)l->out.h * (size_t)l->out.w;
	size_t planes = (size_t)batch * (size_t)l->in.c;
	for (size_t p = 0; p < planes; p++) {
		const float *xp = x + p * in_plane, *tp = tx + p * in_plane;
		float *yp = ty + p * out_plane;
		for (int oy = 0; oy < l->out.h; oy++) {
			int y0 = oy * s - l->conf.pad.top, y1 = y0 + l->conf.size;
			y0 = y0 < 0 ? 0 : y0;
			y1 = y1 > l->in.h ? l->in.h : y1;
			for (int ox = 0; ox < l->out.w; ox++) {
				int x0 = ox * s - l->conf.pad.left, x1 = x0 + l->conf.size;
				x0 = x0 < 0 ? 0 : x0;
				x1 = x1 > l->in.w ? l->in.w : x1;
				size_t best = (size_t)y0 * (size_t)l->in.w + (size_t)x0;
				for (int yy = y0; yy < y1; yy++) {
					for (int xx = x0; xx < x1; xx++) {
						size_t i = (size_t)yy * (size_t)l->in.w + (size_t)xx;
						if (xp[i] > xp[best] ||
						    (xp[i] != xp[i] && xp[best] == xp[best]))
							best = i;
					}
				}
				yp[oy * l->out.w + ox] = tp[best];
			}
		}
	}
}

static void score_relu_tangent(const struct layer *l, const float *x,
			       const float *tx, float *ty, size_t n)
{
	float clip = l->conf.clip;
	for (size_t i = 0; i < n; i++) {
		bool on = x[i] > 0.0f && (clip <= 0.0f || x[i] < clip);
		ty[i] = on ? tx[i] : 0.0f;
	}
}

/* A copy of l with no bias and gradient sinks redirected, for the calls
 * that compute one term of a tangent. */
static struct layer score_layer_nobias(const struct layer *l)
{
	struct layer c = *l;
	c.b = NULL;
	c.db = NULL;
	c.b_len = 0;
	return c;
}

static void score_tangent_forward(struct net *net, struct score_tangent *t,
				  const float *input, int batch)
{
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		const float *x[LAYER_MAX_INPUTS] = { NULL, NULL };
		const float *tx[LAYER_MAX_INPUTS] = { NULL, NULL };
		for (int k = 0; k < l->n_in; k++) {
			int src = l->in_idx[k];
			x[k] = score_src(net, src, input);
			tx[k] = src < 0 ? t->zero_in : t->tx[src];
		}
		size_t n = score_act_len(net, i, batch);
		struct layer_io io = { .batch = batch, .train = true,
				       .cache = net->cache[i], .scratch = net->scratch };
		switch (l->kind) {
		case LAYER_KIND_CONV:
		case LAYER_KIND_LINEAR: {
			struct layer c = score_layer_nobias(l);
			bool from_input = l->in_idx[0] < 0;
			if (!from_input) {
				io.in[0] = tx[0];
				io.out = t->tx[i];
				l->ops->forward(&c, &io);
			}
			c.w = t->v + score_param_offset(net, l->w);
			io.in[0] = x[0];
			io.out = from_input ? t->tx[i] : t->tdy[i];
			l->ops->forward(&c, &io);
			if (!from_input)
				for (size_t j = 0; j < n; j++)
					t->tx[i][j] += t->tdy[i][j];
			break;
		}
		case LAYER_KIND_BN:
			score_bn_tangent(l, x[0], tx[0], t->tx[i], batch,
					 net->cache[i][2 * l->in.c] != 0.0f);
			break;
		case LAYER_KIND_RELU:
			score_relu_tangent(l, x[0], tx[0], t->tx[i], n);
			break;
		case LAYER_KIND_MAXPOOL:
			score_maxpool_tangent(l, x[0], tx[0], t->tx[i], batch);
			break;
		case LAYER_KIND_AVGPOOL:
		case LAYER_KIND_GAP:
		case LAYER_KIND_FLATTEN:
		case LAYER_KIND_ADD:
		case LAYER_KIND_COUNT:
			/* Linear maps: the op itself applied to the tangents. */
			for (int k = 0; k < l->n_in; k++)
				io.in[k] = tx[k];
			io.out = t->tx[i];
			l->ops->forward(l, &io);
			break;
		}
	}
}

/* Clear dy' (used as a temporary by the tangent forward) and H v. */
static void score_tangent_zero(struct net *net, struct score_tangent *t, int batch)
{
	for (int i = 0; i < net->n_layers; i++)
		memset(t->tdy[i], 0, score_act_len(net, i, batch) * sizeof(float));
	memset(t->hv, 0, net->n_params * sizeof(float));
}

static void score_tangent_rback(struct net *net, struct score_tangent *t,
				const float *input, int batch)
{
	for (int i = net->n_layers - 1; i >= 0; i--) {
		struct layer *l = &net->layers[i];
		struct layer_io io = { .batch = batch, .train = true,
				       .out = net->act[i], .cache = net->cache[i],
				       .scratch = net->scratch };
		const float *x[LAYER_MAX_INPUTS] = { NULL, NULL };
		float *tdx[LAYER_MAX_INPUTS] = { NULL, NULL };
		for (int k = 0; k < l->n_in; k++) {
			int src = l->in_idx[k];
			x[k] = score_src(net, src, input);
			tdx[k] = src < 0 ? NULL : t->tdy[src];
		}
		switch (l->kind) {
		case LAYER_KIND_CONV:
		case LAYER_KIND_LINEAR: {
			/* (dW)' = dy' * x + dy * x',  (dx)' = W^T dy' + V^T dy */
			size_t off = score_param_offset(net, l->w);
			struct layer c = score_layer_nobias(l);
			c.dw = t->hv + off;
			io.in[0] = x[0];
			io.dout = t->tdy[i];
			io.din[0] = tdx[0];
			l->ops->backward(&c, &io);
			if (l->in_idx[0] >= 0) {
				c.w = t->v + off;
				io.in[0] = t->tx[l->in_idx[0]];
				io.dout = net->dact[i];
				l->ops->backward(&c, &io);
			}
			break;
		}
		case LAYER_KIND_BN: {
			if (!tdx[0])
				break;
			int src = l->in_idx[0];
			score_bn_rback(l, x[0], t->tx[src], net->dact[i], t->tdy[i],
				       tdx[0], batch, net->cache[i][2 * l->in.c] != 0.0f);
			break;
		}
		case LAYER_KIND_RELU:
		case LAYER_KIND_MAXPOOL:
		case LAYER_KIND_AVGPOOL:
		case LAYER_KIND_GAP:
		case LAYER_KIND_FLATTEN:
		case LAYER_KIND_ADD:
		case LAYER_KIND_COUNT:
			/* Linear in dy with the original input's mask. */
			for (int k = 0; k < l->n_in; k++) {
				io.in[k] = x[k];
				io.din[k] = tdx[k];
			}
			io.dout = t->tdy[i];
			l->ops->backward(l, &io);
			break;
		}
	}
}

/* H v of the mean cross-entropy of logits / T at the net's current
 * weights, for v = grads restricted to the prunable weights (GraSP's g),
 * after score_batch_grad.  Exposed to the test through score_compute only. */
enum eng_status score_grasp(struct score_run *run, const struct data_split *ds,
			    float *scores)
{
	struct net *net = run->net;
	double temp = run->opt->grasp_temperature;
	struct score_batch b;
	enum eng_status st = score_batch_make(run, ds, &b);
	if (st != ENG_STATUS_OK)
		return st;
	int classes = net->classes;
	size_t nz = (size_t)b.n * (size_t)classes;
	struct score_tangent t;
	float *dz = malloc(2 * nz * sizeof *dz);
	st = dz ? score_tangent_init(&t, net, b.n, run->err)
		: eng_err_set(run->err, ENG_STATUS_ENOMEM, "out of memory");
	if (st != ENG_STATUS_OK) {
		free(dz);
		score_batch_done(&b);
		return st;
	}
	/* The tangent passes read every layer's output and output gradient
	 * (a ReLU's input, a BN's dy): none may be left unwritten. */
	const bool keep_saved = net->keep_every_output;
	net->keep_every_output = true;
	score_batch_grad(net, &b, temp, dz);
	net->keep_every_output = keep_saved;
	score_step(run);
	if (score_aborted(run)) {
		st = score_abort_status(run);
		goto out;
	}
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		size_t off = score_param_offset(net, l->w);
		memcpy(t.v + off, net->grads + off, l->w_len * sizeof(float));
	}
	score_tangent_forward(net, &t, b.x, b.n);
	score_step(run);
	if (score_aborted(run)) {
		st = score_abort_status(run);
		goto out;
	}
	score_tangent_zero(net, &t, b.n);
	/* (dz)' for dz = (softmax(z/T) - onehot) / (T n): the softmax
	 * Jacobian applied to z'/T, over T n. */
	int last = net->n_layers - 1;
	const float *z = net->act[last];
	const float *zt = t.tx[last];
	float *rdz = t.tdy[last];
	for (int s = 0; s < b.n; s++) {
		const float *zs = z + (size_t)s * classes, *ts = zt + (size_t)s * classes;
		double mx = -INFINITY, sum = 0.0, pu = 0.0;
		for (int c = 0; c < classes; c++)
			mx = zs[c] / temp > mx ? zs[c] / temp : mx;
		for (int c = 0; c < classes; c++)
			sum += exp(zs[c] / temp - mx);
		for (int c = 0; c < classes; c++)
			pu += exp(zs[c] / temp - mx) / sum * (ts[c] / temp);
		for (int c = 0; c < classes; c++) {
			double p = exp(zs[c] / temp - mx) / sum;
			rdz[(size_t)s * classes + c] =
				(float)(p * (ts[c] / temp - pu) / (temp * b.n));
		}
	}
	score_tangent_rback(net, &t, b.x, b.n);
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		size_t off = score_param_offset(net, l->w);
		for (size_t j = 0; j < l->w_len; j++)
			scores[off + j] = net->params[off + j] * t.hv[off + j];
	}
	score_step(run);
out:
	score_tangent_done(&t);
	free(dz);
	score_batch_done(&b);
	return st;
}
