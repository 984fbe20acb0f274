/* groups.h: channel dependency groups, the unit of structured pruning.
 *
 * A group is a set of channels that can only be removed together.  Every
 * layer output is a "channel space"; groups_build joins spaces with
 * union-find:
 *  - conv (groups = 1) and linear start a new space for their output and
 *    are a PRODUCER of it; they are a CONSUMER of their input's group
 *    (conv: input channels; linear: input features, one group channel being
 *    `factor` consecutive features, see below);
 *  - bn (role BN), relu, maxpool, avgpool, gap (PASSTHROUGH) keep the
 *    channels of their input: output space = input space;
 *  - a depthwise conv (groups = in channels = out channels, > 1) ties its
 *    input and output channels: one space, role DEPTHWISE;
 *  - add joins the spaces of both inputs and its output (PASSTHROUGH), so a
 *    residual chain (identity or projection shortcut) is one group;
 *  - flatten of c x h x w keeps the group of its input but its output
 *    carries h*w consecutive features per group channel (factor = h*w);
 *    after gap the factor is 1.
 * Not prunable (group.fixed says why): the net input's group, the group of
 * the net's last layer output (the classifier), the input and output
 * groups of a grouped conv that is not depthwise (channels could only go in
 * whole conv groups; not handled), and a group with no producer.
 *
 * Group order and names: groups are numbered in net order of the layer
 * output that opens them; the net input's group (if the input reaches any
 * layer) is group 0 and is named "data".  Every other group is named after
 * its first PRODUCER in net order, e.g. resnet20's block-internal group
 * "layer1.0.conv1", its first stage group "conv1" (the stem conv plus
 * every layer1.x.conv2), the second "layer2.0.conv2" (with
 * layer2.0.shortcut.conv and layer2.x.conv2).  Names are unique.
 *
 * A layer can appear twice in one group (a conv whose input and output are
 * joined by an add: y = x + conv(x)); members list each (layer, role) pair.
 *
 * Owns: struct group_set owns every array in it (groups, members, the
 * per-layer lookups); free with groups_done.  struct group's members field
 * points into the set's storage.  A zeroed set is valid to pass to
 * groups_done.  The set borrows nothing from the net: it stays valid after
 * the net is freed, and applies to any net built from the same spec.
 *
 * Thread rules: read-only after groups_build; share freely.
 *
 *   struct group_set gs;
 *   if (groups_build(net, &gs, &err)) ...;
 *   for (int g = 0; g < gs.n_groups; g++)
 *       if (gs.groups[g].prunable) ... gs.groups[g].name, .channels ...;
 *   int g = gs.layer_out[net_find(net, "layer1.0.conv1")];
 *   groups_done(&gs);
 */
#ifndef RECONVENE_GROUPS_H
#define RECONVENE_GROUPS_H

#include <stdbool.h>

#include "nn/net.h"
#include "base/status.h"

enum group_role {
	GROUP_ROLE_PRODUCER,    /* conv / linear: output channels = group */
	GROUP_ROLE_BN,          /* bn over the group's channels */
	GROUP_ROLE_PASSTHROUGH, /* relu, pools, gap, flatten, add */
	GROUP_ROLE_CONSUMER,    /* conv / linear: input channels = group */
	GROUP_ROLE_DEPTHWISE,   /* depthwise conv: input and output = group */
	GROUP_ROLE_COUNT
};

/* Why a group cannot be pruned. */
enum group_fixed {
	GROUP_FIXED_NONE,        /* prunable */
	GROUP_FIXED_INPUT,       /* holds the net input's channels */
	GROUP_FIXED_OUTPUT,      /* holds the net output (class scores) */
	GROUP_FIXED_GROUPED,     /* in or out of a grouped, non-depthwise conv */
	GROUP_FIXED_NO_PRODUCER, /* no conv or linear makes these channels */
	GROUP_FIXED_COUNT
};

struct group_member {
	int layer;             /* layer index in the net */
	enum group_role role;
};

struct group {
	char name[LAYER_NAME_MAX]; /* first producer's layer name, or "data" */
	int channels;              /* channel count of the space */
	bool prunable;             /* fixed == GROUP_FIXED_NONE */
	enum group_fixed fixed;
	bool residual;             /* an add joins two or more spaces here */
	int n_producers;           /* members with role PRODUCER */
	int n_members;
	const struct group_member *members; /* view into the set; net order */
};

struct group_set {
	int n_layers;          /* of the net it was built from */
	int n_groups;
	struct group *groups;  /* owned, n_groups */
	struct group_member *member_store; /* owned; groups[].members point here */
	int input_group;       /* group of the net input, -1 if unused */
	int *layer_out;        /* owned, n_layers: group of layer i's output */
	int *layer_out_factor; /* owned, n_layers: features per group channel in
				* layer i's output (h*w after a flatten, else 1) */
	int *layer_in;         /* owned, n_layers: group of layer i's input 0
				* (an add's inputs share one group) */
	int *layer_in_factor;  /* owned, n_layers: features per group channel
				* as layer i reads input 0; for a linear this
				* is of its flattened input (h*w included) */
};

/* Build the groups of a net (only its layers, shapes and names are read).
 * ENG_STATUS_EINVAL if an add joins spaces of different widths or factors
 * (a net that net_build would not accept anyway), ENG_STATUS_ENOMEM.  On
 * error *out is zeroed. */
enum eng_status groups_build(const struct net *net, struct group_set *out,
			     struct eng_err *err);
void groups_done(struct group_set *gs);

/* A depthwise conv (groups = input channels = output channels > 1): one
 * channel space in and out, role DEPTHWISE. */
bool groups_layer_is_depthwise(const struct layer *l);
/* Index of the group with this name, or -1. */
int groups_find(const struct group_set *gs, const char *name);
/* Prunable groups in the set. */
int groups_prunable_count(const struct group_set *gs);
/* "producer", "bn", "passthrough", "consumer", "depthwise". */
const char *groups_role_name(enum group_role role);
/* "", "network input", "network output", "grouped convolution",
 * "no producer". */
const char *groups_fixed_name(enum group_fixed fixed);

#endif
