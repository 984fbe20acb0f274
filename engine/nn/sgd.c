#include "config.h"

#include <stdlib.h>

#include "nn/sgd.h"

enum eng_status sgd_init(struct sgd *opt, size_t n, float momentum,
			 float weight_decay, bool nesterov)
{
	opt->n = n;
	opt->momentum = momentum;
	opt->weight_decay = weight_decay;
	opt->nesterov = nesterov;
	opt->velocity = calloc(n ? n : 1, sizeof(float));
	return opt->velocity ? ENG_STATUS_OK : ENG_STATUS_ENOMEM;
}

void sgd_done(struct sgd *opt)
{
	free(opt->velocity);
	opt->velocity = NULL;
}

void sgd_step(struct sgd *opt, float *params, const float *grads, float lr)
{
	const float mu = opt->momentum, wd = opt->weight_decay;
	for (size_t i = 0; i < opt->n; i++) {
		float g = grads[i] + wd * params[i];
		float v = mu * opt->velocity[i] + g;
		opt->velocity[i] = v;
		params[i] -= lr * (opt->nesterov ? g + mu * v : v);
	}
}
