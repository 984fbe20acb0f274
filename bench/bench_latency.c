/* bench_latency.c: batch-1 inference latency (engine/latency.h), against
 * PyTorch, and what unstructured (CSR) and structured (Reconvene) pruning
 * buy at batch 1.
 *
 *   make bench                              # runs this last
 *   ./bench/bench_latency [rounds]          # rounds of alternation (default 3)
 *
 * Sections (models from $RECONVENE_MODELS_DIR, else ./models; 3x32x32):
 *  1. Dense resnet20, vgg16 and mobilenetv2, and each pruned by
 *     `reconvene --auto --method synflow --sparsity 0.9`, against the same
 *     nets in PyTorch (eager and TorchScript; bench/bench_latency_torch.py
 *     through /usr/bin/python3 builds them from the cfg, the pruned one
 *     from the cfg we write; skipped when torch is missing) and in ONNX
 *     Runtime (the ONNX file we export, as a bundle holds it, run by
 *     tests/onnx/ort_run.js with onnxruntime-node from ort/ (make ort) or
 *     NODE_PATH; skipped when missing), at 2 threads and at 1.  Each of
 *     `rounds` rounds measures ours and then each reference on one net
 *     back to back (PyTorch as one --serve process for the section); each
 *     side's figure is its median over the rounds.
 *     BENCH_LATENCY_SKIP_TORCH=1 skips it.
 *  2. Sparse kernels on the SynFlow 0.9 mask of each net: the masked net on
 *     dense kernels, the CSR runner with the direct kernel and with
 *     im2col + SpMM, alternated `rounds` times; medians min..max.
 *  3. Structured vs dense: `reconvene --auto --method synflow --sparsity
 *     0.9` (tau 0.2) on the three nets, alternated the same way.
 *  4. The wall time of one latency measurement of resnet20 with the default
 *     options (what the worker's latency job runs), per variant.
 * Sections 2-4 use OpenBLAS's default thread count (OPENBLAS_NUM_THREADS).
 */
#include "config.h"

#include <cblas.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/cfg.h"
#include "io/npy.h"
#include "io/onnx_export.h"
#include "measure/latency.h"
#include "nn/net.h"
#include "prune/reconvene.h"
#include "measure/sparse.h"
#include "bench_json.h"
#include "bench_kernels.h"

#define BENCH_ROUNDS_MAX 20

static const char *models_dir;

static double bench_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void bench_die(const char *what, const struct eng_err *err)
{
	fprintf(stderr, "bench_latency: %s: %s\n", what, err->msg);
	exit(1);
}

/* One sample of net's input, the same fixed pattern everywhere (free it). */
static float *bench_input(const struct net *net)
{
	size_t len = shape_size(net->input);
	float *x = malloc(len * sizeof *x);
	if (!x) {
		fprintf(stderr, "bench_latency: out of memory\n");
		exit(1);
	}
	for (size_t j = 0; j < len; j++)
		x[j] = (float)((j * 7919) % 255) / 255.0f - 0.5f;
	return x;
}

static struct net *bench_load(const char *name, struct net_spec *spec_out)
{
	char path[1024];
	struct net_spec spec;
	struct net *net;
	struct eng_err err;
	snprintf(path, sizeof path, "%s/%s.cfg", models_dir, name);
	if (cfg_parse_file(path, &spec, &err) || net_build(&spec, &net, &err))
		bench_die(name, &err);
	if (spec_out)
		*spec_out = spec;
	else
		net_spec_done(&spec);
	net_init(net, 1);
	if (net_prepare(net, 1, &err))
		bench_die(name, &err);
	return net;
}

static void bench_options(struct latency_options *o)
{
	latency_options_init(o);
	o->warmup = 10;
	o->min_runs = 50;
	o->min_ms = 300.0;
	o->max_ms = 10000.0;
}

static struct latency_result bench_measure(struct net *net, const uint8_t *mask,
					   enum latency_variant v)
{
	struct latency_options o;
	struct latency_result r;
	struct eng_err err;
	bench_options(&o);
	if (latency_measure(net, mask, v, &o, &r, &err))
		bench_die("latency", &err);
	return r;
}

