/* batchnorm.c: per-channel batch normalisation over N, H and W.
 *
 * Train mode normalises with the batch mean and biased variance and folds
 * them into the running statistics the way PyTorch does:
 *   running = (1 - momentum) * running + momentum * batch_stat,
 * with the UNBIASED variance (n / (n - 1)) going into running_var.  Eval mode
 * normalises with the running statistics.
 *
 * Cache layout (cache_len = 4c + 1): mean[c], inv_std[c], then one mode flag
 * (1 = the forward used batch statistics, 0 = running statistics), then
 * the forward's scale[c] and shift[c] (y = x * scale + shift).  The
 * backward trusts this flag rather than io->train, because the flag records
 * what the forward really did and the net's backward always passes train.
 *
 * With the ReLU after it (forward_relu, backward_relu: the net's choice,
 * net.c) the layer writes the ReLU's output in the pass that normalises,
 * and its backward takes the ReLU's output gradient: the ReLU's mask comes
 * from y recomputed from x with the cached scale and shift (the same
 * float operations as the forward, so the same y), which spares the
 * separate ReLU pass over memory each way, and the BN output and its
 * gradient are never written.  The sums are those of the two layers run
 * one after the other, to the bit.
 *
 * Speed: calls on large tensors are split by channel over an OpenMP team
 * (channels are independent, so results do not depend on the split).  The
 * reductions sum runs of a plane in float and the runs in double, as
 * `omp simd` loops (batchnorm_stats); the per-element maps
 * (y = x * scale + shift, the input gradient) run in float, as PyTorch's do.
 * The per-channel loops are compiled for AVX-512 and AVX2 as well
 * (ENG_TARGET_CLONES): at the SSE2 baseline a double reduction runs two
 * lanes wide, and batch norm took 17 % of a ResNet-20 training step.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "base/target_clones.h"
#include "base/threads.h"
#include "nn/layer.h"

#ifdef _OPENMP
#include <omp.h>
#define BN_OMP(directive) _Pragma(directive)
#else
#define BN_OMP(directive)
#endif

/* Floats of a plane summed in float before the sum goes to double. */
#define BN_RUN ((size_t)1024)

/* Elements of a call below which it stays on one thread (~50 us). */
#define BN_PAR_MIN ((size_t)1 << 17)

/* Threads for one call, split by channel: as many as OpenBLAS runs its
 * GEMMs on (the one knob for how many cores the engine may take), at most
 * one per channel, one for small calls.  A channel's result never depends
 * on the split. */
static int batchnorm_threads(const struct layer *l, int batch)
{
	int nt = threads_for_work(shape_size(l->in) * (size_t)batch, BN_PAR_MIN);
	return nt < l->in.c ? nt : (l->in.c > 1 ? l->in.c : 1);
}

static enum eng_status batchnorm_infer(struct layer *l, const struct shape *in,
				       int n_in, struct eng_err *err)
{
	if (n_in != 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: bn takes exactly one input, got %d", l->name, n_in);
	if (in[0].c <= 0 || in[0].h <= 0 || in[0].w <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: input shape %dx%dx%d is not positive",
				   l->name, in[0].c, in[0].h, in[0].w);
	if (!(l->conf.eps > 0.0f) || !isfinite(l->conf.eps))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: eps must be positive, got %g", l->name,
				   (double)l->conf.eps);
	if (!(l->conf.momentum >= 0.0f && l->conf.momentum <= 1.0f))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: momentum must be in [0, 1], got %g", l->name,
				   (double)l->conf.momentum);
	l->in = in[0];
	l->out = in[0];
	l->w_len = (size_t)in[0].c;
	l->b_len = (size_t)in[0].c;
	l->state_len = 2 * (size_t)in[0].c;
	return ENG_STATUS_OK;
}

static uint64_t batchnorm_macs(const struct layer *l)
{
	(void)l;
	return 0;
}

static void batchnorm_init(struct layer *l, struct rng *r)
{
	(void)r;
	int c = l->in.c;
	for (int i = 0; i < c; i++) {
		l->w[i] = 1.0f;
		l->b[i] = 0.0f;
		l->state[i] = 0.0f;
		l->state[c + i] = 1.0f;
	}
}

static size_t batchnorm_cache_len(const struct layer *l, int batch)
{
	(void)batch;
	return 4 * (size_t)l->in.c + 1;
}

/* The ReLU fused after the layer: none, plain, or clipped at clip
 * (ReLU6), as act.c computes them. */
struct bn_relu {
	bool on;
	float clip; /* > 0: ReLU6's bound */
};

/* y = x * scale + shift: the one expression of the forward's output and
 * of the fused backward's recomputation (float, no contraction: -std=c11
 * keeps GCC's -ffp-contract=off, so both round alike). */
