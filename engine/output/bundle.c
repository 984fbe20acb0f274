/* bundle.c: a pruned bundle on disk: writing it (model.cfg,
 * model.safetensors with masks, model.onnx, plan.json) and checking that what was
 * written reproduces the pruned net.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/rng.h"
#include "io/cfg.h"
#include "io/onnx_export.h"
#include "io/weights.h"
#include "output/bundle.h"
#include "prune/groups.h"
#include "prune/plan.h"
#include "prune/plan_file.h"

/* --- saving --------------------------------------------------------------- */

static enum eng_status bundle_path_join(char *buf, size_t len, const char *dir,
				      const char *file, struct eng_err *err)
{
	size_t n = strlen(dir);
	const char *sep = n && dir[n - 1] == '/' ? "" : "/";
	int w = snprintf(buf, len, "%s%s%s", dir, sep, file);
	if (w < 0 || (size_t)w >= len)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: path too long", dir);
	return ENG_STATUS_OK;
}

enum eng_status bundle_save(const struct reconvene_result *r,
			       const struct reconvene_options *o,
			       const char *model, const char *dir,
			       struct eng_err *err)
{
	char path[4096];
	enum eng_status st = fileio_mkdirs(dir, 0755, err);
	if (st != ENG_STATUS_OK)
		return st;

	if ((st = bundle_path_join(path, sizeof path, dir, BUNDLE_CFG_FILE, err)) ||
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
	if (o->align > 1 || o->align == RECONVENE_ALIGN_AUTO) {
		snprintf(v, sizeof v, "%d", o->align);
		weights_meta_set(&meta, "align", o->align > 1 ? v : "auto");
	}
	weights_meta_set(&meta, "sensitive", o->sensitive_dense ? "dense" : "masked");
	if ((st = bundle_path_join(path, sizeof path, dir, BUNDLE_WEIGHTS_FILE, err)) ||
	    (st = weights_save_masked(r->net, path, &meta, r->mask, err)))
		return st;

	/* The same model for ONNX runtimes: pruned shapes, masked weights as
	 * zeros, the same metadata plus the plan's hash. */
	struct onnx_meta onnx_meta[WEIGHTS_META_MAX + 1];
	int n_meta = 0;
	for (int i = 0; i < meta.n; i++)
		onnx_meta[n_meta++] = (struct onnx_meta){ meta.key[i], meta.value[i] };
	char plan_id[32];
	snprintf(plan_id, sizeof plan_id, "%016" PRIx64, plan_hash(&r->plan));
	onnx_meta[n_meta++] = (struct onnx_meta){ "plan_hash", plan_id };
	struct onnx_export_options onnx = { .meta = onnx_meta, .n_meta = n_meta,
					    .producer_version = PACKAGE_VERSION,
					    .mask = r->mask };
	if ((st = bundle_path_join(path, sizeof path, dir, "model.onnx", err)) ||
	    (st = onnx_export(r->net, &onnx, path, err)))
		return st;

	struct plan_file_info info;
	plan_file_info_from_options(o, model, &info);
	if ((st = bundle_path_join(path, sizeof path, dir, BUNDLE_PLAN_FILE, err)) ||
	    (st = plan_file_write(path, &r->groups, &r->plan, &info, err)))
		return st;
	return ENG_STATUS_OK;
}

/* --- verification ------------------------------------------------------ */

static double bundle_max_abs_diff(const float *a, const float *b, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++) {
		double d = fabs((double)a[i] - (double)b[i]);
		if (!(d <= m))  /* NaN counts as infinitely wrong */
			m = isnan(d) ? INFINITY : d;
	}
	return m;
}

/* A's parameters and BN statistics from the compacted B through the param
 * map; A's own buffers start zeroed (net_build). */
