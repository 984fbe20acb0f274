/* groups.c: channel dependency groups by union-find over channel spaces.
 *
 * Nodes: node 0 is the net input, node i + 1 is layer i's output.  Each
 * node carries a factor (features per group channel: 1, or h*w after a
 * flatten).  Layers that keep their input's channels union their output
 * node with their input node; conv (non-depthwise) and linear outputs stay
 * separate.  After the unions every root is one group; its width is
 * node channels / factor, the same for every node of the set (checked).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prune/groups.h"

static int uf_find(int *parent, int x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

/* Join so that the lower node stays the root: groups then number in net
 * order of their first node. */
static void uf_union(int *parent, int a, int b)
{
	a = uf_find(parent, a);
	b = uf_find(parent, b);
	if (a == b)
		return;
	if (a < b)
		parent[b] = a;
	else
		parent[a] = b;
}

bool groups_layer_is_depthwise(const struct layer *l)
{
	return l->kind == LAYER_KIND_CONV && l->conf.groups > 1 &&
	       l->conf.groups == l->in.c && l->out.c == l->in.c;
}

const char *groups_role_name(enum group_role role)
{
	static const char *const names[GROUP_ROLE_COUNT] = {
		[GROUP_ROLE_PRODUCER] = "producer",
		[GROUP_ROLE_BN] = "bn",
		[GROUP_ROLE_PASSTHROUGH] = "passthrough",
		[GROUP_ROLE_CONSUMER] = "consumer",
		[GROUP_ROLE_DEPTHWISE] = "depthwise",
	};
	ENG_ASSERT((int)role >= 0 && role < GROUP_ROLE_COUNT);
	return names[role];
}

const char *groups_fixed_name(enum group_fixed fixed)
{
	static const char *const names[GROUP_FIXED_COUNT] = {
		[GROUP_FIXED_NONE] = "",
		[GROUP_FIXED_INPUT] = "network input",
		[GROUP_FIXED_OUTPUT] = "network output",
		[GROUP_FIXED_GROUPED] = "grouped convolution",
		[GROUP_FIXED_NO_PRODUCER] = "no producer",
	};
	ENG_ASSERT((int)fixed >= 0 && fixed < GROUP_FIXED_COUNT);
	return names[fixed];
}

void groups_done(struct group_set *gs)
{
	if (!gs)
		return;
	free(gs->groups);
	free(gs->member_store);
	free(gs->layer_out);
	free(gs->layer_out_factor);
	free(gs->layer_in);
	free(gs->layer_in_factor);
	memset(gs, 0, sizeof *gs);
}

int groups_find(const struct group_set *gs, const char *name)
{
	for (int g = 0; g < gs->n_groups; g++) {
		if (strcmp(gs->groups[g].name, name) == 0)
			return g;
	}
	return -1;
}

int groups_prunable_count(const struct group_set *gs)
{
	int n = 0;
	for (int g = 0; g < gs->n_groups; g++)
		n += gs->groups[g].prunable;
	return n;
}

/* Set the fixed reason unless a stronger one (lower enum) is already set. */
static void groups_fix(struct group *g, enum group_fixed why)
{
	if (g->fixed == GROUP_FIXED_NONE || why < g->fixed)
		g->fixed = why;
}

/* The (group, role) pairs layer i adds; at most two. */
static int groups_layer_roles(const struct group_set *gs, const struct layer *l,
			      int i, int grp[2], enum group_role role[2])
{
	switch (l->kind) {
	case LAYER_KIND_CONV:
		if (groups_layer_is_depthwise(l)) {
			grp[0] = gs->layer_out[i];
			role[0] = GROUP_ROLE_DEPTHWISE;
			return 1;
		}
		/* fall through */
	case LAYER_KIND_LINEAR:
		grp[0] = gs->layer_in[i];
		role[0] = GROUP_ROLE_CONSUMER;
		grp[1] = gs->layer_out[i];
		role[1] = GROUP_ROLE_PRODUCER;
		return 2;
	case LAYER_KIND_BN:
		grp[0] = gs->layer_out[i];
		role[0] = GROUP_ROLE_BN;
		return 1;
	default:
		grp[0] = gs->layer_out[i];
		role[0] = GROUP_ROLE_PASSTHROUGH;
		return 1;
	}
}

