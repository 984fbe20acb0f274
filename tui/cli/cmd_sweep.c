/* cmd_sweep.c: `reconvene sweep`: the subcommand table, and the subcommands
 * that need no scheduler: jobs, status, job (one job), merge and compare.  `run`
 * (GNU parallel) and `slurm` (an sbatch array script) have files of their
 * own. */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "base/blas_info.h"
#include "base/threads.h"
#include "cli/cli.h"
#include "cli/dataset_open.h"
#include "cli/progress.h"
#include "cli/render_style.h"
#include "cli/sigint.h"
#include "cli/sweep_state.h"
#include "cli/warnings.h"
#include "nn/conv3x3.h"
#include "paths/model_path.h"
#include "sweep/sweep_job.h"
#include "sweep/sweep_compare.h"
#include "sweep/sweep_merge.h"

enum { OPT_MISSING = 256, OPT_IDS, OPT_STABLE, OPT_JSON };

/* --- jobs, status ----------------------------------------------------------- */

struct sweep_jobs_cli {
	bool missing, ids;
};

static int sweep_jobs_opt(int code, const char *arg, void *user)
{
	struct sweep_jobs_cli *c = user;
	(void)arg;
	if (code == OPT_MISSING)
		c->missing = true;
	else
		c->ids = true;
	return 0;
}

