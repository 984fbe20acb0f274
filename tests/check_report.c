#include "config.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/cfg.h"
#include "data/data.h"
#include "nn/net.h"
#include "output/bundle.h"
#include "prune/reconvene.h"
#include "output/render.h"
#include "output/report.h"
#include "io/weights.h"

#ifndef FONT_DIRS
#error "FONT_DIRS (Makefile.am) must name the directories holding DejaVuSans.ttf"
#endif

/* The default theme's heat gradient (themes/default.theme: cold, warn,
 * bad), written out here so the test does not trust render.c's copy. */
#define HEAT_LO 0x22406bu
#define HEAT_MID 0xd9a441u
#define HEAT_HI 0xe05a5eu

static char tmpdir[256];

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/check_report.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

/* --- PNG reading (libpng's simplified API: an independent decoder) ------ */

struct image {
	int w, h;
	uint8_t *px;  /* RGB */
};

static void image_read(const char *path, struct image *im)
{
	png_image pi;
	memset(&pi, 0, sizeof pi);
	pi.version = PNG_IMAGE_VERSION;
	ck_assert_msg(png_image_begin_read_from_file(&pi, path), "%s: %s", path,
		      pi.message);
	pi.format = PNG_FORMAT_RGB;
	im->w = (int)pi.width;
	im->h = (int)pi.height;
	im->px = malloc(PNG_IMAGE_SIZE(pi));
	ck_assert_ptr_nonnull(im->px);
	ck_assert_msg(png_image_finish_read(&pi, NULL, im->px, 0, NULL), "%s", pi.message);
}

