/* reconvene.c: PSE, selection, RLR and the composite model (see
 * reconvene.h and docs/reconvene.md).  Saving a result is
 * output/bundle.c; plan files are prune/plan_file.c.
 *
 * The heavy lifting is elsewhere: score/ scores and masks, groups.c finds
 * the channel groups, plan.c builds the smaller net.  This file decides
 * which groups shrink and by how much, and assembles the composite model
 * (rectified layers dense, the rest keeping their PaI mask).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/rng.h"
#include "base/topk.h"
#include "measure/metrics.h"
#include "base/numparse.h"
#include "prune/reconvene.h"

static double reconvene_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void reconvene_options_init(struct reconvene_options *o)
{
	memset(o, 0, sizeof *o);
	o->method = RECONVENE_METHOD_DEFAULT;
	o->sparsity = RECONVENE_SPARSITY_DEFAULT;
	o->seed = 1;
	o->tau = RECONVENE_TAU_DEFAULT;
	o->k = 0;
	o->min_keep = PLAN_MIN_KEEP_DEFAULT;
	/* Issue 18's sweeps: on VGG-16 the density rule collapses the chain
	 * of rectified layers (-2.5 and -34 points against UPaI at s = 0.97
	 * and 0.99), sqrt keeps UPaI's accuracy at fewer bytes; on ResNet-20
	 * the two give the same plan (docs/reconvene.md). */
	o->width = RECONVENE_WIDTH_SQRT;
	o->synflow_iterations = 100;
	o->samples_per_class = 10;
}

static const char *const reconvene_width_names[] = {
	[RECONVENE_WIDTH_DENSITY] = "density",
	[RECONVENE_WIDTH_NNZ] = "nnz",
	[RECONVENE_WIDTH_SQRT] = "sqrt",
	[RECONVENE_WIDTH_BUDGET] = "budget",
};

const char *reconvene_width_name(int width)
{
	int n = (int)(sizeof reconvene_width_names / sizeof reconvene_width_names[0]);
	return width >= 0 && width < n ? reconvene_width_names[width] : NULL;
}

int reconvene_width_from_name(const char *name)
{
	for (int w = 0; reconvene_width_name(w); w++)
		if (strcmp(name, reconvene_width_name(w)) == 0)
			return w;
	return -1;
}

static const char *const reconvene_channels_names[] = {
	[RECONVENE_CHANNELS_SCORE] = "score",
	[RECONVENE_CHANNELS_RANDOM] = "random",
};

const char *reconvene_channels_name(int channels)
{
	int n = (int)(sizeof reconvene_channels_names / sizeof reconvene_channels_names[0]);
	return channels >= 0 && channels < n ? reconvene_channels_names[channels] : NULL;
}

int reconvene_channels_from_name(const char *name)
{
	for (int c = 0; reconvene_channels_name(c); c++)
		if (strcmp(name, reconvene_channels_name(c)) == 0)
			return c;
	return -1;
}

void reconvene_score_options(const struct reconvene_options *o,
			     struct score_options *so)
{
	score_options_init(so);
	so->method = o->method;
	so->seed = o->seed;
	so->samples_per_class = o->samples_per_class;
	so->batch_index = o->batch_index;
	so->synflow_iterations = o->synflow_iterations;
	so->sparsity = o->sparsity;
	so->progress = o->progress;
	so->progress_user = o->progress_user;
	so->abort = o->abort;
}

enum eng_status reconvene_options_check(const struct reconvene_options *o,
					struct eng_err *err)
{
	if (!score_method_name(o->method))
		return eng_err_set(err, ENG_STATUS_EINVAL, "unknown scoring method %d",
				   (int)o->method);
	if (!(o->sparsity >= 0.0 && o->sparsity < 1.0))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "sparsity %g is not in [0, 1)", o->sparsity);
	if (!(o->tau >= 0.0 && o->tau <= 1.0))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "tau %g is not in [0, 1]", o->tau);
	if (o->k < 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "k %d is negative", o->k);
	if (o->min_keep < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "minimum channels per group %d is below 1",
				   o->min_keep);
	if (o->align == RECONVENE_ALIGN_AUTO && !o->align_width)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "align auto needs measured widths, which only "
				   "'reconvene prune' and 'reconvene bench' take so far");
	if ((o->align < 0 && o->align != RECONVENE_ALIGN_AUTO) || o->align > RECONVENE_ALIGN_MAX)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "channel alignment %d is not in 0..%d", o->align,
				   RECONVENE_ALIGN_MAX);
	if (o->synflow_iterations < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "synflow iterations %d is below 1",
				   o->synflow_iterations);
	if (o->samples_per_class < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "samples per class %d is below 1",
				   o->samples_per_class);
	return ENG_STATUS_OK;
}

