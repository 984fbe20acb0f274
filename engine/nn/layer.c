#include "config.h"

#include <string.h>

#include "nn/layer.h"

static const struct layer_ops *const kind_ops[LAYER_KIND_COUNT] = {
	[LAYER_KIND_CONV] = &conv2d_ops,
	[LAYER_KIND_BN] = &batchnorm_ops,
	[LAYER_KIND_RELU] = &relu_ops,
	[LAYER_KIND_MAXPOOL] = &maxpool_ops,
	[LAYER_KIND_AVGPOOL] = &avgpool_ops,
	[LAYER_KIND_GAP] = &gap_ops,
	[LAYER_KIND_FLATTEN] = &flatten_ops,
	[LAYER_KIND_LINEAR] = &linear_ops,
	[LAYER_KIND_ADD] = &add_ops,
};

const struct layer_ops *layer_kind_ops(enum layer_kind kind)
{
	ENG_ASSERT(kind >= 0 && kind < LAYER_KIND_COUNT);
	return kind_ops[kind];
}

const char *layer_kind_name(enum layer_kind kind)
{
	return layer_kind_ops(kind)->name;
}

bool layer_kind_from_name(const char *name, enum layer_kind *kind)
{
	for (int k = 0; k < LAYER_KIND_COUNT; k++) {
		if (strcmp(kind_ops[k]->name, name) == 0) {
			*kind = (enum layer_kind)k;
			return true;
		}
	}
	return false;
}

void layer_conf_defaults(enum layer_kind kind, struct layer_conf *conf)
{
	memset(conf, 0, sizeof *conf);
	conf->groups = 1;
	conf->stride = 1;
	conf->eps = 1e-5f;
	conf->momentum = 0.1f;
	switch (kind) {
	case LAYER_KIND_CONV:
		conf->size = 1;
		break;
	case LAYER_KIND_MAXPOOL:
	case LAYER_KIND_AVGPOOL:
		conf->size = 2;
		conf->stride = 0; /* = size */
		break;
	case LAYER_KIND_LINEAR:
		conf->bias = 1;
		break;
	default:
		break;
	}
}
