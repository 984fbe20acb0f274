/* check_worker.c: the background worker and the result cache.
 *
 * References: the analytic projection is compared with the metrics of the
 * net that plan_apply / reconvene_run really build; scores, densities and
 * the sensitivity grid with direct score.h calls; cached results with the
 * freshly computed ones.  Cancellation and shutdown are checked for leaks
 * by running under ASan (LeakSanitizer) in CI, and for data races under
 * ThreadSanitizer (the UI thread cancels while the job polls its flag).
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "worker/cache.h"
#include "io/cfg.h"
#include "nn/net.h"
#include "data/data.h"
#include "measure/metrics.h"
#include "prune/group_probe.h"
#include "prune/groups.h"
#include "prune/plan.h"
#include "prune/reconvene.h"
#include "base/rng.h"
#include "score/score.h"
#include "train/quickeval.h"
#include "prune/width_staircase.h"
#include "worker/worker.h"

/* ---- helpers ------------------------------------------------------------ */

static void spec_from_model(const char *name, struct net_spec *spec)
{
	char path[4096];
	struct eng_err err = { { 0 } };
	const char *top = getenv("top_srcdir");
	if (!top || !*top)
		top = ".";
	int n = snprintf(path, sizeof path, "%s/models/%s.cfg", top, name);
	ck_assert(n > 0 && (size_t)n < sizeof path);
	enum eng_status st = cfg_parse_file(path, spec, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s: %s", path, err.msg);
}

static char tmp_root[256];
static char tmp_cache[300];  /* tmp_root/reconvene: the disk caches' directory */

/* A fresh private cache directory per test, as the front end would pick
 * it for XDG_CACHE_HOME=tmp_root (the engine reads no environment). */
static void tmp_cache_home(void)
{
	snprintf(tmp_root, sizeof tmp_root, "/tmp/check_worker.XXXXXX");
	ck_assert(mkdtemp(tmp_root) != NULL);
	snprintf(tmp_cache, sizeof tmp_cache, "%s/reconvene", tmp_root);
}

static void rm_rf(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[1024];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat sb;
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			rm_rf(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static struct worker *worker_start(bool disk, const struct data_split *ds)
{
	struct worker_config cfg;
	worker_config_default(&cfg);
	cfg.disk_cache = disk;
	cfg.cache_dir = disk ? tmp_cache : NULL;
	cfg.threads = 1;
	struct worker *w = NULL;
	struct eng_err err = { { 0 } };
	ck_assert_msg(worker_new(&cfg, ds, &w, &err) == ENG_STATUS_OK, "%s", err.msg);
	return w;
}

/* A worker that starts the given jobs on its own, without a settle time. */
static struct worker *worker_start_auto(const struct data_split *ds, unsigned jobs)
{
	struct worker_config cfg;
	worker_config_default(&cfg);
	cfg.disk_cache = false;
	cfg.threads = 1;
	cfg.settle_ms = 0;
	cfg.auto_jobs = jobs;
	struct worker *w = NULL;
	struct eng_err err = { { 0 } };
	ck_assert_msg(worker_new(&cfg, ds, &w, &err) == ENG_STATUS_OK, "%s", err.msg);
	return w;
}

static void settings_fast(struct worker_settings *s)
{
	worker_settings_default(s);
	s->method = SCORE_METHOD_MAGNITUDE;
	s->sparsity = 0.8;
	s->latency_runs = 3;
	s->budget.steps = 12;
	s->budget.batch = 16;
	s->budget.train_n = 256;
	s->budget.test_n = 100;
}

static const struct worker_model *load(struct worker *w, const char *name,
				       struct net_spec *spec)
{
	spec_from_model(name, spec);
	const struct worker_model *m = NULL;
	struct eng_err err = { { 0 } };
	ck_assert_msg(worker_set_model(w, spec, &m, &err) == ENG_STATUS_OK, "%s", err.msg);
	return m;
}

static void apply_settings(struct worker *w, const struct worker_settings *s)
{
	struct eng_err err = { { 0 } };
	ck_assert_msg(worker_set_settings(w, s, &err) == ENG_STATUS_OK, "%s", err.msg);
}

/* Check's CK_TIMEOUT_MULTIPLIER (an integer, default 1) scales the waits
 * below as it scales each test's time limit: a sanitizer build is many
 * times slower (.ci/run sets it for the ThreadSanitizer run). */
static int time_scale(void)
{
	const char *s = getenv("CK_TIMEOUT_MULTIPLIER");
	int m = s ? atoi(s) : 1;
	return m > 1 && m <= 100 ? m : 1;
}

static bool wait_idle(struct worker *w, int timeout_ms)
{
	return worker_wait_idle(w, timeout_ms * time_scale());
}

/* Wait until job j is in one of the final states for request req. */
static enum worker_job_state wait_job(struct worker *w, enum worker_job j,
				      uint64_t req, int timeout_ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	timeout_ms *= time_scale();
	for (;;) {
		const struct worker_snapshot *s = worker_snapshot_get(w);
		enum worker_job_state st = s->job[j].state;
		uint64_t r = s->job[j].request;
		worker_snapshot_release(s);
		if (r >= req && (st == WORKER_STATE_DONE || st == WORKER_STATE_FAILED ||
				 st == WORKER_STATE_CANCELLED || st == WORKER_STATE_STALE))
			return st;
		clock_gettime(CLOCK_MONOTONIC, &t);
		double ms = (double)(t.tv_sec - t0.tv_sec) * 1e3 +
			    (double)(t.tv_nsec - t0.tv_nsec) / 1e6;
		ck_assert_msg(ms < timeout_ms, "job %s timed out", worker_job_name(j));
		struct pollfd pfd = { .fd = worker_wake_fd(w), .events = POLLIN };
		poll(&pfd, 1, 50);
		worker_wake_drain(w);
	}
}

/* Wait until job j runs and has made progress in a phase containing sub. */
static void wait_running(struct worker *w, enum worker_job j, const char *sub)
{
	for (int i = 0; i < 2000 * time_scale(); i++) {
		const struct worker_snapshot *s = worker_snapshot_get(w);
		bool ok = s->job[j].state == WORKER_STATE_RUNNING &&
			  strstr(s->job[j].phase, sub) != NULL;
		worker_snapshot_release(s);
		if (ok)
			return;
		usleep(5000);
	}
	ck_abort_msg("job %s never ran phase %s", worker_job_name(j), sub);
}

static void metrics_eq(const struct metrics *a, const struct metrics *b)
{
	ck_assert_uint_eq(a->params, b->params);
	ck_assert_uint_eq(a->nonzero, b->nonzero);
	ck_assert_uint_eq(a->dense_bytes, b->dense_bytes);
	ck_assert_uint_eq(a->storage_bytes, b->storage_bytes);
	ck_assert_uint_eq(a->macs, b->macs);
	ck_assert_uint_eq(a->effective_macs, b->effective_macs);
	ck_assert_int_eq(a->masked_layers, b->masked_layers);
}

/* A random valid plan: each prunable group keeps 1..channels. */
static void plan_random(struct prune_plan *p, const struct group_set *gs,
			struct rng *r, int edits)
{
	for (int e = 0; e < edits; e++) {
		int g = (int)rng_below(r, (uint64_t)gs->n_groups);
		if (!gs->groups[g].prunable)
			continue;
		int c = gs->groups[g].channels;
		plan_set_keep(p, g, 1 + (int)rng_below(r, (uint64_t)c));
	}
}

/* ---- projection ------------------------------------------------------- */

/* The analytic projection equals the metrics of the net reconvene_run
 * builds for the same plan, masks included. */
START_TEST(test_projection_matches_reconvene)
{
	const char *models[] = { "lenet5", "resnet20", "vgg11" };
	for (int mi = 0; mi < 3; mi++) {
		struct worker *w = worker_start(false, NULL);
		struct net_spec spec = { 0 };
		const struct worker_model *m = load(w, models[mi], &spec);
		struct net *net = NULL;
		struct eng_err err = { { 0 } };
		ck_assert(net_build(&spec, &net, &err) == ENG_STATUS_OK);
		struct reconvene_options o;
		reconvene_options_init(&o);
		o.method = SCORE_METHOD_MAGNITUDE;
		o.sparsity = 0.85;
		net_init(net, o.seed);
		struct rng r;
		rng_seed(&r, 42 + (uint64_t)mi);
		for (int t = 0; t < 3; t++) {
			struct prune_plan plan;
			ck_assert(plan_init(&plan, &m->groups) == ENG_STATUS_OK);
			plan_random(&plan, &m->groups, &r, 6);
			struct reconvene_result res;
			ck_assert_msg(reconvene_run(net, &spec, NULL, &o, &plan, &res, &err) ==
				      ENG_STATUS_OK, "%s", err.msg);
			struct metrics ref, ref_pai;
			metrics_compute(res.net, res.mask, &ref, NULL);
			metrics_compute(net, res.pse.mask, &ref_pai, NULL);
			struct worker_projection pj;
			ck_assert(worker_model_project(m, &plan, res.pse.kept, &pj) == ENG_STATUS_OK);
			metrics_eq(&pj.plan, &ref);
			metrics_eq(&pj.pai, &ref_pai);
			metrics_eq(&pj.dense, &m->dense);
			ck_assert_int_eq(pj.changed_groups, res.n_changed);
			ck_assert(pj.plan_hash == plan_hash(&plan));
			reconvene_result_done(&res);
			plan_done(&plan);
		}
		net_free(net);
		worker_model_release(m);
		worker_free(w);
		net_spec_done(&spec);
	}
}
END_TEST

/* A model with weights of its own (an imported ONNX file): the jobs start
 * from them, not from net_init(seed), and they are part of the cache key.
 * conv1's weights scaled by 100 are the largest of the net, so magnitude
 * scoring at 80 % sparsity keeps all of them, which a seeded init does
 * not. */
START_TEST(test_model_weights)
{
	struct worker *w = worker_start(false, NULL);
	struct net_spec spec = { 0 };
	spec_from_model("resnet20", &spec);
	struct net *net = NULL;
	struct eng_err err = { { 0 } };
	ck_assert(net_build(&spec, &net, &err) == ENG_STATUS_OK);
	net_init(net, 999);
	struct layer *c1 = &net->layers[net_find(net, "conv1")];
	for (size_t i = 0; i < c1->w_len; i++)
		c1->w[i] *= 100.0f;
	for (size_t i = 0; i < net->n_state; i++)
		net->state[i] = (float)(i % 7);
	const struct worker_model *plain = NULL, *own = NULL;
	ck_assert(worker_set_model(w, &spec, &plain, &err) == ENG_STATUS_OK);
	ck_assert(plain->init_params == NULL);
	ck_assert_msg(worker_set_model_weights(w, &spec, net, &own, &err) == ENG_STATUS_OK,
		      "%s", err.msg);
	ck_assert(own->init_params != NULL);
	ck_assert_str_ne(own->key, plain->key);
	ck_assert(strstr(own->key, plain->key) == own->key);
	struct net *copy = NULL;
	ck_assert(net_build(&spec, &copy, &err) == ENG_STATUS_OK);
	worker_model_init_net(own, copy, 1);
	ck_assert(memcmp(copy->params, net->params, net->n_params * sizeof(float)) == 0);
	ck_assert(memcmp(copy->state, net->state, net->n_state * sizeof(float)) == 0);
	struct worker_settings s;
	settings_fast(&s);
	apply_settings(w, &s);
	uint64_t rq = worker_request(w, WORKER_JOB_SCORES);
	ck_assert_int_eq(wait_job(w, WORKER_JOB_SCORES, rq, 60000), WORKER_STATE_DONE);
	const struct worker_snapshot *snap = worker_snapshot_get(w);
	ck_assert(snap->model == own && snap->scores.valid);
	int i1 = net_find(net, "conv1");
	ck_assert_uint_eq(snap->scores.kept[i1], c1->w_len);
	worker_snapshot_release(snap);
	/* The same spec without the weights keeps only part of conv1. */
	const struct worker_model *again = NULL;
	ck_assert(worker_set_model(w, &spec, &again, &err) == ENG_STATUS_OK);
	rq = worker_request(w, WORKER_JOB_SCORES);
	ck_assert_int_eq(wait_job(w, WORKER_JOB_SCORES, rq, 60000), WORKER_STATE_DONE);
	snap = worker_snapshot_get(w);
	ck_assert(snap->model == again && snap->scores.valid);
	ck_assert_uint_lt(snap->scores.kept[i1], c1->w_len);
	worker_snapshot_release(snap);
	net_free(copy);
	net_free(net);
	worker_model_release(plain);
	worker_model_release(own);
	worker_model_release(again);
	worker_free(w);
	net_spec_done(&spec);
}
END_TEST

/* Settings <-> Reconvene options: every shared field both ways; the
 * defaults agree; the rest of the settings is left alone. */
START_TEST(test_settings_mapping)
{
	struct worker_settings s, back;
	worker_settings_default(&s);
	struct reconvene_options o, def;
	reconvene_options_init(&def);
	worker_settings_to_reconvene(&s, &o);
	ck_assert(o.method == def.method && o.sparsity == def.sparsity &&
		  o.seed == def.seed && o.tau == def.tau && o.k == def.k &&
		  o.min_keep == def.min_keep &&
		  o.synflow_iterations == def.synflow_iterations &&
		  o.samples_per_class == def.samples_per_class);
	s.method = SCORE_METHOD_GRASP;
	s.sparsity = 0.75;
	s.seed = 5000000000ULL;
	s.tau = 0.3;
	s.k = 4;
	s.min_keep = 2;
	s.synflow_iterations = 7;
	s.samples_per_class = 3;
	worker_settings_to_reconvene(&s, &o);
	ck_assert(o.method == SCORE_METHOD_GRASP && o.sparsity == 0.75 &&
		  o.seed == 5000000000ULL && o.tau == 0.3 && o.k == 4 &&
		  o.min_keep == 2 && o.synflow_iterations == 7 &&
		  o.samples_per_class == 3);
	ck_assert(!o.progress && !o.abort && !o.sensitive_dense && !o.include_residual);
	worker_settings_default(&back);
	back.budget.steps = 99;
	back.latency_runs = 42;
	worker_settings_from_reconvene(&o, &back);
	ck_assert_int_eq(back.budget.steps, 99);
	ck_assert_int_eq(back.latency_runs, 42);
	ck_assert(back.method == s.method && back.sparsity == s.sparsity &&
		  back.seed == s.seed && back.tau == s.tau && back.k == s.k &&
		  back.min_keep == s.min_keep &&
		  back.synflow_iterations == s.synflow_iterations &&
		  back.samples_per_class == s.samples_per_class);

	/* The width rule: the explorer's 'a' plans with Reconvene's default
	 * (sqrt) unless told, and budget (which builds models) is refused. */
	worker_settings_default(&s);
	ck_assert_int_eq(s.width, RECONVENE_WIDTH_SQRT);
	back = s;
	back.width = RECONVENE_WIDTH_DENSITY;
	worker_settings_to_reconvene(&back, &o);
	ck_assert_int_eq(o.width, RECONVENE_WIDTH_DENSITY);
	struct worker *w = worker_start(false, NULL);
	struct eng_err err = { { 0 } };
	ck_assert_int_eq(worker_set_settings(w, &back, &err), ENG_STATUS_OK);
	back.width = RECONVENE_WIDTH_BUDGET;
	ck_assert_int_eq(worker_set_settings(w, &back, &err), ENG_STATUS_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "budget"));
	worker_free(w);

	/* Keeping the initial weights (the explorer's --keep-init; default
	 * off, as Reconvene's) reaches Reconvene's options both ways. */
	worker_settings_default(&s);
	ck_assert(!s.keep_init);
	back = s;
	back.keep_init = true;
	worker_settings_to_reconvene(&back, &o);
	ck_assert(o.keep_init);
	worker_settings_default(&back);
	worker_settings_from_reconvene(&o, &back);
	ck_assert(back.keep_init);
}
END_TEST

START_TEST(test_projection_rejects_bad_plan)
{
	struct worker *w = worker_start(false, NULL);
	struct net_spec spec = { 0 };
	const struct worker_model *m = load(w, "lenet5", &spec);
	struct prune_plan plan;
	ck_assert(plan_init(&plan, &m->groups) == ENG_STATUS_OK);
	int g = -1;
	for (int i = 0; i < m->groups.n_groups; i++)
		if (m->groups.groups[i].prunable)
			g = i;
	ck_assert_int_ge(g, 0);
	plan_set_keep(&plan, g, m->groups.groups[g].channels + 1);
	struct worker_projection pj;
	ck_assert_int_eq(worker_model_project(m, &plan, NULL, &pj), ENG_STATUS_EINVAL);
	struct eng_err err = { { 0 } };
	ck_assert_int_eq(worker_set_plan(w, &plan, NULL, &err), ENG_STATUS_EINVAL);
	ck_assert(strstr(err.msg, "plan:") != NULL);
	plan_done(&plan);
	worker_model_release(m);
	worker_free(w);
	net_spec_done(&spec);
}
END_TEST

/* 1000 random edits fired without waiting: the final snapshot holds the
 * last plan and its projection, equal to a synchronous recomputation and
 * to the metrics of the net plan_apply builds. */
START_TEST(test_thousand_edits)
{
	struct worker *w = worker_start(false, NULL);
	struct net_spec spec = { 0 };
	const struct worker_model *m = load(w, "resnet20", &spec);
	struct prune_plan plan;
	ck_assert(plan_init(&plan, &m->groups) == ENG_STATUS_OK);
	struct rng r;
	rng_seed(&r, 7);
	uint64_t seq = 0, prev = 0;
	struct eng_err err = { { 0 } };
	for (int e = 0; e < 1000; e++) {
		plan_random(&plan, &m->groups, &r, 1);
		ck_assert_msg(worker_set_plan(w, &plan, &seq, &err) == ENG_STATUS_OK, "%s", err.msg);
		ck_assert(seq > prev);
		prev = seq;
	}
	ck_assert(wait_idle(w, 20000));
	const struct worker_snapshot *s = worker_snapshot_get(w);
	ck_assert(s->model == m);
	ck_assert(s->plan_seq == seq);
	ck_assert_int_eq(s->plan.n_groups, plan.n_groups);
	for (int g = 0; g < plan.n_groups; g++)
		ck_assert_int_eq(s->plan.keep[g], plan.keep[g]);
	struct worker_projection pj;
	ck_assert(worker_model_project(m, &plan, NULL, &pj) == ENG_STATUS_OK);
	metrics_eq(&s->proj.plan, &pj.plan);
	metrics_eq(&s->proj.dense, &pj.dense);
	ck_assert(s->proj.plan_hash == plan_hash(&plan));
	/* independent: build the compacted net */
	struct net *net = NULL;
	ck_assert(net_build(&spec, &net, &err) == ENG_STATUS_OK);
	net_init(net, 1);
	struct plan_apply_options ao = { .mode = PLAN_MODE_KEEP };
	struct plan_result pr;
	ck_assert_msg(plan_apply(net, &spec, &m->groups, &plan, &ao, &pr, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	struct metrics ref;
	metrics_compute(pr.net, NULL, &ref, NULL);
	metrics_eq(&s->proj.plan, &ref);
	plan_result_done(&pr);
	net_free(net);
	worker_snapshot_release(s);
	plan_done(&plan);
	worker_model_release(m);
	worker_free(w);
	net_spec_done(&spec);
}
END_TEST

/* ---- wake-up ------------------------------------------------------------ */

START_TEST(test_wake_fd)
{
	struct worker *w = worker_start(false, NULL);
	ck_assert(wait_idle(w, 5000));
	worker_wake_drain(w);
	struct pollfd pfd = { .fd = worker_wake_fd(w), .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 0), 0); /* nothing published since */
	const struct worker_snapshot *s0 = worker_snapshot_get(w);
	uint64_t gen0 = s0->generation;
	worker_snapshot_release(s0);
	struct net_spec spec = { 0 };
	const struct worker_model *m = load(w, "lenet5", &spec);
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert(pfd.revents & POLLIN);
	worker_wake_drain(w);
	ck_assert(wait_idle(w, 5000));
	const struct worker_snapshot *s1 = worker_snapshot_get(w);
	ck_assert(s1->generation > gen0);
	ck_assert(s1->model == m);
	worker_snapshot_release(s1);
	/* drained and idle: not readable until the next publish */
	worker_wake_drain(w);
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	worker_model_release(m);
	worker_free(w);
	net_spec_done(&spec);
}
END_TEST

/* ---- jobs and their references ---------------------------------------- */

START_TEST(test_scores_and_grid)
{
	struct worker *w = worker_start(false, NULL);
	struct net_spec spec = { 0 };
	const struct worker_model *m = load(w, "lenet5", &spec);
	struct worker_settings set;
	settings_fast(&set);
	set.seed = 3;
	apply_settings(w, &set);
	uint64_t rq = worker_request(w, WORKER_JOB_AUTO);
	ck_assert_int_eq(wait_job(w, WORKER_JOB_AUTO, rq, 20000), WORKER_STATE_DONE);
	rq = worker_request(w, WORKER_JOB_GRID);
	ck_assert_int_eq(wait_job(w, WORKER_JOB_GRID, rq, 20000), WORKER_STATE_DONE);
	const struct worker_snapshot *s = worker_snapshot_get(w);
	ck_assert(s->scores.valid && !s->scores.stale);
	ck_assert_int_eq(s->scores.method, SCORE_METHOD_MAGNITUDE);
	/* reference: score and mask directly */
	struct net *net = NULL;
	struct eng_err err = { { 0 } };
	ck_assert(net_build(&spec, &net, &err) == ENG_STATUS_OK);
	net_init(net, 3);
	float *sc = malloc(net->n_params * sizeof *sc);
	uint8_t *mask = malloc(net->n_params);
	double *d = malloc((size_t)net->n_layers * sizeof *d);
	struct score_options so;
	score_options_init(&so);
	so.method = SCORE_METHOD_MAGNITUDE;
	ck_assert(score_compute(net, NULL, &so, sc, &err) == ENG_STATUS_OK);
	ck_assert(score_mask_global(net, sc, 0.8, mask, &err) == ENG_STATUS_OK);
	score_layer_density(net, mask, d);
	for (int i = 0; i < net->n_layers; i++)
		ck_assert(s->scores.density[i] == d[i]);
	for (int c = 0; c < WORKER_GRID_N; c++) {
		ck_assert(score_mask_global(net, sc, worker_grid_sparsity[c], mask, &err) ==
			  ENG_STATUS_OK);
		score_layer_density(net, mask, d);
		for (int i = 0; i < net->n_layers; i++)
			ck_assert(s->grid[i * WORKER_GRID_N + c] == d[i]);
	}
	/* channel scores of conv1 */
	int l = net_find(net, "conv1");
	float ch[64];
	int n = score_channel_scores(net, sc, l, ch);
	ck_assert_int_eq(s->scores.chan_n[l], n);
	for (int c = 0; c < n; c++)
		ck_assert(s->scores.chan[s->scores.chan_off[l] + (size_t)c] == ch[c]);
	/* the automatic plan is Reconvene's */
	struct reconvene_options o;
	reconvene_options_init(&o);
	o.method = SCORE_METHOD_MAGNITUDE;
	o.sparsity = 0.8;
	o.seed = 3;
	struct reconvene_result res;
	ck_assert(reconvene_run(net, &spec, NULL, &o, NULL, &res, &err) == ENG_STATUS_OK);
	ck_assert_int_eq(s->scores.auto_plan.n_groups, res.plan.n_groups);
	for (int g = 0; g < res.plan.n_groups; g++)
		ck_assert_int_eq(s->scores.auto_plan.keep[g], res.plan.keep[g]);
	reconvene_result_done(&res);
	/* a seed change makes them stale */
	worker_snapshot_release(s);
	set.seed = 4;
	apply_settings(w, &set);
	ck_assert(wait_idle(w, 5000));
	s = worker_snapshot_get(w);
	ck_assert(s->scores.valid && s->scores.stale);
	ck_assert(s->grid_stale);
	worker_snapshot_release(s);
	free(sc);
	free(mask);
	free(d);
	net_free(net);
	worker_model_release(m);
	worker_free(w);
	net_spec_done(&spec);
}
END_TEST

/* The explorer's chart (the GRID job) and `reconvene heatmap --view
 * sparsity` (reconvene options -> score_sensitivity_grid on a fresh net)
 * give the same numbers, for SynFlow with a schedule and single-shot. */
START_TEST(test_grid_matches_cli)
{
	struct worker *w = worker_start(false, NULL);
	struct net_spec spec = { 0 };
	const struct worker_model *m = load(w, "lenet5", &spec);
	struct net *net = NULL;
	struct eng_err err = { { 0 } };
	ck_assert(net_build(&spec, &net, &err) == ENG_STATUS_OK);
	size_t cells = (size_t)net->n_layers * WORKER_GRID_N;
	double *cli = malloc(cells * sizeof *cli);
	static const int iterations[] = { 3, 1 };
	for (int r = 0; r < 2; r++) {
		struct worker_settings set;
		settings_fast(&set);
		set.method = SCORE_METHOD_SYNFLOW;
		set.synflow_iterations = iterations[r];
		set.seed = 7;
		apply_settings(w, &set);
		uint64_t rq = worker_request(w, WORKER_JOB_GRID);
		ck_assert_int_eq(wait_job(w, WORKER_JOB_GRID, rq, 60000), WORKER_STATE_DONE);
		/* as cmd_heatmap: options from the command line, a fresh net */
		struct reconvene_options o;
		reconvene_options_init(&o);
		o.method = SCORE_METHOD_SYNFLOW;
		o.synflow_iterations = iterations[r];
		o.seed = 7;
		net_init(net, o.seed);
		struct score_options so;
		reconvene_score_options(&o, &so);
		ck_assert(score_sensitivity_grid(net, NULL, &so, NULL, NULL, cli, &err) ==
			  ENG_STATUS_OK);
		const struct worker_snapshot *s = worker_snapshot_get(w);
		ck_assert(s->grid_valid && !s->grid_stale);
		for (size_t i = 0; i < cells; i++)
			ck_assert_msg(s->grid[i] == cli[i], "iterations %d cell %zu: %g vs %g",
				      iterations[r], i, s->grid[i], cli[i]);
		worker_snapshot_release(s);
	}
	free(cli);
	net_free(net);
	worker_model_release(m);
	worker_free(w);
	net_spec_done(&spec);
}
END_TEST

static void load_synthetic(struct data_split *ds)
{
	struct data_options opt = { .format = DATA_FORMAT_SYNTHETIC,
				    .synthetic_seed = 1, .synthetic_train = 400,
				    .synthetic_test = 100 };
	struct eng_err err = { { 0 } };
	ck_assert_msg(data_load(&opt, ds, &err) == ENG_STATUS_OK, "%s", err.msg);
}

START_TEST(test_quickeval_and_latency_done)
{
	struct data_split ds;
	load_synthetic(&ds);
	struct worker *w = worker_start(false, &ds);
	struct net_spec spec = { 0 };
	const struct worker_model *m = load(w, "lenet5", &spec);
	struct worker_settings set;
	settings_fast(&set);
	apply_settings(w, &set);
	struct prune_plan plan;
	ck_assert(plan_init(&plan, &m->groups) == ENG_STATUS_OK);
	plan_set_keep(&plan, m->groups.layer_out[net_find(m->net, "conv2")], 8);
	struct eng_err err = { { 0 } };
	ck_assert_msg(worker_set_plan(w, &plan, NULL, &err) == ENG_STATUS_OK, "%s", err.msg);
	uint64_t rq = worker_request(w, WORKER_JOB_QUICKEVAL);
	ck_assert_int_eq(wait_job(w, WORKER_JOB_QUICKEVAL, rq, 60000), WORKER_STATE_DONE);
	rq = worker_request(w, WORKER_JOB_LATENCY);
	ck_assert_int_eq(wait_job(w, WORKER_JOB_LATENCY, rq, 60000), WORKER_STATE_DONE);
	const struct worker_snapshot *s = worker_snapshot_get(w);
	for (int v = 0; v < WORKER_VARIANT_COUNT; v++) {
		const struct worker_latency *l = &s->latency[v];
		ck_assert(l->valid && !l->stale);
		ck_assert(l->median_ms > 0 && l->p10_ms <= l->median_ms &&
			  l->median_ms <= l->p90_ms);
		ck_assert_int_ge(l->runs, 1);
		if (v == WORKER_VARIANT_PAI_CSR)
			continue;
		const struct worker_eval *e = &s->eval[v];
		ck_assert(e->valid && !e->stale && !e->cached);
		ck_assert(e->accuracy >= 0 && e->accuracy <= 1);
		ck_assert(e->ci_lo <= e->accuracy && e->accuracy <= e->ci_hi);
		ck_assert_int_eq(e->steps, set.budget.steps);
	}
	worker_snapshot_release(s);
	plan_done(&plan);
	worker_model_release(m);
	worker_free(w);
	net_spec_done(&spec);
	data_split_done(&ds);
}
END_TEST

/* ---- cancellation and shutdown ----------------------------------------- */

START_TEST(test_cancel_latency)
{
	struct worker *w = worker_start(false, NULL);
	struct net_spec spec = { 0 };
	const struct worker_model *m = load(w, "resnet20", &spec);
	struct worker_settings set;
	settings_fast(&set);
	set.latency_runs = 100000; /* runs until its wall-time cap */
	apply_settings(w, &set);
	uint64_t rq = worker_request(w, WORKER_JOB_LATENCY);
	wait_running(w, WORKER_JOB_LATENCY, "latency dense");
	worker_cancel(w, WORKER_JOB_LATENCY);
	ck_assert_int_eq(wait_job(w, WORKER_JOB_LATENCY, rq, 20000), WORKER_STATE_CANCELLED);
	ck_assert(wait_idle(w, 20000));
	const struct worker_snapshot *s = worker_snapshot_get(w);
	ck_assert(!s->latency[WORKER_VARIANT_PLAN].valid);
	ck_assert(!s->busy);
	worker_snapshot_release(s);
	worker_model_release(m);
	worker_free(w);
	net_spec_done(&spec);
}
END_TEST

START_TEST(test_cancel_quickeval)
{
	struct data_split ds;
	load_synthetic(&ds);
	struct worker *w = worker_start(false, &ds);
	struct net_spec spec = { 0 };
	const struct worker_model *m = load(w, "lenet5", &spec);
	struct worker_settings set;
	settings_fast(&set);
	set.budget.steps = 100000;
	apply_settings(w, &set);
	uint64_t rq = worker_request(w, WORKER_JOB_QUICKEVAL);
	wait_running(w, WORKER_JOB_QUICKEVAL, "training");
	worker_cancel(w, WORKER_JOB_QUICKEVAL);
	ck_assert_int_eq(wait_job(w, WORKER_JOB_QUICKEVAL, rq, 20000), WORKER_STATE_CANCELLED);
	/* a newer request supersedes a running one, then completes */
	set.budget.steps = 100000;
	rq = worker_request(w, WORKER_JOB_QUICKEVAL);
	wait_running(w, WORKER_JOB_QUICKEVAL, "training");
	set.budget.steps = 5;
	apply_settings(w, &set); /* aborts the running job, which re-runs */
	ck_assert_int_eq(wait_job(w, WORKER_JOB_QUICKEVAL, rq, 60000), WORKER_STATE_DONE);
	const struct worker_snapshot *s = worker_snapshot_get(w);
	ck_assert(s->eval[WORKER_VARIANT_DENSE].valid);
	ck_assert_int_eq(s->eval[WORKER_VARIANT_DENSE].steps, 5);
	worker_snapshot_release(s);
	worker_model_release(m);
	worker_free(w);
	net_spec_done(&spec);
	data_split_done(&ds);
}
END_TEST

/* An explicit request (the grid, key v) does not wait behind a long
 * quick-eval the worker started on its own: that one is interrupted, and
 * runs again (to completion) afterwards. */
START_TEST(test_request_preempts_auto_quickeval)
{
	struct data_split ds;
	load_synthetic(&ds);
	struct worker *w = worker_start_auto(&ds, WORKER_JOB_BIT(WORKER_JOB_QUICKEVAL));
	struct net_spec spec = { 0 };
	struct worker_settings set;
	settings_fast(&set);
	set.budget.steps = 300; /* long enough to be caught running */
	apply_settings(w, &set);
	const struct worker_model *m = load(w, "lenet5", &spec);
	wait_running(w, WORKER_JOB_QUICKEVAL, "training");
	uint64_t rq = worker_request(w, WORKER_JOB_GRID);
	ck_assert_int_eq(wait_job(w, WORKER_JOB_GRID, rq, 60000), WORKER_STATE_DONE);
	const struct worker_snapshot *s = worker_snapshot_get(w);
	ck_assert_msg(s->job[WORKER_JOB_QUICKEVAL].state != WORKER_STATE_DONE,
		      "the quick-eval finished before the grid");
	ck_assert(s->grid != NULL);
	worker_snapshot_release(s);
	/* The interrupted quick-eval comes back and finishes. */
	ck_assert(wait_idle(w, 300000));
	s = worker_snapshot_get(w);
	ck_assert_int_eq(s->job[WORKER_JOB_QUICKEVAL].state, WORKER_STATE_DONE);
	ck_assert(s->eval[WORKER_VARIANT_DENSE].valid);
	ck_assert_int_eq(s->eval[WORKER_VARIANT_DENSE].steps, 300);
	worker_snapshot_release(s);
	worker_model_release(m);
	worker_free(w);
	net_spec_done(&spec);
	data_split_done(&ds);
}
END_TEST

/* A plan edit while an auto quick-eval trains its first variant: the
 * quick-eval gives way at the next variant boundary, the new plan's
 * latency comes first, then the quick-eval finishes without training the
 * finished variant again, its plan variant on the new plan. */
START_TEST(test_quickeval_yields_between_variants)
{
	struct data_split ds;
	load_synthetic(&ds);
	struct worker *w = worker_start_auto(&ds, WORKER_JOB_BIT(WORKER_JOB_LATENCY) |
						  WORKER_JOB_BIT(WORKER_JOB_QUICKEVAL));
	struct eng_err err = { { 0 } };
	struct net_spec spec = { 0 };
	struct worker_settings set;
	settings_fast(&set);
	set.budget.steps = 300;
	apply_settings(w, &set);
	const struct worker_model *m = load(w, "lenet5", &spec);
	wait_running(w, WORKER_JOB_QUICKEVAL, "dense: training");
	struct prune_plan plan;
	ck_assert(plan_init(&plan, &m->groups) == ENG_STATUS_OK);
	plan_set_keep(&plan, m->groups.layer_out[net_find(m->net, "conv2")], 8);
	uint64_t seq = 0;
	ck_assert_msg(worker_set_plan(w, &plan, &seq, &err) == ENG_STATUS_OK, "%s", err.msg);
	/* The new plan's latency, while the quick-eval is not done. */
	double dense_s = -1;
	for (int i = 0; i < 6000 * time_scale(); i++) {
		const struct worker_snapshot *s = worker_snapshot_get(w);
		bool lat = s->latency[WORKER_VARIANT_PLAN].valid && !s->latency[WORKER_VARIANT_PLAN].stale &&
			   s->plan_seq >= seq;
		bool qe = s->job[WORKER_JOB_QUICKEVAL].state == WORKER_STATE_DONE;
		if (lat) {
			/* Only the variant that was training has a figure. */
			ck_assert_msg(!qe && !s->eval[WORKER_VARIANT_PAI].valid &&
				      !s->eval[WORKER_VARIANT_PLAN].valid,
				      "the quick-eval trained on before the new plan's latency");
			ck_assert(s->eval[WORKER_VARIANT_DENSE].valid);
			dense_s = s->eval[WORKER_VARIANT_DENSE].seconds;
		}
		worker_snapshot_release(s);
		if (lat)
			break;
		usleep(5000);
	}
	ck_assert_msg(dense_s >= 0, "no latency for the new plan");
	ck_assert(wait_idle(w, 300000));
	const struct worker_snapshot *s = worker_snapshot_get(w);
	ck_assert_int_eq(s->job[WORKER_JOB_QUICKEVAL].state, WORKER_STATE_DONE);
	for (int v = 0; v < WORKER_VARIANT_COUNT; v++) {
		if (v == WORKER_VARIANT_PAI_CSR)
			continue;
		ck_assert(s->eval[v].valid && !s->eval[v].stale);
		ck_assert_int_eq(s->eval[v].steps, 300);
	}
	/* The dense figure is the one trained before the yield. */
	ck_assert(s->eval[WORKER_VARIANT_DENSE].seconds == dense_s);
	worker_snapshot_release(s);
	plan_done(&plan);
	worker_model_release(m);
	worker_free(w);
	net_spec_done(&spec);
	data_split_done(&ds);
}
END_TEST

/* The explorer's export is a worker job (issue 11, defect 2): arguments
 * checked at once, progress in the snapshot, cancellable mid-scoring with
 * nothing written, and a worker_free in the middle returns. */
START_TEST(test_export_job_cancel)
{
	struct worker *w = worker_start(false, NULL);
	struct net_spec spec = { 0 };
	const struct worker_model *m = load(w, "resnet20", &spec);
	struct worker_settings set;
	worker_settings_default(&set); /* synflow, 100 iterations: seconds */
	int g = 0;
	while (!m->groups.groups[g].prunable)
		g++;
	apply_settings(w, &set);
	struct prune_plan plan;
	ck_assert(plan_init(&plan, &m->groups) == ENG_STATUS_OK);
	struct eng_err err = { { 0 } };
	ck_assert_uint_eq(worker_export(w, &plan, "", NULL, &err), 0);
	ck_assert_str_eq(err.msg, "export: no directory given");
	plan.keep[g] = 0;
	ck_assert_uint_eq(worker_export(w, &plan, "x", NULL, &err), 0);
	ck_assert(strstr(err.msg, "plan:") != NULL);
	plan.keep[g] = m->groups.groups[g].channels / 2;
	char dir[128];
	snprintf(dir, sizeof dir, "check_worker_export_%d", (int)getpid());
	uint64_t rq = worker_export(w, &plan, dir, NULL, &err);
	ck_assert_msg(rq > 0, "%s", err.msg);
	wait_running(w, WORKER_JOB_EXPORT, "export: scoring");
	/* progress moves */
	long done = 0;
	for (int i = 0; i < 6000 * time_scale() && done == 0; i++) {
		const struct worker_snapshot *s = worker_snapshot_get(w);
		done = s->job[WORKER_JOB_EXPORT].done;
		ck_assert(s->busy);
		worker_snapshot_release(s);
		usleep(10000);
	}
	ck_assert_int_gt(done, 0);
	worker_cancel(w, WORKER_JOB_EXPORT);
	ck_assert_int_eq(wait_job(w, WORKER_JOB_EXPORT, rq, 20000), WORKER_STATE_CANCELLED);
	char path[256];
	snprintf(path, sizeof path, "%s/model.cfg", dir);
	ck_assert(access(path, F_OK) != 0);
	/* again, and free the worker in the middle: it returns */
	rq = worker_export(w, &plan, dir, NULL, &err);
	ck_assert(rq > 0);
	wait_running(w, WORKER_JOB_EXPORT, "export: scoring");
	worker_free(w);
	ck_assert(access(path, F_OK) != 0);
	rm_rf(dir);
	plan_done(&plan);
	worker_model_release(m);
	net_spec_done(&spec);
}
END_TEST

START_TEST(test_shutdown_while_running)
{
	struct data_split ds;
	load_synthetic(&ds);
	for (int k = 0; k < 3; k++) {
		struct worker *w = worker_start(false, &ds);
		struct net_spec spec = { 0 };
		const struct worker_model *m = load(w, k == 1 ? "resnet20" : "lenet5", &spec);
		struct worker_settings set;
		settings_fast(&set);
		set.budget.steps = 100000;
		set.latency_runs = 100000;
		apply_settings(w, &set);
		enum worker_job j = k == 0 ? WORKER_JOB_QUICKEVAL :
			k == 1 ? WORKER_JOB_LATENCY : WORKER_JOB_GRID;
		worker_request(w, j);
		worker_request(w, WORKER_JOB_SCORES);
		if (k < 2)
			wait_running(w, j, k == 0 ? "training" : "latency");
		/* keep a snapshot across the free: it must stay valid */
		const struct worker_snapshot *s = worker_snapshot_get(w);
		worker_free(w);
		ck_assert(s->model == NULL || s->model == m);
		if (s->model)
			ck_assert_str_eq(s->model->spec.name, spec.name);
		worker_snapshot_release(s);
		worker_model_release(m);
		net_spec_done(&spec);
	}
	data_split_done(&ds);
}
END_TEST

/* ---- cache ------------------------------------------------------------- */

struct warn_log {
	int n;
	char last[ENG_ERR_MAX];
};

static void warn_cb(void *user, const char *msg)
{
	struct warn_log *l = user;
	l->n++;
	snprintf(l->last, sizeof l->last, "%s", msg);
}

static void file_put(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert(f != NULL);
	if (n)
		ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	fclose(f);
}

static size_t file_get(const char *path, unsigned char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	ck_assert(f != NULL);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

START_TEST(test_cache_basic)
{
	tmp_cache_home();
	struct warn_log log = { 0 };
	struct eng_warn warn = { warn_cb, &log };
	struct cache *c = NULL;
	struct eng_err err = { { 0 } };
	ck_assert(cache_new(tmp_cache, true, &warn, 0, &c, &err) == ENG_STATUS_OK);
	char want[512];
	snprintf(want, sizeof want, "%s/reconvene", tmp_root);
	ck_assert_str_eq(cache_dir(c), want);
	void *p;
	size_t n;
	ck_assert(!cache_get(c, "k1", &p, &n)); /* miss */
	double v[3] = { 1.5, 2.5, -3 };
	cache_put(c, "k1", v, sizeof v);
	ck_assert(cache_get(c, "k1", &p, &n)); /* memory hit */
	ck_assert_uint_eq(n, sizeof v);
	ck_assert(memcmp(p, v, n) == 0);
	free(p);
	ck_assert(!cache_get(c, "k2", &p, &n));
	cache_forget_memory(c);
	ck_assert(cache_get(c, "k1", &p, &n)); /* disk hit */
	ck_assert(memcmp(p, v, n) == 0);
	free(p);
	struct cache_stats st;
	cache_stats_get(c, &st);
	ck_assert_uint_eq(st.mem_hits, 1);
	ck_assert_uint_eq(st.disk_hits, 1);
	ck_assert_uint_eq(st.misses, 2);
	ck_assert_int_eq(log.n, 0);

	/* corrupt it in several ways: each is a miss with one warning */
	char path[1200];
	ck_assert(cache_entry_path(c, "k1", path, sizeof path));
	/* pinned: the file name is FNV-1a 64 of the key, and the spec hash
	 * in every key; entries of earlier versions must still be found */
	ck_assert_msg(strstr(path, "/08be0f07b56224c1.rcc") != NULL, "%s", path);
	struct net_spec spec;
	spec_from_model("lenet5", &spec);
	ck_assert_uint_eq(cache_spec_hash(&spec), 0x0f353078aa2482eaULL);
	net_spec_done(&spec);
	unsigned char good[256];
	size_t len = file_get(path, good, sizeof good);
	ck_assert_uint_eq(len, 32 + 2 + sizeof v);
	unsigned char bad[256];
	struct { const char *what; size_t n; int edit; } cases[] = {
		{ "truncated", 40, 0 },
		{ "format version", 0, 1 },
		{ "not a reconvene cache", 0, 2 },
		{ "checksum", 0, 3 },
		{ "trailing", 0, 4 },
		{ "truncated header", 5, 0 },
	};
	for (int i = 0; i < 6; i++) {
		memcpy(bad, good, len);
		size_t bn = cases[i].n ? cases[i].n : len;
		if (cases[i].edit == 1)
			bad[8] = 7;
		if (cases[i].edit == 2)
			memcpy(bad, "garbage!", 8);
		if (cases[i].edit == 3)
			bad[len - 1] ^= 0x40;
		if (cases[i].edit == 4)
			bn = len + 3;
		file_put(path, bad, bn);
		cache_forget_memory(c);
		int before = log.n;
		ck_assert(!cache_get(c, "k1", &p, &n));
		ck_assert_int_eq(log.n, before + 1);
		ck_assert_msg(strstr(log.last, cases[i].what) && strstr(log.last, path) &&
			      strstr(log.last, "ignored"), "%s", log.last);
	}
	/* an entry for another key under this key's name */
	cache_put(c, "other", v, sizeof v);
	char opath[1200];
	ck_assert(cache_entry_path(c, "other", opath, sizeof opath));
	len = file_get(opath, good, sizeof good);
	file_put(path, good, len);
	cache_forget_memory(c);
	ck_assert(!cache_get(c, "k1", &p, &n));
	ck_assert(strstr(log.last, "another key"));
	/* a put repairs it */
	cache_put(c, "k1", v, sizeof v);
	cache_forget_memory(c);
	ck_assert(cache_get(c, "k1", &p, &n));
	free(p);
	cache_free(c);

	/* disabled disk cache: nothing written */
	ck_assert(cache_new(NULL, false, &warn, 0, &c, &err) == ENG_STATUS_OK);
	ck_assert(cache_dir(c) == NULL);
	cache_put(c, "k3", v, sizeof v);
	cache_forget_memory(c);
	ck_assert(!cache_get(c, "k3", &p, &n));
	cache_free(c);
	rm_rf(tmp_root);
}
END_TEST

/* Hit, miss and invalidation through the worker, across worker lives. */
START_TEST(test_worker_cache)
{
	tmp_cache_home();
	struct net_spec spec = { 0 };
	struct worker_settings set;
	settings_fast(&set);
	double dense_ms = 0, plan_ms = 0;
	size_t kept0 = 0;
	for (int life = 0; life < 2; life++) {
		struct worker *w = worker_start(true, NULL);
		const struct worker_model *m = load(w, "lenet5", &spec);
		apply_settings(w, &set);
		struct prune_plan plan;
		ck_assert(plan_init(&plan, &m->groups) == ENG_STATUS_OK);
		plan_set_keep(&plan, m->groups.layer_out[net_find(m->net, "conv2")], 10);
		struct eng_err err = { { 0 } };
		ck_assert(worker_set_plan(w, &plan, NULL, &err) == ENG_STATUS_OK);
		uint64_t rq = worker_request(w, WORKER_JOB_SCORES);
		ck_assert_int_eq(wait_job(w, WORKER_JOB_SCORES, rq, 30000), WORKER_STATE_DONE);
		rq = worker_request(w, WORKER_JOB_LATENCY);
		ck_assert_int_eq(wait_job(w, WORKER_JOB_LATENCY, rq, 30000), WORKER_STATE_DONE);
		const struct worker_snapshot *s = worker_snapshot_get(w);
		int l2 = net_find(m->net, "conv2");
		for (int v = 0; v < WORKER_VARIANT_COUNT; v++)
			ck_assert_int_eq(s->latency[v].cached, life == 1);
		ck_assert_int_eq(s->scores.cached, life == 1);
		if (life == 0) {
			dense_ms = s->latency[WORKER_VARIANT_DENSE].median_ms;
			plan_ms = s->latency[WORKER_VARIANT_PLAN].median_ms;
			kept0 = s->scores.kept[l2];
		} else {
			ck_assert(s->latency[WORKER_VARIANT_DENSE].median_ms == dense_ms);
			ck_assert(s->latency[WORKER_VARIANT_PLAN].median_ms == plan_ms);
			ck_assert_uint_eq(s->scores.kept[l2], kept0);
		}
		worker_snapshot_release(s);
		if (life == 1) {
			/* another plan: only the plan variant is measured again */
			plan_set_keep(&plan, m->groups.layer_out[l2], 9);
			ck_assert(worker_set_plan(w, &plan, NULL, &err) == ENG_STATUS_OK);
			rq = worker_request(w, WORKER_JOB_LATENCY);
			ck_assert_int_eq(wait_job(w, WORKER_JOB_LATENCY, rq, 30000),
					 WORKER_STATE_DONE);
			s = worker_snapshot_get(w);
			ck_assert(s->latency[WORKER_VARIANT_DENSE].cached);
			ck_assert(!s->latency[WORKER_VARIANT_PLAN].cached);
			worker_snapshot_release(s);
			/* another seed: scores are a miss */
			set.seed = 9;
			apply_settings(w, &set);
			rq = worker_request(w, WORKER_JOB_SCORES);
			ck_assert_int_eq(wait_job(w, WORKER_JOB_SCORES, rq, 30000),
					 WORKER_STATE_DONE);
			s = worker_snapshot_get(w);
			ck_assert(!s->scores.cached && !s->scores.stale);
			ck_assert(s->latency[WORKER_VARIANT_DENSE].stale);
			ck_assert_int_eq(s->warn_total, 0);
			worker_snapshot_release(s);
			set.seed = 1;
		}
		plan_done(&plan);
		worker_model_release(m);
		worker_free(w);
		net_spec_done(&spec);
	}
	/* garble every cache file: a third life recomputes and warns */
	char dir[512];
	snprintf(dir, sizeof dir, "%s/reconvene", tmp_root);
	DIR *d = opendir(dir);
	ck_assert(d != NULL);
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d))) {
		if (!strstr(e->d_name, ".rcc"))
			continue;
		char p[1024];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		file_put(p, "garbage garbage garbage garbage garbage", 39);
		files++;
	}
	closedir(d);
	ck_assert_int_ge(files, 5);
	struct worker *w = worker_start(true, NULL);
	const struct worker_model *m = load(w, "lenet5", &spec);
	apply_settings(w, &set);
	uint64_t rq = worker_request(w, WORKER_JOB_SCORES);
	ck_assert_int_eq(wait_job(w, WORKER_JOB_SCORES, rq, 30000), WORKER_STATE_DONE);
	const struct worker_snapshot *s = worker_snapshot_get(w);
	ck_assert(!s->scores.cached);
	ck_assert_uint_eq(s->scores.kept[net_find(m->net, "conv2")], kept0);
	ck_assert_int_ge(s->warn_total, 1);
	ck_assert(strstr(s->warnings[s->n_warnings - 1], "ignored") != NULL);
	worker_snapshot_release(s);
	worker_model_release(m);
	worker_free(w);
	net_spec_done(&spec);
	rm_rf(tmp_root);
}
END_TEST

/* The sensitivity grid through the disk cache: a second worker life reads
 * back the same figures, without a warning. */
START_TEST(test_grid_cache)
{
	tmp_cache_home();
	struct net_spec spec = { 0 };
	struct worker_settings set;
	settings_fast(&set);
	double first[64 * WORKER_GRID_N];
	for (int life = 0; life < 2; life++) {
		struct worker *w = worker_start(true, NULL);
		const struct worker_model *m = load(w, "lenet5", &spec);
		apply_settings(w, &set);
		uint64_t rq = worker_request(w, WORKER_JOB_GRID);
		ck_assert_int_eq(wait_job(w, WORKER_JOB_GRID, rq, 30000), WORKER_STATE_DONE);
		const struct worker_snapshot *s = worker_snapshot_get(w);
		size_t cells = (size_t)m->net->n_layers * WORKER_GRID_N;
		ck_assert(cells <= sizeof first / sizeof first[0]);
		ck_assert(s->grid_valid && !s->grid_stale);
		if (life == 0)
			memcpy(first, s->grid, cells * sizeof *first);
		else
			ck_assert(memcmp(first, s->grid, cells * sizeof *first) == 0);
		ck_assert_int_eq(s->warn_total, 0);
		worker_snapshot_release(s);
		worker_model_release(m);
		worker_free(w);
		net_spec_done(&spec);
	}
	rm_rf(tmp_root);
}
END_TEST

/* The WIDTHS job: the ladder's widths of the group asked for, measured
 * once, then the same figures again from the snapshot (same group) and
 * from the disk cache (a new worker); a newer request for another group
 * supersedes; a group that cannot be pruned is refused at once. */
START_TEST(test_widths_job)
{
	tmp_cache_home();
	struct net_spec spec = { 0 };
	struct width_point first[64];
	int first_n = 0, g = -1, g2 = -1;
	for (int life = 0; life < 2; life++) {
		struct worker *w = worker_start(true, NULL);
		const struct worker_model *m = load(w, "lenet5", &spec);
		const struct group_set *gs = &m->groups;
		int fixed = -1;
		for (int k = 0; k < gs->n_groups; k++) {
			if (!gs->groups[k].prunable)
				fixed = fixed < 0 ? k : fixed;
			else if (g < 0)
				g = k;
			else if (g2 < 0)
				g2 = k;
		}
		ck_assert(g >= 0 && g2 >= 0 && fixed >= 0);
		struct eng_err err = { { 0 } };
		ck_assert_uint_eq(worker_request_widths(w, fixed, &err), 0);
		ck_assert_msg(strstr(err.msg, "cannot be pruned"), "%s", err.msg);
		ck_assert_uint_eq(worker_request_widths(w, gs->n_groups, &err), 0);
		if (life == 0) {
			/* superseded: only the second group's staircase arrives */
			uint64_t r1 = worker_request_widths(w, g2, &err);
			ck_assert_uint_gt(r1, 0);
		}
		uint64_t rq = worker_request_widths(w, g, &err);
		ck_assert_uint_gt(rq, 0);
		ck_assert_int_eq(wait_job(w, WORKER_JOB_WIDTHS, rq, 60000), WORKER_STATE_DONE);
		const struct worker_snapshot *s = worker_snapshot_get(w);
		ck_assert(s->widths.valid);
		ck_assert_int_eq(s->widths.cached, life == 1);
		const struct width_staircase *st = &s->widths.stair;
		ck_assert_int_eq(st->group, g);
		ck_assert_int_eq(st->channels, gs->groups[g].channels);
		int ladder[64];
		int n = width_ladder(st->channels, ladder, 64);
		ck_assert_int_eq(st->n, n);
		int timed = 0;
		for (int i = 0; i < m->net->n_layers; i++)
			timed += width_staircase_times(m->net, gs, g, i);
		ck_assert_int_eq(st->n_layers, timed);
		for (int k = 0; k < n; k++) {
			ck_assert_int_eq(st->pts[k].width, ladder[k]);
			ck_assert(st->pts[k].ms > 0.0);
			ck_assert_uint_eq(st->pts[k].macs,
					  width_staircase_macs(m->net, gs, g, ladder[k]));
		}
		if (life == 0) {
			memcpy(first, st->pts, (size_t)n * sizeof *first);
			first_n = n;
		} else {
			ck_assert_int_eq(first_n, n);
			ck_assert(memcmp(first, st->pts, (size_t)n * sizeof *first) == 0);
		}
		worker_snapshot_release(s);
		/* the same group again: nothing to measure, the same figures */
		rq = worker_request_widths(w, g, &err);
		ck_assert_int_eq(wait_job(w, WORKER_JOB_WIDTHS, rq, 5000), WORKER_STATE_DONE);
		s = worker_snapshot_get(w);
		ck_assert(s->widths.valid && s->widths.stair.group == g);
		ck_assert(memcmp(first, s->widths.stair.pts, (size_t)n * sizeof *first) == 0);
		ck_assert_int_eq(s->warn_total, 0);
		worker_snapshot_release(s);
		worker_model_release(m);
		worker_free(w);
		net_spec_done(&spec);
	}
	rm_rf(tmp_root);
}
END_TEST

/* The CRITERIA job equals criteria_compare_run on a fresh net with the
 * same settings (what `reconvene score --compare` runs), bit for bit; a
 * second worker reads it from the disk cache; a tau change makes it
 * stale. */
START_TEST(test_criteria_job)
{
	tmp_cache_home();
	struct data_split ds;
	load_synthetic(&ds);
	struct net_spec spec = { 0 };
	struct worker_settings set;
	settings_fast(&set);
	set.synflow_iterations = 3;
	set.samples_per_class = 2;
	set.tau = 0.5;
	struct criteria_compare ref = { 0 };
	for (int life = 0; life < 2; life++) {
		struct worker *w = worker_start(true, &ds);
		const struct worker_model *m = load(w, "lenet5", &spec);
		apply_settings(w, &set);
		uint64_t rq = worker_request(w, WORKER_JOB_CRITERIA);
		ck_assert_int_eq(wait_job(w, WORKER_JOB_CRITERIA, rq, 60000), WORKER_STATE_DONE);
		if (life == 0) {
			struct net *net = NULL;
			struct eng_err err = { { 0 } };
			ck_assert(net_build(&spec, &net, &err) == ENG_STATUS_OK);
			net_init(net, set.seed);
			struct reconvene_options o;
			worker_settings_to_reconvene(&set, &o);
			ck_assert_msg(criteria_compare_run(net, &ds, &m->groups, &o, &ref, &err) ==
				      ENG_STATUS_OK, "%s", err.msg);
			net_free(net);
		}
		const struct worker_snapshot *s = worker_snapshot_get(w);
		ck_assert(s->criteria_valid && !s->criteria_stale);
		const struct criteria_compare *c = &s->criteria;
		int L = m->net->n_layers;
		ck_assert_int_eq(c->n_layers, L);
		for (int i = 0; i < CRITERIA_METHODS * L; i++) {
			ck_assert(c->density[i] == ref.density[i]);
			ck_assert(c->resilient[i] == ref.resilient[i]);
		}
		for (int i = 0; i < CRITERIA_PAIRS * L; i++)
			ck_assert(c->tau[i] == ref.tau[i] || (isnan(c->tau[i]) && isnan(ref.tau[i])));
		for (int p = 0; p < CRITERIA_PAIRS; p++)
			ck_assert_int_eq(c->tau_layers[p], ref.tau_layers[p]);
		ck_assert_int_eq(s->warn_total, 0);
		worker_snapshot_release(s);
		if (life == 1) {
			struct worker_settings t = set;
			t.tau = 0.3;
			apply_settings(w, &t);
			ck_assert(wait_idle(w, 20000));
			s = worker_snapshot_get(w);
			ck_assert(s->criteria_valid && s->criteria_stale);
			worker_snapshot_release(s);
		}
		worker_model_release(m);
		worker_free(w);
		net_spec_done(&spec);
	}
	criteria_compare_done(&ref);
	data_split_done(&ds);
	rm_rf(tmp_root);
}
END_TEST

/* The STABILITY job equals stability_run on a fresh net at the same
 * settings (what `reconvene score --stability 5` runs); a method change
 * makes it stale. */
START_TEST(test_stability_job)
{
	struct data_split ds;
	load_synthetic(&ds);
	struct net_spec spec = { 0 };
	struct worker *w = worker_start(false, &ds);
	const struct worker_model *m = load(w, "lenet5", &spec);
	struct worker_settings set;
	settings_fast(&set);
	set.method = SCORE_METHOD_SNIP;
	set.samples_per_class = 2;
	set.tau = 0.4;
	apply_settings(w, &set);
	uint64_t rq = worker_request(w, WORKER_JOB_STABILITY);
	ck_assert_int_eq(wait_job(w, WORKER_JOB_STABILITY, rq, 60000), WORKER_STATE_DONE);
	struct net *net = NULL;
	struct eng_err err = { { 0 } };
	ck_assert(net_build(&spec, &net, &err) == ENG_STATUS_OK);
	net_init(net, set.seed);
	struct reconvene_options o;
	worker_settings_to_reconvene(&set, &o);
	struct stability ref;
	ck_assert_msg(stability_run(net, &ds, &m->groups, &o, WORKER_STABILITY_RUNS, true, &ref,
				    &err) == ENG_STATUS_OK, "%s", err.msg);
	const struct worker_snapshot *s = worker_snapshot_get(w);
	ck_assert(s->stability_valid && !s->stability_stale);
	const struct stability *st = &s->stability;
	ck_assert_int_eq(st->n_runs, WORKER_STABILITY_RUNS);
	ck_assert(st->init_runs && !st->deterministic);
	size_t RL = (size_t)st->n_runs * (size_t)st->n_layers;
	for (size_t i = 0; i < RL; i++) {
		ck_assert(st->density[i] == ref.density[i]);
		ck_assert(st->resilient[i] == ref.resilient[i]);
	}
	for (int g = 0; g < m->groups.n_groups; g++) {
		ck_assert_int_eq(st->rectified_runs[g], ref.rectified_runs[g]);
		for (int c = 0; c < m->groups.groups[g].channels; c++)
			ck_assert_int_eq(st->kept_runs[st->kept_off[g] + (size_t)c],
					 ref.kept_runs[ref.kept_off[g] + (size_t)c]);
	}
	worker_snapshot_release(s);
	stability_done(&ref);
	set.method = SCORE_METHOD_MAGNITUDE;
	apply_settings(w, &set);
	ck_assert(wait_idle(w, 20000));
	s = worker_snapshot_get(w);
	ck_assert(s->stability_valid && s->stability_stale);
	worker_snapshot_release(s);
	net_free(net);
	worker_model_release(m);
	worker_free(w);
	net_spec_done(&spec);
	data_split_done(&ds);
}
END_TEST


/* The PROBE job: every cell of lenet5's prunable groups, each equal to
 * group_probe_eval on a fresh net at the same settings; the second worker
 * life reads every cell from the disk cache; a long probe can be
 * cancelled (the finished cells stay), and a settings change makes the
 * result stale. */
/* The probe is a background request: asked for before the automatic
 * SCORES job has run for new settings, it waits for it (soak_busy: a probe
 * picked first starved the automatic jobs for minutes). */
START_TEST(test_probe_yields_to_auto_jobs)
{
	struct data_split ds;
	load_synthetic(&ds);
	struct worker *w = worker_start_auto(&ds, WORKER_JOB_BIT(WORKER_JOB_SCORES));
	struct net_spec spec = { 0 };
	const struct worker_model *m = load(w, "lenet5", &spec);
	struct worker_settings set;
	settings_fast(&set);
	apply_settings(w, &set);
	uint64_t rq = worker_request(w, WORKER_JOB_PROBE);
	bool scores_first = false;
	for (int i = 0; i < 60000; i++) {
		const struct worker_snapshot *s = worker_snapshot_get(w);
		bool scores = s->scores.valid && !s->scores.stale &&
			      s->job[WORKER_JOB_SCORES].state == WORKER_STATE_DONE;
		bool probe = s->job[WORKER_JOB_PROBE].request == rq &&
			     s->job[WORKER_JOB_PROBE].state == WORKER_STATE_DONE;
		if (scores && !probe)
			scores_first = true;
		worker_snapshot_release(s);
		if (scores || probe)
			break;
		usleep(1000);
	}
	ck_assert_msg(scores_first, "the probe ran before the automatic scores");
	ck_assert_int_eq(wait_job(w, WORKER_JOB_PROBE, rq, 60000), WORKER_STATE_DONE);
	worker_model_release(m);
	worker_free(w);
	net_spec_done(&spec);
	data_split_done(&ds);
}
END_TEST

START_TEST(test_probe_job)
{
	tmp_cache_home();
	struct data_split ds;
	load_synthetic(&ds);
	struct net_spec spec = { 0 };
	struct worker_settings set;
	settings_fast(&set);
	double first[16 * GROUP_PROBE_N];
	double seconds[2];
	for (int life = 0; life < 2; life++) {
		struct worker *w = worker_start(true, &ds);
		const struct worker_model *m = load(w, "lenet5", &spec);
		apply_settings(w, &set);
		const struct worker_snapshot *s = worker_snapshot_get(w);
		ck_assert(!s->probe && !s->probe_valid);
		worker_snapshot_release(s);
		uint64_t rq = worker_request(w, WORKER_JOB_PROBE);
		ck_assert_int_eq(wait_job(w, WORKER_JOB_PROBE, rq, 60000), WORKER_STATE_DONE);
		s = worker_snapshot_get(w);
		const struct group_set *gs = &m->groups;
		size_t cells = (size_t)gs->n_groups * GROUP_PROBE_N;
		ck_assert(cells <= sizeof first / sizeof first[0]);
		ck_assert(s->probe_valid && !s->probe_stale && s->probe);
		ck_assert_int_eq(s->probe_total, groups_prunable_count(gs) * GROUP_PROBE_N);
		ck_assert_int_eq(s->probe_done, s->probe_total);
		for (int g = 0; g < gs->n_groups; g++)
			for (int k = 0; k < GROUP_PROBE_N; k++) {
				double a = s->probe[(size_t)g * GROUP_PROBE_N + (size_t)k];
				if (group_probe_eligible(gs, g))
					ck_assert(a >= 0.0 && a <= 1.0);
				else
					ck_assert(a == -1.0);
			}
		seconds[life] = s->job[WORKER_JOB_PROBE].seconds;
		if (life == 0) {
			memcpy(first, s->probe, cells * sizeof *first);
			/* one cell against the engine call the CLI makes */
			int g = gs->layer_out[net_find(m->net, "conv2")];
			struct eng_err err = { { 0 } };
			struct net *net = NULL;
			ck_assert(net_build(&spec, &net, &err) == ENG_STATUS_OK);
			net_init(net, set.seed);
			struct reconvene_options o;
			worker_settings_to_reconvene(&set, &o);
			struct reconvene_pse pse;
			ck_assert(reconvene_pse_run(net, NULL, &o, &pse, &err) == ENG_STATUS_OK);
			float **imp = NULL;
			ck_assert(reconvene_importance(net, gs, pse.scores, NULL, &imp, &err) ==
				  ENG_STATUS_OK);
			struct quickeval_options qo;
			quickeval_options_default(&qo);
			qo.steps = set.budget.steps;
			qo.batch = set.budget.batch;
			qo.train_n = set.budget.train_n;
			qo.test_n = set.budget.test_n;
			qo.lr = set.budget.lr;
			qo.seed = set.seed;
			struct quickeval_result r;
			ck_assert_msg(group_probe_eval(net, &spec, gs, g, group_probe_ratio[1], &o,
						       (const float *const *)imp, pse.mask, &ds,
						       &qo, &r, &err) == ENG_STATUS_OK, "%s",
				      err.msg);
			ck_assert(s->probe[(size_t)g * GROUP_PROBE_N + 1] == (double)r.accuracy);
			quickeval_result_done(&r);
			reconvene_importance_free(imp, gs->n_groups);
			reconvene_pse_done(&pse);
			net_free(net);
		} else {
			ck_assert(memcmp(first, s->probe, cells * sizeof *first) == 0);
			ck_assert(seconds[1] < seconds[0]);
		}
		ck_assert_int_eq(s->warn_total, 0);
		worker_snapshot_release(s);
		/* another sparsity: the probe is stale until asked again */
		struct worker_settings other = set;
		other.sparsity = 0.5;
		apply_settings(w, &other);
		ck_assert(wait_idle(w, 20000));
		s = worker_snapshot_get(w);
		ck_assert(s->probe_valid && s->probe_stale);
		worker_snapshot_release(s);
		if (life == 1) {
			/* a long probe: cancelled while it trains */
			other.budget.steps = 100000;
			apply_settings(w, &other);
			rq = worker_request(w, WORKER_JOB_PROBE);
			wait_running(w, WORKER_JOB_PROBE, "probe");
			worker_cancel(w, WORKER_JOB_PROBE);
			ck_assert_int_eq(wait_job(w, WORKER_JOB_PROBE, rq, 20000),
					 WORKER_STATE_CANCELLED);
			ck_assert(wait_idle(w, 20000));
			s = worker_snapshot_get(w);
			ck_assert(s->probe_valid && !s->probe_stale);
			ck_assert_int_lt(s->probe_done, s->probe_total);
			ck_assert(!s->busy);
			worker_snapshot_release(s);
		}
		worker_model_release(m);
		worker_free(w);
		net_spec_done(&spec);
	}
	data_split_done(&ds);
	rm_rf(tmp_root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("worker");
	TCase *tc = tcase_create("projection");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_projection_matches_reconvene);
	tcase_add_test(tc, test_model_weights);
	tcase_add_test(tc, test_settings_mapping);
	tcase_add_test(tc, test_projection_rejects_bad_plan);
	tcase_add_test(tc, test_thousand_edits);
	tcase_add_test(tc, test_wake_fd);
	suite_add_tcase(s, tc);
	tc = tcase_create("jobs");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_scores_and_grid);
	tcase_add_test(tc, test_grid_matches_cli);
	tcase_add_test(tc, test_quickeval_and_latency_done);
	tcase_add_test(tc, test_cancel_latency);
	tcase_add_test(tc, test_cancel_quickeval);
	tcase_add_test(tc, test_request_preempts_auto_quickeval);
	tcase_add_test(tc, test_quickeval_yields_between_variants);
	tcase_add_test(tc, test_shutdown_while_running);
	tcase_add_test(tc, test_export_job_cancel);
	suite_add_tcase(s, tc);
	tc = tcase_create("cache");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_cache_basic);
	tcase_add_test(tc, test_worker_cache);
	tcase_add_test(tc, test_grid_cache);
	tcase_add_test(tc, test_widths_job);
	tcase_add_test(tc, test_criteria_job);
	tcase_add_test(tc, test_stability_job);
	tcase_add_test(tc, test_probe_job);
	tcase_add_test(tc, test_probe_yields_to_auto_jobs);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