static enum eng_status groups_alloc(struct group_set *gs, int n_layers)
{
	size_t n = (size_t)n_layers;
	gs->n_layers = n_layers;
	gs->layer_out = calloc(n, sizeof *gs->layer_out);
	gs->layer_out_factor = calloc(n, sizeof *gs->layer_out_factor);
	gs->layer_in = calloc(n, sizeof *gs->layer_in);
	gs->layer_in_factor = calloc(n, sizeof *gs->layer_in_factor);
	gs->groups = calloc(n + 1, sizeof *gs->groups);
	gs->member_store = calloc(2 * n, sizeof *gs->member_store);
	if (!gs->layer_out || !gs->layer_out_factor || !gs->layer_in ||
	    !gs->layer_in_factor || !gs->groups || !gs->member_store)
		return ENG_STATUS_ENOMEM;
	return ENG_STATUS_OK;
}

/* Union the nodes; fills factor[] (per node) and checks widths. */
static enum eng_status groups_union_all(const struct net *net, int *parent,
					int *factor, struct eng_err *err)
{
	int n = net->n_layers;
	for (int x = 0; x <= n; x++)
		parent[x] = x;
	factor[0] = 1;
	for (int i = 0; i < n; i++) {
		const struct layer *l = &net->layers[i];
		int in = l->in_idx[0] + 1, out = i + 1;
		factor[out] = factor[in];
		switch (l->kind) {
		case LAYER_KIND_CONV:
			if (groups_layer_is_depthwise(l))
				uf_union(parent, in, out);
			else
				factor[out] = 1;
			break;
		case LAYER_KIND_LINEAR:
			factor[out] = 1;
			break;
		case LAYER_KIND_FLATTEN:
			factor[out] = factor[in] * l->in.h * l->in.w;
			uf_union(parent, in, out);
			break;
		case LAYER_KIND_ADD: {
			int in1 = l->in_idx[1] + 1;
			if (factor[in1] != factor[in])
				return eng_err_set(err, ENG_STATUS_EINVAL,
						   "%s: adds a flattened and an unflattened tensor; cannot group its channels",
						   l->name);
			uf_union(parent, in, out);
			uf_union(parent, in1, out);
			break;
		}
		default: /* bn, relu, pools, gap keep the channels */
			uf_union(parent, in, out);
			break;
		}
	}
	return ENG_STATUS_OK;
}

static int groups_node_channels(const struct net *net, int node)
{
	return node == 0 ? net->input.c : net->layers[node - 1].out.c;
}

enum eng_status groups_build(const struct net *net, struct group_set *out,
			     struct eng_err *err)
{
	memset(out, 0, sizeof *out);
	int n = net->n_layers;
	ENG_ASSERT(n > 0);
	struct group_set gs = { 0 };
	int *parent = malloc((size_t)(n + 1) * sizeof *parent);
	int *factor = malloc((size_t)(n + 1) * sizeof *factor);
	int *gid = malloc((size_t)(n + 1) * sizeof *gid);
	int *fill = NULL;
	enum eng_status st = ENG_STATUS_ENOMEM;
	if (!parent || !factor || !gid || groups_alloc(&gs, n) != ENG_STATUS_OK) {
		eng_err_set(err, st, "out of memory");
		goto fail;
	}
	st = groups_union_all(net, parent, factor, err);
	if (st != ENG_STATUS_OK)
		goto fail;

