/* check_cfg: the INI tokenizer and the model cfg parser/writer.
 *
 * Self-contained: every cfg is written inline here, so the tests do not
 * depend on what models/ holds.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/cfg.h"
#include "io/ini.h"
#include "nn/net_spec.h"
#include "base/rng.h"

/* Every kind and every key, with non-default values wherever the format
 * allows, named and unnamed layers, and all reference forms. */
static const char cfg_full[] =
	"# a representative model\n"
	"[net]\n"
	"name = tiny-res.v1\n"
	"input = 3x16x12   # C x H x W\n"
	"classes = 7\n"
	"\n"
	"[conv]\n"                 /* 7: conv0 */
	"out = 8\n"
	"size = 3\n"
	"stride = 2\n"
	"pad = 1\n"
	"groups = 1\n"
	"bias = 1\n"
	"[bn]\n"                   /* 14: bn1 */
	"name = stem_bn\n"
	"eps = 0.001\n"
	"momentum = 0.01\n"
	"[relu]\n"                 /* 18: relu2 */
	"clip = 6\n"
	"[conv]\n"                 /* 20: dw */
	"name = dw\n"
	"out = 8\n"
	"size = 5\n"
	"pad = 2\n"
	"groups = 8\n"
	"bias = 0\n"
	"[add]\n"                  /* 27: add4 = dw + relu2 */
	"from = -2\n"
	"[add]\n"                  /* 29: sum2 = relu2 + stem_bn */
	"name = sum2\n"
	"input = relu2\n"
	"from = stem_bn\n"
	"[maxpool]\n"              /* 33: maxpool6, input add4 */
	"input = add4\n"
	"size = 3\n"
	"stride = 2\n"
	"pad = 1\n"
	"[avgpool]\n"              /* 38: avgpool7 */
	"size = 2\n"
	"stride = 0\n"
	"pad = 0\n"
	"[conv]\n"                 /* 42: conv8, from the net input */
	"input = data\n"
	"out = 4\n"
	"[gap]\n"                  /* 45: gap9 */
	"input = avgpool7\n"
	"[flatten]\n"              /* 47: flatten10 */
	"[linear]\n"               /* 48: fc1 */
	"name = fc1\n"
	"out = 12\n"
	"bias = 0\n"
	"[relu]\n"                 /* 52: relu12 */
	"[linear]\n"               /* 53: head */
	"name = head\n"
	"out = classes\n"
	"bias = 1\n";

static void spec_parse_ok(const char *text, size_t len, struct net_spec *spec)
{
	struct eng_err err = { .msg = "" };
	enum eng_status st = cfg_parse_string(text, len, "t.cfg", spec, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "parse failed: %s", err.msg);
}

/* Field by field, floats bitwise; warnings are not part of the model. */
static void spec_assert_equal(const struct net_spec *a, const struct net_spec *b)
{
	ck_assert_str_eq(a->name, b->name);
	ck_assert(shape_equal(a->input, b->input));
	ck_assert_int_eq(a->classes, b->classes);
	ck_assert_int_eq(a->n_layers, b->n_layers);
	for (int i = 0; i < a->n_layers; i++) {
		const struct layer_spec *x = &a->layers[i], *y = &b->layers[i];
		ck_assert_int_eq(x->kind, y->kind);
		ck_assert_str_eq(x->name, y->name);
		ck_assert_int_eq(x->n_in, y->n_in);
		for (int k = 0; k < x->n_in; k++)
			ck_assert_int_eq(x->in_idx[k], y->in_idx[k]);
		ck_assert_int_eq(x->conf.out, y->conf.out);
		ck_assert_int_eq(x->conf.size, y->conf.size);
		ck_assert_int_eq(x->conf.stride, y->conf.stride);
		ck_assert(layer_pad_equal(x->conf.pad, y->conf.pad));
		ck_assert_int_eq(x->conf.groups, y->conf.groups);
		ck_assert_int_eq(x->conf.bias, y->conf.bias);
		ck_assert(memcmp(&x->conf.eps, &y->conf.eps, sizeof(float)) == 0);
		ck_assert(memcmp(&x->conf.momentum, &y->conf.momentum, sizeof(float)) == 0);
		ck_assert(memcmp(&x->conf.clip, &y->conf.clip, sizeof(float)) == 0);
	}
}

/* The invariants net_spec.h promises after a successful parse. */
static void spec_assert_invariants(const struct net_spec *s)
{
	ck_assert_int_gt(s->n_layers, 0);
	ck_assert(s->input.c > 0 && s->input.h > 0 && s->input.w > 0);
	ck_assert_int_gt(s->classes, 0);
	ck_assert_uint_gt(strlen(s->name), 0);
	for (int i = 0; i < s->n_layers; i++) {
		const struct layer_spec *l = &s->layers[i];
		ck_assert_uint_gt(strlen(l->name), 0);
		ck_assert_int_eq(l->n_in, l->kind == LAYER_KIND_ADD ? 2 : 1);
		for (int k = 0; k < l->n_in; k++)
			ck_assert(l->in_idx[k] >= -1 && l->in_idx[k] < i);
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(l->name, s->layers[j].name);
	}
}

