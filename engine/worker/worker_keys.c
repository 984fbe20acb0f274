/* worker_keys.c: the names of jobs and variants, and the keys: everything
 * a result depends on, as text ("pse v1 m=[...] method=synflow ...").  The
 * cache stores results under these keys; a snapshot marks a result stale
 * when its key differs from the one the current state gives; an auto job
 * runs again when its state key changed (see worker_state.h).  The
 * cache names and checks its entries by this text, so any change to it
 * orphans every cached entry of that kind.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/hash.h"
#include "prune/plan.h"
#include "score/score.h"
#include "base/blas_info.h"
#include "nn/conv3x3.h"
#include "worker/worker.h"
#include "worker/worker_state.h"

const char *worker_job_name(enum worker_job j)
{
	static const char *const names[WORKER_JOB_COUNT] = {
		"scores", "auto", "latency", "quickeval", "grid", "widths", "criteria",
		"stability", "probe", "export",
	};
	return (int)j >= 0 && j < WORKER_JOB_COUNT ? names[j] : "?";
}

const char *worker_variant_name(enum worker_variant v)
{
	static const char *const names[WORKER_VARIANT_COUNT] = {
		"dense", "pai", "pai-csr", "plan",
	};
	return (int)v >= 0 && v < WORKER_VARIANT_COUNT ? names[v] : "?";
}

/* Keys: everything a result depends on, as text.  The model key covers the
 * architecture; the dataset matters for SNIP / GraSP scores and for every
 * quick-eval. */
static void worker_data_id(const struct worker *w, char *buf, size_t n)
{
	if (!w->data)
		snprintf(buf, n, "none");
	else
		snprintf(buf, n, "%.40s:%016" PRIx64 ":%d:%d", w->data->name,
			 hash_fnv1a_bytes(hash_fnv1a_init(), w->data->source,
					  strnlen(w->data->source, sizeof w->data->source)),
			 w->data->train.n, w->data->test.n);
}

void worker_pse_key(const struct worker *w, char *buf, size_t n)
{
	const struct worker_settings *s = &w->set;
	char data[96];
	if (score_method_needs_data(s->method))
		worker_data_id(w, data, sizeof data);
	else
		snprintf(data, sizeof data, "-");
	snprintf(buf, n, "pse v1 m=[%s] method=%s sparsity=%.17g seed=%" PRIu64
		 " it=%d spc=%d data=%s", w->model->key,
		 score_method_name(s->method), s->sparsity, s->seed,
		 s->method == SCORE_METHOD_SYNFLOW ? s->synflow_iterations : 0,
		 score_method_needs_data(s->method) ? s->samples_per_class : 0, data);
}

void worker_grid_key(const struct worker *w, char *buf, size_t n)
{
	const struct worker_settings *s = &w->set;
	char data[96];
	if (score_method_needs_data(s->method))
		worker_data_id(w, data, sizeof data);
	else
		snprintf(data, sizeof data, "-");
	snprintf(buf, n, "grid v1 m=[%s] method=%s seed=%" PRIu64 " it=%d spc=%d data=%s",
		 w->model->key, score_method_name(s->method), s->seed,
		 s->method == SCORE_METHOD_SYNFLOW ? s->synflow_iterations : 0,
		 score_method_needs_data(s->method) ? s->samples_per_class : 0, data);
}

void worker_criteria_key(const struct worker *w, char *buf, size_t n)
{
	const struct worker_settings *s = &w->set;
	char data[96];
	worker_data_id(w, data, sizeof data);
	snprintf(buf, n, "criteria v1 m=[%s] sparsity=%.17g seed=%" PRIu64
		 " it=%d spc=%d tau=%.17g k=%d data=%s", w->model->key, s->sparsity, s->seed,
		 s->synflow_iterations, s->samples_per_class, s->tau, s->k, data);
}

void worker_stability_key(const struct worker *w, char *buf, size_t n)
{
	char crit[WORKER_KEY_MAX];
	worker_criteria_key(w, crit, sizeof crit);
	snprintf(buf, n, "stability v1 runs=%d method=%s mk=%d residual=0 %s",
		 WORKER_STABILITY_RUNS, score_method_name(w->set.method), w->set.min_keep,
		 crit + strlen("criteria v1 "));
}