/* Median of single sparse forwards, the protocol of latency_measure. */
static double bench_sparse(struct sparse_net *sn, const float *x)
{
	static double t[4096];
	for (int i = 0; i < 10; i++)
		sparse_net_forward(sn, x);
	int n = 0;
	double total = 0.0;
	while ((n < 50 || total < 300.0) && n < 4096) {
		double a = bench_now_ms();
		sparse_net_forward(sn, x);
		t[n] = bench_now_ms() - a;
		total += t[n++];
	}
	qsort(t, (size_t)n, sizeof t[0], bench_cmp);
	return t[n / 2];
}

static void bench_range(const double *v, int n, double *lo, double *hi)
{
	*lo = *hi = v[0];
	for (int i = 1; i < n; i++) {
		if (v[i] < *lo)
			*lo = v[i];
		if (v[i] > *hi)
			*hi = v[i];
	}
}

static void bench_set_threads(int n)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	openblas_set_num_threads(n);
#else
	(void)n;
#endif
}

/* --- the nets: dense and Reconvene-pruned, and their files --------------- */

#define N_NETS 3
static const char *const nets[N_NETS] = { "resnet20", "vgg16", "mobilenetv2" };

enum { BENCH_DENSE, BENCH_PRUNED, BENCH_FORMS };
static const char *const form_name[BENCH_FORMS] = { "dense", "pruned" };
static const char *const form_figure[BENCH_FORMS] = {
	"batch-1 latency, dense", "batch-1 latency, Reconvene-pruned (synflow 0.9)"
};

/* One model in both forms, and the same nets as files for the references:
 * the cfg PyTorch builds and the ONNX file ONNX Runtime runs (the pruned
 * one is what `reconvene prune --out` would write). */
struct bench_model {
	struct net *dense;
	struct reconvene_result res;	/* res.net: the pruned net */
	char cfg[BENCH_FORMS][1024];
	char onnx[BENCH_FORMS][1024];
	char input[1024];		/* one 1xCxHxW sample, .npy */
};

static struct net *bench_form_net(struct bench_model *m, int form)
{
	return form == BENCH_DENSE ? m->dense : m->res.net;
}

static double bench_form_ms(struct bench_model *m, int form)
{
	return bench_measure(bench_form_net(m, form), NULL,
			     form == BENCH_DENSE ? LATENCY_VARIANT_DENSE
						 : LATENCY_VARIANT_STRUCTURED).median_ms;
}

static void bench_models_build(struct bench_model *m, const char *tmp)
{
	for (int i = 0; i < N_NETS; i++) {
		struct net_spec spec;
		struct eng_err err;
		m[i].dense = bench_load(nets[i], &spec);
		struct reconvene_options o;
		reconvene_options_init(&o);
		o.method = SCORE_METHOD_SYNFLOW;
		o.sparsity = 0.9;
		if (reconvene_run(m[i].dense, &spec, NULL, &o, NULL, &m[i].res, &err))
			bench_die(nets[i], &err);
		net_spec_done(&spec);
		if (net_prepare(m[i].dense, 1, &err) || net_prepare(m[i].res.net, 1, &err))
			bench_die(nets[i], &err);
		snprintf(m[i].cfg[BENCH_DENSE], sizeof m[i].cfg[0], "%s/%s.cfg", models_dir,
			 nets[i]);
		snprintf(m[i].cfg[BENCH_PRUNED], sizeof m[i].cfg[0], "%s/%s-pruned.cfg", tmp,
			 nets[i]);
		if (cfg_write_file(m[i].cfg[BENCH_PRUNED], &m[i].res.spec, &err))
			bench_die(nets[i], &err);
		for (int f = 0; f < BENCH_FORMS; f++) {
			/* BN kept as nodes, as the bundle writes it; ONNX Runtime
			 * folds it itself at load. */
			struct onnx_export_options eo = { .fold_bn = false };
			snprintf(m[i].onnx[f], sizeof m[i].onnx[0], "%s/%s-%s.onnx", tmp, nets[i],
				 form_name[f]);
			if (onnx_export(bench_form_net(&m[i], f), &eo, m[i].onnx[f], &err))
				bench_die(nets[i], &err);
		}
		struct net *n = m[i].dense;
		size_t dims[4] = { 1, (size_t)n->input.c, (size_t)n->input.h, (size_t)n->input.w };
		float *x = bench_input(n);
		snprintf(m[i].input, sizeof m[i].input, "%s/%s.npy", tmp, nets[i]);
		if (npy_write(m[i].input, NPY_DTYPE_F32, 4, dims, x, &err))
			bench_die(nets[i], &err);
		free(x);
	}
}

