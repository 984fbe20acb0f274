/* conv_packing.c: a fused conv's weight form (conv_packing.h). */
#include "config.h"

#include "nn/conv_packing.h"
#include "nn/conv_panels.h"
#include "nn/conv_wino.h"
#include "nn/conv_wino4.h"

enum layer_packing conv_packing_for(const struct layer *l)
{
	if (conv_wino4_fused_eligible(l))
		return LAYER_PACKED_WINO4;
	if (conv_wino_eligible(l))
		return LAYER_PACKED_WINO2;
	if (conv_panels_eligible(l))
		return LAYER_PACKED_PANELS;
	return LAYER_PACKED_NONE;
}

size_t conv_packing_len(const struct layer *l, enum layer_packing p)
{
	switch (p) {
	case LAYER_PACKED_WINO4:
		return conv_wino4_fused_len(l);
	case LAYER_PACKED_WINO2:
		return conv_wino_weights_len(l);
	case LAYER_PACKED_PANELS:
		return conv_panels_len(l);
	case LAYER_PACKED_NONE:
		break;
	}
	return 0;
}

bool conv_packing_fill(const struct layer *l, enum layer_packing p, float *dst)
{
	switch (p) {
	case LAYER_PACKED_WINO4:
		return conv_wino4_fused_weights(l, dst);
	case LAYER_PACKED_WINO2:
		conv_wino_transform_weights(l, dst);
		return true;
	case LAYER_PACKED_PANELS:
		conv_panels_pack(l, dst);
		return true;
	case LAYER_PACKED_NONE:
		break;
	}
	return true;
}
