/* latency.c: batch-1 latency measurement (see latency.h for the protocol).
 *
 * Each run is timed alone rather than timing a loop and dividing, so the
 * spread is real: on a shared machine single runs get preempted, and the
 * median ignores those while p90 shows them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "measure/latency.h"
#include "base/threads.h"
#include "nn/net_fuse.h"
#include "base/rng.h"
#include "measure/sparse.h"

void latency_options_init(struct latency_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->warmup = 3;
	opt->min_runs = 10;
	opt->max_runs = 2000;
	opt->min_ms = 100.0;
	opt->max_ms = 1000.0;
	opt->input_seed = 1;
}

const char *latency_variant_name(enum latency_variant v)
{
	static const char *const names[LATENCY_VARIANT_COUNT] = {
		[LATENCY_VARIANT_DENSE] = "dense",
		[LATENCY_VARIANT_MASKED] = "masked",
		[LATENCY_VARIANT_SPARSE] = "sparse",
		[LATENCY_VARIANT_STRUCTURED] = "structured",
	};
	if ((int)v < 0 || v >= LATENCY_VARIANT_COUNT)
		return NULL;
	return names[v];
}

static double latency_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int latency_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least q of the samples at or
 * below it. */
static double latency_quantile(const double *sorted, int n, double q)
{
	int rank = (int)(q * n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static bool latency_is_masked_weight(const struct layer *l)
{
	return (l->kind == LAYER_KIND_CONV || l->kind == LAYER_KIND_LINEAR) &&
	       l->w_len > 0;
}

/* How many conv/linear weights the mask removes. */
static size_t latency_masked_count(const struct net *net, const uint8_t *mask)
{
	size_t masked = 0;
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!latency_is_masked_weight(l))
			continue;
		const uint8_t *m = mask + (l->w - net->params);
		for (size_t j = 0; j < l->w_len; j++)
			masked += !m[j];
	}
	return masked;
}

static enum eng_status latency_check_options(const struct latency_options *o,
					     struct eng_err *err)
{
	if (o->warmup < 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "latency: warm-up runs must be >= 0, got %d", o->warmup);
	if (o->min_runs < 1 || o->max_runs < o->min_runs)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "latency: need 1 <= min runs <= max runs, got %d and %d",
				   o->min_runs, o->max_runs);
	if (!(o->min_ms >= 0.0) || !(o->max_ms >= 0.0))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "latency: times must be >= 0 ms");
	return ENG_STATUS_OK;
}

