/* plan_model.h: what `prune` and `bench` run Reconvene on: the model, its
 * channel groups, the plan file (--plan, or none for --auto) read against
 * them, and the dataset when the method needs one (SNIP, GraSP).
 *
 * Order: the model and plan come first, because the plan's recorded
 * method, sparsity and seed are the defaults (the command line wins, as
 * the given bits of cli_ropts say) and only the method says whether a
 * dataset is needed; then the dataset; then, if its class count differs
 * from the model's, the model and plan again with the dataset's classes.
 *
 * Owns everything in struct cli_plan_model (cli_plan_model_done frees it;
 * a zeroed struct is safe to free).  Errors are printed (one line).
 *
 *   struct cli_plan_model m;
 *   if ((rc = cli_plan_model_open(model, plan, data, given, &o, &m))) return rc;
 *   st = cli_plan_model_run(&m, &o, &r, &err);   // net_init + reconvene_run
 *   ...
 *   cli_plan_model_done(&m);
 */
#ifndef RECONVENE_PLAN_MODEL_H
#define RECONVENE_PLAN_MODEL_H

#include <stdbool.h>

#include "data/data.h"
#include "nn/net.h"
#include "nn/net_spec.h"
#include "prune/groups.h"
#include "prune/plan.h"
#include "prune/reconvene.h"

struct cli_plan_model {
	struct net_spec spec;   /* owned */
	struct net *net;        /* owned: built from spec, weights not set */
	struct group_set gs;    /* owned: of net */
	struct prune_plan plan; /* owned: read from the plan file */
	bool has_plan;          /* a plan file was given */
	struct data_split ds;   /* owned when have_ds */
	bool have_ds;           /* the method needs data and it was loaded */
	const char *model;      /* borrowed: the name it was opened with */
};

/* model: a name or a .cfg path; plan: a plan file or NULL; data: --data
 * or NULL; given: cli_ropts.given (CLI_ROPT_BIT).  The plan's method,
 * sparsity and seed replace o's unless given; its tau and k replace o's.
 * CLI_EXIT_OK, or CLI_EXIT_FAILURE after printing why (*m zeroed). */
int cli_plan_model_open(const char *model, const char *plan, const char *data,
			unsigned given, struct reconvene_options *o,
			struct cli_plan_model *m);
void cli_plan_model_done(struct cli_plan_model *m);

/* model_init(m->model, m->net, o->seed), then reconvene_run on it (the plan, if any,
 * else the automatic selection) with a SynFlow progress bar on stderr. */
enum eng_status cli_plan_model_run(struct cli_plan_model *m,
				   const struct reconvene_options *o,
				   struct reconvene_result *r, struct eng_err *err);

#endif
