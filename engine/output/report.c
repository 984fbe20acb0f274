#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_num.h"
#include "base/fileio.h"
#include "base/hash.h"
#include "prune/groups.h"
#include "prune/plan.h"
#include "output/report.h"

const char *report_variant_name(enum report_variant_kind v)
{
	static const char *const names[REPORT_VARIANT_COUNT] = {
		"dense", "unstructured", "pruned",
	};
	return (unsigned)v < REPORT_VARIANT_COUNT ? names[v] : NULL;
}

void report_layer_score_stats(const struct net *net, const float *scores,
			      int layer, struct report_stats *out)
{
	memset(out, 0, sizeof *out);
	const struct layer *l = &net->layers[layer];
	if (!l->w || l->w_len == 0 || !scores)
		return;
	const float *s = scores + (l->w - net->params);
	double sum = 0, sq = 0, lo = s[0], hi = s[0];
	for (size_t i = 0; i < l->w_len; i++) {
		double v = s[i];
		sum += v;
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	double mean = sum / (double)l->w_len;
	for (size_t i = 0; i < l->w_len; i++)
		sq += (s[i] - mean) * (s[i] - mean);
	out->n = l->w_len;
	out->min = lo;
	out->max = hi;
	out->mean = mean;
	out->std = sqrt(sq / (double)l->w_len);
}

void report_input_init(struct report_input *in)
{
	memset(in, 0, sizeof *in);
	struct reconvene_options o;
	reconvene_options_init(&o);
	report_info_from_options(&in->info, "", &o);
}

void report_info_from_options(struct report_info *info, const char *model,
			      const struct reconvene_options *o)
{
	snprintf(info->model, sizeof info->model, "%s", model);
	info->method = o->method;
	info->sparsity = o->sparsity;
	info->tau = o->tau;
	info->seed = o->seed;
	info->k = o->k;
	info->min_keep = o->min_keep;
	info->align = o->align;
	info->synflow_iterations = o->synflow_iterations;
	info->include_residual = o->include_residual;
	info->sensitive_dense = o->sensitive_dense;
	info->keep_init = o->keep_init;
	info->width = (int)o->width;
	info->channels = (int)o->channels;
}

void report_info_to_options(const struct report_info *info,
			    struct reconvene_options *o)
{
	o->method = info->method;
	o->sparsity = info->sparsity;
	o->tau = info->tau;
	o->seed = info->seed;
	o->k = info->k;
	o->min_keep = info->min_keep;
	o->align = info->align;
	o->synflow_iterations = info->synflow_iterations;
	o->include_residual = info->include_residual;
	o->sensitive_dense = info->sensitive_dense;
	o->keep_init = info->keep_init;
	o->width = reconvene_width_name(info->width) ? (enum reconvene_width)info->width
						     : RECONVENE_WIDTH_DENSITY;
	o->channels = reconvene_channels_name(info->channels)
		? (enum reconvene_channels)info->channels : RECONVENE_CHANNELS_SCORE;
}

/* Integers as little-endian bytes (hash_fnv1a_u32), so the hash does not
 * depend on the host's byte order. */
static uint64_t report_hash_set(uint64_t h, const struct dataset *d)
{
	h = hash_fnv1a_u32(h, (uint32_t)d->n);
	h = hash_fnv1a_u32(h, (uint32_t)d->shape.c);
	h = hash_fnv1a_u32(h, (uint32_t)d->shape.h);
	h = hash_fnv1a_u32(h, (uint32_t)d->shape.w);
	h = hash_fnv1a_u32(h, (uint32_t)d->classes);
	if (d->n <= 0)
		return h;
	for (int i = 0; i < d->n; i++)
		h = hash_fnv1a_u32(h, (uint32_t)d->labels[i]);
	size_t len;
	const void *bytes = data_set_bytes(d, &len);
	return hash_fnv1a_bytes(h, bytes, len);
}

uint64_t report_dataset_hash(const struct data_split *ds)
{
	uint64_t h = hash_fnv1a_init();
	h = report_hash_set(h, &ds->train);
	h = report_hash_set(h, &ds->val);
	return report_hash_set(h, &ds->test);
}

/* --- JSON --------------------------------------------------------------- */

/* json_real refuses NaN and infinities: they become null. */
static json_t *jhex(uint64_t v)
{
	char buf[20];
	snprintf(buf, sizeof buf, "%016" PRIx64, v);
	return json_string(buf);
}

static json_t *variant_json(const struct report_variant *v)
{
	const struct metrics *m = &v->metrics;
	json_t *o = json_object();
	json_object_set_new(o, "params", json_integer((json_int_t)m->params));
	json_object_set_new(o, "nonzero", json_integer((json_int_t)m->nonzero));
	json_object_set_new(o, "dense_bytes", json_integer((json_int_t)m->dense_bytes));
	json_object_set_new(o, "storage_bytes", json_integer((json_int_t)m->storage_bytes));
	json_object_set_new(o, "macs", json_integer((json_int_t)m->macs));
	json_object_set_new(o, "effective_macs", json_integer((json_int_t)m->effective_macs));
	if (v->has_latency) {
		const struct latency_result *l = &v->latency;
		json_t *lat = json_object();
		json_object_set_new(lat, "kernel", json_string(latency_variant_name(l->variant)));
		json_object_set_new(lat, "median_ms", json_real_or_null(l->median_ms));
		json_object_set_new(lat, "p10_ms", json_real_or_null(l->p10_ms));
		json_object_set_new(lat, "p90_ms", json_real_or_null(l->p90_ms));
		json_object_set_new(lat, "min_ms", json_real_or_null(l->min_ms));
		json_object_set_new(lat, "max_ms", json_real_or_null(l->max_ms));
		json_object_set_new(lat, "runs", json_integer(l->runs));
		json_object_set_new(lat, "capped", json_boolean(l->capped));
		json_object_set_new(o, "latency", lat);
	} else {
		json_object_set_new(o, "latency", json_null());
	}
	if (v->has_eval) {
		json_t *acc = json_object();
		json_object_set_new(acc, "value", json_real_or_null(v->accuracy));
		json_object_set_new(acc, "ci95", json_pack("[o, o]", json_real_or_null(v->ci_lo),
							   json_real_or_null(v->ci_hi)));
		json_object_set_new(acc, "correct", json_integer(v->correct));
		json_object_set_new(acc, "test_n", json_integer(v->test_n));
		json_object_set_new(acc, "loss", json_real_or_null(v->loss));
		json_object_set_new(acc, "steps", json_integer(v->steps));
		json_object_set_new(acc, "seconds", json_real_or_null(v->eval_seconds));
		json_object_set_new(o, "accuracy", acc);
	} else {
		json_object_set_new(o, "accuracy", json_null());
	}
	return o;
}

static json_t *stats_json(const struct report_stats *s)
{
	if (s->n == 0)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:o}", "min", json_real_or_null(s->min), "max",
			 json_real_or_null(s->max), "mean", json_real_or_null(s->mean), "std", json_real_or_null(s->std));
}