/* The files under tmp_dir, removed at exit also when bench_die exits. */
static char tmp_dir[] = "/tmp/bench_latency.XXXXXX";
static struct bench_model *tmp_models;

static void bench_tmp_remove(void)
{
	for (int i = 0; tmp_models && i < N_NETS; i++) {
		remove(tmp_models[i].cfg[BENCH_PRUNED]);
		for (int f = 0; f < BENCH_FORMS; f++)
			remove(tmp_models[i].onnx[f]);
		remove(tmp_models[i].input);
	}
	rmdir(tmp_dir);
}

static void bench_models_free(struct bench_model *m)
{
	for (int i = 0; i < N_NETS; i++) {
		reconvene_result_done(&m[i].res);
		net_free(m[i].dense);
	}
}

/* --- 1. against PyTorch and ONNX Runtime ------------------------------- */

static const char *src_dir;

/* PyTorch: bench/bench_latency_torch.py --serve, one process for the whole
 * section, asked for one figure at a time so that each is measured seconds
 * from ours.  to/from are NULL when /usr/bin/python3 or torch is missing
 * (the figures then stay 0). */
struct torch_server {
	pid_t pid;
	FILE *to, *from;
};

static void torch_server_stop(struct torch_server *ts)
{
	if (ts->to)
		fclose(ts->to);
	if (ts->from)
		fclose(ts->from);
	if (ts->pid > 0)
		waitpid(ts->pid, NULL, 0);
	memset(ts, 0, sizeof *ts);
}

/* One line of the server's answer into line; false at end of input. */
static bool torch_server_read(struct torch_server *ts, char *line, size_t len)
{
	return ts->from && fgets(line, (int)len, ts->from) != NULL;
}