static void bundle_scatter_back(struct net *a, const struct net *b,
			 const size_t *param_src)
{
	for (size_t j = 0; j < b->n_params; j++)
		a->params[param_src[j]] = b->params[j];
	for (int i = 0; i < a->n_layers && i < b->n_layers; i++) {
		struct layer *la = &a->layers[i];
		const struct layer *lb = &b->layers[i];
		if (la->kind != LAYER_KIND_BN || !la->state || !lb->w)
			continue;
		size_t ca = (size_t)la->out.c, cb = (size_t)lb->out.c;
		for (size_t c = 0; c < ca; c++) {
			la->state[c] = 0.0f;
			la->state[ca + c] = 1.0f;
		}
		size_t jb = (size_t)(lb->w - b->params);
		size_t ja = (size_t)(la->w - a->params);
		for (size_t c = 0; c < cb; c++) {
			size_t src = param_src[jb + c] - ja;
			ENG_ASSERT(src < ca);
			la->state[src] = lb->state[c];
			la->state[ca + src] = lb->state[cb + c];
		}
	}
}

enum eng_status bundle_verify(const struct net_spec *orig_spec,
				     const struct reconvene_result *r,
				     const char *dir, struct bundle_check *out,
				     struct eng_err *err)
{
	memset(out, 0, sizeof *out);
	char path[4096];
	struct net_spec bspec = { 0 };
	struct net *a = NULL, *b = NULL;
	float *x = NULL, *la = NULL;
	enum eng_status st;
	const int batch = BUNDLE_VERIFY_BATCH;

	snprintf(path, sizeof path, "%s/" BUNDLE_CFG_FILE, dir);
	if ((st = cfg_parse_file(path, &bspec, err)) != ENG_STATUS_OK)
		goto out;
	if ((st = net_build(&bspec, &b, err)) != ENG_STATUS_OK)
		goto out;
	if (b->n_params != r->net->n_params || b->n_layers != r->net->n_layers) {
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: %zu parameters in %d layers, the pruned net has %zu in %d",
				 path, b->n_params, b->n_layers, r->net->n_params,
				 r->net->n_layers);
		goto out;
	}
	snprintf(path, sizeof path, "%s/" BUNDLE_WEIGHTS_FILE, dir);
	if ((st = weights_load_masked(b, path, NULL, err)) != ENG_STATUS_OK)
		goto out;
	if ((st = net_build(orig_spec, &a, err)) != ENG_STATUS_OK)
		goto out;
	bundle_scatter_back(a, b, r->param_src);
	plan_mask_channels(a, &r->groups, &r->plan, a->params);

	size_t in_n = shape_size(a->input) * (size_t)batch;
	size_t out_n = (size_t)batch * (size_t)a->classes;
	x = malloc(in_n * sizeof *x);
	la = malloc(out_n * sizeof *la);
	if (!x || !la) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "verify: out of memory");
		goto out;
	}
	struct rng rng;
	rng_seed(&rng, BUNDLE_VERIFY_SEED);
	for (size_t i = 0; i < in_n; i++)
		x[i] = rng_normal(&rng);
	if ((st = net_prepare(a, batch, err)) != ENG_STATUS_OK ||
	    (st = net_prepare(b, batch, err)) != ENG_STATUS_OK)
		goto out;
	if (r->net->max_batch < batch &&
	    (st = net_prepare(r->net, batch, err)) != ENG_STATUS_OK)
		goto out;
	memcpy(la, net_forward(a, x, batch, false), out_n * sizeof *la);
	const float *lb = net_forward(b, x, batch, false);
	out->max_abs_diff = bundle_max_abs_diff(la, lb, out_n);
	const float *lr = net_forward(r->net, x, batch, false);
	out->reload_max_abs_diff = bundle_max_abs_diff(lr, lb, out_n);
	out->done = true;
	out->batch = batch;
	out->input_seed = BUNDLE_VERIFY_SEED;
	/* Relative to the logits' size: a random-init MobileNetV2 has logits
	 * in the hundreds, where float32 rounding alone differs by ~1e-4. */
	double scale = 1.0;
	for (size_t i = 0; i < out_n; i++)
		if (fabs((double)la[i]) > scale)
			scale = fabs((double)la[i]);
	out->tolerance = BUNDLE_VERIFY_TOLERANCE * scale;
	out->pass = out->max_abs_diff <= out->tolerance &&
		    out->reload_max_abs_diff <= out->tolerance;
out:
	free(x);
	free(la);
	net_free(a);
	net_free(b);
	net_spec_done(&bspec);
	return st;
}

