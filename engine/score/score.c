/* score.c: the PaI scoring dispatcher (score_compute), its options and
 * method names, and the simple methods, each a loop over the weights:
 * random, magnitude and SNIP (after one gradient).  GraSP (grasp.c) and
 * SynFlow (synflow.c) have files of their own; the mask, densities and
 * channel scores are in mask.c, the scoring batch in batch.c
 * (score_run.h).  docs/scoring.md explains the maths.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "score/score.h"
#include "score/score_run.h"
#include "score/batch.h"
#include "score/grasp.h"
#include "score/synflow.h"

static const char *const score_names[SCORE_METHOD_COUNT] = {
	[SCORE_METHOD_RANDOM] = "random",
	[SCORE_METHOD_MAGNITUDE] = "magnitude",
	[SCORE_METHOD_SNIP] = "snip",
	[SCORE_METHOD_GRASP] = "grasp",
	[SCORE_METHOD_SYNFLOW] = "synflow",
};

void score_options_init(struct score_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->method = SCORE_METHOD_SNIP;
	opt->seed = 1;
	opt->samples_per_class = 10;
	opt->grasp_temperature = 200.0;
	opt->synflow_iterations = 100;
	opt->sparsity = 0.9;
}

const char *score_method_name(enum score_method m)
{
	if ((int)m < 0 || m >= SCORE_METHOD_COUNT)
		return NULL;
	return score_names[m];
}

bool score_method_from_name(const char *name, enum score_method *m)
{
	for (int i = 0; i < SCORE_METHOD_COUNT; i++) {
		if (strcmp(name, score_names[i]) == 0) {
			*m = (enum score_method)i;
			return true;
		}
	}
	return false;
}

bool score_method_needs_data(enum score_method m)
{
	return m == SCORE_METHOD_SNIP || m == SCORE_METHOD_GRASP;
}

/* --- the simple methods -------------------------------------------------- */

/* Uniform scores from a stream of their own per layer.  Not the stream
 * net_init draws the layer's weights from (rng_derive_seed(seed, name)):
 * scores made of the very uniforms behind the Box-Muller weights ranked
 * channels like magnitude does (Kendall tau 0.49 on resnet20, `score
 * --compare`), so "random" pruning was not random. */
static void score_random(struct net *net, uint64_t seed, float *scores)
{
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		char name[LAYER_NAME_MAX + 16];
		snprintf(name, sizeof name, "%s/random-score", l->name);
		struct rng r;
		rng_seed(&r, rng_derive_seed(seed, name));
		float *s = scores + score_param_offset(net, l->w);
		for (size_t j = 0; j < l->w_len; j++)
			s[j] = (float)rng_uniform(&r);
	}
}

static enum eng_status score_snip(struct score_run *run, const struct data_split *ds,
				  float *scores)
{
	struct net *net = run->net;
	struct score_batch b;
	enum eng_status st = score_batch_make(run, ds, &b);
	if (st != ENG_STATUS_OK)
		return st;
	float *dz = malloc(2 * (size_t)b.n * (size_t)net->classes * sizeof *dz);
	if (!dz) {
		score_batch_done(&b);
		return eng_err_set(run->err, ENG_STATUS_ENOMEM, "out of memory");
	}
	score_batch_grad(net, &b, 1.0, dz);
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		size_t off = score_param_offset(net, l->w);
		for (size_t j = 0; j < l->w_len; j++)
			scores[off + j] = fabsf(net->params[off + j] * net->grads[off + j]);
	}
	score_step(run);
	free(dz);
	score_batch_done(&b);
	return ENG_STATUS_OK;
}

/* --- the entry point ------------------------------------------------------- */

static enum eng_status score_options_check(const struct score_options *opt,
					   struct eng_err *err)
{
	if ((int)opt->method < 0 || opt->method >= SCORE_METHOD_COUNT)
		return eng_err_set(err, ENG_STATUS_EINVAL, "unknown scoring method %d",
				   (int)opt->method);
	if (opt->method == SCORE_METHOD_GRASP &&
	    !(opt->grasp_temperature > 0.0 && isfinite(opt->grasp_temperature)))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "GraSP temperature must be positive, got %g",
				   opt->grasp_temperature);
	if (opt->method == SCORE_METHOD_SYNFLOW) {
		if (opt->synflow_iterations < 1 || opt->synflow_iterations > 100000)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "SynFlow iterations must be in 1..100000, got %d",
					   opt->synflow_iterations);
		if (!(opt->sparsity >= 0.0 && opt->sparsity < 1.0))
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "sparsity must be in [0, 1), got %g", opt->sparsity);
	}
	return ENG_STATUS_OK;
}

bool score_uses_sparsity(const struct score_options *opt)
{
	return opt->method == SCORE_METHOD_SYNFLOW && opt->synflow_iterations > 1;
}

enum eng_status score_compute(struct net *net, const struct data_split *data,
			      const struct score_options *opt, float *scores,
			      struct eng_err *err)
{
	enum eng_status st = score_options_check(opt, err);
	if (st != ENG_STATUS_OK)
		return st;
	if (score_prunable_count(net) == 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s has no conv or linear weights to score", net->name);
	struct score_run run = { .net = net, .opt = opt,
				 .method = score_method_name(opt->method), .err = err };
	memset(scores, 0, net->n_params * sizeof *scores);
	if (score_aborted(&run))
		return score_abort_status(&run);
	switch (opt->method) {
	case SCORE_METHOD_RANDOM:
		run.total = 1;
		score_random(net, opt->seed, scores);
		score_step(&run);
		return ENG_STATUS_OK;
	case SCORE_METHOD_MAGNITUDE:
		run.total = 1;
		for (int i = 0; i < net->n_layers; i++) {
			const struct layer *l = &net->layers[i];
			if (!score_layer_is_prunable(l))
				continue;
			size_t off = score_param_offset(net, l->w);
			for (size_t j = 0; j < l->w_len; j++)
				scores[off + j] = fabsf(l->w[j]);
		}
		score_step(&run);
		return ENG_STATUS_OK;
	default:
		break;
	}
	/* The rest change BN running statistics (train-mode forwards), and
	 * SynFlow the params themselves: keep copies and put them back.  SNIP
	 * and GraSP only read the params; copying them cost vgg16's SNIP a
	 * 59 MB allocation faulted in and two passes every call. */
	const bool keep_params = opt->method == SCORE_METHOD_SYNFLOW;
	float *params = keep_params ? malloc(net->n_params * sizeof(float)) : NULL;
	float *state = malloc((net->n_state ? net->n_state : 1) * sizeof(float));
	if ((keep_params && !params) || !state) {
		free(params);
		free(state);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	}
	if (keep_params)
		memcpy(params, net->params, net->n_params * sizeof(float));
	memcpy(state, net->state, net->n_state * sizeof(float));
	switch (opt->method) {
	case SCORE_METHOD_SNIP:
		run.total = 1;
		st = score_snip(&run, data, scores);
		break;
	case SCORE_METHOD_GRASP:
		run.total = 3;
		st = score_grasp(&run, data, scores);
		break;
	default:
		run.total = opt->sparsity > 0.0 ? opt->synflow_iterations : 1;
		st = score_synflow(&run, scores);
		break;
	}
	if (keep_params)
		memcpy(net->params, params, net->n_params * sizeof(float));
	memcpy(net->state, state, net->n_state * sizeof(float));
	free(params);
	free(state);
	return st;
}
