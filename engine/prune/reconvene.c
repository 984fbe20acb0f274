/* reconvene.c: PSE, selection, RLR, the composite model, saving, and plan
 * files (see reconvene.h and docs/reconvene.md).
 *
 * The heavy lifting is elsewhere: score.c scores and masks, groups.c finds
 * the channel groups, plan.c builds the smaller net.  This file decides
 * which groups shrink and by how much, and assembles the composite model
 * (rectified layers dense, the rest keeping their PaI mask).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "io/cfg.h"
#include "base/fileio.h"
#include "base/topk.h"
#include "measure/metrics.h"
#include "prune/reconvene.h"
#include "io/weights.h"

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
	o->synflow_iterations = 100;
	o->samples_per_class = 10;
}

void reconvene_score_options(const struct reconvene_options *o,
			     struct score_options *so)
{
	score_options_init(so);
	so->method = o->method;
	so->seed = o->seed;
	so->samples_per_class = o->samples_per_class;
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

enum eng_status reconvene_plan_auto(const struct net *net,
				    const struct group_set *gs,
				    const size_t *kept, const bool *resilient,
				    const struct reconvene_options *o,
				    struct prune_plan *plan, struct eng_err *err)
{
	if (plan_init(plan, gs) != ENG_STATUS_OK)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	for (int g = 0; g < gs->n_groups; g++) {
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
			const struct layer *l = &net->layers[mb->layer];
			int k = reconvene_keep_count(kept[mb->layer], l->w_len,
						     gr->channels, o->min_keep);
			if (k > keep)
				keep = k;
		}
		if (all)
			plan_set_keep(plan, g, keep);
	}
	return ENG_STATUS_OK;
}

void reconvene_importance_free(float **imp, int n_groups)
{
	if (!imp)
		return;
	for (int g = 0; g < n_groups; g++)
		free(imp[g]);
	free(imp);
}

enum eng_status reconvene_importance(const struct net *net,
				     const struct group_set *gs,
				     const float *scores, float ***out,
				     struct eng_err *err)
{
	*out = NULL;
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
		free(tmp);
		tmp = malloc((size_t)gr->channels * sizeof *tmp);
		if (!imp[g] || !tmp)
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
	plan_done(&r->plan);
	free(r->rows);
	memset(r, 0, sizeof *r);
}

/* Rectified layers and their consumers were re-initialised at a new
 * fan-in: their PaI mask belongs to weights that no longer exist, so they
 * train dense (RLR).  Sensitive layers keep the mask unless asked not to. */
static void reconvene_compose_mask(struct plan_result *r, bool all_dense)
{
	struct net *net = r->net;
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!l->w_len || !(all_dense || r->layer_reinit[i]))
			continue;
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
		.mode = PLAN_MODE_REINIT,
		.seed = o->seed,
		.min_keep = o->min_keep,
		.importance = importance,
		.mask = mask,
	};
	enum eng_status st = plan_apply(net, spec, gs, plan, &ao, out, err);
	if (st == ENG_STATUS_OK)
		reconvene_compose_mask(out, o->sensitive_dense);
	return st;
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
	}
	return ENG_STATUS_OK;
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
	st = reconvene_importance(net, &r.groups, r.pse.scores, &imp, err);
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

/* --- saving --------------------------------------------------------------- */

/* mkdir -p: create each missing component of dir. */
static enum eng_status reconvene_mkdirs(const char *dir, struct eng_err *err)
{
	size_t n = strlen(dir);
	if (n == 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "output directory is empty");
	char *p = malloc(n + 1);
	if (!p)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char save = p[i];
		p[i] = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			int e = errno;
			enum eng_status st = eng_err_set(err, fileio_errno_status(e),
				"%s: cannot create directory: %s", p, strerror(e));
			free(p);
			return st;
		}
		p[i] = save;
	}
	free(p);
	struct stat sb;
	if (stat(dir, &sb) != 0) {
		int e = errno;
		return eng_err_set(err, fileio_errno_status(e), "%s: %s", dir,
				   strerror(e));
	}
	if (!S_ISDIR(sb.st_mode))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: exists and is not a directory", dir);
	return ENG_STATUS_OK;
}

static enum eng_status reconvene_join(char *buf, size_t len, const char *dir,
				      const char *file, struct eng_err *err)
{
	size_t n = strlen(dir);
	const char *sep = n && dir[n - 1] == '/' ? "" : "/";
	int w = snprintf(buf, len, "%s%s%s", dir, sep, file);
	if (w < 0 || (size_t)w >= len)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: path too long", dir);
	return ENG_STATUS_OK;
}

static void reconvene_info_fill(const struct reconvene_options *o,
				const char *model, struct reconvene_plan_info *info)
{
	memset(info, 0, sizeof *info);
	snprintf(info->model, sizeof info->model, "%s", model);
	info->has_method = info->has_sparsity = info->has_seed = true;
	info->has_tau = info->has_k = true;
	info->method = o->method;
	info->sparsity = o->sparsity;
	info->seed = o->seed;
	info->tau = o->tau;
	info->k = o->k;
}

