/* bench_latency.c: batch-1 inference latency (engine/latency.h), against
 * PyTorch, and what unstructured (CSR) and structured (Reconvene) pruning
 * buy at batch 1.
 *
 *   make bench                              # runs this last
 *   ./bench/bench_latency [rounds]          # rounds of alternation (default 3)
 *
 * Sections (models from $RECONVENE_MODELS_DIR, else ./models; 3x32x32):
 *  1. Dense resnet20, vgg16 and mobilenetv2, engine vs PyTorch
 *     (bench/bench_latency_torch.py
 *     through /usr/bin/python3, skipped when torch is missing), with
 *     OpenBLAS / torch at 2 threads and at 1.  The engine is measured before
 *     and after PyTorch; both medians are shown.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/cfg.h"
#include "measure/latency.h"
#include "nn/net.h"
#include "prune/reconvene.h"
#include "measure/sparse.h"
#include "host/blas_kernel.h"
#include "nn/conv3x3.h"
#include "bench_json.h"

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

/* --- 1. dense vs PyTorch ------------------------------------------------ */

#define N_NETS 3
static const char *const nets[N_NETS] = { "resnet20", "vgg16", "mobilenetv2" };

struct torch_fig {
	double eager, jit; /* medians, ms; 0 = not measured */
};

static void bench_torch(int threads, struct torch_fig *fig)
{
	char cmd[2048];
	memset(fig, 0, N_NETS * sizeof *fig);
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/python3 -c 'import torch' 2>/dev/null && "
		 "/usr/bin/python3 '%s/../bench/bench_latency_torch.py' '%s' 50 %d %s %s %s",
		 models_dir, models_dir, threads, nets[0], nets[1], nets[2]);
	FILE *p = popen(cmd, "r");
	if (!p)
		return;
	char line[256], net[64], var[64];
	double med, p10, p90;
	int runs;
	while (fgets(line, sizeof line, p)) {
		if (sscanf(line, "%63s %63s %lf %lf %lf %d", net, var, &med, &p10, &p90,
			   &runs) != 6)
			continue;
		for (int i = 0; i < N_NETS; i++) {
			if (strcmp(net, nets[i]) != 0)
				continue;
			if (strcmp(var, "eager") == 0)
				fig[i].eager = med;
			else if (strcmp(var, "jit") == 0)
				fig[i].jit = med;
		}
	}
	pclose(p);
}

static void bench_vs_torch(void)
{
	struct net *net[N_NETS];
	for (int i = 0; i < N_NETS; i++)
		net[i] = bench_load(nets[i], NULL);
	printf("1. Dense batch-1 latency, engine vs PyTorch (eval, median ms)\n");
	printf("%-3s %-9s %17s %9s %9s %14s %12s\n", "thr", "net", "engine (2x)",
	       "torch", "torch-jit", "torch/engine", "jit/engine");
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	int saved = openblas_get_num_threads();
#else
	int saved = 1;
#endif
	const int threads[] = { 2, 1 };
	for (int t = 0; t < 2; t++) {
		bench_set_threads(threads[t]);
		double before[N_NETS], after[N_NETS];
		for (int i = 0; i < N_NETS; i++)
			before[i] = bench_measure(net[i], NULL, LATENCY_VARIANT_DENSE).median_ms;
		struct torch_fig fig[N_NETS];
		bench_torch(threads[t], fig);
		for (int i = 0; i < N_NETS; i++)
			after[i] = bench_measure(net[i], NULL, LATENCY_VARIANT_DENSE).median_ms;
		for (int i = 0; i < N_NETS; i++) {
			double e = 0.5 * (before[i] + after[i]);
			bench_json_figure("latency", "batch-1 latency, dense", nets[i], threads[t],
					  "ms", true, e, "pytorch eager", fig[i].eager);
			bench_json_figure("latency", "batch-1 latency, dense", nets[i], threads[t],
					  "ms", true, e, "torchscript", fig[i].jit);
			printf("%-3d %-9s %8.3f %8.3f ", threads[t], nets[i], before[i], after[i]);
			if (fig[i].eager > 0.0)
				printf("%9.3f %9.3f %13.1fx %11.1fx\n", fig[i].eager, fig[i].jit,
				       fig[i].eager / e, fig[i].jit / e);
			else
				printf("%9s %9s %14s %12s\n", "-", "-", "-", "-");
			fflush(stdout);
		}
	}
	bench_set_threads(saved);
	for (int i = 0; i < N_NETS; i++)
		net_free(net[i]);
}

/* --- 2 and 3: pruned variants ------------------------------------------- */