static inline float bn_affine(float x, float scale, float shift)
{
	return x * scale + shift;
}

/* Whether the ReLU's gradient passes at y, as act.c's loop decides. */
static inline bool bn_relu_passes(float y, struct bn_relu r)
{
	return r.clip > 0.0f ? y > 0.0f && y < r.clip : y > 0.0f;
}

/* A channel's sums: BN_LANES float lanes (element i of a plane into lane
 * i mod BN_LANES, the plane's last hw mod BN_LANES elements into lane 0),
 * carried across the channel's planes and added into as many doubles
 * once BN_RUN floats or more have gone in (so a lane sums at most
 * 2 * BN_RUN / BN_LANES floats), the doubles pairwise at the end: one
 * order whatever the CPU's vector width.  Float lanes run 16 wide on
 * AVX-512, where double would take 8 and two conversions.  Written with
 * GCC's and clang's vector extension inside the target clones
 * themselves: `omp simd reduction` loops ended every plane with a scalar
 * pass over their 16 partial sums (most of the time on 8x8 and 16x16
 * planes), and a helper holding the vector code, compiled for the
 * baseline before it was inlined, had its compares split into scalars. */
#define BN_LANES 16
typedef float bn_lanes __attribute__((vector_size(BN_LANES * sizeof(float))));
typedef int32_t bn_lanes_mask __attribute__((vector_size(BN_LANES * sizeof(float))));

#define BN_LOAD(v, p) memcpy(&(v), (p), sizeof(v))

struct bn_sum {
	double lane[BN_LANES];
};

/* Add the float lanes run (a bn_lanes) into the double lanes of *s and
 * clear it.  A macro: a function taking a 64-byte vector would pass it in
 * memory in the baseline clone (and gcc warns of the ABI). */
#define BN_SUM_FLUSH(s, run)                                  \
	do {                                                  \
		for (int u_ = 0; u_ < BN_LANES; u_++)         \
			(s)->lane[u_] += (double)(run)[u_];   \
		(run) = (bn_lanes){ 0 };                      \
	} while (0)

static inline double bn_sum_total(struct bn_sum *s)
{
	for (int w = BN_LANES / 2; w > 0; w /= 2)
		for (int u = 0; u < w; u++)
			s->lane[u] += s->lane[u + w];
	return s->lane[0];
}

/* Batch mean and biased variance of channel ch, in two passes so that
 * channels with a large mean do not lose the variance to cancellation,
 * each summed as struct bn_sum says.  The second pass sums x - mf and its
 * square about the first pass's mean rounded to float, mf: x - mf is
 * exact in float for x within a factor 2 of mf (Sterbenz), and the sum of
 * the differences corrects the mean for the first pass's float rounding. */
ENG_TARGET_CLONES static void batchnorm_stats(const struct layer *l, const float *x, int batch,
			    int ch, double *mean, double *var)
{
	int c = l->in.c;
	size_t hw = (size_t)l->in.h * (size_t)l->in.w;
	double n = (double)batch * (double)hw;
	struct bn_sum sum = { { 0 } };
	bn_lanes run = { 0 };
	size_t pending = 0;
	for (int b = 0; b < batch; b++) {
		const float *p = x + ((size_t)b * c + ch) * hw;
		size_t i = 0;
		for (; i + BN_LANES <= hw; i += BN_LANES) {
			bn_lanes v;
			BN_LOAD(v, p + i);
			run += v;
			if ((pending += BN_LANES) >= BN_RUN) {
				BN_SUM_FLUSH(&sum, run);
				pending = 0;
			}
		}
		float tail = 0.0f;
		for (; i < hw; i++)
			tail += p[i];
		run[0] += tail;
	}
	BN_SUM_FLUSH(&sum, run);
	float mf = (float)(bn_sum_total(&sum) / n);
	/* About mf: x - mf is exact for x near the mean (Sterbenz), and the
	 * sum of the differences corrects the mean's own rounding. */
	struct bn_sum sum1 = { { 0 } }, sum2 = { { 0 } };
	bn_lanes run1 = { 0 }, run2 = { 0 };
	const bn_lanes vmf = (bn_lanes){ 0 } + mf;
	pending = 0;
	for (int b = 0; b < batch; b++) {
		const float *p = x + ((size_t)b * c + ch) * hw;
		size_t i = 0;
		for (; i + BN_LANES <= hw; i += BN_LANES) {
			bn_lanes v;
			BN_LOAD(v, p + i);
			v -= vmf;
			run1 += v;
			run2 += v * v;
			if ((pending += BN_LANES) >= BN_RUN) {
				BN_SUM_FLUSH(&sum1, run1);
				BN_SUM_FLUSH(&sum2, run2);
				pending = 0;
			}
		}
		float tail1 = 0.0f, tail2 = 0.0f;
		for (; i < hw; i++) {
			float d = p[i] - mf;
			tail1 += d;
			tail2 += d * d;
		}
		run1[0] += tail1;
		run2[0] += tail2;
	}
	BN_SUM_FLUSH(&sum1, run1);
	BN_SUM_FLUSH(&sum2, run2);
	double dm = bn_sum_total(&sum1) / n;
	*mean = (double)mf + dm;
	*var = bn_sum_total(&sum2) / n - dm * dm;
	if (*var < 0.0)
		*var = 0.0;
}