json_t *report_to_json(const struct report_input *in)
{
	const struct report_info *inf = &in->info;
	const struct reconvene_result *r = in->r;
	json_t *root = json_object();
	if (!root)
		return NULL;
	json_object_set_new(root, "format", json_string(REPORT_FORMAT));
	json_object_set_new(root, "version", json_integer(REPORT_VERSION));
	json_object_set_new(root, "program", json_pack("{s:s, s:s}", "name",
		PACKAGE_NAME, "version", PACKAGE_VERSION));
	json_object_set_new(root, "model", json_string(inf->model));

	json_t *set = json_object();
	const char *mname = score_method_name(inf->method);
	json_object_set_new(set, "method", json_string(mname ? mname : "?"));
	json_object_set_new(set, "sparsity", json_real_or_null(inf->sparsity));
	json_object_set_new(set, "tau", json_real_or_null(inf->tau));
	json_object_set_new(set, "k", json_integer(inf->k));
	json_object_set_new(set, "seed", json_integer((json_int_t)inf->seed));
	json_object_set_new(set, "min_keep", json_integer(inf->min_keep));
	if (inf->align > 1)
		json_object_set_new(set, "align", json_integer(inf->align));
	else if (inf->align == RECONVENE_ALIGN_AUTO)
		json_object_set_new(set, "align", json_string("auto"));
	json_object_set_new(set, "synflow_iterations",
			    json_integer(inf->synflow_iterations));
	json_object_set_new(set, "include_residual", json_boolean(inf->include_residual));
	json_object_set_new(set, "sensitive_dense", json_boolean(inf->sensitive_dense));
	/* Only when not the default, so reports from before issue 18 read
	 * back the same and the defaults' files stay as they were. */
	if (inf->keep_init)
		json_object_set_new(set, "keep_init", json_true());
	if (inf->width != RECONVENE_WIDTH_DENSITY)
		json_object_set_new(set, "width", json_string(reconvene_width_name(inf->width)));
	if (inf->channels != RECONVENE_CHANNELS_SCORE)
		json_object_set_new(set, "channels", json_string(reconvene_channels_name(inf->channels)));
	json_object_set_new(root, "settings", set);

	if (inf->has_dataset)
		json_object_set_new(root, "dataset", json_pack("{s:s, s:s, s:b, s:o}",
			"name", inf->dataset, "source", inf->dataset_source,
			"synthetic", inf->dataset_synthetic,
			"hash", jhex(inf->dataset_hash)));
	else
		json_object_set_new(root, "dataset", json_null());
	if (inf->has_eval_budget)
		json_object_set_new(root, "quickeval", json_pack(
			"{s:I, s:i, s:i, s:i, s:I}", "steps", (json_int_t)inf->eval_steps,
			"batch", inf->eval_batch, "train_n", inf->eval_train_n,
			"test_n", inf->eval_test_n, "seed", (json_int_t)inf->eval_seed));
	else
		json_object_set_new(root, "quickeval", json_null());

	json_t *groups = json_object();
	for (int g = 0; r && g < r->groups.n_groups; g++)
		if (plan_group_changed(&r->groups, &r->plan, g))
			json_object_set_new(groups, r->groups.groups[g].name,
					    json_pack("{s:i, s:i}", "channels",
						      r->groups.groups[g].channels,
						      "keep", r->plan.keep[g]));
	json_object_set_new(root, "plan", json_pack("{s:o, s:i, s:o}",
		"hash", jhex(r ? plan_hash(&r->plan) : 0),
		"groups_changed", r ? r->n_changed : 0, "groups", groups));

	json_t *layers = json_array();
	for (int i = 0; r && i < r->n_rows; i++) {
		const struct reconvene_row *row = &r->rows[i];
		struct report_stats s;
		report_layer_score_stats(in->net, r->pse.scores, row->layer, &s);
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(row->name));
		json_object_set_new(o, "kind", json_string(
			layer_kind_name(in->net->layers[row->layer].kind)));
		json_object_set_new(o, "weights", json_integer((json_int_t)row->weights));
		json_object_set_new(o, "kept", json_integer((json_int_t)row->kept));
		json_object_set_new(o, "density", json_real_or_null(row->density));
		json_object_set_new(o, "resilient", json_boolean(row->resilient));
		json_object_set_new(o, "rectified", json_boolean(row->rectified));
		json_object_set_new(o, "reinit", json_boolean(row->reinit));
		json_object_set_new(o, "dense", json_boolean(row->dense));
		json_object_set_new(o, "channels_before", json_integer(row->channels_before));
		json_object_set_new(o, "channels_after", json_integer(row->channels_after));
		json_object_set_new(o, "score", stats_json(&s));
		json_array_append_new(layers, o);
	}
	json_object_set_new(root, "layers", layers);

	json_t *vars = json_object();
	for (int v = 0; v < REPORT_VARIANT_COUNT; v++)
		json_object_set_new(vars, report_variant_name((enum report_variant_kind)v),
				    variant_json(&in->variant[v]));
	json_object_set_new(root, "variants", vars);

	const struct bundle_check *vf = &in->verify;
	if (vf->done)
		json_object_set_new(root, "verification", json_pack(
			"{s:i, s:I, s:o, s:o, s:o, s:b}", "batch", vf->batch,
			"input_seed", (json_int_t)vf->input_seed,
			"max_abs_diff", json_real_or_null(vf->max_abs_diff),
			"reload_max_abs_diff", json_real_or_null(vf->reload_max_abs_diff),
			"tolerance", json_real_or_null(vf->tolerance), "pass", vf->pass));
	else
		json_object_set_new(root, "verification", json_null());
	return root;
}