enum eng_status latency_measure(struct net *net, const uint8_t *mask,
				enum latency_variant variant,
				const struct latency_options *opt,
				struct latency_result *result,
				struct eng_err *err)
{
	double t0 = latency_now_ms();
	memset(result, 0, sizeof *result);
	enum eng_status st = latency_check_options(opt, err);
	if (st)
		return st;
	if ((int)variant < 0 || variant >= LATENCY_VARIANT_COUNT)
		return eng_err_set(err, ENG_STATUS_EINVAL, "latency: unknown variant %d",
				   (int)variant);
	bool needs_mask = variant == LATENCY_VARIANT_MASKED ||
			  variant == LATENCY_VARIANT_SPARSE;
	if (needs_mask && !mask)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "latency: the %s variant needs a mask",
				   latency_variant_name(variant));

	size_t in_len = shape_size(net->input);
	float *input = malloc(in_len * sizeof *input);
	double *samples = malloc((size_t)opt->max_runs * sizeof *samples);
	struct net *fused = NULL;
	struct sparse_net *sn = NULL;
	struct latency_result r = { .variant = variant };
	int team = 1, blas_saved = -1;
	if (!input || !samples) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "latency: out of memory");
		goto out;
	}
	struct rng rng;
	rng_seed(&rng, opt->input_seed);
	for (size_t i = 0; i < in_len; i++)
		input[i] = rng_normal(&rng);

	r.macs = net_macs(net);
	r.params = net->n_params;
	r.bytes = net->n_params * sizeof(float);
	r.nonzero = r.params;
	if (variant != LATENCY_VARIANT_SPARSE) {
		/* What a runtime deploys: BN folded, ReLUs fused (net_fuse.h),
		 * the masked weights zero in the copy for MASKED. */
		bool masked = variant == LATENCY_VARIANT_MASKED;
		if ((st = net_fuse(net, masked ? mask : NULL, &fused, err)) != ENG_STATUS_OK ||
		    (st = net_prepare(fused, 1, err)) != ENG_STATUS_OK)
			goto out;
		if (masked)
			r.nonzero = net->n_params - latency_masked_count(net, mask);
	} else {
		st = sparse_net_build(net, mask, opt->abort, &sn, err);
		if (st)
			goto out;
		r.macs = sn->macs;
		r.params = net->n_params;
		for (int i = 0; i < net->n_layers; i++)
			if (sn->layers[i].l)
				r.params -= net->layers[i].w_len;
		r.params += sn->nnz;
		r.nonzero = r.params;
		r.bytes = sn->bytes;
	}

	/* The fused net's layers split their own work over a team of
	 * OpenBLAS's thread count, with OpenBLAS on the calling thread:
	 * at batch 1 its pool gained little and, woken between the layers'
	 * own loops, spun against them. */
	if (!sn && (team = threads_for_work(1, 0)) > 1)
		blas_saved = threads_blas_serial_begin();
	int runs = 0;
	double timed = 0.0;
	for (int i = 0; ; i++) {
		if (cancel_requested(opt->abort)) {
			st = eng_err_set(err, ENG_STATUS_ABORTED, "latency: aborted");
			goto out;
		}
		bool warm = i < opt->warmup;
		if (!warm) {
			bool enough = runs >= opt->min_runs && timed >= opt->min_ms;
			if (enough || runs >= opt->max_runs)
				break;
			if (runs >= 1 && latency_now_ms() - t0 >= opt->max_ms) {
				r.capped = true;
				break;
			}
		}
		double a = latency_now_ms();
		if (sn)
			sparse_net_forward(sn, input);
		else
			net_forward_team(fused, input, 1, false, team);
		double dt = latency_now_ms() - a;
		if (warm)
			continue;
		samples[runs++] = dt;
		timed += dt;
		if (opt->progress) {
			/* Expected total: whichever of the run and time floors
			 * binds, at the mean so far, within the caps. */
			double mean = timed / runs;
			double need = mean > 0.0 ? opt->min_ms / mean : 0.0;
			int total = opt->min_runs;
			if (need > total)
				total = need < opt->max_runs ? (int)need + 1 : opt->max_runs;
			if (total > opt->max_runs)
				total = opt->max_runs;
			if (total < runs)
				total = runs;
			opt->progress(runs, total, opt->progress_user);
		}
	}

	qsort(samples, (size_t)runs, sizeof *samples, latency_cmp_double);
	r.runs = runs;
	r.median_ms = runs % 2 ? samples[runs / 2]
			       : 0.5 * (samples[runs / 2 - 1] + samples[runs / 2]);
	r.p10_ms = latency_quantile(samples, runs, 0.10);
	r.p90_ms = latency_quantile(samples, runs, 0.90);
	/* Nearest rank can put p10/p90 on the wrong side of an averaged
	 * median for tiny n; keep the documented order. */
	if (r.p10_ms > r.median_ms)
		r.p10_ms = r.median_ms;
	if (r.p90_ms < r.median_ms)
		r.p90_ms = r.median_ms;
	r.min_ms = samples[0];
	r.max_ms = samples[runs - 1];
	r.mean_ms = timed / runs;
	st = ENG_STATUS_OK;
out:
	if (blas_saved >= 0)
		threads_blas_serial_end(blas_saved);
	net_free(fused);
	sparse_net_free(sn);
	free(samples);
	free(input);
	if (st == ENG_STATUS_OK) {
		r.wall_ms = latency_now_ms() - t0;
		*result = r;
	}
	return st;
}
