/* worker_job_stability.c: the STABILITY job: stability_run with
 * WORKER_STABILITY_RUNS runs on the working net (the settings' seed's
 * weights, or the model's own) at the current settings.  Not cached on
 * disk (several kinds of array; it is a few scorings, recomputed when the
 * user asks again).  Worker thread only.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "prune/reconvene.h"
#include "prune/stability.h"
#include "worker/worker.h"
#include "worker/worker_state.h"

static void stab_progress(int done, int total, void *user)
{
	worker_progress(user, "stability", done, total);
}

enum eng_status worker_job_stability(struct worker *w, struct eng_err *err)
{
	char key[WORKER_KEY_MAX];
	worker_stability_key(w, key, sizeof key);
	if (w->stab.n_runs > 0 && strcmp(key, w->stab_key) == 0)
		return ENG_STATUS_OK;
	enum eng_status st = worker_net_ready(w, err);
	if (st)
		return st;
	struct reconvene_options o;
	worker_settings_to_reconvene(&w->set, &o);
	o.abort = &w->abort[WORKER_JOB_STABILITY];
	o.progress = stab_progress;
	o.progress_user = w;
	struct stability s;
	/* a model with its own weights: those are the user's, not a seed's */
	st = stability_run(w->net, w->data, &w->model->groups, &o, WORKER_STABILITY_RUNS,
			   w->model->init_params == NULL, &s, err);
	/* stability_run restored the net's weights: still net_init(net_seed) */
	if (st)
		return st;
	stability_done(&w->stab);
	w->stab = s;
	snprintf(w->stab_key, sizeof w->stab_key, "%s", key);
	return ENG_STATUS_OK;
}
