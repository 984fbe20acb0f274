/* check_onnx: the protobuf wire reader, ONNX decoding, layer names and the
 * importer (io/protobuf, io/onnx, io/onnx_name, io/onnx_import).
 *
 * References, none of them ours:
 *  - the ONNX project's node tests (Debian libonnx-testdata): model.onnx and
 *    test_data_set_0/{input,output}_N.pb, outputs computed by the ONNX
 *    reference implementation or by PyTorch; the weights of node/ tests are
 *    graph inputs, bound here as constants.  Every test of a supported op
 *    that fits the engine must match within 1e-4 of the output's largest
 *    magnitude; the others must be refused with one line naming the node.
 *    Skipped when the package is absent (CI installs it).
 *  - tests/onnx/fixtures (tests/onnx/make_fixtures.py, PyTorch): the shipped
 *    CIFAR ResNet-20, a width-0.25 MobileNetV2 at 64x64 and a small net of
 *    grouped convolutions, their params and MACs counted in PyTorch and
 *    their logits for a fixed batch of two.
 *  - hand-encoded protobuf bytes for the wire reader.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fileio.h"
#include "io/cfg.h"
#include "io/onnx.h"
#include "io/onnx_import.h"
#include "io/onnx_name.h"
#include "io/protobuf.h"
#include "measure/metrics.h"
#include "nn/net.h"

#define TESTDATA "/usr/share/libonnx-testdata/data"

/* ---- the wire reader ------------------------------------------------------ */

START_TEST(test_wire_fields)
{
	/* field 1 varint 300, field 2 "hi", field 3 fixed32 1.0f, field 4
	 * fixed64 7 */
	static const uint8_t msg[] = {
		0x08, 0xac, 0x02, 0x12, 0x02, 'h', 'i', 0x1d, 0x00, 0x00, 0x80, 0x3f,
		0x21, 7, 0, 0, 0, 0, 0, 0, 0,
	};
	struct protobuf_reader r;
	struct protobuf_field f;
	const char *why;
	protobuf_reader_init(&r, msg, sizeof msg);
	ck_assert_int_eq(protobuf_next(&r, &f, &why), 1);
	ck_assert_uint_eq(f.number, 1);
	ck_assert_uint_eq(f.u, 300);
	ck_assert_int_eq(protobuf_next(&r, &f, &why), 1);
	ck_assert_int_eq(f.wire, PROTOBUF_WIRE_LEN);
	ck_assert_uint_eq(f.len, 2);
	ck_assert(memcmp(f.data, "hi", 2) == 0);
	ck_assert_int_eq(protobuf_next(&r, &f, &why), 1);
	ck_assert(protobuf_float(f.u) == 1.0f);
	ck_assert_int_eq(protobuf_next(&r, &f, &why), 1);
	ck_assert_uint_eq(f.u, 7);
	ck_assert_int_eq(protobuf_next(&r, &f, &why), 0);
}
END_TEST

