/* layer_init.c: weight initialisers for the layer kinds' init ops.  Kept
 * apart from layer.c, which maps kinds to their ops tables: the kinds call
 * these, and layer.c refers to the kinds. */
#include "config.h"

#include <math.h>

#include "nn/layer_init.h"

void layer_init_kaiming(float *w, size_t n, size_t fan_in, struct rng *r)
{
	float std = (float)sqrt(2.0 / (double)(fan_in ? fan_in : 1));
	for (size_t i = 0; i < n; i++)
		w[i] = std * rng_normal(r);
}
