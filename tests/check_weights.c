/* check_weights: safetensors reading and writing, generic and for nets.
 *
 * References: the published format, written out by hand in the malformed-
 * file table below; tests/fixtures/tiny_ref.safetensors, written by the
 * independent numpy writer tests/fixtures/safetensors_ref.py, whose values
 * are recomputed here from the same rule; and tests/weights_interop.sh,
 * which runs the "interop" case with WEIGHTS_INTEROP_OUT set and has the
 * numpy reader check what we wrote against a sidecar of expected values.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/cfg.h"
#include "nn/net.h"
#include "nn/net_spec.h"
#include "base/rng.h"
#include "io/weights.h"
#include "scratch.h"

static char test_dir[256];

/* A net with every parameterised kind: conv with bias, BN, depthwise and
 * grouped convs without bias, a residual add and a linear head. */
static const char cfg_small[] =
	"[net]\n"
	"name = small\n"
	"input = 3x8x8\n"
	"classes = 5\n"
	"[conv]\nname = conv1\nout = 8\nsize = 3\npad = 1\nbias = 1\n"
	"[bn]\nname = bn1\n"
	"[relu]\nname = relu1\n"
	"[conv]\nname = dw\nout = 8\nsize = 3\npad = 1\ngroups = 8\nbias = 0\n"
	"[bn]\nname = dw_bn\n"
	"[add]\nname = add\nfrom = relu1\n"
	"[conv]\nname = pw\nout = 6\nsize = 1\ngroups = 2\nbias = 0\n"
	"[maxpool]\nname = pool\nsize = 2\nstride = 2\n"
	"[flatten]\nname = flat\n"
	"[linear]\nname = fc1\nout = 7\nbias = 0\n"
	"[relu]\nname = relu2\n"
	"[linear]\nname = fc\nout = classes\nbias = 1\n";

/* The smallest net: fc.weight [2,3], fc.bias [2]. */
static const char cfg_fc[] =
	"[net]\nname = fc_only\ninput = 3x1x1\nclasses = 2\n"
	"[linear]\nname = fc\nout = classes\nbias = 1\n";

static const char *srcdir_top(void)
{
	const char *top = getenv("top_srcdir");
	if (!top || !*top)
		top = getenv("srcdir");
	if (!top || !*top)
		top = ".";
	return top;
}

static void path_make(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", test_dir, name);
	ck_assert(n > 0 && (size_t)n < len);
}