/* write, parse, compare; then the text must be a fixed point. */
static void spec_assert_round_trip(const struct net_spec *spec)
{
	char *t1 = cfg_write_string(spec);
	ck_assert_ptr_nonnull(t1);
	struct net_spec back;
	struct eng_err err = { .msg = "" };
	enum eng_status st = cfg_parse_string(t1, strlen(t1), "w.cfg", &back, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "re-parse failed: %s\n%s", err.msg, t1);
	spec_assert_equal(spec, &back);
	ck_assert_int_eq(back.n_warnings, 0);
	char *t2 = cfg_write_string(&back);
	ck_assert_ptr_nonnull(t2);
	ck_assert_str_eq(t1, t2);
	free(t1);
	free(t2);
	net_spec_done(&back);
}

START_TEST(test_full_parse)
{
	struct net_spec s;
	spec_parse_ok(cfg_full, sizeof cfg_full - 1, &s);
	ck_assert_str_eq(s.name, "tiny-res.v1");
	ck_assert_int_eq(s.input.c, 3);
	ck_assert_int_eq(s.input.h, 16);
	ck_assert_int_eq(s.input.w, 12);
	ck_assert_int_eq(s.classes, 7);
	ck_assert_int_eq(s.n_layers, 14);
	ck_assert_int_eq(s.n_warnings, 0);
	static const char *const names[14] = {
		"conv0", "stem_bn", "relu2", "dw", "add4", "sum2", "maxpool6",
		"avgpool7", "conv8", "gap9", "flatten10", "fc1", "relu12", "head",
	};
	static const int lines[14] = { 7, 14, 18, 20, 27, 29, 33, 38, 42, 45, 47, 48, 52, 53 };
	static const int in0[14] = { -1, 0, 1, 2, 3, 2, 4, 6, -1, 7, 9, 10, 11, 12 };
	for (int i = 0; i < 14; i++) {
		ck_assert_str_eq(s.layers[i].name, names[i]);
		ck_assert_int_eq(s.layers[i].line, lines[i]);
		ck_assert_int_eq(s.layers[i].in_idx[0], in0[i]);
	}
	const struct layer_conf *c = &s.layers[0].conf;
	ck_assert_int_eq(s.layers[0].kind, LAYER_KIND_CONV);
	ck_assert(c->out == 8 && c->size == 3 && c->stride == 2 && layer_pad_equal(c->pad, layer_pad_all(1)) &&
		  c->groups == 1 && c->bias == 1);
	c = &s.layers[1].conf;
	ck_assert_int_eq(s.layers[1].kind, LAYER_KIND_BN);
	ck_assert(c->eps == 0.001f && c->momentum == 0.01f);
	ck_assert_int_eq(s.layers[2].kind, LAYER_KIND_RELU);
	ck_assert(s.layers[2].conf.clip == 6.0f);
	c = &s.layers[3].conf;
	ck_assert(c->out == 8 && c->size == 5 && c->stride == 1 && layer_pad_equal(c->pad, layer_pad_all(2)) &&
		  c->groups == 8 && c->bias == 0);
	ck_assert_int_eq(s.layers[4].kind, LAYER_KIND_ADD);
	ck_assert_int_eq(s.layers[4].n_in, 2);
	ck_assert_int_eq(s.layers[4].in_idx[1], 2);   /* from = -2 of layer 4 */
	ck_assert_int_eq(s.layers[5].in_idx[1], 1);   /* from = stem_bn */
	c = &s.layers[6].conf;
	ck_assert_int_eq(s.layers[6].kind, LAYER_KIND_MAXPOOL);
	ck_assert(c->size == 3 && c->stride == 2 && layer_pad_equal(c->pad, layer_pad_all(1)));
	c = &s.layers[7].conf;
	ck_assert_int_eq(s.layers[7].kind, LAYER_KIND_AVGPOOL);
	ck_assert(c->size == 2 && c->stride == 0 && layer_pad_equal(c->pad, layer_pad_all(0)));
	ck_assert_int_eq(s.layers[8].conf.out, 4);
	ck_assert_int_eq(s.layers[9].kind, LAYER_KIND_GAP);
	ck_assert_int_eq(s.layers[10].kind, LAYER_KIND_FLATTEN);
	ck_assert_int_eq(s.layers[11].kind, LAYER_KIND_LINEAR);
	ck_assert(s.layers[11].conf.out == 12 && s.layers[11].conf.bias == 0);
	ck_assert(s.layers[13].conf.out == LAYER_OUT_CLASSES && s.layers[13].conf.bias == 1);
	spec_assert_invariants(&s);
	net_spec_done(&s);
	ck_assert_int_eq(s.n_layers, 0);
	ck_assert_ptr_null(s.layers);
}
END_TEST

START_TEST(test_round_trip)
{
	struct net_spec s;
	spec_parse_ok(cfg_full, sizeof cfg_full - 1, &s);
	spec_assert_round_trip(&s);
	/* The written text names every layer and writes input only where it
	 * is not the previous layer. */
	char *t = cfg_write_string(&s);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "[net]\nname = tiny-res.v1\ninput = 3x16x12\nclasses = 7\n"));
	ck_assert_ptr_nonnull(strstr(t, "[add]\nname = add4\nfrom = relu2\n"));
	ck_assert_ptr_nonnull(strstr(t, "[add]\nname = sum2\ninput = relu2\nfrom = stem_bn\n"));
	ck_assert_ptr_nonnull(strstr(t, "[maxpool]\nname = maxpool6\ninput = add4\nsize = 3\nstride = 2\npad = 1\n"));
	ck_assert_ptr_nonnull(strstr(t, "[conv]\nname = conv8\ninput = data\nout = 4\nsize = 1\n"));
	ck_assert_ptr_nonnull(strstr(t, "[bn]\nname = stem_bn\neps = 0.001\nmomentum = 0.01\n"));
	ck_assert_ptr_nonnull(strstr(t, "[linear]\nname = head\nout = classes\nbias = 1\n"));
	ck_assert_ptr_null(strstr(t, "[relu]\nname = relu12\ninput"));
	free(t);
	net_spec_done(&s);
}
END_TEST

