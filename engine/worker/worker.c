/* worker.c: the background engine thread (see worker.h).
 *
 * Two sides share struct worker:
 *  - the mailbox (everything under mu): the latest model, settings and plan
 *    the UI set, request / done ids per job kind, the running job, the abort
 *    flags, the latest published snapshot and the idle flag;
 *  - worker-thread state (no lock; only the worker thread touches it after
 *    worker_new): the working net, the results with the cache key each was
 *    computed for, job statuses, warnings.
 * A result is "stale" when its key differs from the key the current state
 * gives, so invalidation is a string compare at publish time and nothing
 * has to be cleared by hand when a setting changes.  Auto jobs run when the
 * state key of a job differs from the one its last run started with.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
#include <cblas.h>
#endif

#include "base/cancel.h"
#include "base/hash.h"
#include "worker/cache.h"
#include "measure/latency.h"
#include "train/quickeval.h"
#include "output/heatmap.h"
#include "output/bundle.h"
#include "prune/reconvene.h"
#include "worker/worker.h"

#define WORKER_PUBLISH_MS 50
#define WORKER_KEY_MAX 1024
#define WORKER_LAT_MIN_MS 40.0
#define WORKER_LAT_MAX_MS 250.0

const double *const worker_grid_sparsity = score_sens_sparsity;

/* --- refcounted immutable objects ------------------------------------ */

struct worker_model_box {
	struct worker_model m; /* first: the public pointer is the box */
	atomic_int refs;
};

struct worker_snap_box {
	struct worker_snapshot s; /* first, as above */
	atomic_int refs;
	const struct worker_model *model_ref;
	double *density;
	size_t *kept;
	bool *resilient;
	int *chan_n;
	size_t *chan_off;
	float *chan;
	float *imp_flat;
	const float **imp;
	double *grid;
};

/* PaI results for one key. */
struct worker_pse {
	char key[WORKER_KEY_MAX];
	int n_layers, n_groups;
	size_t n_params;
	uint8_t *mask;       /* n_params */
	size_t *kept;        /* n_layers */
	double *density;     /* n_layers */
	int *chan_n;         /* n_layers */
	size_t *chan_off;    /* n_layers */
	float *chan;         /* chan_len */
	size_t chan_len;
	float **imp;         /* n_groups (NULL entries), views into imp_flat */
	float *imp_flat;
	size_t imp_len;
	bool cached;
	enum score_method method; /* what the key says, for the snapshot */
	double sparsity;
	uint64_t seed;
};

/* What an export writes: taken from the mailbox when the job starts. */
struct worker_export_args {
	struct prune_plan plan;  /* owned */
	char *dir;               /* owned */
	struct render_style style;
};

static void worker_export_args_done(struct worker_export_args *x)
{
	plan_done(&x->plan);
	free(x->dir);
	memset(x, 0, sizeof *x);
}

struct worker_job_ctl {
	uint64_t want;       /* latest request id (mailbox) */
	uint64_t done;       /* request id that no longer needs a run */
	bool requeue;        /* aborted by an edit: run again for the want */
	bool preempted;      /* an auto run aborted for a request: auto again */
};

struct worker {
	struct worker_config cfg;
	char *cache_dir;
	const struct data_split *data;
	int threads;

	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* to the worker: something changed */
	pthread_cond_t idle_cv;  /* to waiters: the worker went idle */
	int wake_fd;

	/* --- mailbox, under mu --- */
	bool quit;
	struct worker_model_box *pend_model; /* a reference, or NULL */
	bool model_dirty;
	uint64_t pend_model_plan_seq;
	struct worker_settings pend_settings;
	bool settings_dirty;
	struct prune_plan pend_plan;
	uint64_t pend_plan_seq;
	bool plan_dirty;
	uint64_t plan_seq_next;
	uint64_t req_next;
	struct worker_job_ctl ctl[WORKER_JOB_COUNT];
	struct worker_export_args pend_export; /* the latest worker_export */
	int running;             /* job kind running, -1 */
	int running_variant;     /* variant running, -1 */
	bool running_auto;       /* the running job was started by auto_jobs */
	struct cancel abort[WORKER_JOB_COUNT]; /* requested under mu; polled
						* by the job without it */
	bool idle;
	struct timespec last_cmd;
	struct worker_snap_box *latest;
	uint64_t generation;
	const struct worker_model *ui_model; /* the model the UI last set */
	struct worker_settings ui_settings;  /* for min_keep and diffs */

	/* --- worker-thread state --- */
	struct cache *cache;
	const struct worker_model *model;
	struct net *net;         /* working net, built from model->spec */
	bool net_ready;          /* holds net_init(net_seed) */
	uint64_t net_seed;
	struct worker_settings set;
	struct prune_plan plan;
	uint64_t plan_seq;
	struct worker_projection proj;
	struct worker_pse *pse;
	struct worker_export_args export; /* the running export's arguments */
	struct worker_job_status st[WORKER_JOB_COUNT];
	char state_key[WORKER_JOB_COUNT][WORKER_KEY_MAX * 2]; /* last run's */
	struct worker_latency lat[WORKER_VARIANT_COUNT];
	char lat_key[WORKER_VARIANT_COUNT][WORKER_KEY_MAX];
	struct worker_eval ev[WORKER_VARIANT_COUNT];
	char ev_key[WORKER_VARIANT_COUNT][WORKER_KEY_MAX];
	double *grid;
	char grid_key[WORKER_KEY_MAX];
	bool grid_cached;
	int cur_job;             /* running job (worker side), -1 */
	struct timespec last_publish;
	unsigned long warn_total;
	char warnings[WORKER_WARN_KEEP][ENG_ERR_MAX];
};

/* --- small helpers ------------------------------------------------------ */

static double worker_ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

/* The ring of warning lines the snapshots carry, as an eng_warn sink:
 * each line overwrites the oldest of the last WORKER_WARN_KEEP.  The
 * worker's own warnings and its cache's arrive here (worker thread). */
static void worker_warn_keep(void *user, const char *line)
{
	struct worker *w = user;
	snprintf(w->warnings[w->warn_total % WORKER_WARN_KEEP], ENG_ERR_MAX,
		 "%s", line);
	w->warn_total++;
}

