/* worker_job_scores.c: the SCORES and AUTO job: the PSE entry (PaI mask,
 * kept counts, densities, channel scores and group importance) of the
 * current settings, taken from the cache or computed on the working net,
 * and its cache encoding.  The automatic plan and the resilient layers are
 * derived from the entry when a snapshot is built (worker_snapshot.c), so
 * a tau / k / min_keep change needs no rescoring.  Worker thread only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/net.h"
#include "prune/reconvene.h"
#include "score/score.h"
#include "worker/cache.h"
#include "worker/worker.h"
#include "worker/worker_state.h"

void worker_pse_free(struct worker_pse *p)
{
	if (!p)
		return;
	free(p->mask);
	free(p->kept);
	free(p->density);
	free(p->chan_n);
	free(p->chan_off);
	free(p->chan);
	free(p->imp);
	free(p->imp_flat);
	free(p);
}

static struct worker_pse *worker_pse_alloc(const struct worker_model *m)
{
	struct worker_pse *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	const struct net *net = m->net;
	size_t nlz = net->n_layers ? (size_t)net->n_layers : 1;
	p->n_layers = net->n_layers;
	p->n_groups = m->groups.n_groups;
	p->n_params = net->n_params;
	p->mask = malloc(net->n_params ? net->n_params : 1);
	p->kept = calloc(nlz, sizeof *p->kept);
	p->density = calloc(nlz, sizeof *p->density);
	p->chan_n = calloc(nlz, sizeof *p->chan_n);
	p->chan_off = calloc(nlz, sizeof *p->chan_off);
	p->imp = calloc(p->n_groups ? (size_t)p->n_groups : 1, sizeof *p->imp);
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		p->chan_off[i] = p->chan_len;
		if (score_layer_is_prunable(l)) {
			p->chan_n[i] = l->out.c;
			p->chan_len += (size_t)l->out.c;
		}
	}
	for (int g = 0; g < m->groups.n_groups; g++)
		if (m->groups.groups[g].prunable)
			p->imp_len += (size_t)m->groups.groups[g].channels;
	p->chan = calloc(p->chan_len ? p->chan_len : 1, sizeof *p->chan);
	p->imp_flat = calloc(p->imp_len ? p->imp_len : 1, sizeof *p->imp_flat);
	if (!p->mask || !p->kept || !p->density || !p->chan_n || !p->chan_off ||
	    !p->imp || !p->chan || !p->imp_flat) {
		worker_pse_free(p);
		return NULL;
	}
	size_t off = 0;
	for (int g = 0; g < m->groups.n_groups; g++) {
		if (!m->groups.groups[g].prunable)
			continue;
		p->imp[g] = p->imp_flat + off;
		off += (size_t)m->groups.groups[g].channels;
	}
	return p;
}

static void worker_pse_density(const struct worker_model *m, struct worker_pse *p)
{
	for (int i = 0; i < m->net->n_layers; i++) {
		const struct layer *l = &m->net->layers[i];
		p->density[i] = score_layer_is_prunable(l) ?
			(double)p->kept[i] / (double)l->w_len : -1.0;
	}
}

/* Payload: u64 n_params, n_layers, n_groups, chan_len, imp_len; u64
 * kept[n_layers]; f32 chan[chan_len]; f32 imp[imp_len]; mask as a bitmap. */
static void *worker_pse_encode(const struct worker_pse *p, size_t *len)
{
	size_t bits = (p->n_params + 7) / 8;
	size_t n = 5 * 8 + (size_t)p->n_layers * 8 + (p->chan_len + p->imp_len) * 4 + bits;
	unsigned char *buf = calloc(1, n);
	if (!buf)
		return NULL;
	unsigned char *q = buf;
	uint64_t h[5] = { p->n_params, (uint64_t)p->n_layers, (uint64_t)p->n_groups,
			  p->chan_len, p->imp_len };
	memcpy(q, h, sizeof h);
	q += sizeof h;
	for (int i = 0; i < p->n_layers; i++) {
		uint64_t k = p->kept[i];
		memcpy(q, &k, 8);
		q += 8;
	}
	memcpy(q, p->chan, p->chan_len * 4);
	q += p->chan_len * 4;
	memcpy(q, p->imp_flat, p->imp_len * 4);
	q += p->imp_len * 4;
	for (size_t j = 0; j < p->n_params; j++)
		if (p->mask[j])
			q[j / 8] |= (unsigned char)(1u << (j % 8));
	*len = n;
	return buf;
}

/* Never trust a payload: every count must match the model and the mask
 * must agree with the kept counts. */