/* Floats that need all nine digits, odd net names (quoted on output). */
START_TEST(test_round_trip_values)
{
	struct net_spec s;
	static const char text[] =
		"[net]\nname = \"My net #2 (test)\"\ninput = 1x1x1\nclasses = 1\n"
		"[bn]\neps = 1.00000012e-05\nmomentum = 0.333333343\n"
		"[relu]\nclip = 3.40282347e+38\n"
		"[bn]\neps = 1\nmomentum = 0\n";
	spec_parse_ok(text, sizeof text - 1, &s);
	ck_assert_str_eq(s.name, "My net #2 (test)");
	ck_assert(s.layers[0].conf.eps == 1.00000012e-05f);
	ck_assert(s.layers[0].conf.momentum == 0.333333343f);
	ck_assert(s.layers[1].conf.clip == 3.40282347e+38f);
	spec_assert_round_trip(&s);
	char *t = cfg_write_string(&s);
	ck_assert_ptr_nonnull(strstr(t, "name = \"My net #2 (test)\"\n"));
	ck_assert_ptr_nonnull(strstr(t, "eps = 1\nmomentum = 0\n"));
	free(t);
	/* A random spread of floats survives write + parse bit-exactly. */
	struct rng r;
	rng_seed(&r, 99);
	for (int i = 0; i < 200; i++) {
		s.layers[0].conf.eps = (float)(rng_uniform(&r) * 0.999 + 1e-6);
		s.layers[0].conf.momentum = (float)rng_uniform(&r);
		s.layers[1].conf.clip = (float)(rng_uniform(&r) * 1e3);
		spec_assert_round_trip(&s);
	}
	net_spec_done(&s);
}
END_TEST

START_TEST(test_defaults)
{
	static const char text[] =
		"[net]\ninput = 1x8x8\nclasses = 3\n"
		"[conv]\nout = 2\n"
		"[bn]\n"
		"[relu]\n"
		"[maxpool]\n"
		"[avgpool]\n"
		"[add]\nfrom = conv0\n"
		"[linear]\nout = 5\n";
	struct net_spec s;
	spec_parse_ok(text, sizeof text - 1, &s);
	ck_assert_str_eq(s.name, "model");
	ck_assert_int_eq(s.n_layers, 7);
	static const char *const names[7] = {
		"conv0", "bn1", "relu2", "maxpool3", "avgpool4", "add5", "linear6",
	};
	for (int i = 0; i < 7; i++) {
		ck_assert_str_eq(s.layers[i].name, names[i]);
		ck_assert_int_eq(s.layers[i].in_idx[0], i - 1);
	}
	const struct layer_conf *c = &s.layers[0].conf;
	ck_assert(c->size == 1 && c->stride == 1 && layer_pad_equal(c->pad, layer_pad_all(0)) && c->groups == 1 &&
		  c->bias == 0);
	ck_assert(s.layers[1].conf.eps == 1e-5f && s.layers[1].conf.momentum == 0.1f);
	ck_assert(s.layers[2].conf.clip == 0.0f);
	for (int i = 3; i <= 4; i++) {
		c = &s.layers[i].conf;
		ck_assert(c->size == 2 && c->stride == 0 && layer_pad_equal(c->pad, layer_pad_all(0)));
	}
	ck_assert_int_eq(s.layers[5].in_idx[1], 0);
	ck_assert_int_eq(s.layers[6].conf.bias, 1);
	spec_assert_round_trip(&s);
	net_spec_done(&s);
}
END_TEST

START_TEST(test_out_classes)
{
	static const char text[] =
		"[net]\ninput = 3x4x4\nclasses = 10\n"
		"[flatten]\n[linear]\nout = classes\n[linear]\nout = 10\n";
	struct net_spec s;
	spec_parse_ok(text, sizeof text - 1, &s);
	ck_assert_int_eq(s.layers[1].conf.out, LAYER_OUT_CLASSES);
	ck_assert_int_eq(s.layers[2].conf.out, 10);
	char *t = cfg_write_string(&s);
	ck_assert_ptr_nonnull(strstr(t, "name = linear1\nout = classes\n"));
	ck_assert_ptr_nonnull(strstr(t, "name = linear2\nout = 10\n"));
	free(t);
	net_spec_done(&s);
}
END_TEST

START_TEST(test_warnings)
{
	static const char text[] =
		"[net]\ninput = 3x4x4\nclasses = 10\nbatch = 64\n"   /* 4 */
		"[conv]\nout = 4\nsise = 3\n"                        /* 7 */
		"[relu]\ngroups = 2\n"                               /* 9 */
		"[gap]\nfrom = -1\n"                                 /* 11 */
		"[flatten]\n[linear]\nout = classes\n";
	struct net_spec s;
	struct eng_err err = { .msg = "" };
	ck_assert_int_eq(cfg_parse_string(text, sizeof text - 1, "m/w.cfg", &s, &err),
			 ENG_STATUS_OK);
	ck_assert_int_eq(s.n_warnings, 4);
	ck_assert_str_eq(s.warnings[0], "m/w.cfg:4: unknown key 'batch' in [net]");
	ck_assert_str_eq(s.warnings[1], "m/w.cfg:7: unknown key 'sise' in [conv]");
	ck_assert_str_eq(s.warnings[2], "m/w.cfg:9: unknown key 'groups' in [relu]");
	ck_assert_str_eq(s.warnings[3], "m/w.cfg:11: unknown key 'from' in [gap]");
	/* The unknown key did not change the conv's size. */
	ck_assert_int_eq(s.layers[0].conf.size, 1);
	net_spec_done(&s);
	ck_assert_int_eq(s.n_warnings, 0);
	ck_assert_ptr_null(s.warnings);
}
END_TEST

