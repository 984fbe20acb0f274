/* sweep_job.c: one sweep job from fresh weights to a result (see
 * sweep_job.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "measure/latency.h"
#include "measure/metrics.h"
#include "prune/groups.h"
#include "prune/plan.h"
#include "prune/plan_uniform.h"
#include "prune/reconvene.h"
#include "sweep/sweep_job.h"
#include "train/quickeval.h"

static double sweep_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void sweep_stage(const struct sweep_job_hooks *h, enum sweep_stage s)
{
	if (h && h->stage)
		h->stage(s, h->user);
}

/* Everything a job holds while it runs. */
struct sweep_work {
	struct reconvene_pse pse;
	struct reconvene_result rr;
	struct group_set gs;
	struct prune_plan plan;
	bool have_plan;
	struct plan_result pr;
	struct net *net;          /* the net to measure and train (borrowed) */
	const uint8_t *mask;      /* its mask or NULL (borrowed) */
};

static void sweep_work_done(struct sweep_work *w)
{
	reconvene_pse_done(&w->pse);
	reconvene_result_done(&w->rr);
	groups_done(&w->gs);
	if (w->have_plan)
		plan_done(&w->plan);
	plan_result_done(&w->pr);
}

/* The variant's model in w; r->generate_seconds, groups_changed and the
 * uniform fields. */
static enum eng_status sweep_generate(const struct sweep_variant *v,
				      const struct net_spec *spec, struct net *net,
				      const struct data_split *ds,
				      const struct reconvene_options *ro,
				      struct sweep_work *w, struct sweep_result *r,
				      struct eng_err *err)
{
	double t0 = sweep_now();
	enum eng_status st = ENG_STATUS_OK;
	w->net = net;
	switch (v->kind) {
	case SWEEP_KIND_DENSE:
	case SWEEP_KIND_COUNT:
		break;
	case SWEEP_KIND_UPAI:
		st = reconvene_pse_run(net, ds, ro, &w->pse, err);
		w->mask = w->pse.mask;
		break;
	case SWEEP_KIND_RECONVENE:
		st = reconvene_run(net, spec, ds, ro, NULL, &w->rr, err);
		w->net = w->rr.net;
		w->mask = w->rr.mask;
		r->groups_changed = w->rr.n_changed;
		break;
	case SWEEP_KIND_UNIFORM: {
		if ((st = reconvene_run(net, spec, ds, ro, NULL, &w->rr, err)))
			break;
		struct metrics m;
		metrics_compute(w->rr.net, w->rr.mask, &m, NULL);
		r->uniform_target = v->match == SWEEP_MATCH_PARAMS ? m.params : m.nonzero;
		reconvene_result_done(&w->rr);
		t0 = sweep_now();
		struct plan_uniform_info info;
		if ((st = groups_build(net, &w->gs, err)) ||
		    (st = plan_uniform(net, &w->gs, (size_t)r->uniform_target,
				       ro->include_residual, ro->min_keep, &w->plan,
				       &info, err)))
			break;
		w->have_plan = true;
		r->uniform_fraction = info.fraction;
		struct plan_apply_options po = { .mode = PLAN_MODE_REINIT, .seed = ro->seed,
						 .min_keep = ro->min_keep };
		if ((st = plan_apply(net, spec, &w->gs, &w->plan, &po, &w->pr, err)))
			break;
		w->net = w->pr.net;
		r->groups_changed = w->pr.n_changed;
		break;
	}
	}
	r->generate_seconds = v->kind == SWEEP_KIND_DENSE ? 0.0 : sweep_now() - t0;
	return st;
}

static enum eng_status sweep_latency(const struct sweep_budget *b, struct net *net,
				     const uint8_t *mask, enum latency_variant lv,
				     const struct cancel *abort,
				     struct latency_result *lr, struct eng_err *err)
{
	struct latency_options lo;
	latency_options_init(&lo);
	lo.min_ms = b->latency_ms;
	lo.min_runs = b->latency_runs;
	if (lo.max_runs < lo.min_runs)
		lo.max_runs = lo.min_runs;
	lo.max_ms = fmax(lo.max_ms, 10.0 * b->latency_ms);
	lo.abort = abort;
	return latency_measure(net, mask, lv, &lo, lr, err);
}