/* The probe's channel choice comes from the PaI scores (the SCORES key),
 * its keep counts from min_keep, its figures from the quick-eval budget
 * on the dataset. */
void worker_probe_key(const struct worker *w, char *buf, size_t n)
{
	const struct worker_settings *s = &w->set;
	char pse[WORKER_KEY_MAX / 2], data[96];
	worker_pse_key(w, pse, sizeof pse);
	worker_data_id(w, data, sizeof data);
	snprintf(buf, n, "probe v1 n=%d mk=%d%s steps=%ld batch=%d train=%d test=%d lr=%.9g "
		 "data=%s [%s]", GROUP_PROBE_N, s->min_keep, s->keep_init ? " keep" : "",
		 s->budget.steps, s->budget.batch, s->budget.train_n, s->budget.test_n,
		 (double)s->budget.lr, data, pse);
}

void worker_variant_key(const struct worker *w, enum worker_job j,
			enum worker_variant v, char *buf, size_t n)
{
	const struct worker_settings *s = &w->set;
	char pse[512], tail[256];
	if (v == WORKER_VARIANT_DENSE)
		snprintf(pse, sizeof pse, "m=[%s] seed=%" PRIu64, w->model->key, s->seed);
	else
		worker_pse_key(w, pse, sizeof pse);
	char plan[64] = "";
	if (v == WORKER_VARIANT_PLAN)
		snprintf(plan, sizeof plan, " plan=%016" PRIx64 " mk=%d%s",
			 plan_hash(&w->plan), s->min_keep,
			 j != WORKER_JOB_LATENCY && s->keep_init ? " keep" : "");
	if (j == WORKER_JOB_LATENCY) {
		/* The kernels change every time (SSE3 against AVX-512: 2-5x;
		 * the direct 3x3 kernels' AVX2 against AVX-512: 1.4-2x). */
		snprintf(tail, sizeof tail, "threads=%d runs=%d blas=%s conv3x3=%s", w->threads,
			 s->latency_runs, blas_core_name(), conv3x3_isa_name(conv3x3_best_isa()));
	} else {
		char data[96];
		worker_data_id(w, data, sizeof data);
		snprintf(tail, sizeof tail, "steps=%ld batch=%d train=%d test=%d lr=%.9g data=%s",
			 s->budget.steps, s->budget.batch, s->budget.train_n,
			 s->budget.test_n, (double)s->budget.lr, data);
	}
	snprintf(buf, n, "%s v1 %s [%s]%s %s", j == WORKER_JOB_LATENCY ? "lat" : "qe",
		 worker_variant_name(v), pse, plan, tail);
}

bool worker_variant_used(enum worker_job j, enum worker_variant v)
{
	return j == WORKER_JOB_LATENCY || v != WORKER_VARIANT_PAI_CSR;
}

/* The key a job's next run would have: auto jobs run when it changed. */
void worker_state_key(const struct worker *w, enum worker_job j,
		      char *buf, size_t n)
{
	buf[0] = '\0';
	if (!w->model)
		return;
	if (j == WORKER_JOB_SCORES || j == WORKER_JOB_AUTO) {
		worker_pse_key(w, buf, n);
	} else if (j == WORKER_JOB_EXPORT) {
		snprintf(buf, n, "export");
	} else if (j == WORKER_JOB_WIDTHS) {
		snprintf(buf, n, "widths m=[%s] g=%d threads=%d", w->model->key, w->widths_group,
			 w->threads);
	} else if (j == WORKER_JOB_GRID) {
		worker_grid_key(w, buf, n);
	} else if (j == WORKER_JOB_CRITERIA) {
		worker_criteria_key(w, buf, n);
	} else if (j == WORKER_JOB_STABILITY) {
		worker_stability_key(w, buf, n);
	} else if (j == WORKER_JOB_PROBE) {
		worker_probe_key(w, buf, n);
	} else {
		size_t used = 0;
		for (int v = 0; v < WORKER_VARIANT_COUNT; v++) {
			if (!worker_variant_used(j, (enum worker_variant)v))
				continue;
			char k[WORKER_KEY_MAX];
			worker_variant_key(w, j, (enum worker_variant)v, k, sizeof k);
			int len = snprintf(buf + used, n - used, "%s|", k);
			if (len < 0 || (size_t)len >= n - used)
				break;
			used += (size_t)len;
		}
	}
}
