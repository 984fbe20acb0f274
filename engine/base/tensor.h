/* tensor.h: shapes and NCHW float tensor views (the workspace they live
 * in is base/arena.h).
 *
 * Layout: activations are float32 NCHW, batch outermost, contiguous:
 * element (n, c, h, w) of a batch with per-sample shape s lives at
 * ((n * s.c + c) * s.h + h) * s.w + w.
 *
 * Owns: nothing; struct tensor never owns its data.
 * Thread rules: plain values.
 *
 *   struct shape s = { 16, 32, 32 };
 *   size_t n = shape_size(s);           // 16 * 32 * 32
 */
#ifndef RECONVENE_TENSOR_H
#define RECONVENE_TENSOR_H

#include <stddef.h>

struct shape {
	int c, h, w; /* channels, height, width of one sample */
};

static inline size_t shape_size(struct shape s)
{
	return (size_t)s.c * (size_t)s.h * (size_t)s.w;
}

static inline int shape_equal(struct shape a, struct shape b)
{
	return a.c == b.c && a.h == b.h && a.w == b.w;
}

/* A borrowed view of a batch of activations, with a name for messages. */
struct tensor {
	int n, c, h, w;    /* dims, NCHW */
	float *data;       /* borrowed; n*c*h*w floats */
	const char *name;  /* borrowed; e.g. the producing layer's name */
};

#endif