enum eng_status reconvene_option_set(struct reconvene_options *o, const char *name,
				     const char *value, struct eng_err *err)
{
	long lv;
	double v;
	bool b;
	if (strcmp(name, "method") == 0) {
		if (!score_method_from_name(value, &o->method))
			return eng_err_set(err, ENG_STATUS_EINVAL, "method: one of random, magnitude, snip, grasp, synflow, not '%s'", value);
	} else if (strcmp(name, "sparsity") == 0) {
		if (numparse_double(value, 0.0, 1.0, &v) || v >= 1.0)
			return eng_err_set(err, ENG_STATUS_EINVAL, "sparsity: a number in [0, 1), not '%s'", value);
		o->sparsity = v;
	} else if (strcmp(name, "seed") == 0) {
		if (numparse_long(value, 0, 0x7fffffffffffffffL, &lv))
			return eng_err_set(err, ENG_STATUS_EINVAL, "seed: a whole number >= 0, not '%s'", value);
		o->seed = (uint64_t)lv;
	} else if (strcmp(name, "tau") == 0) {
		if (numparse_double(value, 0.0, 1.0, &v))
			return eng_err_set(err, ENG_STATUS_EINVAL, "tau: a number in [0, 1], not '%s'", value);
		o->tau = v;
	} else if (strcmp(name, "k") == 0) {
		if (numparse_long(value, 1, 100000, &lv))
			return eng_err_set(err, ENG_STATUS_EINVAL, "k: a whole number in 1..100000, not '%s'", value);
		o->k = (int)lv;
	} else if (strcmp(name, "iterations") == 0) {
		if (numparse_long(value, 1, 100000, &lv))
			return eng_err_set(err, ENG_STATUS_EINVAL, "iterations: a whole number in 1..100000, not '%s'", value);
		o->synflow_iterations = (int)lv;
	} else if (strcmp(name, "min-channels") == 0) {
		if (numparse_long(value, 1, 1000000, &lv))
			return eng_err_set(err, ENG_STATUS_EINVAL, "min-channels: a whole number in 1..1000000, not '%s'", value);
		o->min_keep = (int)lv;
	} else if (strcmp(name, "align") == 0) {
		if (strcmp(value, "auto") == 0) {
			o->align = RECONVENE_ALIGN_AUTO;
			return ENG_STATUS_OK;
		}
		if (numparse_long(value, 1, RECONVENE_ALIGN_MAX, &lv))
			return eng_err_set(err, ENG_STATUS_EINVAL, "align: auto or a whole number in 1..%d (1: off), not '%s'", RECONVENE_ALIGN_MAX, value);
		o->align = lv > 1 ? (int)lv : 0;
	} else if (strcmp(name, "width") == 0) {
		int wv = reconvene_width_from_name(value);
		if (wv >= 0)
			o->width = (enum reconvene_width)wv;
		else
			return eng_err_set(err, ENG_STATUS_EINVAL, "width: density, nnz, sqrt or budget, not '%s'", value);
	} else if (strcmp(name, "channels") == 0) {
		int cv = reconvene_channels_from_name(value);
		if (cv >= 0)
			o->channels = (enum reconvene_channels)cv;
		else
			return eng_err_set(err, ENG_STATUS_EINVAL, "channels: score or random, not '%s'", value);
	} else if (strcmp(name, "residual") == 0 || strcmp(name, "dense-sensitive") == 0 ||
		   strcmp(name, "keep-init") == 0) {
		if (numparse_bool(value, &b))
			return eng_err_set(err, ENG_STATUS_EINVAL, "%s: yes or no, not '%s'", name, value);
		if (name[0] == 'r')
			o->include_residual = b;
		else if (name[0] == 'd')
			o->sensitive_dense = b;
		else
			o->keep_init = b;
	} else {
		return eng_err_set(err, ENG_STATUS_EINVAL, "unknown Reconvene option '%s' (expected "
				   "method, sparsity, seed, tau, k, iterations, min-channels, "
				   "align, width, channels, residual, dense-sensitive, keep-init)",
				   name);
	}
	return ENG_STATUS_OK;
}