enum eng_status reconvene_save(const struct reconvene_result *r,
			       const struct reconvene_options *o,
			       const char *model, const char *dir,
			       struct eng_err *err)
{
	char path[4096];
	enum eng_status st = reconvene_mkdirs(dir, err);
	if (st != ENG_STATUS_OK)
		return st;

	if ((st = reconvene_join(path, sizeof path, dir, "model.cfg", err)) ||
	    (st = cfg_write_file(path, &r->spec, err)))
		return st;

	struct weights_meta meta = { 0 };
	char v[64];
	weights_meta_set(&meta, "model", model);
	weights_meta_set(&meta, "pruned_by", "reconvene");
	weights_meta_set(&meta, "method", score_method_name(o->method));
	snprintf(v, sizeof v, "%.15g", o->sparsity);
	weights_meta_set(&meta, "sparsity", v);
	snprintf(v, sizeof v, "%" PRIu64, o->seed);
	weights_meta_set(&meta, "seed", v);
	snprintf(v, sizeof v, "%.15g", o->tau);
	weights_meta_set(&meta, "tau", v);
	snprintf(v, sizeof v, "%d", o->k);
	weights_meta_set(&meta, "k", v);
	snprintf(v, sizeof v, "%d", o->min_keep);
	weights_meta_set(&meta, "min_keep", v);
	weights_meta_set(&meta, "sensitive", o->sensitive_dense ? "dense" : "masked");
	if ((st = reconvene_join(path, sizeof path, dir, "model.safetensors", err)) ||
	    (st = weights_save_masked(r->net, path, &meta, r->mask, err)))
		return st;

	struct reconvene_plan_info info;
	reconvene_info_fill(o, model, &info);
	if ((st = reconvene_join(path, sizeof path, dir, "plan.json", err)) ||
	    (st = reconvene_plan_write(path, &r->groups, &r->plan, &info, err)))
		return st;
	return ENG_STATUS_OK;
}

/* --- plan files ----------------------------------------------------------- */

struct reconvene_text {
	char *s;
};

static enum eng_status reconvene_text_put(int fd, void *user, const char *path,
					  struct eng_err *err)
{
	const struct reconvene_text *t = user;
	return fileio_write_all(fd, t->s, strlen(t->s), path, err);
}

enum eng_status reconvene_plan_write(const char *path,
				     const struct group_set *gs,
				     const struct prune_plan *plan,
				     const struct reconvene_plan_info *info,
				     struct eng_err *err)
{
	ENG_ASSERT(plan->n_groups == gs->n_groups);
	json_t *root = json_object();
	json_t *groups = json_object();
	int bad = !root || !groups;
	if (!bad) {
		bad |= json_object_set_new(root, "model", json_string(info->model));
		if (info->has_method)
			bad |= json_object_set_new(root, "method",
				json_string(score_method_name(info->method)));
		if (info->has_sparsity)
			bad |= json_object_set_new(root, "sparsity",
						   json_real(info->sparsity));
		if (info->has_seed)
			bad |= json_object_set_new(root, "seed",
						   json_integer((json_int_t)info->seed));
		if (info->has_tau)
			bad |= json_object_set_new(root, "tau", json_real(info->tau));
		if (info->has_k)
			bad |= json_object_set_new(root, "k", json_integer(info->k));
		for (int g = 0; g < gs->n_groups && !bad; g++)
			if (gs->groups[g].prunable)
				bad |= json_object_set_new(groups, gs->groups[g].name,
							   json_integer(plan->keep[g]));
		bad |= json_object_set(root, "groups", groups);
	}
	struct reconvene_text t = { NULL };
	if (!bad)
		t.s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					       JSON_REAL_PRECISION(15));
	json_decref(groups);
	json_decref(root);
	if (!t.s)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	size_t n = strlen(t.s);
	char *s = realloc(t.s, n + 2);
	if (!s) {
		free(t.s);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	}
	s[n] = '\n';
	s[n + 1] = '\0';
	t.s = s;
	enum eng_status st = fileio_write_atomic(path, reconvene_text_put, &t, err);
	free(t.s);
	return st;
}

/* A real or an integer as a double. */
static bool reconvene_json_number(const json_t *v, double *out)
{
	if (json_is_real(v))
		*out = json_real_value(v);
	else if (json_is_integer(v))
		*out = (double)json_integer_value(v);
	else
		return false;
	return true;
}

