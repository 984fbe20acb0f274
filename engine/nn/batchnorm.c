/* batchnorm.c: per-channel batch normalisation over N, H and W.
 *
 * Train mode normalises with the batch mean and biased variance and folds
 * them into the running statistics the way PyTorch does:
 *   running = (1 - momentum) * running + momentum * batch_stat,
 * with the UNBIASED variance (n / (n - 1)) going into running_var.  Eval mode
 * normalises with the running statistics.
 *
 * Cache layout (cache_len = 2c + 1): mean[c], inv_std[c], then one mode flag
 * (1 = the forward used batch statistics, 0 = running statistics).  The
 * backward trusts this flag rather than io->train, because the flag records
 * what the forward really did and the net's backward always passes train.
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
	return 2 * (size_t)l->in.c + 1;
}

/* Batch mean and biased variance of channel ch, in two passes so that
 * channels with a large mean do not lose the variance to cancellation.
 * Each run of at most BN_RUN floats of a plane is summed in float (16
 * lanes wide on AVX-512, where double would take 8 and two conversions),
 * the runs in double.  The second pass sums x - mf and its square about
 * the first pass's mean rounded to float, mf: x - mf is exact in float
 * for x within a factor 2 of mf (Sterbenz), and the sum of the
 * differences corrects the mean for the first pass's float rounding. */
ENG_TARGET_CLONES static void batchnorm_stats(const struct layer *l, const float *x, int batch,
			    int ch, double *mean, double *var)
{
	int c = l->in.c;
	size_t hw = (size_t)l->in.h * (size_t)l->in.w;
	double n = (double)batch * (double)hw;
	double sum = 0.0;
	for (int b = 0; b < batch; b++) {
		const float *p = x + ((size_t)b * c + ch) * hw;
		for (size_t i0 = 0; i0 < hw; i0 += BN_RUN) {
			size_t i1 = hw - i0 < BN_RUN ? hw : i0 + BN_RUN;
			float run = 0.0f;
			BN_OMP("omp simd reduction(+:run)")
			for (size_t i = i0; i < i1; i++)
				run += p[i];
			sum += run;
		}
	}
	float mf = (float)(sum / n);
	/* About mf: x - mf is exact for x near the mean (Sterbenz), and the
	 * sum of the differences corrects the mean's own rounding. */
	double s1 = 0.0, s2 = 0.0;
	for (int b = 0; b < batch; b++) {
		const float *p = x + ((size_t)b * c + ch) * hw;
		for (size_t i0 = 0; i0 < hw; i0 += BN_RUN) {
			size_t i1 = hw - i0 < BN_RUN ? hw : i0 + BN_RUN;
			float run1 = 0.0f, run2 = 0.0f;
			BN_OMP("omp simd reduction(+:run1, run2)")
			for (size_t i = i0; i < i1; i++) {
				float d = p[i] - mf;
				run1 += d;
				run2 += d * d;
			}
			s1 += run1;
			s2 += run2;
		}
	}
	double dm = s1 / n;
	*mean = (double)mf + dm;
	*var = s2 / n - dm * dm;
	if (*var < 0.0)
		*var = 0.0;
}

ENG_TARGET_CLONES static void batchnorm_forward_channel(struct layer *l, const struct layer_io *io,
				      int ch)
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
	for (int b = 0; b < io->batch; b++) {
		size_t off = ((size_t)b * c + ch) * hw;
		const float *x = io->in[0] + off;
		float *y = io->out + off;
		BN_OMP("omp simd")
		for (size_t i = 0; i < hw; i++)
			y[i] = x[i] * scale + shift;
	}
}

static void batchnorm_forward(struct layer *l, const struct layer_io *io)
{
	int c = l->in.c;
	int nt = batchnorm_threads(l, io->batch);
	BN_OMP("omp parallel for schedule(static) num_threads(nt) if(nt > 1)")
	for (int ch = 0; ch < c; ch++)
		batchnorm_forward_channel(l, io, ch);
	io->cache[2 * c] = io->train ? 1.0f : 0.0f;
}

ENG_TARGET_CLONES static void batchnorm_backward_channel(struct layer *l, const struct layer_io *io,
				       int ch, bool batch_stats)
{
	int c = l->in.c;
	size_t hw = (size_t)l->in.h * (size_t)l->in.w;
	double n = (double)io->batch * (double)hw;
	const float *mean_c = io->cache, *istd_c = io->cache + c;
	float meanf = mean_c[ch], istdf = istd_c[ch];
	/* Runs of a plane summed in float, the runs in double, as in
	 * batchnorm_stats. */
	double sum_dy = 0.0, sum_dy_xhat = 0.0;
	for (int b = 0; b < io->batch; b++) {
		size_t off = ((size_t)b * c + ch) * hw;
		const float *x = io->in[0] + off;
		const float *dy = io->dout + off;
		for (size_t i0 = 0; i0 < hw; i0 += BN_RUN) {
			size_t i1 = hw - i0 < BN_RUN ? hw : i0 + BN_RUN;
			float run_dy = 0.0f, run_dy_xhat = 0.0f;
			BN_OMP("omp simd reduction(+:run_dy, run_dy_xhat)")
			for (size_t i = i0; i < i1; i++) {
				run_dy += dy[i];
				run_dy_xhat += dy[i] * (x[i] - meanf);
			}
			sum_dy += run_dy;
			sum_dy_xhat += run_dy_xhat;
		}
	}
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
				dx[i] = g * (dy[i] - k_mean - (x[i] - meanf) * k_xhat);
		} else {
			BN_OMP("omp simd")
			for (size_t i = 0; i < hw; i++)
				dx[i] += g * (dy[i] - k_mean - (x[i] - meanf) * k_xhat);
		}
	}
}

static void batchnorm_backward(struct layer *l, const struct layer_io *io)
{
	int c = l->in.c;
	bool batch_stats = io->cache[2 * c] != 0.0f;
	layer_dw_zero_if_assign(l, io);
	int nt = batchnorm_threads(l, io->batch);
	BN_OMP("omp parallel for schedule(static) num_threads(nt) if(nt > 1)")
	for (int ch = 0; ch < c; ch++)
		batchnorm_backward_channel(l, io, ch, batch_stats);
}

const struct layer_ops batchnorm_ops = {
	.name = "bn",
	.infer = batchnorm_infer,
	.macs = batchnorm_macs,
	.init = batchnorm_init,
	.cache_len = batchnorm_cache_len,
	.forward = batchnorm_forward,
	.backward = batchnorm_backward,
};
