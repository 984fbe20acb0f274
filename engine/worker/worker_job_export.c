/* worker_job_export.c: the EXPORT job (worker_export): re-score a freshly
 * initialised net at the current settings, build the plan's Reconvene net
 * and write exactly what `reconvene prune --plan P --out DIR` writes, plus
 * DIR/heatmap.png.  Its arguments come from the mailbox when the job
 * starts (struct worker_export_args).  Worker thread only, except
 * worker_export_args_done (whoever owns the arguments).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/warn.h"
#include "nn/net.h"
#include "output/bundle.h"
#include "output/heatmap.h"
#include "prune/plan.h"
#include "prune/reconvene.h"
#include "score/score.h"
#include "worker/worker.h"
#include "worker/worker_state.h"

void worker_export_args_done(struct worker_export_args *x)
{
	plan_done(&x->plan);
	free(x->dir);
	memset(x, 0, sizeof *x);
}

/* The export: re-score a fresh net at the current settings, build the
 * plan's Reconvene net, write the bundle and its heatmap. */
enum eng_status worker_job_export(struct worker *w, struct eng_err *err)
{
	const struct worker_model *m = w->model;
	struct worker_export_args *x = &w->export;
	struct worker_job_status *st = &w->st[WORKER_JOB_EXPORT];
	if (!x->dir)
		return eng_err_set(err, ENG_STATUS_EINVAL, "export: nothing to export");
	enum eng_status s = plan_validate(&m->groups, &x->plan, w->set.min_keep, err);
	if (s != ENG_STATUS_OK)
		return s;
	struct reconvene_options o;
	worker_settings_to_reconvene(&w->set, &o);
	o.progress = worker_score_progress;
	o.progress_user = w;
	o.abort = &w->abort[w->cur_job];
	if (score_method_needs_data(o.method) && !w->data)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s scores need a dataset",
				   score_method_name(o.method));
	struct net *net = NULL;
	struct reconvene_result r;
	memset(&r, 0, sizeof r);
	s = net_build(&m->spec, &net, err);
	if (s != ENG_STATUS_OK)
		return s;
	worker_model_init_net(m, net, o.seed);
	snprintf(st->phase, sizeof st->phase, "export: scoring (%s)",
		 score_method_name(o.method));
	worker_publish(w);
	s = reconvene_run(net, &m->spec, score_method_needs_data(o.method) ? w->data : NULL,
			  &o, &x->plan, &r, err);
	if (s == ENG_STATUS_OK && worker_aborted(w, WORKER_JOB_EXPORT))
		s = ENG_STATUS_ABORTED;
	if (s == ENG_STATUS_OK) {
		snprintf(st->phase, sizeof st->phase, "export: writing");
		worker_publish(w);
		s = bundle_save(&r, &o, m->net->name, x->dir, err);
	}
	if (s == ENG_STATUS_OK) {
		char png[4096], warn[ENG_WARN_MAX] = "";
		snprintf(png, sizeof png, "%s/heatmap.png", x->dir);
		struct eng_warn_last last = { warn, sizeof warn };
		struct eng_warn sink = { eng_warn_last_keep, &last };
		struct eng_err perr = { "" };
		bool have_png = heatmap_channels_png(net, &r, &o, &x->style, png, &sink,
						     &perr) == ENG_STATUS_OK;
		snprintf(st->msg, sizeof st->msg,
			 "exported to %s/: model.cfg, model.safetensors, plan.json%s "
			 "(%d groups changed)%s%s", x->dir, have_png ? ", heatmap.png" : "",
			 r.n_changed, have_png ? (warn[0] ? "; " : "") : "; no heatmap: ",
			 have_png ? warn : perr.msg);
	}
	reconvene_result_done(&r);
	net_free(net);
	return s;
}
