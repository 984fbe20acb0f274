/* conv_panels.c: a fused conv's weights in panels (conv_panels.h). */
#include "config.h"

#include "nn/conv2d_geom.h"
#include "nn/conv_panels.h"
#include "nn/gemm_panels.h"

bool conv_panels_eligible(const struct layer *l)
{
	if (l->kind != LAYER_KIND_CONV)
		return false;
	struct conv2d_geom g;
	conv2d_geom_init(&g, l);
	return g.groups == 1 && !g.direct && g.hw <= GEMM_PANELS_MAX_N &&
	       gemm_panels_pays(g.o, (int)g.hw, (int)g.kdim);
}

int conv_panels_rows(const struct layer *l)
{
	return gemm_panels_rows(l->out.h * l->out.w);
}

size_t conv_panels_len(const struct layer *l)
{
	struct conv2d_geom g;
	conv2d_geom_init(&g, l);
	return gemm_panels_len(conv_panels_rows(l), g.o, (int)g.kdim);
}

void conv_panels_pack(const struct layer *l, float *panels)
{
	struct conv2d_geom g;
	conv2d_geom_init(&g, l);
	gemm_panels_pack(conv_panels_rows(l), g.o, (int)g.kdim, l->w, g.kdim, panels);
}

bool conv_panels_runs(const struct layer *l, size_t ncol)
{
	return l->packing == LAYER_PACKED_PANELS && l->w_packed &&
	       ncol <= (size_t)gemm_panels_max_n(conv_panels_rows(l)) && conv_panels_eligible(l);
}
