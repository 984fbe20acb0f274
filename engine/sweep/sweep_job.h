/* sweep_job.h: running one sweep job: generate the variant's model from
 * fresh weights, measure it, train it with the grid's one budget, test it.
 *
 * The variants (sweep_grid.h), all from net_init(net, seed):
 *   dense      the net as it is; generation time 0
 *   upai       reconvene_pse_run: the global unstructured PaI mask at the
 *              job's method and sparsity, dense shapes
 *   reconvene  reconvene_run with the automatic plan: the composite model
 *              (what `reconvene prune --auto` writes)
 *   uniform    the same Reconvene run gives the size to match (non-zero
 *              parameters, or stored ones with match = params); then
 *              plan_uniform (prune/plan_uniform.h) and plan_apply in REINIT
 *              mode build a dense net with every selected group at the same
 *              kept fraction.  Generation time is the plan search and the
 *              build, not the Reconvene run.
 * Then: metrics_compute (params, non-zero, bytes, MACs), latency_measure
 * at batch 1 on dense kernels (and, for upai, on the CSR kernels), and
 * quickeval_run with the budget (the training subset is quick-eval's fixed
 * draw, the test the first test_n samples, accuracy with a 95 % Wilson
 * interval), with the variant's mask held at zero throughout training.
 *
 * The caller builds net from spec with the dataset's class count, and
 * fills the result's host, blas, threads and finished fields (the engine
 * reads no environment).  Progress goes through the hooks on the calling
 * thread; abort stops between batches (ENG_STATUS_ABORTED).
 *
 * Owns: nothing after return.  Thread rules: one job per net at a time.
 *
 *   struct sweep_result r;
 *   if (sweep_job_run(&grid, &jobs[i], &spec, net, &ds, &hooks, &r, &err)) ...;
 *   sweep_result_write(path, &r, &err);
 */
#ifndef RECONVENE_SWEEP_JOB_H
#define RECONVENE_SWEEP_JOB_H

#include "base/cancel.h"
#include "base/status.h"
#include "data/data.h"
#include "nn/net.h"
#include "nn/net_spec.h"
#include "score/score.h"
#include "sweep/sweep_grid.h"
#include "sweep/sweep_result.h"
#include "train/train.h"

/* Which stage a job is in, for progress lines. */
enum sweep_stage {
	SWEEP_STAGE_GENERATE,
	SWEEP_STAGE_MEASURE,
	SWEEP_STAGE_TRAIN,
};

struct sweep_job_hooks {
	void (*stage)(enum sweep_stage s, void *user); /* may be NULL */
	score_progress_fn score_progress;  /* SynFlow iterations; may be NULL */
	train_progress_fn train_progress;  /* training and test; may be NULL */
	void *user;                        /* for all three */
	const struct cancel *abort;        /* may be NULL */
};

enum eng_status sweep_job_run(const struct sweep_grid *g, const struct sweep_job *job,
			      const struct net_spec *spec, struct net *net,
			      const struct data_split *ds,
			      const struct sweep_job_hooks *hooks,
			      struct sweep_result *r, struct eng_err *err);

#endif
