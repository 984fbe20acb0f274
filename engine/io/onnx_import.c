/* onnx_import.c: an ONNX CNN classifier as a net_spec + weights (see
 * onnx_import.h): the file's values (initializers, bound inputs, the data
 * input, node outputs), the order to visit nodes in (the file's when it is
 * topological, Kahn's otherwise, which also finds cycles), each node
 * handed to io/onnx_ops.c, then the output, the weights' sizes checked
 * against the data really in the file before net_build allocates
 * anything (so a file cannot ask for more memory than it is large), the
 * cfg round trip, and the copy.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "io/cfg.h"
#include "io/onnx_import.h"
#include "io/onnx_ops.h"
#include "io/onnx_state.h"

#define ONNX_FILE_MAX ((size_t)4 << 30)  /* 4 GiB: protobuf's own limit is 2 */
/* Every supported op means the same from opset 1 on (the legacy broadcast
 * attribute of Add is read where it matters); docs/onnx.md. */
#define ONNX_OPSET_MIN 1
#define ONNX_OPSET_MAX 21

/* ---- the graph ------------------------------------------------------------- */

/* Values for initializers, bound inputs, the one data input and every node
 * output; each node's inputs resolved to value indices. */
static enum eng_status import_values(struct onnx_state *im)
{
	const struct onnx_graph *g = &im->m.graph;
	size_t n = (size_t)g->n_init + (size_t)g->n_input + (size_t)im->o->n_bind;
	size_t n_in = 0, n_out = 0;
	for (int i = 0; i < g->n_node; i++) {
		n_in += (size_t)g->node[i].n_in;
		n_out += (size_t)g->node[i].n_out;
	}
	n += n_out;
	im->v = calloc(n ? n : 1, sizeof *im->v);
	im->in_val = malloc((n_in ? n_in : 1) * sizeof *im->in_val);
	im->out_val = malloc((n_out ? n_out : 1) * sizeof *im->out_val);
	im->in_off = malloc(((size_t)g->n_node + 1) * sizeof *im->in_off);
	im->out_off = malloc(((size_t)g->n_node + 1) * sizeof *im->out_off);
	if (!im->v || !im->in_val || !im->out_val || !im->in_off || !im->out_off ||
	    !onnx_name_map_init(&im->vmap, n) ||
	    !onnx_name_map_init(&im->lmap, g->n_node < ONNX_LAYERS_MAX ? (size_t)g->n_node
							       : ONNX_LAYERS_MAX))
		return onnx_state_oom(im);
	for (int i = 0; i < g->n_init; i++) {
		int k = onnx_state_value_add(im, g->init[i].name, ONNX_VALUE_CONST, -1);
		if (k < 0)
			return onnx_state_fail(im, "two initializers are called '%.100s'", g->init[i].name);
		im->v[k].t = &g->init[i];
	}
	for (int i = 0; i < im->o->n_bind; i++) {
		int k = onnx_state_value_add(im, im->o->bind[i].name, ONNX_VALUE_CONST, -1);
		if (k >= 0)
			im->v[k].t = im->o->bind[i].value;
	}
	const struct onnx_value_info *data = NULL;
	int n_data = 0;
	for (int i = 0; i < g->n_input; i++) {
		if (onnx_name_map_find(im, &im->vmap, onnx_state_value_name, g->input[i].name) >= 0)
			continue; /* an initializer listed as an input (IR < 4) */
		data = &g->input[i];
		n_data++;
	}
	if (n_data != 1)
		return onnx_state_fail(im, "%d graph inputs besides initializers; a single-input "
				"model needs exactly one", n_data);
	if (data->elem_type != ONNX_DTYPE_FLOAT)
		return onnx_state_fail(im, "input '%.100s' has element type %d, want float",
				data->name, data->elem_type);
	/* N, then up to three dims taken as C, H, W; missing ones are 1. */
	int64_t d[4] = { -1, 1, 1, 1 };
	bool ok = data->has_shape && data->ndim >= 1 && data->ndim <= 4;
	for (int i = 0; ok && i < data->ndim; i++)
		d[i] = data->dims[i];
	for (int i = 1; ok && i < 4; i++)
		ok = d[i] >= 1 && d[i] <= ONNX_DIM_MAX;
	if (ok && d[1] * d[2] * d[3] > ONNX_INPUT_MAX)
		ok = false;
	if (!ok)
		return onnx_state_fail(im, "input '%.100s' needs a fixed shape N x C x H x W "
				"(or N x F) with each of C, H, W at most %d", data->name,
				ONNX_DIM_MAX);
	int k = onnx_state_value_add(im, data->name, ONNX_VALUE_ACT, -1);
	ENG_ASSERT(k >= 0);
	struct onnx_value *x = &im->v[k];
	x->rank = data->ndim;
	x->s = (struct shape){ (int)d[1], (int)d[2], (int)d[3] };
	im->spec->input = x->s;
	im->batch = d[0];
	size_t pi = 0, po = 0;
	for (int i = 0; i < g->n_node; i++) {
		const struct onnx_node *nd = &g->node[i];
		im->out_off[i] = (int)po;
		for (int j = 0; j < nd->n_out; j++) {
			int v = -1;
			if (nd->out[j][0] && (v = onnx_state_value_add(im, nd->out[j], ONNX_VALUE_NONE, i)) < 0) {
				im->cur = i;
				return onnx_state_fail(im, "output '%.100s' is already defined (by an "
						"initializer, an input or another node)",
						nd->out[j]);
			}
			im->out_val[po++] = v;
		}
	}
	im->out_off[g->n_node] = (int)po;
	for (int i = 0; i < g->n_node; i++) {
		const struct onnx_node *nd = &g->node[i];
		im->in_off[i] = (int)pi;
		for (int j = 0; j < nd->n_in; j++) {
			int v = -1;
			if (nd->in[j][0]) {
				v = onnx_name_map_find(im, &im->vmap, onnx_state_value_name, nd->in[j]);
				if (v < 0) {
					im->cur = i;
					return onnx_state_fail(im, "input '%.100s' is missing (no "
							"initializer, graph input or node "
							"output has that name)", nd->in[j]);
				}
				im->v[v].uses++;
			}
			im->in_val[pi++] = v;
		}
	}
	im->in_off[g->n_node] = (int)pi;
	for (int i = 0; i < g->n_output; i++) {
		int v = onnx_name_map_find(im, &im->vmap, onnx_state_value_name, g->output[i].name);
		if (v >= 0)
			im->v[v].uses++;
	}
	return ENG_STATUS_OK;
}