	/* Number the roots in node order. */
	for (int x = 0; x <= n; x++)
		gid[x] = -1;
	for (int x = 0; x <= n; x++) {
		int r = uf_find(parent, x);
		if (gid[r] < 0) {
			struct group *g = &gs.groups[gs.n_groups];
			gid[r] = gs.n_groups++;
			g->channels = groups_node_channels(net, x) / factor[x];
		}
		gid[x] = gid[r];
		struct group *g = &gs.groups[gid[x]];
		int ch = groups_node_channels(net, x);
		if (ch % factor[x] != 0 || ch / factor[x] != g->channels) {
			st = eng_err_set(err, ENG_STATUS_EINVAL,
					 "%s: joins channel spaces of different widths (%d and %d)",
					 x == 0 ? "data" : net->layers[x - 1].name,
					 g->channels, ch / factor[x]);
			goto fail;
		}
	}
	gs.input_group = gid[0];
	for (int i = 0; i < n; i++) {
		const struct layer *l = &net->layers[i];
		gs.layer_out[i] = gid[i + 1];
		gs.layer_out_factor[i] = factor[i + 1];
		gs.layer_in[i] = gid[l->in_idx[0] + 1];
		gs.layer_in_factor[i] = factor[l->in_idx[0] + 1];
		if (l->kind == LAYER_KIND_LINEAR)
			gs.layer_in_factor[i] *= l->in.h * l->in.w;
		else if (l->kind == LAYER_KIND_CONV && !groups_layer_is_depthwise(l) &&
			 l->conf.groups > 1) {
			groups_fix(&gs.groups[gs.layer_in[i]], GROUP_FIXED_GROUPED);
			groups_fix(&gs.groups[gs.layer_out[i]], GROUP_FIXED_GROUPED);
		}
	}

	/* Members: count, place, fill in net order. */
	int grp[2];
	enum group_role role[2];
	for (int i = 0; i < n; i++) {
		int k = groups_layer_roles(&gs, &net->layers[i], i, grp, role);
		for (int j = 0; j < k; j++)
			gs.groups[grp[j]].n_members++;
	}
	fill = calloc((size_t)gs.n_groups, sizeof *fill);
	if (!fill) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		goto fail;
	}
	int off = 0;
	for (int g = 0; g < gs.n_groups; g++) {
		gs.groups[g].members = gs.member_store + off;
		off += gs.groups[g].n_members;
	}
	for (int i = 0; i < n; i++) {
		const struct layer *l = &net->layers[i];
		int k = groups_layer_roles(&gs, l, i, grp, role);
		for (int j = 0; j < k; j++) {
			struct group *g = &gs.groups[grp[j]];
			struct group_member *m = gs.member_store +
				(g->members - gs.member_store) + fill[grp[j]]++;
			m->layer = i;
			m->role = role[j];
			if (role[j] == GROUP_ROLE_PRODUCER) {
				if (g->n_producers++ == 0)
					memcpy(g->name, l->name, sizeof g->name);
			}
			if (l->kind == LAYER_KIND_ADD)
				g->residual = true;
		}
	}

	groups_fix(&gs.groups[gs.input_group], GROUP_FIXED_INPUT);
	groups_fix(&gs.groups[gs.layer_out[n - 1]], GROUP_FIXED_OUTPUT);
	for (int g = 0; g < gs.n_groups; g++) {
		struct group *gr = &gs.groups[g];
		if (gr->n_producers == 0)
			groups_fix(gr, GROUP_FIXED_NO_PRODUCER);
		if (g == gs.input_group)
			snprintf(gr->name, sizeof gr->name, "data");
		else if (gr->name[0] == '\0' && gr->n_members > 0)
			memcpy(gr->name, net->layers[gr->members[0].layer].name,
			       sizeof gr->name);
		gr->prunable = gr->fixed == GROUP_FIXED_NONE;
	}
	free(parent);
	free(factor);
	free(gid);
	free(fill);
	*out = gs;
	return ENG_STATUS_OK;
fail:
	free(parent);
	free(factor);
	free(gid);
	free(fill);
	groups_done(&gs);
	return st;
}