/* --- step 1: PSE ---------------------------------------------------------- */

void reconvene_pse_done(struct reconvene_pse *p)
{
	free(p->scores);
	free(p->mask);
	free(p->density);
	free(p->kept);
	memset(p, 0, sizeof *p);
}

enum eng_status reconvene_pse_run(struct net *net, const struct data_split *data,
				  const struct reconvene_options *o,
				  struct reconvene_pse *out, struct eng_err *err)
{
	memset(out, 0, sizeof *out);
	enum eng_status st = reconvene_options_check(o, err);
	if (st != ENG_STATUS_OK)
		return st;
	double t0 = reconvene_now();
	struct reconvene_pse p = { .n_params = net->n_params,
				   .n_layers = net->n_layers };
	size_t np = net->n_params ? net->n_params : 1;
	size_t nl = net->n_layers ? (size_t)net->n_layers : 1;
	p.scores = malloc(np * sizeof *p.scores);
	p.mask = malloc(np);
	p.density = malloc(nl * sizeof *p.density);
	p.kept = malloc(nl * sizeof *p.kept);
	if (!p.scores || !p.mask || !p.density || !p.kept) {
		reconvene_pse_done(&p);
		return eng_err_set(err, ENG_STATUS_ENOMEM,
				   "out of memory for the scores of %zu parameters",
				   net->n_params);
	}
	struct score_options so;
	reconvene_score_options(o, &so);
	st = score_compute(net, data, &so, p.scores, err);
	if (st == ENG_STATUS_OK)
		st = score_mask_global(net, p.scores, o->sparsity, p.mask, err);
	if (st != ENG_STATUS_OK) {
		reconvene_pse_done(&p);
		return st;
	}
	score_layer_density(net, p.mask, p.density);
	metrics_layer_nnz(net, p.mask, p.kept);
	p.seconds = reconvene_now() - t0;
	*out = p;
	return ENG_STATUS_OK;
}

/* --- step 2: selection ---------------------------------------------------- */

static int reconvene_first_conv(const struct net *net)
{
	for (int i = 0; i < net->n_layers; i++)
		if (net->layers[i].kind == LAYER_KIND_CONV)
			return i;
	return -1;
}

bool reconvene_layer_eligible(const struct net *net, const struct group_set *gs,
			      int layer, bool include_residual)
{
	const struct layer *l = &net->layers[layer];
	/* A depthwise conv follows its producer's group, and a grouped conv's
	 * groups are fixed, so only ordinary convs decide. */
	if (l->kind != LAYER_KIND_CONV || l->conf.groups != 1 || l->w_len == 0)
		return false;
	/* The first conv sees the raw image: every later layer depends on its
	 * few channels, and the paper never rectifies it. */
	if (layer == reconvene_first_conv(net))
		return false;
	int g = gs->layer_out[layer];
	if (g < 0 || !gs->groups[g].prunable)
		return false;
	return include_residual || !gs->groups[g].residual;
}