/* Thousands of unknown keys: warnings are capped, not unbounded. */
START_TEST(test_warnings_capped)
{
	size_t cap = 64 + 1000 * 16;
	char *text = malloc(cap);
	size_t n = (size_t)snprintf(text, cap, "[net]\ninput = 1x1x1\nclasses = 1\n[relu]\n");
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(text + n, cap - n, "k%d = 1\n", i);
	struct net_spec s;
	spec_parse_ok(text, n, &s);
	ck_assert_int_le(s.n_warnings, 101);
	ck_assert_int_ge(s.n_warnings, 100);
	ck_assert_ptr_nonnull(strstr(s.warnings[s.n_warnings - 1], "suppressed"));
	net_spec_done(&s);
	free(text);
}
END_TEST

#define NET3 "[net]\ninput = 3x8x8\nclasses = 4\n"  /* lines 1-3 */

struct bad_case {
	const char *text;
	size_t len;          /* 0 = strlen(text) */
	int line;
	const char *needle;  /* must appear in the message */
};

static const struct bad_case bad_cases[] = {
	/* sections */
	{ NET3 "[conv2d]\nout = 1\n", 0, 4, "unknown section [conv2d]" },
	{ "out = 1\n" NET3, 0, 1, "before any section" },
	{ "# nothing but a comment\n\n", 0, 2, "missing [net]" },
	{ "", 0, 1, "missing [net]" },
	{ "[conv]\nout = 4\n" NET3, 0, 1, "before [net]" },
	{ NET3 "[net]\n", 0, 4, "duplicate [net] (first at line 1)" },
	{ NET3 "[relu]\n[net]\n", 0, 5, "[net] after layers" },
	{ NET3, 0, 3, "no layers" },
	{ NET3 "\n# end\n", 0, 5, "no layers" },
	/* [net] values */
	{ "[net]\nclasses = 4\n[relu]\n", 0, 1, "needs input" },
	{ "[net]\ninput = 3x8x8\n[relu]\n", 0, 1, "needs classes" },
	{ "[net]\ninput = 3x32\nclasses = 4\n[relu]\n", 0, 2, "CxHxW" },
	{ "[net]\ninput = 0x8x8\nclasses = 4\n[relu]\n", 0, 2, "CxHxW" },
	{ "[net]\ninput = 3x8x8x8\nclasses = 4\n[relu]\n", 0, 2, "CxHxW" },
	{ "[net]\ninput = -3x8x8\nclasses = 4\n[relu]\n", 0, 2, "CxHxW" },
	{ "[net]\ninput = 3x99999999999999999999x8\nclasses = 4\n[relu]\n", 0, 2, "CxHxW" },
	{ "[net]\ninput = 65536x65536x65536\nclasses = 4\n[relu]\n", 0, 2, "too large" },
	{ "[net]\ninput =\nclasses = 4\n[relu]\n", 0, 2, "CxHxW" },
	{ "[net]\ninput = 3x8x8\nclasses = 0\n[relu]\n", 0, 3, "out of range" },
	{ "[net]\ninput = 3x8x8\nclasses = -3\n[relu]\n", 0, 3, "out of range" },
	{ "[net]\ninput = 3x8x8\nclasses = ten\n[relu]\n", 0, 3, "not an integer" },
	{ "[net]\ninput = 3x8x8\nclasses =\n[relu]\n", 0, 3, "missing value" },
	{ "[net]\ninput = 3x8x8\nclasses = 4 4\n[relu]\n", 0, 3, "not an integer" },
	{ "[net]\nname = \" padded\"\ninput = 3x8x8\nclasses = 4\n[relu]\n", 0, 2, "invalid net name" },
	{ "[net]\nname = \"\"\ninput = 3x8x8\nclasses = 4\n[relu]\n", 0, 2, "invalid net name" },
	/* layer values */
	{ NET3 "[conv]\nout = 99999999999999999999\n", 0, 5, "out of range" },
	{ NET3 "[conv]\nout = 2147483648\n", 0, 5, "out of range" },
	{ NET3 "[conv]\nout = 65537\n", 0, 5, "out of range" },
	{ NET3 "[conv]\nout = -8\n", 0, 5, "out of range" },
	{ NET3 "[conv]\nout = 8\nsize = 65\n", 0, 6, "out of range" },
	{ NET3 "[conv]\nout = 8\nsize = 0\n", 0, 6, "out of range" },
	{ NET3 "[conv]\nout = 8\nstride = 1.5\n", 0, 6, "not an integer" },
	{ NET3 "[conv]\nout = 8\nstride = 0\n", 0, 6, "out of range" },
	{ NET3 "[conv]\nout = 8\npad = -1\n", 0, 6, "out of range" },
	{ NET3 "[conv]\nout = 8\ngroups = 0\n", 0, 6, "out of range" },
	{ NET3 "[conv]\nout = 8\nbias = 2\n", 0, 6, "want 0 or 1" },
	{ NET3 "[conv]\nout = 0x10\n", 0, 5, "not an integer" },
	{ NET3 "[conv]\nout =\n", 0, 5, "missing value" },
	{ NET3 "[conv]\nout = 8\nout = 9\n", 0, 6, "duplicate key 'out' (first at line 5)" },
	{ NET3 "[bn]\neps = 0\n", 0, 5, "out of range" },
	{ NET3 "[bn]\neps = nan\n", 0, 5, "out of range" },
	{ NET3 "[bn]\neps = 1e-60\n", 0, 5, "out of range" },
	{ NET3 "[bn]\nmomentum = 1.5\n", 0, 5, "out of range" },
	{ NET3 "[bn]\nmomentum = 0,1\n", 0, 5, "not a number" },
	{ NET3 "[relu]\nclip = -1\n", 0, 5, "out of range" },
	{ NET3 "[relu]\nclip = inf\n", 0, 5, "out of range" },
	{ NET3 "[maxpool]\nstride = -1\n", 0, 5, "out of range" },
	{ NET3 "[avgpool]\nsize = 100\n", 0, 5, "out of range" },
	{ NET3 "[conv]\nsize = 3\n", 0, 4, "[conv] needs out" },
	{ NET3 "[relu]\n[linear]\nbias = 0\n[relu]\n", 0, 5, "[linear] needs out" },
	{ NET3 "[relu]\n[add]\n", 0, 5, "[add] needs from" },
	/* references */
	{ NET3 "[relu]\n[relu]\ninput = nosuch\n", 0, 6, "no layer has that name" },
	{ NET3 "[relu]\n[add]\nfrom = nosuch\n", 0, 6, "no layer has that name" },
	{ NET3 "[relu]\n[relu]\ninput = -2\n", 0, 6, "before the first layer" },
	{ NET3 "[relu]\ninput = -1\n", 0, 5, "before the first layer" },
	{ NET3 "[relu]\n[add]\nfrom = -99999999999\n", 0, 6, "negative integer" },
	{ NET3 "[relu]\n[relu]\ninput = 0\n", 0, 6, "no layer has that name" },
	{ NET3 "[relu]\n[relu]\ninput = +1\n", 0, 6, "negative integer" },
	{ NET3 "[relu]\n[relu]\ninput =\n", 0, 6, "missing value" },
	{ NET3 "[relu]\ninput = later\n[relu]\nname = later\n", 0, 5, "forward reference" },
	{ NET3 "[relu]\n[relu]\nname = me\ninput = me\n", 0, 7, "its own output" },
	{ NET3 "[relu]\nname = a\n[relu]\nname = a\n", 0, 7, "duplicate layer name 'a' (first at line 4)" },
	{ NET3 "[relu]\nname = relu1\n[relu]\n", 0, 6, "duplicate layer name 'relu1'" },
	{ NET3 "[relu]\nname = a b\n", 0, 5, "invalid layer name" },
	{ NET3 "[relu]\nname = data\n", 0, 5, "invalid layer name" },
	{ NET3 "[relu]\nname = -x\n", 0, 5, "invalid layer name" },
	{ NET3 "[relu]\nname = abcdefghijklmnopqrstuvwxyz012345\n", 0, 5, "invalid layer name" },
	{ NET3 "[relu]\nname = a/b\n", 0, 5, "invalid layer name" },
	/* malformed INI */
	{ "[net]\ninput 3x8x8\n", 0, 2, "missing '='" },
	{ "[net\ninput = 3x8x8\n", 0, 1, "unterminated section header" },
	{ "[]\n", 0, 1, "empty section name" },
	{ "[net] junk\n", 0, 1, "after ']'" },
	{ "[net]\n= 3\n", 0, 2, "missing key" },
	{ "[net]\nname = \"abc\n", 0, 2, "unterminated quote" },
	{ "[net]\nname = \"abc\" def\n", 0, 2, "after closing quote" },
	{ "[net]\nname = ab\"c\n", 0, 2, "stray" },
	{ "[net]\nin put = 3x8x8\n", 0, 2, "invalid key" },
	{ "[net]\ninput = 3x8\0x8\nclasses = 4\n[relu]\n", 40, 2, "NUL byte" },
	{ "[net]\r\ninput = 3x8x8\r\nclasses = 4\r\n[relu\r\n", 0, 4, "unterminated section" },
	/* truncated text */
	{ NET3 "[relu]\n[conv]\nout = 8\n[con", 0, 7, "unterminated section" },
	{ NET3 "[relu]\n[conv]\nout =", 0, 6, "missing value" },
	{ NET3 "[relu]\n[conv]\nou", 0, 6, "missing '='" },
};