ENG_TARGET_CLONES static void batchnorm_forward_channel(struct layer *l, const struct layer_io *io,
				      int ch, struct bn_relu relu)
{
	int c = l->in.c;
	size_t hw = (size_t)l->in.h * (size_t)l->in.w;
	double n = (double)io->batch * (double)hw;
	float *mean_c = io->cache, *istd_c = io->cache + c;
	float *rmean = l->state, *rvar = l->state + c;
	double mom = l->conf.momentum;
	double mean, var;
	if (io->train) {
		batchnorm_stats(l, io->in[0], io->batch, ch, &mean, &var);
		/* One value per channel has no unbiased variance; PyTorch
		 * refuses it, here the biased one stands in so the running
		 * variance stays finite. */
		double unbiased = n > 1.0 ? var * n / (n - 1.0) : var;
		rmean[ch] = (float)((1.0 - mom) * rmean[ch] + mom * mean);
		rvar[ch] = (float)((1.0 - mom) * rvar[ch] + mom * unbiased);
	} else {
		mean = rmean[ch];
		var = rvar[ch];
	}
	double istd = 1.0 / sqrt(var + (double)l->conf.eps);
	mean_c[ch] = (float)mean;
	istd_c[ch] = (float)istd;
	/* Fold gamma and beta into one scale and shift per channel. */
	float scale = (float)(l->w[ch] * istd);
	float shift = (float)(l->b[ch] - mean * (l->w[ch] * istd));
	io->cache[2 * c + 1 + ch] = scale;
	io->cache[3 * c + 1 + ch] = shift;
	for (int b = 0; b < io->batch; b++) {
		size_t off = ((size_t)b * c + ch) * hw;
		const float *x = io->in[0] + off;
		float *y = io->out + off;
		if (!relu.on) {
			BN_OMP("omp simd")
			for (size_t i = 0; i < hw; i++)
				y[i] = bn_affine(x[i], scale, shift);
		} else {
			const float hi = layer_relu_hi(relu.clip);
			BN_OMP("omp simd")
			for (size_t i = 0; i < hw; i++)
				y[i] = layer_post_act(bn_affine(x[i], scale, shift), hi);
		}
	}
}

static void batchnorm_forward_with(struct layer *l, const struct layer_io *io,
				   struct bn_relu relu)
{
	int c = l->in.c;
	int nt = batchnorm_threads(l, io->batch);
	BN_OMP("omp parallel for schedule(static) num_threads(nt) if(nt > 1)")
	for (int ch = 0; ch < c; ch++)
		batchnorm_forward_channel(l, io, ch, relu);
	io->cache[2 * c] = io->train ? 1.0f : 0.0f;
}

static void batchnorm_forward(struct layer *l, const struct layer_io *io)
{
	batchnorm_forward_with(l, io, (struct bn_relu){ .on = false });
}

static void batchnorm_forward_relu(struct layer *l, const struct layer_io *io, float clip)
{
	batchnorm_forward_with(l, io, (struct bn_relu){ .on = true, .clip = clip });
}

/* dy at element i: dout itself, or with the ReLU fused, dout where the
 * ReLU passed at the forward's y (recomputed) and 0 elsewhere. */
static inline float bn_dy(float x, float dout, float scale, float shift, struct bn_relu relu)
{
	if (!relu.on)
		return dout;
	return bn_relu_passes(bn_affine(x, scale, shift), relu) ? dout : 0.0f;
}

