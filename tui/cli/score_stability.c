/* score_stability.c: `reconvene score --stability N` (score_stability.h). */
#include "config.h"

#include "cli/score_stability.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/engine_progress.h"
#include "cli/progress.h"
#include "prune/groups.h"
#include "prune/stability.h"
#include "score/score.h"

/* Mean, min and max of layer i's density over the runs. */
static void stab_density(const struct stability *s, int i, double *mean, double *lo, double *hi)
{
	double sum = 0.0;
	*lo = 2.0;
	*hi = -1.0;
	for (int r = 0; r < s->n_runs; r++) {
		double d = s->density[(size_t)r * (size_t)s->n_layers + (size_t)i];
		sum += d;
		*lo = d < *lo ? d : *lo;
		*hi = d > *hi ? d : *hi;
	}
	*mean = sum / s->n_runs;
}

static void stab_table(const struct net *net, const struct group_set *gs,
		       const struct reconvene_options *o, const struct stability *s)
{
	printf("%s: stability of the Reconvene plan, %s, sparsity %g, ", net->name,
	       score_method_name(o->method), o->sparsity);
	if (o->k > 0)
		printf("the %d sparsest layers", o->k);
	else
		printf("tau %g", o->tau);
	printf(", %d runs\n", s->n_runs);
	if (s->init_runs)
		printf("density and resilient (R): over initialisations with seeds %" PRIu64
		       "..%" PRIu64 "; FLIPS: resilient in some runs only\n", o->seed,
		       o->seed + (uint64_t)s->n_runs - 1);
	printf("channels kept by the automatic plan: weights of seed %" PRIu64 ", %s\n\n",
	       o->seed, s->deterministic ? "scored alike every time (no data, no seed): "
	       "one scoring stands for all" : score_method_needs_data(o->method) ?
	       "a different data batch each run" : "a different scoring seed each run");
	printf("%4s  %-24s %8s %20s %6s  %6s %9s %5s\n", "#", "layer", "channels",
	       "density mean [range]", "R runs", "always", "sometimes", "never");
	int flips = 0;
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		printf("%4d  %-24s %8d ", i, l->name, l->out.c);
		if (s->init_runs) {
			double m, lo, hi;
			stab_density(s, i, &m, &lo, &hi);
			int r = stability_resilient_runs(s, i);
			bool flip = r > 0 && r < s->n_runs;
			flips += flip;
			printf("%6.3f [%5.3f, %5.3f] %3d/%-2d%s", m, lo, hi, r, s->n_runs,
			       flip ? "!" : " ");
		} else {
			printf("%20s %6s ", "-", "-");
		}
		int g = gs->layer_out[i], al, so, ne;
		if (g >= 0 && gs->groups[g].prunable) {
			stability_channel_counts(s, gs, g, &al, &so, &ne);
			printf(" %6d %9d %5d\n", al, so, ne);
		} else {
			printf(" %6s %9s %5s\n", "-", "-", "-");
		}
	}
	if (s->init_runs && flips == 0)
		printf("\nno layer flips: Reconvene chooses the same layers for every "
		       "initialisation\n");
	else if (s->init_runs)
		printf("\n%d layer%s flip%s (! above): whether Reconvene rectifies %s depends on "
		       "the initialisation\n", flips, flips == 1 ? "" : "s",
		       flips == 1 ? "s" : "", flips == 1 ? "it" : "them");
}

static int stab_json(const struct net *net, const struct group_set *gs,
		     const struct reconvene_options *o, const struct stability *s)
{
	json_t *layers = json_array();
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		json_t *row = json_pack("{s:s, s:i}", "name", l->name, "channels", l->out.c);
		if (s->init_runs) {
			json_t *d = json_array();
			for (int r = 0; r < s->n_runs; r++)
				json_array_append_new(d, json_real(
					s->density[(size_t)r * (size_t)s->n_layers + (size_t)i]));
			int rr = stability_resilient_runs(s, i);
			json_object_set_new(row, "density", d);
			json_object_set_new(row, "resilient_runs", json_integer(rr));
			json_object_set_new(row, "flips", json_boolean(rr > 0 && rr < s->n_runs));
		}
		int g = gs->layer_out[i];
		if (g >= 0 && gs->groups[g].prunable) {
			json_t *k = json_array();
			for (int c = 0; c < gs->groups[g].channels; c++)
				json_array_append_new(k, json_integer(
					s->kept_runs[s->kept_off[g] + (size_t)c]));
			json_object_set_new(row, "group", json_string(gs->groups[g].name));
			json_object_set_new(row, "channel_kept_runs", k);
			json_object_set_new(row, "rectified_runs",
					    json_integer(s->rectified_runs[g]));
		}
		json_array_append_new(layers, row);
	}
	json_t *root = json_pack("{s:s, s:s, s:f, s:I, s:f, s:i, s:i, s:b, s:b, s:o}",
		"model", net->name, "method", score_method_name(o->method),
		"sparsity", o->sparsity, "seed", (json_int_t)o->seed, "tau", o->tau, "k", o->k,
		"runs", s->n_runs, "init_runs", s->init_runs, "deterministic", s->deterministic,
		"layers", layers);
	if (!root) {
		cli_error("score: cannot build the JSON output");
		return CLI_EXIT_FAILURE;
	}
	return cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
}

int cli_score_stability(struct net *net, const struct data_split *ds,
			const struct reconvene_options *o, int n, bool vary_init, bool json)
{
	struct eng_err err;
	struct group_set gs = { 0 };
	struct stability s = { 0 };
	struct reconvene_options ro = *o;
	struct progress_line bar;
	progress_init(&bar, stderr, "stability", "steps/s");
	ro.progress = cli_score_on_progress;
	ro.progress_user = &bar;
	enum eng_status st = groups_build(net, &gs, &err);
	if (st == ENG_STATUS_OK)
		st = stability_run(net, ds, &gs, &ro, n, vary_init, &s, &err);
	progress_finish(&bar);
	int rc = CLI_EXIT_FAILURE;
	if (st != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
	} else if (json) {
		rc = stab_json(net, &gs, o, &s);
	} else {
		stab_table(net, &gs, o, &s);
		rc = CLI_EXIT_OK;
	}
	stability_done(&s);
	groups_done(&gs);
	return rc;
}
