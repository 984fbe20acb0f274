#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/align_auto.h"
#include "cli/cli.h"
#include "cli/dataset_open.h"
#include "cli/engine_progress.h"
#include "cli/warnings.h"
#include "prune/plan_file.h"
#include "cli/plan_model.h"
#include "cli/progress.h"
#include "cli/reconvene_opts.h"
#include "paths/model_path.h"

void cli_plan_model_done(struct cli_plan_model *m)
{
	plan_done(&m->plan);
	groups_done(&m->gs);
	net_free(m->net);
	net_spec_done(&m->spec);
	if (m->have_ds)
		data_split_done(&m->ds);
	memset(m, 0, sizeof *m);
}

/* Model (classes > 0 replaces the cfg's), groups, plan. */
static int cli_plan_model_load(const char *model, const char *plan, int classes,
			       bool warn, unsigned given, struct reconvene_options *o,
			       struct cli_plan_model *m)
{
	struct model_overrides ovr = {
		.classes = classes,
		.batch = classes > 0 ? o->samples_per_class * classes : 1 };
	char why[1024];
	if (model_load(model, &ovr, &m->spec, &m->net, why, sizeof why) != 0) {
		cli_error("%s", why);
		return CLI_EXIT_FAILURE;
	}
	m->model = model;
	if (warn)
		cli_print_warnings(&m->spec);
	struct eng_err err;
	if (groups_build(m->net, &m->gs, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	if (!plan)
		return CLI_EXIT_OK;
	struct plan_file_info info;
	m->has_plan = true;
	if (plan_file_read(plan, m->net, &m->gs, o->min_keep, &m->plan, &info,
				&err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	/* The plan records how it was made: its settings are the defaults,
	 * the command line wins. */
	if (!(given & CLI_ROPT_BIT(CLI_ROPT_METHOD)) && info.has_method)
		o->method = info.method;
	if (!(given & CLI_ROPT_BIT(CLI_ROPT_SPARSITY)) && info.has_sparsity)
		o->sparsity = info.sparsity;
	if (!(given & CLI_ROPT_BIT(CLI_ROPT_SEED)) && info.has_seed)
		o->seed = info.seed;
	if (info.has_tau)
		o->tau = info.tau;
	if (info.has_k)
		o->k = info.k;
	return CLI_EXIT_OK;
}

int cli_plan_model_open(const char *model, const char *plan, const char *data,
			unsigned given, struct reconvene_options *o,
			struct cli_plan_model *m)
{
	memset(m, 0, sizeof *m);
	int rc = cli_plan_model_load(model, plan, 0, true, given, o, m);
	if (rc == CLI_EXIT_OK)
		rc = cli_score_data_open(data, o->method, &m->ds, &m->have_ds);
	if (rc == CLI_EXIT_OK && m->have_ds && m->ds.train.classes != m->net->classes) {
		struct cli_plan_model again = { .ds = m->ds, .have_ds = true };
		m->have_ds = false;
		cli_plan_model_done(m);
		*m = again;
		rc = cli_plan_model_load(model, plan, m->ds.train.classes, false, given, o, m);
	}
	if (rc != CLI_EXIT_OK)
		cli_plan_model_done(m);
	return rc;
}

enum eng_status cli_plan_model_run(struct cli_plan_model *m,
				   const struct reconvene_options *o,
				   struct reconvene_result *r, struct eng_err *err)
{
	struct reconvene_options ro = *o;
	struct progress_line bar;
	char why[ENG_ERR_MAX];
	if (model_init(m->model, m->net, ro.seed, why, sizeof why) < 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s", why);
	if (ro.method == SCORE_METHOD_SYNFLOW) {
		progress_init(&bar, stderr, "synflow", "it/s");
		ro.progress = cli_score_on_progress;
		ro.progress_user = &bar;
	}
	struct cli_align_auto aa;
	bool align_auto = ro.align == RECONVENE_ALIGN_AUTO;
	if (align_auto) {
		cli_align_auto_init(&aa, &m->spec, false);
		ro.align_width = cli_align_auto_width;
		ro.align_user = &aa;
	}
	enum eng_status st = reconvene_run(m->net, &m->spec, m->have_ds ? &m->ds : NULL,
					   &ro, m->has_plan ? &m->plan : NULL, r, err);
	if (ro.progress)
		progress_finish(&bar);
	if (align_auto) {
		if (st == ENG_STATUS_OK)
			fprintf(stderr, "--align auto: %d staircase%s measured, %d from the cache "
				"(%d thread%s)\n", aa.measured, aa.measured == 1 ? "" : "s",
				aa.cached, aa.threads, aa.threads == 1 ? "" : "s");
		cli_align_auto_done(&aa);
	}
	return st;
}
