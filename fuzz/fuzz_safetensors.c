/* fuzz_safetensors: libFuzzer target for the safetensors reader
 * (io/safetensors.c) and the net loader on top of it (io/weights.c).
 *
 * Every input either fails cleanly (EINVAL or ENOMEM, one line naming the
 * file, an empty struct st_file) or parses, and then:
 *   - the tables keep safetensors.h's promises (names, ranks, spans that
 *     tile the data section);
 *   - the memory entry (st_file_parse) and the file entry (st_file_read)
 *     agree: same status, same message, same tensors;
 *   - rebuilt with st_file_add / st_file_meta_set, written and read again,
 *     it gives the same names, dtypes, shapes, bytes and metadata.
 * Then weights_load_full reads the same file into the fuzz net
 * (fuzz/fuzz_net.h): a failure leaves the net's parameters and state
 * untouched; a success gives masks of 0 and 1.  Anything else aborts.
 *
 *   make fuzz                  # every target, FUZZ_SECONDS each
 *   ./fuzz/fuzz_safetensors -max_total_time=600 fuzz/corpus/safetensors \
 *       tests/fuzz/corpus/safetensors
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_net.h"
#include "fuzz/fuzz_util.h"
#include "io/safetensors.h"
#include "io/weights.h"

static void fuzz_st_invariants(const struct st_file *f)
{
	uint64_t total = 0;
	for (int i = 0; i < f->n_tensors; i++) {
		const struct st_tensor *t = &f->tensors[i];
		fuzz_check(t->name && t->name[0], "empty tensor name");
		fuzz_check(strlen(t->name) <= ST_NAME_MAX, "tensor name too long");
		fuzz_check(strcmp(t->name, "__metadata__") != 0, "a tensor named __metadata__");
		fuzz_check(t->ndim >= 0 && t->ndim <= ST_MAX_DIMS, "rank out of range");
		fuzz_check(st_dtype_name(t->dtype) != NULL, "unknown dtype");
		fuzz_check(t->begin <= t->end && t->end <= f->data_len, "span outside the data");
		fuzz_check(t->end - t->begin == st_tensor_numel(t) * st_dtype_size(t->dtype),
			   "span is not the tensor's size");
		fuzz_check((const unsigned char *)t->data == f->blob + t->begin, "data pointer");
		total += t->end - t->begin;
		for (int j = 0; j < i; j++)
			fuzz_check(strcmp(f->tensors[j].name, t->name) != 0, "duplicate name");
	}
	fuzz_check(total == f->data_len, "tensors do not tile the data section");
	for (int i = 0; i < f->n_meta; i++)
		fuzz_check(f->meta[i].key && f->meta[i].value, "metadata without text");
}

/* Same tensors (in order) and metadata. */
static void fuzz_st_same(const struct st_file *a, const struct st_file *b,
			 const char *what)
{
	fuzz_check(a->n_tensors == b->n_tensors && a->n_meta == b->n_meta &&
		   a->data_len == b->data_len, what);
	for (int i = 0; i < a->n_tensors; i++) {
		const struct st_tensor *x = &a->tensors[i], *y = &b->tensors[i];
		uint64_t bytes = x->end - x->begin;
		fuzz_check(strcmp(x->name, y->name) == 0 && x->dtype == y->dtype &&
			   x->ndim == y->ndim &&
			   memcmp(x->shape, y->shape, sizeof x->shape[0] * (size_t)x->ndim) == 0 &&
			   y->end - y->begin == bytes &&
			   (bytes == 0 || memcmp(x->data, y->data, (size_t)bytes) == 0), what);
	}
	for (int i = 0; i < a->n_meta; i++) {
		const char *v = st_file_meta_get(b, a->meta[i].key);
		fuzz_check(v && strcmp(v, a->meta[i].value) == 0, what);
	}
}

