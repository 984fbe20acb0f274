/* fuzz_onnx: libFuzzer target for the protobuf wire reader, the ModelProto
 * decoder and the ONNX importer.
 *
 * Every input either fails cleanly (EINVAL or ENOMEM, one line starting
 * "fuzz.onnx: ", an empty spec and no net) or imports; an imported model
 * must keep the net_spec.h invariants, be built (parameters matching the
 * layers) and hold only finite-or-not values we copied (no reads past the
 * buffer: ASan watches).  Anything else aborts.
 *
 *   make fuzz                      # builds with clang, runs 60 s on the
 *                                  # files of tests/onnx/make_cases.py
 *   ./fuzz/fuzz_onnx -max_total_time=600 fuzz/corpus_onnx
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/onnx_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_onnx: %s\n", what);
		abort();
	}
}

static void fuzz_one(const uint8_t *data, size_t size, bool any_output)
{
	struct net_spec spec;
	struct net *net = (struct net *)1;
	struct eng_err err;
	err.msg[0] = '\0';
	struct onnx_import_opts o = { .any_output = any_output };
	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	uint8_t *buf = malloc(size ? size : 1);
	fuzz_check(buf != NULL, "out of memory");
	memcpy(buf, data, size);
	enum eng_status st = onnx_import(buf, size, "fuzz.onnx", &o, &spec, &net, &err);
	if (st != ENG_STATUS_OK) {
		fuzz_check(st == ENG_STATUS_EINVAL || st == ENG_STATUS_ENOMEM,
			   "status other than EINVAL or ENOMEM");
		fuzz_check(strncmp(err.msg, "fuzz.onnx: ", 11) == 0, "message without path");
		fuzz_check(!strchr(err.msg, '\n'), "message with a newline");
		fuzz_check(net == NULL && spec.n_layers == 0 && !spec.layers,
			   "spec or net left after failure");
		free(buf);
		return;
	}
	fuzz_check(net != NULL && spec.n_layers == net->n_layers, "net does not match");
	size_t np = 0;
	for (int i = 0; i < spec.n_layers; i++) {
		const struct layer_spec *l = &spec.layers[i];
		fuzz_check(l->name[0] != '\0', "empty layer name");
		fuzz_check(l->n_in == (l->kind == LAYER_KIND_ADD ? 2 : 1), "bad n_in");
		for (int k = 0; k < l->n_in; k++)
			fuzz_check(l->in_idx[k] >= -1 && l->in_idx[k] < i, "bad in_idx");
		for (int j = 0; j < i; j++)
			fuzz_check(strcmp(spec.layers[j].name, l->name) != 0, "duplicate name");
		np += layer_param_count(&net->layers[i]);
	}
	fuzz_check(np == net->n_params, "parameter count");
	/* The imported weights came from the buffer: every one is readable. */
	volatile float sum = 0;
	for (size_t i = 0; i < net->n_params; i++)
		sum += net->params[i];
	(void)sum;
	net_free(net);
	net_spec_done(&spec);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size, false);
	fuzz_one(data, size, true);
	return 0;
}
