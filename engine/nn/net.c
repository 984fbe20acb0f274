#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nn/net.h"

void net_free(struct net *net)
{
	if (!net)
		return;
	free(net->layers);
	free(net->params);
	free(net->grads);
	free(net->state);
	free(net->act);
	free(net->dact);
	free(net->cache);
	arena_done(&net->arena);
	free(net->workspace);
	free(net->packed);
	free(net);
}

float *net_workspace(struct net *net, size_t n)
{
	if (n <= net->workspace_len && net->workspace)
		return net->workspace;
	free(net->workspace);
	net->workspace = malloc((n ? n : 1) * sizeof *net->workspace);
	net->workspace_len = net->workspace ? n : 0;
	return net->workspace;
}

struct shape net_layer_input_shape(const struct net *net, int i, int k)
{
	int src = net->layers[i].in_idx[k];
	return src < 0 ? net->input : net->layers[src].out;
}

static enum eng_status net_infer_shapes(struct net *net, struct eng_err *err)
{
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		struct shape in[LAYER_MAX_INPUTS];
		for (int k = 0; k < l->n_in; k++)
			in[k] = net_layer_input_shape(net, i, k);
		enum eng_status st = l->ops->infer(l, in, l->n_in, err);
		if (st != ENG_STATUS_OK)
			return st;
	}
	return ENG_STATUS_OK;
}

static enum eng_status net_alloc_params(struct net *net, struct eng_err *err)
{
	size_t np = 0, ns = 0;
	for (int i = 0; i < net->n_layers; i++) {
		np += layer_param_count(&net->layers[i]);
		ns += net->layers[i].state_len;
	}
	net->n_params = np;
	net->n_state = ns;
	net->params = calloc(np ? np : 1, sizeof(float));
	net->grads = calloc(np ? np : 1, sizeof(float));
	net->state = calloc(ns ? ns : 1, sizeof(float));
	if (!net->params || !net->grads || !net->state)
		return eng_err_set(err, ENG_STATUS_ENOMEM,
				   "%s: cannot allocate %zu parameters", net->name, np);
	size_t po = 0, so = 0;
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		l->w = l->w_len ? net->params + po : NULL;
		l->dw = l->w_len ? net->grads + po : NULL;
		po += l->w_len;
		l->b = l->b_len ? net->params + po : NULL;
		l->db = l->b_len ? net->grads + po : NULL;
		po += l->b_len;
		l->state = l->state_len ? net->state + so : NULL;
		so += l->state_len;
	}
	return ENG_STATUS_OK;
}

enum eng_status net_build(const struct net_spec *spec, struct net **out,
			  struct eng_err *err)
{
	*out = NULL;
	if (spec->n_layers <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: no layers", spec->name);
	if (spec->input.c <= 0 || spec->input.h <= 0 || spec->input.w <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: input shape %dx%dx%d is not positive",
				   spec->name, spec->input.c, spec->input.h, spec->input.w);
	if (spec->classes <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: classes must be positive", spec->name);
	struct net *net = calloc(1, sizeof *net);
	if (!net)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	memcpy(net->name, spec->name, sizeof net->name);
	net->input = spec->input;
	net->classes = spec->classes;
	net->n_layers = spec->n_layers;
	net->layers = calloc((size_t)spec->n_layers, sizeof *net->layers);
	if (!net->layers) {
		net_free(net);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	}
	for (int i = 0; i < spec->n_layers; i++) {
		const struct layer_spec *ls = &spec->layers[i];
		struct layer *l = &net->layers[i];
		l->kind = ls->kind;
		l->ops = layer_kind_ops(ls->kind);
		memcpy(l->name, ls->name, sizeof l->name);
		l->n_in = ls->n_in;
		for (int k = 0; k < LAYER_MAX_INPUTS; k++)
			l->in_idx[k] = k < ls->n_in ? ls->in_idx[k] : -1;
		ENG_ASSERT(l->n_in >= 1 && l->n_in <= LAYER_MAX_INPUTS);
		for (int k = 0; k < l->n_in; k++)
			ENG_ASSERT(l->in_idx[k] >= -1 && l->in_idx[k] < i);
		l->conf = ls->conf;
		if (l->conf.out == LAYER_OUT_CLASSES)
			l->conf.out = spec->classes;
	}
	enum eng_status st = net_infer_shapes(net, err);
	if (st == ENG_STATUS_OK)
		st = net_alloc_params(net, err);
	if (st != ENG_STATUS_OK) {
		net_free(net);
		return st;
	}
	*out = net;
	return ENG_STATUS_OK;
}

void net_init(struct net *net, uint64_t seed)
{
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		if (l->ops->init) {
			struct rng r;
			rng_seed(&r, rng_derive_seed(seed, l->name));
			l->ops->init(l, &r);
		}
	}
}

static size_t layer_scratch(const struct layer *l, int batch)
{
	return l->ops->scratch_len ? l->ops->scratch_len(l, batch) : 0;
}

static size_t layer_cache(const struct layer *l, int batch)
{
	return l->ops->cache_len ? l->ops->cache_len(l, batch) : 0;
}

/* The floats of net_prepare's workspace for max_batch (activations, their
 * gradients, layer caches, the shared scratch); SIZE_MAX when the count
 * does not fit a size_t.  The one computation behind net_prepare and
 * net_memory_estimate. */
static size_t net_workspace_floats(const struct net *net, int max_batch)
{
	size_t total = 0, scratch = 0;
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		size_t a, two;
		if (__builtin_mul_overflow(shape_size(l->out), (size_t)max_batch, &a) ||
		    __builtin_mul_overflow(arena_round(a), (size_t)2, &two) ||
		    __builtin_add_overflow(total, two, &total) ||
		    __builtin_add_overflow(total, arena_round(layer_cache(l, max_batch)),
					   &total))
			return SIZE_MAX;
		size_t sc = layer_scratch(l, max_batch);
		if (sc > scratch)
			scratch = sc;
	}
	if (__builtin_add_overflow(total, arena_round(scratch), &total))
		return SIZE_MAX;
	return total;
}