static enum eng_status report_put(int fd, void *user, const char *path,
				  struct eng_err *err)
{
	const char *text = user;
	return fileio_write_all(fd, text, strlen(text), path, err);
}

enum eng_status report_write(const char *path, const struct report_input *in,
			     struct eng_err *err)
{
	json_t *root = report_to_json(in);
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					     JSON_REAL_PRECISION(10)) : NULL;
	json_decref(root);
	if (!text)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	size_t n = strlen(text);
	char *full = realloc(text, n + 2);
	if (!full) {
		free(text);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	}
	full[n] = '\n';
	full[n + 1] = '\0';
	enum eng_status st = fileio_write_atomic(path, report_put, full, err);
	free(full);
	return st;
}

/* --- reading ------------------------------------------------------------ */

static bool get_num(json_t *o, const char *key, double *v)
{
	json_t *x = json_object_get(o, key);
	if (!json_is_number(x))
		return false;
	*v = json_number_value(x);
	return true;
}

/* An int field: a JSON integer in int's range (a double would lose
 * nothing here, but converting one out of range is undefined). */
static bool get_int(json_t *o, const char *key, int *v)
{
	json_t *x = json_object_get(o, key);
	if (!json_is_integer(x) || json_integer_value(x) < INT_MIN ||
	    json_integer_value(x) > INT_MAX)
		return false;
	*v = (int)json_integer_value(x);
	return true;
}

