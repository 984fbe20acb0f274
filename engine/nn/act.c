/* act.c: ReLU, optionally clipped from above (clip 6 = ReLU6).
 *
 * The gradient passes only where the forward was on its sloped part:
 * 0 < x, and x < clip when clipping.  At the kinks themselves the gradient
 * is 0, as in PyTorch's relu and hardtanh backward.
 *
 * Speed: both loops are written branch-free (a branch on the sign of x
 * mispredicts half the time on fresh activations) and marked `omp simd`,
 * because GCC's -O2 cost model will not vectorise a loop that needs an
 * alias check or a scalar epilogue; they are compiled for AVX-512 and AVX2
 * as well (ENG_TARGET_CLONES: the baseline is SSE2).  Large tensors are split over an
 * OpenMP team as big as OpenBLAS's thread count (see threads() below);
 * every element is computed the same way whatever the split.  The
 * gradient loop is add.c's too, for an add run with its ReLU (act.h).
 */
#include "config.h"

#include <math.h>
#include <stddef.h>

#include "base/target_clones.h"
#include "base/threads.h"
#include "nn/act.h"
#include "nn/layer.h"

#ifdef _OPENMP
#include <omp.h>
#define RELU_OMP(directive) _Pragma(directive)
#else
#define RELU_OMP(directive)
#endif

/* Elements below which a loop stays on one thread (~50 us of work). */
#define RELU_PAR_MIN ((size_t)1 << 17)

/* Threads for a loop over n elements: as many as OpenBLAS runs its GEMMs
 * on (the one knob for how many cores the engine may take), or one when
 * waking a team would cost more than it saves.  add.c's loops too. */
int relu_threads(size_t n)
{
	return threads_for_work(n, RELU_PAR_MIN);
}

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

/* y = clamp(x) for x[0..n): clip 0 means no upper bound.  A NaN input
 * gives 0, as the comparisons below have always done. */
ENG_TARGET_CLONES static void relu_forward_range(const float *restrict x,
						 float *restrict y, size_t n, float clip)
{
	if (clip > 0.0f) {
		RELU_OMP("omp simd")
		for (size_t i = 0; i < n; i++) {
			float v = x[i] > 0.0f ? x[i] : 0.0f;
			y[i] = v < clip ? v : clip;
		}
	} else {
		RELU_OMP("omp simd")
		for (size_t i = 0; i < n; i++)
			y[i] = x[i] > 0.0f ? x[i] : 0.0f;
	}
}

ENG_TARGET_CLONES void relu_grad_range(const float *restrict x, const float *restrict dy,
				       float *restrict dx, size_t n, float clip, bool assign)
{
	/* dy is loaded unconditionally: a conditional load is what keeps
	 * GCC from vectorising the select without AVX-512 masks. */
	if (clip > 0.0f) {
		if (assign) {
			RELU_OMP("omp simd")
			for (size_t i = 0; i < n; i++) {
				float d = dy[i], v = x[i];
				dx[i] = v > 0.0f && v < clip ? d : 0.0f;
			}
		} else {
			RELU_OMP("omp simd")
			for (size_t i = 0; i < n; i++) {
				float d = dy[i], v = x[i];
				dx[i] += v > 0.0f && v < clip ? d : 0.0f;
			}
		}
	} else if (assign) {
		RELU_OMP("omp simd")
		for (size_t i = 0; i < n; i++) {
			float d = dy[i];
			dx[i] = x[i] > 0.0f ? d : 0.0f;
		}
	} else {
		RELU_OMP("omp simd")
		for (size_t i = 0; i < n; i++) {
			float d = dy[i];
			dx[i] += x[i] > 0.0f ? d : 0.0f;
		}
	}
}

static void relu_forward(struct layer *l, const struct layer_io *io)
{
	size_t n = shape_size(l->in) * (size_t)io->batch;
	const float *x = io->in[0];
	float *y = io->out;
	float clip = l->conf.clip;
	int nt = relu_threads(n);
	RELU_OMP("omp parallel for schedule(static) num_threads(nt) if(nt > 1)")
	for (int t = 0; t < nt; t++) {
		size_t a = threads_part(n, nt, t), b = threads_part(n, nt, t + 1);
		relu_forward_range(x + a, y + a, b - a, clip);
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
	bool assign = io->din_assign[0];
	int nt = relu_threads(n);
	RELU_OMP("omp parallel for schedule(static) num_threads(nt) if(nt > 1)")
	for (int t = 0; t < nt; t++) {
		size_t a = threads_part(n, nt, t), b = threads_part(n, nt, t + 1);
		relu_grad_range(x + a, dy + a, dx + a, b - a, clip, assign);
	}
}

const struct layer_ops relu_ops = {
	.name = "relu",
	.infer = relu_infer,
	.macs = relu_macs,
	.forward = relu_forward,
	.backward = relu_backward,
};