void reconvene_select(const struct net *net, const struct group_set *gs,
		      const double *density, const struct reconvene_options *o,
		      bool *resilient)
{
	int n = 0;
	for (int i = 0; i < net->n_layers; i++) {
		resilient[i] = false;
		if (density[i] >= 0.0 &&
		    reconvene_layer_eligible(net, gs, i, o->include_residual))
			n++;
	}
	if (o->k <= 0) {
		for (int i = 0; i < net->n_layers; i++)
			resilient[i] = density[i] >= 0.0 && density[i] <= o->tau &&
				reconvene_layer_eligible(net, gs, i,
							 o->include_residual);
		return;
	}
	if (n == 0)
		return;
	/* k sparsest = the k largest negated densities over the eligible
	 * layers (ties to the earlier layer); the arrays are tiny (<= layers),
	 * so a failed malloc just selects none. */
	double *neg = malloc((size_t)n * sizeof *neg);
	int *layer = malloc((size_t)n * sizeof *layer);
	unsigned char *kept = malloc((size_t)n);
	if (neg && layer && kept) {
		int m = 0;
		for (int i = 0; i < net->n_layers; i++) {
			if (density[i] >= 0.0 &&
			    reconvene_layer_eligible(net, gs, i, o->include_residual)) {
				neg[m] = -density[i];
				layer[m++] = i;
			}
		}
		topk_mark_f64(neg, (size_t)m, (size_t)o->k, kept);
		for (int j = 0; j < m; j++)
			resilient[layer[j]] = kept[j];
	}
	free(neg);
	free(layer);
	free(kept);
}

int reconvene_keep_count(size_t kept, size_t weights, int channels, int min_keep)
{
	if (weights == 0 || channels <= 0)
		return channels;
	uint64_t num = (uint64_t)kept * (uint64_t)channels;
	uint64_t keep = (num + weights - 1) / weights;
	if (min_keep < 1)
		min_keep = PLAN_MIN_KEEP_DEFAULT;
	if (keep < (uint64_t)min_keep)
		keep = (uint64_t)min_keep;
	if (keep > (uint64_t)channels)
		keep = (uint64_t)channels;
	return (int)keep;
}

int reconvene_keep_count_sqrt(size_t kept, size_t weights, int channels, int min_keep)
{
	if (weights == 0 || channels <= 0)
		return channels;
	if (min_keep < 1)
		min_keep = PLAN_MIN_KEEP_DEFAULT;
	/* the least k with k^2 x weights >= kept x c^2; 128-bit products, as
	 * kept x c^2 overflows 64 bits for wide layers */
	unsigned __int128 want = (unsigned __int128)kept * (unsigned __int128)channels *
				 (unsigned __int128)channels;
	int k = 0;
	while (k < channels &&
	       (unsigned __int128)k * (unsigned __int128)k * weights < want)
		k++;
	if (k < min_keep)
		k = min_keep;
	return k > channels ? channels : k;
}

int reconvene_align_keep(int keep, int channels, int align)
{
	if (align > 1 && keep % align)
		keep += align - keep % align;
	return keep > channels ? channels : keep;
}

/* Weights of producer `layer` for `channels` outputs, as the width rule
 * counts them: all its weights (density), or its weights per output
 * channel at the input width the plan leaves, times channels (nnz). */
static size_t reconvene_rule_weights(const struct net *net, const struct group_set *gs,
				     const struct prune_plan *plan, int layer, int channels,
				     enum reconvene_width width)
{
	const struct layer *l = &net->layers[layer];
	if (width != RECONVENE_WIDTH_NNZ || l->out.c <= 0 || l->in.c <= 0)
		return l->w_len;
	size_t per_out = l->w_len / (size_t)l->out.c;
	int gi = gs->layer_in[layer];
	if (gi < 0)
		return per_out * (size_t)channels;
	size_t in_after = (size_t)plan->keep[gi] * (size_t)gs->layer_in_factor[layer];
	if (in_after >= (size_t)l->in.c)
		return per_out * (size_t)channels;
	/* per_out = (in / groups) x kh x kw; only groups = 1 convs are
	 * eligible, so in_after / in scales it exactly up to rounding up. */
	size_t scaled = (per_out * in_after + (size_t)l->in.c - 1) / (size_t)l->in.c;
	return (scaled ? scaled : 1) * (size_t)channels;
}

/* Whether the plan (decided so far) shrinks layer's input group. */
static bool reconvene_input_shrunk(const struct group_set *gs,
				   const struct prune_plan *plan, int layer)
{
	int gi = gs->layer_in[layer];
	return gi >= 0 && plan->keep[gi] < gs->groups[gi].channels;
}

static int reconvene_first_producer(const struct group *gr)
{
	int first = -1;
	for (int m = 0; m < gr->n_members; m++)
		if (gr->members[m].role == GROUP_ROLE_PRODUCER &&
		    (first < 0 || gr->members[m].layer < first))
			first = gr->members[m].layer;
	return first;
}