static const char *reconvene_json_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static enum eng_status reconvene_plan_info_read(const char *path, json_t *root,
						const struct net *net,
						struct reconvene_plan_info *info,
						struct eng_err *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(root, key, v) {
		if (strcmp(key, "model") == 0) {
			if (!json_is_string(v))
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: \"model\" must be a string, not %s",
					path, reconvene_json_type(v));
			if (strcmp(json_string_value(v), net->name) != 0)
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: plan is for model '%s', not '%s'", path,
					json_string_value(v), net->name);
			snprintf(info->model, sizeof info->model, "%s",
				 json_string_value(v));
		} else if (strcmp(key, "method") == 0) {
			if (!json_is_string(v) ||
			    !score_method_from_name(json_string_value(v), &info->method))
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: \"method\" must be one of random, "
					"magnitude, snip, grasp, synflow", path);
			info->has_method = true;
		} else if (strcmp(key, "sparsity") == 0) {
			if (!reconvene_json_number(v, &info->sparsity) ||
			    !(info->sparsity >= 0.0 && info->sparsity < 1.0))
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: \"sparsity\" must be a number in [0, 1)",
					path);
			info->has_sparsity = true;
		} else if (strcmp(key, "tau") == 0) {
			if (!reconvene_json_number(v, &info->tau) ||
			    !(info->tau >= 0.0 && info->tau <= 1.0))
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: \"tau\" must be a number in [0, 1]", path);
			info->has_tau = true;
		} else if (strcmp(key, "seed") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: \"seed\" must be a non-negative integer",
					path);
			info->seed = (uint64_t)json_integer_value(v);
			info->has_seed = true;
		} else if (strcmp(key, "k") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > INT_MAX)
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: \"k\" must be a non-negative integer",
					path);
			info->k = (int)json_integer_value(v);
			info->has_k = true;
		} else if (strcmp(key, "groups") != 0) {
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: unknown key \"%s\" (expected model, method, "
				"sparsity, seed, tau, k, groups)", path, key);
		}
	}
	if (!json_object_get(root, "model"))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: missing \"model\"", path);
	return ENG_STATUS_OK;
}

static enum eng_status reconvene_plan_groups_read(const char *path,
						  json_t *groups,
						  const struct group_set *gs,
						  int min_keep,
						  struct prune_plan *plan,
						  struct eng_err *err)
{
	if (!groups)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: missing \"groups\"", path);
	if (!json_is_object(groups))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: \"groups\" must be an object, not %s", path,
				   reconvene_json_type(groups));
	const char *name;
	json_t *v;
	json_object_foreach(groups, name, v) {
		int g = groups_find(gs, name);
		if (g < 0)
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: unknown group '%s' ('reconvene groups' lists "
				"the model's groups)", path, name);
		const struct group *gr = &gs->groups[g];
		if (!json_is_integer(v))
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: group '%s': keep must be an integer, not %s",
				path, name, reconvene_json_type(v));
		json_int_t keep = json_integer_value(v);
		if (keep > gr->channels)
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: group '%s' keeps %" JSON_INTEGER_FORMAT
				" channels but has only %d", path, name, keep,
				gr->channels);
		if (keep < 1)
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: group '%s' keeps %" JSON_INTEGER_FORMAT
				" channels; at least 1 must stay", path, name, keep);
		if (keep != gr->channels && !gr->prunable)
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: group '%s' cannot be pruned (%s)", path, name,
				groups_fixed_name(gr->fixed));
		if (keep != gr->channels && keep < min_keep)
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: group '%s' keeps %" JSON_INTEGER_FORMAT
				" of %d channels; at least %d must stay (collapse guard)",
				path, name, keep, gr->channels, min_keep);
		plan_set_keep(plan, g, (int)keep);
	}
	struct eng_err e2;
	if (plan_validate(gs, plan, min_keep, &e2) != ENG_STATUS_OK) {
		const char *m = e2.msg;
		if (strncmp(m, "plan: ", 6) == 0)
			m += 6;
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s", path, m);
	}
	return ENG_STATUS_OK;
}

enum eng_status reconvene_plan_read(const char *path, const struct net *net,
				    const struct group_set *gs, int min_keep,
				    struct prune_plan *plan,
				    struct reconvene_plan_info *info,
				    struct eng_err *err)
{
	struct reconvene_plan_info tmp;
	if (!info)
		info = &tmp;
	memset(info, 0, sizeof *info);
	memset(plan, 0, sizeof *plan);
	if (min_keep <= 0)
		min_keep = PLAN_MIN_KEEP_DEFAULT;
	if (plan_init(plan, gs) != ENG_STATUS_OK)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		return eng_err_set(err, fileio_errno_status(e), "%s: %s", path,
				   strerror(e));
	}
	json_error_t je;
	json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	int read_err = ferror(f);
	fclose(f);
	if (!root) {
		if (read_err)
			return eng_err_set(err, ENG_STATUS_EIO, "%s: read error", path);
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s:%d:%d: %s", path,
				   je.line, je.column, je.text);
	}
	enum eng_status st;
	if (!json_is_object(root)) {
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: a plan must be a JSON object, not %s", path,
				 reconvene_json_type(root));
	} else {
		st = reconvene_plan_info_read(path, root, net, info, err);
		if (st == ENG_STATUS_OK)
			st = reconvene_plan_groups_read(path,
				json_object_get(root, "groups"), gs, min_keep, plan,
				err);
	}
	json_decref(root);
	return st;
}
