#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/cfg.h"
#include "output/bundle.h"
#include "io/onnx_import.h"
#include "base/warn.h"
#include "paths/exe_dir.h"
#include "paths/model_path.h"
#include "host/memory.h"

static int is_path(const char *name)
{
	size_t n = strlen(name);
	return strchr(name, '/') || (n > 4 && strcmp(name + n - 4, ".cfg") == 0) ||
	       onnx_import_is_onnx(name);
}

/* name + "/" + file (no second '/'); 0, or -1 when it does not fit. */
static int bundle_file(const char *name, const char *file, char *path, size_t len)
{
	size_t n = strlen(name);
	int k = snprintf(path, len, "%s%s%s", name,
			 n && name[n - 1] == '/' ? "" : "/", file);
	return k >= 0 && (size_t)k < len ? 0 : -1;
}

static int is_dir(const char *name)
{
	struct stat sb;
	return stat(name, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int model_path_resolve(const char *name, char *path, size_t len,
		       char *why, size_t why_len)
{
	if (is_dir(name)) {
		if (bundle_file(name, BUNDLE_CFG_FILE, path, len) != 0 ||
		    access(path, R_OK) != 0) {
			snprintf(why, why_len, "%s: a directory without a readable "
				 BUNDLE_CFG_FILE " (a MODEL is a name, a .cfg file or a "
				 "bundle written by 'reconvene prune --out DIR')", name);
			return -1;
		}
		return 0;
	}
	if (is_path(name)) {
		snprintf(path, len, "%s", name);
		return 0;
	}
	const char *dirs[3] = { getenv("RECONVENE_MODELS_DIR"),
				PKGDATADIR "/models", exe_dir_models() };
	char tried[1024] = "";
	for (int i = 0; i < 3; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		snprintf(path, len, "%s/%s.cfg", dirs[i], name);
		if (access(path, R_OK) == 0)
			return 0;
		size_t t = strlen(tried);
		snprintf(tried + t, sizeof tried - t, "%s%s", t ? ", " : "", dirs[i]);
	}
	snprintf(why, why_len, "unknown model '%s' (looked for %s.cfg in %s)",
		 name, name, tried);
	return -1;
}

int model_bundle_weights(const char *name, char *path, size_t len)
{
	return is_dir(name) && bundle_file(name, BUNDLE_WEIGHTS_FILE, path, len) == 0 &&
	       access(path, F_OK) == 0;
}

int model_shape_parse(const char *text, struct shape *s)
{
	int c, h, w, used = 0;
	if (sscanf(text, "%d x %d x %d%n", &c, &h, &w, &used) != 3 ||
	    text[used] != '\0' || c <= 0 || h <= 0 || w <= 0 ||
	    c > 65536 || h > 65536 || w > 65536)
		return -1;
	s->c = c;
	s->h = h;
	s->w = w;
	return 0;
}

/* The memory budget: the net's estimate at batch against
 * host_memory_budget. */
static int model_memory_check(const struct net *net, int batch, char *why,
			      size_t why_len)
{
	size_t budget = host_memory_budget(), need;
	net_memory_estimate(net, batch, &need);
	if (budget == 0 || need <= budget)
		return 0;
	char n[32], b[32], src[160];
	if (need == SIZE_MAX)
		snprintf(n, sizeof n, "more than can be addressed");
	else
		host_memory_format(need, n, sizeof n);
	host_memory_format(budget, b, sizeof b);
	host_memory_budget_source(src, sizeof src);
	snprintf(why, why_len, "%s (input %dx%dx%d) needs about %s of memory for a "
		 "batch of %d (weights, gradients, activations); the limit is %s (%s)",
		 net->name, net->input.c, net->input.h, net->input.w, n, batch, b, src);
	return -1;
}

int model_load(const char *name, const struct model_overrides *ovr,
	       struct net_spec *spec, struct net **net, char *why, size_t why_len)
{
	char path[4096];
	struct eng_err err;
	*net = NULL;
	memset(spec, 0, sizeof *spec);
	if (model_path_resolve(name, path, sizeof path, why, why_len) != 0)
		return -1;
	if (onnx_import_is_onnx(path)) {
		/* The structure only; model_init brings the weights. */
		struct net *imported;
		struct eng_warn w = net_spec_warn_sink(spec);
		struct onnx_import_opts o = { .warn = &w };
		if (onnx_import_file(path, &o, spec, &imported, &err) != ENG_STATUS_OK) {
			snprintf(why, why_len, "%s", err.msg);
			return -1;
		}
		net_free(imported);
	} else if (cfg_parse_file(path, spec, &err) != ENG_STATUS_OK) {
		snprintf(why, why_len, "%s", err.msg);
		return -1;
	}
	if (ovr && ovr->has_input)
		spec->input = ovr->input;
	if (ovr && ovr->classes > 0)
		spec->classes = ovr->classes;
	if (net_build(spec, net, &err) != ENG_STATUS_OK) {
		snprintf(why, why_len, "%s: %s", path, err.msg);
		net_spec_done(spec);
		return -1;
	}
	if (ovr && ovr->batch > 0 &&
	    model_memory_check(*net, ovr->batch, why, why_len) != 0) {
		net_free(*net);
		*net = NULL;
		net_spec_done(spec);
		return -1;
	}
	return 0;
}

/* Copy every layer of src into the layer of dst with its name, kind and
 * sizes. */
static void model_copy_layers(struct net *dst, const struct net *src)
{
	for (int i = 0; i < dst->n_layers; i++) {
		struct layer *d = &dst->layers[i];
		int j = net_find(src, d->name);
		if (j < 0)
			continue;
		const struct layer *s = &src->layers[j];
		if (s->kind != d->kind || s->w_len != d->w_len || s->b_len != d->b_len ||
		    s->state_len != d->state_len ||
		    (s->kind == LAYER_KIND_CONV && s->in.c != d->in.c))
			continue;
		if (d->w_len)
			memcpy(d->w, s->w, d->w_len * sizeof *d->w);
		if (d->b_len)
			memcpy(d->b, s->b, d->b_len * sizeof *d->b);
		if (d->state_len)
			memcpy(d->state, s->state, d->state_len * sizeof *d->state);
	}
}

int model_open(const char *name, const struct model_overrides *ovr, uint64_t seed,
	       struct net_spec *spec, struct net **net, char *why, size_t why_len)
{
	if (model_load(name, ovr, spec, net, why, why_len) != 0)
		return -1;
	if (model_init(name, *net, seed, why, why_len) < 0) {
		net_free(*net);
		*net = NULL;
		net_spec_done(spec);
		return -1;
	}
	return 0;
}

bool model_has_weights(const char *name)
{
	char path[4096], why[8];
	return model_path_resolve(name, path, sizeof path, why, sizeof why) == 0 &&
	       onnx_import_is_onnx(path);
}

int model_init(const char *name, struct net *net, uint64_t seed,
	       char *why, size_t why_len)
{
	net_init(net, seed);
	char path[4096];
	if (model_path_resolve(name, path, sizeof path, why, why_len) != 0)
		return -1;
	if (!onnx_import_is_onnx(path))
		return 0;
	struct net_spec spec;
	struct net *imported;
	struct eng_err err;
	if (onnx_import_file(path, NULL, &spec, &imported, &err) != ENG_STATUS_OK) {
		snprintf(why, why_len, "%s", err.msg);
		return -1;
	}
	model_copy_layers(net, imported);
	net_free(imported);
	net_spec_done(&spec);
	return 1;
}