static void bench_pruned(int rounds)
{
	printf("\n2. Unstructured SynFlow 0.9 masks (median ms, min..max over %d rounds)\n",
	       rounds);
	printf("%-9s %17s %17s %17s %17s %9s\n", "net", "dense", "masked-dense",
	       "csr-direct", "csr-im2col", "best/dense");
	struct reconvene_result res[N_NETS];
	struct net *dense[N_NETS];
	for (int i = 0; i < N_NETS; i++) {
		struct net_spec spec;
		struct eng_err err;
		dense[i] = bench_load(nets[i], &spec);
		struct reconvene_options o;
		reconvene_options_init(&o);
		o.method = SCORE_METHOD_SYNFLOW;
		o.sparsity = 0.9;
		if (reconvene_run(dense[i], &spec, NULL, &o, NULL, &res[i], &err))
			bench_die(nets[i], &err);
		net_spec_done(&spec);
		if (net_prepare(dense[i], 1, &err) || net_prepare(res[i].net, 1, &err))
			bench_die(nets[i], &err);

		struct sparse_net *direct, *im2col;
		if (sparse_net_build_kernel(dense[i], res[i].pse.mask, SPARSE_KERNEL_DIRECT,
					    NULL, &direct, &err) ||
		    sparse_net_build_kernel(dense[i], res[i].pse.mask, SPARSE_KERNEL_IM2COL,
					    NULL, &im2col, &err))
			bench_die(nets[i], &err);
		size_t in_len = shape_size(dense[i]->input);
		float *x = malloc(in_len * sizeof *x);
		for (size_t j = 0; j < in_len; j++)
			x[j] = (float)((j * 7919) % 255) / 255.0f - 0.5f;
		double t[4][BENCH_ROUNDS_MAX];
		for (int r = 0; r < rounds; r++) {
			t[0][r] = bench_measure(dense[i], NULL, LATENCY_VARIANT_DENSE).median_ms;
			t[1][r] = bench_measure(dense[i], res[i].pse.mask,
						LATENCY_VARIANT_MASKED).median_ms;
			t[2][r] = bench_sparse(direct, x);
			t[3][r] = bench_sparse(im2col, x);
		}
		printf("%-9s", nets[i]);
		double lo[4], hi[4];
		for (int k = 0; k < 4; k++) {
			bench_range(t[k], rounds, &lo[k], &hi[k]);
			printf(" %8.3f..%-7.3f", lo[k], hi[k]);
		}
		qsort(t[0], (size_t)rounds, sizeof(double), bench_cmp);
		qsort(t[2], (size_t)rounds, sizeof(double), bench_cmp);
		qsort(t[3], (size_t)rounds, sizeof(double), bench_cmp);
		double best = t[2][rounds / 2] < t[3][rounds / 2] ? t[2][rounds / 2]
								   : t[3][rounds / 2];
		printf(" %8.2fx\n", t[0][rounds / 2] / best);
		printf("          nnz %zu of %zu weights (%.1f%%), MACs %.2fM of %.2fM\n",
		       direct->nnz, score_prunable_count(dense[i]),
		       100.0 * (double)direct->nnz / (double)score_prunable_count(dense[i]),
		       (double)direct->macs * 1e-6, (double)net_macs(dense[i]) * 1e-6);
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
			t[0][r] = bench_measure(dense[i], NULL, LATENCY_VARIANT_DENSE).median_ms;
			t[1][r] = bench_measure(res[i].net, NULL,
						LATENCY_VARIANT_STRUCTURED).median_ms;
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
		double md[2];
		for (int k = 0; k < 2; k++) {
			qsort(t[k], (size_t)rounds, sizeof t[k][0], bench_cmp);
			md[k] = t[k][rounds / 2];
		}
		bench_json_figure("latency", "batch-1 latency, Reconvene-pruned (synflow 0.9)",
				  nets[i], bench_json_threads(), "ms", true, md[1],
				  "our dense net", md[0]);
		printf(" %4.2f-%4.2fx %8.2fx %8.2fx\n", slo, shi,
		       (double)net_macs(dense[i]) / (double)net_macs(res[i].net),
		       (double)dense[i]->n_params / (double)res[i].net->n_params);
		fflush(stdout);
	}
	for (int i = 0; i < N_NETS; i++) {
		reconvene_result_done(&res[i]);
		net_free(dense[i]);
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
	struct blas_kernel kernel;
	blas_kernel_select_from_env(&kernel);
	char kernel_line[320];
	blas_kernel_describe(&kernel, kernel_line, sizeof kernel_line);
	printf("blas: %s\nconv 3x3: %s\n", kernel_line, conv3x3_describe());
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	if (rounds < 1 || rounds > BENCH_ROUNDS_MAX) {
		fprintf(stderr, "usage: bench_latency [rounds 1-%d]\n", BENCH_ROUNDS_MAX);
		return 2;
	}
	models_dir = getenv("RECONVENE_MODELS_DIR");
	if (!models_dir || !*models_dir)
		models_dir = "models";
	const char *skip = getenv("BENCH_LATENCY_SKIP_TORCH");
	if (!skip || !*skip)
		bench_vs_torch();
	bench_pruned(rounds);
	bench_job_wall();
	return 0;
}