/* A seed: report_to_json writes a uint64 as json_int_t, so a seed above
 * INT64_MAX arrives negative; converting back restores it exactly (and
 * a double would round seeds above 2^53). */
static bool get_u64(json_t *o, const char *key, uint64_t *v)
{
	json_t *x = json_object_get(o, key);
	if (!json_is_integer(x))
		return false;
	*v = (uint64_t)json_integer_value(x);
	return true;
}

enum eng_status report_read(const char *path, struct report_info *info,
			    struct bundle_check *verify, struct eng_err *err)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	if (!root) {
		FILE *f = fopen(path, "r");
		if (!f)
			return eng_err_set(err, ENG_STATUS_ENOENT, "%s: cannot open", path);
		fclose(f);
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s:%d:%d: %s", path,
				   je.line, je.column, je.text);
	}
	enum eng_status st = ENG_STATUS_OK;
	json_t *fmt = json_object_get(root, "format");
	json_t *model = json_object_get(root, "model");
	json_t *set = json_object_get(root, "settings");
	double sp, tau;
	uint64_t seed;
	int k, mk, it;
	json_t *method = json_object_get(set, "method");
	if (!json_is_string(fmt) || strcmp(json_string_value(fmt), REPORT_FORMAT) != 0) {
		st = eng_err_set(err, ENG_STATUS_EINVAL, "%s: not a reconvene report", path);
		goto out;
	}
	if (!json_is_string(model) || !json_is_object(set) || !json_is_string(method) ||
	    !get_num(set, "sparsity", &sp) || !get_num(set, "tau", &tau) ||
	    !get_u64(set, "seed", &seed) || !get_int(set, "k", &k) ||
	    !get_int(set, "min_keep", &mk) || !get_int(set, "synflow_iterations", &it) ||
	    !json_is_boolean(json_object_get(set, "include_residual")) ||
	    !json_is_boolean(json_object_get(set, "sensitive_dense"))) {
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: \"model\" or \"settings\" missing or malformed", path);
		goto out;
	}
	memset(info, 0, sizeof *info);
	if (!score_method_from_name(json_string_value(method), &info->method)) {
		st = eng_err_set(err, ENG_STATUS_EINVAL, "%s: unknown method '%s'", path,
				 json_string_value(method));
		goto out;
	}
	snprintf(info->model, sizeof info->model, "%s", json_string_value(model));
	info->sparsity = sp;
	info->tau = tau;
	info->seed = seed;
	info->k = k;
	info->min_keep = mk;
	/* Optional: files from before --align have none (no alignment). */
	int al = 0;
	json_t *aj = json_object_get(set, "align");
	if (json_is_string(aj) && strcmp(json_string_value(aj), "auto") == 0) {
		al = RECONVENE_ALIGN_AUTO;
	} else if (aj && (!get_int(set, "align", &al) || al < 0 || al > RECONVENE_ALIGN_MAX)) {
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: settings.align is \"auto\" or a whole number in 0..%d", path,
				 RECONVENE_ALIGN_MAX);
		goto out;
	}
	info->align = al > 1 || al == RECONVENE_ALIGN_AUTO ? al : 0;
	info->synflow_iterations = it;
	info->include_residual = json_is_true(json_object_get(set, "include_residual"));
	info->sensitive_dense = json_is_true(json_object_get(set, "sensitive_dense"));
	/* Optional (issue 18's choices); absent means the default. */
	json_t *ki = json_object_get(set, "keep_init"), *wj = json_object_get(set, "width"),
	       *cj = json_object_get(set, "channels");
	if ((ki && !json_is_boolean(ki)) ||
	    (wj && !(json_is_string(wj) && reconvene_width_from_name(json_string_value(wj)) >= 0)) ||
	    (cj && !(json_is_string(cj) && reconvene_channels_from_name(json_string_value(cj)) >= 0))) {
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: settings.keep_init is true or false, settings.width "
				 "\"density\", \"nnz\", \"sqrt\" or \"budget\", settings.channels "
				 "\"score\" or \"random\"", path);
		goto out;
	}
	info->keep_init = json_is_true(ki);
	info->width = wj ? reconvene_width_from_name(json_string_value(wj))
			 : RECONVENE_WIDTH_DENSITY;
	info->channels = cj ? reconvene_channels_from_name(json_string_value(cj))
			    : RECONVENE_CHANNELS_SCORE;
	if (verify) {
		memset(verify, 0, sizeof *verify);
		json_t *v = json_object_get(root, "verification");
		double d, rd, t;
		int b;
		uint64_t s;
		if (json_is_object(v) && get_int(v, "batch", &b) &&
		    get_u64(v, "input_seed", &s) && get_num(v, "max_abs_diff", &d) &&
		    get_num(v, "reload_max_abs_diff", &rd) &&
		    get_num(v, "tolerance", &t) &&
		    json_is_boolean(json_object_get(v, "pass"))) {
			verify->done = true;
			verify->batch = b;
			verify->input_seed = s;
			verify->max_abs_diff = d;
			verify->reload_max_abs_diff = rd;
			verify->tolerance = t;
			verify->pass = json_is_true(json_object_get(v, "pass"));
		}
	}
out:
	json_decref(root);
	return st;
}