START_TEST(test_malformed)
{
	const struct bad_case *bc = &bad_cases[_i];
	size_t len = bc->len ? bc->len : strlen(bc->text);
	/* An exact-size heap copy: ASan catches any read past len. */
	char *copy = malloc(len ? len : 1);
	memcpy(copy, bc->text, len);
	struct net_spec s;
	memset(&s, 0xa5, sizeof s);
	struct eng_err err = { .msg = "" };
	enum eng_status st = cfg_parse_string(copy, len, "bad/t.cfg", &s, &err);
	char prefix[64];
	snprintf(prefix, sizeof prefix, "bad/t.cfg:%d: ", bc->line);
	ck_assert_msg(st == ENG_STATUS_EINVAL, "case %d: status %d (%s)", _i, st, err.msg);
	ck_assert_msg(strncmp(err.msg, prefix, strlen(prefix)) == 0,
		      "case %d: '%s' does not start with '%s'", _i, err.msg, prefix);
	ck_assert_msg(strstr(err.msg, bc->needle) != NULL,
		      "case %d: '%s' lacks '%s'", _i, err.msg, bc->needle);
	ck_assert_msg(!strchr(err.msg, '\n'), "case %d: message has a newline", _i);
	/* Failure leaves the spec empty. */
	ck_assert_int_eq(s.n_layers, 0);
	ck_assert_ptr_null(s.layers);
	ck_assert_int_eq(s.n_warnings, 0);
	ck_assert_ptr_null(s.warnings);
	free(copy);
}
END_TEST