static uint32_t image_at(const struct image *im, int x, int y)
{
	ck_assert(x >= 0 && y >= 0 && x < im->w && y < im->h);
	const uint8_t *p = im->px + 3 * ((size_t)y * (size_t)im->w + (size_t)x);
	return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

/* Independent reference: lerp of two colours, rounded per channel. */
static uint32_t lerp_rgb(uint32_t a, uint32_t b, double t)
{
	uint32_t out = 0;
	for (int sh = 16; sh >= 0; sh -= 8) {
		double ca = (a >> sh) & 0xff, cb = (b >> sh) & 0xff;
		out |= (uint32_t)floor(ca + (cb - ca) * t + 0.5) << sh;
	}
	return out;
}

/* The default style as the front end sets it up: its font directories
 * (the engine has none of its own). */
static void style_default_theme(struct render_style *s)
{
	render_style_default(s);
	s->font_dirs = FONT_DIRS;
	s->heat.n = 3;
	s->heat.rgb[0] = HEAT_LO;
	s->heat.rgb[1] = HEAT_MID;
	s->heat.rgb[2] = HEAT_HI;
}

/* A sink keeping a render call's last warning in buf, cleared first
 * ("" afterwards: no warning). */
static const struct eng_warn *last_warning(char *buf, size_t len)
{
	static struct eng_warn_last last;
	static struct eng_warn sink;
	buf[0] = '\0';
	last = (struct eng_warn_last){ buf, len };
	sink = (struct eng_warn){ eng_warn_last_keep, &last };
	return &sink;
}

/* Count pixels different from bg in a rectangle. */
static int image_ink(const struct image *im, int x0, int y0, int x1, int y1,
		     uint32_t bg)
{
	int n = 0;
	for (int y = y0; y < y1 && y < im->h; y++)
		for (int x = x0; x < x1 && x < im->w; x++)
			n += image_at(im, x, y) != bg;
	return n;
}

START_TEST(test_gradient)
{
	struct render_gradient g = { .n = 2, .rgb = { 0x000000, 0xffffff } };
	ck_assert_uint_eq(render_gradient_at(&g, 0.0), 0x000000);
	ck_assert_uint_eq(render_gradient_at(&g, 1.0), 0xffffff);
	ck_assert_uint_eq(render_gradient_at(&g, 0.5), 0x808080);
	ck_assert_uint_eq(render_gradient_at(&g, -3.0), 0x000000);
	ck_assert_uint_eq(render_gradient_at(&g, 7.0), 0xffffff);
	ck_assert_uint_eq(render_gradient_at(&g, NAN), 0x000000);
	struct render_style s;
	style_default_theme(&s);
	ck_assert_uint_eq(render_gradient_at(&s.heat, 0.5), HEAT_MID);
	ck_assert_uint_eq(render_gradient_at(&s.heat, 0.25),
			  lerp_rgb(HEAT_LO, HEAT_MID, 0.5));
	ck_assert_uint_eq(render_gradient_at(&s.heat, 0.9),
			  lerp_rgb(HEAT_MID, HEAT_HI, 0.8));
	/* the sensitivity columns: 1 - 2^-k */
	ck_assert(render_sens_sparsity(0) == 0.5);
	ck_assert(render_sens_sparsity(RENDER_SENS_COLUMNS - 1) == 0.99609375);
	ck_assert(fabs(render_density_t(0.01) - 1.0 / 3.0) < 1e-12);
	ck_assert(render_density_t(1.0) == 1.0);
	ck_assert(render_density_t(0.0) == 0.0);
}
END_TEST

static const float row0[6] = { 0.0f, 0.25f, 0.5f, 0.75f, 1.0f, 0.5f };
static const float row1[20] = { 1.0f, 0.9f, 0.5f, 0.0f };
static const uint8_t kept1[20] = { 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };

static void heat_fixture(struct render_heatmap *h, struct render_heat_row rows[2])
{
	rows[0] = (struct render_heat_row){ "conv1", 6, row0, NULL };
	rows[1] = (struct render_heat_row){ "layer1.0.conv1", 20, row1, kept1 };
	*h = (struct render_heatmap){ .title = "test heatmap", .subtitle = "sub",
				      .legend = "score", .lo = 0, .hi = 1,
				      .n_rows = 2, .rows = rows };
}

START_TEST(test_heatmap_png)
{
	struct render_style s;
	style_default_theme(&s);
	struct render_heat_row rows[2];
	struct render_heatmap h;
	heat_fixture(&h, rows);
	char path[512], warn[RENDER_WARNING_MAX];
	tmp_path(path, sizeof path, "heat.png");
	struct eng_err err;
	ck_assert_msg(render_heatmap_write(&h, &s, path, last_warning(warn, sizeof warn),
					   &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_msg(warn[0] == '\0', "unexpected warning: %s", warn);
	struct image im;
	image_read(path, &im);
	int w, hh;
	render_heatmap_size(&h, &w, &hh);
	ck_assert_int_eq(im.w, w);
	ck_assert_int_eq(im.h, hh);
	ck_assert_int_ge(im.w, 600);
	int x, y;
	/* value -> theme gradient colour, cell by cell */
	render_heatmap_cell(&h, 0, 0, &x, &y);
	ck_assert_uint_eq(image_at(&im, x, y), HEAT_LO);
	render_heatmap_cell(&h, 0, 2, &x, &y);
	ck_assert_uint_eq(image_at(&im, x, y), HEAT_MID);
	render_heatmap_cell(&h, 0, 4, &x, &y);
	ck_assert_uint_eq(image_at(&im, x, y), HEAT_HI);
	render_heatmap_cell(&h, 0, 1, &x, &y);
	ck_assert_uint_eq(image_at(&im, x, y), lerp_rgb(HEAT_LO, HEAT_MID, 0.5));
	render_heatmap_cell(&h, 1, 0, &x, &y);
	ck_assert_uint_eq(image_at(&im, x, y), HEAT_HI);
	/* a removed channel is not drawn in its value's colour */
	render_heatmap_cell(&h, 1, 1, &x, &y);
	uint32_t removed = image_at(&im, x, y);
	ck_assert_uint_ne(removed, lerp_rgb(HEAT_MID, HEAT_HI, 0.8));
	ck_assert_uint_ne(removed, s.bg);
	/* channels beyond a row's count are not painted as cells */
	render_heatmap_cell(&h, 0, 10, &x, &y);
	ck_assert_uint_eq(image_at(&im, x, y), s.panel);
	/* text: the title area has ink */
	ck_assert_int_gt(image_ink(&im, 20, 20, 300, 46, s.bg), 50);
	free(im.px);
}
END_TEST

START_TEST(test_missing_font)
{
	struct render_style s;
	style_default_theme(&s);
	struct render_heat_row rows[2];
	struct render_heatmap h;
	heat_fixture(&h, rows);
	char path[512], warn[RENDER_WARNING_MAX];
	tmp_path(path, sizeof path, "nofont.png");
	struct eng_err err;
	s.font = "/nonexistent/font.ttf";
	enum eng_status st = render_heatmap_png(&h, &s, path, warn, sizeof warn, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_msg(strstr(warn, "no text") != NULL, "warning: '%s'", warn);
	ck_assert_ptr_nonnull(strstr(warn, "/nonexistent/font.ttf"));
	struct image im;
	image_read(path, &im);
	int w, hh;
	render_heatmap_size(&h, &w, &hh);
	ck_assert_int_eq(im.w, w);
	ck_assert_int_eq(im.h, hh);
	/* same cells, no text at all in the title area */
	int x, y;
	render_heatmap_cell(&h, 0, 2, &x, &y);
	ck_assert_uint_eq(image_at(&im, x, y), HEAT_MID);
	ck_assert_int_eq(image_ink(&im, 0, 0, im.w, 60, s.bg), 0);
	free(im.px);

	/* the other charts behave the same */
	s.font = "";
	struct render_point p = { .label = "x", .latency_ms = 1, .latency_lo = NAN,
				  .latency_hi = NAN, .params = 10, .accuracy = 0.5,
				  .acc_lo = NAN, .acc_hi = NAN };
	struct render_tradeoff t = { .title = "t", .n = 1, .points = &p };
	tmp_path(path, sizeof path, "nofont2.png");
	st = render_tradeoff_write(&t, &s, path, last_warning(warn, sizeof warn), &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
	ck_assert(warn[0] != '\0');
	image_read(path, &im);
	render_tradeoff_size(&t, &w, &hh);
	ck_assert_int_eq(im.w, w);
	ck_assert_int_eq(im.h, hh);
	free(im.px);
}
END_TEST

START_TEST(test_sensitivity_png)
{
	struct render_style s;
	style_default_theme(&s);
	const char *names[2] = { "conv1", "fc" };
	double d[2 * RENDER_SENS_COLUMNS];
	for (int k = 0; k < RENDER_SENS_COLUMNS; k++) {
		d[k] = 1.0;
		d[RENDER_SENS_COLUMNS + k] = 0.1;
	}
	d[3] = 0.01;
	struct render_sensitivity sv = { .title = "sens", .n_rows = 2,
					 .names = names, .density = d, .tau = 0.05 };
	char path[512], warn[RENDER_WARNING_MAX];
	tmp_path(path, sizeof path, "sens.png");
	struct eng_err err;
	ck_assert_msg(render_sensitivity_write(&sv, &s, path, last_warning(warn, sizeof warn),
					       &err) == ENG_STATUS_OK, "%s", err.msg);
	struct image im;
	image_read(path, &im);
	int w, hh, x, y;
	render_sensitivity_size(&sv, &w, &hh);
	ck_assert_int_eq(im.w, w);
	ck_assert_int_eq(im.h, hh);
	render_sensitivity_cell(&sv, 0, 0, &x, &y);
	ck_assert_uint_eq(image_at(&im, x, y), HEAT_HI);         /* density 1 */
	render_sensitivity_cell(&sv, 0, 3, &x, &y);               /* 0.01: t = 1/3 */
	ck_assert_uint_eq(image_at(&im, x, y), lerp_rgb(HEAT_LO, HEAT_MID, 2.0 / 3.0));
	render_sensitivity_cell(&sv, 1, 5, &x, &y);               /* 0.1: t = 2/3 */
	ck_assert_uint_eq(image_at(&im, x, y), lerp_rgb(HEAT_MID, HEAT_HI, 1.0 / 3.0));
	free(im.px);
}
END_TEST

START_TEST(test_tradeoff_png)
{
	struct render_style s;
	style_default_theme(&s);
	struct render_point p[4] = {
		{ "dense", 4.0, 3.5, 4.5, 272474, 0.80, 0.77, 0.83, 0 },
		{ "unstructured", 1.0, 0.9, 1.3, 28000, 0.70, 0.66, 0.74, 0 },
		{ "plan 1", 1.5, 1.4, 1.6, 50000, 0.78, 0.75, 0.81, 0 },
		{ "no latency", NAN, NAN, NAN, 60000, 0.75, NAN, NAN, 0 },
	};
	struct render_tradeoff t = { .title = "trade-off", .subtitle = "s", .n = 4,
				     .points = p };
	char path[512], warn[RENDER_WARNING_MAX];
	tmp_path(path, sizeof path, "trade.png");
	struct eng_err err;
	ck_assert_msg(render_tradeoff_write(&t, &s, path, last_warning(warn, sizeof warn),
					    &err) == ENG_STATUS_OK, "%s", err.msg);
	struct image im;
	image_read(path, &im);
	int w, hh;
	render_tradeoff_size(&t, &w, &hh);
	ck_assert_int_eq(im.w, w);
	ck_assert_int_eq(im.h, hh);
	/* every series colour appears (its marker) */
	for (int i = 0; i < 4; i++) {
		int found = 0;
		for (int y = 0; y < im.h && !found; y++)
			for (int x = 0; x < im.w && !found; x++)
				found = image_at(&im, x, y) == s.series[i];
		ck_assert_msg(found, "series %d not drawn", i);
	}
	free(im.px);
	/* bad input is refused with a message, nothing written */
	t.n = 0;
	tmp_path(path, sizeof path, "none.png");
	ck_assert_int_eq(render_tradeoff_write(&t, &s, path, last_warning(warn, sizeof warn),
					       &err), ENG_STATUS_EINVAL);
	ck_assert_int_ne(access(path, F_OK), 0);
	/* an unwritable path is EIO/ENOENT, not a crash */
	t.n = 4;
	ck_assert_int_ne(render_tradeoff_write(&t, &s, "/nonexistent/dir/x.png",
					       last_warning(warn, sizeof warn), &err),
			 ENG_STATUS_OK);
}
END_TEST

/* --- a minimal JSON-Schema validator (the subset the schema file uses) -- */

static json_t *schema_root;

static bool schema_type_ok(const char *t, json_t *v)
{
	if (strcmp(t, "object") == 0) return json_is_object(v);
	if (strcmp(t, "array") == 0) return json_is_array(v);
	if (strcmp(t, "string") == 0) return json_is_string(v);
	if (strcmp(t, "integer") == 0) return json_is_integer(v);
	if (strcmp(t, "number") == 0) return json_is_number(v);
	if (strcmp(t, "boolean") == 0) return json_is_boolean(v);
	if (strcmp(t, "null") == 0) return json_is_null(v);
	ck_abort_msg("schema uses unknown type %s", t);
	return false;
}

static bool hex16(const char *s)
{
	if (strlen(s) != 16)
		return false;
	for (int i = 0; i < 16; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

/* true if v is valid; otherwise `where` gets the failing path. */
static bool validate(json_t *schema, json_t *v, const char *at, char *where,
		     size_t wlen)
{
	const char *key;
	json_t *kw;
	json_object_foreach(schema, key, kw) {
		bool ok = true;
		if (strcmp(key, "$ref") == 0) {
			const char *ref = json_string_value(kw);
			ck_assert(ref && strncmp(ref, "#/$defs/", 8) == 0);
			json_t *def = json_object_get(json_object_get(schema_root, "$defs"),
						      ref + 8);
			ck_assert_msg(def != NULL, "dangling %s", ref);
			if (!validate(def, v, at, where, wlen))
				return false;
		} else if (strcmp(key, "type") == 0) {
			if (json_is_string(kw)) {
				ok = schema_type_ok(json_string_value(kw), v);
			} else {
				size_t i;
				json_t *t;
				ok = false;
				json_array_foreach(kw, i, t)
					ok = ok || schema_type_ok(json_string_value(t), v);
			}
		} else if (strcmp(key, "const") == 0) {
			ok = json_equal(kw, v);
		} else if (strcmp(key, "enum") == 0) {
			size_t i;
			json_t *e;
			ok = false;
			json_array_foreach(kw, i, e)
				ok = ok || json_equal(e, v);
		} else if (strcmp(key, "minimum") == 0) {
			ok = !json_is_number(v) || json_number_value(v) >= json_number_value(kw);
		} else if (strcmp(key, "maximum") == 0) {
			ok = !json_is_number(v) || json_number_value(v) <= json_number_value(kw);
		} else if (strcmp(key, "minItems") == 0) {
			ok = !json_is_array(v) || (json_int_t)json_array_size(v) >= json_integer_value(kw);
		} else if (strcmp(key, "maxItems") == 0) {
			ok = !json_is_array(v) || (json_int_t)json_array_size(v) <= json_integer_value(kw);
		} else if (strcmp(key, "pattern") == 0) {
			ck_assert_str_eq(json_string_value(kw), "^[0-9a-f]{16}$");
			ok = !json_is_string(v) || hex16(json_string_value(v));
		} else if (strcmp(key, "required") == 0 && json_is_object(v)) {
			size_t i;
			json_t *r;
			json_array_foreach(kw, i, r)
				if (!json_object_get(v, json_string_value(r))) {
					snprintf(where, wlen, "%s: missing '%s'", at,
						 json_string_value(r));
					return false;
				}
		} else if (strcmp(key, "properties") == 0 && json_is_object(v)) {
			const char *pk;
			json_t *ps;
			json_object_foreach(kw, pk, ps) {
				json_t *pv = json_object_get(v, pk);
				char sub[256];
				snprintf(sub, sizeof sub, "%s.%s", at, pk);
				if (pv && !validate(ps, pv, sub, where, wlen))
					return false;
			}
		} else if (strcmp(key, "additionalProperties") == 0 && json_is_object(v) &&
			   json_is_false(kw)) {
			json_t *props = json_object_get(schema, "properties");
			const char *vk;
			json_t *vv;
			json_object_foreach(v, vk, vv)
				if (!json_object_get(props, vk)) {
					snprintf(where, wlen, "%s: unexpected '%s'", at, vk);
					return false;
				}
		} else if (strcmp(key, "items") == 0 && json_is_array(v)) {
			size_t i;
			json_t *it;
			json_array_foreach(v, i, it) {
				char sub[256];
				snprintf(sub, sizeof sub, "%s[%zu]", at, i);
				if (!validate(kw, it, sub, where, wlen))
					return false;
			}
		}
		if (!ok) {
			snprintf(where, wlen, "%s: fails '%s'", at, key);
			return false;
		}
	}
	return true;
}

static void schema_load(void)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/fixtures/report.schema.json",
		 top && *top ? top : ".");
	json_error_t je;
	schema_root = json_load_file(path, 0, &je);
	ck_assert_msg(schema_root != NULL, "%s: %s", path, je.text);
}

/* --- bundles ----------------------------------------------------------- */

struct bundle {
	struct net_spec spec;
	struct net *net;
	struct reconvene_options o;
	struct reconvene_result r;
	char dir[512];
};

static void bundle_make(struct bundle *b, const char *model, int k, const char *sub)
{
	memset(b, 0, sizeof *b);
	const char *top = getenv("top_srcdir");
	char path[4096];
	snprintf(path, sizeof path, "%s/models/%s.cfg", top && *top ? top : ".", model);
	struct eng_err err;
	ck_assert_msg(cfg_parse_file(path, &b->spec, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_msg(net_build(&b->spec, &b->net, &err) == ENG_STATUS_OK, "%s", err.msg);
	reconvene_options_init(&b->o);
	b->o.synflow_iterations = 5;
	b->o.k = k;
	net_init(b->net, b->o.seed);
	ck_assert_msg(reconvene_run(b->net, &b->spec, NULL, &b->o, NULL, &b->r, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	ck_assert_int_gt(b->r.n_changed, 0);
	tmp_path(b->dir, sizeof b->dir, sub);
	ck_assert_msg(bundle_save(&b->r, &b->o, b->net->name, b->dir, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
}

static void bundle_done(struct bundle *b)
{
	reconvene_result_done(&b->r);
	net_free(b->net);
	net_spec_done(&b->spec);
}

START_TEST(test_bundle_reproduces_logits)
{
	struct bundle b;
	bundle_make(&b, "lenet5", 2, "lenet");
	/* independently of report.c: reload and compare logits */
	char path[4096];
	struct eng_err err;
	struct net_spec s2;
	struct net *n2;
	snprintf(path, sizeof path, "%s/model.cfg", b.dir);
	ck_assert_msg(cfg_parse_file(path, &s2, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_msg(net_build(&s2, &n2, &err) == ENG_STATUS_OK, "%s", err.msg);
	snprintf(path, sizeof path, "%s/model.safetensors", b.dir);
	ck_assert_msg(weights_load(n2, path, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_int_eq(n2->n_params, b.r.net->n_params);
	const int batch = 4;
	size_t in_n = shape_size(n2->input) * batch;
	float *x = malloc(in_n * sizeof *x);
	for (size_t i = 0; i < in_n; i++)
		x[i] = (float)sin((double)i * 0.37);
	ck_assert_int_eq(net_prepare(n2, batch, &err), ENG_STATUS_OK);
	ck_assert_int_eq(net_prepare(b.r.net, batch, &err), ENG_STATUS_OK);
	size_t out_n = (size_t)batch * n2->classes;
	float *ref = malloc(out_n * sizeof *ref);
	memcpy(ref, net_forward(b.r.net, x, batch, false), out_n * sizeof *ref);
	const float *got = net_forward(n2, x, batch, false);
	for (size_t i = 0; i < out_n; i++)
		ck_assert_float_eq(got[i], ref[i]);

	/* the verification agrees, and can fail */
	struct bundle_check v;
	ck_assert_msg(bundle_verify(&b.spec, &b.r, b.dir, &v, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	ck_assert(v.done && v.pass);
	ck_assert(v.max_abs_diff <= BUNDLE_VERIFY_TOLERANCE);
	ck_assert(v.reload_max_abs_diff == 0.0);
	/* a wrong parameter map: the masked original no longer matches */
	size_t j0 = (size_t)(b.r.net->layers[0].w - b.r.net->params);
	size_t save = b.r.param_src[j0];
	b.r.param_src[j0] = b.r.param_src[j0 + 1];
	b.r.param_src[j0 + 1] = save;
	ck_assert_int_eq(bundle_verify(&b.spec, &b.r, b.dir, &v, &err),
			 ENG_STATUS_OK);
	b.r.param_src[j0 + 1] = b.r.param_src[j0];
	b.r.param_src[j0] = save;
	ck_assert(!v.pass);
	ck_assert(v.max_abs_diff > BUNDLE_VERIFY_TOLERANCE);
	/* a changed weight file: the reload no longer reproduces the net */
	for (size_t j = 0; j < n2->n_params; j++)
		n2->params[j] *= 1.5f;
	ck_assert_int_eq(weights_save_masked(n2, path, NULL, b.r.mask, &err),
			 ENG_STATUS_OK);
	ck_assert_int_eq(bundle_verify(&b.spec, &b.r, b.dir, &v, &err),
			 ENG_STATUS_OK);
	ck_assert(!v.pass);
	ck_assert(v.reload_max_abs_diff > BUNDLE_VERIFY_TOLERANCE);
	/* a missing file is an error with the path */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_ne(bundle_verify(&b.spec, &b.r, b.dir, &v, &err),
			 ENG_STATUS_OK);
	ck_assert_ptr_nonnull(strstr(err.msg, "model.safetensors"));
	free(x);
	free(ref);
	net_free(n2);
	net_spec_done(&s2);
	bundle_done(&b);
}
END_TEST

START_TEST(test_report_schema)
{
	schema_load();
	struct bundle b;
	bundle_make(&b, "lenet5", 2, "schema");
	struct report_input in;
	report_input_init(&in);
	report_info_from_options(&in.info, b.net->name, &b.o);
	in.net = b.net;
	in.r = &b.r;
	metrics_compute(b.net, NULL, &in.variant[REPORT_VARIANT_DENSE].metrics, NULL);
	metrics_compute(b.net, b.r.pse.mask, &in.variant[REPORT_VARIANT_UNSTRUCTURED].metrics, NULL);
	metrics_compute(b.r.net, b.r.mask, &in.variant[REPORT_VARIANT_PRUNED].metrics, NULL);
	struct eng_err err;
	ck_assert_int_eq(bundle_verify(&b.spec, &b.r, b.dir, &in.verify, &err),
			 ENG_STATUS_OK);
	/* one variant with everything measured */
	struct report_variant *pv = &in.variant[REPORT_VARIANT_PRUNED];
	pv->has_latency = true;
	pv->latency = (struct latency_result){ .variant = LATENCY_VARIANT_STRUCTURED,
		.runs = 10, .median_ms = 1.0, .p10_ms = 0.9, .p90_ms = 1.2,
		.min_ms = 0.8, .max_ms = 1.5 };
	pv->has_eval = true;
	pv->accuracy = 0.5;
	pv->ci_lo = 0.4;
	pv->ci_hi = 0.6;
	pv->correct = 50;
	pv->test_n = 100;
	pv->steps = 3;
	in.info.has_dataset = true;
	snprintf(in.info.dataset, sizeof in.info.dataset, "synthetic");
	in.info.dataset_hash = 0x0123456789abcdefULL;
	in.info.has_eval_budget = true;
	in.info.eval_steps = 3;
	in.info.eval_batch = 8;
	in.info.eval_train_n = 64;
	in.info.eval_test_n = 100;

	char path[4096], where[512] = "";
	snprintf(path, sizeof path, "%s/report.json", b.dir);
	ck_assert_int_eq(report_write(path, &in, &err), ENG_STATUS_OK);
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	ck_assert_msg(doc != NULL, "%s", je.text);
	ck_assert_msg(validate(schema_root, doc, "$", where, sizeof where), "%s", where);
	/* content, not just shape */
	ck_assert_str_eq(json_string_value(json_object_get(doc, "model")), "lenet5");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "program"),
							   "version")), PACKAGE_VERSION);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "dataset"),
							   "hash")), "0123456789abcdef");
	json_t *layers = json_object_get(doc, "layers");
	ck_assert_int_eq((int)json_array_size(layers), b.r.n_rows);
	int changed = 0;
	for (int i = 0; i < b.r.n_rows; i++) {
		json_t *l = json_array_get(layers, (size_t)i);
		ck_assert_int_eq(json_integer_value(json_object_get(l, "channels_after")),
				 b.r.rows[i].channels_after);
		changed += b.r.rows[i].channels_after != b.r.rows[i].channels_before;
	}
	ck_assert_int_gt(changed, 0);
	json_t *ver = json_object_get(doc, "verification");
	ck_assert(json_is_true(json_object_get(ver, "pass")));
	/* the validator rejects what it should */
	json_t *bad = json_deep_copy(doc);
	json_object_del(bad, "variants");
	ck_assert(!validate(schema_root, bad, "$", where, sizeof where));
	json_decref(bad);
	bad = json_deep_copy(doc);
	json_object_set_new(json_object_get(bad, "plan"), "hash", json_string("xyz"));
	ck_assert(!validate(schema_root, bad, "$", where, sizeof where));
	json_decref(bad);
	bad = json_deep_copy(doc);
	json_object_set_new(json_object_get(json_object_get(bad, "variants"), "dense"),
			    "latency", json_integer(3));
	ck_assert(!validate(schema_root, bad, "$", where, sizeof where));
	json_decref(bad);

	/* the settings read back */
	struct report_info back;
	struct bundle_check vb;
	ck_assert_msg(report_read(path, &back, &vb, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_str_eq(back.model, "lenet5");
	ck_assert_int_eq(back.k, 2);
	ck_assert_int_eq(back.synflow_iterations, 5);
	ck_assert(back.sparsity == b.o.sparsity);
	ck_assert(vb.done && vb.pass);
	/* and a broken file says where */
	FILE *f = fopen(path, "w");
	fputs("{\"format\": \"reconvene-report\",", f);
	fclose(f);
	ck_assert_int_eq(report_read(path, &back, &vb, &err), ENG_STATUS_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	json_decref(doc);
	json_decref(schema_root);
	bundle_done(&b);
}
END_TEST

/* fuzz_report's first finding: report_read converted JSON numbers to
 * int and uint64_t with a C cast, undefined for "k": 1e30 or "seed": -1
 * (UBSan), and rounding seeds above 2^53.  Integer fields must now be
 * JSON integers in range, and every uint64_t seed, which report_write
 * stores as a json_int_t, reads back exactly. */
START_TEST(test_report_read_integers)
{
	static const char head[] = "{\"format\": \"reconvene-report\", \"model\": \"m\", "
		"\"settings\": {\"method\": \"snip\", \"sparsity\": 0.5, \"tau\": 1, ";
	static const char tail[] = "\"min_keep\": 1, \"synflow_iterations\": 2, "
		"\"include_residual\": false, \"sensitive_dense\": true}}";
	static const char *const bad[] = {
		"\"k\": 1e30, \"seed\": 1, ",
		"\"k\": 2.5, \"seed\": 1, ",
		"\"k\": 4294967296, \"seed\": 1, ",
		"\"k\": 1, \"seed\": 1.5, ",
		"\"k\": 1, \"seed\": 1e300, ",
	};
	char path[512];
	struct report_info info;
	struct bundle_check vb;
	struct eng_err err;
	tmp_path(path, sizeof path, "ints.json");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		FILE *f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fprintf(f, "%s%s%s", head, bad[i], tail);
		fclose(f);
		ck_assert_msg(report_read(path, &info, &vb, &err) == ENG_STATUS_EINVAL,
			      "accepted %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(err.msg, "malformed"));
	}
	/* seeds at both ends of uint64_t survive report_write + report_read */
	static const uint64_t seeds[] = { 0, (uint64_t)1 << 53 | 1, UINT64_MAX };
	for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		struct report_input in;
		report_input_init(&in);
		snprintf(in.info.model, sizeof in.info.model, "m");
		in.info.seed = seeds[i];
		in.verify = (struct bundle_check){ .done = true, .batch = 4,
						   .input_seed = seeds[i], .pass = true };
		ck_assert_msg(report_write(path, &in, &err) == ENG_STATUS_OK, "%s", err.msg);
		ck_assert_msg(report_read(path, &info, &vb, &err) == ENG_STATUS_OK, "%s", err.msg);
		ck_assert(info.seed == seeds[i] && vb.done && vb.input_seed == seeds[i]);
		ck_assert_int_eq(vb.batch, 4);
	}
}
END_TEST

/* Issue 18's choices are written only when not what a file without them
 * means (no keep_init, width density, score channels) and read back; a
 * file without them (every report before them) reads as those, and a bad
 * value is refused. */
START_TEST(test_report_issue18_settings)
{
	char path[512];
	struct report_info info;
	struct bundle_check vb;
	struct eng_err err;
	tmp_path(path, sizeof path, "issue18.json");
	struct report_input in;
	report_input_init(&in);
	snprintf(in.info.model, sizeof in.info.model, "m");
	ck_assert_msg(report_write(path, &in, &err) == ENG_STATUS_OK, "%s", err.msg);
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert(getdelim(&text, &len, '\0', f) > 0);
	fclose(f);
	ck_assert_ptr_null(strstr(text, "keep_init"));
	ck_assert_ptr_null(strstr(text, "\"channels\""));
	/* The width is written unless it is density, the rule of every
	 * report before sqrt became the default: without the key a file
	 * reads as density. */
	ck_assert_int_eq(in.info.width, RECONVENE_WIDTH_SQRT);
	char *w = strstr(text, "\"width\": \"sqrt\"");
	ck_assert_ptr_nonnull(w);
	ck_assert_msg(report_read(path, &info, &vb, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert(!info.keep_init && info.width == RECONVENE_WIDTH_SQRT &&
		  info.channels == RECONVENE_CHANNELS_SCORE);
	/* the same file without the key (and its comma) */
	char *comma = w;
	while (comma > text && *comma != ',' && *comma != '{')
		comma--;
	char *after = w + strlen("\"width\": \"sqrt\"");
	if (*comma == ',')
		memmove(comma, after, strlen(after) + 1);
	else
		memmove(w, after + (*after == ',' ? 1 : 0), strlen(after) + 1);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(text);
	ck_assert_msg(report_read(path, &info, &vb, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert(!info.keep_init && info.width == RECONVENE_WIDTH_DENSITY &&
		  info.channels == RECONVENE_CHANNELS_SCORE);

	in.info.keep_init = true;
	in.info.width = RECONVENE_WIDTH_NNZ;
	in.info.channels = RECONVENE_CHANNELS_RANDOM;
	ck_assert_msg(report_write(path, &in, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_msg(report_read(path, &info, &vb, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert(info.keep_init && info.width == RECONVENE_WIDTH_NNZ &&
		  info.channels == RECONVENE_CHANNELS_RANDOM);
	struct reconvene_options o;
	reconvene_options_init(&o);
	report_info_to_options(&info, &o);
	ck_assert(o.keep_init && o.width == RECONVENE_WIDTH_NNZ &&
		  o.channels == RECONVENE_CHANNELS_RANDOM);

	static const char head[] = "{\"format\": \"reconvene-report\", \"model\": \"m\", "
		"\"settings\": {\"method\": \"snip\", \"sparsity\": 0.5, \"tau\": 1, "
		"\"k\": 0, \"seed\": 1, \"min_keep\": 1, \"synflow_iterations\": 2, "
		"\"include_residual\": false, \"sensitive_dense\": true";
	static const char *const bad[] = {
		", \"keep_init\": 1}}", ", \"width\": \"wide\"}}", ", \"channels\": 2}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fprintf(f, "%s%s", head, bad[i]);
		fclose(f);
		ck_assert_msg(report_read(path, &info, &vb, &err) == ENG_STATUS_EINVAL,
			      "accepted %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(err.msg, path));
	}
}
END_TEST

START_TEST(test_dataset_hash)
{
	struct data_options o = { .dir = NULL, .format = DATA_FORMAT_SYNTHETIC,
				  .synthetic_seed = 3, .synthetic_train = 50,
				  .synthetic_test = 20 };
	struct data_split a, b;
	struct eng_err err;
	ck_assert_msg(data_load(&o, &a, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_msg(data_load(&o, &b, &err) == ENG_STATUS_OK, "%s", err.msg);
	uint64_t ha = report_dataset_hash(&a);
	/* pinned: report.json files compare this across versions */
	ck_assert_uint_eq(ha, 0xd08a68610bb692d5ULL);
	ck_assert_uint_eq(ha, report_dataset_hash(&b));
	b.test.pixels[7] ^= 1;
	ck_assert_uint_ne(ha, report_dataset_hash(&b));
	b.test.pixels[7] ^= 1;
	b.train.labels[0] = (b.train.labels[0] + 1) % b.train.classes;
	ck_assert_uint_ne(ha, report_dataset_hash(&b));
	data_split_done(&a);
	data_split_done(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("render");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_gradient);
	tcase_add_test(tc, test_heatmap_png);
	tcase_add_test(tc, test_missing_font);
	tcase_add_test(tc, test_sensitivity_png);
	tcase_add_test(tc, test_tradeoff_png);
	suite_add_tcase(s, tc);
	TCase *tr = tcase_create("report");
	tcase_add_checked_fixture(tr, tmp_setup, tmp_teardown);
	tcase_set_timeout(tr, 120);
	tcase_add_test(tr, test_bundle_reproduces_logits);
	tcase_add_test(tr, test_report_schema);
	tcase_add_test(tr, test_dataset_hash);
	tcase_add_test(tr, test_report_read_integers);
	tcase_add_test(tr, test_report_issue18_settings);
	suite_add_tcase(s, tr);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