enum eng_status net_memory_estimate(const struct net *net, int max_batch, size_t *bytes)
{
	*bytes = SIZE_MAX;
	if (max_batch <= 0)
		return ENG_STATUS_EINVAL;
	size_t ws = net_workspace_floats(net, max_batch);
	size_t in, f = 0;
	if (ws == SIZE_MAX ||
	    __builtin_mul_overflow(shape_size(net->input), (size_t)max_batch, &in) ||
	    __builtin_add_overflow(ws, in, &f) ||
	    __builtin_add_overflow(f, net->n_state, &f) ||
	    __builtin_add_overflow(f, 2 * net->n_params, &f) ||
	    __builtin_mul_overflow(f, sizeof(float), bytes)) {
		*bytes = SIZE_MAX;
		return ENG_STATUS_EINVAL;
	}
	return ENG_STATUS_OK;
}

enum eng_status net_prepare(struct net *net, int max_batch, struct eng_err *err)
{
	if (max_batch <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "batch must be positive");
	if (net->max_batch == max_batch)
		return ENG_STATUS_OK;
	arena_done(&net->arena);
	free(net->act);
	free(net->dact);
	free(net->cache);
	net->act = net->dact = net->cache = NULL;
	net->max_batch = 0;
	size_t n = (size_t)net->n_layers;
	size_t total = net_workspace_floats(net, max_batch), scratch = 0;
	if (total == SIZE_MAX || total > SIZE_MAX / sizeof(float))
		return eng_err_set(err, ENG_STATUS_ENOMEM,
				   "%s: the workspace for batch %d is larger than memory "
				   "can address", net->name, max_batch);
	for (int i = 0; i < net->n_layers; i++) {
		size_t sc = layer_scratch(&net->layers[i], max_batch);
		if (sc > scratch)
			scratch = sc;
	}
	net->act = calloc(n, sizeof *net->act);
	net->dact = calloc(n, sizeof *net->dact);
	net->cache = calloc(n, sizeof *net->cache);
	if (!net->act || !net->dact || !net->cache ||
	    arena_init(&net->arena, total) != ENG_STATUS_OK)
		return eng_err_set(err, ENG_STATUS_ENOMEM,
				   "%s: cannot allocate %zu MiB of workspace for batch %d",
				   net->name, total * sizeof(float) >> 20, max_batch);
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		size_t a = shape_size(l->out) * (size_t)max_batch;
		size_t c = layer_cache(l, max_batch);
		net->act[i] = arena_alloc(&net->arena, a);
		net->dact[i] = arena_alloc(&net->arena, a);
		net->cache[i] = c ? arena_alloc(&net->arena, c) : NULL;
	}
	net->scratch = arena_alloc(&net->arena, scratch);
	ENG_ASSERT(net->scratch != NULL);
	net->max_batch = max_batch;
	return ENG_STATUS_OK;
}

static const float *net_source(const struct net *net, int idx, const float *input)
{
	return idx < 0 ? input : net->act[idx];
}

const float *net_forward(struct net *net, const float *input, int batch, bool train)
{
	return net_forward_team(net, input, batch, train, 0);
}

/* Whether layer i runs with the ReLU after it as one call (layer_ops
 * forward_relu and backward_relu): the layer can, layer i + 1 is a ReLU
 * that reads layer i, and no other layer does (so nobody needs layer i's
 * own output or gradient), unless the last forward kept every output
 * (net.h).  The one decision net_forward_team and net_backward both ask.
 * Linear in the layers; a pass costs far more. */
