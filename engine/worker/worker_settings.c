/* worker_settings.c: the worker's settings: the defaults, the range check,
 * the one mapping to and from Reconvene's options, and which jobs a
 * change of settings invalidates (see worker.h, worker_state.h).
 */
#include "config.h"

#include <string.h>

#include "prune/reconvene.h"
#include "train/quickeval.h"
#include "worker/worker.h"
#include "worker/worker_state.h"

void worker_settings_default(struct worker_settings *s)
{
	struct reconvene_options o;
	reconvene_options_init(&o);
	struct quickeval_options q;
	quickeval_options_default(&q);
	memset(s, 0, sizeof *s);
	worker_settings_from_reconvene(&o, s);
	s->budget.steps = q.steps;
	s->budget.batch = q.batch;
	s->budget.train_n = q.train_n;
	s->budget.test_n = q.test_n;
	s->budget.lr = q.lr;
	s->latency_runs = 10;
}

void worker_settings_to_reconvene(const struct worker_settings *s,
				  struct reconvene_options *o)
{
	reconvene_options_init(o);
	o->method = s->method;
	o->sparsity = s->sparsity;
	o->seed = s->seed;
	o->tau = s->tau;
	o->k = s->k;
	o->min_keep = s->min_keep;
	o->align = s->align;
	o->width = s->width;
	o->keep_init = s->keep_init;
	o->synflow_iterations = s->synflow_iterations;
	o->samples_per_class = s->samples_per_class;
}

void worker_settings_from_reconvene(const struct reconvene_options *o,
				    struct worker_settings *s)
{
	s->method = o->method;
	s->sparsity = o->sparsity;
	s->seed = o->seed;
	s->tau = o->tau;
	s->k = o->k;
	s->min_keep = o->min_keep;
	s->align = o->align;
	s->width = o->width;
	s->keep_init = o->keep_init;
	s->synflow_iterations = o->synflow_iterations;
	s->samples_per_class = o->samples_per_class;
}

enum eng_status worker_settings_check(const struct worker_settings *s,
				      struct eng_err *err)
{
	struct reconvene_options o;
	worker_settings_to_reconvene(s, &o);
	enum eng_status st = reconvene_options_check(&o, err);
	if (st != ENG_STATUS_OK)
		return st;
	if (s->width == RECONVENE_WIDTH_BUDGET)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "width budget is for prune and sweeps (it builds and measures "
				   "models); here use density, nnz or sqrt");
	const struct worker_budget *b = &s->budget;
	if (b->steps < 1 || b->batch < 1 || b->train_n < 1 || b->test_n < 1 ||
	    !(b->lr > 0.0f))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "quick-eval budget: steps, batch, sizes and lr must be positive");
	if (s->latency_runs < 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "latency runs must be >= 0");
	return ENG_STATUS_OK;
}

/* Jobs a settings change invalidates. */
unsigned worker_settings_deps(const struct worker_settings *a,
			      const struct worker_settings *b)
{
	unsigned d = 0;
	bool pse = a->method != b->method || a->sparsity != b->sparsity ||
		   a->seed != b->seed || a->synflow_iterations != b->synflow_iterations ||
		   a->samples_per_class != b->samples_per_class;
	bool grid = a->method != b->method || a->seed != b->seed ||
		    a->synflow_iterations != b->synflow_iterations ||
		    a->samples_per_class != b->samples_per_class;
	bool budget = memcmp(&a->budget, &b->budget, sizeof a->budget) != 0;
	if (pse)
		d |= WORKER_JOB_BIT(WORKER_JOB_SCORES) | WORKER_JOB_BIT(WORKER_JOB_AUTO) |
		     WORKER_JOB_BIT(WORKER_JOB_LATENCY) | WORKER_JOB_BIT(WORKER_JOB_QUICKEVAL);
	if (grid)
		d |= WORKER_JOB_BIT(WORKER_JOB_GRID);
	if (a->sparsity != b->sparsity || a->seed != b->seed ||
	    a->synflow_iterations != b->synflow_iterations ||
	    a->samples_per_class != b->samples_per_class || a->tau != b->tau || a->k != b->k)
		d |= WORKER_JOB_BIT(WORKER_JOB_CRITERIA) | WORKER_JOB_BIT(WORKER_JOB_STABILITY);
	if (a->method != b->method || a->min_keep != b->min_keep)
		d |= WORKER_JOB_BIT(WORKER_JOB_STABILITY);
	if (budget)
		d |= WORKER_JOB_BIT(WORKER_JOB_QUICKEVAL);
	if (pse || budget || a->min_keep != b->min_keep || a->keep_init != b->keep_init)
		d |= WORKER_JOB_BIT(WORKER_JOB_PROBE);
	/* The plan's model trains from other weights; its shape is the same. */
	if (a->keep_init != b->keep_init)
		d |= WORKER_JOB_BIT(WORKER_JOB_QUICKEVAL);
	if (a->latency_runs != b->latency_runs || a->min_keep != b->min_keep)
		d |= WORKER_JOB_BIT(WORKER_JOB_LATENCY);
	if (a->min_keep != b->min_keep)
		d |= WORKER_JOB_BIT(WORKER_JOB_QUICKEVAL);
	/* The automatic plan's counts change; the snapshot re-derives it and
	 * the plan's figures follow. */
	if (a->align != b->align || a->width != b->width)
		d |= WORKER_JOB_BIT(WORKER_JOB_AUTO) | WORKER_JOB_BIT(WORKER_JOB_LATENCY) |
		     WORKER_JOB_BIT(WORKER_JOB_QUICKEVAL);
	return d;
}