/* The order to visit nodes in: the file's when it is topological, else
 * Kahn's; a node left over is on a cycle. */
static enum eng_status import_order(struct onnx_state *im, int **order)
{
	const struct onnx_graph *g = &im->m.graph;
	int n = g->n_node;
	int *ord = malloc(((size_t)n + 1) * sizeof *ord);
	if (!ord)
		return onnx_state_oom(im);
	*order = ord;
	bool sorted = true;
	for (int i = 0; i < n && sorted; i++) {
		for (int j = im->in_off[i]; j < im->in_off[i + 1]; j++) {
			int v = im->in_val[j];
			if (v >= 0 && im->v[v].producer >= i)
				sorted = false;
		}
	}
	for (int i = 0; i < n; i++)
		ord[i] = i;
	if (sorted)
		return ENG_STATUS_OK;
	/* Kahn: deps[i] = inputs made by nodes; consumers in CSR form. */
	int m_edges = im->in_off[n];
	int *deps = calloc((size_t)n + 1, sizeof *deps);
	int *cstart = calloc((size_t)n + 2, sizeof *cstart);
	int *fill = calloc((size_t)n + 1, sizeof *fill);
	int *cons = malloc(((size_t)m_edges + 1) * sizeof *cons);
	enum eng_status st = ENG_STATUS_OK;
	if (!deps || !cstart || !fill || !cons) {
		st = onnx_state_oom(im);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		for (int j = im->in_off[i]; j < im->in_off[i + 1]; j++) {
			int v = im->in_val[j];
			if (v >= 0 && im->v[v].producer >= 0) {
				deps[i]++;
				cstart[im->v[v].producer + 1]++;
			}
		}
	}
	for (int i = 0; i < n; i++)
		cstart[i + 1] += cstart[i];
	for (int i = 0; i < n; i++) {
		for (int j = im->in_off[i]; j < im->in_off[i + 1]; j++) {
			int v = im->in_val[j];
			if (v >= 0 && im->v[v].producer >= 0) {
				int p = im->v[v].producer;
				cons[cstart[p] + fill[p]++] = i;
			}
		}
	}
	int head = 0, tail = 0;
	for (int i = 0; i < n; i++) {
		if (!deps[i])
			ord[tail++] = i;
	}
	while (head < tail) {
		int p = ord[head++];
		for (int e = cstart[p]; e < cstart[p + 1]; e++) {
			if (--deps[cons[e]] == 0)
				ord[tail++] = cons[e];
		}
	}
	if (tail < n) {
		for (int i = 0; i < n; i++) {
			if (deps[i]) {
				im->cur = i;
				break;
			}
		}
		st = onnx_state_fail(im, "the graph has a cycle through this node");
	}
out:
	free(deps);
	free(cstart);
	free(fill);
	free(cons);
	return st;
}