START_TEST(test_long_line)
{
	/* One line of 4096 bytes is fine (a comment), 4097 is not. */
	size_t n = 32 + 2 * 4097;
	char *text = malloc(n);
	size_t len = (size_t)snprintf(text, n, "%s", NET3);
	text[len] = '#';
	memset(text + len + 1, 'a', 4095);
	len += 4096;
	text[len++] = '\n';
	memcpy(text + len, "[relu]\n", 7);
	len += 7;
	struct net_spec s;
	spec_parse_ok(text, len, &s);
	net_spec_done(&s);
	/* Now a key line of 5000 bytes at line 5. */
	len = (size_t)snprintf(text, n, "%s[relu]\nname = ", NET3);
	memset(text + len, 'b', 5000);
	len += 5000;
	struct eng_err err = { .msg = "" };
	ck_assert_int_eq(cfg_parse_string(text, len, "l.cfg", &s, &err), ENG_STATUS_EINVAL);
	ck_assert_msg(strncmp(err.msg, "l.cfg:5: line longer than 4096", 30) == 0, "%s", err.msg);
	free(text);
}
END_TEST

static char *tmpdir_make(void)
{
	char tmpl[] = "/tmp/check_cfg.XXXXXX";
	char *d = mkdtemp(tmpl);
	ck_assert_ptr_nonnull(d);
	return strdup(d);
}

/* Count directory entries other than . and .. */
static int dir_count(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

START_TEST(test_file_round_trip)
{
	char *dir = tmpdir_make();
	char path[256];
	snprintf(path, sizeof path, "%s/my-model.cfg", dir);
	struct net_spec s, back;
	struct eng_err err = { .msg = "" };
	spec_parse_ok(cfg_full, sizeof cfg_full - 1, &s);
	ck_assert_int_eq(cfg_write_file(path, &s, &err), ENG_STATUS_OK);
	/* Overwrite in place: still one file, no temporaries left. */
	ck_assert_int_eq(cfg_write_file(path, &s, &err), ENG_STATUS_OK);
	ck_assert_int_eq(dir_count(dir), 1);
	ck_assert_int_eq(cfg_parse_file(path, &back, &err), ENG_STATUS_OK);
	spec_assert_equal(&s, &back);
	net_spec_done(&back);
	/* Without a name key the net is named after the file. */
	static const char unnamed[] = "[net]\ninput = 1x2x2\nclasses = 2\n[gap]\n";
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(unnamed, f);
	fclose(f);
	ck_assert_int_eq(cfg_parse_file(path, &back, &err), ENG_STATUS_OK);
	ck_assert_str_eq(back.name, "my-model");
	net_spec_done(&back);
	/* A file over 16 MiB is refused before parsing. */
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(unnamed, f);
	ck_assert_int_eq(fseek(f, (16L << 20), SEEK_SET), 0);
	fputc('\n', f);
	fclose(f);
	ck_assert_int_eq(cfg_parse_file(path, &back, &err), ENG_STATUS_EINVAL);
	ck_assert_msg(strncmp(err.msg, path, strlen(path)) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "16 MiB"));
	ck_assert_int_eq(back.n_layers, 0);
	unlink(path);
	rmdir(dir);
	free(dir);
	net_spec_done(&s);
}
END_TEST

START_TEST(test_file_errors)
{
	struct net_spec s;
	struct eng_err err = { .msg = "" };
	ck_assert_int_eq(cfg_parse_file("/nonexistent/dir/x.cfg", &s, &err), ENG_STATUS_ENOENT);
	ck_assert_str_eq(err.msg, "/nonexistent/dir/x.cfg: No such file or directory");
	ck_assert_int_eq(s.n_layers, 0);
	/* A directory opens but cannot be read. */
	ck_assert_int_eq(cfg_parse_file("/tmp", &s, &err), ENG_STATUS_EIO);
	ck_assert_msg(strncmp(err.msg, "/tmp: ", 6) == 0, "%s", err.msg);

	spec_parse_ok(cfg_full, sizeof cfg_full - 1, &s);
	ck_assert_int_eq(cfg_write_file("/nonexistent/dir/x.cfg", &s, &err), ENG_STATUS_ENOENT);
	ck_assert_msg(strncmp(err.msg, "/nonexistent/dir/x.cfg: ", 24) == 0, "%s", err.msg);
	/* An unwritable directory (root ignores mode bits, so only check when
	 * the mode really forbids us). */
	char *dir = tmpdir_make();
	char path[256];
	snprintf(path, sizeof path, "%s/x.cfg", dir);
	ck_assert_int_eq(chmod(dir, 0555), 0);
	if (access(dir, W_OK) != 0) {
		ck_assert_int_eq(cfg_write_file(path, &s, &err), ENG_STATUS_EIO);
		ck_assert_msg(strncmp(err.msg, path, strlen(path)) == 0, "%s", err.msg);
		ck_assert_ptr_nonnull(strstr(err.msg, strerror(EACCES)));
		ck_assert_int_eq(dir_count(dir), 0);
	}
	chmod(dir, 0755);
	/* The target is a directory: rename fails, the temporary is removed. */
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(cfg_write_file(path, &s, &err), ENG_STATUS_EIO);
	ck_assert_msg(strncmp(err.msg, path, strlen(path)) == 0, "%s", err.msg);
	ck_assert_int_eq(dir_count(dir), 1);
	rmdir(path);
	rmdir(dir);
	free(dir);
	net_spec_done(&s);
}
END_TEST