static void torch_server_start(struct torch_server *ts)
{
	memset(ts, 0, sizeof *ts);
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/python3 -c 'import torch' 2>/dev/null && "
		 "exec /usr/bin/python3 '%s/bench/bench_latency_torch.py' --serve '%s' 50",
		 src_dir, models_dir);
	int down[2], up[2];
	if (pipe(down) != 0)
		return;
	if (pipe(up) != 0) {
		close(down[0]);
		close(down[1]);
		return;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(down[0], STDIN_FILENO);
		dup2(up[1], STDOUT_FILENO);
		close(down[0]);
		close(down[1]);
		close(up[0]);
		close(up[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(down[0]);
	close(up[1]);
	if (pid < 0) {
		close(down[1]);
		close(up[0]);
		return;
	}
	ts->pid = pid;
	ts->to = fdopen(down[1], "w");
	ts->from = fdopen(up[0], "r");
	char line[256];
	if (!ts->to || !ts->from || !torch_server_read(ts, line, sizeof line) ||
	    strncmp(line, "ready", 5) != 0)
		torch_server_stop(ts); /* no torch: no figures */
}

/* Send one command; its answer line into line.  A failed exchange stops
 * the server (every later figure is then 0). */
static bool torch_server_ask(struct torch_server *ts, const char *cmd, char *line, size_t len)
{
	if (!ts->to)
		return false;
	if (fprintf(ts->to, "%s\n", cmd) < 0 || fflush(ts->to) != 0 ||
	    !torch_server_read(ts, line, len)) {
		torch_server_stop(ts);
		return false;
	}
	return true;
}

static void torch_server_threads(struct torch_server *ts, int threads)
{
	char cmd[64], line[256];
	snprintf(cmd, sizeof cmd, "threads %d", threads);
	torch_server_ask(ts, cmd, line, sizeof line);
}

/* The median ms of one net (a cfg path) in PyTorch, variant "eager" or
 * "jit"; 0 without the server. */
static double torch_server_measure(struct torch_server *ts, const char *cfg, const char *var)
{
	char cmd[1200], line[2048], net[1024], got[64];
	double med, p10, p90;
	int runs;
	snprintf(cmd, sizeof cmd, "measure %s %s", cfg, var);
	if (!torch_server_ask(ts, cmd, line, sizeof line))
		return 0.0;
	if (sscanf(line, "%1023s %63s %lf %lf %lf %d", net, got, &med, &p10, &p90, &runs) != 6 ||
	    strcmp(net, cfg) != 0 || strcmp(got, var) != 0) {
		fprintf(stderr, "bench_latency: pytorch answered '%s'", line);
		return 0.0;
	}
	return med;
}

/* ONNX Runtime (onnxruntime-node through tests/onnx/ort_run.js, 200 timed
 * runs) on one exported file; 0 when node or the package is missing. */
static double bench_ort(const char *onnx, const char *input, int threads)
{
	char cmd[4096], line[256];
	snprintf(cmd, sizeof cmd,
		 "node '%s/tests/onnx/ort_run.js' '%s' '%s' --time 200 --threads %d 2>/dev/null",
		 src_dir, onnx, input, threads);
	FILE *p = popen(cmd, "r");
	if (!p)
		return 0.0;
	double med = 0.0;
	while (fgets(line, sizeof line, p))
		if (sscanf(line, "median_ms %lf", &med) == 1)
			break;
	pclose(p);
	return med;
}

/* The median of v[0..n) (sorts v); 0 if any is 0 (not measured). */
static double bench_median(double *v, int n)
{
	for (int k = 0; k < n; k++)
		if (!(v[k] > 0.0))
			return 0.0;
	qsort(v, (size_t)n, sizeof v[0], bench_cmp);
	return v[n / 2];
}

static void bench_print_ratio(double theirs, double ours)
{
	if (theirs > 0.0)
		printf(" %8.3f %6.2fx", theirs, theirs / ours);
	else
		printf(" %8s %7s", "-", "-");
}

enum { REF_OURS, REF_EAGER, REF_JIT, REF_ORT, REF_COUNT };
static const char *const ref_name[REF_COUNT] = { "ours", "pytorch eager", "torchscript",
						 "onnx runtime" };

/* Every net and form `rounds` times, each round measuring ours, PyTorch
 * eager, TorchScript and ONNX Runtime on it back to back: a busy stretch
 * of this shared machine then falls on both sides of a ratio, not on one
 * (the references used to run as one block between two of ours, minutes
 * apart, and the ratios moved by half).  Each side's figure is the median
 * over the rounds. */
static void bench_vs_references(struct bench_model *m, int rounds)
{
	printf("1. Batch-1 latency against PyTorch and ONNX Runtime on the same nets\n"
	       "   (median ms over %d round%s, each measuring ours and then each reference\n"
	       "   on the net back to back; pruned: reconvene --auto --method synflow\n"
	       "   --sparsity 0.9)\n", rounds, rounds == 1 ? "" : "s");
	printf("%-3s %-11s %-6s %20s %16s %16s %16s\n", "thr", "net", "form", "ours (min..max)",
	       "torch eager", "torchscript", "onnx runtime");
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	int saved = openblas_get_num_threads();
#else
	int saved = 1;
#endif
	struct torch_server ts;
	torch_server_start(&ts);
	const int threads[] = { 2, 1 };
	for (int t = 0; t < 2; t++) {
		bench_set_threads(threads[t]);
		torch_server_threads(&ts, threads[t]);
		double v[N_NETS][BENCH_FORMS][REF_COUNT][BENCH_ROUNDS_MAX];
		for (int r = 0; r < rounds; r++)
			for (int i = 0; i < N_NETS; i++)
				for (int f = 0; f < BENCH_FORMS; f++) {
					v[i][f][REF_OURS][r] = bench_form_ms(&m[i], f);
					v[i][f][REF_EAGER][r] =
						torch_server_measure(&ts, m[i].cfg[f], "eager");
					v[i][f][REF_JIT][r] =
						torch_server_measure(&ts, m[i].cfg[f], "jit");
					v[i][f][REF_ORT][r] =
						bench_ort(m[i].onnx[f], m[i].input, threads[t]);
				}
		for (int i = 0; i < N_NETS; i++)
			for (int f = 0; f < BENCH_FORMS; f++) {
				double lo, hi, med[REF_COUNT];
				bench_range(v[i][f][REF_OURS], rounds, &lo, &hi);
				for (int k = 0; k < REF_COUNT; k++)
					med[k] = bench_median(v[i][f][k], rounds);
				for (int k = REF_EAGER; k < REF_COUNT; k++)
					bench_json_figure("latency", form_figure[f], nets[i], threads[t],
							  "ms", true, med[REF_OURS], ref_name[k],
							  med[k]);
				printf("%-3d %-11s %-6s %6.3f %6.3f..%-6.3f", threads[t], nets[i],
				       form_name[f], med[REF_OURS], lo, hi);
				for (int k = REF_EAGER; k < REF_COUNT; k++)
					bench_print_ratio(med[k], med[REF_OURS]);
				printf("\n");
			}
		fflush(stdout);
	}
	torch_server_stop(&ts);
	bench_set_threads(saved);
}

/* --- 2 and 3: pruned variants ------------------------------------------- */

static void bench_pruned(struct bench_model *m, int rounds)
{
	printf("\n2. Unstructured SynFlow 0.9 masks (median ms, min..max over %d rounds)\n",
	       rounds);
	printf("%-9s %17s %17s %17s %17s %9s\n", "net", "dense", "masked-dense",
	       "csr-direct", "csr-im2col", "best/dense");
	for (int i = 0; i < N_NETS; i++) {
		struct net *dense = m[i].dense;
		const uint8_t *mask = m[i].res.pse.mask;
		struct eng_err err;
		struct sparse_net *direct, *im2col;
		if (sparse_net_build_kernel(dense, mask, SPARSE_KERNEL_DIRECT, NULL, &direct,
					    &err) ||
		    sparse_net_build_kernel(dense, mask, SPARSE_KERNEL_IM2COL, NULL, &im2col,
					    &err))
			bench_die(nets[i], &err);
		float *x = bench_input(dense);
		double t[4][BENCH_ROUNDS_MAX];
		for (int r = 0; r < rounds; r++) {
			t[0][r] = bench_measure(dense, NULL, LATENCY_VARIANT_DENSE).median_ms;
			t[1][r] = bench_measure(dense, mask, LATENCY_VARIANT_MASKED).median_ms;
			t[2][r] = bench_sparse(direct, x);
			t[3][r] = bench_sparse(im2col, x);
		}
		printf("%-9s", nets[i]);
		double lo[4], hi[4];
		for (int k = 0; k < 4; k++) {
			bench_range(t[k], rounds, &lo[k], &hi[k]);
			printf(" %8.3f..%-7.3f", lo[k], hi[k]);
		}
		const double dense_md = bench_median(t[0], rounds);
		const double direct_md = bench_median(t[2], rounds);
		const double im2col_md = bench_median(t[3], rounds);
		const double best = direct_md < im2col_md ? direct_md : im2col_md;
		printf(" %8.2fx\n", dense_md / best);
		printf("          nnz %zu of %zu weights (%.1f%%), MACs %.2fM of %.2fM\n",
		       direct->nnz, score_prunable_count(dense),
		       100.0 * (double)direct->nnz / (double)score_prunable_count(dense),
		       (double)direct->macs * 1e-6, (double)net_macs(dense) * 1e-6);
		fflush(stdout);
		free(x);
		sparse_net_free(direct);
		sparse_net_free(im2col);
	}

	printf("\n3. Structured (reconvene --auto --method synflow --sparsity 0.9, tau 0.2)"
	       " vs dense\n");
	printf("%-9s %17s %17s %9s %9s %9s\n", "net", "dense ms", "structured ms",
	       "speedup", "MACs", "params");
	for (int i = 0; i < N_NETS; i++) {
		double t[2][BENCH_ROUNDS_MAX];
		for (int r = 0; r < rounds; r++) {
			t[0][r] = bench_form_ms(&m[i], BENCH_DENSE);
			t[1][r] = bench_form_ms(&m[i], BENCH_PRUNED);
		}
		double lo[2], hi[2], sp[BENCH_ROUNDS_MAX];
		for (int r = 0; r < rounds; r++)
			sp[r] = t[0][r] / t[1][r];
		printf("%-9s", nets[i]);
		for (int k = 0; k < 2; k++) {
			bench_range(t[k], rounds, &lo[k], &hi[k]);
			printf(" %8.3f..%-7.3f", lo[k], hi[k]);
		}
		double slo, shi;
		bench_range(sp, rounds, &slo, &shi);
		/* The medians over the rounds: structured against our own dense. */
		const double md[2] = { bench_median(t[0], rounds), bench_median(t[1], rounds) };
		bench_json_figure("latency", form_figure[BENCH_PRUNED], nets[i],
				  bench_json_threads(), "ms", true, md[1], "our dense net", md[0]);
		printf(" %4.2f-%4.2fx %8.2fx %8.2fx\n", slo, shi,
		       (double)net_macs(m[i].dense) / (double)net_macs(m[i].res.net),
		       (double)m[i].dense->n_params / (double)m[i].res.net->n_params);
		fflush(stdout);
	}
}

/* --- 4. the latency job's wall time --------------------------------------- */

static void bench_job_wall(void)
{
	struct net_spec spec;
	struct eng_err err;
	struct net *net = bench_load("resnet20", &spec);
	struct reconvene_options ro;
	reconvene_options_init(&ro);
	struct reconvene_result res;
	if (reconvene_run(net, &spec, NULL, &ro, NULL, &res, &err))
		bench_die("resnet20", &err);
	net_spec_done(&spec);
	printf("\n4. One latency measurement of resnet20, default options "
	       "(warm-up 3, >= 10 runs and >= 100 ms, cap 1 s)\n");
	printf("%-11s %9s %9s %9s %6s %9s\n", "variant", "median", "p10", "p90", "runs",
	       "wall ms");
	double total = 0.0;
	for (int v = 0; v < LATENCY_VARIANT_COUNT; v++) {
		struct latency_options o;
		latency_options_init(&o);
		struct latency_result r;
		struct net *n = v == LATENCY_VARIANT_STRUCTURED ? res.net : net;
		double a = bench_now_ms();
		if (latency_measure(n, res.pse.mask, (enum latency_variant)v, &o, &r, &err))
			bench_die("latency", &err);
		double wall = bench_now_ms() - a;
		total += wall;
		printf("%-11s %9.3f %9.3f %9.3f %6d %9.1f\n",
		       latency_variant_name((enum latency_variant)v), r.median_ms, r.p10_ms,
		       r.p90_ms, r.runs, wall);
	}
	printf("all four: %.1f ms wall\n", total);
	reconvene_result_done(&res);
	net_free(net);
}

int main(int argc, char **argv)
{
	bench_kernels_select();
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	if (rounds < 1 || rounds > BENCH_ROUNDS_MAX) {
		fprintf(stderr, "usage: bench_latency [rounds 1-%d]\n", BENCH_ROUNDS_MAX);
		return 2;
	}
	models_dir = getenv("RECONVENE_MODELS_DIR");
	if (!models_dir || !*models_dir)
		models_dir = "models";
	static char src_buf[1100];
	src_dir = getenv("top_srcdir");
	if (!src_dir || !*src_dir) {
		snprintf(src_buf, sizeof src_buf, "%s/..", models_dir);
		src_dir = src_buf;
	}
	/* ONNX Runtime from the build tree's ort/ (make ort) unless the
	 * caller points NODE_PATH elsewhere. */
	const char *build = getenv("top_builddir");
	char ort[1100], ort_abs[PATH_MAX];
	snprintf(ort, sizeof ort, "%s/ort/node_modules", build && *build ? build : ".");
	const char *node_path = getenv("NODE_PATH");
	if ((!node_path || !*node_path) && realpath(ort, ort_abs))
		setenv("NODE_PATH", ort_abs, 1);

	if (!mkdtemp(tmp_dir)) {
		perror("bench_latency: mkdtemp");
		return 1;
	}
	static struct bench_model m[N_NETS];
	tmp_models = m;
	atexit(bench_tmp_remove);
	bench_models_build(m, tmp_dir);
	const char *skip = getenv("BENCH_LATENCY_SKIP_TORCH");
	if (!skip || !*skip)
		bench_vs_references(m, rounds);
	bench_pruned(m, rounds);
	bench_models_free(m);
	bench_job_wall();
	return 0;
}