/* Rebuild through the writer's API, write, read back. */
static void fuzz_st_round_trip(const struct st_file *f)
{
	struct st_file w, back;
	struct eng_err err;
	char path[PATH_MAX];
	st_file_init(&w);
	for (int i = 0; i < f->n_tensors; i++) {
		const struct st_tensor *t = &f->tensors[i];
		fuzz_check(st_file_add(&w, t->name, t->dtype, t->ndim, t->shape, t->data,
				       &err) == ENG_STATUS_OK, "st_file_add refused a read tensor");
	}
	for (int i = 0; i < f->n_meta; i++)
		fuzz_check(st_file_meta_set(&w, f->meta[i].key, f->meta[i].value, &err) ==
			   ENG_STATUS_OK, "st_file_meta_set refused read metadata");
	fuzz_scratch_path(path, sizeof path, "written.safetensors");
	enum eng_status st = st_file_write(&w, path, &err);
	if (st != ENG_STATUS_OK) {
		fprintf(stderr, "fuzz: write failed: %s\n", err.msg);
		abort();
	}
	st = st_file_read(path, &back, &err);
	if (st != ENG_STATUS_OK) {
		fprintf(stderr, "fuzz: written file does not read: %s\n", err.msg);
		abort();
	}
	/* The writer lays the data out widest dtype first, so compare by
	 * name, not by offset. */
	fuzz_check(back.n_tensors == f->n_tensors && back.n_meta == f->n_meta,
		   "round trip changed the counts");
	for (int i = 0; i < f->n_tensors; i++) {
		const struct st_tensor *x = &f->tensors[i];
		const struct st_tensor *y = st_file_find(&back, x->name);
		fuzz_check(y != NULL, "round trip lost a tensor");
		uint64_t bytes = x->end - x->begin;
		fuzz_check(x->dtype == y->dtype && x->ndim == y->ndim &&
			   memcmp(x->shape, y->shape, sizeof x->shape[0] * (size_t)x->ndim) == 0 &&
			   y->end - y->begin == bytes &&
			   (bytes == 0 || memcmp(x->data, y->data, (size_t)bytes) == 0),
			   "round trip changed a tensor");
		fuzz_check(st_dtype_size(y->dtype) == 0 || y->begin % st_dtype_size(y->dtype) == 0,
			   "written tensor not aligned to its element size");
	}
	fuzz_st_same(f, &back, "round trip changed the metadata");
	st_file_done(&back);
	st_file_done(&w);
}

/* weights_load_full: all or nothing. */
static void fuzz_weights(const char *path)
{
	struct net *net = fuzz_net();
	size_t np = net->n_params * sizeof *net->params;
	size_t ns = net->n_state * sizeof *net->state;
	float *params = malloc(np ? np : 1), *state = malloc(ns ? ns : 1);
	fuzz_check(params && state, "out of memory");
	memcpy(params, net->params, np);
	memcpy(state, net->state, ns);
	uint8_t *masks = NULL;
	struct weights_meta meta;
	struct eng_err err;
	err.msg[0] = '\0';
	enum eng_status st = weights_load_full(net, path, &masks, &meta, &err);
	if (st != ENG_STATUS_OK) {
		fuzz_err_check(st, &err, path, FUZZ_ST_EINVAL | FUZZ_ST_ENOMEM);
		fuzz_check(memcmp(params, net->params, np) == 0 &&
			   memcmp(state, net->state, ns) == 0, "failed load changed the net");
		fuzz_check(masks == NULL, "failed load returned masks");
	} else {
		for (size_t i = 0; masks && i < net->n_params; i++)
			fuzz_check(masks[i] <= 1, "mask value other than 0 and 1");
		fuzz_check(meta.n >= 0 && meta.n <= WEIGHTS_META_MAX, "metadata count");
		free(masks);
	}
	free(params);
	free(state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	fuzz_scratch_write(path, sizeof path, "in.safetensors", data, size);
	struct st_file f, g;
	struct eng_err err, err2;
	err.msg[0] = err2.msg[0] = '\0';
	enum eng_status st = st_file_parse(data, size, path, &f, &err);
	enum eng_status st2 = st_file_read(path, &g, &err2);
	fuzz_check(st == st2, "st_file_parse and st_file_read disagree on the status");
	if (st != ENG_STATUS_OK) {
		fuzz_err_check(st, &err, path, FUZZ_ST_EINVAL | FUZZ_ST_ENOMEM);
		fuzz_check(strcmp(err.msg, err2.msg) == 0,
			   "st_file_parse and st_file_read give other messages");
		fuzz_check(f.n_tensors == 0 && !f.tensors && f.n_meta == 0 && !f.blob,
			   "struct st_file not empty after a failure");
	} else {
		fuzz_st_invariants(&f);
		fuzz_st_same(&f, &g, "st_file_parse and st_file_read read other files");
		fuzz_st_round_trip(&f);
		st_file_done(&f);
		st_file_done(&g);
	}
	fuzz_weights(path);
	return 0;
}