/* Numbers do not depend on the process locale (a TUI sets LC_ALL=""). */
START_TEST(test_locale)
{
	static const char *const locales[] = {
		"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "ru_RU.UTF-8",
	};
	bool found = false;
	for (size_t i = 0; i < sizeof locales / sizeof locales[0] && !found; i++)
		found = setlocale(LC_NUMERIC, locales[i]) != NULL;
	struct net_spec s;
	spec_parse_ok(cfg_full, sizeof cfg_full - 1, &s);
	ck_assert(s.layers[1].conf.eps == 0.001f);
	char *t = cfg_write_string(&s);
	ck_assert_ptr_nonnull(strstr(t, "eps = 0.001\n"));
	free(t);
	spec_assert_round_trip(&s);
	net_spec_done(&s);
	setlocale(LC_NUMERIC, "C");
}
END_TEST

/* The tokenizer on its own, with theme-file syntax. */
struct ini_log {
	char text[2048];
	int errors_seen;
	bool skip_errors;
};

static enum eng_status ini_log_event(void *user, const struct ini_event *ev,
				     struct eng_err *err)
{
	(void)err;
	struct ini_log *log = user;
	size_t n = strlen(log->text);
	switch (ev->kind) {
	case INI_EVENT_SECTION:
		snprintf(log->text + n, sizeof log->text - n, "%d[%s]\n", ev->line, ev->section);
		break;
	case INI_EVENT_KEY:
		snprintf(log->text + n, sizeof log->text - n, "%d %s.%s=<%s>\n", ev->line,
			 ev->section, ev->key, ev->value);
		break;
	case INI_EVENT_ERROR:
		log->errors_seen++;
		snprintf(log->text + n, sizeof log->text - n, "%d!%s\n", ev->line, ev->message);
		return log->skip_errors ? ENG_STATUS_OK : ENG_STATUS_EINVAL;
	case INI_EVENT_END:
		snprintf(log->text + n, sizeof log->text - n, "%d end\n", ev->line);
		break;
	}
	return ENG_STATUS_OK;
}

START_TEST(test_ini_theme_syntax)
{
	static const char text[] =
		"\xEF\xBB\xBF" "top = 1\n"
		"  # comment\n"
		"[theme]   # trailing comment\n"
		"name = \"Slate # 1\"  # quoted '#'\n"
		"[ palette ]\r\n"
		"ink   = #d0d4dc      252  white\n"
		"heat@mono   = ramp          # use the ramp\n"
		"diverge     = $sky #3b3f51 $rose\n"
		"glyphs@mono = \" .:-=+*%@\"\n"
		"empty =\n"
		"hash = #\n"
		"tight=a=b\n"
		"tail = x#y\n"
		"tail2 = x# y\n"
		"last = no newline";
	struct ini_log log = { .text = "" };
	struct eng_err err = { .msg = "" };
	/* Exact-size heap copy without a terminator. */
	char *copy = malloc(sizeof text - 1);
	memcpy(copy, text, sizeof text - 1);
	ck_assert_int_eq(ini_parse(copy, sizeof text - 1, "x.theme", ini_log_event, &log, &err),
			 ENG_STATUS_OK);
	free(copy);
	ck_assert_str_eq(log.text,
			 "1 .top=<1>\n"
			 "3[theme]\n"
			 "4 theme.name=<Slate # 1>\n"
			 "5[palette]\n"
			 "6 palette.ink=<#d0d4dc      252  white>\n"
			 "7 palette.heat@mono=<ramp>\n"
			 "8 palette.diverge=<$sky #3b3f51 $rose>\n"
			 "9 palette.glyphs@mono=< .:-=+*%@>\n"
			 "10 palette.empty=<>\n"
			 "11 palette.hash=<>\n"
			 "12 palette.tight=<a=b>\n"
			 "13 palette.tail=<x#y>\n"
			 "14 palette.tail2=<x# y>\n"
			 "15 palette.last=<no newline>\n"
			 "15 end\n");
}
END_TEST

