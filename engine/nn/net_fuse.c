/* net_fuse.c: see net_fuse.h. */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/conv_packing.h"
#include "nn/net_fuse.h"

/* How each layer of src is represented in the fused net. */
struct fuse_map {
	int *rep;	/* src layer -> fused layer whose output equals its output */
	int *from;	/* fused layer -> the src layer it copies */
	int *bn;	/* fused layer -> src BN folded into it, or -1 */
	int *uses;	/* src layer -> how many layer inputs read its output */
};

static bool fuse_alloc(struct fuse_map *m, int n)
{
	size_t k = (size_t)(n > 0 ? n : 1);
	m->rep = malloc(k * sizeof *m->rep);
	m->from = malloc(k * sizeof *m->from);
	m->bn = malloc(k * sizeof *m->bn);
	m->uses = calloc(k, sizeof *m->uses);
	return m->rep && m->from && m->bn && m->uses;
}

static void fuse_free(struct fuse_map *m)
{
	free(m->rep);
	free(m->from);
	free(m->bn);
	free(m->uses);
}

/* The fused spec: which src layers survive, with which inputs and
 * epilogues.  The layer that computes the net's output is the last fused
 * layer, as net_forward expects. */
static enum eng_status fuse_spec(const struct net *src, struct fuse_map *m,
				 struct net_spec *spec, struct eng_err *err)
{
	memset(spec, 0, sizeof *spec);
	snprintf(spec->name, sizeof spec->name, "%s", src->name);
	spec->input = src->input;
	spec->classes = src->classes;
	for (int i = 0; i < src->n_layers; i++)
		for (int k = 0; k < src->layers[i].n_in; k++)
			if (src->layers[i].in_idx[k] >= 0)
				m->uses[src->layers[i].in_idx[k]]++;
	for (int i = 0; i < src->n_layers; i++) {
		const struct layer *l = &src->layers[i];
		int p = l->in_idx[0];
		int f = p >= 0 ? m->rep[p] : -1;
		/* The net's output must stay the last fused layer. */
		bool sole = p >= 0 && m->uses[p] == 1 &&
			    (i < src->n_layers - 1 || f == spec->n_layers - 1);
		struct layer_spec *fl = f >= 0 ? &spec->layers[f] : NULL;
		if (l->kind == LAYER_KIND_BN && sole && fl &&
		    fl->kind == LAYER_KIND_CONV && m->bn[f] < 0 &&
		    !fl->conf.post_relu && m->from[f] == p) {
			m->bn[f] = i;
			fl->conf.bias = 1;
			m->rep[i] = f;
			continue;
		}
		if (l->kind == LAYER_KIND_RELU && sole && fl &&
		    (fl->kind == LAYER_KIND_CONV || fl->kind == LAYER_KIND_ADD) &&
		    !fl->conf.post_relu) {
			fl->conf.post_relu = true;
			fl->conf.post_clip = l->conf.clip;
			m->rep[i] = f;
			continue;
		}
		struct layer_spec ls = { .kind = l->kind, .n_in = l->n_in, .conf = l->conf };
		snprintf(ls.name, sizeof ls.name, "%s", l->name);
		for (int k = 0; k < l->n_in; k++)
			ls.in_idx[k] = l->in_idx[k] < 0 ? -1 : m->rep[l->in_idx[k]];
		int idx = spec->n_layers;
		if (net_spec_append(spec, &ls) != ENG_STATUS_OK)
			return eng_err_set(err, ENG_STATUS_ENOMEM, "fuse: out of memory");
		m->from[idx] = i;
		m->bn[idx] = -1;
		m->rep[i] = idx;
	}
	return ENG_STATUS_OK;
}

/* Copy (and fold) the parameters of fused layer f from src. */
static void fuse_params(const struct net *src, const uint8_t *mask,
			const struct fuse_map *m, int f, struct layer *dst)
{
	const struct layer *s = &src->layers[m->from[f]];
	bool masked = mask && (s->kind == LAYER_KIND_CONV || s->kind == LAYER_KIND_LINEAR);
	const uint8_t *mk = masked ? mask + (s->w - src->params) : NULL;
	for (size_t j = 0; j < s->w_len; j++)
		dst->w[j] = mk && !mk[j] ? 0.0f : s->w[j];
	if (s->state_len)
		memcpy(dst->state, s->state, s->state_len * sizeof *dst->state);
	if (m->bn[f] < 0) {
		if (s->b_len)
			memcpy(dst->b, s->b, s->b_len * sizeof *dst->b);
		return;
	}
	const struct layer *bn = &src->layers[m->bn[f]];
	int out_c = dst->out.c;
	size_t per = dst->w_len / (size_t)out_c;
	const float *mean = bn->state, *var = bn->state + out_c;
	for (int o = 0; o < out_c; o++) {
		double g = bn->w[o] / sqrt((double)var[o] + bn->conf.eps);
		for (size_t j = 0; j < per; j++)
			dst->w[(size_t)o * per + j] = (float)(dst->w[(size_t)o * per + j] * g);
		double b0 = s->b_len ? s->b[o] : 0.0;
		dst->b[o] = (float)((b0 - mean[o]) * g + bn->b[o]);
	}
}

/* The convs' weights in the forms conv_packing_for chooses, from the
 * folded weights, in one block the net owns. */
static enum eng_status fuse_packed(struct net *net, struct eng_err *err)
{
	size_t total = 0;
	for (int f = 0; f < net->n_layers; f++)
		total += conv_packing_len(&net->layers[f], conv_packing_for(&net->layers[f]));
	if (total == 0)
		return ENG_STATUS_OK;
	net->packed = malloc(total * sizeof *net->packed);
	if (!net->packed)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "fuse: out of memory");
	float *u = net->packed;
	for (int f = 0; f < net->n_layers; f++) {
		struct layer *l = &net->layers[f];
		const enum layer_packing p = conv_packing_for(l);
		if (p == LAYER_PACKED_NONE)
			continue;
		if (!conv_packing_fill(l, p, u))
			return eng_err_set(err, ENG_STATUS_ENOMEM, "fuse: out of memory");
		l->packing = p;
		l->w_packed = u;
		u += conv_packing_len(l, p);
	}
	return ENG_STATUS_OK;
}

enum eng_status net_fuse(const struct net *src, const uint8_t *mask,
			 struct net **out, struct eng_err *err)
{
	*out = NULL;
	struct fuse_map m = { 0 };
	struct net_spec spec;
	memset(&spec, 0, sizeof spec);
	enum eng_status st;
	if (!fuse_alloc(&m, src->n_layers)) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "fuse: out of memory");
		goto done;
	}
	if ((st = fuse_spec(src, &m, &spec, err)) != ENG_STATUS_OK)
		goto done;
	struct net *net;
	if ((st = net_build(&spec, &net, err)) != ENG_STATUS_OK)
		goto done;
	for (int f = 0; f < net->n_layers; f++)
		fuse_params(src, mask, &m, f, &net->layers[f]);
	if ((st = fuse_packed(net, err)) != ENG_STATUS_OK) {
		net_free(net);
		goto done;
	}
	*out = net;
done:
	net_spec_done(&spec);
	fuse_free(&m);
	return st;
}
