/* layer_init.h: the weight initialisers the layer kinds' init ops share.
 *
 * Owns: nothing; fills caller storage.  Thread rules: reentrant (the
 * random stream is the caller's).
 *
 *   layer_init_kaiming(l->w, l->w_len, fan_in, r);   // in a kind's init op
 */
#ifndef RECONVENE_LAYER_INIT_H
#define RECONVENE_LAYER_INIT_H

#include <stddef.h>

#include "base/rng.h"

/* Kaiming-normal (fan-in, ReLU gain): N(0, 2 / fan_in) into w[0..n);
 * fan_in 0 counts as 1. */
void layer_init_kaiming(float *w, size_t n, size_t fan_in, struct rng *r);

#endif
