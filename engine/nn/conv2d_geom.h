/* conv2d_geom.h: a conv layer's geometry as its kernels use it: sizes,
 * padding, groups and the GEMM inner size, derived from struct layer.
 * Shared by conv2d.c and SynFlow's sparse passes (score/synflow_sparse.c),
 * which lower the same convolution.
 *
 * Owns: nothing (a value type filled from a layer).
 */
#ifndef RECONVENE_CONV2D_GEOM_H
#define RECONVENE_CONV2D_GEOM_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/layer.h"

/* Everything the kernels need, derived once per call from the layer. */
struct conv2d_geom {
	int c, h, w;       /* input channels, height, width */
	int o, oh, ow;     /* output channels, height, width */
	int k, s;          /* kernel side, stride */
	int pt, pl;        /* padding at the top and the left (where windows start) */
	int pb, pr;        /* padding at the bottom and the right */
	int groups;
	int cg, og;        /* input and output channels per group */
	size_t hw;         /* oh * ow */
	size_t in_hw;      /* h * w */
	size_t kdim;       /* GEMM inner size: cg * k * k */
	bool pointwise;    /* 1x1, stride 1, no padding */
	bool direct;       /* cg == 1: direct loops, no GEMM */
};

static inline void conv2d_geom_init(struct conv2d_geom *g, const struct layer *l)
{
	g->c = l->in.c;
	g->h = l->in.h;
	g->w = l->in.w;
	g->o = l->out.c;
	g->oh = l->out.h;
	g->ow = l->out.w;
	g->k = l->conf.size;
	g->s = l->conf.stride;
	g->pt = l->conf.pad.top;
	g->pl = l->conf.pad.left;
	g->pb = l->conf.pad.bottom;
	g->pr = l->conf.pad.right;
	g->groups = l->conf.groups;
	g->cg = g->c / g->groups;
	g->og = g->o / g->groups;
	g->hw = (size_t)g->oh * (size_t)g->ow;
	g->in_hw = (size_t)g->h * (size_t)g->w;
	g->kdim = (size_t)g->cg * (size_t)g->k * (size_t)g->k;
	g->pointwise = g->k == 1 && g->s == 1 && g->pt == 0 && g->pl == 0 &&
		       g->pb == 0 && g->pr == 0;
	g->direct = g->cg == 1;
}

#endif
