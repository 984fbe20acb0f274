/* score_probe.c: `reconvene score --probe` (score_probe.h). */
#include "config.h"

#include "cli/score_probe.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/engine_progress.h"
#include "cli/progress.h"
#include "cli/render_style.h"
#include "cli/sigint.h"
#include "cli/warnings.h"
#include "base/fileio.h"
#include "base/textbuf.h"
#include "output/render.h"
#include "prune/group_probe.h"
#include "prune/groups.h"
#include "score/score.h"

struct probe_out {
	struct group_set gs;
	double *acc;        /* n_groups x GROUP_PROBE_N, -1 not probed */
	double *lo, *hi;    /* their 95 % Wilson intervals */
	int *keep;          /* n_groups x GROUP_PROBE_N kept channels */
	double dense, dense_lo, dense_hi;
	int probed;         /* groups */
	double seconds;
};

/* The group's producers, space separated ("layer2.0.conv2
 * layer2.0.shortcut.conv"). */
static void probe_layers(const struct net *net, const struct group *gr, char *buf,
			 size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int m = 0; m < gr->n_members; m++) {
		if (gr->members[m].role != GROUP_ROLE_PRODUCER)
			continue;
		int w = snprintf(buf + used, n - used, "%s%s", used ? " " : "",
				 net->layers[gr->members[m].layer].name);
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
}

static int probe_ratio_pct(int k)
{
	return (int)lround(group_probe_ratio[k] * 100);
}

static void probe_table(const struct net *net, const struct reconvene_options *o,
			const struct quickeval_options *qo, const struct probe_out *p)
{
	printf("%s: group probe, each prunable group alone pruned (others dense), %s "
	       "channel choice at sparsity %g, seed %" PRIu64 "\n", net->name,
	       score_method_name(o->method), o->sparsity, o->seed);
	printf("quick-eval accuracy (%ld steps of %d, %d test samples); dense model %.1f%% "
	       "[%.1f, %.1f]; %.1f s\n\n", qo->steps, qo->batch, qo->test_n, 100 * p->dense,
	       100 * p->dense_lo, 100 * p->dense_hi, p->seconds);
	printf("%4s  %-24s %8s", "#", "group", "channels");
	for (int k = 0; k < GROUP_PROBE_N; k++)
		printf("   -%d%% (kept)", probe_ratio_pct(k));
	printf("  layers\n");
	for (int g = 0; g < p->gs.n_groups; g++) {
		const struct group *gr = &p->gs.groups[g];
		if (!group_probe_eligible(&p->gs, g))
			continue;
		printf("%4d  %-24s %8d", g, gr->name, gr->channels);
		for (int k = 0; k < GROUP_PROBE_N; k++) {
			size_t i = (size_t)g * GROUP_PROBE_N + (size_t)k;
			printf("  %5.1f%% (%3d)", 100 * p->acc[i], p->keep[i]);
		}
		char layers[512];
		probe_layers(net, gr, layers, sizeof layers);
		printf("  %s%s\n", layers, gr->residual ? " (residual)" : "");
	}
}

static int probe_json(const struct net *net, const struct reconvene_options *o,
		      const struct quickeval_options *qo, const struct probe_out *p)
{
	json_t *groups = json_array();
	for (int g = 0; g < p->gs.n_groups; g++) {
		const struct group *gr = &p->gs.groups[g];
		if (!group_probe_eligible(&p->gs, g))
			continue;
		json_t *layers = json_array(), *cells = json_array();
		for (int m = 0; m < gr->n_members; m++)
			if (gr->members[m].role == GROUP_ROLE_PRODUCER)
				json_array_append_new(layers, json_string(
					net->layers[gr->members[m].layer].name));
		for (int k = 0; k < GROUP_PROBE_N; k++) {
			size_t i = (size_t)g * GROUP_PROBE_N + (size_t)k;
			json_array_append_new(cells, json_pack("{s:f, s:i, s:f, s:[f, f]}",
				"ratio", group_probe_ratio[k], "kept", p->keep[i],
				"accuracy", p->acc[i], "ci95", p->lo[i], p->hi[i]));
		}
		json_array_append_new(groups, json_pack("{s:s, s:i, s:b, s:o, s:o}",
			"name", gr->name, "channels", gr->channels, "residual", gr->residual,
			"layers", layers, "probe", cells));
	}
	json_t *root = json_pack("{s:s, s:s, s:f, s:I, s:i, s:{s:I, s:i, s:i, s:i}, "
				 "s:{s:f, s:[f, f]}, s:f, s:o}",
		"model", net->name, "method", score_method_name(o->method), "sparsity",
		o->sparsity, "seed", (json_int_t)o->seed, "min_channels", o->min_keep,
		"budget", "steps", (json_int_t)qo->steps, "batch", qo->batch, "train",
		qo->train_n, "test", qo->test_n,
		"dense", "accuracy", p->dense, "ci95", p->dense_lo, p->dense_hi,
		"seconds", p->seconds, "groups", groups);
	if (!root) {
		cli_error("score: cannot build the JSON output");
		return CLI_EXIT_FAILURE;
	}
	return cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
}