ENG_TARGET_CLONES static void batchnorm_backward_channel(struct layer *l, const struct layer_io *io,
				       int ch, bool batch_stats, struct bn_relu relu)
{
	int c = l->in.c;
	size_t hw = (size_t)l->in.h * (size_t)l->in.w;
	double n = (double)io->batch * (double)hw;
	const float *mean_c = io->cache, *istd_c = io->cache + c;
	float meanf = mean_c[ch], istdf = istd_c[ch];
	float scale = io->cache[2 * c + 1 + ch], shift = io->cache[3 * c + 1 + ch];
	/* Summed as struct bn_sum says; the fused ReLU's mask by the same
	 * float operations as bn_dy. */
	struct bn_sum acc_dy = { { 0 } }, acc_dy_xhat = { { 0 } };
	bn_lanes run_dy = { 0 }, run_dy_xhat = { 0 };
	const bn_lanes vmean = (bn_lanes){ 0 } + meanf, vscale = (bn_lanes){ 0 } + scale,
		       vshift = (bn_lanes){ 0 } + shift, vzero = { 0 },
		       vclip = (bn_lanes){ 0 } + relu.clip;
	size_t pending = 0;
	for (int b = 0; b < io->batch; b++) {
		size_t off = ((size_t)b * c + ch) * hw;
		const float *x = io->in[0] + off;
		const float *dy = io->dout + off;
		size_t i = 0;
		for (; i + BN_LANES <= hw; i += BN_LANES) {
			bn_lanes xv, d;
			BN_LOAD(xv, x + i);
			BN_LOAD(d, dy + i);
			if (relu.on) {
				const bn_lanes y = xv * vscale + vshift;
				bn_lanes_mask pass = y > vzero;
				if (relu.clip > 0.0f)
					pass &= y < vclip;
				d = (bn_lanes)((bn_lanes_mask)d & pass);
			}
			run_dy += d;
			run_dy_xhat += d * (xv - vmean);
			if ((pending += BN_LANES) >= BN_RUN) {
				BN_SUM_FLUSH(&acc_dy, run_dy);
				BN_SUM_FLUSH(&acc_dy_xhat, run_dy_xhat);
				pending = 0;
			}
		}
		float tail_dy = 0.0f, tail_dy_xhat = 0.0f;
		for (; i < hw; i++) {
			float d = bn_dy(x[i], dy[i], scale, shift, relu);
			tail_dy += d;
			tail_dy_xhat += d * (x[i] - meanf);
		}
		run_dy[0] += tail_dy;
		run_dy_xhat[0] += tail_dy_xhat;
	}
	BN_SUM_FLUSH(&acc_dy, run_dy);
	BN_SUM_FLUSH(&acc_dy_xhat, run_dy_xhat);
	double sum_dy = bn_sum_total(&acc_dy), sum_dy_xhat = bn_sum_total(&acc_dy_xhat);
	sum_dy_xhat *= istdf;
	l->dw[ch] += (float)sum_dy_xhat;
	l->db[ch] += (float)sum_dy;
	if (!io->din[0])
		return;
	float g = (float)(l->w[ch] * (double)istdf);
	/* With batch statistics the mean and variance depend on x too, which
	 * removes the components of dy along 1 and along xhat. */
	float k_mean = batch_stats ? (float)(sum_dy / n) : 0.0f;
	float k_xhat = batch_stats ? (float)(sum_dy_xhat / n * istdf) : 0.0f;
	bool assign = io->din_assign[0];
	for (int b = 0; b < io->batch; b++) {
		size_t off = ((size_t)b * c + ch) * hw;
		const float *x = io->in[0] + off;
		const float *dy = io->dout + off;
		float *dx = io->din[0] + off;
		if (assign) {
			BN_OMP("omp simd")
			for (size_t i = 0; i < hw; i++)
				dx[i] = g * (bn_dy(x[i], dy[i], scale, shift, relu) - k_mean -
					     (x[i] - meanf) * k_xhat);
		} else {
			BN_OMP("omp simd")
			for (size_t i = 0; i < hw; i++)
				dx[i] += g * (bn_dy(x[i], dy[i], scale, shift, relu) - k_mean -
					      (x[i] - meanf) * k_xhat);
		}
	}
}

static void batchnorm_backward_with(struct layer *l, const struct layer_io *io,
				    struct bn_relu relu)
{
	int c = l->in.c;
	bool batch_stats = io->cache[2 * c] != 0.0f;
	layer_dw_zero_if_assign(l, io);
	int nt = batchnorm_threads(l, io->batch);
	BN_OMP("omp parallel for schedule(static) num_threads(nt) if(nt > 1)")
	for (int ch = 0; ch < c; ch++)
		batchnorm_backward_channel(l, io, ch, batch_stats, relu);
}

static void batchnorm_backward(struct layer *l, const struct layer_io *io)
{
	batchnorm_backward_with(l, io, (struct bn_relu){ .on = false });
}

static void batchnorm_backward_relu(struct layer *l, const struct layer_io *io, float clip)
{
	batchnorm_backward_with(l, io, (struct bn_relu){ .on = true, .clip = clip });
}

const struct layer_ops batchnorm_ops = {
	.name = "bn",
	.infer = batchnorm_infer,
	.macs = batchnorm_macs,
	.init = batchnorm_init,
	.cache_len = batchnorm_cache_len,
	.forward = batchnorm_forward,
	.backward = batchnorm_backward,
	.forward_relu = batchnorm_forward_relu,
	.backward_relu = batchnorm_backward_relu,
};