/* The one graph output: the last layer's output; a classifier ends in a
 * linear layer, whose size becomes the class count. */
static enum eng_status import_output(struct onnx_state *im)
{
	const struct onnx_graph *g = &im->m.graph;
	im->cur = -1;
	if (g->n_output != 1)
		return onnx_state_fail(im, "%d graph outputs; a classifier has exactly one",
				g->n_output);
	int k = onnx_name_map_find(im, &im->vmap, onnx_state_value_name, g->output[0].name);
	if (k < 0 || im->v[k].kind != ONNX_VALUE_ACT || im->v[k].layer < 0)
		return onnx_state_fail(im, "the graph output '%.100s' is not computed by any layer",
				g->output[0].name);
	if (onnx_value_padded(&im->v[k]))
		return onnx_state_fail(im, "the graph output '%.100s' comes from a Pad, which is "
				"only supported right before a Conv", g->output[0].name);
	int last = im->spec->n_layers - 1;
	if (im->v[k].layer != last)
		return onnx_state_fail(im, "the graph output '%.100s' is not the last layer's "
				"output (layers after it lead nowhere)", g->output[0].name);
	struct layer_spec *ls = &im->spec->layers[last];
	if (!im->o->any_output) {
		if (ls->kind != LAYER_KIND_LINEAR)
			return onnx_state_fail(im, "the model ends in %s, not a linear layer (a "
					"classifier ends in Gemm or MatMul)",
					layer_kind_name(ls->kind));
		im->spec->classes = ls->conf.out;
		ls->conf.out = LAYER_OUT_CLASSES;
	} else {
		im->spec->classes = im->lshape[last].c;
	}
	return ENG_STATUS_OK;
}

/* Every source tensor holds the values its layer needs (checked before
 * the net is allocated, so sizes come from data really in the file). */
static enum eng_status import_check_sources(struct onnx_state *im)
{
	im->cur = -1;
	for (int i = 0; i < im->spec->n_layers; i++) {
		const struct onnx_source *s = &im->src[i];
		const struct onnx_tensor *t[4] = { s->w, s->b, s->mean, s->var };
		for (int k = 0; k < 4; k++) {
			const char *why;
			if (t[k] && !onnx_tensor_floats(t[k], NULL, (size_t)onnx_state_numel(t[k]), &why))
				return onnx_state_fail(im, "tensor '%.100s' (layer %s): %s", t[k]->name,
						im->spec->layers[i].name, why);
		}
	}
	return ENG_STATUS_OK;
}

/* t's n values into dst (transposed from [rows][cols] when asked, scaled). */
static enum eng_status import_copy(struct onnx_state *im, const struct onnx_tensor *t,
				float *dst, size_t n, bool transpose, float scale)
{
	const char *why;
	if (onnx_state_numel(t) == 1 && n > 1) { /* a scalar bias, broadcast */
		float v;
		if (!onnx_tensor_floats(t, &v, 1, &why))
			return onnx_state_fail(im, "tensor '%.100s': %s", t->name, why);
		for (size_t i = 0; i < n; i++)
			dst[i] = v;
	} else if (transpose) {
		float *tmp = malloc(n * sizeof *tmp);
		if (!tmp)
			return onnx_state_oom(im);
		if (!onnx_tensor_floats(t, tmp, n, &why)) {
			free(tmp);
			return onnx_state_fail(im, "tensor '%.100s': %s", t->name, why);
		}
		size_t rows = (size_t)t->dims[0], cols = (size_t)t->dims[1];
		for (size_t r = 0; r < rows; r++) {
			for (size_t c = 0; c < cols; c++)
				dst[c * rows + r] = tmp[r * cols + c];
		}
		free(tmp);
	} else if (!onnx_tensor_floats(t, dst, n, &why)) {
		return onnx_state_fail(im, "tensor '%.100s': %s", t->name, why);
	}
	if (scale != 1.0f) {
		for (size_t i = 0; i < n; i++)
			dst[i] *= scale;
	}
	return ENG_STATUS_OK;
}

static enum eng_status import_weights(struct onnx_state *im, struct net *net)
{
	im->cur = -1;
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		const struct onnx_source *s = &im->src[i];
		if (s->w)
			ONNX_TRY(import_copy(im, s->w, l->w, l->w_len, s->w_transpose, s->w_scale));
		if (s->b)
			ONNX_TRY(import_copy(im, s->b, l->b, l->b_len, false, s->b_scale));
		if (s->mean) {
			size_t c = l->state_len / 2;
			ONNX_TRY(import_copy(im, s->mean, l->state, c, false, 1));
			ONNX_TRY(import_copy(im, s->var, l->state + c, c, false, 1));
		}
	}
	return ENG_STATUS_OK;
}