START_TEST(test_wire_malformed)
{
	static const struct { uint8_t b[12]; size_t n; const char *why; } cases[] = {
		{ { 0x12, 0x05, 'a' }, 3, "length past the end" },
		{ { 0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 11,
		  "length past the end" },
		{ { 0x08, 0x80 }, 2, "truncated varint" },
		{ { 0x1d, 0x00, 0x00 }, 3, "truncated fixed-width value" },
		{ { 0x0b }, 1, "unknown wire type" },          /* a group */
		{ { 0x00, 0x01 }, 2, "bad field number" },
		{ { 0x80 }, 1, "truncated field key" },
		{ { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 },
		  12, "truncated varint" },                   /* 11-byte varint */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct protobuf_reader r;
		struct protobuf_field f;
		const char *why = NULL;
		protobuf_reader_init(&r, cases[i].b, cases[i].n);
		ck_assert_msg(protobuf_next(&r, &f, &why) == -1, "case %zu", i);
		ck_assert_str_eq(why, cases[i].why);
	}
}
END_TEST

START_TEST(test_wire_packed_and_not)
{
	/* field 1: 3 unpacked, then packed [4, 300], then 5 unpacked */
	static const uint8_t msg[] = { 0x08, 3, 0x0a, 0x03, 4, 0xac, 0x02, 0x08, 5 };
	struct protobuf_scalars it;
	uint64_t v, want[] = { 3, 4, 300, 5 };
	const char *why;
	int n = 0;
	protobuf_scalars_init(&it, msg, sizeof msg, 1, PROTOBUF_WIRE_VARINT);
	while (protobuf_scalars_next(&it, &v, &why) == 1) {
		ck_assert_int_lt(n, 4);
		ck_assert_uint_eq(v, want[n++]);
	}
	ck_assert_int_eq(n, 4);
	/* A packed run cut inside a fixed32. */
	static const uint8_t bad[] = { 0x0a, 0x03, 0, 0, 0x80 };
	protobuf_scalars_init(&it, bad, sizeof bad, 1, PROTOBUF_WIRE_I32);
	ck_assert_int_eq(protobuf_scalars_next(&it, &v, &why), -1);
}
END_TEST

/* ---- names ------------------------------------------------------------------ */

START_TEST(test_names)
{
	static const struct { const char *node, *op, *suffix, *want; } cases[] = {
		{ "/layer1/layer1.0/conv1/Conv", "Conv", NULL, "layer1.0.conv1" },
		{ "/features/features.1/conv/conv.0/conv.0.0/Conv", "Conv", NULL,
		  "features.1.conv.0.0" },
		{ "/layer2/layer2.0/shortcut/shortcut.conv/Conv", "Conv", NULL,
		  "layer2.0.shortcut.conv" },
		{ "/layer1/layer1.0/Add", "Add", "add", "layer1.0.add" },
		{ "/layer1/layer1.0/relu_1/Relu", "Relu", NULL, "layer1.0.relu_1" },
		{ "/Flatten", "Flatten", "flatten", "flatten" },
		{ "/fc/Gemm", "Gemm", NULL, "fc" },
		{ "conv1", "Conv", NULL, "conv1" },
		{ "Conv_12", "Conv", NULL, "Conv_12" },
		{ "a b/c:d/Conv", "Conv", NULL, "a_b.c_d" },
		{ "data", "Relu", NULL, "data_" },
		{ "-x", "Relu", NULL, "_x" },
		{ "/very_long_module_name/very_long_module_name.17/branch/branch.3/Conv",
		  "Conv", NULL, "17.branch.3" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[LAYER_NAME_MAX];
		onnx_name_layer(out, cases[i].node, cases[i].op, cases[i].suffix,
				LAYER_KIND_CONV, 3);
		ck_assert_str_eq(out, cases[i].want);
		ck_assert_uint_lt(strlen(out), LAYER_NAME_MAX);
	}
	char out[LAYER_NAME_MAX];
	onnx_name_layer(out, "", "Conv", NULL, LAYER_KIND_CONV, 3);
	ck_assert_str_eq(out, "conv3");
	onnx_name_numbered(out, "abcdefghijklmnopqrstuvwxyz012345", 12);
	ck_assert_str_eq(out, "abcdefghijklmnopqrstuvwxyz01_12");
}
END_TEST

/* ---- running a test directory ----------------------------------------------- */

/* A .pb TensorProto file as floats (malloc'd) and its dims. */
struct pb_tensor {
	float *v;
	size_t n;
	int ndim;
	int64_t dims[ONNX_DIMS_MAX];
};

static bool pb_read(const char *path, struct pb_tensor *out)
{
	struct fileio_map map;
	struct eng_err err;
	memset(out, 0, sizeof *out);
	if (fileio_map(path, (size_t)1 << 30, "a tensor", &map, &err) != ENG_STATUS_OK)
		return false;
	struct onnx_model scratch = { 0 };
	struct onnx_tensor t;
	const char *why;
	uint64_t n;
	bool ok = onnx_tensor_parse(&scratch, map.data, map.len, &t, &why) &&
		  onnx_tensor_numel(&t, &n);
	if (ok) {
		out->v = malloc((n ? n : 1) * sizeof *out->v);
		out->n = n;
		out->ndim = t.ndim;
		memcpy(out->dims, t.dims, sizeof t.dims);
		ok = out->v && onnx_tensor_floats(&t, out->v, n, &why);
	}
	onnx_model_done(&scratch);
	fileio_unmap(&map);
	if (!ok)
		free(out->v);
	return ok;
}

/* Bound tensors of one node test: input_1.pb ... as constants. */
struct bound {
	int n;
	struct fileio_map map[8];
	struct onnx_tensor t[8];
	struct onnx_binding b[8];
	struct onnx_model scratch;
	struct onnx_model m;
	struct fileio_map model_map;
};

static void bound_done(struct bound *b)
{
	for (int i = 0; i < b->n; i++)
		fileio_unmap(&b->map[i]);
	onnx_model_done(&b->scratch);
	onnx_model_done(&b->m);
	fileio_unmap(&b->model_map);
}

/* Import dir/model.onnx with graph inputs 1.. bound to their .pb files,
 * run input_0.pb, compare with output_0.pb.  Returns 1 on a match, 0 on
 * a mismatch (*rel set), -1 when the import refused (msg in err). */
static int case_run(const char *dir, bool any_output, double *rel,
		    struct eng_err *err, struct net **keep)
{
	char path[1024];
	struct bound b;
	memset(&b, 0, sizeof b);
	snprintf(path, sizeof path, "%s/model.onnx", dir);
	ck_assert_int_eq(fileio_map(path, (size_t)1 << 31, "model", &b.model_map, err),
			 ENG_STATUS_OK);
	ck_assert_int_eq(onnx_model_parse(b.model_map.data, b.model_map.len, &b.m, err),
			 ENG_STATUS_OK);
	for (int k = 1; k < b.m.graph.n_input && b.n < 8; k++) {
		snprintf(path, sizeof path, "%s/test_data_set_0/input_%d.pb", dir, k);
		if (access(path, R_OK) != 0)
			continue; /* an initializer listed as an input */
		struct eng_err e;
		const char *why;
		ck_assert_int_eq(fileio_map(path, (size_t)1 << 30, "t", &b.map[b.n], &e),
				 ENG_STATUS_OK);
		ck_assert(onnx_tensor_parse(&b.scratch, b.map[b.n].data, b.map[b.n].len,
					    &b.t[b.n], &why));
		b.b[b.n].name = b.m.graph.input[k].name;
		b.b[b.n].value = &b.t[b.n];
		b.n++;
	}
	struct onnx_import_opts o = { .any_output = any_output, .n_bind = b.n,
				      .bind = b.b };
	struct net_spec spec;
	struct net *net;
	snprintf(path, sizeof path, "%s/model.onnx", dir);
	if (onnx_import_file(path, &o, &spec, &net, err) != ENG_STATUS_OK) {
		bound_done(&b);
		return -1;
	}
	struct pb_tensor x, y;
	snprintf(path, sizeof path, "%s/test_data_set_0/input_0.pb", dir);
	ck_assert_msg(pb_read(path, &x), "%s", path);
	snprintf(path, sizeof path, "%s/test_data_set_0/output_0.pb", dir);
	ck_assert_msg(pb_read(path, &y), "%s", path);
	int batch = x.ndim ? (int)x.dims[0] : 1;
	struct eng_err e;
	ck_assert_int_eq(net_prepare(net, batch, &e), ENG_STATUS_OK);
	ck_assert_uint_eq(x.n, (size_t)batch * shape_size(net->input));
	const float *out = net_forward(net, x.v, batch, false);
	ck_assert_uint_eq(y.n, (size_t)batch * shape_size(net->layers[net->n_layers - 1].out));
	double maxdiff = 0, maxref = 0;
	for (size_t i = 0; i < y.n; i++) {
		double d = fabs((double)out[i] - (double)y.v[i]);
		maxdiff = d > maxdiff || isnan(d) ? d : maxdiff;
		maxref = fabs((double)y.v[i]) > maxref ? fabs((double)y.v[i]) : maxref;
	}
	*rel = maxdiff / (maxref > 1e-30 ? maxref : 1e-30);
	free(x.v);
	free(y.v);
	bound_done(&b);
	if (keep)
		*keep = net;
	else
		net_free(net);
	net_spec_done(&spec);
	return *rel <= 1e-4 ? 1 : 0;
}

static bool testdata_present(void)
{
	return access(TESTDATA "/node/test_conv_with_strides_padding/model.onnx", R_OK) == 0;
}

/* The node tests of supported ops that the engine computes. */
static const char *const node_pass[] = {
	"node/test_basic_conv_with_padding",
	"node/test_basic_conv_without_padding",
	"node/test_conv_with_strides_padding",
	"node/test_conv_with_strides_no_padding",
	"node/test_conv_with_autopad_same",
	"node/test_conv_with_strides_and_asymmetric_padding",
	"node/test_batchnorm_epsilon",
	"node/test_batchnorm_example",
	"node/test_maxpool_2d_default",
	"node/test_maxpool_2d_precomputed_pads",
	"node/test_maxpool_2d_precomputed_strides",
	"node/test_maxpool_2d_strides",
	"node/test_maxpool_2d_precomputed_same_upper",
	"node/test_maxpool_2d_same_upper",
	"node/test_maxpool_2d_same_lower",
	"node/test_averagepool_2d_default",
	"node/test_averagepool_2d_strides",
	"node/test_averagepool_2d_precomputed_strides",
	"node/test_averagepool_2d_precomputed_pads_count_include_pad",
	"node/test_globalaveragepool",
	"node/test_globalaveragepool_precomputed",
	"node/test_gemm_transposeB",
	"node/test_gemm_default_no_bias",
	"node/test_gemm_default_vector_bias",
	"node/test_gemm_default_single_elem_vector_bias",
	"node/test_gemm_default_scalar_bias",
	"node/test_gemm_default_zero_bias",
	"node/test_gemm_alpha",
	"node/test_gemm_beta",
	"node/test_matmul_2d",
	"node/test_flatten_axis1",
	"node/test_flatten_default_axis",
	"node/test_flatten_negative_axis3",
	"pytorch-converted/test_BatchNorm1d_3d_input_eval",
	"pytorch-converted/test_Conv2d_depthwise",
	"pytorch-converted/test_Conv2d_depthwise_padded",
	"pytorch-converted/test_Conv2d_depthwise_strided",
	"pytorch-converted/test_Conv2d_depthwise_with_multiplier",
	"pytorch-converted/test_Conv2d_padding",
	"pytorch-converted/test_Conv2d_strided",
	"pytorch-converted/test_BatchNorm2d_eval",
	"pytorch-converted/test_BatchNorm2d_momentum_eval",
	"pytorch-converted/test_MaxPool2d",
	"pytorch-converted/test_AvgPool2d",
	"pytorch-converted/test_AvgPool2d_stride",
	"pytorch-converted/test_ReLU",
	"pytorch-converted/test_Linear",
	"pytorch-converted/test_Linear_no_bias",
	"pytorch-operator/test_operator_conv",
};

/* Tests of supported op types with settings the engine does not have: a
 * clear refusal naming the node and what is missing. */
static const struct { const char *dir, *says; } node_refused[] = {
	{ "node/test_maxpool_2d_ceil", "ceil_mode" },
	{ "node/test_maxpool_2d_dilations", "dilation" },
	{ "node/test_averagepool_2d_pads", "count_include_pad" },
	{ "node/test_averagepool_2d_same_upper", "count_include_pad" },
	{ "node/test_maxpool_1d_default", "only 2-D convolutions and pools" },
	{ "node/test_maxpool_3d_default", "N x C x H x W" },
	{ "node/test_gemm_transposeA", "transA" },
	{ "node/test_gemm_default_matrix_bias", "per-sample bias" },
	{ "node/test_flatten_axis2", "Flatten(axis = 1)" },
	{ "node/test_add", "only the sum of two activations" },
	{ "node/test_maxpool_2d_pads", "pad 2 2 2 2: each side must be between 0 and half the size 3" },
	{ "node/test_averagepool_2d_pads_count_include_pad", "each side must be between" },
	{ "node/test_clip_example", "only Clip(0, max)" },
	{ "node/test_clip_default_inbounds", "min -inf: only Clip(0, max)" },
	{ "pytorch-operator/test_operator_clip", "min -0.5: only Clip(0, max)" },
	{ "node/test_dropout_default", "no layers" },
	{ "node/test_identity", "no layers" },
	{ "node/test_training_dropout", "training_mode" },
	{ "pytorch-converted/test_Conv2d", "kernel 3x2 is not square" },
	{ "pytorch-converted/test_Conv2d_groups", "kernel 3x2 is not square" },
	{ "pytorch-operator/test_operator_maxpool", "only 2-D convolutions and pools" },
	{ "pytorch-converted/test_Conv2d_dilated", "dilation" },
	{ "pytorch-converted/test_Conv1d", "only 2-D convolutions" },
	{ "pytorch-converted/test_Conv3d", "N x C x H x W" },
	{ "pytorch-converted/test_PReLU_2d", "unsupported op" },
	{ "pytorch-converted/test_ConvTranspose2d", "unsupported op" },
};

START_TEST(test_node_tests)
{
	if (!testdata_present()) {
		fprintf(stderr, "check_onnx: %s absent, node tests skipped\n", TESTDATA);
		return;
	}
	int failed = 0;
	for (size_t i = 0; i < sizeof node_pass / sizeof node_pass[0]; i++) {
		char dir[512];
		snprintf(dir, sizeof dir, TESTDATA "/%s", node_pass[i]);
		double rel = 0;
		struct eng_err err = { { 0 } };
		int rc = case_run(dir, true, &rel, &err, NULL);
		if (rc != 1) {
			fprintf(stderr, "FAIL %s: %s (rel %.3g)\n", node_pass[i],
				rc < 0 ? err.msg : "mismatch", rel);
			failed++;
		}
	}
	ck_assert_int_eq(failed, 0);
}
END_TEST

START_TEST(test_node_refused)
{
	if (!testdata_present())
		return;
	for (size_t i = 0; i < sizeof node_refused / sizeof node_refused[0]; i++) {
		char dir[512];
		snprintf(dir, sizeof dir, TESTDATA "/%s", node_refused[i].dir);
		double rel = 0;
		struct eng_err err = { { 0 } };
		int rc = case_run(dir, true, &rel, &err, NULL);
		ck_assert_msg(rc == -1, "%s: imported (rel %.3g)", node_refused[i].dir, rel);
		ck_assert_msg(strstr(err.msg, node_refused[i].says), "%s: '%s'",
			      node_refused[i].dir, err.msg);
		ck_assert_msg(strstr(err.msg, "model.onnx: "), "%s", err.msg);
		ck_assert(!strchr(err.msg, '\n'));
	}
}
END_TEST

/* ---- the PyTorch fixtures ----------------------------------------------------- */

static const char *top_srcdir(void)
{
	const char *top = getenv("top_srcdir");
	return top && *top ? top : ".";
}

/* dir: model.onnx, test_data_set_0/ and expected.txt from make_fixtures.py. */
static void fixture_check_dir(const char *dir, const char *name)
{
	char path[1100];
	snprintf(path, sizeof path, "%s/expected.txt", dir);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	unsigned long long params = 0, macs = 0;
	ck_assert_int_eq(fscanf(f, "params %llu macs %llu", &params, &macs), 2);
	fclose(f);
	double rel = 1;
	struct eng_err err = { { 0 } };
	struct net *net = NULL;
	int rc = case_run(dir, false, &rel, &err, &net);
	ck_assert_msg(rc >= 0, "%s", err.msg);
	ck_assert_msg(rc == 1, "%s: logits differ from PyTorch's by %.3g relative", name, rel);
	fprintf(stderr, "check_onnx: %s: %zu params, %llu MACs, logits within %.2g "
		"of PyTorch's (relative to the largest)\n", name, net_param_count(net),
		(unsigned long long)net_macs(net), rel);
	ck_assert_uint_eq(net_param_count(net), params);
	ck_assert_uint_eq(net_macs(net), macs);
	net_free(net);
}

static void fixture_check(const char *name)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/tests/onnx/fixtures/%s", top_srcdir(), name);
	fixture_check_dir(dir, name);
}

/* make check-onnx: the torchvision exports of tests/onnx/check_torchvision.sh,
 * given as ONNX_FIXTURE_DIRS (blank-separated directories). */
START_TEST(test_fixture_dirs)
{
	const char *dirs = getenv("ONNX_FIXTURE_DIRS");
	if (!dirs || !*dirs)
		return;
	char *copy = strdup(dirs), *save = NULL;
	ck_assert(copy != NULL);
	int n = 0;
	for (char *d = strtok_r(copy, " ", &save); d; d = strtok_r(NULL, " ", &save), n++) {
		fprintf(stderr, "check_onnx: %s\n", d);
		fixture_check_dir(d, d);
	}
	free(copy);
	ck_assert_int_gt(n, 0);
}
END_TEST

START_TEST(test_fixture_resnet20)
{
	fixture_check("resnet20");
}
END_TEST

START_TEST(test_fixture_mobilenet_v2)
{
	fixture_check("mobilenet_v2");
}
END_TEST

START_TEST(test_fixture_grouped)
{
	fixture_check("grouped");
}
END_TEST

START_TEST(test_fixture_padded)
{
	fixture_check("padded");
}
END_TEST

/* The imported resnet20 has the shipped cfg's layers, names and sizes. */
START_TEST(test_fixture_names_match_cfg)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/onnx/fixtures/resnet20/model.onnx",
		 top_srcdir());
	struct net_spec spec;
	struct net *net;
	struct eng_err err;
	ck_assert_msg(onnx_import_file(path, NULL, &spec, &net, &err) == ENG_STATUS_OK,
		      "%s", err.msg);
	ck_assert_int_eq(spec.classes, 10);
	ck_assert_int_eq(spec.layers[spec.n_layers - 1].conf.out, LAYER_OUT_CLASSES);
	snprintf(path, sizeof path, "%s/models/resnet20.cfg", top_srcdir());
	struct net_spec ref;
	ck_assert_int_eq(cfg_parse_file(path, &ref, &err), ENG_STATUS_OK);
	int j = 0;
	for (int i = 0; i < ref.n_layers; i++, j++) {
		if (spec.layers[j].kind == LAYER_KIND_FLATTEN)
			j++; /* torch.flatten before fc; the cfg's linear flattens */
		ck_assert_str_eq(spec.layers[j].name, ref.layers[i].name);
		ck_assert_int_eq(spec.layers[j].kind, ref.layers[i].kind);
	}
	ck_assert_int_eq(j, spec.n_layers);
	net_spec_done(&ref);
	net_spec_done(&spec);
	net_free(net);
}
END_TEST

static Suite *onnx_suite(void)
{
	Suite *s = suite_create("onnx");
	TCase *tc = tcase_create("wire");
	tcase_add_test(tc, test_wire_fields);
	tcase_add_test(tc, test_wire_malformed);
	tcase_add_test(tc, test_wire_packed_and_not);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("import");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_node_tests);
	tcase_add_test(tc, test_node_refused);
	tcase_add_test(tc, test_fixture_resnet20);
	tcase_add_test(tc, test_fixture_mobilenet_v2);
	tcase_add_test(tc, test_fixture_grouped);
	tcase_add_test(tc, test_fixture_padded);
	tcase_add_test(tc, test_fixture_names_match_cfg);
	tcase_add_test(tc, test_fixture_dirs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(onnx_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