enum eng_status reconvene_plan_auto(const struct net *net,
				    const struct group_set *gs,
				    const size_t *kept, const bool *resilient,
				    const struct reconvene_options *o,
				    struct prune_plan *plan, struct eng_err *err)
{
	if (plan_init(plan, gs) != ENG_STATUS_OK)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	/* Groups in the order of their first producer, so that the nnz and
	 * sqrt rules see every producer's input group decided (a net is a DAG in layer
	 * order).  Selection sort: a net has tens of groups. */
	int ng = gs->n_groups;
	int *order = malloc((ng ? (size_t)ng : 1) * sizeof *order);
	if (!order) {
		plan_done(plan);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	}
	for (int g = 0; g < ng; g++)
		order[g] = g;
	for (int a = 0; a < ng; a++)
		for (int b = a + 1; b < ng; b++)
			if (reconvene_first_producer(&gs->groups[order[b]]) <
			    reconvene_first_producer(&gs->groups[order[a]])) {
				int t = order[a];
				order[a] = order[b];
				order[b] = t;
			}
	enum eng_status st = ENG_STATUS_OK;
	for (int oi = 0; oi < ng; oi++) {
		int g = order[oi];
		const struct group *gr = &gs->groups[g];
		if (!gr->prunable || gr->n_producers == 0)
			continue;
		bool all = true;
		int keep = 0;
		for (int m = 0; m < gr->n_members && all; m++) {
			const struct group_member *mb = &gr->members[m];
			if (mb->role != GROUP_ROLE_PRODUCER)
				continue;
			if (!resilient[mb->layer]) {
				all = false;
				break;
			}
			int k;
			if (o->width == RECONVENE_WIDTH_SQRT &&
			    reconvene_input_shrunk(gs, plan, mb->layer))
				k = reconvene_keep_count_sqrt(kept[mb->layer],
							      net->layers[mb->layer].w_len,
							      gr->channels, o->min_keep);
			else
				k = reconvene_keep_count(kept[mb->layer],
							 reconvene_rule_weights(net, gs, plan, mb->layer,
										gr->channels, o->width),
							 gr->channels, o->min_keep);
			if (k > keep)
				keep = k;
		}
		if (!all)
			continue;
		if (o->align == RECONVENE_ALIGN_AUTO) {
			if (!o->align_width) {
				st = eng_err_set(err, ENG_STATUS_EINVAL,
						 "align auto: no width measurer");
				break;
			}
			int w = o->align_width(o->align_user, net, gs, g, keep, err);
			if (w < 0) {
				st = ENG_STATUS_EIO;
				break;
			}
			keep = w < keep ? keep : w > gr->channels ? gr->channels : w;
		} else {
			keep = reconvene_align_keep(keep, gr->channels, o->align);
		}
		plan_set_keep(plan, g, keep);
	}
	free(order);
	if (st != ENG_STATUS_OK)
		plan_done(plan);
	return st;
}

void reconvene_importance_free(float **imp, int n_groups)
{
	if (!imp)
		return;
	for (int g = 0; g < n_groups; g++)
		free(imp[g]);
	free(imp);
}

/* Uniform random importance for group gr, seeded by seed and the group's
 * name (not the layer init's stream: that one is seeded by layer names). */
static void reconvene_random_importance(const struct group *gr, uint64_t seed,
					float *imp)
{
	char label[LAYER_NAME_MAX + 16];
	snprintf(label, sizeof label, "channels:%s", gr->name);
	struct rng rng;
	rng_seed(&rng, rng_derive_seed(seed, label));
	for (int c = 0; c < gr->channels; c++)
		imp[c] = rng_uniform(&rng);
}

