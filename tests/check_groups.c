/* check_groups.c: dependency groups and structured-pruning plans.
 *
 * References: hand-derived member lists for small nets written here; hand
 * counts of parameters and MACs; naive index loops for the weight and mask
 * gathers; and the equivalence "masking removed channels in the original
 * net == the compacted net", evaluated by the net's own forward pass.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/cfg.h"
#include "prune/groups.h"
#include "nn/net.h"
#include "measure/metrics.h"
#include "prune/plan.h"
#include "prune/plan_project.h"
#include "prune/plan_uniform.h"
#include "base/rng.h"

/* ---- helpers ------------------------------------------------------------ */

static void spec_from_string(const char *text, struct net_spec *spec)
{
	struct eng_err err = { { 0 } };
	enum eng_status st = cfg_parse_string(text, strlen(text), "test.cfg",
					      spec, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
}

static void spec_from_model(const char *name, struct net_spec *spec)
{
	char path[4096];
	struct eng_err err = { { 0 } };
	const char *top = getenv("top_srcdir");
	if (!top || !*top)
		top = ".";
	int n = snprintf(path, sizeof path, "%s/models/%s.cfg", top, name);
	ck_assert(n > 0 && (size_t)n < sizeof path);
	enum eng_status st = cfg_parse_file(path, spec, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s: %s", path, err.msg);
}

static struct net *net_from_spec(const struct net_spec *spec)
{
	struct net *net = NULL;
	struct eng_err err = { { 0 } };
	enum eng_status st = net_build(spec, &net, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
	return net;
}

static void groups_of(const struct net *net, struct group_set *gs)
{
	struct eng_err err = { { 0 } };
	enum eng_status st = groups_build(net, gs, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
}

static int layer_idx(const struct net *net, const char *name)
{
	int i = net_find(net, name);
	ck_assert_msg(i >= 0, "no layer %s", name);
	return i;
}

/* Expected member: layer name and role. */
struct want_member {
	const char *layer;
	enum group_role role;
};

static void check_group(const struct net *net, const struct group_set *gs,
			const char *name, int channels, bool prunable,
			bool residual, const struct want_member *want, int n_want)
{
	int g = groups_find(gs, name);
	ck_assert_msg(g >= 0, "no group %s", name);
	const struct group *gr = &gs->groups[g];
	ck_assert_int_eq(gr->channels, channels);
	ck_assert_msg(gr->prunable == prunable, "%s prunable %d", name, gr->prunable);
	ck_assert_msg(gr->residual == residual, "%s residual %d", name, gr->residual);
	ck_assert_msg(gr->n_members == n_want, "%s: %d members, want %d", name,
		      gr->n_members, n_want);
	for (int m = 0; m < n_want; m++) {
		ck_assert_msg(gr->members[m].layer == layer_idx(net, want[m].layer) &&
			      gr->members[m].role == want[m].role,
			      "%s member %d: %s/%s, want %s/%s", name, m,
			      net->layers[gr->members[m].layer].name,
			      groups_role_name(gr->members[m].role), want[m].layer,
			      groups_role_name(want[m].role));
	}
}

#define P GROUP_ROLE_PRODUCER
#define B GROUP_ROLE_BN
#define T GROUP_ROLE_PASSTHROUGH
#define C GROUP_ROLE_CONSUMER
#define D GROUP_ROLE_DEPTHWISE
#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* conv-bn-relu; y = x + bn(conv(x)) (identity, the conv is consumer AND
 * producer of one group); a projection shortcut; a depthwise conv; gap ->
 * linear. */
static const char tiny1_cfg[] =
	"[net]\nname = tiny1\ninput = 3x8x8\nclasses = 5\n"
	"[conv]\nname = c1\nout = 4\nsize = 3\npad = 1\nbias = 1\n"
	"[bn]\nname = bn1\n"
	"[relu]\nname = r1\n"
	"[conv]\nname = c2\nout = 4\nsize = 3\npad = 1\nbias = 0\n"
	"[bn]\nname = bn2\n"
	"[add]\nname = add1\nfrom = r1\n"
	"[relu]\nname = r2\n"
	"[conv]\nname = c3\nout = 6\nsize = 1\nstride = 2\nbias = 0\n"
	"[bn]\nname = bn3\n"
	"[conv]\nname = sc\ninput = r2\nout = 6\nsize = 1\nstride = 2\nbias = 1\n"
	"[bn]\nname = scbn\n"
	"[add]\nname = add2\ninput = bn3\nfrom = scbn\n"
	"[relu]\nname = r3\n"
	"[conv]\nname = dw\nout = 6\nsize = 3\npad = 1\ngroups = 6\nbias = 1\n"
	"[bn]\nname = bndw\n"
	"[conv]\nname = pw\nout = 4\nsize = 1\nbias = 0\n"
	"[bn]\nname = bn5\n"
	"[relu]\nname = r5\n"
	"[gap]\nname = gap\n"
	"[linear]\nname = fc\nout = classes\n";

/* A grouped (non-depthwise) conv; maxpool -> flatten -> linear; a hidden
 * linear. */
static const char tiny2_cfg[] =
	"[net]\nname = tiny2\ninput = 4x6x6\nclasses = 3\n"
	"[conv]\nname = c0\nout = 4\nsize = 3\npad = 1\n"
	"[conv]\nname = g\nout = 6\nsize = 3\npad = 1\ngroups = 2\n"
	"[relu]\nname = r1\n"
	"[conv]\nname = c2\nout = 3\nsize = 3\npad = 1\nbias = 1\n"
	"[bn]\nname = bn2\n"
	"[maxpool]\nname = mp\nsize = 2\n"
	"[flatten]\nname = fl\n"
	"[linear]\nname = fc1\nout = 5\n"
	"[relu]\nname = r2\n"
	"[linear]\nname = fc\nout = classes\n";

/* A conv feeding a linear directly (implicit flatten, 16 features per
 * channel) and an avgpool. */
static const char tiny3_cfg[] =
	"[net]\nname = tiny3\ninput = 2x8x8\nclasses = 4\n"
	"[conv]\nname = c0\nout = 5\nsize = 3\npad = 1\nbias = 1\n"
	"[bn]\nname = bn0\n"
	"[avgpool]\nname = ap\nsize = 2\n"
	"[conv]\nname = c1\nout = 3\nsize = 3\npad = 1\n"
	"[relu]\nname = r1\n"
	"[linear]\nname = fc\nout = classes\n";

/* ---- groups of hand-made nets ------------------------------------------ */

START_TEST(test_groups_tiny1)
{
	struct net_spec spec;
	spec_from_string(tiny1_cfg, &spec);
	struct net *net = net_from_spec(&spec);
	struct group_set gs;
	groups_of(net, &gs);
	ck_assert_int_eq(gs.n_groups, 5);
	ck_assert_int_eq(groups_prunable_count(&gs), 3);
	ck_assert_int_eq(gs.input_group, 0);
	ck_assert_str_eq(gs.groups[0].name, "data");
	ck_assert_str_eq(gs.groups[1].name, "c1");
	ck_assert_str_eq(gs.groups[2].name, "c3");
	ck_assert_str_eq(gs.groups[3].name, "pw");
	ck_assert_str_eq(gs.groups[4].name, "fc");

	static const struct want_member data[] = { { "c1", C } };
	check_group(net, &gs, "data", 3, false, false, data, N_OF(data));
	ck_assert_int_eq(gs.groups[0].fixed, GROUP_FIXED_INPUT);
	static const struct want_member a[] = {
		{ "c1", P }, { "bn1", B }, { "r1", T }, { "c2", C }, { "c2", P },
		{ "bn2", B }, { "add1", T }, { "r2", T }, { "c3", C }, { "sc", C },
	};
	check_group(net, &gs, "c1", 4, true, true, a, N_OF(a));
	ck_assert_int_eq(gs.groups[1].n_producers, 2);
	static const struct want_member c[] = {
		{ "c3", P }, { "bn3", B }, { "sc", P }, { "scbn", B }, { "add2", T },
		{ "r3", T }, { "dw", D }, { "bndw", B }, { "pw", C },
	};
	check_group(net, &gs, "c3", 6, true, true, c, N_OF(c));
	static const struct want_member e[] = {
		{ "pw", P }, { "bn5", B }, { "r5", T }, { "gap", T }, { "fc", C },
	};
	check_group(net, &gs, "pw", 4, true, false, e, N_OF(e));
	static const struct want_member f[] = { { "fc", P } };
	check_group(net, &gs, "fc", 5, false, false, f, N_OF(f));
	ck_assert_int_eq(gs.groups[4].fixed, GROUP_FIXED_OUTPUT);

	/* per-layer lookups */
	int dw = layer_idx(net, "dw"), fc = layer_idx(net, "fc");
	ck_assert_int_eq(gs.layer_in[dw], 2);
	ck_assert_int_eq(gs.layer_out[dw], 2);
	ck_assert_int_eq(gs.layer_in[fc], 3);
	ck_assert_int_eq(gs.layer_in_factor[fc], 1);
	ck_assert_int_eq(gs.layer_out[fc], 4);
	ck_assert_int_eq(gs.layer_in[layer_idx(net, "c1")], 0);
	ck_assert_int_eq(gs.layer_out[layer_idx(net, "add1")], 1);
	groups_done(&gs);
	groups_done(&gs); /* zeroed: safe twice */
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

START_TEST(test_groups_tiny2_tiny3)
{
	struct net_spec spec;
	spec_from_string(tiny2_cfg, &spec);
	struct net *net = net_from_spec(&spec);
	struct group_set gs;
	groups_of(net, &gs);
	ck_assert_int_eq(gs.n_groups, 6);
	static const struct want_member a[] = { { "c0", P }, { "g", C } };
	check_group(net, &gs, "c0", 4, false, false, a, N_OF(a));
	ck_assert_int_eq(gs.groups[groups_find(&gs, "c0")].fixed, GROUP_FIXED_GROUPED);
	static const struct want_member b[] = { { "g", P }, { "r1", T }, { "c2", C } };
	check_group(net, &gs, "g", 6, false, false, b, N_OF(b));
	static const struct want_member c[] = {
		{ "c2", P }, { "bn2", B }, { "mp", T }, { "fl", T }, { "fc1", C },
	};
	check_group(net, &gs, "c2", 3, true, false, c, N_OF(c));
	static const struct want_member d[] = { { "fc1", P }, { "r2", T }, { "fc", C } };
	check_group(net, &gs, "fc1", 5, true, false, d, N_OF(d));
	ck_assert_int_eq(gs.layer_out_factor[layer_idx(net, "fl")], 9);
	ck_assert_int_eq(gs.layer_out_factor[layer_idx(net, "mp")], 1);
	ck_assert_int_eq(gs.layer_in_factor[layer_idx(net, "fc1")], 9);
	ck_assert_int_eq(gs.layer_in_factor[layer_idx(net, "fc")], 1);
	ck_assert_int_eq(groups_prunable_count(&gs), 2);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);

	spec_from_string(tiny3_cfg, &spec);
	net = net_from_spec(&spec);
	groups_of(net, &gs);
	ck_assert_int_eq(gs.n_groups, 4);
	static const struct want_member e[] = {
		{ "c0", P }, { "bn0", B }, { "ap", T }, { "c1", C },
	};
	check_group(net, &gs, "c0", 5, true, false, e, N_OF(e));
	static const struct want_member f[] = { { "c1", P }, { "r1", T }, { "fc", C } };
	check_group(net, &gs, "c1", 3, true, false, f, N_OF(f));
	ck_assert_int_eq(gs.layer_in_factor[layer_idx(net, "fc")], 16);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

/* ---- groups of the model zoo ------------------------------------------- */

START_TEST(test_groups_vgg16)
{
	struct net_spec spec;
	spec_from_model("vgg16", &spec);
	struct net *net = net_from_spec(&spec);
	struct group_set gs;
	groups_of(net, &gs);
	/* data + one group per conv (13) + fc */
	ck_assert_int_eq(gs.n_groups, 15);
	ck_assert_int_eq(groups_prunable_count(&gs), 13);
	int convs = 0;
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (l->kind != LAYER_KIND_CONV)
			continue;
		convs++;
		const struct group *gr = &gs.groups[gs.layer_out[i]];
		ck_assert_str_eq(gr->name, l->name);
		ck_assert(gr->prunable && !gr->residual);
		ck_assert_int_eq(gr->n_producers, 1);
		ck_assert_int_eq(gr->channels, l->out.c);
	}
	ck_assert_int_eq(convs, 13);
	static const struct want_member g11[] = {
		{ "conv1_1", P }, { "bn1_1", B }, { "relu1_1", T }, { "conv1_2", C },
	};
	check_group(net, &gs, "conv1_1", 64, true, false, g11, N_OF(g11));
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

START_TEST(test_groups_resnet20)
{
	struct net_spec spec;
	spec_from_model("resnet20", &spec);
	struct net *net = net_from_spec(&spec);
	struct group_set gs;
	groups_of(net, &gs);
	/* data, 3 stage groups, 9 block-internal groups, fc */
	ck_assert_int_eq(gs.n_groups, 14);
	ck_assert_int_eq(groups_prunable_count(&gs), 12);
	int internal = 0, stage = 0;
	for (int g = 0; g < gs.n_groups; g++) {
		const struct group *gr = &gs.groups[g];
		if (!gr->prunable)
			continue;
		if (gr->residual) {
			stage++;
		} else {
			internal++;
			ck_assert_int_eq(gr->n_members, 4); /* conv1 bn1 relu1 conv2 */
			ck_assert_ptr_nonnull(strstr(gr->name, ".conv1"));
		}
	}
	ck_assert_int_eq(internal, 9);
	ck_assert_int_eq(stage, 3);

	const char *const s1p[] = { "conv1", "layer1.0.conv2", "layer1.1.conv2",
				    "layer1.2.conv2" };
	const char *const s2p[] = { "layer2.0.conv2", "layer2.0.shortcut.conv",
				    "layer2.1.conv2", "layer2.2.conv2" };
	const char *const s3p[] = { "layer3.0.conv2", "layer3.0.shortcut.conv",
				    "layer3.1.conv2", "layer3.2.conv2" };
	const char *const *sp[3] = { s1p, s2p, s3p };
	const int width[3] = { 16, 32, 64 };
	for (int s = 0; s < 3; s++) {
		int g = groups_find(&gs, sp[s][0]);
		ck_assert_int_ge(g, 0);
		ck_assert_int_eq(gs.groups[g].channels, width[s]);
		ck_assert_int_eq(gs.groups[g].n_producers, 4);
		for (int k = 0; k < 4; k++)
			ck_assert_int_eq(gs.layer_out[layer_idx(net, sp[s][k])], g);
	}
	/* the stage-1 group feeds layer2.0.conv1 and the shortcut */
	int g1 = groups_find(&gs, "conv1");
	ck_assert_int_eq(gs.layer_in[layer_idx(net, "layer2.0.conv1")], g1);
	ck_assert_int_eq(gs.layer_in[layer_idx(net, "layer2.0.shortcut.conv")], g1);
	ck_assert_int_eq(gs.layer_in[layer_idx(net, "fc")],
			 groups_find(&gs, "layer3.0.conv2"));
	static const struct want_member blk[] = {
		{ "layer2.1.conv1", P }, { "layer2.1.bn1", B },
		{ "layer2.1.relu1", T }, { "layer2.1.conv2", C },
	};
	check_group(net, &gs, "layer2.1.conv1", 32, true, false, blk, N_OF(blk));
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

START_TEST(test_groups_mobilenetv2)
{
	struct net_spec spec;
	spec_from_model("mobilenetv2", &spec);
	struct net *net = net_from_spec(&spec);
	struct group_set gs;
	groups_of(net, &gs);
	/* data; stem; 17 expansion groups (conv1 + depthwise conv2); 7 stage
	 * output groups (16 24 32 64 96 160 320); the 1280 head; fc */
	ck_assert_int_eq(gs.n_groups, 28);
	ck_assert_int_eq(groups_prunable_count(&gs), 26);
	int dw_groups = 0, residual = 0;
	for (int g = 0; g < gs.n_groups; g++) {
		const struct group *gr = &gs.groups[g];
		int n_dw = 0;
		for (int m = 0; m < gr->n_members; m++)
			n_dw += gr->members[m].role == GROUP_ROLE_DEPTHWISE;
		if (n_dw) {
			dw_groups++;
			ck_assert_int_eq(n_dw, 1);
			ck_assert_int_eq(gr->n_producers, 1);
			ck_assert_ptr_nonnull(strstr(gr->name, ".conv1"));
		}
		residual += gr->residual;
	}
	ck_assert_int_eq(dw_groups, 17);
	/* every stride-1 block has an add: all 7 stage groups but 32/64/160
	 * stages start at stride 2 and still have identity blocks after */
	ck_assert_int_eq(residual, 7);
	/* 24 wide: block 1 (shortcut conv) and block 2 (identity) */
	int g = groups_find(&gs, "layers.1.conv3");
	ck_assert_int_ge(g, 0);
	ck_assert_int_eq(g, gs.layer_out[layer_idx(net, "layers.2.conv3")]);
	ck_assert_int_eq(g, gs.layer_out[layer_idx(net, "layers.1.shortcut.conv")]);
	ck_assert_int_eq(gs.groups[g].channels, 24);
	ck_assert_int_eq(gs.groups[g].n_producers, 3);
	ck_assert(gs.groups[g].residual && gs.groups[g].prunable);
	int h = groups_find(&gs, "conv2");                /* the 1280 head */
	ck_assert_int_ge(h, 0);
	ck_assert_int_eq(gs.groups[h].channels, 1280);
	ck_assert_int_eq(gs.layer_in[layer_idx(net, "fc")], h);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

/* ---- equivalence: masked original == compacted ------------------------- */

static void randomise_net(struct net *net, uint64_t seed)
{
	net_init(net, seed);
	struct rng r;
	rng_seed(&r, seed ^ 0x5eedu);
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		if (l->kind == LAYER_KIND_BN) {
			int c = l->out.c;
			for (int k = 0; k < c; k++) {
				l->w[k] = 0.5f + (float)rng_uniform(&r);
				l->b[k] = 0.5f * rng_normal(&r);
				l->state[k] = 0.5f * rng_normal(&r);
				l->state[c + k] = 0.5f + 1.5f * (float)rng_uniform(&r);
			}
		} else if (l->b) {
			for (size_t k = 0; k < l->b_len; k++)
				l->b[k] = 0.2f * rng_normal(&r);
		}
	}
}

/* About half of each prunable group, random indices. */
static void random_plan(const struct group_set *gs, struct prune_plan *plan,
			uint64_t seed)
{
	struct eng_err err = { { 0 } };
	ck_assert_int_eq(plan_init(plan, gs), ENG_STATUS_OK);
	struct rng r;
	rng_seed(&r, seed);
	for (int g = 0; g < gs->n_groups; g++) {
		const struct group *gr = &gs->groups[g];
		if (!gr->prunable)
			continue;
		int c = gr->channels;
		int keep = c / 2 + (int)rng_below(&r, 3) - 1;
		if (keep < 1)
			keep = 1;
		if (keep > c)
			keep = c;
		int *perm = malloc((size_t)c * sizeof *perm);
		ck_assert_ptr_nonnull(perm);
		for (int k = 0; k < c; k++)
			perm[k] = k;
		for (int k = 0; k < keep; k++) {
			int j = k + (int)rng_below(&r, (uint32_t)(c - k));
			int t = perm[k];
			perm[k] = perm[j];
			perm[j] = t;
		}
		ck_assert_int_eq(plan_set_indices(plan, g, perm, keep, &err), ENG_STATUS_OK);
		free(perm);
	}
}

static void random_input(float *x, size_t n, uint64_t seed)
{
	struct rng r;
	rng_seed(&r, seed);
	for (size_t k = 0; k < n; k++)
		x[k] = rng_normal(&r);
}

/* Logits of src with removed channels masked vs the compacted net (KEEP). */
static void check_equivalence(const struct net_spec *spec, uint64_t seed,
			      bool explicit_indices)
{
	enum { BATCH = 2 };
	struct eng_err err = { { 0 } };
	struct net *net = net_from_spec(spec);
	randomise_net(net, seed);
	struct group_set gs;
	groups_of(net, &gs);
	struct prune_plan plan;
	if (explicit_indices) {
		random_plan(&gs, &plan, seed + 1);
	} else {
		ck_assert_int_eq(plan_init(&plan, &gs), ENG_STATUS_OK);
		for (int g = 0; g < gs.n_groups; g++)
			if (gs.groups[g].prunable)
				plan_set_keep(&plan, g, (gs.groups[g].channels + 1) / 2);
	}
	struct plan_apply_options o = { .mode = PLAN_MODE_KEEP };
	struct plan_result r;
	enum eng_status st = plan_apply(net, spec, &gs, &plan, &o, &r, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_int_gt(r.n_changed, 0);
	ck_assert_int_lt(r.net->n_params, net->n_params);

	size_t in_len = shape_size(net->input) * BATCH;
	float *x = malloc(in_len * sizeof *x);
	ck_assert_ptr_nonnull(x);
	random_input(x, in_len, seed + 2);

	int classes = net->classes;
	float ref[BATCH * 64], got[BATCH * 64];
	ck_assert_int_le(classes, 64);
	ck_assert_int_eq(net_prepare(net, BATCH, &err), ENG_STATUS_OK);
	plan_mask_channels(net, &gs, &r.plan, net->params);
	memcpy(ref, net_forward(net, x, BATCH, false),
	       (size_t)(BATCH * classes) * sizeof(float));
	ck_assert_int_eq(net_prepare(r.net, BATCH, &err), ENG_STATUS_OK);
	memcpy(got, net_forward(r.net, x, BATCH, false),
	       (size_t)(BATCH * classes) * sizeof(float));
	double maxabs = 0.0, maxdiff = 0.0;
	for (int k = 0; k < BATCH * classes; k++) {
		ck_assert(isfinite(ref[k]) && isfinite(got[k]));
		maxabs = fmax(maxabs, fabs(ref[k]));
		maxdiff = fmax(maxdiff, fabs((double)ref[k] - got[k]));
	}
	ck_assert_msg(maxabs > 1e-3, "%s: degenerate logits", spec->name);
	if (getenv("CHECK_GROUPS_VERBOSE"))
		fprintf(stderr, "%s: max |diff| %g, max |logit| %g\n", spec->name,
			maxdiff, maxabs);
	ck_assert_msg(maxdiff <= 1e-5 * fmax(1.0, maxabs),
		      "%s: masked vs compacted differ by %g (max |logit| %g)",
		      spec->name, maxdiff, maxabs);

	/* The masking matters: the unmasked original differs. */
	randomise_net(net, seed);
	const float *orig = net_forward(net, x, BATCH, false);
	double d0 = 0.0;
	for (int k = 0; k < BATCH * classes; k++)
		d0 = fmax(d0, fabs((double)orig[k] - ref[k]));
	ck_assert_msg(d0 > 1e-3 * fmax(1.0, maxabs), "%s: masking changed nothing",
		      spec->name);
	free(x);
	plan_result_done(&r);
	plan_done(&plan);
	groups_done(&gs);
	net_free(net);
}

START_TEST(test_equiv_tiny)
{
	const char *const cfgs[] = { tiny1_cfg, tiny2_cfg, tiny3_cfg };
	for (int k = 0; k < 3; k++) {
		struct net_spec spec;
		spec_from_string(cfgs[k], &spec);
		check_equivalence(&spec, 11 + (uint64_t)k, true);
		check_equivalence(&spec, 21 + (uint64_t)k, false);
		net_spec_done(&spec);
	}
}
END_TEST

START_TEST(test_equiv_models)
{
	static const char *const models[] = { "vgg16", "resnet20", "mobilenetv2" };
	struct net_spec spec;
	spec_from_model(models[_i], &spec);
	check_equivalence(&spec, 100 + (uint64_t)_i, true);
	net_spec_done(&spec);
}
END_TEST

/* ---- KEEP weights, masks and the spec, by naive index loops ------------ */

START_TEST(test_keep_gather_and_mask)
{
	struct eng_err err = { { 0 } };
	struct net_spec spec;
	spec_from_string(tiny1_cfg, &spec);
	struct net *net = net_from_spec(&spec);
	randomise_net(net, 5);
	struct group_set gs;
	groups_of(net, &gs);
	struct prune_plan plan;
	ck_assert_int_eq(plan_init(&plan, &gs), ENG_STATUS_OK);
	const int ka[] = { 0, 3 }, kc[] = { 1, 2, 5 }, ke[] = { 2 };
	ck_assert_int_eq(plan_set_indices(&plan, 1, ka, 2, &err), ENG_STATUS_OK);
	ck_assert_int_eq(plan_set_indices(&plan, 2, kc, 3, &err), ENG_STATUS_OK);
	ck_assert_int_eq(plan_set_indices(&plan, 3, ke, 1, &err), ENG_STATUS_OK);
	uint8_t *mask = malloc(net->n_params);
	float *score = malloc(net->n_params * sizeof *score);
	ck_assert(mask && score);
	struct rng rr;
	rng_seed(&rr, 9);
	for (size_t j = 0; j < net->n_params; j++) {
		mask[j] = rng_below(&rr, 2);
		score[j] = (float)j;
	}
	struct plan_apply_options o = { .mode = PLAN_MODE_KEEP, .mask = mask };
	struct plan_result r;
	ck_assert_int_eq(plan_apply(net, &spec, &gs, &plan, &o, &r, &err), ENG_STATUS_OK);

	/* spec: out reduced, depthwise groups too, names and others unchanged */
	ck_assert_int_eq(r.spec.n_layers, spec.n_layers);
	for (int i = 0; i < spec.n_layers; i++)
		ck_assert_str_eq(r.spec.layers[i].name, spec.layers[i].name);
	int i_c1 = layer_idx(net, "c1"), i_c2 = layer_idx(net, "c2");
	int i_sc = layer_idx(net, "sc"), i_dw = layer_idx(net, "dw");
	int i_pw = layer_idx(net, "pw"), i_fc = layer_idx(net, "fc");
	int i_bn2 = layer_idx(net, "bn2");
	ck_assert_int_eq(r.spec.layers[i_c1].conf.out, 2);
	ck_assert_int_eq(r.spec.layers[i_c2].conf.out, 2);
	ck_assert_int_eq(r.spec.layers[i_sc].conf.out, 3);
	ck_assert_int_eq(r.spec.layers[i_dw].conf.out, 3);
	ck_assert_int_eq(r.spec.layers[i_dw].conf.groups, 3);
	ck_assert_int_eq(r.spec.layers[i_pw].conf.out, 1);
	ck_assert_int_eq(r.spec.layers[i_fc].conf.out, LAYER_OUT_CLASSES);
	ck_assert_int_eq(r.spec.layers[i_sc].conf.stride, 2);
	ck_assert_int_eq(r.spec.layers[i_sc].conf.bias, 1);

	/* c2: w[o][i][3][3] from kept (ka x ka) */
	const struct layer *s = &net->layers[i_c2], *d = &r.net->layers[i_c2];
	for (int oo = 0; oo < 2; oo++)
		for (int ii = 0; ii < 2; ii++)
			for (int t = 0; t < 9; t++) {
				size_t dj = ((size_t)oo * 2 + (size_t)ii) * 9 + (size_t)t;
				size_t sj = ((size_t)ka[oo] * 4 + (size_t)ka[ii]) * 9 + (size_t)t;
				ck_assert(d->w[dj] == s->w[sj]);
				size_t dpos = (size_t)(d->w - r.net->params) + dj;
				size_t spos = (size_t)(s->w - net->params) + sj;
				ck_assert_int_eq(r.mask[dpos], mask[spos]);
				ck_assert_uint_eq(r.param_src[dpos], spos);
			}
	/* sc: out kc, in ka, bias kc */
	s = &net->layers[i_sc];
	d = &r.net->layers[i_sc];
	for (int oo = 0; oo < 3; oo++) {
		ck_assert(d->b[oo] == s->b[kc[oo]]);
		for (int ii = 0; ii < 2; ii++)
			ck_assert(d->w[oo * 2 + ii] == s->w[kc[oo] * 4 + ka[ii]]);
	}
	/* depthwise: filters kc, bias kc */
	s = &net->layers[i_dw];
	d = &r.net->layers[i_dw];
	for (int oo = 0; oo < 3; oo++) {
		ck_assert(d->b[oo] == s->b[kc[oo]]);
		for (int t = 0; t < 9; t++)
			ck_assert(d->w[oo * 9 + t] == s->w[kc[oo] * 9 + t]);
	}
	/* bn2 (group c1): gamma, beta, mean, var at ka */
	s = &net->layers[i_bn2];
	d = &r.net->layers[i_bn2];
	for (int oo = 0; oo < 2; oo++) {
		ck_assert(d->w[oo] == s->w[ka[oo]] && d->b[oo] == s->b[ka[oo]]);
		ck_assert(d->state[oo] == s->state[ka[oo]]);
		ck_assert(d->state[2 + oo] == s->state[4 + ka[oo]]);
	}
	/* fc after gap: column ke[0] of every row; bias whole */
	s = &net->layers[i_fc];
	d = &r.net->layers[i_fc];
	for (int oo = 0; oo < 5; oo++) {
		ck_assert(d->w[oo] == s->w[oo * 4 + ke[0]]);
		ck_assert(d->b[oo] == s->b[oo]);
	}
	/* generic map of a float array agrees with param_src */
	float *mapped = malloc(r.net->n_params * sizeof *mapped);
	ck_assert_ptr_nonnull(mapped);
	plan_map_f32(&r, score, mapped);
	for (size_t j = 0; j < r.net->n_params; j++)
		ck_assert(mapped[j] == (float)r.param_src[j]);
	/* every kept source entry appears once */
	for (size_t j = 1; j < r.net->n_params; j++)
		ck_assert_uint_gt(r.param_src[j], r.param_src[j - 1]);
	free(mapped);
	free(mask);
	free(score);
	plan_result_done(&r);
	plan_done(&plan);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

/* flatten: fc1 columns are 9 consecutive features per kept channel. */
START_TEST(test_keep_flatten_columns)
{
	struct eng_err err = { { 0 } };
	struct net_spec spec;
	spec_from_string(tiny2_cfg, &spec);
	struct net *net = net_from_spec(&spec);
	randomise_net(net, 6);
	struct group_set gs;
	groups_of(net, &gs);
	struct prune_plan plan;
	ck_assert_int_eq(plan_init(&plan, &gs), ENG_STATUS_OK);
	const int kc[] = { 0, 2 }, kd[] = { 1, 3, 4 };
	ck_assert_int_eq(plan_set_indices(&plan, groups_find(&gs, "c2"), kc, 2, &err), ENG_STATUS_OK);
	ck_assert_int_eq(plan_set_indices(&plan, groups_find(&gs, "fc1"), kd, 3, &err), ENG_STATUS_OK);
	struct plan_apply_options o = { .mode = PLAN_MODE_KEEP };
	struct plan_result r;
	ck_assert_int_eq(plan_apply(net, &spec, &gs, &plan, &o, &r, &err), ENG_STATUS_OK);
	int i = layer_idx(net, "fc1");
	const struct layer *s = &net->layers[i], *d = &r.net->layers[i];
	ck_assert_int_eq((int)d->w_len, 3 * 18);
	for (int oo = 0; oo < 3; oo++)
		for (int cc = 0; cc < 2; cc++)
			for (int t = 0; t < 9; t++)
				ck_assert(d->w[oo * 18 + cc * 9 + t] ==
					  s->w[kd[oo] * 27 + kc[cc] * 9 + t]);
	plan_result_done(&r);
	plan_done(&plan);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

/* ---- channel choice by L1 norm and by importance ------------------------ */

START_TEST(test_select_l1_and_importance)
{
	struct eng_err err = { { 0 } };
	struct net_spec spec;
	spec_from_string(tiny1_cfg, &spec);
	struct net *net = net_from_spec(&spec);
	memset(net->params, 0, net->n_params * sizeof(float));
	/* group c1 has producers c1 (with bias) and c2: channel norms
	 * c0: 1 + 0 = 1, c1: 0 + 3 = 3, c2: 2 (bias) + 1 = 3, c3: 1 + 0 */
	struct layer *c1 = &net->layers[layer_idx(net, "c1")];
	struct layer *c2 = &net->layers[layer_idx(net, "c2")];
	c1->w[0 * 27 + 5] = -1.0f;
	c2->w[1 * 36 + 7] = 3.0f;
	c1->b[2] = -2.0f;
	c2->w[2 * 36 + 0] = 0.5f;
	c2->w[2 * 36 + 35] = -0.5f;
	c1->w[3 * 27] = 1.0f;
	struct group_set gs;
	groups_of(net, &gs);
	struct prune_plan plan;
	ck_assert_int_eq(plan_init(&plan, &gs), ENG_STATUS_OK);
	plan_set_keep(&plan, 1, 2);
	ck_assert_int_eq(plan_resolve(net, &gs, &plan, 1, NULL, &err), ENG_STATUS_OK);
	ck_assert_int_eq(plan.kept_idx[1][0], 1); /* tie 3 vs 3: lower index */
	ck_assert_int_eq(plan.kept_idx[1][1], 2);
	ck_assert_ptr_null(plan.kept_idx[2]);      /* unchanged stays NULL */
	plan_set_keep(&plan, 1, 3);
	ck_assert_int_eq(plan_resolve(net, &gs, &plan, 1, NULL, &err), ENG_STATUS_OK);
	ck_assert_int_eq(plan.kept_idx[1][0], 0);  /* 1 vs 1: lower index */
	ck_assert_int_eq(plan.kept_idx[1][1], 1);
	ck_assert_int_eq(plan.kept_idx[1][2], 2);

	plan_set_keep(&plan, 1, 3);
	const float imp1[] = { 5.0f, NAN, 5.0f, 7.0f };
	const float *imp[5] = { NULL, imp1, NULL, NULL, NULL };
	ck_assert_int_eq(plan_resolve(net, &gs, &plan, 1, imp, &err), ENG_STATUS_OK);
	ck_assert_int_eq(plan.kept_idx[1][0], 0);
	ck_assert_int_eq(plan.kept_idx[1][1], 2);
	ck_assert_int_eq(plan.kept_idx[1][2], 3);
	plan_done(&plan);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

/* ---- REINIT ------------------------------------------------------------- */

START_TEST(test_reinit_resnet20)
{
	struct eng_err err = { { 0 } };
	struct net_spec spec;
	spec_from_model("resnet20", &spec);
	struct net *net = net_from_spec(&spec);
	randomise_net(net, 3);
	struct group_set gs;
	groups_of(net, &gs);
	struct prune_plan plan;
	ck_assert_int_eq(plan_init(&plan, &gs), ENG_STATUS_OK);
	int ga = groups_find(&gs, "layer3.1.conv1");   /* 64 -> 16 */
	int gb = groups_find(&gs, "layer2.0.conv2");   /* stage 2: 32 -> 20 */
	ck_assert(ga >= 0 && gb >= 0);
	plan_set_keep(&plan, ga, 16);
	plan_set_keep(&plan, gb, 20);
	struct plan_apply_options o = { .mode = PLAN_MODE_REINIT, .seed = 42 };
	struct plan_result r;
	ck_assert_int_eq(plan_apply(net, &spec, &gs, &plan, &o, &r, &err), ENG_STATUS_OK);
	ck_assert_int_eq(r.n_changed, 2);
	ck_assert_ptr_null(r.mask);

	int i31 = layer_idx(net, "layer3.1.conv1"), i32 = layer_idx(net, "layer3.1.conv2");
	ck_assert_int_eq(r.net->layers[i31].out.c, 16);
	ck_assert_int_eq(r.net->layers[i32].in.c, 16);
	ck_assert_int_eq(r.net->layers[i32].out.c, 64);
	ck_assert_int_eq(r.net->layers[layer_idx(net, "layer2.2.add")].out.c, 20);
	ck_assert_int_eq(r.net->layers[layer_idx(net, "layer3.0.shortcut.conv")].in.c, 20);

	/* A fresh net_init of the pruned spec: the reference for every
	 * re-initialised layer. */
	struct net *fresh = net_from_spec(&r.spec);
	net_init(fresh, 42);
	const char *const reinit[] = {
		"layer3.1.conv1", "layer3.1.bn1", "layer3.1.conv2",
		"layer2.0.conv2", "layer2.0.bn2", "layer2.0.shortcut.conv",
		"layer2.0.shortcut.bn", "layer2.1.conv1", "layer2.1.conv2",
		"layer2.1.bn2", "layer2.2.conv1", "layer2.2.conv2",
		"layer2.2.bn2", "layer3.0.conv1", "layer3.0.shortcut.conv",
	};
	int n_re = 0;
	for (int i = 0; i < r.net->n_layers; i++)
		n_re += r.layer_reinit[i];
	for (size_t k = 0; k < sizeof reinit / sizeof reinit[0]; k++)
		ck_assert_msg(r.layer_reinit[layer_idx(net, reinit[k])], "%s", reinit[k]);
	/* exactly the listed ones: layer2.{1,2}.bn1 and every other layer
	 * keep their weights */
	ck_assert_int_eq(n_re, (int)(sizeof reinit / sizeof reinit[0]));
	for (int i = 0; i < r.net->n_layers; i++) {
		const struct layer *l = &r.net->layers[i];
		size_t n = layer_param_count(l);
		if (!n)
			continue;
		size_t off = (size_t)(l->w - r.net->params);
		if (r.layer_reinit[i]) {
			const struct layer *f = &fresh->layers[i];
			ck_assert(memcmp(l->w, f->w, n * sizeof(float)) == 0);
			if (l->state_len)
				ck_assert(memcmp(l->state, f->state,
						 l->state_len * sizeof(float)) == 0);
		} else {
			/* untouched: exactly the source values */
			for (size_t j = 0; j < n; j++)
				ck_assert(r.net->params[off + j] ==
					  net->params[r.param_src[off + j]]);
			const struct layer *sl = &net->layers[i];
			if (l->state_len) {
				ck_assert_int_eq(l->state_len, sl->state_len);
				ck_assert(memcmp(l->state, sl->state,
						 l->state_len * sizeof(float)) == 0);
			}
		}
	}
	/* Kaiming std at the new fan-in: layer3.1.conv2 has 64 x 16 x 9
	 * weights, fan-in 144. */
	const struct layer *l = &r.net->layers[i32];
	double ss = 0.0;
	for (size_t j = 0; j < l->w_len; j++)
		ss += (double)l->w[j] * l->w[j];
	double sd = sqrt(ss / (double)l->w_len), want = sqrt(2.0 / 144.0);
	ck_assert_msg(fabs(sd - want) < 0.06 * want, "std %g want %g", sd, want);
	const struct layer *bn = &r.net->layers[layer_idx(net, "layer2.0.bn2")];
	for (int c = 0; c < bn->out.c; c++)
		ck_assert(bn->w[c] == 1.0f && bn->b[c] == 0.0f &&
			  bn->state[c] == 0.0f && bn->state[bn->out.c + c] == 1.0f);
	net_free(fresh);
	plan_result_done(&r);
	plan_done(&plan);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

/* ---- counts ------------------------------------------------------------- */

START_TEST(test_counts_vgg16)
{
	struct eng_err err = { { 0 } };
	struct net_spec spec;
	spec_from_model("vgg16", &spec);
	struct net *net = net_from_spec(&spec);
	ck_assert_uint_eq(net_param_count(net), 14724042u);
	ck_assert_uint_eq(net_macs(net), 313201664u);
	struct group_set gs;
	groups_of(net, &gs);
	struct prune_plan plan;
	ck_assert_int_eq(plan_init(&plan, &gs), ENG_STATUS_OK);
	ck_assert_int_eq(plan_set_keep_by_name(&plan, &gs, "conv1_1", 32, &err),
			 ENG_STATUS_OK);
	struct plan_apply_options o = { .mode = PLAN_MODE_KEEP };
	struct plan_result r;
	ck_assert_int_eq(plan_apply(net, &spec, &gs, &plan, &o, &r, &err), ENG_STATUS_OK);
	/* conv1_1 3*64*9 -> 3*32*9 (-864), bn1_1 128 -> 64 (-64), conv1_2
	 * 64*64*9 -> 32*64*9 (-18432); MACs at 32x32: (864 + 18432) * 1024 */
	ck_assert_uint_eq(net_param_count(r.net), 14724042u - 864u - 64u - 18432u);
	ck_assert_uint_eq(net_macs(r.net), 313201664u - (864u + 18432u) * 1024u);
	plan_result_done(&r);
	plan_done(&plan);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

/* ---- validation and hash ------------------------------------------------ */

static void expect_invalid(const struct group_set *gs, const struct prune_plan *plan,
			   int min_keep, const char *needle)
{
	struct eng_err err = { { 0 } };
	ck_assert_int_eq(plan_validate(gs, plan, min_keep, &err), ENG_STATUS_EINVAL);
	ck_assert_msg(strstr(err.msg, needle) != NULL, "'%s' lacks '%s'", err.msg, needle);
}

START_TEST(test_validate)
{
	struct eng_err err = { { 0 } };
	struct net_spec spec;
	spec_from_string(tiny1_cfg, &spec);
	struct net *net = net_from_spec(&spec);
	struct group_set gs;
	groups_of(net, &gs);
	struct prune_plan plan;
	ck_assert_int_eq(plan_init(&plan, &gs), ENG_STATUS_OK);
	ck_assert_int_eq(plan_validate(&gs, &plan, 1, &err), ENG_STATUS_OK);
	ck_assert_int_eq(plan_set_keep_by_name(&plan, &gs, "nosuch", 1, &err),
			 ENG_STATUS_EINVAL);
	ck_assert_str_eq(err.msg, "plan: unknown group 'nosuch'");

	plan_set_keep(&plan, 2, 7);
	expect_invalid(&gs, &plan, 1, "group 'c3' keeps 7 channels but has only 6");
	plan_set_keep(&plan, 2, 0);
	expect_invalid(&gs, &plan, 1, "group 'c3' keeps 0 of 6 channels; at least 1 must stay");
	plan_set_keep(&plan, 2, 1);
	ck_assert_int_eq(plan_validate(&gs, &plan, 1, &err), ENG_STATUS_OK);
	expect_invalid(&gs, &plan, 2, "at least 2 must stay (collapse guard)");
	plan_set_keep(&plan, 2, 6);
	plan_set_keep(&plan, 0, 2);
	expect_invalid(&gs, &plan, 1, "group 'data' cannot be pruned (network input)");
	plan_set_keep(&plan, 0, 3);
	plan_set_keep(&plan, 4, 4);
	expect_invalid(&gs, &plan, 1, "group 'fc' cannot be pruned (network output)");
	plan_set_keep(&plan, 4, 5);
	const int dup[] = { 3, 1, 3 }, big[] = { 0, 6 };
	ck_assert_int_eq(plan_set_indices(&plan, 2, dup, 3, &err), ENG_STATUS_OK);
	expect_invalid(&gs, &plan, 1, "channel index 3 is repeated");
	ck_assert_int_eq(plan_set_indices(&plan, 2, big, 2, &err), ENG_STATUS_OK);
	expect_invalid(&gs, &plan, 1, "channel index 6 is out of range");
	plan.kept_idx[2][0] = 4;
	plan.kept_idx[2][1] = 2;
	expect_invalid(&gs, &plan, 1, "unsorted");

	/* plan_apply refuses an invalid plan with the same message */
	plan_set_keep(&plan, 2, 9);
	struct plan_apply_options o = { .mode = PLAN_MODE_KEEP };
	struct plan_result r;
	ck_assert_int_eq(plan_apply(net, &spec, &gs, &plan, &o, &r, &err), ENG_STATUS_EINVAL);
	ck_assert_ptr_null(r.net);
	ck_assert_ptr_nonnull(strstr(err.msg, "keeps 9 channels"));

	/* grouped conv groups are fixed */
	struct net_spec spec2;
	spec_from_string(tiny2_cfg, &spec2);
	struct net *net2 = net_from_spec(&spec2);
	struct group_set gs2;
	groups_of(net2, &gs2);
	struct prune_plan plan2;
	ck_assert_int_eq(plan_init(&plan2, &gs2), ENG_STATUS_OK);
	plan_set_keep(&plan2, groups_find(&gs2, "g"), 3);
	expect_invalid(&gs2, &plan2, 1, "group 'g' cannot be pruned (grouped convolution)");
	/* a plan for another model */
	expect_invalid(&gs, &plan2, 1, "plan: has 6 groups, the model has 5");
	plan_done(&plan2);
	groups_done(&gs2);
	net_free(net2);
	net_spec_done(&spec2);

	plan_done(&plan);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

START_TEST(test_hash)
{
	struct eng_err err = { { 0 } };
	struct net_spec spec;
	spec_from_string(tiny1_cfg, &spec);
	struct net *net = net_from_spec(&spec);
	struct group_set gs;
	groups_of(net, &gs);
	struct prune_plan a, b;
	ck_assert_int_eq(plan_init(&a, &gs), ENG_STATUS_OK);
	uint64_t h0 = plan_hash(&a);
	/* pinned: stored plan ids must not change between versions */
	ck_assert_msg(h0 == UINT64_C(0x5d96691f3c331b20), "identity hash 0x%016llx",
		      (unsigned long long)h0);
	plan_set_keep(&a, 1, 2);
	uint64_t h1 = plan_hash(&a);
	ck_assert(h1 != h0);
	ck_assert_int_eq(plan_copy(&b, &a), ENG_STATUS_OK);
	ck_assert(plan_hash(&b) == h1);
	plan_set_keep(&b, 1, 3);
	ck_assert(plan_hash(&b) != h1);
	const int i01[] = { 0, 1 }, i02[] = { 0, 2 };
	ck_assert_int_eq(plan_set_indices(&a, 1, i01, 2, &err), ENG_STATUS_OK);
	ck_assert_int_eq(plan_set_indices(&b, 1, i02, 2, &err), ENG_STATUS_OK);
	ck_assert(plan_hash(&a) != plan_hash(&b));
	ck_assert(plan_hash(&a) != h1);
	plan_set_keep(&a, 1, 2); /* drops indices */
	ck_assert(plan_hash(&a) == h1);
	plan_done(&a);
	plan_done(&b);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

/* ---- the uniform structured baseline (prune/plan_uniform) --------------- */

/* Params of the plan keeping round(f c) of every selected group. */
static size_t uniform_params_at(const struct net *net, const struct group_set *gs,
				double f, bool residual, int min_keep)
{
	struct prune_plan p;
	ck_assert_int_eq(plan_init(&p, gs), ENG_STATUS_OK);
	for (int g = 0; g < gs->n_groups; g++) {
		const struct group *gr = &gs->groups[g];
		if (gr->prunable && (residual || !gr->residual))
			plan_set_keep(&p, g, plan_uniform_keep(f, gr->channels, min_keep));
	}
	struct metrics m;
	ck_assert_int_eq(plan_project(net, gs, &p, NULL, &m), ENG_STATUS_OK);
	plan_done(&p);
	return m.params;
}

static size_t absdiff(size_t a, size_t b)
{
	return a > b ? a - b : b - a;
}

/* Every selected group keeps round(f c) for the one reported f, the others
 * keep everything, the projection is the reported count, and no fraction
 * on a fine grid comes nearer the target. */
static void uniform_check(const struct net *net, const struct group_set *gs,
			  size_t target, bool residual, int min_keep)
{
	struct prune_plan plan;
	struct plan_uniform_info info;
	struct eng_err err = { { 0 } };
	ck_assert_msg(plan_uniform(net, gs, target, residual, min_keep, &plan, &info,
				   &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert(info.target == target);
	for (int g = 0; g < gs->n_groups; g++) {
		const struct group *gr = &gs->groups[g];
		bool sel = gr->prunable && (residual || !gr->residual);
		int want = sel ? plan_uniform_keep(info.fraction, gr->channels, min_keep)
			       : gr->channels;
		ck_assert_msg(plan.keep[g] == want, "group %s keeps %d, want %d (f %g)",
			      gr->name, plan.keep[g], want, info.fraction);
		if (sel)
			ck_assert(plan.keep[g] >= min_keep);
	}
	struct metrics m;
	ck_assert_int_eq(plan_project(net, gs, &plan, NULL, &m), ENG_STATUS_OK);
	ck_assert_uint_eq(m.params, info.params);
	size_t best = absdiff(info.params, target);
	for (int i = 0; i <= 2000; i++) {
		size_t p = uniform_params_at(net, gs, i / 2000.0, residual, min_keep);
		ck_assert_msg(absdiff(p, target) >= best,
			      "f=%g gives %zu params, nearer %zu than the chosen %zu",
			      i / 2000.0, p, target, info.params);
	}
	plan_done(&plan);
}

START_TEST(test_uniform_resnet20)
{
	struct net_spec spec;
	spec_from_model("resnet20", &spec);
	struct net *net = net_from_spec(&spec);
	struct group_set gs;
	groups_of(net, &gs);
	static const size_t targets[] = { 0, 30000, 120000, 200000, 260000, 10000000 };
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		uniform_check(net, &gs, targets[i], false, 1);
		uniform_check(net, &gs, targets[i], true, 1);
	}
	uniform_check(net, &gs, 50000, false, 4);

	/* The projection is what plan_apply builds. */
	struct prune_plan plan;
	struct plan_uniform_info info;
	struct eng_err err = { { 0 } };
	ck_assert_int_eq(plan_uniform(net, &gs, 150000, false, 1, &plan, &info, &err),
			 ENG_STATUS_OK);
	ck_assert(info.params < 272474 && info.kept_fraction < 1.0);
	ck_assert(info.groups == 9);   /* the block-internal groups */
	struct plan_apply_options o = { .mode = PLAN_MODE_REINIT, .seed = 1 };
	struct plan_result r;
	ck_assert_msg(plan_apply(net, &spec, &gs, &plan, &o, &r, &err) == ENG_STATUS_OK,
		      "%s", err.msg);
	ck_assert_uint_eq(r.net->n_params, info.params);
	plan_result_done(&r);
	plan_done(&plan);

	/* The extremes: everything at the guard, or nothing removed. */
	ck_assert_int_eq(plan_uniform(net, &gs, 0, false, 2, &plan, &info, &err),
			 ENG_STATUS_OK);
	for (int g = 0; g < gs.n_groups; g++)
		if (gs.groups[g].prunable && !gs.groups[g].residual)
			ck_assert_int_eq(plan.keep[g], 2);
	plan_done(&plan);
	ck_assert_int_eq(plan_uniform(net, &gs, 272474, false, 1, &plan, &info, &err),
			 ENG_STATUS_OK);
	for (int g = 0; g < gs.n_groups; g++)
		ck_assert(!plan_group_changed(&gs, &plan, g));
	ck_assert_uint_eq(info.params, 272474);
	plan_done(&plan);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

START_TEST(test_uniform_vgg16)
{
	struct net_spec spec;
	spec_from_model("vgg16", &spec);
	struct net *net = net_from_spec(&spec);
	struct group_set gs;
	groups_of(net, &gs);
	uniform_check(net, &gs, 1937607, false, 1);
	uniform_check(net, &gs, 14724042 / 16, false, 1);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

START_TEST(test_uniform_none)
{
	/* A net whose only group is its output: nothing to prune. */
	struct net_spec spec;
	spec_from_string("[net]\ninput = 1x4x4\nclasses = 3\n[flatten]\n[linear]\nout = 3\n",
			 &spec);
	struct net *net = net_from_spec(&spec);
	struct group_set gs;
	groups_of(net, &gs);
	struct prune_plan plan;
	struct plan_uniform_info info;
	struct eng_err err = { { 0 } };
	ck_assert_int_eq(plan_uniform(net, &gs, 10, false, 1, &plan, &info, &err),
			 ENG_STATUS_EINVAL);
	ck_assert(strstr(err.msg, "no channel group") != NULL);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("groups");
	TCase *tc = tcase_create("groups");
	tcase_add_test(tc, test_groups_tiny1);
	tcase_add_test(tc, test_groups_tiny2_tiny3);
	tcase_add_test(tc, test_groups_vgg16);
	tcase_add_test(tc, test_groups_resnet20);
	tcase_add_test(tc, test_groups_mobilenetv2);
	suite_add_tcase(s, tc);
	TCase *tp = tcase_create("plan");
	tcase_set_timeout(tp, 120);
	tcase_add_test(tp, test_equiv_tiny);
	tcase_add_loop_test(tp, test_equiv_models, 0, 3);
	tcase_add_test(tp, test_keep_gather_and_mask);
	tcase_add_test(tp, test_keep_flatten_columns);
	tcase_add_test(tp, test_select_l1_and_importance);
	tcase_add_test(tp, test_reinit_resnet20);
	tcase_add_test(tp, test_counts_vgg16);
	tcase_add_test(tp, test_validate);
	tcase_add_test(tp, test_hash);
	tcase_add_test(tp, test_uniform_resnet20);
	tcase_add_test(tp, test_uniform_vgg16);
	tcase_add_test(tp, test_uniform_none);
	suite_add_tcase(s, tp);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