static struct worker_pse *worker_pse_decode(const struct worker_model *m,
					    const unsigned char *buf, size_t n)
{
	struct worker_pse *p = worker_pse_alloc(m);
	if (!p)
		return NULL;
	size_t bits = (p->n_params + 7) / 8;
	size_t want = 5 * 8 + (size_t)p->n_layers * 8 + (p->chan_len + p->imp_len) * 4 + bits;
	uint64_t h[5];
	if (n != want)
		goto bad;
	memcpy(h, buf, sizeof h);
	if (h[0] != p->n_params || h[1] != (uint64_t)p->n_layers ||
	    h[2] != (uint64_t)p->n_groups || h[3] != p->chan_len || h[4] != p->imp_len)
		goto bad;
	const unsigned char *q = buf + sizeof h;
	for (int i = 0; i < p->n_layers; i++) {
		uint64_t k;
		memcpy(&k, q, 8);
		q += 8;
		p->kept[i] = (size_t)k;
	}
	memcpy(p->chan, q, p->chan_len * 4);
	q += p->chan_len * 4;
	memcpy(p->imp_flat, q, p->imp_len * 4);
	q += p->imp_len * 4;
	for (size_t j = 0; j < p->n_params; j++)
		p->mask[j] = (q[j / 8] >> (j % 8)) & 1u;
	/* the shape-only net has no params pointer: walk the layout (weight
	 * then bias, layer by layer) by hand */
	bool ok = true;
	size_t off = 0;
	for (int i = 0; i < p->n_layers && ok; i++) {
		const struct layer *l = &m->net->layers[i];
		size_t ones = 0;
		for (size_t j = 0; j < l->w_len; j++)
			ones += p->mask[off + j];
		if (score_layer_is_prunable(l))
			ok = ones == p->kept[i];
		else
			ok = p->kept[i] == 0 && ones == l->w_len;
		for (size_t j = 0; ok && j < l->b_len; j++)
			ok = p->mask[off + l->w_len + j] == 1;
		off += l->w_len + l->b_len;
	}
	if (!ok || off != p->n_params)
		goto bad;
	worker_pse_density(m, p);
	return p;
bad:
	worker_pse_free(p);
	return NULL;
}

static enum eng_status worker_pse_compute(struct worker *w, struct worker_pse **out,
					  struct eng_err *err)
{
	*out = NULL;
	const struct worker_model *m = w->model;
	if (score_method_needs_data(w->set.method) && !w->data)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s scores need a dataset",
				   score_method_name(w->set.method));
	enum eng_status st = worker_net_ready(w, err);
	if (st != ENG_STATUS_OK)
		return st;
	struct reconvene_options o;
	worker_settings_to_reconvene(&w->set, &o);
	o.progress = worker_score_progress;
	o.progress_user = w;
	o.abort = &w->abort[w->cur_job];
	struct reconvene_pse r;
	st = reconvene_pse_run(w->net, w->data, &o, &r, err);
	if (st != ENG_STATUS_OK)
		return st;
	struct worker_pse *p = worker_pse_alloc(m);
	float **imp = NULL;
	if (!p) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(p->mask, r.mask, r.n_params);
	memcpy(p->kept, r.kept, (size_t)r.n_layers * sizeof *p->kept);
	worker_pse_density(m, p);
	for (int i = 0; i < p->n_layers; i++)
		if (p->chan_n[i])
			score_channel_scores(w->net, r.scores, i, p->chan + p->chan_off[i]);
	st = reconvene_importance(w->net, &m->groups, r.scores, NULL, &imp, err);
	if (st != ENG_STATUS_OK)
		goto done;
	for (int g = 0; g < p->n_groups; g++)
		if (p->imp[g] && imp[g])
			memcpy(p->imp[g], imp[g],
			       (size_t)m->groups.groups[g].channels * sizeof(float));
	*out = p;
	p = NULL;
done:
	reconvene_importance_free(imp, m->groups.n_groups);
	reconvene_pse_done(&r);
	worker_pse_free(p);
	return st;
}

/* Make w->pse hold the PSE of the current settings (cache, else compute). */
enum eng_status worker_pse_ensure(struct worker *w, struct eng_err *err)
{
	char key[WORKER_KEY_MAX];
	worker_pse_key(w, key, sizeof key);
	if (w->pse && strcmp(w->pse->key, key) == 0)
		return ENG_STATUS_OK;
	void *buf;
	size_t len;
	struct worker_pse *p = NULL;
	if (cache_get(w->cache, key, &buf, &len)) {
		p = worker_pse_decode(w->model, buf, len);
		free(buf);
		if (!p)
			worker_warn(w, "cache: scores entry does not fit %s; recomputing",
				    w->model->spec.name);
		else
			p->cached = true;
	}
	if (!p) {
		snprintf(w->st[w->cur_job].phase, WORKER_PHASE_MAX, "scoring (%s)",
			 score_method_name(w->set.method));
		enum eng_status st = worker_pse_compute(w, &p, err);
		if (st != ENG_STATUS_OK)
			return st;
		void *enc = worker_pse_encode(p, &len);
		if (enc) {
			cache_put(w->cache, key, enc, len);
			free(enc);
		}
	}
	snprintf(p->key, sizeof p->key, "%s", key);
	p->method = w->set.method;
	p->sparsity = w->set.sparsity;
	p->seed = w->set.seed;
	worker_pse_free(w->pse);
	w->pse = p;
	return ENG_STATUS_OK;
}

enum eng_status worker_job_scores(struct worker *w, struct eng_err *err)
{
	return worker_pse_ensure(w, err);
}
