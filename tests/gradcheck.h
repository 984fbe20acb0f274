/* gradcheck.h: test helper that checks one layer kind's backward pass
 * against central finite differences of its forward pass.
 *
 * The loss is L = sum_i out[i] * R[i] with a fixed random R, so dL/dout = R.
 * Inputs, weights and R are drawn from a seeded RNG (inputs U(-1, 1) unless
 * the caller supplies them).  Differences are taken in double around float
 * values with step eps; the result is the normalised error
 * |num - ana|_2 / max(|num|_2 + |ana|_2, 1e-12) per tensor, worst reported.
 */
#ifndef RECONVENE_TESTS_GRADCHECK_H
#define RECONVENE_TESTS_GRADCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/layer.h"

struct gradcheck_result {
	double err_in[LAYER_MAX_INPUTS]; /* per input tensor */
	double err_w, err_b;             /* weight and bias (0 when none) */
	double worst;                    /* max of the above */
	char report[256];                /* which tensor was worst, and sizes */
};

/* Check kind/conf on inputs of shapes in[0..n_in) with the given batch.
 * input_values may be NULL (random) or hold n_in pointers to caller data.
 * Returns false if infer rejected the configuration (report says why). */
bool gradcheck_layer(enum layer_kind kind, const struct layer_conf *conf,
		     const struct shape *in, int n_in, int batch, bool train,
		     uint64_t seed, double eps, const float *const *input_values,
		     struct gradcheck_result *res);

/* Run one forward of a standalone layer (used by naive-reference tests):
 * allocates params with init(seed), runs forward on the given inputs, and
 * copies the output to out (batch x out shape).  The layer l is filled in
 * (params stay allocated in *params_out, caller frees with free()). */
bool layer_run_forward(struct layer *l, enum layer_kind kind,
		       const struct layer_conf *conf, const struct shape *in,
		       int n_in, int batch, bool train, uint64_t seed,
		       const float *const *inputs, float **out, float **params_out);

#endif