enum eng_status sweep_job_run(const struct sweep_grid *g, const struct sweep_job *job,
			      const struct net_spec *spec, struct net *net,
			      const struct data_split *ds,
			      const struct sweep_job_hooks *h,
			      struct sweep_result *r, struct eng_err *err)
{
	double t_job = sweep_now();
	const struct sweep_variant *v = &g->variants[job->variant];
	const struct sweep_budget *b = &g->budget;
	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", job->id);
	r->config_hash = job->config_hash;
	sweep_model_label(g->models[job->model], r->model, sizeof r->model);
	snprintf(r->variant, sizeof r->variant, "%s", v->name);
	r->kind = v->kind;
	if (v->kind != SWEEP_KIND_DENSE) {
		snprintf(r->method, sizeof r->method, "%s", score_method_name(job->method));
		r->sparsity = job->sparsity;
	}
	r->seed = job->seed;
	snprintf(r->dataset, sizeof r->dataset, "%s", ds->name);
	r->synthetic = ds->synthetic;
	r->latency_sparse_ms = NAN;

	struct reconvene_options ro = v->ro;
	ro.method = job->method;
	ro.sparsity = v->kind == SWEEP_KIND_DENSE ? RECONVENE_SPARSITY_DEFAULT : job->sparsity;
	ro.seed = job->seed;
	ro.progress = h ? h->score_progress : NULL;
	ro.progress_user = h ? h->user : NULL;
	ro.abort = h ? h->abort : NULL;

	struct sweep_work w = { 0 };
	sweep_stage(h, SWEEP_STAGE_GENERATE);
	net_init(net, job->seed);
	enum eng_status st = sweep_generate(v, spec, net, ds, &ro, &w, r, err);
	if (st != ENG_STATUS_OK)
		goto out;

	sweep_stage(h, SWEEP_STAGE_MEASURE);
	struct metrics m;
	metrics_compute(w.net, w.mask, &m, NULL);
	r->params = m.params;
	r->nonzero = m.nonzero;
	r->dense_bytes = m.dense_bytes;
	r->storage_bytes = m.storage_bytes;
	r->macs = m.macs;
	r->effective_macs = m.effective_macs;
	struct latency_result lr;
	st = sweep_latency(b, w.net, w.mask, w.mask ? LATENCY_VARIANT_MASKED :
			   LATENCY_VARIANT_DENSE, ro.abort, &lr, err);
	if (st != ENG_STATUS_OK)
		goto out;
	r->latency_ms = lr.median_ms;
	r->latency_p10_ms = lr.p10_ms;
	r->latency_p90_ms = lr.p90_ms;
	r->latency_runs = lr.runs;
	if (v->kind == SWEEP_KIND_UPAI) {
		st = sweep_latency(b, w.net, w.mask, LATENCY_VARIANT_SPARSE, ro.abort,
				   &lr, err);
		if (st != ENG_STATUS_OK)
			goto out;
		r->latency_sparse_ms = lr.median_ms;
	}

	sweep_stage(h, SWEEP_STAGE_TRAIN);
	struct quickeval_options qo;
	quickeval_options_default(&qo);
	qo.batch = b->batch;
	qo.train_n = b->train_n > 0 && b->train_n < ds->train.n ? b->train_n : ds->train.n;
	qo.test_n = b->test_n > 0 && b->test_n < ds->test.n ? b->test_n : ds->test.n;
	qo.steps = b->steps > 0 ? b->steps
				: (long)b->epochs * train_steps_per_epoch(qo.train_n, b->batch);
	qo.lr = (float)b->lr;
	qo.momentum = (float)b->momentum;
	qo.weight_decay = (float)b->wd;
	qo.schedule = b->schedule;
	qo.warmup_steps = b->warmup;
	qo.seed = job->seed;
	qo.init = false;
	qo.mask = w.mask;
	qo.curve_every = qo.steps >= 100 ? (int)(qo.steps / 100) : 1;
	qo.progress = h ? h->train_progress : NULL;
	qo.user = h ? h->user : NULL;
	qo.abort = ro.abort;
	struct quickeval_result qr;
	st = quickeval_run(w.net, ds, &qo, &qr, err);
	if (st != ENG_STATUS_OK)
		goto out;
	r->train_n = qo.train_n;
	r->test_n = qr.test_n;
	r->steps = qr.steps;
	r->batch = qo.batch;
	r->accuracy = qr.accuracy;
	r->ci_lo = qr.ci_lo;
	r->ci_hi = qr.ci_hi;
	r->correct = qr.correct;
	r->test_loss = qr.loss;
	r->train_loss = qr.curve_len ? qr.curve[qr.curve_len - 1] : NAN;
	r->train_seconds = qr.train_seconds;
	r->test_seconds = qr.seconds - qr.train_seconds;
	quickeval_result_done(&qr);
	r->job_seconds = sweep_now() - t_job;
out:
	sweep_work_done(&w);
	return st;
}
