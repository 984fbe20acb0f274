/* width_staircase.c: a group's latency against its width
 * (width_staircase.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prune/width_staircase.h"

int width_ladder(int channels, int *out, int cap)
{
	int n = 0;
	for (int w = 1; w <= channels && n < cap; w++) {
		if (channels <= 64 || w <= 8 || w % 4 == 0 || w == channels)
			out[n++] = w;
	}
	return n;
}

bool width_staircase_times(const struct net *net, const struct group_set *gs, int g, int i)
{
	const struct layer *l = &net->layers[i];
	return (l->kind == LAYER_KIND_CONV || l->kind == LAYER_KIND_LINEAR) &&
	       (gs->layer_in[i] == g || gs->layer_out[i] == g);
}

/* Layer i of the net rebuilt alone with group g at width w: *spec gets
 * one layer, its input shape set.  false when the group does not shape
 * the layer's weights (bn, activations, pools). */
static bool width_layer_spec(const struct net *net, const struct group_set *gs, int g,
			     int i, int w, struct net_spec *spec, struct layer_spec *ls)
{
	const struct layer *l = &net->layers[i];
	if (!width_staircase_times(net, gs, g, i))
		return false;
	bool in_g = gs->layer_in[i] == g, out_g = gs->layer_out[i] == g;
	memset(spec, 0, sizeof *spec);
	memset(ls, 0, sizeof *ls);
	snprintf(spec->name, sizeof spec->name, "width");
	ls->kind = l->kind;
	snprintf(ls->name, sizeof ls->name, "%s", l->name);
	ls->n_in = 1;
	ls->in_idx[0] = -1;
	ls->conf = l->conf;
	ls->conf.post_relu = false;
	ls->conf.post_clip = 0.0f;
	struct shape in = l->in;
	int out = l->out.c;
	if (l->kind == LAYER_KIND_CONV) {
		bool depthwise = groups_layer_is_depthwise(l);
		if (in_g)
			in.c = w;
		if (out_g)
			out = w;
		if (depthwise)
			ls->conf.groups = w;
	} else {
		/* A linear reads its input flattened: a group channel is
		 * layer_in_factor features. */
		if (in_g) {
			in.c = w * gs->layer_in_factor[i];
			in.h = in.w = 1;
		}
		if (out_g)
			out = w;
	}
	ls->conf.out = out;
	spec->input = in;
	spec->classes = out;
	return true;
}

void width_staircase_cost(const struct net *net, const struct group_set *gs, int g, int w,
			  uint64_t *params, uint64_t *macs_out)
{
	uint64_t macs = 0, weights = 0;
	for (int i = 0; i < net->n_layers; i++) {
		struct net_spec spec;
		struct layer_spec ls;
		if (!width_layer_spec(net, gs, g, i, w, &spec, &ls))
			continue;
		spec.layers = &ls;
		spec.n_layers = 1;
		struct net *one = NULL;
		struct eng_err err;
		if (net_build(&spec, &one, &err) != ENG_STATUS_OK)
			continue;
		macs += one->layers[0].ops->macs(&one->layers[0]);
		weights += one->layers[0].w_len;
		net_free(one);
	}
	if (params)
		*params = weights;
	if (macs_out)
		*macs_out = macs;
}

uint64_t width_staircase_macs(const struct net *net, const struct group_set *gs, int g,
			      int w)
{
	uint64_t macs;
	width_staircase_cost(net, gs, g, w, NULL, &macs);
	return macs;
}

void width_staircase_done(struct width_staircase *s)
{
	free(s->pts);
	memset(s, 0, sizeof *s);
}

void width_staircase_flag(struct width_staircase *s)
{
	double best = 0.0;
	bool have = false;
	for (int k = s->n - 1; k >= 0; k--) {
		struct width_point *p = &s->pts[k];
		p->slow = have && best <= p->ms * (1.0 + WIDTH_TOLERANCE);
		if (!have || p->ms < best)
			best = p->ms;
		have = true;
	}
}

