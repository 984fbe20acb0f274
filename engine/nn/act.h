/* act.h: the ReLU's gradient loop and its team size (act.c), for the
 * layers that run the ReLU after them in the same call (add.c).
 *
 * Owns: nothing.
 */
#ifndef RECONVENE_NN_ACT_H
#define RECONVENE_NN_ACT_H

#include <stdbool.h>
#include <stddef.h>

/* Threads for a per-element loop over n floats (threads.h's rule, with
 * the size below which one thread is faster). */
int relu_threads(size_t n);

/* dx = (or += when !assign) dy where the ReLU's gradient passes at v, 0
 * elsewhere, over n elements: 0 < v, and v < clip when clip > 0 (ReLU6).
 * v may be the ReLU's input or its output: the two pass at the same
 * elements. */
void relu_grad_range(const float *restrict v, const float *restrict dy, float *restrict dx,
		     size_t n, float clip, bool assign);

#endif