static void worker_warn(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void worker_warn(struct worker *w, const char *fmt, ...)
{
	struct eng_warn sink = { worker_warn_keep, w };
	va_list ap;
	va_start(ap, fmt);
	eng_warn_vemit(&sink, fmt, ap);
	va_end(ap);
}

const char *worker_job_name(enum worker_job j)
{
	static const char *const names[WORKER_JOB_COUNT] = {
		"scores", "auto", "latency", "quickeval", "grid", "export",
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

void worker_config_default(struct worker_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->disk_cache = true;
	cfg->settle_ms = 150;
}

void worker_settings_default(struct worker_settings *s)
{
	struct reconvene_options o;
	reconvene_options_init(&o);
	struct quickeval_options q;
	quickeval_options_default(&q);
	memset(s, 0, sizeof *s);
	worker_settings_from_reconvene(&o, s);
	s->budget.steps = q.steps;
	s->budget.batch = q.batch;
	s->budget.train_n = q.train_n;
	s->budget.test_n = q.test_n;
	s->budget.lr = q.lr;
	s->latency_runs = 10;
}

void worker_settings_to_reconvene(const struct worker_settings *s,
				  struct reconvene_options *o)
{
	reconvene_options_init(o);
	o->method = s->method;
	o->sparsity = s->sparsity;
	o->seed = s->seed;
	o->tau = s->tau;
	o->k = s->k;
	o->min_keep = s->min_keep;
	o->synflow_iterations = s->synflow_iterations;
	o->samples_per_class = s->samples_per_class;
}

void worker_settings_from_reconvene(const struct reconvene_options *o,
				    struct worker_settings *s)
{
	s->method = o->method;
	s->sparsity = o->sparsity;
	s->seed = o->seed;
	s->tau = o->tau;
	s->k = o->k;
	s->min_keep = o->min_keep;
	s->synflow_iterations = o->synflow_iterations;
	s->samples_per_class = o->samples_per_class;
}

static enum eng_status worker_settings_check(const struct worker_settings *s,
					     struct eng_err *err)
{
	struct reconvene_options o;
	worker_settings_to_reconvene(s, &o);
	enum eng_status st = reconvene_options_check(&o, err);
	if (st != ENG_STATUS_OK)
		return st;
	const struct worker_budget *b = &s->budget;
	if (b->steps < 1 || b->batch < 1 || b->train_n < 1 || b->test_n < 1 ||
	    !(b->lr > 0.0f))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "quick-eval budget: steps, batch, sizes and lr must be positive");
	if (s->latency_runs < 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "latency runs must be >= 0");
	return ENG_STATUS_OK;
}

/* --- models ------------------------------------------------------------- */

const struct worker_model *worker_model_ref(const struct worker_model *m)
{
	struct worker_model_box *b = (struct worker_model_box *)m;
	atomic_fetch_add(&b->refs, 1);
	return m;
}

void worker_model_release(const struct worker_model *m)
{
	if (!m)
		return;
	struct worker_model_box *b = (struct worker_model_box *)m;
	if (atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	groups_done(&b->m.groups);
	free(b->m.net->layers);
	free(b->m.net);
	net_spec_done(&b->m.spec);
	free(b);
}

static _Atomic uint64_t worker_model_ids;

/* Build the shape-only model: a real net_build, then keep only the layer
 * table (params are calloc'd and never touched, so this is cheap even for
 * vgg19, and the copy frees them straight away). */
static enum eng_status worker_model_new(const struct net_spec *spec,
					struct worker_model_box **out,
					struct eng_err *err)
{
	*out = NULL;
	struct worker_model_box *b = calloc(1, sizeof *b);
	if (!b)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	atomic_init(&b->refs, 1);
	struct worker_model *m = &b->m;
	struct net *full = NULL;
	enum eng_status st = net_spec_copy(&m->spec, spec);
	if (st != ENG_STATUS_OK) {
		free(b);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	}
	st = net_build(spec, &full, err);
	if (st != ENG_STATUS_OK)
		goto fail;
	m->net = calloc(1, sizeof *m->net);
	struct layer *layers = calloc((size_t)full->n_layers ? (size_t)full->n_layers : 1,
				      sizeof *layers);
	if (!m->net || !layers) {
		free(layers);
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		goto fail;
	}
	memcpy(m->net->name, full->name, sizeof m->net->name);
	m->net->input = full->input;
	m->net->classes = full->classes;
	m->net->n_layers = full->n_layers;
	m->net->n_params = full->n_params;
	m->net->n_state = full->n_state;
	memcpy(layers, full->layers, (size_t)full->n_layers * sizeof *layers);
	for (int i = 0; i < full->n_layers; i++) {
		layers[i].w = layers[i].b = layers[i].dw = layers[i].db = NULL;
		layers[i].state = NULL;
	}
	m->net->layers = layers;
	m->prunable = score_prunable_count(full);
	net_free(full);
	full = NULL;
	st = groups_build(m->net, &m->groups, err);
	if (st != ENG_STATUS_OK)
		goto fail;
	metrics_from_nnz(m->net, NULL, &m->dense, NULL);
	m->id = atomic_fetch_add(&worker_model_ids, 1) + 1;
	snprintf(m->key, sizeof m->key, "%s %dx%dx%d c%d %016" PRIx64,
		 spec->name, spec->input.c, spec->input.h, spec->input.w,
		 spec->classes, cache_spec_hash(spec));
	*out = b;
	return ENG_STATUS_OK;
fail:
	net_free(full);
	if (m->net) {
		free(m->net->layers);
		free(m->net);
	}
	groups_done(&m->groups);
	net_spec_done(&m->spec);
	free(b);
	return st;
}

/* --- the analytic projection ------------------------------------------- */

enum eng_status worker_model_project(const struct worker_model *m,
				     const struct prune_plan *plan,
				     const size_t *kept,
				     struct worker_projection *out)
{
	memset(out, 0, sizeof *out);
	const struct group_set *gs = &m->groups;
	const struct net *net = m->net;
	if (!plan || plan->n_groups != gs->n_groups)
		return ENG_STATUS_EINVAL;
	for (int g = 0; g < gs->n_groups; g++)
		if (plan->keep[g] < 1 || plan->keep[g] > gs->groups[g].channels)
			return ENG_STATUS_EINVAL;
	int nl = net->n_layers;
	size_t nlz = nl ? (size_t)nl : 1;
	struct layer *tmp = malloc(nlz * sizeof *tmp);
	size_t *nnz = malloc(nlz * sizeof *nnz);
	if (!tmp || !nnz) {
		free(tmp);
		free(nnz);
		return ENG_STATUS_ENOMEM;
	}
	int changed = 0;
	for (int g = 0; g < gs->n_groups; g++)
		changed += plan_group_changed(gs, plan, g);
	enum eng_status st = ENG_STATUS_OK;
	for (int i = 0; i < nl && st == ENG_STATUS_OK; i++) {
		struct layer *l = &tmp[i];
		*l = net->layers[i];
		bool reinit = false;
		if (l->kind == LAYER_KIND_CONV || l->kind == LAYER_KIND_LINEAR) {
			int go = gs->layer_out[i], gi = gs->layer_in[i];
			bool out_changed = go >= 0 && plan_group_changed(gs, plan, go);
			bool in_changed = gi >= 0 && plan_group_changed(gs, plan, gi);
			bool depthwise = l->kind == LAYER_KIND_CONV && l->conf.groups > 1 &&
					 l->conf.groups == l->in.c && l->out.c == l->in.c;
			if (out_changed) {
				l->conf.out = plan->keep[go];
				if (depthwise)
					l->conf.groups = plan->keep[go];
			}
			reinit = out_changed || in_changed;
		}
		struct shape in[LAYER_MAX_INPUTS];
		for (int k = 0; k < l->n_in; k++)
			in[k] = l->in_idx[k] < 0 ? net->input : tmp[l->in_idx[k]].out;
		st = l->ops->infer(l, in, l->n_in, NULL);
		bool weights = (l->kind == LAYER_KIND_CONV || l->kind == LAYER_KIND_LINEAR) &&
			       l->w_len > 0;
		nnz[i] = !weights ? 0 : (reinit || !kept) ? l->w_len : kept[i];
	}
	if (st == ENG_STATUS_OK) {
		struct net shadow = *net;
		shadow.layers = tmp;
		out->dense = m->dense;
		if (kept)
			metrics_from_nnz(net, kept, &out->pai, NULL);
		else
			out->pai = m->dense;
		metrics_from_nnz(&shadow, nnz, &out->plan, NULL);
		out->changed_groups = changed;
		out->plan_hash = plan_hash(plan);
	} else {
		memset(out, 0, sizeof *out);
		st = ENG_STATUS_EINVAL;
	}
	free(tmp);
	free(nnz);
	return st;
}

/* --- snapshots ---------------------------------------------------------- */

void worker_snapshot_release(const struct worker_snapshot *s)
{
	if (!s)
		return;
	struct worker_snap_box *b = (struct worker_snap_box *)s;
	if (atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	worker_model_release(b->model_ref);
	plan_done(&b->s.plan);
	plan_done(&b->s.scores.auto_plan);
	free(b->density);
	free(b->kept);
	free(b->resilient);
	free(b->chan_n);
	free(b->chan_off);
	free(b->chan);
	free(b->imp_flat);
	free(b->imp);
	free(b->grid);
	free(b);
}

static void *worker_dup(const void *src, size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p && n)
		memcpy(p, src, n);
	return p;
}

static void worker_pse_free(struct worker_pse *p)
{
	if (!p)
		return;
	free(p->mask);
	free(p->kept);
	free(p->density);
	free(p->chan_n);
	free(p->chan_off);
	free(p->chan);
	free(p->imp);
	free(p->imp_flat);
	free(p);
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

static void worker_pse_key(const struct worker *w, char *buf, size_t n)
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

static void worker_grid_key(const struct worker *w, char *buf, size_t n)
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

static void worker_variant_key(const struct worker *w, enum worker_job j,
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
		snprintf(plan, sizeof plan, " plan=%016" PRIx64 " mk=%d",
			 plan_hash(&w->plan), s->min_keep);
	if (j == WORKER_JOB_LATENCY) {
		snprintf(tail, sizeof tail, "threads=%d runs=%d", w->threads,
			 s->latency_runs);
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

static bool worker_variant_used(enum worker_job j, enum worker_variant v)
{
	return j == WORKER_JOB_LATENCY || v != WORKER_VARIANT_PAI_CSR;
}

/* The key a job's next run would have: auto jobs run when it changed. */
static void worker_state_key(const struct worker *w, enum worker_job j,
			     char *buf, size_t n)
{
	buf[0] = '\0';
	if (!w->model)
		return;
	if (j == WORKER_JOB_SCORES || j == WORKER_JOB_AUTO) {
		worker_pse_key(w, buf, n);
	} else if (j == WORKER_JOB_EXPORT) {
		snprintf(buf, n, "export");
	} else if (j == WORKER_JOB_GRID) {
		worker_grid_key(w, buf, n);
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

/* Build a snapshot from the worker-thread state; the mailbox parts are
 * filled in by worker_install under the lock. */
static struct worker_snap_box *worker_snap_build(struct worker *w)
{
	struct worker_snap_box *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	struct worker_snapshot *s = &b->s;
	s->settings = w->set;
	for (int j = 0; j < WORKER_JOB_COUNT; j++)
		s->job[j] = w->st[j];
	unsigned long first = w->warn_total > WORKER_WARN_KEEP ?
		w->warn_total - WORKER_WARN_KEEP : 0;
	s->warn_total = w->warn_total;
	for (unsigned long i = first; i < w->warn_total; i++)
		memcpy(s->warnings[s->n_warnings++], w->warnings[i % WORKER_WARN_KEEP],
		       ENG_ERR_MAX);
	if (!w->model)
		return b;
	const struct worker_model *m = w->model;
	b->model_ref = worker_model_ref(m);
	s->model = m;
	s->plan_seq = w->plan_seq;
	if (plan_copy(&s->plan, &w->plan) != ENG_STATUS_OK)
		goto oom;
	s->proj = w->proj;
	int nl = m->net->n_layers;
	size_t nlz = nl ? (size_t)nl : 1;
	if (w->pse) {
		const struct worker_pse *p = w->pse;
		char key[WORKER_KEY_MAX];
		worker_pse_key(w, key, sizeof key);
		b->density = worker_dup(p->density, nlz * sizeof *p->density);
		b->kept = worker_dup(p->kept, nlz * sizeof *p->kept);
		b->chan_n = worker_dup(p->chan_n, nlz * sizeof *p->chan_n);
		b->chan_off = worker_dup(p->chan_off, nlz * sizeof *p->chan_off);
		b->chan = worker_dup(p->chan, (p->chan_len ? p->chan_len : 1) * sizeof *p->chan);
		b->resilient = calloc(nlz, sizeof *b->resilient);
		b->imp_flat = worker_dup(p->imp_flat, (p->imp_len ? p->imp_len : 1) *
						      sizeof *p->imp_flat);
		b->imp = calloc(p->n_groups ? (size_t)p->n_groups : 1, sizeof *b->imp);
		if (!b->density || !b->kept || !b->chan_n || !b->chan_off || !b->chan ||
		    !b->resilient || !b->imp_flat || !b->imp)
			goto oom;
		for (int g = 0; g < p->n_groups; g++)
			if (p->imp[g])
				b->imp[g] = b->imp_flat + (p->imp[g] - p->imp_flat);
		struct reconvene_options o;
		worker_settings_to_reconvene(&w->set, &o);
		reconvene_select(m->net, &m->groups, p->density, &o, b->resilient);
		struct eng_err err;
		if (reconvene_plan_auto(m->net, &m->groups, p->kept, b->resilient, &o,
					&s->scores.auto_plan, &err) != ENG_STATUS_OK) {
			plan_done(&s->scores.auto_plan);
			goto oom;
		}
		struct worker_scores *sc = &s->scores;
		sc->valid = true;
		sc->stale = strcmp(key, p->key) != 0;
		sc->cached = p->cached;
		sc->method = p->method;
		sc->sparsity = p->sparsity;
		sc->seed = p->seed;
		sc->density = b->density;
		sc->kept = b->kept;
		sc->resilient = b->resilient;
		sc->chan_n = b->chan_n;
		sc->chan_off = b->chan_off;
		sc->chan = b->chan;
		sc->group_importance = b->imp;
	}
	for (int v = 0; v < WORKER_VARIANT_COUNT; v++) {
		char key[WORKER_KEY_MAX];
		s->latency[v] = w->lat[v];
		if (w->lat[v].valid) {
			worker_variant_key(w, WORKER_JOB_LATENCY, (enum worker_variant)v,
					   key, sizeof key);
			s->latency[v].stale = strcmp(key, w->lat_key[v]) != 0;
		}
		s->eval[v] = w->ev[v];
		if (w->ev[v].valid) {
			worker_variant_key(w, WORKER_JOB_QUICKEVAL, (enum worker_variant)v,
					   key, sizeof key);
			s->eval[v].stale = strcmp(key, w->ev_key[v]) != 0;
		}
	}
	if (w->grid) {
		char key[WORKER_KEY_MAX];
		worker_grid_key(w, key, sizeof key);
		b->grid = worker_dup(w->grid, nlz * WORKER_GRID_N * sizeof *w->grid);
		if (!b->grid)
			goto oom;
		s->grid = b->grid;
		s->grid_valid = true;
		s->grid_stale = strcmp(key, w->grid_key) != 0;
	}
	/* A finished job whose results no longer match shows as STALE. */
	for (int j = 0; j < WORKER_JOB_COUNT; j++) {
		if (s->job[j].state != WORKER_STATE_DONE)
			continue;
		char key[WORKER_KEY_MAX * 2];
		worker_state_key(w, (enum worker_job)j, key, sizeof key);
		if (strcmp(key, w->state_key[j]) != 0)
			s->job[j].state = WORKER_STATE_STALE;
	}
	return b;
oom:
	worker_snapshot_release(&b->s);
	return NULL;
}

static bool worker_job_due_locked(const struct worker *w, int j)
{
	return w->ctl[j].want > w->ctl[j].done;
}

/* Install under mu: number it, add the queue view, swap, wake the UI. */
static void worker_install_locked(struct worker *w, struct worker_snap_box *b)
{
	struct worker_snapshot *s = &b->s;
	s->generation = ++w->generation;
	bool busy = false;
	for (int j = 0; j < WORKER_JOB_COUNT; j++) {
		if (j == w->running) {
			busy = true;
			continue;
		}
		if (worker_job_due_locked(w, j)) {
			s->job[j].state = WORKER_STATE_QUEUED;
			s->job[j].request = w->ctl[j].want;
			busy = true;
		}
	}
	s->busy = busy || w->model_dirty || w->settings_dirty || w->plan_dirty;
	struct worker_snap_box *old = w->latest;
	w->latest = b;
	if (old)
		worker_snapshot_release(&old->s);
	uint64_t one = 1;
	ssize_t r = write(w->wake_fd, &one, sizeof one);
	(void)r; /* EAGAIN: the counter is saturated, the UI is awake anyway */
}

static void worker_publish(struct worker *w)
{
	struct worker_snap_box *b = worker_snap_build(w);
	clock_gettime(CLOCK_MONOTONIC, &w->last_publish);
	if (!b)
		return; /* out of memory: the UI keeps the previous snapshot */
	pthread_mutex_lock(&w->mu);
	worker_install_locked(w, b);
	pthread_mutex_unlock(&w->mu);
}

const struct worker_snapshot *worker_snapshot_get(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	struct worker_snap_box *b = w->latest;
	atomic_fetch_add(&b->refs, 1);
	pthread_mutex_unlock(&w->mu);
	return &b->s;
}

int worker_wake_fd(const struct worker *w)
{
	return w->wake_fd;
}

void worker_wake_drain(struct worker *w)
{
	uint64_t v;
	ssize_t r = read(w->wake_fd, &v, sizeof v);
	(void)r;
}

/* --- progress and abort ------------------------------------------------- */

static void worker_progress(struct worker *w, const char *phase, long done, long total)
{
	if (w->cur_job < 0)
		return;
	struct worker_job_status *st = &w->st[w->cur_job];
	if (phase)
		snprintf(st->phase, sizeof st->phase, "%s", phase);
	st->done = done;
	st->total = total;
	if (worker_ms_since(&w->last_publish) >= WORKER_PUBLISH_MS)
		worker_publish(w);
}

static void worker_score_progress(int done, int total, void *user)
{
	worker_progress(user, NULL, done, total);
}

static void worker_latency_progress(int done, int total, void *user)
{
	worker_progress(user, NULL, done, total);
}

static void worker_train_progress(const struct train_progress *p, void *user)
{
	struct worker *w = user;
	const char *ph = p->phase == TRAIN_PHASE_EVAL ? "evaluating" : "training";
	char buf[WORKER_PHASE_MAX];
	const char *cur = w->cur_job >= 0 ? w->st[w->cur_job].phase : "";
	const char *colon = strchr(cur, ':');
	/* keep the variant prefix ("quickeval plan: training") */
	if (colon)
		snprintf(buf, sizeof buf, "%.*s: %s", (int)(colon - cur), cur, ph);
	else
		snprintf(buf, sizeof buf, "%s", ph);
	worker_progress(w, buf, p->done, p->total);
}

static void worker_grid_progress(int done, int total, void *user)
{
	worker_progress(user, "sensitivity grid", done, total);
}

static bool worker_aborted(const struct worker *w, int j)
{
	return cancel_requested(&w->abort[j]);
}

static void worker_set_running_variant(struct worker *w, int v)
{
	pthread_mutex_lock(&w->mu);
	w->running_variant = v;
	pthread_mutex_unlock(&w->mu);
}

/* --- the working net ---------------------------------------------------- */

static enum eng_status worker_net_ready(struct worker *w, struct eng_err *err)
{
	if (!w->net) {
		enum eng_status st = net_build(&w->model->spec, &w->net, err);
		if (st != ENG_STATUS_OK)
			return st;
		w->net_ready = false;
	}
	if (!w->net_ready || w->net_seed != w->set.seed) {
		net_init(w->net, w->set.seed);
		w->net_ready = true;
		w->net_seed = w->set.seed;
	}
	return ENG_STATUS_OK;
}

/* --- PSE: compute, encode, decode --------------------------------------- */

static struct worker_pse *worker_pse_alloc(const struct worker_model *m)
{
	struct worker_pse *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	const struct net *net = m->net;
	size_t nlz = net->n_layers ? (size_t)net->n_layers : 1;
	p->n_layers = net->n_layers;
	p->n_groups = m->groups.n_groups;
	p->n_params = net->n_params;
	p->mask = malloc(net->n_params ? net->n_params : 1);
	p->kept = calloc(nlz, sizeof *p->kept);
	p->density = calloc(nlz, sizeof *p->density);
	p->chan_n = calloc(nlz, sizeof *p->chan_n);
	p->chan_off = calloc(nlz, sizeof *p->chan_off);
	p->imp = calloc(p->n_groups ? (size_t)p->n_groups : 1, sizeof *p->imp);
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		p->chan_off[i] = p->chan_len;
		if (score_layer_is_prunable(l)) {
			p->chan_n[i] = l->out.c;
			p->chan_len += (size_t)l->out.c;
		}
	}
	for (int g = 0; g < m->groups.n_groups; g++)
		if (m->groups.groups[g].prunable)
			p->imp_len += (size_t)m->groups.groups[g].channels;
	p->chan = calloc(p->chan_len ? p->chan_len : 1, sizeof *p->chan);
	p->imp_flat = calloc(p->imp_len ? p->imp_len : 1, sizeof *p->imp_flat);
	if (!p->mask || !p->kept || !p->density || !p->chan_n || !p->chan_off ||
	    !p->imp || !p->chan || !p->imp_flat) {
		worker_pse_free(p);
		return NULL;
	}
	size_t off = 0;
	for (int g = 0; g < m->groups.n_groups; g++) {
		if (!m->groups.groups[g].prunable)
			continue;
		p->imp[g] = p->imp_flat + off;
		off += (size_t)m->groups.groups[g].channels;
	}
	return p;
}

static void worker_pse_density(const struct worker_model *m, struct worker_pse *p)
{
	for (int i = 0; i < m->net->n_layers; i++) {
		const struct layer *l = &m->net->layers[i];
		p->density[i] = score_layer_is_prunable(l) ?
			(double)p->kept[i] / (double)l->w_len : -1.0;
	}
}

/* Payload: u64 n_params, n_layers, n_groups, chan_len, imp_len; u64
 * kept[n_layers]; f32 chan[chan_len]; f32 imp[imp_len]; mask as a bitmap. */
static void *worker_pse_encode(const struct worker_pse *p, size_t *len)
{
	size_t bits = (p->n_params + 7) / 8;
	size_t n = 5 * 8 + (size_t)p->n_layers * 8 + (p->chan_len + p->imp_len) * 4 + bits;
	unsigned char *buf = calloc(1, n);
	if (!buf)
		return NULL;
	unsigned char *q = buf;
	uint64_t h[5] = { p->n_params, (uint64_t)p->n_layers, (uint64_t)p->n_groups,
			  p->chan_len, p->imp_len };
	memcpy(q, h, sizeof h);
	q += sizeof h;
	for (int i = 0; i < p->n_layers; i++) {
		uint64_t k = p->kept[i];
		memcpy(q, &k, 8);
		q += 8;
	}
	memcpy(q, p->chan, p->chan_len * 4);
	q += p->chan_len * 4;
	memcpy(q, p->imp_flat, p->imp_len * 4);
	q += p->imp_len * 4;
	for (size_t j = 0; j < p->n_params; j++)
		if (p->mask[j])
			q[j / 8] |= (unsigned char)(1u << (j % 8));
	*len = n;
	return buf;
}

/* Never trust a payload: every count must match the model and the mask
 * must agree with the kept counts. */
static struct worker_pse *worker_pse_decode(const struct worker_model *m,
					    const unsigned char *buf, size_t n)
{
	struct worker_pse *p = worker_pse_alloc(m);
	if (!p)
		return NULL;
	size_t bits = (p->n_params + 7) / 8;
	size_t want = 5 * 8 + (size_t)p->n_layers * 8 + (p->chan_len + p->imp_len) * 4 + bits;
	uint64_t h[5];
	if (n != want)
		goto bad;
	memcpy(h, buf, sizeof h);
	if (h[0] != p->n_params || h[1] != (uint64_t)p->n_layers ||
	    h[2] != (uint64_t)p->n_groups || h[3] != p->chan_len || h[4] != p->imp_len)
		goto bad;
	const unsigned char *q = buf + sizeof h;
	for (int i = 0; i < p->n_layers; i++) {
		uint64_t k;
		memcpy(&k, q, 8);
		q += 8;
		p->kept[i] = (size_t)k;
	}
	memcpy(p->chan, q, p->chan_len * 4);
	q += p->chan_len * 4;
	memcpy(p->imp_flat, q, p->imp_len * 4);
	q += p->imp_len * 4;
	for (size_t j = 0; j < p->n_params; j++)
		p->mask[j] = (q[j / 8] >> (j % 8)) & 1u;
	/* the shape-only net has no params pointer: walk the layout (weight
	 * then bias, layer by layer) by hand */
	bool ok = true;
	size_t off = 0;
	for (int i = 0; i < p->n_layers && ok; i++) {
		const struct layer *l = &m->net->layers[i];
		size_t ones = 0;
		for (size_t j = 0; j < l->w_len; j++)
			ones += p->mask[off + j];
		if (score_layer_is_prunable(l))
			ok = ones == p->kept[i];
		else
			ok = p->kept[i] == 0 && ones == l->w_len;
		for (size_t j = 0; ok && j < l->b_len; j++)
			ok = p->mask[off + l->w_len + j] == 1;
		off += l->w_len + l->b_len;
	}
	if (!ok || off != p->n_params)
		goto bad;
	worker_pse_density(m, p);
	return p;
bad:
	worker_pse_free(p);
	return NULL;
}

static enum eng_status worker_pse_compute(struct worker *w, struct worker_pse **out,
					  struct eng_err *err)
{
	*out = NULL;
	const struct worker_model *m = w->model;
	if (score_method_needs_data(w->set.method) && !w->data)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s scores need a dataset",
				   score_method_name(w->set.method));
	enum eng_status st = worker_net_ready(w, err);
	if (st != ENG_STATUS_OK)
		return st;
	struct reconvene_options o;
	worker_settings_to_reconvene(&w->set, &o);
	o.progress = worker_score_progress;
	o.progress_user = w;
	o.abort = &w->abort[w->cur_job];
	struct reconvene_pse r;
	st = reconvene_pse_run(w->net, w->data, &o, &r, err);
	if (st != ENG_STATUS_OK)
		return st;
	struct worker_pse *p = worker_pse_alloc(m);
	float **imp = NULL;
	if (!p) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(p->mask, r.mask, r.n_params);
	memcpy(p->kept, r.kept, (size_t)r.n_layers * sizeof *p->kept);
	worker_pse_density(m, p);
	for (int i = 0; i < p->n_layers; i++)
		if (p->chan_n[i])
			score_channel_scores(w->net, r.scores, i, p->chan + p->chan_off[i]);
	st = reconvene_importance(w->net, &m->groups, r.scores, &imp, err);
	if (st != ENG_STATUS_OK)
		goto done;
	for (int g = 0; g < p->n_groups; g++)
		if (p->imp[g] && imp[g])
			memcpy(p->imp[g], imp[g],
			       (size_t)m->groups.groups[g].channels * sizeof(float));
	*out = p;
	p = NULL;
done:
	reconvene_importance_free(imp, m->groups.n_groups);
	reconvene_pse_done(&r);
	worker_pse_free(p);
	return st;
}

/* Make w->pse hold the PSE of the current settings (cache, else compute). */
static enum eng_status worker_pse_ensure(struct worker *w, struct eng_err *err)
{
	char key[WORKER_KEY_MAX];
	worker_pse_key(w, key, sizeof key);
	if (w->pse && strcmp(w->pse->key, key) == 0)
		return ENG_STATUS_OK;
	void *buf;
	size_t len;
	struct worker_pse *p = NULL;
	if (cache_get(w->cache, key, &buf, &len)) {
		p = worker_pse_decode(w->model, buf, len);
		free(buf);
		if (!p)
			worker_warn(w, "cache: scores entry does not fit %s; recomputing",
				    w->model->spec.name);
		else
			p->cached = true;
	}
	if (!p) {
		snprintf(w->st[w->cur_job].phase, WORKER_PHASE_MAX, "scoring (%s)",
			 score_method_name(w->set.method));
		enum eng_status st = worker_pse_compute(w, &p, err);
		if (st != ENG_STATUS_OK)
			return st;
		void *enc = worker_pse_encode(p, &len);
		if (enc) {
			cache_put(w->cache, key, enc, len);
			free(enc);
		}
	}
	snprintf(p->key, sizeof p->key, "%s", key);
	p->method = w->set.method;
	p->sparsity = w->set.sparsity;
	p->seed = w->set.seed;
	worker_pse_free(w->pse);
	w->pse = p;
	return ENG_STATUS_OK;
}

/* --- cached figures ---------------------------------------------------- */

/* Latency, quick-eval and grid results are cached as arrays of doubles in
 * native byte order; the key says which:
 *   latency     median, p10, p90, runs                       (4)
 *   quick-eval  accuracy, ci_lo, ci_hi, loss, steps, seconds,
 *               test_n                                       (7)
 *   grid        n_layers x WORKER_GRID_N densities, -1 = none */
#define WORKER_LAT_FIGURES 4
#define WORKER_EVAL_FIGURES 7

/* Hit: exactly n doubles that valid accepts, in out.  Another length or a
 * rejected value is a miss with one warning ("cache: <what> entry is
 * malformed; <then>"). */
static bool worker_figures_get(struct worker *w, const char *key, double *out,
			       size_t n, bool (*valid)(const double *d, size_t n),
			       const char *what, const char *then)
{
	void *buf;
	size_t len;
	if (!cache_get(w->cache, key, &buf, &len))
		return false;
	bool ok = len == n * sizeof *out;
	if (ok)
		memcpy(out, buf, len);
	free(buf);
	if (ok && valid(out, n))
		return true;
	worker_warn(w, "cache: %s entry is malformed; %s", what, then);
	return false;
}

static void worker_figures_put(struct worker *w, const char *key, const double *d,
			       size_t n)
{
	cache_put(w->cache, key, d, n * sizeof *d);
}

static bool worker_latency_valid(const double *d, size_t n)
{
	(void)n;
	return d[0] >= 0 && d[1] <= d[0] && d[0] <= d[2] && d[3] >= 1;
}

static bool worker_eval_valid(const double *d, size_t n)
{
	(void)n;
	return d[0] >= 0 && d[0] <= 1 && d[1] <= d[0] && d[0] <= d[2];
}

static bool worker_grid_valid(const double *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(d[i] == -1.0 || (d[i] >= 0.0 && d[i] <= 1.0)))
			return false;
	return true;
}

/* --- the plan's Reconvene net ------------------------------------------ */

static enum eng_status worker_plan_net(struct worker *w, struct plan_result *r,
				       struct eng_err *err)
{
	const struct worker_model *m = w->model;
	struct reconvene_options o;
	worker_settings_to_reconvene(&w->set, &o);
	return reconvene_apply(w->net, &m->spec, &m->groups, &w->plan, &o,
			       (const float *const *)w->pse->imp, w->pse->mask, r, err);
}

/* --- jobs --------------------------------------------------------------- */

static enum eng_status worker_job_scores(struct worker *w, struct eng_err *err)
{
	return worker_pse_ensure(w, err);
}

static enum eng_status worker_latency_one(struct worker *w, enum worker_variant v,
					  struct eng_err *err)
{
	char key[WORKER_KEY_MAX];
	worker_variant_key(w, WORKER_JOB_LATENCY, v, key, sizeof key);
	if (w->lat[v].valid && strcmp(key, w->lat_key[v]) == 0)
		return ENG_STATUS_OK;
	double d[WORKER_LAT_FIGURES];
	if (worker_figures_get(w, key, d, WORKER_LAT_FIGURES, worker_latency_valid,
			       "latency", "measuring again")) {
		w->lat[v] = (struct worker_latency){ .valid = true, .cached = true,
			.median_ms = d[0], .p10_ms = d[1], .p90_ms = d[2],
			.runs = (int)d[3] };
		snprintf(w->lat_key[v], WORKER_KEY_MAX, "%s", key);
		return ENG_STATUS_OK;
	}
	enum eng_status st = ENG_STATUS_OK;
	if (v != WORKER_VARIANT_DENSE)
		st = worker_pse_ensure(w, err);
	if (!st)
		st = worker_net_ready(w, err);
	if (st)
		return st;
	char phase[WORKER_PHASE_MAX];
	snprintf(phase, sizeof phase, "latency %s", worker_variant_name(v));
	worker_set_running_variant(w, v);
	worker_progress(w, phase, 0, w->set.latency_runs);
	struct latency_options o;
	latency_options_init(&o);
	o.warmup = 2;
	o.min_runs = w->set.latency_runs > 0 ? w->set.latency_runs : 10;
	if (o.max_runs < o.min_runs)
		o.max_runs = o.min_runs;
	o.min_ms = WORKER_LAT_MIN_MS;
	o.max_ms = WORKER_LAT_MAX_MS;
	o.progress = worker_latency_progress;
	o.progress_user = w;
	o.abort = &w->abort[WORKER_JOB_LATENCY];
	struct latency_result r;
	if (v == WORKER_VARIANT_PLAN) {
		struct plan_result pr;
		st = worker_plan_net(w, &pr, err);
		if (st)
			return st;
		if (worker_aborted(w, WORKER_JOB_LATENCY))
			st = ENG_STATUS_ABORTED;
		else
			st = latency_measure(pr.net, NULL, LATENCY_VARIANT_STRUCTURED, &o,
					     &r, err);
		plan_result_done(&pr);
	} else {
		enum latency_variant lv = v == WORKER_VARIANT_DENSE ? LATENCY_VARIANT_DENSE :
			v == WORKER_VARIANT_PAI ? LATENCY_VARIANT_MASKED : LATENCY_VARIANT_SPARSE;
		st = latency_measure(w->net, v == WORKER_VARIANT_DENSE ? NULL : w->pse->mask,
				     lv, &o, &r, err);
	}
	if (st)
		return st;
	w->lat[v] = (struct worker_latency){ .valid = true, .median_ms = r.median_ms,
		.p10_ms = r.p10_ms, .p90_ms = r.p90_ms, .runs = r.runs };
	snprintf(w->lat_key[v], WORKER_KEY_MAX, "%s", key);
	double fig[WORKER_LAT_FIGURES] = { r.median_ms, r.p10_ms, r.p90_ms, r.runs };
	worker_figures_put(w, key, fig, WORKER_LAT_FIGURES);
	return ENG_STATUS_OK;
}

static enum eng_status worker_job_latency(struct worker *w, struct eng_err *err)
{
	for (int v = 0; v < WORKER_VARIANT_COUNT; v++) {
		if (worker_aborted(w, WORKER_JOB_LATENCY))
			return eng_err_set(err, ENG_STATUS_ABORTED, "cancelled");
		enum eng_status st = worker_latency_one(w, (enum worker_variant)v, err);
		if (st)
			return st;
		worker_publish(w);
	}
	return ENG_STATUS_OK;
}

/* *trained: whether it trained (false: the figure was already there). */
static enum eng_status worker_eval_one(struct worker *w, enum worker_variant v,
				       bool *trained, struct eng_err *err)
{
	*trained = false;
	char key[WORKER_KEY_MAX];
	worker_variant_key(w, WORKER_JOB_QUICKEVAL, v, key, sizeof key);
	if (w->ev[v].valid && strcmp(key, w->ev_key[v]) == 0)
		return ENG_STATUS_OK;
	double d[WORKER_EVAL_FIGURES];
	if (worker_figures_get(w, key, d, WORKER_EVAL_FIGURES, worker_eval_valid,
			       "quick-eval", "evaluating again")) {
		w->ev[v] = (struct worker_eval){ .valid = true, .cached = true,
			.accuracy = (float)d[0], .ci_lo = (float)d[1],
			.ci_hi = (float)d[2], .loss = (float)d[3],
			.steps = (long)d[4], .seconds = d[5] };
		snprintf(w->ev_key[v], WORKER_KEY_MAX, "%s", key);
		return ENG_STATUS_OK;
	}
	if (!w->data)
		return eng_err_set(err, ENG_STATUS_EINVAL, "quick-eval needs a dataset");
	enum eng_status st = ENG_STATUS_OK;
	if (v != WORKER_VARIANT_DENSE)
		st = worker_pse_ensure(w, err);
	if (!st)
		st = worker_net_ready(w, err);
	if (st)
		return st;
	char phase[WORKER_PHASE_MAX];
	snprintf(phase, sizeof phase, "quickeval %s: training", worker_variant_name(v));
	worker_set_running_variant(w, v);
	worker_progress(w, phase, 0, w->set.budget.steps);
	struct quickeval_options o;
	quickeval_options_default(&o);
	o.steps = w->set.budget.steps;
	o.batch = w->set.budget.batch;
	o.train_n = w->set.budget.train_n;
	o.test_n = w->set.budget.test_n;
	o.lr = w->set.budget.lr;
	o.seed = w->set.seed;
	o.curve_every = (int)(o.steps > 0 ? o.steps : 1);
	o.progress = worker_train_progress;
	o.user = w;
	o.abort = &w->abort[WORKER_JOB_QUICKEVAL];
	struct quickeval_result r;
	memset(&r, 0, sizeof r);
	if (v == WORKER_VARIANT_PLAN) {
		struct plan_result pr;
		st = worker_plan_net(w, &pr, err);
		if (st)
			return st;
		o.init = false; /* the Reconvene weights: kept init + RLR */
		o.mask = pr.mask;
		st = quickeval_run(pr.net, w->data, &o, &r, err);
		plan_result_done(&pr);
	} else {
		o.init = true;
		o.mask = v == WORKER_VARIANT_DENSE ? NULL : w->pse->mask;
		st = quickeval_run(w->net, w->data, &o, &r, err);
	}
	if (st) {
		quickeval_result_done(&r);
		return st;
	}
	w->ev[v] = (struct worker_eval){ .valid = true, .accuracy = r.accuracy,
		.ci_lo = r.ci_lo, .ci_hi = r.ci_hi, .loss = r.loss, .steps = r.steps,
		.seconds = r.seconds };
	snprintf(w->ev_key[v], WORKER_KEY_MAX, "%s", key);
	double fig[WORKER_EVAL_FIGURES] = { r.accuracy, r.ci_lo, r.ci_hi, r.loss,
					     (double)r.steps, r.seconds, (double)r.test_n };
	worker_figures_put(w, key, fig, WORKER_EVAL_FIGURES);
	quickeval_result_done(&r);
	*trained = true;
	return ENG_STATUS_OK;
}

/* Between two quick-eval variants (each takes seconds): give way when a
 * command waits in the mailbox or a job before j is due, so that the next
 * variant sees the newest plan and a fresh latency need not wait for the
 * remaining variants.  The job runs again afterwards (as a request, or as
 * an auto job) and skips the variants it finished. */
static bool worker_yield_point(struct worker *w, int j)
{
	pthread_mutex_lock(&w->mu);
	bool yield = w->model_dirty || w->settings_dirty || w->plan_dirty;
	for (int k = 0; k < j && !yield; k++)
		yield = worker_job_due_locked(w, k);
	if (yield) {
		w->ctl[j].requeue = true;
		w->ctl[j].preempted = true;
	}
	pthread_mutex_unlock(&w->mu);
	return yield;
}

static enum eng_status worker_job_quickeval(struct worker *w, struct eng_err *err)
{
	bool progressed = false; /* trained a variant in this run */
	for (int v = 0; v < WORKER_VARIANT_COUNT; v++) {
		if (!worker_variant_used(WORKER_JOB_QUICKEVAL, (enum worker_variant)v))
			continue;
		if (worker_aborted(w, WORKER_JOB_QUICKEVAL))
			return eng_err_set(err, ENG_STATUS_ABORTED, "cancelled");
		/* Only after real work, so a stream of edits cannot starve it. */
		if (progressed && worker_yield_point(w, WORKER_JOB_QUICKEVAL))
			return eng_err_set(err, ENG_STATUS_ABORTED, "yielded");
		bool trained;
		enum eng_status st = worker_eval_one(w, (enum worker_variant)v, &trained, err);
		progressed |= trained;
		if (st)
			return st;
		worker_publish(w);
	}
	return ENG_STATUS_OK;
}

static enum eng_status worker_job_grid(struct worker *w, struct eng_err *err)
{
	char key[WORKER_KEY_MAX];
	worker_grid_key(w, key, sizeof key);
	if (w->grid && strcmp(key, w->grid_key) == 0)
		return ENG_STATUS_OK;
	const struct worker_model *m = w->model;
	size_t nl = (size_t)m->net->n_layers;
	size_t cells = (nl ? nl : 1) * WORKER_GRID_N;
	double *grid = malloc(cells * sizeof *grid);
	if (!grid)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	if (worker_figures_get(w, key, grid, cells, worker_grid_valid,
			       "sensitivity grid", "recomputing")) {
		free(w->grid);
		w->grid = grid;
		w->grid_cached = true;
		snprintf(w->grid_key, sizeof w->grid_key, "%s", key);
		return ENG_STATUS_OK;
	}
	enum eng_status st = ENG_STATUS_OK;
	if (score_method_needs_data(w->set.method) && !w->data)
		st = eng_err_set(err, ENG_STATUS_EINVAL, "%s scores need a dataset",
				 score_method_name(w->set.method));
	if (!st)
		st = worker_net_ready(w, err);
	if (st) {
		free(grid);
		return st;
	}
	struct reconvene_options o;
	worker_settings_to_reconvene(&w->set, &o);
	o.abort = &w->abort[WORKER_JOB_GRID];
	struct score_options so;
	reconvene_score_options(&o, &so);
	st = score_sensitivity_grid(w->net, w->data, &so, worker_grid_progress, w, grid, err);
	if (st) {
		free(grid);
		return st;
	}
	worker_figures_put(w, key, grid, cells);
	free(w->grid);
	w->grid = grid;
	w->grid_cached = false;
	snprintf(w->grid_key, sizeof w->grid_key, "%s", key);
	return ENG_STATUS_OK;
}

/* --- the loop ----------------------------------------------------------- */

/* The export: re-score a fresh net at the current settings, build the
 * plan's Reconvene net, write the bundle and its heatmap. */
static enum eng_status worker_job_export(struct worker *w, struct eng_err *err)
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
	net_init(net, o.seed);
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

/* Forget everything computed for the previous model. */
static void worker_results_reset(struct worker *w)
{
	worker_pse_free(w->pse);
	w->pse = NULL;
	memset(w->lat, 0, sizeof w->lat);
	memset(w->ev, 0, sizeof w->ev);
	free(w->grid);
	w->grid = NULL;
	for (int j = 0; j < WORKER_JOB_COUNT; j++) {
		memset(&w->st[j], 0, sizeof w->st[j]);
		w->state_key[j][0] = '\0';
	}
	net_free(w->net);
	w->net = NULL;
	w->net_ready = false;
}

/* Take the mailbox's latest values (under mu).  Returns true if any. */
static bool worker_take_locked(struct worker *w, struct worker_model_box **model,
			       bool *have_settings, bool *have_plan,
			       struct prune_plan *plan, uint64_t *plan_seq)
{
	bool any = false;
	*model = NULL;
	*have_settings = *have_plan = false;
	if (w->model_dirty) {
		*plan_seq = w->pend_model_plan_seq;
		*model = w->pend_model;
		w->pend_model = NULL;
		w->model_dirty = false;
		any = true;
	}
	if (w->settings_dirty) {
		w->set = w->pend_settings;
		w->settings_dirty = false;
		*have_settings = true;
		any = true;
	}
	if (w->plan_dirty) {
		/* swap: the worker gets the plan, the mailbox keeps the old
		 * storage for the next edit */
		*plan = w->pend_plan;
		memset(&w->pend_plan, 0, sizeof w->pend_plan);
		*plan_seq = w->pend_plan_seq;
		w->plan_dirty = false;
		*have_plan = true;
		any = true;
	}
	return any;
}

static void worker_apply_taken(struct worker *w, struct worker_model_box *mb,
			       bool have_plan, struct prune_plan *plan, uint64_t plan_seq)
{
	if (mb) {
		worker_model_release(w->model);
		w->model = &mb->m; /* the mailbox's reference moves here */
		worker_results_reset(w);
		plan_done(&w->plan);
		if (plan_init(&w->plan, &w->model->groups) != ENG_STATUS_OK)
			worker_warn(w, "out of memory");
		w->plan_seq = plan_seq;
	}
	if (have_plan) {
		if (w->model && plan->n_groups == w->model->groups.n_groups) {
			plan_done(&w->plan);
			w->plan = *plan;
			w->plan_seq = plan_seq;
		} else {
			plan_done(plan);
		}
	}
	if (w->model && worker_model_project(w->model, &w->plan,
					     w->pse ? w->pse->kept : NULL,
					     &w->proj) != ENG_STATUS_OK)
		memset(&w->proj, 0, sizeof w->proj);
}

/* The next job to run (under mu), or -1.  *wait_ms: how long until an
 * auto job's settle time is over (-1 = nothing pending). */
static int worker_pick_locked(struct worker *w, bool *is_auto, int *wait_ms)
{
	*is_auto = false;
	*wait_ms = -1;
	for (int j = 0; j < WORKER_JOB_COUNT; j++)
		if (worker_job_due_locked(w, j))
			return j;
	if (!w->model || !w->cfg.auto_jobs)
		return -1;
	for (int j = 0; j < WORKER_JOB_COUNT; j++) {
		if (!(w->cfg.auto_jobs & WORKER_JOB_BIT(j)))
			continue;
		char key[WORKER_KEY_MAX * 2];
		worker_state_key(w, (enum worker_job)j, key, sizeof key);
		if (strcmp(key, w->state_key[j]) == 0)
			continue;
		double since = worker_ms_since(&w->last_cmd);
		if (since < w->cfg.settle_ms) {
			int left = (int)(w->cfg.settle_ms - since) + 1;
			if (*wait_ms < 0 || left < *wait_ms)
				*wait_ms = left;
			continue;
		}
		*is_auto = true;
		return j;
	}
	return -1;
}

static void worker_run_job(struct worker *w, int j, uint64_t req)
{
	struct worker_job_status *st = &w->st[j];
	memset(st, 0, sizeof *st);
	st->state = WORKER_STATE_RUNNING;
	st->request = req;
	snprintf(st->phase, sizeof st->phase, "%s", worker_job_name((enum worker_job)j));
	worker_state_key(w, (enum worker_job)j, w->state_key[j], sizeof w->state_key[j]);
	w->cur_job = j;
	worker_publish(w);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct eng_err err = { "" };
	enum eng_status s;
	if (!w->model) {
		s = eng_err_set(&err, ENG_STATUS_EINVAL, "no model loaded");
	} else {
		switch (j) {
		case WORKER_JOB_SCORES:
		case WORKER_JOB_AUTO:
			s = worker_job_scores(w, &err);
			break;
		case WORKER_JOB_LATENCY:
			s = worker_job_latency(w, &err);
			break;
		case WORKER_JOB_QUICKEVAL:
			s = worker_job_quickeval(w, &err);
			break;
		case WORKER_JOB_EXPORT:
			s = worker_job_export(w, &err);
			break;
		default:
			s = worker_job_grid(w, &err);
			break;
		}
	}
	w->cur_job = -1;
	st->seconds = worker_ms_since(&t0) / 1e3;
	if (s == ENG_STATUS_OK) {
		st->state = WORKER_STATE_DONE;
		snprintf(st->phase, sizeof st->phase, "done");
		/* scores also serve the AUTO job (and vice versa) */
		int twin = j == WORKER_JOB_SCORES ? WORKER_JOB_AUTO :
			   j == WORKER_JOB_AUTO ? WORKER_JOB_SCORES : -1;
		if (twin >= 0 && w->st[twin].state != WORKER_STATE_RUNNING) {
			uint64_t keep = w->st[twin].request;
			w->st[twin] = *st;
			w->st[twin].request = keep;
			memcpy(w->state_key[twin], w->state_key[j], sizeof w->state_key[j]);
		}
	} else if (s == ENG_STATUS_ABORTED) {
		st->state = WORKER_STATE_CANCELLED;
		snprintf(st->phase, sizeof st->phase, "cancelled");
	} else {
		st->state = WORKER_STATE_FAILED;
		snprintf(st->msg, sizeof st->msg, "%s", err.msg);
		worker_warn(w, "%s: %s", worker_job_name((enum worker_job)j), err.msg);
	}
	/* the projection may use fresh kept counts */
	if (w->model && worker_model_project(w->model, &w->plan,
					     w->pse ? w->pse->kept : NULL,
					     &w->proj) != ENG_STATUS_OK)
		memset(&w->proj, 0, sizeof w->proj);
	pthread_mutex_lock(&w->mu);
	w->running = -1;
	w->running_variant = -1;
	struct worker_job_ctl *c = &w->ctl[j];
	/* an edit aborted it: run again for the same request */
	if (!(s == ENG_STATUS_ABORTED && c->requeue) && c->done < req)
		c->done = req;
	/* Forget what it started on, so the auto pick sees it as not done. */
	if (s == ENG_STATUS_ABORTED && c->preempted)
		w->state_key[j][0] = '\0';
	c->requeue = false;
	c->preempted = false;
	cancel_clear(&w->abort[j]);
	pthread_mutex_unlock(&w->mu);
	worker_publish(w);
}

static void worker_set_threads(int n)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	openblas_set_num_threads(n);
#endif
#ifdef _OPENMP
	omp_set_num_threads(n);
#endif
	(void)n;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	worker_set_threads(w->threads);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		if (w->quit)
			break;
		struct worker_model_box *mb;
		bool have_set, have_plan;
		struct prune_plan plan = { 0 };
		uint64_t plan_seq = 0;
		if (worker_take_locked(w, &mb, &have_set, &have_plan, &plan, &plan_seq)) {
			pthread_mutex_unlock(&w->mu);
			worker_apply_taken(w, mb, have_plan, &plan, plan_seq);
			worker_publish(w);
			pthread_mutex_lock(&w->mu);
			continue; /* take newer commands before starting work */
		}
		bool is_auto;
		int wait_ms;
		int j = worker_pick_locked(w, &is_auto, &wait_ms);
		if (j < 0) {
			if (wait_ms < 0) {
				w->idle = true;
				pthread_cond_broadcast(&w->idle_cv);
				pthread_cond_wait(&w->cv, &w->mu);
			} else {
				struct timespec ts;
				clock_gettime(CLOCK_MONOTONIC, &ts);
				ts.tv_sec += wait_ms / 1000;
				ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
				if (ts.tv_nsec >= 1000000000L) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000L;
				}
				pthread_cond_timedwait(&w->cv, &w->mu, &ts);
			}
			continue;
		}
		uint64_t req;
		if (is_auto) {
			req = ++w->req_next;
		} else {
			req = w->ctl[j].want;
		}
		if (j == WORKER_JOB_EXPORT) {
			worker_export_args_done(&w->export);
			w->export = w->pend_export;
			memset(&w->pend_export, 0, sizeof w->pend_export);
		}
		w->running = j;
		w->running_auto = is_auto;
		w->running_variant = -1;
		cancel_clear(&w->abort[j]);
		w->ctl[j].requeue = false;
		pthread_mutex_unlock(&w->mu);
		worker_run_job(w, j, req);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* --- the UI side -------------------------------------------------------- */

static void worker_abort_locked(struct worker *w, int j, bool requeue)
{
	if (w->running != j)
		return;
	cancel_request(&w->abort[j]);
	if (requeue)
		w->ctl[j].requeue = true;
}

/* What the user asked for (job j) goes before a measurement the worker
 * started on its own (latency, quick-eval: seconds to minutes); that one
 * runs again afterwards, keeping the variants it finished. */
static void worker_preempt_auto_locked(struct worker *w, int j)
{
	if (w->running >= 0 && w->running != j && w->running_auto &&
	    (w->running == WORKER_JOB_LATENCY || w->running == WORKER_JOB_QUICKEVAL)) {
		w->ctl[w->running].preempted = true;
		worker_abort_locked(w, w->running, false);
	}
}

static void worker_touch_locked(struct worker *w)
{
	w->idle = false;
	clock_gettime(CLOCK_MONOTONIC, &w->last_cmd);
	pthread_cond_signal(&w->cv);
}

enum eng_status worker_new(const struct worker_config *cfg,
			   const struct data_split *data, struct worker **out,
			   struct eng_err *err)
{
	*out = NULL;
	struct worker_config def;
	if (!cfg) {
		worker_config_default(&def);
		cfg = &def;
	}
	if (cfg->threads < 0 || cfg->settle_ms < 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "worker: threads and settle time must be >= 0");
	struct worker *w = calloc(1, sizeof *w);
	if (!w)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	w->cfg = *cfg;
	w->data = data;
	w->running = -1;
	w->running_variant = -1;
	w->cur_job = -1;
	w->idle = false;
	w->wake_fd = -1;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	w->threads = cfg->threads > 0 ? cfg->threads : ncpu > 0 ? (int)ncpu : 1;
	worker_settings_default(&w->set);
	w->pend_settings = w->set;
	w->ui_settings = w->set;
	for (int j = 0; j < WORKER_JOB_COUNT; j++)
		cancel_init(&w->abort[j]);
	clock_gettime(CLOCK_MONOTONIC, &w->last_cmd);
	enum eng_status st;
	if (cfg->cache_dir) {
		w->cache_dir = strdup(cfg->cache_dir);
		if (!w->cache_dir) {
			free(w);
			return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		}
		w->cfg.cache_dir = w->cache_dir;
	}
	struct eng_warn ring = { worker_warn_keep, w };
	st = cache_new(w->cache_dir, cfg->disk_cache, &ring, 0,
		       &w->cache, err);
	if (st) {
		free(w->cache_dir);
		free(w);
		return st;
	}
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->wake_fd < 0) {
		st = eng_err_set(err, ENG_STATUS_EIO, "worker: eventfd: %s", strerror(errno));
		goto fail_cache;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, &ca);
	pthread_cond_init(&w->idle_cv, NULL);
	pthread_condattr_destroy(&ca);
	w->latest = worker_snap_build(w);
	if (!w->latest) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		goto fail_sync;
	}
	int e = pthread_create(&w->thread, NULL, worker_main, w);
	if (e != 0) {
		st = eng_err_set(err, ENG_STATUS_EIO, "worker: cannot start thread: %s",
				 strerror(e));
		worker_snapshot_release(&w->latest->s);
		goto fail_sync;
	}
	w->started = true;
	*out = w;
	return ENG_STATUS_OK;
fail_sync:
	pthread_cond_destroy(&w->cv);
	pthread_cond_destroy(&w->idle_cv);
	pthread_mutex_destroy(&w->mu);
	close(w->wake_fd);
fail_cache:
	cache_free(w->cache);
	free(w->cache_dir);
	free(w);
	return st;
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = true;
	for (int j = 0; j < WORKER_JOB_COUNT; j++)
		cancel_request(&w->abort[j]);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->started)
		pthread_join(w->thread, NULL);
	if (w->pend_model)
		worker_model_release(&w->pend_model->m);
	plan_done(&w->pend_plan);
	worker_export_args_done(&w->pend_export);
	worker_export_args_done(&w->export);
	worker_results_reset(w);
	plan_done(&w->plan);
	worker_model_release(w->model);
	worker_model_release(w->ui_model);
	if (w->latest)
		worker_snapshot_release(&w->latest->s);
	cache_free(w->cache);
	close(w->wake_fd);
	pthread_cond_destroy(&w->cv);
	pthread_cond_destroy(&w->idle_cv);
	pthread_mutex_destroy(&w->mu);
	free(w->cache_dir);
	free(w);
}

enum eng_status worker_set_model(struct worker *w, const struct net_spec *spec,
				 const struct worker_model **out,
				 struct eng_err *err)
{
	if (out)
		*out = NULL;
	struct worker_model_box *b;
	enum eng_status st = worker_model_new(spec, &b, err);
	if (st)
		return st;
	pthread_mutex_lock(&w->mu);
	if (w->pend_model)
		worker_model_release(&w->pend_model->m);
	w->pend_model = b; /* the creation reference */
	w->model_dirty = true;
	worker_model_release(w->ui_model);
	w->ui_model = worker_model_ref(&b->m);
	/* a plan for the old model means nothing now */
	plan_done(&w->pend_plan);
	w->plan_dirty = false;
	w->pend_model_plan_seq = ++w->plan_seq_next;
	for (int j = 0; j < WORKER_JOB_COUNT; j++) {
		w->ctl[j].done = w->ctl[j].want;
		worker_abort_locked(w, j, false);
	}
	worker_touch_locked(w);
	pthread_mutex_unlock(&w->mu);
	if (out)
		*out = worker_model_ref(&b->m);
	return ENG_STATUS_OK;
}

/* Jobs a settings change invalidates. */
static unsigned worker_settings_deps(const struct worker_settings *a,
				     const struct worker_settings *b)
{
	unsigned d = 0;
	bool pse = a->method != b->method || a->sparsity != b->sparsity ||
		   a->seed != b->seed || a->synflow_iterations != b->synflow_iterations ||
		   a->samples_per_class != b->samples_per_class;
	bool grid = a->method != b->method || a->seed != b->seed ||
		    a->synflow_iterations != b->synflow_iterations ||
		    a->samples_per_class != b->samples_per_class;
	bool budget = memcmp(&a->budget, &b->budget, sizeof a->budget) != 0;
	if (pse)
		d |= WORKER_JOB_BIT(WORKER_JOB_SCORES) | WORKER_JOB_BIT(WORKER_JOB_AUTO) |
		     WORKER_JOB_BIT(WORKER_JOB_LATENCY) | WORKER_JOB_BIT(WORKER_JOB_QUICKEVAL);
	if (grid)
		d |= WORKER_JOB_BIT(WORKER_JOB_GRID);
	if (budget)
		d |= WORKER_JOB_BIT(WORKER_JOB_QUICKEVAL);
	if (a->latency_runs != b->latency_runs || a->min_keep != b->min_keep)
		d |= WORKER_JOB_BIT(WORKER_JOB_LATENCY);
	if (a->min_keep != b->min_keep)
		d |= WORKER_JOB_BIT(WORKER_JOB_QUICKEVAL);
	return d;
}

enum eng_status worker_set_settings(struct worker *w,
				    const struct worker_settings *s,
				    struct eng_err *err)
{
	enum eng_status st = worker_settings_check(s, err);
	if (st)
		return st;
	pthread_mutex_lock(&w->mu);
	unsigned deps = worker_settings_deps(&w->ui_settings, s);
	w->ui_settings = *s;
	w->pend_settings = *s;
	w->settings_dirty = true;
	for (int j = 0; j < WORKER_JOB_COUNT; j++)
		if (deps & WORKER_JOB_BIT(j))
			worker_abort_locked(w, j, true);
	worker_touch_locked(w);
	pthread_mutex_unlock(&w->mu);
	return ENG_STATUS_OK;
}

enum eng_status worker_set_plan(struct worker *w, const struct prune_plan *plan,
				uint64_t *seq, struct eng_err *err)
{
	if (seq)
		*seq = 0;
	if (!w->ui_model)
		return eng_err_set(err, ENG_STATUS_EINVAL, "plan: no model loaded");
	enum eng_status st = plan_validate(&w->ui_model->groups, plan,
					   w->ui_settings.min_keep, err);
	if (st)
		return st;
	struct prune_plan copy;
	if (plan_copy(&copy, plan) != ENG_STATUS_OK)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	pthread_mutex_lock(&w->mu);
	plan_done(&w->pend_plan);
	w->pend_plan = copy;
	w->pend_plan_seq = ++w->plan_seq_next;
	w->plan_dirty = true;
	if (seq)
		*seq = w->pend_plan_seq;
	for (int j = WORKER_JOB_LATENCY; j <= WORKER_JOB_QUICKEVAL; j++)
		if (w->running == j && w->running_variant == WORKER_VARIANT_PLAN)
			worker_abort_locked(w, j, true);
	worker_touch_locked(w);
	pthread_mutex_unlock(&w->mu);
	return ENG_STATUS_OK;
}

uint64_t worker_request(struct worker *w, enum worker_job j)
{
	ENG_ASSERT((int)j >= 0 && j < WORKER_JOB_COUNT && j != WORKER_JOB_EXPORT);
	pthread_mutex_lock(&w->mu);
	uint64_t id = ++w->req_next;
	w->ctl[j].want = id;
	worker_abort_locked(w, (int)j, true);
	worker_preempt_auto_locked(w, (int)j);
	worker_touch_locked(w);
	pthread_mutex_unlock(&w->mu);
	return id;
}

uint64_t worker_export(struct worker *w, const struct prune_plan *plan,
		       const char *dir, const struct render_style *style,
		       struct eng_err *err)
{
	if (!w->ui_model) {
		eng_err_set(err, ENG_STATUS_EINVAL, "export: no model loaded");
		return 0;
	}
	if (!dir || !dir[0]) {
		eng_err_set(err, ENG_STATUS_EINVAL, "export: no directory given");
		return 0;
	}
	if (plan_validate(&w->ui_model->groups, plan, w->ui_settings.min_keep, err) !=
	    ENG_STATUS_OK)
		return 0;
	struct worker_export_args x = { 0 };
	x.dir = strdup(dir);
	if (style)
		x.style = *style;
	else
		render_style_default(&x.style);
	if (!x.dir || plan_copy(&x.plan, plan) != ENG_STATUS_OK) {
		worker_export_args_done(&x);
		eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		return 0;
	}
	pthread_mutex_lock(&w->mu);
	worker_export_args_done(&w->pend_export);
	w->pend_export = x;
	uint64_t id = ++w->req_next;
	w->ctl[WORKER_JOB_EXPORT].want = id;
	worker_abort_locked(w, WORKER_JOB_EXPORT, false);
	worker_preempt_auto_locked(w, WORKER_JOB_EXPORT);
	worker_touch_locked(w);
	pthread_mutex_unlock(&w->mu);
	return id;
}

void worker_cancel(struct worker *w, enum worker_job j)
{
	ENG_ASSERT((int)j >= 0 && j < WORKER_JOB_COUNT);
	pthread_mutex_lock(&w->mu);
	w->ctl[j].done = w->ctl[j].want;
	worker_abort_locked(w, (int)j, false);
	w->ctl[j].requeue = false;
	worker_touch_locked(w);
	pthread_mutex_unlock(&w->mu);
}

bool worker_wait_idle(struct worker *w, int timeout_ms)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	bool ok = true;
	while (!w->idle) {
		if (pthread_cond_timedwait(&w->idle_cv, &w->mu, &deadline) == ETIMEDOUT) {
			ok = w->idle;
			break;
		}
	}
	pthread_mutex_unlock(&w->mu);
	return ok;
}