enum eng_status reconvene_importance(const struct net *net,
				     const struct group_set *gs,
				     const float *scores,
				     const struct reconvene_options *o,
				     float ***out, struct eng_err *err)
{
	*out = NULL;
	bool random = o && o->channels == RECONVENE_CHANNELS_RANDOM;
	int ng = gs->n_groups;
	float **imp = calloc(ng ? (size_t)ng : 1, sizeof *imp);
	float *tmp = NULL;
	if (!imp)
		goto oom;
	for (int g = 0; g < ng; g++) {
		const struct group *gr = &gs->groups[g];
		if (!gr->prunable || gr->n_producers == 0)
			continue;
		imp[g] = calloc((size_t)gr->channels, sizeof *imp[g]);
		if (!imp[g])
			goto oom;
		if (random) {
			reconvene_random_importance(gr, o->seed, imp[g]);
			continue;
		}
		free(tmp);
		tmp = malloc((size_t)gr->channels * sizeof *tmp);
		if (!tmp)
			goto oom;
		for (int m = 0; m < gr->n_members; m++) {
			const struct group_member *mb = &gr->members[m];
			if (mb->role != GROUP_ROLE_PRODUCER ||
			    net->layers[mb->layer].out.c != gr->channels)
				continue;
			int n = score_channel_scores(net, scores, mb->layer, tmp);
			for (int c = 0; c < n; c++)
				imp[g][c] += tmp[c];
		}
	}
	free(tmp);
	*out = imp;
	return ENG_STATUS_OK;
oom:
	free(tmp);
	reconvene_importance_free(imp, ng);
	return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
}

/* --- the whole algorithm -------------------------------------------------- */

void reconvene_result_done(struct reconvene_result *r)
{
	reconvene_pse_done(&r->pse);
	groups_done(&r->groups);
	free(r->resilient);
	net_spec_done(&r->spec);
	net_free(r->net);
	free(r->mask);
	free(r->param_src);
	free(r->layer_reinit);
	free(r->layer_dense);
	plan_done(&r->plan);
	free(r->rows);
	memset(r, 0, sizeof *r);
}

/* The members of a changed group were re-initialised at a new fan-in
 * (RLR), or cut to their kept channels (keep_init): their PaI mask belongs
 * to weights that no longer exist, so they train dense.  Sensitive layers
 * keep the mask unless asked not to.  The one place that decides which
 * layers are dense: r->layer_dense (net->n_layers, filled here) is what
 * the rows (prune's table, report.json) read back. */
static void reconvene_compose_mask(const struct group_set *gs,
				   struct plan_result *r, bool all_dense)
{
	struct net *net = r->net;
	bool *dense = r->layer_dense;
	plan_layers_touched(gs, &r->plan, net->n_layers, dense);
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!l->w_len)
			continue;
		dense[i] = dense[i] || all_dense;
		if (dense[i])
			memset(r->mask + (l->w - net->params), 1, l->w_len);
	}
	for (size_t j = 0; j < net->n_params; j++)
		if (!r->mask[j])
			net->params[j] = 0.0f;
}

enum eng_status reconvene_apply(const struct net *net, const struct net_spec *spec,
				const struct group_set *gs, const struct prune_plan *plan,
				const struct reconvene_options *o,
				const float *const *importance, const uint8_t *mask,
				struct plan_result *out, struct eng_err *err)
{
	ENG_ASSERT(mask != NULL);
	struct plan_apply_options ao = {
		.mode = o->keep_init ? PLAN_MODE_KEEP : PLAN_MODE_REINIT,
		.seed = o->seed,
		.min_keep = o->min_keep,
		.importance = importance,
		.mask = mask,
	};
	enum eng_status st = plan_apply(net, spec, gs, plan, &ao, out, err);
	if (st != ENG_STATUS_OK)
		return st;
	out->layer_dense = calloc(out->net->n_layers ? (size_t)out->net->n_layers : 1,
				  sizeof *out->layer_dense);
	if (!out->layer_dense) {
		plan_result_done(out);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	}
	reconvene_compose_mask(gs, out, o->sensitive_dense);
	return ENG_STATUS_OK;
}