/* The spec must read back from its own cfg text: the import is then
 * exactly what `reconvene import` writes. */
static enum eng_status import_cfg_check(struct onnx_state *im)
{
	char *text = cfg_write_string(im->spec);
	if (!text)
		return onnx_state_oom(im);
	struct net_spec back;
	struct eng_err e;
	enum eng_status st = cfg_parse_string(text, strlen(text), "cfg", &back, &e);
	free(text);
	if (st != ENG_STATUS_OK) {
		im->cur = -1;
		return onnx_state_fail(im, "the imported model does not fit the cfg format: %s", e.msg);
	}
	net_spec_done(&back);
	return ENG_STATUS_OK;
}

static void import_done(struct onnx_state *im)
{
	free(im->v);
	free(im->in_val);
	free(im->in_off);
	free(im->out_val);
	free(im->out_off);
	free(im->vmap.slot);
	free(im->lmap.slot);
	free(im->src);
	free(im->lshape);
	onnx_model_done(&im->m);
}

enum eng_status onnx_import(const uint8_t *data, size_t len, const char *path,
			    const struct onnx_import_opts *o,
			    struct net_spec *spec, struct net **net,
			    struct eng_err *err)
{
	static const struct onnx_import_opts dflt = { 0 };
	struct onnx_state im = { .path = path, .o = o ? o : &dflt, .spec = spec, .err = err,
			  .cur = -1 };
	memset(spec, 0, sizeof *spec);
	*net = NULL;
	struct eng_err e;
	enum eng_status st = onnx_model_parse(data, len, &im.m, &e);
	if (st != ENG_STATUS_OK)
		return eng_err_set(err, st, "%s: %s", path, e.msg);
	cfg_net_name_from_path(spec->name, path, ".onnx");
	int *order = NULL;
	if (!im.m.has_opset)
		st = onnx_state_fail(&im, "no opset for the default domain");
	else if (im.m.opset < ONNX_OPSET_MIN || im.m.opset > ONNX_OPSET_MAX)
		st = onnx_state_fail(&im, "opset %lld is not supported (%d..%d)",
			      (long long)im.m.opset, ONNX_OPSET_MIN, ONNX_OPSET_MAX);
	else if (im.m.graph.n_sparse_init)
		st = onnx_state_fail(&im, "sparse initializers are not supported");
	if (st == ENG_STATUS_OK)
		st = import_values(&im);
	if (st == ENG_STATUS_OK)
		st = import_order(&im, &order);
	for (int i = 0; st == ENG_STATUS_OK && i < im.m.graph.n_node; i++) {
		im.cur = order[i];
		st = onnx_ops_node(&im);
	}
	free(order);
	im.cur = -1;
	if (st == ENG_STATUS_OK && spec->n_layers == 0)
		st = onnx_state_fail(&im, "no layers (the graph computes nothing the engine "
			      "can run)");
	if (st == ENG_STATUS_OK)
		st = import_output(&im);
	if (st == ENG_STATUS_OK)
		st = import_check_sources(&im);
	if (st == ENG_STATUS_OK)
		st = import_cfg_check(&im);
	if (st == ENG_STATUS_OK) {
		st = net_build(spec, net, &e);
		if (st != ENG_STATUS_OK)
			st = eng_err_set(err, st, "%s: %s", path, e.msg);
	}
	if (st == ENG_STATUS_OK)
		st = import_weights(&im, *net);
	if (st == ENG_STATUS_OK && im.n_bn == 0 && im.n_conv_bias > 0)
		eng_warn_emit(im.o->warn, "%s: no BatchNormalization, and the convolutions "
			      "have biases: BN was probably folded into them by an eval-mode "
			      "export; export with training=torch.onnx.TrainingMode.PRESERVE "
			      "to keep BN (it trains and prunes better)", path);
	import_done(&im);
	if (st != ENG_STATUS_OK) {
		net_free(*net);
		*net = NULL;
		net_spec_done(spec);
	}
	return st;
}

enum eng_status onnx_import_file(const char *path, const struct onnx_import_opts *o,
				 struct net_spec *spec, struct net **net,
				 struct eng_err *err)
{
	struct fileio_map map;
	memset(spec, 0, sizeof *spec);
	*net = NULL;
	enum eng_status st = fileio_map(path, ONNX_FILE_MAX, "an ONNX model", &map, err);
	if (st != ENG_STATUS_OK)
		return st;
	st = onnx_import(map.data, map.len, path, o, spec, net, err);
	fileio_unmap(&map);
	return st;
}

bool onnx_import_is_onnx(const char *path)
{
	size_t n = strlen(path);
	return n > 5 && strcmp(path + n - 5, ".onnx") == 0;
}