START_TEST(test_ini_errors)
{
	static const char text[] =
		"[a]\n"
		"no equals\n"
		"[b\n"
		"k = \"open\n"
		"[c]\n"
		"k = v\n";
	/* A consumer that skips bad lines sees all of them and goes on. */
	struct ini_log log = { .text = "", .skip_errors = true };
	struct eng_err err = { .msg = "" };
	ck_assert_int_eq(ini_parse(text, sizeof text - 1, "e.ini", ini_log_event, &log, &err),
			 ENG_STATUS_OK);
	ck_assert_int_eq(log.errors_seen, 3);
	ck_assert_ptr_nonnull(strstr(log.text, "2!missing '='"));
	ck_assert_ptr_nonnull(strstr(log.text, "3!unterminated section header"));
	ck_assert_ptr_nonnull(strstr(log.text, "4!unterminated quote"));
	ck_assert_ptr_nonnull(strstr(log.text, "6 c.k=<v>\n6 end\n"));
	/* One that stops gets a path:line message for the first. */
	struct ini_log stop = { .text = "" };
	ck_assert_int_eq(ini_parse(text, sizeof text - 1, "e.ini", ini_log_event, &stop, &err),
			 ENG_STATUS_EINVAL);
	ck_assert_int_eq(stop.errors_seen, 1);
	ck_assert_str_eq(err.msg, "e.ini:2: missing '=' (expected 'key = value' or '[section]')");
	/* Empty text: only the end event, line 0. */
	struct ini_log empty = { .text = "" };
	ck_assert_int_eq(ini_parse("", 0, "e.ini", ini_log_event, &empty, &err), ENG_STATUS_OK);
	ck_assert_str_eq(empty.text, "0 end\n");
}
END_TEST

static void fuzz_one(const char *buf, size_t len, int *ok, int *bad)
{
	struct net_spec s;
	struct eng_err err = { .msg = "" };
	enum eng_status st = cfg_parse_string(buf, len, "f.cfg", &s, &err);
	if (st == ENG_STATUS_OK) {
		spec_assert_invariants(&s);
		spec_assert_round_trip(&s);
		net_spec_done(&s);
		++*ok;
	} else {
		ck_assert_int_eq(st, ENG_STATUS_EINVAL);
		ck_assert(strncmp(err.msg, "f.cfg:", 6) == 0);
		ck_assert_int_eq(s.n_layers, 0);
		ck_assert_ptr_null(s.layers);
		ck_assert_ptr_null(s.warnings);
		++*bad;
	}
}

START_TEST(test_random_garbage)
{
	static const char alphabet[] = "[]=#\"\n\r\t -0123456789xnetconvbrlupaig_.@";
	struct rng r;
	rng_seed(&r, 2024);
	int ok = 0, bad = 0;
	for (int it = 0; it < 2000; it++) {
		size_t len = rng_below(&r, 300);
		char *buf = malloc(len ? len : 1);
		bool from_alphabet = rng_below(&r, 2);
		for (size_t i = 0; i < len; i++)
			buf[i] = from_alphabet ? alphabet[rng_below(&r, sizeof alphabet - 1)]
					       : (char)rng_below(&r, 256);
		fuzz_one(buf, len, &ok, &bad);
		free(buf);
	}
	ck_assert_int_eq(ok + bad, 2000);
	ck_assert_int_gt(bad, 0);
}
END_TEST

START_TEST(test_random_mutations)
{
	static const char tokens[][12] = {
		"[", "]", "=", "#", "\"", "\n", "\0", "-1", "-99", "data", "[add]\n",
		"from = -2\n", "x", "99999999999", "classes", "name = a\n", "[net]\n",
	};
	const size_t base_len = sizeof cfg_full - 1;
	struct rng r;
	rng_seed(&r, 7);
	int ok = 0, bad = 0;
	char *buf = malloc(2 * base_len + 64);
	for (int it = 0; it < 3000; it++) {
		memcpy(buf, cfg_full, base_len);
		size_t len = base_len;
		int edits = 1 + (int)rng_below(&r, 4);
		for (int e = 0; e < edits && len > 0; e++) {
			size_t at = rng_below(&r, (uint32_t)len);
			switch (rng_below(&r, 5)) {
			case 0: /* overwrite a byte */
				buf[at] = (char)rng_below(&r, 256);
				break;
			case 1: /* delete a span */
			{
				size_t n = 1 + rng_below(&r, 8);
				if (n > len - at)
					n = len - at;
				memmove(buf + at, buf + at + n, len - at - n);
				len -= n;
				break;
			}
			case 2: /* insert a token */
			{
				const char *tok = tokens[rng_below(&r, sizeof tokens / sizeof tokens[0])];
				size_t n = tok[0] ? strlen(tok) : 1;
				if (len + n > 2 * base_len + 64)
					break;
				memmove(buf + at + n, buf + at, len - at);
				memcpy(buf + at, tok, n);
				len += n;
				break;
			}
			case 3: /* truncate */
				len = at;
				break;
			default: /* swap two bytes */
			{
				size_t b = rng_below(&r, (uint32_t)len);
				char t = buf[at];
				buf[at] = buf[b];
				buf[b] = t;
				break;
			}
			}
		}
		char *exact = malloc(len ? len : 1);
		memcpy(exact, buf, len);
		fuzz_one(exact, len, &ok, &bad);
		free(exact);
	}
	free(buf);
	/* Both outcomes must occur, or the test proves little. */
	ck_assert_int_gt(ok, 100);
	ck_assert_int_gt(bad, 100);
}
END_TEST

static Suite *cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_full_parse);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_round_trip_values);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_out_classes);
	tcase_add_test(tc, test_warnings);
	tcase_add_test(tc, test_warnings_capped);
	tcase_add_test(tc, test_locale);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_malformed, 0,
			    (int)(sizeof bad_cases / sizeof bad_cases[0]));
	tcase_add_test(tc, test_long_line);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_test(tc, test_file_round_trip);
	tcase_add_test(tc, test_file_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("ini");
	tcase_add_test(tc, test_ini_theme_syntax);
	tcase_add_test(tc, test_ini_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("random");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_random_garbage);
	tcase_add_test(tc, test_random_mutations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cfg_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