static enum eng_status reconvene_rows_fill(const struct net *src,
					   struct reconvene_result *r)
{
	int n = 0;
	for (int i = 0; i < src->n_layers; i++)
		n += score_layer_is_prunable(&src->layers[i]);
	r->rows = calloc(n ? (size_t)n : 1, sizeof *r->rows);
	if (!r->rows)
		return ENG_STATUS_ENOMEM;
	for (int i = 0; i < src->n_layers; i++) {
		const struct layer *l = &src->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		struct reconvene_row *row = &r->rows[r->n_rows++];
		row->layer = i;
		snprintf(row->name, sizeof row->name, "%s", l->name);
		row->weights = l->w_len;
		row->kept = r->pse.kept[i];
		row->density = r->pse.density[i];
		row->resilient = r->resilient[i];
		row->channels_before = l->out.c;
		row->channels_after = r->net->layers[i].out.c;
		row->rectified = row->channels_after < row->channels_before;
		row->reinit = r->layer_reinit[i];
		row->dense = r->layer_dense[i];
	}
	return ENG_STATUS_OK;
}

/* Stored bytes of the composite model a plan gives (reconvene_apply, then
 * metrics), or 0 with err set. */
static enum eng_status reconvene_plan_bytes(const struct net *net, const struct net_spec *spec,
					    const struct group_set *gs,
					    const struct prune_plan *plan,
					    const struct reconvene_options *o,
					    const float *const *imp, const uint8_t *mask,
					    uint64_t *bytes, struct eng_err *err)
{
	struct plan_result pr;
	enum eng_status st = reconvene_apply(net, spec, gs, plan, o, imp, mask, &pr, err);
	if (st != ENG_STATUS_OK)
		return st;
	struct metrics m;
	metrics_compute(pr.net, pr.mask, &m, NULL);
	*bytes = m.storage_bytes;
	plan_result_done(&pr);
	return ENG_STATUS_OK;
}

/* base with every changed group raised to at least `floor` channels, at
 * most all but one (a group that kept all would go back to masked). */
static void reconvene_plan_floor(const struct group_set *gs, const struct prune_plan *base,
				 int floor, struct prune_plan *out)
{
	for (int g = 0; g < gs->n_groups; g++) {
		int c = gs->groups[g].channels;
		int k = base->keep[g];
		if (k < c) {
			int fl = floor > c - 1 ? c - 1 : floor;
			if (fl > k)
				k = fl;
		}
		plan_set_keep(out, g, k);
	}
}

/* Width budget (see RECONVENE_WIDTH_BUDGET): *plan holds the density
 * counts on entry.  First the highest common channel floor that fits
 * (bisection: bytes grow with the floor, every floored group's members
 * being dense), then level by level from the narrowest changed groups
 * up, each given one more channel while that still fits. */
static enum eng_status reconvene_plan_budget(const struct net *net, const struct net_spec *spec,
					     const struct group_set *gs,
					     const struct reconvene_options *o,
					     const float *const *imp, const uint8_t *mask,
					     struct prune_plan *plan, struct eng_err *err)
{
	struct metrics upai;
	metrics_compute(net, mask, &upai, NULL);
	struct prune_plan trial = { 0 };
	if (plan_copy(&trial, plan) != ENG_STATUS_OK)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	uint64_t bytes = 0;
	enum eng_status st = reconvene_plan_bytes(net, spec, gs, plan, o, imp, mask, &bytes, err);
	if (st != ENG_STATUS_OK || bytes > upai.storage_bytes)
		goto out;
	int lo = 1, hi = 1;
	for (int g = 0; g < gs->n_groups; g++)
		if (plan->keep[g] < gs->groups[g].channels && gs->groups[g].channels > hi)
			hi = gs->groups[g].channels;
	while (st == ENG_STATUS_OK && hi - lo > 1) {
		int mid = lo + (hi - lo) / 2;
		reconvene_plan_floor(gs, plan, mid, &trial);
		st = reconvene_plan_bytes(net, spec, gs, &trial, o, imp, mask, &bytes, err);
		if (st == ENG_STATUS_OK && bytes <= upai.storage_bytes)
			lo = mid;
		else
			hi = mid;
	}
	if (st != ENG_STATUS_OK)
		goto out;
	reconvene_plan_floor(gs, plan, lo, &trial);
	for (int g = 0; g < gs->n_groups; g++)
		plan_set_keep(plan, g, trial.keep[g]);
	/* Then fill level by level, narrowest first (ties: the earlier
	 * group): every group at the current width gets one more channel if
	 * that still fits; stop at the first level where none fits. */
	for (int width = lo; st == ENG_STATUS_OK; width++) {
		bool tried = false, grew = false, above = false;
		for (int g = 0; st == ENG_STATUS_OK && g < gs->n_groups; g++) {
			int c = gs->groups[g].channels;
			if (plan->keep[g] >= c - 1)
				continue;
			above |= plan->keep[g] > width;
			if (plan->keep[g] != width)
				continue;
			tried = true;
			plan_set_keep(&trial, g, width + 1);
			st = reconvene_plan_bytes(net, spec, gs, &trial, o, imp, mask, &bytes, err);
			if (st == ENG_STATUS_OK && bytes <= upai.storage_bytes) {
				plan_set_keep(plan, g, width + 1);
				grew = true;
			} else {
				plan_set_keep(&trial, g, width);
			}
		}
		if ((tried && !grew) || (!tried && !above))
			break;
	}
out:
	plan_done(&trial);
	return st;
}

