/* fuzz_cfg: libFuzzer target for the INI tokenizer and the cfg parser.
 *
 * Every input either fails cleanly (EINVAL, a "path:line: " message, an
 * empty spec) or parses; a parsed spec must keep the net_spec.h invariants
 * and survive write -> parse -> write unchanged.  Anything else aborts.
 *
 *   make fuzz                  # every target, FUZZ_SECONDS each
 *   ./fuzz/fuzz_cfg -max_total_time=600 fuzz/corpus/cfg tests/fuzz/corpus/cfg
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "io/cfg.h"

static int fuzz_float_same(float a, float b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

static int fuzz_spec_equal(const struct net_spec *a, const struct net_spec *b)
{
	if (strcmp(a->name, b->name) != 0 || !shape_equal(a->input, b->input) ||
	    a->classes != b->classes || a->n_layers != b->n_layers)
		return 0;
	for (int i = 0; i < a->n_layers; i++) {
		const struct layer_spec *x = &a->layers[i], *y = &b->layers[i];
		const struct layer_conf *p = &x->conf, *q = &y->conf;
		if (x->kind != y->kind || strcmp(x->name, y->name) != 0 ||
		    x->n_in != y->n_in)
			return 0;
		for (int k = 0; k < x->n_in; k++) {
			if (x->in_idx[k] != y->in_idx[k])
				return 0;
		}
		if (p->out != q->out || p->size != q->size || p->stride != q->stride ||
		    !layer_pad_equal(p->pad, q->pad) || p->groups != q->groups || p->bias != q->bias ||
		    !fuzz_float_same(p->eps, q->eps) ||
		    !fuzz_float_same(p->momentum, q->momentum) ||
		    !fuzz_float_same(p->clip, q->clip))
			return 0;
	}
	return 1;
}

static void fuzz_invariants(const struct net_spec *s)
{
	fuzz_check(s->n_layers > 0 && s->classes > 0 && s->name[0], "empty net");
	for (int i = 0; i < s->n_layers; i++) {
		const struct layer_spec *l = &s->layers[i];
		fuzz_check(l->name[0] != '\0', "empty layer name");
		fuzz_check(l->n_in == (l->kind == LAYER_KIND_ADD ? 2 : 1), "bad n_in");
		for (int k = 0; k < l->n_in; k++)
			fuzz_check(l->in_idx[k] >= -1 && l->in_idx[k] < i, "bad in_idx");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_spec spec, back;
	struct eng_err err;
	err.msg[0] = '\0';
	enum eng_status st = cfg_parse_string((const char *)data, size, "fuzz.cfg",
					      &spec, &err);
	if (st != ENG_STATUS_OK) {
		fuzz_err_check(st, &err, "fuzz.cfg:", FUZZ_ST_EINVAL);
		fuzz_check(spec.n_layers == 0 && !spec.layers && !spec.warnings,
			   "spec not empty after failure");
		return 0;
	}
	fuzz_invariants(&spec);
	char *t1 = cfg_write_string(&spec);
	fuzz_check(t1 != NULL, "write failed");
	st = cfg_parse_string(t1, strlen(t1), "written.cfg", &back, &err);
	if (st != ENG_STATUS_OK) {
		fprintf(stderr, "fuzz_cfg: re-parse failed: %s\n%s", err.msg, t1);
		abort();
	}
	fuzz_check(back.n_warnings == 0, "written text has warnings");
	fuzz_check(fuzz_spec_equal(&spec, &back), "round trip changed the spec");
	char *t2 = cfg_write_string(&back);
	fuzz_check(t2 != NULL && strcmp(t1, t2) == 0, "written text not a fixed point");
	free(t1);
	free(t2);
	net_spec_done(&back);
	net_spec_done(&spec);
	return 0;
}