/* group,layers,channels,residual,acc_25,acc_50,acc_75 (accuracies as
 * fractions); layers space separated; names quoted as CSV wants them
 * (imported ONNX names may hold commas); written atomically, so a failed
 * write never leaves half a file where an older one was. */
static int probe_csv(const struct net *net, const struct probe_out *p, const char *path)
{
	struct textbuf t;
	textbuf_init(&t);
	textbuf_printf(&t, "group,layers,channels,residual");
	for (int k = 0; k < GROUP_PROBE_N; k++)
		textbuf_printf(&t, ",acc_%d", probe_ratio_pct(k));
	textbuf_printf(&t, "\ndense,,,");
	for (int k = 0; k < GROUP_PROBE_N; k++)
		textbuf_printf(&t, ",%.6f", p->dense);
	textbuf_printf(&t, "\n");
	for (int g = 0; g < p->gs.n_groups; g++) {
		const struct group *gr = &p->gs.groups[g];
		if (!group_probe_eligible(&p->gs, g))
			continue;
		char layers[512];
		probe_layers(net, gr, layers, sizeof layers);
		textbuf_csv(&t, gr->name);
		textbuf_printf(&t, ",");
		textbuf_csv(&t, layers);
		textbuf_printf(&t, ",%d,%d", gr->channels, gr->residual ? 1 : 0);
		for (int k = 0; k < GROUP_PROBE_N; k++)
			textbuf_printf(&t, ",%.6f", p->acc[(size_t)g * GROUP_PROBE_N + (size_t)k]);
		textbuf_printf(&t, "\n");
	}
	size_t len = t.len;
	char *text = textbuf_take(&t);
	if (!text) {
		cli_error("%s: out of memory", path);
		return CLI_EXIT_FAILURE;
	}
	struct eng_err err = { { 0 } };
	enum eng_status st = fileio_write_atomic_buf(path, text, len, &err);
	free(text);
	if (st != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

static int probe_png(const struct net *net, const struct reconvene_options *o,
		     const struct probe_out *p, const char *theme, const char *path)
{
	struct render_style style;
	int rc = cli_render_style(theme, &style);
	if (rc != CLI_EXIT_OK)
		return rc;
	const char **names = calloc((size_t)(p->probed ? p->probed : 1), sizeof *names);
	double *v = calloc((size_t)(p->probed ? p->probed : 1) * GROUP_PROBE_N, sizeof *v);
	if (!names || !v) {
		free(names);
		free(v);
		cli_error("out of memory");
		return CLI_EXIT_FAILURE;
	}
	int r = 0;
	for (int g = 0; g < p->gs.n_groups; g++) {
		if (!group_probe_eligible(&p->gs, g))
			continue;
		names[r] = p->gs.groups[g].name;
		for (int k = 0; k < GROUP_PROBE_N; k++)
			v[(size_t)r * GROUP_PROBE_N + (size_t)k] =
				p->acc[(size_t)g * GROUP_PROBE_N + (size_t)k];
		r++;
	}
	char labels[GROUP_PROBE_N][16];
	const char *lab[GROUP_PROBE_N];
	for (int k = 0; k < GROUP_PROBE_N; k++) {
		snprintf(labels[k], sizeof labels[k], "-%d%%", probe_ratio_pct(k));
		lab[k] = labels[k];
	}
	char title[160], sub[256];
	snprintf(title, sizeof title, "%s: group probe (%s channel choice, seed %" PRIu64 ")",
		 net->name, score_method_name(o->method), o->seed);
	snprintf(sub, sizeof sub, "quick-eval accuracy with one channel group pruned alone, "
		 "every other layer dense");
	struct render_probe rp = {
		.title = title, .subtitle = sub, .n_rows = r, .n_cols = GROUP_PROBE_N,
		.names = names, .col_labels = lab, .value = v, .reference = p->dense,
	};
	struct eng_err err;
	rc = CLI_EXIT_OK;
	if (render_probe_write(&rp, &style, path, &cli_warn, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		rc = CLI_EXIT_FAILURE;
	}
	free(names);
	free(v);
	return rc;
}

int cli_score_probe(struct net *net, const struct net_spec *spec,
		    const struct data_split *ds, const struct reconvene_options *o,
		    const struct quickeval_options *qo, const struct cli_probe_args *args)
{
	struct eng_err err;
	struct probe_out p;
	memset(&p, 0, sizeof p);
	struct reconvene_pse pse = { 0 };
	float **imp = NULL;
	int rc = CLI_EXIT_FAILURE;
	struct reconvene_options ro = *o;
	struct progress_line sb;
	/* The probe trains for minutes: a path it cannot write fails now. */
	const char *outs[2] = { args->csv, args->png };
	for (int i = 0; i < 2; i++) {
		if (outs[i] && fileio_check_writable(outs[i], &err) != ENG_STATUS_OK) {
			cli_error("%s", err.msg);
			return CLI_EXIT_FAILURE;
		}
	}
	bool scoring_bar = ro.method == SCORE_METHOD_SYNFLOW;
	if (scoring_bar) {
		progress_init(&sb, stderr, "synflow", "it/s");
		ro.progress = cli_score_on_progress;
		ro.progress_user = &sb;
	}
	enum eng_status st = reconvene_pse_run(net, ds, &ro, &pse, &err);
	if (scoring_bar)
		progress_finish(&sb);
	ro.progress = NULL;
	ro.progress_user = NULL;
	if (st == ENG_STATUS_OK)
		st = groups_build(net, &p.gs, &err);
	if (st == ENG_STATUS_OK)
		st = reconvene_importance(net, &p.gs, pse.scores, &ro, &imp, &err);
	if (st != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		goto out;
	}
	size_t cells = (size_t)(p.gs.n_groups ? p.gs.n_groups : 1) * GROUP_PROBE_N;
	p.acc = malloc(cells * sizeof *p.acc);
	p.lo = malloc(cells * sizeof *p.lo);
	p.hi = malloc(cells * sizeof *p.hi);
	p.keep = calloc(cells, sizeof *p.keep);
	if (!p.acc || !p.lo || !p.hi || !p.keep) {
		cli_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < cells; i++)
		p.acc[i] = p.lo[i] = p.hi[i] = -1.0;
	for (int g = 0; g < p.gs.n_groups; g++)
		p.probed += group_probe_eligible(&p.gs, g);
	long total = 1 + (long)p.probed * GROUP_PROBE_N, done = 0;
	struct quickeval_options q = *qo;
	q.abort = cli_sigint_catch();
	q.progress = NULL;
	q.curve_every = (int)(q.steps > 0 ? q.steps : 1);
	struct progress_line bar;
	progress_init(&bar, stderr, "probe", "evals/s");
	progress_update(&bar, 0, total, 0, NAN, true);
	struct quickeval_result r;
	/* the dense model, to compare with: the weights as they are */
	q.init = false;
	q.mask = NULL;
	st = quickeval_run(net, ds, &q, &r, &err);
	if (st == ENG_STATUS_OK) {
		p.dense = r.accuracy;
		p.dense_lo = r.ci_lo;
		p.dense_hi = r.ci_hi;
		p.seconds += r.seconds;
		quickeval_result_done(&r);
		done++;
		progress_update(&bar, done, total, (double)done, NAN, false);
	}
	for (int g = 0; g < p.gs.n_groups && st == ENG_STATUS_OK; g++) {
		if (!group_probe_eligible(&p.gs, g))
			continue;
		for (int k = 0; k < GROUP_PROBE_N && st == ENG_STATUS_OK; k++) {
			size_t i = (size_t)g * GROUP_PROBE_N + (size_t)k;
			p.keep[i] = group_probe_keep(p.gs.groups[g].channels, group_probe_ratio[k],
						     o->min_keep);
			st = group_probe_eval(net, spec, &p.gs, g, group_probe_ratio[k], &ro,
					      (const float *const *)imp, pse.mask, ds, &q, &r,
					      &err);
			if (st != ENG_STATUS_OK)
				break;
			p.acc[i] = r.accuracy;
			p.lo[i] = r.ci_lo;
			p.hi[i] = r.ci_hi;
			p.seconds += r.seconds;
			quickeval_result_done(&r);
			done++;
			progress_update(&bar, done, total, (double)done, NAN, false);
		}
	}
	cli_sigint_release();
	progress_finish(&bar);
	if (st == ENG_STATUS_ABORTED) {
		fprintf(stderr, "reconvene: interrupted after %ld of %ld quick-evals\n", done,
			total);
		goto out;
	}
	if (st != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		goto out;
	}
	if (args->csv && probe_csv(net, &p, args->csv) != CLI_EXIT_OK)
		goto out;
	if (args->png && probe_png(net, o, &p, args->theme, args->png) != CLI_EXIT_OK)
		goto out;
	if (args->json) {
		rc = probe_json(net, o, qo, &p);
	} else {
		probe_table(net, o, qo, &p);
		if (args->csv)
			printf("CSV written to %s\n", args->csv);
		if (args->png)
			printf("chart written to %s\n", args->png);
		rc = CLI_EXIT_OK;
	}
out:
	free(p.acc);
	free(p.lo);
	free(p.hi);
	free(p.keep);
	reconvene_importance_free(imp, p.gs.n_groups);
	groups_done(&p.gs);
	reconvene_pse_done(&pse);
	return rc;
}