static struct net *net_from_text(const char *text)
{
	struct net_spec spec;
	struct eng_err err = { { 0 } };
	enum eng_status st = cfg_parse_string(text, strlen(text), "test.cfg", &spec, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
	struct net *net = NULL;
	st = net_build(&spec, &net, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
	net_spec_done(&spec);
	return net;
}

static struct net *net_from_file(const char *path)
{
	struct net_spec spec;
	struct eng_err err = { { 0 } };
	enum eng_status st = cfg_parse_file(path, &spec, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
	struct net *net = NULL;
	st = net_build(&spec, &net, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
	net_spec_done(&spec);
	return net;
}

/* Fresh weights plus BN statistics that are not the 0/1 defaults, so a
 * loader that forgot the state would be caught. */
static void net_fill(struct net *net, uint64_t seed)
{
	net_init(net, seed);
	struct rng r;
	rng_seed(&r, seed ^ 0x5eed);
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		size_t c = l->state_len / 2;
		for (size_t k = 0; k < c; k++) {
			l->state[k] = rng_normal(&r);
			l->state[c + k] = 0.5f + (float)rng_uniform(&r);
		}
		for (size_t k = 0; l->kind == LAYER_KIND_BN && k < l->w_len; k++) {
			l->w[k] = 1.0f + 0.1f * rng_normal(&r);
			l->b[k] = 0.1f * rng_normal(&r);
		}
	}
}

/* A pattern no loader would produce, to see whether a failed load wrote. */
static void net_poison(struct net *net)
{
	for (size_t i = 0; i < net->n_params; i++)
		net->params[i] = -12345.0f - (float)i;
	for (size_t i = 0; i < net->n_state; i++)
		net->state[i] = 777.0f + (float)i;
}

struct snapshot {
	float *params, *state;
};

static struct snapshot snapshot_take(const struct net *net)
{
	struct snapshot s;
	s.params = malloc(net->n_params * sizeof(float) + 1);
	s.state = malloc(net->n_state * sizeof(float) + 1);
	ck_assert(s.params && s.state);
	memcpy(s.params, net->params, net->n_params * sizeof(float));
	memcpy(s.state, net->state, net->n_state * sizeof(float));
	return s;
}

static bool snapshot_same(const struct snapshot *s, const struct net *net)
{
	return memcmp(s->params, net->params, net->n_params * sizeof(float)) == 0 &&
	       memcmp(s->state, net->state, net->n_state * sizeof(float)) == 0;
}

static void snapshot_restore(const struct snapshot *s, struct net *net)
{
	memcpy(net->params, s->params, net->n_params * sizeof(float));
	memcpy(net->state, s->state, net->n_state * sizeof(float));
}

static void snapshot_free(struct snapshot *s)
{
	free(s->params);
	free(s->state);
}

static void file_write(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert(len == 0 || fwrite(buf, 1, len, f) == len);
	ck_assert(fclose(f) == 0);
}

static unsigned char *file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert(fseek(f, 0, SEEK_END) == 0);
	long n = ftell(f);
	ck_assert(n >= 0);
	rewind(f);
	unsigned char *buf = malloc((size_t)n + 1);
	ck_assert(buf != NULL);
	ck_assert((size_t)n == fread(buf, 1, (size_t)n, f));
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The expected error shape: "path: ...", one line, containing want. */
static void err_check(const struct eng_err *err, const char *path, const char *want)
{
	size_t n = strlen(path);
	ck_assert_msg(strncmp(err->msg, path, n) == 0 && err->msg[n] == ':',
		      "message does not start with the path: %s", err->msg);
	ck_assert_msg(strchr(err->msg, '\n') == NULL, "multi-line message: %s", err->msg);
	ck_assert_msg(strstr(err->msg, want) != NULL, "message '%s' lacks '%s'", err->msg,
		      want);
}

/* --- round trips ---------------------------------------------------------- */

static void round_trip(struct net *a, struct net *b, const char *file)
{
	char path[512];
	struct eng_err err = { { 0 } };
	path_make(path, sizeof path, file);
	net_fill(a, 11);
	enum eng_status st = weights_save(a, path, NULL, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
	net_poison(b);
	st = weights_load(b, path, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_uint_eq(a->n_params, b->n_params);
	ck_assert_uint_eq(a->n_state, b->n_state);
	ck_assert(memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0);
	ck_assert(memcmp(a->state, b->state, a->n_state * sizeof(float)) == 0);

	/* The file itself: the exact byte count, one tensor per parameter
	 * array, nothing else. */
	struct st_file f;
	st = st_file_read(path, &f, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_uint_eq(f.data_len, (a->n_params + a->n_state) * sizeof(float));
	int want = 0;
	for (int i = 0; i < a->n_layers; i++)
		want += (a->layers[i].w_len > 0) + (a->layers[i].b_len > 0) +
			2 * (a->layers[i].state_len > 0);
	ck_assert_int_eq(f.n_tensors, want);
	ck_assert_int_eq(f.n_meta, 0);
	st_file_done(&f);
}

START_TEST(test_round_trip_small)
{
	struct net *a = net_from_text(cfg_small), *b = net_from_text(cfg_small);
	round_trip(a, b, "small.safetensors");

	/* Names, shapes and values in PyTorch's layouts, in net order. */
	char path[512];
	struct eng_err err = { { 0 } };
	path_make(path, sizeof path, "small.safetensors");
	struct st_file f;
	ck_assert_int_eq(st_file_read(path, &f, &err), ENG_STATUS_OK);
	static const struct {
		const char *name;
		int ndim;
		uint64_t shape[4];
	} want[] = {
		{ "conv1.weight", 4, { 8, 3, 3, 3 } },
		{ "conv1.bias", 1, { 8 } },
		{ "bn1.weight", 1, { 8 } },
		{ "bn1.bias", 1, { 8 } },
		{ "bn1.running_mean", 1, { 8 } },
		{ "bn1.running_var", 1, { 8 } },
		{ "dw.weight", 4, { 8, 1, 3, 3 } },
		{ "dw_bn.weight", 1, { 8 } },
		{ "dw_bn.bias", 1, { 8 } },
		{ "dw_bn.running_mean", 1, { 8 } },
		{ "dw_bn.running_var", 1, { 8 } },
		{ "pw.weight", 4, { 6, 4, 1, 1 } },
		{ "fc1.weight", 2, { 7, 96 } },
		{ "fc.weight", 2, { 5, 7 } },
		{ "fc.bias", 1, { 5 } },
	};
	ck_assert_int_eq(f.n_tensors, (int)(sizeof want / sizeof want[0]));
	for (int i = 0; i < f.n_tensors; i++) {
		const struct st_tensor *t = &f.tensors[i];
		ck_assert_str_eq(t->name, want[i].name);
		ck_assert_int_eq(t->dtype, ST_DTYPE_F32);
		ck_assert_int_eq(t->ndim, want[i].ndim);
		for (int d = 0; d < t->ndim; d++)
			ck_assert_uint_eq(t->shape[d], want[i].shape[d]);
	}
	const struct st_tensor *t = st_file_find(&f, "pw.weight");
	const struct layer *pw = &a->layers[net_find(a, "pw")];
	ck_assert(memcmp(t->data, pw->w, pw->w_len * sizeof(float)) == 0);
	t = st_file_find(&f, "dw_bn.running_var");
	const struct layer *bn = &a->layers[net_find(a, "dw_bn")];
	ck_assert(memcmp(t->data, bn->state + 8, 8 * sizeof(float)) == 0);
	st_file_done(&f);
	net_free(a);
	net_free(b);
}
END_TEST

static void model_path(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/models/%s.cfg", srcdir_top(), name);
	ck_assert(n > 0 && (size_t)n < len);
}

START_TEST(test_round_trip_models)
{
	static const char *const names[] = { "resnet20", "mobilenetv2" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char cfg[1024], file[64];
		model_path(cfg, sizeof cfg, names[i]);
		struct net *a = net_from_file(cfg), *b = net_from_file(cfg);
		snprintf(file, sizeof file, "%s.safetensors", names[i]);
		round_trip(a, b, file);
		net_free(a);
		net_free(b);
	}
}
END_TEST

START_TEST(test_meta_round_trip)
{
	char path[512];
	struct eng_err err = { { 0 } };
	path_make(path, sizeof path, "meta.safetensors");
	struct net *a = net_from_text(cfg_fc);
	net_fill(a, 3);
	struct weights_meta m = { 0 };
	ck_assert(weights_meta_set(&m, "model", "fc_only"));
	ck_assert(weights_meta_set(&m, "seed", "3"));
	ck_assert(weights_meta_set(&m, "method", "snip"));
	ck_assert(weights_meta_set(&m, "seed", "4")); /* replaces */
	ck_assert(weights_meta_set(&m, "note", "quotes \" and \\ and \xc3\xa9"));
	ck_assert_int_eq(m.n, 4);
	ck_assert_int_eq(weights_save(a, path, &m, &err), ENG_STATUS_OK);

	struct weights_meta back;
	memset(&back, 0xab, sizeof back);
	uint8_t *masks = (uint8_t *)&back; /* must become NULL: no masks */
	ck_assert_int_eq(weights_load_full(a, path, &masks, &back, &err), ENG_STATUS_OK);
	ck_assert_ptr_null(masks);
	ck_assert_int_eq(back.n, 4);
	ck_assert(!back.truncated);
	ck_assert_str_eq(weights_meta_get(&back, "model"), "fc_only");
	ck_assert_str_eq(weights_meta_get(&back, "seed"), "4");
	ck_assert_str_eq(weights_meta_get(&back, "method"), "snip");
	ck_assert_str_eq(weights_meta_get(&back, "note"), "quotes \" and \\ and \xc3\xa9");
	ck_assert_ptr_null(weights_meta_get(&back, "absent"));

	/* Limits of the fixed table. */
	struct weights_meta full = { 0 };
	char key[WEIGHTS_META_KEY_MAX + 8];
	for (int i = 0; i < WEIGHTS_META_MAX; i++) {
		snprintf(key, sizeof key, "k%d", i);
		ck_assert(weights_meta_set(&full, key, "v"));
	}
	ck_assert(!weights_meta_set(&full, "one_more", "v"));
	ck_assert(weights_meta_set(&full, "k3", "replaced"));
	memset(key, 'x', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	struct weights_meta one = { 0 };
	ck_assert(!weights_meta_set(&one, key, "v"));
	ck_assert(!weights_meta_set(&one, "", "v"));

	/* A file with more entries than the table holds: loaded, flagged. */
	struct st_file f;
	st_file_init(&f);
	for (int i = 0; i < WEIGHTS_META_MAX + 3; i++) {
		snprintf(key, sizeof key, "k%d", i);
		ck_assert_int_eq(st_file_meta_set(&f, key, "v", &err), ENG_STATUS_OK);
	}
	const struct layer *fc = &a->layers[0];
	ck_assert_int_eq(st_file_add(&f, "fc.weight", ST_DTYPE_F32, 2, (uint64_t[]){ 2, 3 },
				     fc->w, &err), ENG_STATUS_OK);
	ck_assert_int_eq(st_file_add(&f, "fc.bias", ST_DTYPE_F32, 1, (uint64_t[]){ 2 },
				     fc->b, &err), ENG_STATUS_OK);
	ck_assert_int_eq(st_file_write(&f, path, &err), ENG_STATUS_OK);
	st_file_done(&f);
	ck_assert_int_eq(weights_load_full(a, path, NULL, &back, &err), ENG_STATUS_OK);
	ck_assert_int_eq(back.n, WEIGHTS_META_MAX);
	ck_assert(back.truncated);
	net_free(a);
}
END_TEST

/* --- masks ----------------------------------------------------------------- */

START_TEST(test_masks_generic_writer)
{
	char path[512];
	struct eng_err err = { { 0 } };
	path_make(path, sizeof path, "masks_generic.safetensors");
	struct net *a = net_from_text(cfg_small);
	net_fill(a, 5);
	const struct layer *dw = &a->layers[net_find(a, "dw")];
	const struct layer *fc = &a->layers[net_find(a, "fc")];
	uint8_t dwm[72], fcm[35];
	ck_assert_uint_eq(dw->w_len, sizeof dwm);
	ck_assert_uint_eq(fc->w_len, sizeof fcm);
	for (size_t k = 0; k < sizeof dwm; k++)
		dwm[k] = k % 4 != 1;
	for (size_t k = 0; k < sizeof fcm; k++)
		fcm[k] = k % 5 == 0;

	/* Every tensor through the generic writer, masks in between, so the
	 * writer's layout has to move the U8 data behind the F32 data. */
	struct st_file f;
	st_file_init(&f);
	char name[64];
	for (int i = 0; i < a->n_layers; i++) {
		const struct layer *l = &a->layers[i];
		uint64_t wshape[4];
		int nd;
		if (l->kind == LAYER_KIND_CONV) {
			wshape[0] = (uint64_t)l->out.c;
			wshape[1] = (uint64_t)(l->in.c / l->conf.groups);
			wshape[2] = wshape[3] = (uint64_t)l->conf.size;
			nd = 4;
		} else if (l->kind == LAYER_KIND_LINEAR) {
			wshape[0] = (uint64_t)l->out.c;
			wshape[1] = shape_size(l->in);
			nd = 2;
		} else if (l->kind == LAYER_KIND_BN) {
			wshape[0] = (uint64_t)l->out.c;
			nd = 1;
		} else {
			continue;
		}
		snprintf(name, sizeof name, "%s.weight", l->name);
		ck_assert_int_eq(st_file_add(&f, name, ST_DTYPE_F32, nd, wshape, l->w, &err),
				 ENG_STATUS_OK);
		if (l == dw || l == fc) {
			snprintf(name, sizeof name, "%s.weight_mask", l->name);
			ck_assert_int_eq(st_file_add(&f, name, ST_DTYPE_U8, nd, wshape,
						     l == dw ? dwm : fcm, &err), ENG_STATUS_OK);
		}
		uint64_t c = l->b_len;
		snprintf(name, sizeof name, "%s.bias", l->name);
		if (c)
			ck_assert_int_eq(st_file_add(&f, name, ST_DTYPE_F32, 1, &c, l->b, &err),
					 ENG_STATUS_OK);
		c = l->state_len / 2;
		snprintf(name, sizeof name, "%s.running_mean", l->name);
		if (c)
			ck_assert_int_eq(st_file_add(&f, name, ST_DTYPE_F32, 1, &c, l->state, &err),
					 ENG_STATUS_OK);
		snprintf(name, sizeof name, "%s.running_var", l->name);
		if (c)
			ck_assert_int_eq(st_file_add(&f, name, ST_DTYPE_F32, 1, &c,
						     l->state + c, &err), ENG_STATUS_OK);
	}
	ck_assert_int_eq(st_file_write(&f, path, &err), ENG_STATUS_OK);
	st_file_done(&f);

	/* The layout: header padded with spaces to 8, each tensor aligned. */
	size_t len;
	unsigned char *raw = file_read(path, &len);
	uint64_t hlen = 0;
	for (int i = 7; i >= 0; i--)
		hlen = hlen << 8 | raw[i];
	ck_assert_uint_eq(hlen % 8, 0);
	size_t last = 8 + hlen - 1;
	while (raw[last] == ' ')
		last--;
	ck_assert_int_eq(raw[last], '}');
	ck_assert_uint_lt(8 + hlen - 1 - last, 8);
	free(raw);
	ck_assert_int_eq(st_file_read(path, &f, &err), ENG_STATUS_OK);
	for (int i = 0; i < f.n_tensors; i++)
		ck_assert_uint_eq(f.tensors[i].begin % st_dtype_size(f.tensors[i].dtype), 0);
	ck_assert_str_eq(f.tensors[7].name, "dw.weight_mask"); /* header keeps the order */
	st_file_done(&f);

	struct net *b = net_from_text(cfg_small);
	net_poison(b);
	uint8_t *masks = NULL;
	ck_assert_int_eq(weights_load_full(b, path, &masks, NULL, &err), ENG_STATUS_OK);
	ck_assert_ptr_nonnull(masks);
	ck_assert(memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0);
	ck_assert(memcmp(a->state, b->state, a->n_state * sizeof(float)) == 0);
	for (size_t k = 0; k < b->n_params; k++) {
		size_t dw0 = (size_t)(b->layers[net_find(b, "dw")].w - b->params);
		size_t fc0 = (size_t)(b->layers[net_find(b, "fc")].w - b->params);
		uint8_t want = 1;
		if (k >= dw0 && k < dw0 + sizeof dwm)
			want = dwm[k - dw0];
		else if (k >= fc0 && k < fc0 + sizeof fcm)
			want = fcm[k - fc0];
		ck_assert_msg(masks[k] == want, "mask[%zu] = %u, want %u", k, masks[k], want);
	}
	free(masks);
	net_free(a);
	net_free(b);
}
END_TEST

START_TEST(test_masks_net_writer)
{
	char path[512];
	struct eng_err err = { { 0 } };
	path_make(path, sizeof path, "masks_net.safetensors");
	struct net *a = net_from_text(cfg_small);
	net_fill(a, 6);
	uint8_t *m = malloc(a->n_params);
	ck_assert_ptr_nonnull(m);
	struct rng r;
	rng_seed(&r, 99);
	for (size_t k = 0; k < a->n_params; k++)
		m[k] = rng_below(&r, 3) ? 7 : 0; /* any non-zero means kept */
	/* conv1 all kept: no mask tensor for it; BN entries are never masks. */
	const struct layer *c1 = &a->layers[net_find(a, "conv1")];
	memset(m + (c1->w - a->params), 1, c1->w_len);
	ck_assert_int_eq(weights_save_masked(a, path, NULL, m, &err), ENG_STATUS_OK);

	struct st_file f;
	ck_assert_int_eq(st_file_read(path, &f, &err), ENG_STATUS_OK);
	ck_assert_ptr_null(st_file_find(&f, "conv1.weight_mask"));
	ck_assert_ptr_null(st_file_find(&f, "bn1.weight_mask"));
	ck_assert_ptr_nonnull(st_file_find(&f, "dw.weight_mask"));
	ck_assert_ptr_nonnull(st_file_find(&f, "pw.weight_mask"));
	ck_assert_ptr_nonnull(st_file_find(&f, "fc1.weight_mask"));
	const struct st_tensor *t = st_file_find(&f, "fc.weight_mask");
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t->dtype, ST_DTYPE_U8);
	ck_assert_int_eq(t->ndim, 2);
	ck_assert_uint_eq(t->shape[0], 5);
	ck_assert_uint_eq(t->shape[1], 7);
	st_file_done(&f);

	uint8_t *back = NULL;
	ck_assert_int_eq(weights_load_full(a, path, &back, NULL, &err), ENG_STATUS_OK);
	ck_assert_ptr_nonnull(back);
	for (int i = 0; i < a->n_layers; i++) {
		const struct layer *l = &a->layers[i];
		size_t w0 = (size_t)(l->w ? l->w - a->params : 0);
		bool maskable = l->kind == LAYER_KIND_CONV || l->kind == LAYER_KIND_LINEAR;
		for (size_t k = 0; k < l->w_len; k++)
			ck_assert_uint_eq(back[w0 + k], maskable ? m[w0 + k] != 0 : 1);
		size_t b0 = (size_t)(l->b ? l->b - a->params : 0);
		for (size_t k = 0; k < l->b_len; k++)
			ck_assert_uint_eq(back[b0 + k], 1);
	}
	free(back);

	/* All kept: no mask tensor at all, and the loader says NULL. */
	memset(m, 1, a->n_params);
	ck_assert_int_eq(weights_save_masked(a, path, NULL, m, &err), ENG_STATUS_OK);
	back = m;
	ck_assert_int_eq(weights_load_full(a, path, &back, NULL, &err), ENG_STATUS_OK);
	ck_assert_ptr_null(back);
	free(m);
	net_free(a);
}
END_TEST

/* Write the fc_only net's tensors plus one extra through the generic
 * writer; return the load status with the net poisoned beforehand. */
static enum eng_status fc_extra_load(const char *file, const char *name, enum st_dtype dt,
				     int ndim, const uint64_t *shape, const void *data,
				     struct eng_err *err, bool *untouched)
{
	char path[512];
	path_make(path, sizeof path, file);
	struct net *a = net_from_text(cfg_fc);
	net_fill(a, 1);
	struct st_file f;
	st_file_init(&f);
	struct eng_err e2;
	ck_assert_int_eq(st_file_add(&f, "fc.weight", ST_DTYPE_F32, 2, (uint64_t[]){ 2, 3 },
				     a->layers[0].w, &e2), ENG_STATUS_OK);
	ck_assert_int_eq(st_file_add(&f, "fc.bias", ST_DTYPE_F32, 1, (uint64_t[]){ 2 },
				     a->layers[0].b, &e2), ENG_STATUS_OK);
	ck_assert_int_eq(st_file_add(&f, name, dt, ndim, shape, data, &e2), ENG_STATUS_OK);
	ck_assert_int_eq(st_file_write(&f, path, &e2), ENG_STATUS_OK);
	st_file_done(&f);
	net_poison(a);
	struct snapshot s = snapshot_take(a);
	uint8_t *masks = NULL;
	enum eng_status st = weights_load_full(a, path, &masks, NULL, err);
	if (st != ENG_STATUS_OK) {
		*untouched = snapshot_same(&s, a);
		err_check(err, path, "");
	} else {
		*untouched = false;
	}
	free(masks);
	snapshot_free(&s);
	net_free(a);
	return st;
}

START_TEST(test_extras)
{
	struct eng_err err = { { 0 } };
	bool untouched;
	uint8_t good[6] = { 1, 0, 1, 1, 0, 1 }, bad[6] = { 1, 0, 2, 1, 0, 1 };
	float six[6] = { 0 };
	int64_t nbt = 42;

	ck_assert_int_eq(fc_extra_load("x1.safetensors", "fc.weight_mask", ST_DTYPE_U8, 2,
				       (uint64_t[]){ 2, 3 }, good, &err, &untouched),
			 ENG_STATUS_OK);
	ck_assert_int_eq(fc_extra_load("x2.safetensors", "fc.weight_mask", ST_DTYPE_U8, 2,
				       (uint64_t[]){ 2, 3 }, bad, &err, &untouched),
			 ENG_STATUS_EINVAL);
	ck_assert(untouched);
	ck_assert_ptr_nonnull(strstr(err.msg, "fc.weight_mask: mask value 2 at 2"));
	ck_assert_int_eq(fc_extra_load("x3.safetensors", "fc.weight_mask", ST_DTYPE_F32, 2,
				       (uint64_t[]){ 2, 3 }, six, &err, &untouched),
			 ENG_STATUS_EINVAL);
	ck_assert(untouched);
	ck_assert_ptr_nonnull(strstr(err.msg, "fc.weight_mask: unsupported dtype F32 (U8 expected)"));
	ck_assert_int_eq(fc_extra_load("x4.safetensors", "fc.weight_mask", ST_DTYPE_U8, 2,
				       (uint64_t[]){ 3, 2 }, good, &err, &untouched),
			 ENG_STATUS_EINVAL);
	ck_assert(untouched);
	ck_assert_ptr_nonnull(strstr(err.msg, "fc.weight_mask: shape [2,3] expected, file has [3,2]"));
	ck_assert_int_eq(fc_extra_load("x5.safetensors", "conv9.weight_mask", ST_DTYPE_U8, 2,
				       (uint64_t[]){ 2, 3 }, good, &err, &untouched),
			 ENG_STATUS_EINVAL);
	ck_assert(untouched);
	ck_assert_ptr_nonnull(strstr(err.msg, "mask for no conv or linear layer"));
	ck_assert_int_eq(fc_extra_load("x6.safetensors", "fc.num_batches_tracked", ST_DTYPE_I64,
				       0, NULL, &nbt, &err, &untouched),
			 ENG_STATUS_EINVAL);
	ck_assert(untouched);
	ck_assert_ptr_nonnull(strstr(err.msg, "counter for no bn layer"));
	ck_assert_int_eq(fc_extra_load("x7.safetensors", "fc.weight.extra", ST_DTYPE_F32, 1,
				       (uint64_t[]){ 6 }, six, &err, &untouched),
			 ENG_STATUS_EINVAL);
	ck_assert(untouched);
	ck_assert_ptr_nonnull(strstr(err.msg, "fc.weight.extra: unexpected tensor"));

	/* PyTorch's BN counter is skipped; the same name with another
	 * type is not. */
	char path[512];
	path_make(path, sizeof path, "nbt.safetensors");
	struct net *a = net_from_text(cfg_small);
	net_fill(a, 8);
	ck_assert_int_eq(weights_save(a, path, NULL, &err), ENG_STATUS_OK);
	struct st_file f, g;
	ck_assert_int_eq(st_file_read(path, &f, &err), ENG_STATUS_OK);
	for (int k = 0; k < 2; k++) {
		st_file_init(&g);
		for (int i = 0; i < f.n_tensors; i++) {
			const struct st_tensor *t = &f.tensors[i];
			ck_assert_int_eq(st_file_add(&g, t->name, t->dtype, t->ndim, t->shape,
						     t->data, &err), ENG_STATUS_OK);
		}
		if (k == 0)
			ck_assert_int_eq(st_file_add(&g, "bn1.num_batches_tracked", ST_DTYPE_I64, 0,
						     NULL, &nbt, &err), ENG_STATUS_OK);
		else
			ck_assert_int_eq(st_file_add(&g, "bn1.num_batches_tracked", ST_DTYPE_F32, 1,
						     (uint64_t[]){ 1 }, six, &err), ENG_STATUS_OK);
		ck_assert_int_eq(st_file_write(&g, path, &err), ENG_STATUS_OK);
		st_file_done(&g);
		struct net *b = net_from_text(cfg_small);
		net_poison(b);
		enum eng_status st = weights_load(b, path, &err);
		if (k == 0) {
			ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
			ck_assert(memcmp(a->params, b->params, a->n_params * 4) == 0);
			ck_assert(memcmp(a->state, b->state, a->n_state * 4) == 0);
		} else {
			ck_assert_int_eq(st, ENG_STATUS_EINVAL);
			err_check(&err, path, "bn1.num_batches_tracked: an I64 scalar expected");
		}
		net_free(b);
	}
	st_file_done(&f);

	/* A conv without bias given a bias; a layer missing its last
	 * tensor: all checked before any copy. */
	ck_assert_int_eq(st_file_read(path, &f, &err), ENG_STATUS_OK);
	for (int k = 0; k < 2; k++) {
		st_file_init(&g);
		for (int i = 0; i < f.n_tensors; i++) {
			const struct st_tensor *t = &f.tensors[i];
			if (strcmp(t->name, "bn1.num_batches_tracked") == 0 ||
			    (k == 1 && strcmp(t->name, "fc.bias") == 0))
				continue;
			ck_assert_int_eq(st_file_add(&g, t->name, t->dtype, t->ndim, t->shape,
						     t->data, &err), ENG_STATUS_OK);
		}
		if (k == 0)
			ck_assert_int_eq(st_file_add(&g, "pw.bias", ST_DTYPE_F32, 1,
						     (uint64_t[]){ 6 }, six, &err), ENG_STATUS_OK);
		ck_assert_int_eq(st_file_write(&g, path, &err), ENG_STATUS_OK);
		st_file_done(&g);
		struct net *b = net_from_text(cfg_small);
		net_poison(b);
		struct snapshot s = snapshot_take(b);
		ck_assert_int_eq(weights_load(b, path, &err), ENG_STATUS_EINVAL);
		err_check(&err, path, k == 0 ? "pw.bias: unexpected tensor" : "fc.bias: missing tensor");
		ck_assert(snapshot_same(&s, b));
		snapshot_free(&s);
		net_free(b);
	}
	st_file_done(&f);
	net_free(a);
}
END_TEST

/* --- malformed files ------------------------------------------------------- */

#define FC_W "\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}"
#define FC_B "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]}"
#define FC_OK "{" FC_W "," FC_B "}"

struct bad_case {
	const char *what;
	const char *json;     /* the header; NULL: raw is the whole file */
	size_t data_len;      /* data bytes after the header */
	long long hlen_add;   /* added to the header length written */
	const char *raw;
	size_t raw_len;
	enum eng_status st;
	const char *want;     /* part of the message */
};

static const struct bad_case bad_cases[] = {
	{ "empty file", NULL, 0, 0, "", 0, ENG_STATUS_EINVAL, ": empty file" },
	{ "truncated length", NULL, 0, 0, "\x10\0\0", 3, ENG_STATUS_EINVAL,
	  ": 3 bytes, too short for the 8-byte header length" },
	{ "length > 100 MiB", NULL, 0, 0, "\0\0\0\0\0\0\0\x01{}", 10, ENG_STATUS_EINVAL,
	  ": header length 72057594037927936 exceeds the 100 MiB limit" },
	{ "length > file", FC_OK, 32, 1000, NULL, 0, ENG_STATUS_EINVAL,
	  "exceeds the " },
	{ "length too small", "{}", 0, -1, NULL, 0, ENG_STATUS_EINVAL,
	  "header length 1 is too small" },
	{ "invalid JSON", "{\"fc.weight\":", 32, 0, NULL, 0, ENG_STATUS_EINVAL,
	  ": header: invalid JSON at byte" },
	{ "garbage after JSON", FC_OK "xx", 32, 0, NULL, 0, ENG_STATUS_EINVAL,
	  ": header: invalid JSON" },
	{ "JSON not an object", "[1,2,3]", 0, 0, NULL, 0, ENG_STATUS_EINVAL,
	  ": header: JSON is not an object" },
	{ "duplicate key", "{" FC_W "," FC_W "," FC_B "}", 32, 0, NULL, 0, ENG_STATUS_EINVAL,
	  "duplicate" },
	{ "entry not an object", "{\"fc.weight\":[1]," FC_B "}", 32, 0, NULL, 0,
	  ENG_STATUS_EINVAL, ": fc.weight: entry is not an object" },
	{ "missing dtype", "{\"fc.weight\":{\"shape\":[2,3],\"data_offsets\":[0,24]}," FC_B "}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: missing dtype" },
	{ "dtype not a string",
	  "{\"fc.weight\":{\"dtype\":4,\"shape\":[2,3],\"data_offsets\":[0,24]}," FC_B "}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: dtype is not a string" },
	{ "unknown dtype",
	  "{\"fc.weight\":{\"dtype\":\"Q4\",\"shape\":[2,3],\"data_offsets\":[0,24]}," FC_B "}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: unknown dtype 'Q4'" },
	{ "unsupported dtype",
	  "{\"fc.weight\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
	  "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}",
	  20, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: unsupported dtype F16 (F32 expected)" },
	{ "unsupported dtype I64",
	  "{\"fc.weight\":{\"dtype\":\"I64\",\"shape\":[2,3],\"data_offsets\":[0,48]},"
	  "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[48,56]}}",
	  56, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: unsupported dtype I64 (F32 expected)" },
	{ "missing shape", "{\"fc.weight\":{\"dtype\":\"F32\",\"data_offsets\":[0,24]}," FC_B "}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: missing shape" },
	{ "shape not an array",
	  "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":\"2x3\",\"data_offsets\":[0,24]}," FC_B "}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: shape is not an array" },
	{ "negative shape",
	  "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[-2,-3],\"data_offsets\":[0,24]}," FC_B "}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: shape must hold non-negative integers" },
	{ "fractional shape",
	  "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2.0,3],\"data_offsets\":[0,24]}," FC_B "}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: shape must hold non-negative integers" },
	{ "too many dimensions",
	  "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}",
	  4, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: shape has 9 dimensions (at most 8)" },
	{ "shape overflow",
	  "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],"
	  "\"data_offsets\":[0,0]}}",
	  0, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: shape [4294967296,4294967296,16] overflows" },
	{ "huge integer", "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999999],"
	  "\"data_offsets\":[0,24]}}", 24, 0, NULL, 0, ENG_STATUS_EINVAL,
	  ": header: invalid JSON" },
	{ "missing offsets", "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,3]}," FC_B "}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: missing data_offsets" },
	{ "one offset",
	  "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[24]}," FC_B "}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: data_offsets must be two non-negative integers" },
	{ "negative offset",
	  "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[-24,0]}," FC_B "}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: data_offsets must be two non-negative integers" },
	{ "reversed offsets",
	  "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[24,0]}," FC_B "}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: data_offsets [24,0] are reversed" },
	{ "offsets out of range",
	  "{" FC_W ",\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[1024,1032]}}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL,
	  ": fc.bias: data_offsets [1024,1032] beyond the data section (32 bytes; file truncated?)" },
	{ "offsets size mismatch",
	  "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]},"
	  "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[20,28]}}",
	  28, 0, NULL, 0, ENG_STATUS_EINVAL,
	  ": fc.weight: data_offsets span 20 bytes, F32 [2,3] needs 24" },
	{ "overlapping",
	  "{" FC_W ",\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}",
	  24, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.bias: data overlaps fc.weight" },
	{ "hole",
	  "{" FC_W ",\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[28,36]}}",
	  36, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.bias: 4 unindexed bytes before this tensor's data" },
	{ "trailing bytes", FC_OK, 40, 0, NULL, 0, ENG_STATUS_EINVAL,
	  ": 8 unindexed bytes after the last tensor" },
	{ "truncated data", FC_OK, 30, 0, NULL, 0, ENG_STATUS_EINVAL,
	  ": fc.bias: data_offsets [24,32] beyond the data section (30 bytes; file truncated?)" },
	{ "unexpected entry key",
	  "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24],\"x\":1},"
	  FC_B "}", 32, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: unexpected key 'x'" },
	{ "metadata not an object", "{\"__metadata__\":[]," FC_W "," FC_B "}", 32, 0, NULL, 0,
	  ENG_STATUS_EINVAL, ": header: __metadata__ is not an object" },
	{ "metadata value not a string", "{\"__metadata__\":{\"seed\":1}," FC_W "," FC_B "}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL, ": header: __metadata__ value of 'seed' is not a string" },
	{ "empty name", "{" FC_W "," FC_B ",\"\":{\"dtype\":\"U8\",\"shape\":[0],"
	  "\"data_offsets\":[32,32]}}", 32, 0, NULL, 0, ENG_STATUS_EINVAL,
	  ": header: empty tensor name" },
	{ "control character", "{" FC_W "," FC_B ",\"a\\nb\":{\"dtype\":\"U8\",\"shape\":[0],"
	  "\"data_offsets\":[32,32]}}", 32, 0, NULL, 0, ENG_STATUS_EINVAL,
	  ": header: tensor name contains a control character" },
	{ "missing tensor", "{" FC_W "}", 24, 0, NULL, 0, ENG_STATUS_EINVAL,
	  ": fc.bias: missing tensor" },
	{ "wrong shape",
	  "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}," FC_B "}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: shape [2,3] expected, file has [3,2]" },
	{ "wrong rank",
	  "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,3,1,1],\"data_offsets\":[0,24]}," FC_B "}",
	  32, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: shape [2,3] expected, file has [2,3,1,1]" },
	{ "extra unknown tensor",
	  "{" FC_W "," FC_B ",\"fc.scale\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[32,36]}}",
	  36, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.scale: unexpected tensor (not in the net)" },
	{ "no tensors", "{}", 0, 0, NULL, 0, ENG_STATUS_EINVAL, ": fc.weight: missing tensor" },
	{ "data but no tensors", "{}", 8, 0, NULL, 0, ENG_STATUS_EINVAL,
	  ": 8 data bytes but no tensors" },
};

/* Write one malformed case to path. */
static void bad_case_write(const struct bad_case *c, const char *path)
{
	if (!c->json) {
		file_write(path, c->raw, c->raw_len);
		return;
	}
	size_t jl = strlen(c->json);
	size_t len = 8 + jl + c->data_len;
	unsigned char *buf = malloc(len);
	ck_assert_ptr_nonnull(buf);
	uint64_t hlen = (uint64_t)((long long)jl + c->hlen_add);
	for (int i = 0; i < 8; i++)
		buf[i] = (unsigned char)(hlen >> (8 * i));
	memcpy(buf + 8, c->json, jl);
	for (size_t i = 0; i < c->data_len; i++)
		buf[8 + jl + i] = (unsigned char)(i * 37 + 1);
	file_write(path, buf, len);
	free(buf);
}

START_TEST(test_malformed)
{
	const struct bad_case *c = &bad_cases[_i];
	char path[512];
	struct eng_err err = { { 0 } };
	path_make(path, sizeof path, "bad.safetensors");
	bad_case_write(c, path);
	struct net *net = net_from_text(cfg_fc);
	net_poison(net);
	struct snapshot s = snapshot_take(net);
	uint8_t *masks = (uint8_t *)&s;
	struct weights_meta meta;
	memset(&meta, 0x5a, sizeof meta);
	struct weights_meta meta0 = meta;
	enum eng_status st = weights_load_full(net, path, &masks, &meta, &err);
	ck_assert_msg(st == c->st, "%s: status %d, want %d (%s)", c->what, st, c->st, err.msg);
	err_check(&err, path, c->want);
	ck_assert_msg(snapshot_same(&s, net), "%s: the net changed", c->what);
	ck_assert_msg(masks == (uint8_t *)&s, "%s: masks set on failure", c->what);
	ck_assert(memcmp(&meta, &meta0, sizeof meta) == 0);
	snapshot_free(&s);
	net_free(net);
}
END_TEST

/* The valid header of the table loads (the table's cases differ from it
 * by one thing each), and so does an otherwise equal file whose tensors
 * lie in the other order. */
START_TEST(test_malformed_control)
{
	static const struct bad_case good[] = {
		{ "valid", FC_OK, 32, 0, NULL, 0, ENG_STATUS_OK, "" },
		{ "reordered", "{\"__metadata__\":{},\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],"
		  "\"data_offsets\":[0,8]},\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],"
		  "\"data_offsets\":[8,32]}}   ", 32, 0, NULL, 0, ENG_STATUS_OK, "" },
	};
	for (int k = 0; k < 2; k++) {
		char path[512];
		struct eng_err err = { { 0 } };
		path_make(path, sizeof path, "good.safetensors");
		bad_case_write(&good[k], path);
		struct net *net = net_from_text(cfg_fc);
		net_poison(net);
		ck_assert_msg(weights_load(net, path, &err) == ENG_STATUS_OK, "%s", err.msg);
		/* data byte i is i * 37 + 1 (mod 256); the bias comes first in
		 * the reordered file. */
		unsigned char want[32];
		for (int i = 0; i < 32; i++)
			want[i] = (unsigned char)(i * 37 + 1);
		const struct layer *fc = &net->layers[0];
		ck_assert(memcmp(fc->w, want + (k ? 8 : 0), 24) == 0);
		ck_assert(memcmp(fc->b, want + (k ? 0 : 24), 8) == 0);
		net_free(net);
	}
}
END_TEST

START_TEST(test_io_errors)
{
	char path[512];
	struct eng_err err = { { 0 } };
	struct net *net = net_from_text(cfg_fc);
	net_fill(net, 2);
	path_make(path, sizeof path, "absent.safetensors");
	ck_assert_int_eq(weights_load(net, path, &err), ENG_STATUS_ENOENT);
	err_check(&err, path, "cannot open");
	ck_assert_int_eq(weights_load(net, test_dir, &err), ENG_STATUS_EINVAL);
	err_check(&err, test_dir, "not a regular file");
	path_make(path, sizeof path, "no/such/dir/w.safetensors");
	ck_assert_int_eq(weights_save(net, path, NULL, &err), ENG_STATUS_ENOENT);
	err_check(&err, path, "cannot create");

	/* Writes leave no temporary behind and replace the target. */
	path_make(path, sizeof path, "atomic.safetensors");
	file_write(path, "old", 3);
	ck_assert_int_eq(weights_save(net, path, NULL, &err), ENG_STATUS_OK);
	ck_assert_int_eq(weights_load(net, path, &err), ENG_STATUS_OK);
	DIR *d = opendir(test_dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d)))
		ck_assert_msg(strstr(e->d_name, "atomic.safetensors.") == NULL,
			      "left behind: %s", e->d_name);
	closedir(d);

	/* Generic writer: bad names. */
	struct st_file f;
	st_file_init(&f);
	float x = 1.0f;
	uint64_t one = 1;
	ck_assert_int_eq(st_file_add(&f, "a", ST_DTYPE_F32, 1, &one, &x, &err), ENG_STATUS_OK);
	ck_assert_int_eq(st_file_add(&f, "a", ST_DTYPE_F32, 1, &one, &x, &err), ENG_STATUS_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "duplicate"));
	ck_assert_int_eq(st_file_add(&f, "__metadata__", ST_DTYPE_F32, 1, &one, &x, &err),
			 ENG_STATUS_EINVAL);
	ck_assert_int_eq(st_file_add(&f, "", ST_DTYPE_F32, 1, &one, &x, &err), ENG_STATUS_EINVAL);
	uint64_t big[3] = { UINT64_C(1) << 32, UINT64_C(1) << 32, 16 };
	ck_assert_int_eq(st_file_add(&f, "big", ST_DTYPE_F32, 3, big, &x, &err), ENG_STATUS_EINVAL);
	ck_assert_int_eq(f.n_tensors, 1);
	ck_assert_ptr_null(st_file_find(&f, "big"));
	ck_assert_str_eq(st_dtype_name(ST_DTYPE_BF16), "BF16");
	ck_assert_ptr_null(st_dtype_name(ST_DTYPE_COUNT));
	st_file_done(&f);
	net_free(net);
}
END_TEST

/* --- random corruption ------------------------------------------------------ */

static void corrupt(unsigned char *buf, size_t *len, size_t hend, struct rng *r)
{
	int ops = 1 + (int)rng_below(r, 3);
	for (int k = 0; k < ops && *len > 0; k++) {
		size_t n = *len;
		size_t in_header = hend < n ? hend : n;
		switch (rng_below(r, 6)) {
		case 0: /* any byte */
			buf[rng_below(r, (uint32_t)n)] = (unsigned char)rng_below(r, 256);
			break;
		case 1: /* a header byte */
			buf[rng_below(r, (uint32_t)in_header)] = (unsigned char)rng_below(r, 256);
			break;
		case 2: { /* a digit of the header into another digit */
			size_t p = rng_below(r, (uint32_t)in_header);
			while (p < in_header && (buf[p] < '0' || buf[p] > '9'))
				p++;
			if (p < in_header)
				buf[p] = (unsigned char)('0' + rng_below(r, 10));
			break;
		}
		case 3: /* truncate */
			*len = rng_below(r, (uint32_t)n);
			break;
		case 4: /* the length bytes */
			buf[rng_below(r, 8)] = (unsigned char)rng_below(r, 256);
			break;
		default: /* a JSON punctuation swap */
			for (size_t p = rng_below(r, (uint32_t)in_header); p < in_header; p++) {
				if (strchr("{}[]:,\"", buf[p])) {
					buf[p] = (unsigned char)"{}[]:,\" 0-"[rng_below(r, 10)];
					break;
				}
			}
			break;
		}
	}
}

START_TEST(test_random_corruption)
{
	char path[512], bad[512];
	struct eng_err err = { { 0 } };
	path_make(path, sizeof path, "fuzz_base.safetensors");
	path_make(bad, sizeof bad, "fuzz.safetensors");
	struct net *net = net_from_text(cfg_small);
	net_fill(net, 21);
	uint8_t *m = malloc(net->n_params);
	ck_assert_ptr_nonnull(m);
	for (size_t k = 0; k < net->n_params; k++)
		m[k] = k % 3 != 0;
	struct weights_meta meta = { 0 };
	weights_meta_set(&meta, "model", "small");
	ck_assert_int_eq(weights_save_masked(net, path, &meta, m, &err), ENG_STATUS_OK);
	free(m);
	size_t base_len;
	unsigned char *base = file_read(path, &base_len);
	size_t hend = 8;
	for (int i = 7; i >= 0; i--)
		hend += (size_t)base[i] << (8 * i);
	unsigned char *buf = malloc(base_len);
	ck_assert_ptr_nonnull(buf);

	net_poison(net);
	struct snapshot s = snapshot_take(net);
	struct rng r;
	rng_seed(&r, 2024);
	int ok = 0, rejected = 0;
	for (int it = 0; it < 2500; it++) {
		size_t len = base_len;
		memcpy(buf, base, base_len);
		corrupt(buf, &len, hend, &r);
		/* In memory: every byte string parses or is refused. */
		struct st_file f;
		if (st_file_parse(buf, len, "mem", &f, &err) == ENG_STATUS_OK) {
			for (int i = 0; i < f.n_tensors; i++)
				ck_assert(f.tensors[i].end <= f.data_len);
			st_file_done(&f);
		} else {
			ck_assert(strncmp(err.msg, "mem: ", 5) == 0);
			ck_assert(f.n_tensors == 0 && f.tensors == NULL && f.blob == NULL);
		}
		if (it % 4)
			continue;
		/* Through a file and into the net. */
		file_write(bad, buf, len);
		uint8_t *masks = NULL;
		struct weights_meta mo;
		enum eng_status st = weights_load_full(net, bad, &masks, &mo, &err);
		if (st == ENG_STATUS_OK) {
			ok++;
			snapshot_restore(&s, net);
		} else {
			rejected++;
			ck_assert_ptr_null(masks);
			ck_assert(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
			ck_assert_msg(snapshot_same(&s, net), "iteration %d changed the net: %s",
				      it, err.msg);
		}
		free(masks);
	}
	ck_assert_int_gt(ok, 0);
	ck_assert_int_gt(rejected, ok);
	snapshot_free(&s);
	free(buf);
	free(base);
	net_free(net);
}
END_TEST

/* --- the file written by the independent numpy writer ------------------- */

/* The recipe of tests/fixtures/safetensors_ref.py (value_of, mask_of). */
static float fixture_value(int salt, int i, bool var)
{
	if (var)
		return 0.25f + (float)(i % 5) / 8.0f;
	return (float)(((i * 7 + salt * 3) % 17) - 8) / 16.0f;
}

START_TEST(test_fixture_from_numpy)
{
	char cfg[1024], file[1024];
	snprintf(cfg, sizeof cfg, "%s/tests/fixtures/tiny_ref.cfg", srcdir_top());
	snprintf(file, sizeof file, "%s/tests/fixtures/tiny_ref.safetensors", srcdir_top());
	struct net *net = net_from_file(cfg);
	net_poison(net);
	struct eng_err err = { { 0 } };
	uint8_t *masks = NULL;
	struct weights_meta meta;
	enum eng_status st = weights_load_full(net, file, &masks, &meta, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);

	static const struct {
		const char *layer;
		int what; /* 0 weight, 1 bias, 2 mean, 3 var */
		size_t n;
	} order[] = {
		{ "conv1", 0, 108 }, { "conv1", 1, 4 }, { "bn1", 0, 4 }, { "bn1", 1, 4 },
		{ "bn1", 2, 4 }, { "bn1", 3, 4 }, { "dw", 0, 36 }, { "pw", 0, 12 },
		{ "fc", 0, 30 }, { "fc", 1, 5 },
	};
	size_t checked = 0;
	for (int salt = 0; salt < (int)(sizeof order / sizeof order[0]); salt++) {
		int li = net_find(net, order[salt].layer);
		ck_assert_int_ge(li, 0);
		const struct layer *l = &net->layers[li];
		const float *got = order[salt].what == 0 ? l->w
				 : order[salt].what == 1 ? l->b
				 : l->state + (order[salt].what == 3 ? l->state_len / 2 : 0);
		size_t n = order[salt].what == 0 ? l->w_len
			 : order[salt].what == 1 ? l->b_len : l->state_len / 2;
		ck_assert_uint_eq(n, order[salt].n);
		for (size_t i = 0; i < n; i++) {
			float want = fixture_value(salt, (int)i, order[salt].what == 3);
			if (strcmp(l->name, "dw") == 0 && i % 3 == 0)
				want = 0.0f; /* pruned by the mask */
			ck_assert_msg(got[i] == want, "%s[%d][%zu] = %g, want %g", l->name,
				      order[salt].what, i, (double)got[i], (double)want);
			checked++;
		}
	}
	ck_assert_uint_eq(checked, net->n_params + net->n_state);

	ck_assert_ptr_nonnull(masks);
	const struct layer *dw = &net->layers[net_find(net, "dw")];
	size_t dw0 = (size_t)(dw->w - net->params);
	for (size_t k = 0; k < net->n_params; k++) {
		bool in_dw = k >= dw0 && k < dw0 + dw->w_len;
		ck_assert_uint_eq(masks[k], in_dw ? (k - dw0) % 3 != 0 : 1);
	}
	free(masks);
	ck_assert_int_eq(meta.n, 3);
	ck_assert_str_eq(weights_meta_get(&meta, "model"), "tiny_ref");
	ck_assert_str_eq(weights_meta_get(&meta, "format"), "pt");

	/* The counter the loader skipped is in the file, as numpy wrote it. */
	struct st_file f;
	ck_assert_int_eq(st_file_read(file, &f, &err), ENG_STATUS_OK);
	const struct st_tensor *t = st_file_find(&f, "bn1.num_batches_tracked");
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t->dtype, ST_DTYPE_I64);
	ck_assert_int_eq(t->ndim, 0);
	const unsigned char *p = t->data;
	ck_assert_int_eq(p[0], 123);
	ck_assert_int_eq(p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7], 0);
	st_file_done(&f);
	net_free(net);
}
END_TEST

/* --- the file the numpy reader checks (tests/weights_interop.sh) -------- */

static const char cfg_interop[] =
	"[net]\nname = interop\ninput = 2x5x5\nclasses = 3\n"
	"[conv]\nname = conv1\nout = 4\nsize = 3\npad = 1\nbias = 1\n"
	"[bn]\nname = bn1\n"
	"[relu]\nname = relu1\n"
	"[conv]\nname = dw\nout = 4\nsize = 3\npad = 1\ngroups = 4\nbias = 0\n"
	"[conv]\nname = pw\nout = 6\nsize = 1\ngroups = 2\nbias = 0\n"
	"[flatten]\nname = flat\n"
	"[linear]\nname = fc1\nout = 8\nbias = 0\n"
	"[linear]\nname = fc\nout = classes\nbias = 1\n";

static void expect_line(FILE *out, const char *name, const char *dtype, int ndim,
			const uint64_t *shape, const float *f, const uint8_t *u, size_t n)
{
	fprintf(out, "tensor %s %s ", name, dtype);
	for (int d = 0; d < ndim; d++)
		fprintf(out, d ? ",%llu" : "%llu", (unsigned long long)shape[d]);
	for (size_t i = 0; i < n; i++) {
		if (f)
			fprintf(out, " %.9g", (double)f[i]);
		else
			fprintf(out, " %u", u[i]);
	}
	fputc('\n', out);
}

START_TEST(test_interop_write)
{
	const char *env = getenv("WEIGHTS_INTEROP_OUT");
	char path[1024], expect[1100];
	if (env && *env)
		snprintf(path, sizeof path, "%s", env);
	else
		path_make(path, sizeof path, "interop.safetensors");
	snprintf(expect, sizeof expect, "%s.txt", path);

	struct net *net = net_from_text(cfg_interop);
	net_fill(net, 42);
	uint8_t *m = malloc(net->n_params);
	ck_assert_ptr_nonnull(m);
	for (size_t k = 0; k < net->n_params; k++)
		m[k] = (k * 2654435761u >> 7) % 4 != 0;
	const struct layer *c1 = &net->layers[net_find(net, "conv1")];
	memset(m + (c1->w - net->params), 1, c1->w_len); /* dense: no mask */
	for (size_t k = 0; k < net->n_params; k++)
		if (!m[k])
			net->params[k] = 0.0f;
	struct weights_meta meta = { 0 };
	weights_meta_set(&meta, "model", "interop");
	weights_meta_set(&meta, "seed", "42");
	weights_meta_set(&meta, "method", "synflow");
	struct eng_err err = { { 0 } };
	ck_assert_int_eq(weights_save_masked(net, path, &meta, m, &err), ENG_STATUS_OK);

	/* The expectation, from the net and PyTorch's layouts, not from the
	 * file. */
	FILE *out = fopen(expect, "w");
	ck_assert_ptr_nonnull(out);
	for (int i = 0; i < meta.n; i++)
		fprintf(out, "meta %s %s\n", meta.key[i], meta.value[i]);
	char name[64];
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		uint64_t shape[4];
		int nd = 0;
		if (l->kind == LAYER_KIND_CONV) {
			uint64_t s[4] = { (uint64_t)l->out.c, (uint64_t)(l->in.c / l->conf.groups),
					  (uint64_t)l->conf.size, (uint64_t)l->conf.size };
			memcpy(shape, s, sizeof s);
			nd = 4;
		} else if (l->kind == LAYER_KIND_LINEAR) {
			shape[0] = (uint64_t)l->out.c;
			shape[1] = shape_size(l->in);
			nd = 2;
		} else if (l->kind == LAYER_KIND_BN) {
			shape[0] = (uint64_t)l->out.c;
			nd = 1;
		} else {
			continue;
		}
		snprintf(name, sizeof name, "%s.weight", l->name);
		expect_line(out, name, "F32", nd, shape, l->w, NULL, l->w_len);
		if (l->kind != LAYER_KIND_BN && l != c1) {
			snprintf(name, sizeof name, "%s.weight_mask", l->name);
			expect_line(out, name, "U8", nd, shape, NULL, m + (l->w - net->params),
				    l->w_len);
		}
		uint64_t c = (uint64_t)l->out.c;
		if (l->b_len) {
			snprintf(name, sizeof name, "%s.bias", l->name);
			expect_line(out, name, "F32", 1, &c, l->b, NULL, l->b_len);
		}
		if (l->kind == LAYER_KIND_BN) {
			snprintf(name, sizeof name, "%s.running_mean", l->name);
			expect_line(out, name, "F32", 1, &c, l->state, NULL, c);
			snprintf(name, sizeof name, "%s.running_var", l->name);
			expect_line(out, name, "F32", 1, &c, l->state + c, NULL, c);
		}
	}
	ck_assert_int_eq(fclose(out), 0);

	/* And it reads back here too. */
	struct net *b = net_from_text(cfg_interop);
	net_poison(b);
	uint8_t *back = NULL;
	ck_assert_int_eq(weights_load_full(b, path, &back, NULL, &err), ENG_STATUS_OK);
	ck_assert(memcmp(net->params, b->params, net->n_params * 4) == 0);
	ck_assert(memcmp(net->state, b->state, net->n_state * 4) == 0);
	ck_assert_ptr_nonnull(back);
	for (int i = 0; i < b->n_layers; i++) {
		const struct layer *l = &b->layers[i];
		bool maskable = (l->kind == LAYER_KIND_CONV || l->kind == LAYER_KIND_LINEAR) &&
				strcmp(l->name, "conv1") != 0;
		for (size_t k = 0; k < l->w_len; k++) {
			size_t at = (size_t)(l->w - b->params) + k;
			ck_assert_uint_eq(back[at], maskable ? m[at] : 1);
		}
	}
	free(back);
	free(m);
	net_free(b);
	net_free(net);
}
END_TEST

/* --- harness ----------------------------------------------------------------- */

int main(void)
{
	if (scratch_dir_make("check_weights", test_dir, sizeof test_dir))
		return EXIT_FAILURE;
	Suite *s = suite_create("weights");
	TCase *tc = tcase_create("round_trip");
	tcase_add_test(tc, test_round_trip_small);
	tcase_add_test(tc, test_round_trip_models);
	tcase_add_test(tc, test_meta_round_trip);
	tcase_add_test(tc, test_masks_generic_writer);
	tcase_add_test(tc, test_masks_net_writer);
	tcase_add_test(tc, test_extras);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_malformed, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
	tcase_add_test(tc, test_malformed_control);
	tcase_add_test(tc, test_io_errors);
	tcase_add_test(tc, test_random_corruption);
	suite_add_tcase(s, tc);
	tc = tcase_create("fixture");
	tcase_add_test(tc, test_fixture_from_numpy);
	suite_add_tcase(s, tc);
	tc = tcase_create("interop");
	tcase_add_test(tc, test_interop_write);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	scratch_dir_remove(test_dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
