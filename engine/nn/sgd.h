/* sgd.h: stochastic gradient descent with momentum, weight decay and an
 * optional Nesterov step, over a net's flat parameter array.
 *
 * Update (PyTorch's SGD):  g = grad + wd * p;  v = mu * v + g;
 *   p -= lr * (nesterov ? g + mu * v : v)
 * Weight decay applies to every parameter (BN and biases included), as
 * torch.optim.SGD does by default.
 *
 * Owns: the velocity buffer (sgd_done frees it).  Borrows the net.
 *
 *   struct sgd opt;
 *   sgd_init(&opt, net->n_params, 0.9f, 5e-4f, false);
 *   ... net_backward ...; sgd_step(&opt, net->params, net->grads, lr);
 *   sgd_done(&opt);
 */
#ifndef RECONVENE_SGD_H
#define RECONVENE_SGD_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

struct sgd {
	size_t n;          /* parameters */
	float momentum;    /* mu; 0 for plain SGD */
	float weight_decay;
	bool nesterov;
	float *velocity;   /* owned, n floats, zero at start */
};

enum eng_status sgd_init(struct sgd *opt, size_t n, float momentum,
			 float weight_decay, bool nesterov);
void sgd_done(struct sgd *opt);
void sgd_step(struct sgd *opt, float *params, const float *grads, float lr);

#endif