const struct width_point *width_staircase_at(const struct width_staircase *s, int w)
{
	for (int k = 0; k < s->n; k++)
		if (s->pts[k].width == w)
			return &s->pts[k];
	return NULL;
}

int width_index_at(const struct width_staircase *s, int w)
{
	for (int k = 0; k < s->n; k++)
		if (s->pts[k].width >= w)
			return k;
	return s->n - 1;
}

int width_free(const struct width_staircase *s, int current)
{
	if (s->n == 0)
		return current;
	int k = width_index_at(s, current);
	double limit = s->pts[k].ms * (1.0 + WIDTH_TOLERANCE);
	int best = current;
	for (int j = s->n - 1; j >= 0 && s->pts[j].width > current; j--) {
		if (s->pts[j].ms <= limit) {
			best = s->pts[j].width;
			break;
		}
	}
	return best;
}

int width_next_faster(const struct width_staircase *s, int current)
{
	if (s->n == 0)
		return 0;
	int k = width_index_at(s, current);
	double limit = s->pts[k].ms * (1.0 - WIDTH_TOLERANCE);
	for (int j = s->n - 1; j >= 0; j--)
		if (s->pts[j].width < current && s->pts[j].ms < limit)
			return s->pts[j].width;
	return 0;
}

enum eng_status width_staircase_measure(const struct net *net, const struct group_set *gs,
					int g, const int *widths, int n_widths,
					const struct latency_options *lo,
					void (*progress)(int done, int total, void *user),
					void *progress_user,
					struct width_staircase *out, struct eng_err *err)
{
	memset(out, 0, sizeof *out);
	if (g < 0 || g >= gs->n_groups || !gs->groups[g].prunable)
		return eng_err_set(err, ENG_STATUS_EINVAL, "group %d is not a prunable group", g);
	const struct group *gr = &gs->groups[g];
	int n_layers = 0;
	for (int i = 0; i < net->n_layers; i++)
		n_layers += width_staircase_times(net, gs, g, i);
	if (n_layers == 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "group %s has no conv or linear layer",
				   gr->name);
	for (int k = 0; k < n_widths; k++)
		if (widths[k] < 1 || widths[k] > gr->channels ||
		    (k > 0 && widths[k] <= widths[k - 1]))
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "widths for group %s must ascend within 1..%d",
					   gr->name, gr->channels);
	struct width_staircase s = { .group = g, .channels = gr->channels,
				     .n_layers = n_layers, .n = n_widths };
	s.pts = calloc((size_t)(n_widths > 0 ? n_widths : 1), sizeof *s.pts);
	if (!s.pts)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	struct latency_options o = *lo;
	o.progress = NULL;
	enum eng_status st = ENG_STATUS_OK;
	for (int k = 0; k < n_widths && st == ENG_STATUS_OK; k++) {
		struct width_point *p = &s.pts[k];
		p->width = widths[k];
		for (int i = 0; i < net->n_layers && st == ENG_STATUS_OK; i++) {
			struct net_spec spec;
			struct layer_spec ls;
			if (!width_layer_spec(net, gs, g, i, widths[k], &spec, &ls))
				continue;
			spec.layers = &ls;
			spec.n_layers = 1;
			struct net *one = NULL;
			st = net_build(&spec, &one, err);
			if (st != ENG_STATUS_OK)
				break;
			net_init(one, 1);
			p->macs += net_macs(one);
			struct latency_result r;
			st = latency_measure(one, NULL, LATENCY_VARIANT_DENSE, &o, &r, err);
			net_free(one);
			if (st != ENG_STATUS_OK)
				break;
			p->ms += r.median_ms;
			p->p10_ms += r.p10_ms;
			p->p90_ms += r.p90_ms;
		}
		if (st == ENG_STATUS_OK && progress)
			progress(k + 1, n_widths, progress_user);
	}
	if (st != ENG_STATUS_OK) {
		width_staircase_done(&s);
		return st;
	}
	width_staircase_flag(&s);
	*out = s;
	return ENG_STATUS_OK;
}