static bool net_fuses_relu(const struct net *net, int i)
{
	if (net->forward_kept_every_output || i + 1 >= net->n_layers)
		return false;
	const struct layer *l = &net->layers[i], *r = &net->layers[i + 1];
	if (!l->ops->forward_relu || !l->ops->backward_relu || r->kind != LAYER_KIND_RELU ||
	    r->n_in != 1 || r->in_idx[0] != i)
		return false;
	for (int j = i + 2; j < net->n_layers; j++)
		for (int k = 0; k < net->layers[j].n_in; k++)
			if (net->layers[j].in_idx[k] == i)
				return false;
	return true;
}

const float *net_forward_team(struct net *net, const float *input, int batch, bool train,
			      int threads)
{
	ENG_ASSERT(batch > 0 && batch <= net->max_batch);
	net->forward_kept_every_output = net->keep_every_output;
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		struct layer_io io = { .batch = batch, .train = train, .threads = threads,
				       .threads_split_gemm = threads > 1 };
		for (int k = 0; k < l->n_in; k++)
			io.in[k] = net_source(net, l->in_idx[k], input);
		io.out = net->act[i];
		io.cache = net->cache[i];
		io.scratch = net->scratch;
		if (net_fuses_relu(net, i)) {
			/* Straight into the ReLU's output. */
			io.out = net->act[i + 1];
			l->ops->forward_relu(l, &io, net->layers[i + 1].conf.clip);
			i++;
			continue;
		}
		l->ops->forward(l, &io);
	}
	return net->act[net->n_layers - 1];
}

/* Whether input k of layer i is the first, in backward order, to receive
 * a gradient for its source: no later layer reads the same source, and
 * no earlier input of layer i does.  That call assigns its gradient
 * (layer_io.din_assign) and the rest add to it, so no gradient buffer is
 * zeroed.  Linear in the layers; a backward step costs far more. */
static bool net_din_first(const struct net *net, int i, int k)
{
	const struct layer *l = &net->layers[i];
	int src = l->in_idx[k];
	for (int k2 = 0; k2 < k; k2++)
		if (l->in_idx[k2] == src)
			return false;
	for (int j = i + 1; j < net->n_layers; j++)
		for (int k2 = 0; k2 < net->layers[j].n_in; k2++)
			if (net->layers[j].in_idx[k2] == src)
				return false;
	return true;
}

/* Whether any layer reads layer i's output. */
static bool net_output_read(const struct net *net, int i)
{
	for (int j = i + 1; j < net->n_layers; j++)
		for (int k = 0; k < net->layers[j].n_in; k++)
			if (net->layers[j].in_idx[k] == i)
				return true;
	return false;
}

void net_backward(struct net *net, const float *input, const float *dlogits, int batch)
{
	ENG_ASSERT(batch > 0 && batch <= net->max_batch);
	int last = net->n_layers - 1;
	/* An output nobody reads gets no gradient from a later layer: zero. */
	for (int i = 0; i < last; i++)
		if (!net_output_read(net, i))
			memset(net->dact[i], 0,
			       shape_size(net->layers[i].out) * (size_t)batch * sizeof(float));
	memcpy(net->dact[last], dlogits,
	       shape_size(net->layers[last].out) * (size_t)batch * sizeof(float));
	for (int i = last; i >= 0; i--) {
		/* A ReLU run with the layer before it: the pair's backward,
		 * from the ReLU's output gradient to the layer's input. */
		const bool pair = i > 0 && net_fuses_relu(net, i - 1);
		const int top = i;
		if (pair)
			i--;
		struct layer *l = &net->layers[i];
		struct layer_io io = { .batch = batch, .train = true };
		for (int k = 0; k < l->n_in; k++) {
			int src = l->in_idx[k];
			io.in[k] = net_source(net, src, input);
			io.din[k] = src < 0 ? NULL : net->dact[src];
			io.din_assign[k] = src >= 0 && net_din_first(net, i, k);
		}
		io.out = net->act[top];
		io.dout = net->dact[top];
		io.cache = net->cache[i];
		io.scratch = net->scratch;
		if (pair)
			l->ops->backward_relu(l, &io, net->layers[top].conf.clip);
		else
			l->ops->backward(l, &io);
	}
}

void net_zero_grad(struct net *net)
{
	memset(net->grads, 0, net->n_params * sizeof(float));
}

int net_find(const struct net *net, const char *name)
{
	for (int i = 0; i < net->n_layers; i++) {
		if (strcmp(net->layers[i].name, name) == 0)
			return i;
	}
	return -1;
}

const float *net_layer_output(const struct net *net, int i)
{
	ENG_ASSERT(i >= 0 && i < net->n_layers && net->max_batch > 0);
	return net->act[i];
}

uint64_t net_macs(const struct net *net)
{
	uint64_t total = 0;
	for (int i = 0; i < net->n_layers; i++)
		total += net->layers[i].ops->macs(&net->layers[i]);
	return total;
}

size_t net_param_count(const struct net *net)
{
	return net->n_params;
}
