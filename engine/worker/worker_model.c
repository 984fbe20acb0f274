/* worker_model.c: the immutable model the UI and the worker share, and its
 * analytic projection (see worker.h).
 *
 * A model is built once per worker_set_model, on the caller's thread, and
 * never written afterwards; its refcount is the only thing that changes,
 * atomically, so any thread may take or drop a reference.
 * worker_model_project is a pure function of a model, a plan and kept
 * counts: no lock, no BLAS, one small allocation.
 */
#include "config.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "measure/metrics.h"
#include "nn/net.h"
#include "prune/groups.h"
#include "prune/plan.h"
#include "prune/plan_project.h"
#include "score/score.h"
#include "worker/cache.h"
#include "worker/worker.h"
#include "worker/worker_state.h"

struct worker_model_box {
	struct worker_model m; /* first: the public pointer is the box */
	atomic_int refs;
};

const struct worker_model *worker_model_ref(const struct worker_model *m)
{
	struct worker_model_box *b = (struct worker_model_box *)m;
	atomic_fetch_add(&b->refs, 1);
	return m;
}

void worker_model_release(const struct worker_model *m)
{
	if (!m)
		return;
	struct worker_model_box *b = (struct worker_model_box *)m;
	if (atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	groups_done(&b->m.groups);
	free((void *)b->m.init_params);
	free((void *)b->m.init_state);
	free(b->m.net->layers);
	free(b->m.net);
	net_spec_done(&b->m.spec);
	free(b);
}

static _Atomic uint64_t worker_model_ids;

/* Build the shape-only model: a real net_build, then keep only the layer
 * table (params are calloc'd and never touched, so this is cheap even for
 * vgg19, and the copy frees them straight away). */
/* Copy init's weights into m (init built from m's spec). */
static enum eng_status worker_model_weights(struct worker_model *m,
					    const struct net *init,
					    struct eng_err *err)
{
	if (init->n_params != m->net->n_params || init->n_state != m->net->n_state ||
	    init->n_layers != m->net->n_layers)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: the initial weights are not of this model",
				   m->spec.name);
	size_t np = init->n_params * sizeof(float), ns = init->n_state * sizeof(float);
	float *p = malloc(np ? np : 1), *s = malloc(ns ? ns : 1);
	if (!p || !s) {
		free(p);
		free(s);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	}
	memcpy(p, init->params, np);
	memcpy(s, init->state, ns);
	m->init_params = p;
	m->init_state = s;
	return ENG_STATUS_OK;
}

void worker_model_init_net(const struct worker_model *m, struct net *net,
			   uint64_t seed)
{
	net_init(net, seed);
	if (!m->init_params)
		return;
	ENG_ASSERT(net->n_params == m->net->n_params && net->n_state == m->net->n_state);
	memcpy(net->params, m->init_params, net->n_params * sizeof(float));
	memcpy(net->state, m->init_state, net->n_state * sizeof(float));
}

enum eng_status worker_model_new(const struct net_spec *spec,
				 const struct net *init,
				 const struct worker_model **out,
				 struct eng_err *err)
{
	*out = NULL;
	struct worker_model_box *b = calloc(1, sizeof *b);
	if (!b)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	atomic_init(&b->refs, 1);
	struct worker_model *m = &b->m;
	struct net *full = NULL;
	enum eng_status st = net_spec_copy(&m->spec, spec);
	if (st != ENG_STATUS_OK) {
		free(b);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	}
	st = net_build(spec, &full, err);
	if (st != ENG_STATUS_OK)
		goto fail;
	m->net = calloc(1, sizeof *m->net);
	struct layer *layers = calloc((size_t)full->n_layers ? (size_t)full->n_layers : 1,
				      sizeof *layers);
	if (!m->net || !layers) {
		free(layers);
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		goto fail;
	}
	memcpy(m->net->name, full->name, sizeof m->net->name);
	m->net->input = full->input;
	m->net->classes = full->classes;
	m->net->n_layers = full->n_layers;
	m->net->n_params = full->n_params;
	m->net->n_state = full->n_state;
	memcpy(layers, full->layers, (size_t)full->n_layers * sizeof *layers);
	for (int i = 0; i < full->n_layers; i++) {
		layers[i].w = layers[i].b = layers[i].dw = layers[i].db = NULL;
		layers[i].state = NULL;
		layers[i].packing = LAYER_PACKED_NONE;
		layers[i].w_packed = NULL;
	}
	m->net->layers = layers;
	m->prunable = score_prunable_count(full);
	net_free(full);
	full = NULL;
	st = groups_build(m->net, &m->groups, err);
	if (st != ENG_STATUS_OK)
		goto fail;
	metrics_from_nnz(m->net, NULL, &m->dense, NULL);
	if (init && (st = worker_model_weights(m, init, err)) != ENG_STATUS_OK)
		goto fail;
	m->id = atomic_fetch_add(&worker_model_ids, 1) + 1;
	int n = snprintf(m->key, sizeof m->key, "%s %dx%dx%d c%d %016" PRIx64,
			 spec->name, spec->input.c, spec->input.h, spec->input.w,
			 spec->classes, cache_spec_hash(spec));
	if (m->init_params && n > 0 && (size_t)n < sizeof m->key) {
		/* Results computed from other weights are other results. */
		uint64_t h = hash_fnv1a_bytes(hash_fnv1a_init(), m->init_params,
					      m->net->n_params * sizeof(float));
		h = hash_fnv1a_bytes(h, m->init_state, m->net->n_state * sizeof(float));
		snprintf(m->key + n, sizeof m->key - (size_t)n, " w%016" PRIx64, h);
	}
	*out = m;
	return ENG_STATUS_OK;
fail:
	net_free(full);
	free((void *)m->init_params);
	free((void *)m->init_state);
	if (m->net) {
		free(m->net->layers);
		free(m->net);
	}
	groups_done(&m->groups);
	net_spec_done(&m->spec);
	free(b);
	return st;
}

/* --- the analytic projection ------------------------------------------- */

enum eng_status worker_model_project(const struct worker_model *m,
				     const struct prune_plan *plan,
				     const size_t *kept,
				     struct worker_projection *out)
{
	memset(out, 0, sizeof *out);
	const struct group_set *gs = &m->groups;
	enum eng_status st = plan_project(m->net, gs, plan, kept, &out->plan);
	if (st != ENG_STATUS_OK) {
		memset(out, 0, sizeof *out);
		return st;
	}
	int changed = 0;
	for (int g = 0; g < gs->n_groups; g++)
		changed += plan_group_changed(gs, plan, g);
	out->dense = m->dense;
	if (kept)
		metrics_from_nnz(m->net, kept, &out->pai, NULL);
	else
		out->pai = m->dense;
	out->changed_groups = changed;
	out->plan_hash = plan_hash(plan);
	return ENG_STATUS_OK;
}