enum eng_status reconvene_run(struct net *net, const struct net_spec *spec,
			      const struct data_split *data,
			      const struct reconvene_options *o,
			      const struct prune_plan *plan,
			      struct reconvene_result *out, struct eng_err *err)
{
	struct reconvene_result r;
	memset(&r, 0, sizeof r);
	memset(out, 0, sizeof *out);
	float **imp = NULL;
	double t0 = reconvene_now();
	enum eng_status st = reconvene_pse_run(net, data, o, &r.pse, err);
	if (st != ENG_STATUS_OK)
		return st;
	double t1 = reconvene_now();
	st = groups_build(net, &r.groups, err);
	if (st != ENG_STATUS_OK)
		goto fail;
	r.resilient = calloc(net->n_layers ? (size_t)net->n_layers : 1,
			     sizeof *r.resilient);
	if (!r.resilient) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		goto fail;
	}
	reconvene_select(net, &r.groups, r.pse.density, o, r.resilient);
	struct prune_plan chosen = { 0 };
	if (plan) {
		if (plan->n_groups != r.groups.n_groups) {
			st = eng_err_set(err, ENG_STATUS_EINVAL,
					 "plan: has %d groups, the model has %d",
					 plan->n_groups, r.groups.n_groups);
			goto fail;
		}
		if (plan_copy(&chosen, plan) != ENG_STATUS_OK) {
			st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
			goto fail;
		}
	} else {
		st = reconvene_plan_auto(net, &r.groups, r.pse.kept, r.resilient,
					 o, &chosen, err);
		if (st != ENG_STATUS_OK) {
			plan_done(&chosen);
			goto fail;
		}
	}
	st = reconvene_importance(net, &r.groups, r.pse.scores, o, &imp, err);
	if (st == ENG_STATUS_OK && !plan && o->width == RECONVENE_WIDTH_BUDGET)
		st = reconvene_plan_budget(net, spec, &r.groups, o, (const float *const *)imp,
					   r.pse.mask, &chosen, err);
	if (st != ENG_STATUS_OK) {
		plan_done(&chosen);
		goto fail;
	}
	double t2 = reconvene_now();
	struct plan_result pr;
	st = reconvene_apply(net, spec, &r.groups, &chosen, o,
			     (const float *const *)imp, r.pse.mask, &pr, err);
	plan_done(&chosen);
	reconvene_importance_free(imp, r.groups.n_groups);
	imp = NULL;
	if (st != ENG_STATUS_OK)
		goto fail;
	/* take ownership of the plan result's pieces */
	r.spec = pr.spec;
	r.net = pr.net;
	r.mask = pr.mask;
	r.param_src = pr.param_src;
	r.layer_reinit = pr.layer_reinit;
	r.layer_dense = pr.layer_dense;
	r.plan = pr.plan;
	r.n_changed = pr.n_changed;
	if (reconvene_rows_fill(net, &r) != ENG_STATUS_OK) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		goto fail;
	}
	double t3 = reconvene_now();
	r.seconds_score = t1 - t0;
	r.seconds_plan = t2 - t1;
	r.seconds_apply = t3 - t2;
	r.seconds_total = t3 - t0;
	*out = r;
	return ENG_STATUS_OK;
fail:
	reconvene_importance_free(imp, r.groups.n_groups);
	reconvene_result_done(&r);
	return st;
}