static int sweep_jobs(int argc, char **argv)
{
	static const struct option own[] = {
		{ "missing", no_argument, NULL, OPT_MISSING },
		{ "ids", no_argument, NULL, OPT_IDS },
		{ NULL, 0, NULL, 0 },
	};
	struct sweep_jobs_cli c = { 0 };
	char *grid;
	int rc = cli_sweep_parse("jobs", argc, argv, own, sweep_jobs_opt, &c, &grid);
	if (rc)
		return rc == -1 ? CLI_EXIT_OK : rc;
	struct cli_sweep s;
	if ((rc = cli_sweep_open("sweep jobs", grid, &s)))
		return rc;
	/* The commands redirect into OUT/logs: make it exist. */
	if (!c.ids && (rc = cli_sweep_dirs(&s))) {
		cli_sweep_close(&s);
		return rc;
	}
	for (int i = 0; i < s.n; i++) {
		if (c.missing && s.done[i])
			continue;
		char line[3 * SWEEP_PATH_MAX];
		if (c.ids)
			snprintf(line, sizeof line, "%s", s.jobs[i].id);
		else
			cli_sweep_command(&s, i, line, sizeof line);
		puts(line);
	}
	cli_sweep_close(&s);
	return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

static int sweep_status(int argc, char **argv)
{
	char *grid;
	int rc = cli_sweep_parse("status", argc, argv, NULL, NULL, NULL, &grid);
	if (rc)
		return rc == -1 ? CLI_EXIT_OK : rc;
	struct cli_sweep s;
	if ((rc = cli_sweep_open("sweep status", grid, &s)))
		return rc;
	int done = 0, failed = 0;
	for (int i = 0; i < s.n; i++) {
		char log[SWEEP_PATH_MAX + SWEEP_ID_MAX + 32];
		cli_sweep_log_path(&s, i, log, sizeof log);
		if (s.done[i]) {
			done++;
			printf("done     %s  accuracy %.2f%%\n", s.jobs[i].id,
			       100.0 * s.results[i].accuracy);
		} else if (s.logged[i]) {
			failed++;
			printf("failed   %s  (or running; log %s)\n", s.jobs[i].id, log);
		} else {
			printf("missing  %s\n", s.jobs[i].id);
		}
	}
	printf("%s: %d jobs: %d done, %d failed or running, %d not started (results in "
	       "%s)\n", s.grid->name, s.n, done, failed, s.n - done - failed, s.grid->out);
	cli_sweep_close(&s);
	return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

/* --- job -------------------------------------------------------------------- */

struct sweep_watch {
	struct progress_line bar;
	bool open;
	const char *id;
	const char *method; /* the score bar's label: the job's PaI method */
	enum sweep_stage stage;
	bool testing;
};

static void sweep_watch_stage(enum sweep_stage st, void *user)
{
	static const char *const names[] = { "generate", "measure", "train" };
	struct sweep_watch *w = user;
	if (w->open)
		progress_finish(&w->bar);
	w->stage = st;
	w->testing = false;
	fprintf(stderr, "job %s: %s\n", w->id, names[st]);
	progress_init(&w->bar, stderr, st == SWEEP_STAGE_TRAIN ? "train" : w->method ? w->method : "score",
		      st == SWEEP_STAGE_TRAIN ? "img/s" : "it/s");
	w->open = true;
}

static void sweep_watch_score(int done, int total, void *user)
{
	struct sweep_watch *w = user;
	progress_update(&w->bar, done, total, (double)done, -1.0, false);
}

static void sweep_watch_train(const struct train_progress *p, void *user)
{
	struct sweep_watch *w = user;
	if (p->phase == TRAIN_PHASE_TRAIN) {
		progress_update(&w->bar, p->done, p->total,
				(double)p->done * (double)p->batch, p->loss, false);
	} else if (p->phase == TRAIN_PHASE_EVAL) {
		if (!w->testing) {
			progress_finish(&w->bar);
			progress_init(&w->bar, stderr, "test", "img/s");
			w->testing = true;
		}
		progress_update(&w->bar, p->done, p->total, (double)p->done, p->loss, false);
	}
}

static int sweep_threads(void)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	return openblas_get_num_threads();
#else
	return 1;
#endif
}

static int sweep_data_open(const struct sweep_budget *b, struct data_split *ds)
{
	if (strcmp(b->data, "synthetic") == 0) {
		struct data_options opt = { .format = DATA_FORMAT_SYNTHETIC,
					    .synthetic_seed = 1 };
		struct eng_err err;
		if (data_load(&opt, ds, &err) != ENG_STATUS_OK) {
			cli_error("%s", err.msg);
			return CLI_EXIT_FAILURE;
		}
		return CLI_EXIT_OK;
	}
	return cli_data_open(b->data[0] ? b->data : NULL, 0, ds);
}

static void sweep_result_host(struct sweep_result *r)
{
	if (gethostname(r->host, sizeof r->host) != 0)
		snprintf(r->host, sizeof r->host, "unknown");
	r->host[sizeof r->host - 1] = '\0';
	snprintf(r->blas, sizeof r->blas, "%s", blas_core_name());
	snprintf(r->conv3x3, sizeof r->conv3x3, "%s", conv3x3_isa_name(conv3x3_best_isa()));
	r->threads = sweep_threads();
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(r->finished, sizeof r->finished, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int sweep_job(int argc, char **argv)
{
	char *args[2];
	int rc = cli_sweep_parse_args("job", argc, argv, NULL, NULL, NULL, 2, "GRID JOB_ID", args);
	if (rc)
		return rc == -1 ? CLI_EXIT_OK : rc;
	struct cli_sweep s;
	if ((rc = cli_sweep_open("sweep job", args[0], &s)))
		return rc;
	int i = sweep_job_find(s.jobs, s.n, args[1]);
	if (i < 0) {
		cli_sweep_close(&s);
		return cli_usage_error("sweep", "job: no job '%s' in %s ('reconvene sweep "
				       "jobs GRID --ids' lists them)", args[1], args[0]);
	}
	const struct sweep_grid *g = s.grid;
	const struct sweep_job *job = &s.jobs[i];
	if (g->budget.threads > 0)
		threads_set_count(g->budget.threads);
	char text[4096];
	sweep_job_describe(g, job, text, sizeof text);
	fprintf(stderr, "job %s of sweep %s\nconfig: %s\n", job->id, g->name, text);

	struct data_split ds;
	struct net_spec spec;
	struct net *net = NULL;
	rc = cli_sweep_dirs(&s);
	if (rc == CLI_EXIT_OK)
		rc = sweep_data_open(&g->budget, &ds);
	if (rc != CLI_EXIT_OK) {
		cli_sweep_close(&s);
		return rc;
	}
	struct model_overrides ovr = { .classes = ds.train.classes };
	char why[1024];
	if (model_load(g->models[job->model], &ovr, &spec, &net, why, sizeof why) != 0) {
		cli_error("%s", why);
		data_split_done(&ds);
		cli_sweep_close(&s);
		return CLI_EXIT_FAILURE;
	}
	cli_print_warnings(&spec);
	struct sweep_watch w = { .id = job->id, .method = score_method_name(job->method) };
	struct sweep_job_hooks hooks = {
		.stage = sweep_watch_stage, .score_progress = sweep_watch_score,
		.train_progress = sweep_watch_train, .user = &w,
		.abort = cli_sigint_catch(),
	};
	struct sweep_result r;
	struct eng_err err;
	enum eng_status st = sweep_job_run(g, job, &spec, net, &ds, &hooks, &r, &err);
	cli_sigint_release();
	if (w.open)
		progress_finish(&w.bar);
	char path[SWEEP_PATH_MAX + SWEEP_ID_MAX + 32];
	cli_sweep_result_path(&s, i, path, sizeof path);
	if (st == ENG_STATUS_OK) {
		sweep_result_host(&r);
		st = sweep_result_write(path, &r, &err);
	}
	if (st == ENG_STATUS_ABORTED) {
		cli_error("job %s: interrupted; nothing written", job->id);
		rc = CLI_EXIT_FAILURE;
	} else if (st != ENG_STATUS_OK) {
		cli_error("job %s: %s", job->id, err.msg);
		rc = CLI_EXIT_FAILURE;
	} else {
		printf("%s: accuracy %.2f%% [%.2f, %.2f] on %d test samples; %llu params "
		       "(%llu non-zero), %llu bytes, %llu MACs; latency %.3f ms; generated "
		       "in %.2f s, trained in %.1f s; wrote %s\n", job->id,
		       100 * r.accuracy, 100 * r.ci_lo, 100 * r.ci_hi, r.test_n,
		       (unsigned long long)r.params, (unsigned long long)r.nonzero,
		       (unsigned long long)r.storage_bytes, (unsigned long long)r.macs,
		       r.latency_ms, r.generate_seconds, r.train_seconds, path);
	}
	net_free(net);
	net_spec_done(&spec);
	data_split_done(&ds);
	cli_sweep_close(&s);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAILURE;
	return rc;
}

/* --- merge ------------------------------------------------------------------ */

static int sweep_merge_opt(int code, const char *arg, void *user)
{
	(void)code;
	(void)arg;
	*(bool *)user = true;
	return 0;
}

static int sweep_merge(int argc, char **argv)
{
	static const struct option own[] = {
		{ "stable", no_argument, NULL, OPT_STABLE },
		{ NULL, 0, NULL, 0 },
	};
	bool stable = false;
	char *grid;
	int rc = cli_sweep_parse("merge", argc, argv, own, sweep_merge_opt, &stable, &grid);
	if (rc)
		return rc == -1 ? CLI_EXIT_OK : rc;
	struct cli_sweep s;
	if ((rc = cli_sweep_open("sweep merge", grid, &s)))
		return rc;
	struct sweep_merge_input in = { .grid = s.grid, .jobs = s.jobs, .n_jobs = s.n,
					.results = s.results, .have = s.done };
	if (stable) {
		json_t *root = sweep_merge_json(&in, false);
		rc = root ? cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					   JSON_REAL_PRECISION(17)) : CLI_EXIT_FAILURE;
		cli_sweep_close(&s);
		return rc;
	}
	struct render_style style;
	if ((rc = cli_render_style(NULL, &style)) != CLI_EXIT_OK ||
	    (rc = cli_sweep_dirs(&s)) != CLI_EXIT_OK) {
		cli_sweep_close(&s);
		return rc;
	}
	struct eng_err err;
	int charts = 0;
	if (sweep_merge_write(&in, s.grid->out, &style, &cli_warn, &charts, &err) !=
	    ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		rc = CLI_EXIT_FAILURE;
	} else {
		int missing = cli_sweep_missing(&s);
		printf("%s: %d of %d jobs merged%s; wrote %s/merged.json, %s/results.md and "
		       "%d chart%s\n", s.grid->name, s.n - missing, s.n,
		       missing ? " (the rest are listed under \"missing\")" : "",
		       s.grid->out, s.grid->out, charts, charts == 1 ? "" : "s");
	}
	cli_sweep_close(&s);
	return rc;
}

/* --- compare ---------------------------------------------------------------- */

static int sweep_compare_opt(int code, const char *arg, void *user)
{
	(void)code;
	(void)arg;
	*(bool *)user = true;
	return 0;
}

static int sweep_compare(int argc, char **argv)
{
	static const struct option own[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	char *args[2];
	int rc = cli_sweep_parse_args("compare", argc, argv, own, sweep_compare_opt, &json, 2,
				      "GRID_A GRID_B", args);
	if (rc)
		return rc == -1 ? CLI_EXIT_OK : rc;
	struct cli_sweep sa, sb;
	if ((rc = cli_sweep_open("sweep compare", args[0], &sa)))
		return rc;
	if ((rc = cli_sweep_open("sweep compare", args[1], &sb))) {
		cli_sweep_close(&sa);
		return rc;
	}
	struct sweep_merge_input ia = { .grid = sa.grid, .jobs = sa.jobs, .n_jobs = sa.n,
					.results = sa.results, .have = sa.done };
	struct sweep_merge_input ib = { .grid = sb.grid, .jobs = sb.jobs, .n_jobs = sb.n,
					.results = sb.results, .have = sb.done };
	struct sweep_compare c;
	struct eng_err err;
	if (sweep_compare_build(&ia, &ib, &c, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		rc = CLI_EXIT_FAILURE;
	} else if (json) {
		json_t *root = sweep_compare_json(&c, sa.grid->name, sb.grid->name);
		rc = root ? cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					   JSON_REAL_PRECISION(17)) : CLI_EXIT_FAILURE;
	} else {
		char *text = sweep_compare_text(&c, sa.grid->name, sb.grid->name);
		if (!text) {
			cli_error("sweep compare: out of memory");
			rc = CLI_EXIT_FAILURE;
		} else {
			fputs(text, stdout);
			free(text);
			if (fflush(stdout) != 0)
				rc = CLI_EXIT_FAILURE;
		}
	}
	if (rc == CLI_EXIT_OK && c.n_pairs == 0) {
		cli_error("sweep compare: %s and %s have no finished job in common",
			  sa.grid->name, sb.grid->name);
		rc = CLI_EXIT_FAILURE;
	}
	sweep_compare_done(&c);
	cli_sweep_close(&sa);
	cli_sweep_close(&sb);
	return rc;
}

/* --- dispatch --------------------------------------------------------------- */

int cmd_sweep(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} subs[] = {
		{ "jobs", sweep_jobs }, { "status", sweep_status }, { "run", cli_sweep_run },
		{ "slurm", cli_sweep_slurm }, { "merge", sweep_merge },
		{ "compare", sweep_compare }, { "job", sweep_job },
	};
	if (argc < 2) {
		fputs(cli_sweep_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(cli_sweep_usage, stdout);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(argc - 1, argv + 1);
	return cli_usage_error("sweep", "unknown subcommand '%s' (jobs, status, run, slurm, "
			       "merge, compare, job)", argv[1]);
}
