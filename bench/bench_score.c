/* bench_score.c: PaI scoring time (SNIP, GraSP, SynFlow) on resnet20 and
 * vgg16 at 3x32x32, side by side with PyTorch on the same nets.
 *
 *   make bench                          # runs this after bench_conv/train
 *   ./bench/bench_score [reps]          # reps per figure (default 3)
 *
 * Settings: 10 samples per class (a batch of 100) for SNIP and GraSP,
 * T = 200, SynFlow 100 iterations to sparsity 0.9; the synthetic dataset
 * (the installed one would change nothing but the pixels).  Each engine
 * figure is the median of reps runs (after one warm-up, but SynFlow's),
 * measured before and after the PyTorch side; the mean of the two
 * divides.  The PyTorch side is
 * bench/bench_score_torch.py, run through /usr/bin/python3 when it imports
 * torch; its lines are "net method seconds".  Models are read from
 * $RECONVENE_MODELS_DIR (make bench sets it), else ./models.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/cfg.h"
#include "data/data.h"
#include "nn/net.h"
#include "score/score.h"
#include "bench_json.h"
#include "bench_kernels.h"

static double bench_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static const char *const nets[] = { "resnet20", "vgg16" };
static const enum score_method methods[] = { SCORE_METHOD_SNIP, SCORE_METHOD_GRASP,
					     SCORE_METHOD_SYNFLOW };
#define N_NETS 2
#define N_METHODS 3

static double torch_s[N_NETS][N_METHODS];

static void bench_torch(const char *models_dir, int reps)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/python3 -c 'import torch' 2>/dev/null && "
		 "/usr/bin/python3 '%s/../bench/bench_score_torch.py' '%s' %d %d",
		 models_dir, models_dir, reps, bench_json_threads());
	FILE *p = popen(cmd, "r");
	if (!p)
		return;
	char line[256], net[64], meth[64];
	double sec;
	while (fgets(line, sizeof line, p)) {
		if (sscanf(line, "%63s %63s %lf", net, meth, &sec) != 3)
			continue;
		for (int i = 0; i < N_NETS; i++)
			for (int m = 0; m < N_METHODS; m++)
				if (!strcmp(net, nets[i]) &&
				    !strcmp(meth, score_method_name(methods[m])))
					torch_s[i][m] = sec;
	}
	pclose(p);
}

/* Every net and method once, each figure the median of reps runs after
 * one warm-up (SynFlow's 100 iterations are their own warm-up: no extra
 * run, but the median of reps too, so that one slow stretch of this
 * shared machine does not make the figure). */
static int bench_ours(const char *models, const struct data_split *ds, int reps,
		      const char *when, double out[N_NETS][N_METHODS])
{
	struct eng_err err;
	for (int i = 0; i < N_NETS; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/%s.cfg", models, nets[i]);
		struct net_spec spec;
		struct net *net;
		if (cfg_parse_file(path, &spec, &err) != ENG_STATUS_OK ||
		    net_build(&spec, &net, &err) != ENG_STATUS_OK) {
			fprintf(stderr, "bench_score: %s\n", err.msg);
			return 1;
		}
		net_spec_done(&spec);
		net_init(net, 1);
		float *s = malloc(net->n_params * sizeof *s);
		for (int m = 0; m < N_METHODS; m++) {
			struct score_options o;
			score_options_init(&o);
			o.method = methods[m];
			double t[51];
			int warm = methods[m] == SCORE_METHOD_SYNFLOW ? 0 : 1;
			int runs = reps;
			for (int r = -warm; r < runs; r++) {
				double t0 = bench_now();
				if (score_compute(net, ds, &o, s, &err) != ENG_STATUS_OK) {
					fprintf(stderr, "bench_score: %s\n", err.msg);
					free(s);
					net_free(net);
					return 1;
				}
				if (r >= 0)
					t[r] = bench_now() - t0;
			}
			qsort(t, (size_t)runs, sizeof t[0], bench_cmp);
			out[i][m] = t[runs / 2];
			fprintf(stderr, "  %s %s %.3f s (%s)\n", nets[i],
				score_method_name(methods[m]), out[i][m], when);
		}
		free(s);
		net_free(net);
	}
	return 0;
}

int main(int argc, char **argv)
{
	bench_kernels_select();
	int reps = argc > 1 ? atoi(argv[1]) : 3;
	if (reps < 1 || reps > 50)
		reps = 3;
	const char *models = getenv("RECONVENE_MODELS_DIR");
	if (!models || !*models)
		models = "models";
	struct eng_err err;
	struct data_split ds;
	struct data_options dopt = { .format = DATA_FORMAT_SYNTHETIC, .synthetic_seed = 1,
				     .synthetic_train = 1000, .synthetic_test = 10 };
	if (data_load(&dopt, &ds, &err) != ENG_STATUS_OK) {
		fprintf(stderr, "bench_score: %s\n", err.msg);
		return 1;
	}
	/* Ours before and after the PyTorch side, and the mean of the two
	 * divides: this shared machine drifts by tens of percent within
	 * minutes (bench/README.md), and PyTorch runs in between. */
	double before[N_NETS][N_METHODS], after[N_NETS][N_METHODS], ours[N_NETS][N_METHODS];
	if (bench_ours(models, &ds, reps, "before pytorch", before) != 0)
		return 1;
	bench_torch(models, reps);
	if (bench_ours(models, &ds, reps, "after pytorch", after) != 0)
		return 1;
	for (int i = 0; i < N_NETS; i++)
		for (int m = 0; m < N_METHODS; m++)
			ours[i][m] = 0.5 * (before[i][m] + after[i][m]);
	data_split_done(&ds);
	printf("PaI scoring, 3x32x32, batch 100 (10/class) for SNIP/GraSP, "
	       "SynFlow 100 iterations\n");
	printf("%-9s %-8s %17s %10s %8s\n", "net", "method", "engine s (2x)", "torch s",
	       "speedup");
	for (int i = 0; i < N_NETS; i++) {
		for (int m = 0; m < N_METHODS; m++) {
			printf("%-9s %-8s %8.3f %8.3f ", nets[i], score_method_name(methods[m]),
			       before[i][m], after[i][m]);
			char fig[96];
			snprintf(fig, sizeof fig, "PaI scoring: %s%s", score_method_name(methods[m]),
				 methods[m] == SCORE_METHOD_SYNFLOW ? ", 100 iterations" :
				 ", batch 100");
			bench_json_figure("score", fig, nets[i], bench_json_threads(), "s", true,
					  ours[i][m], "pytorch", torch_s[i][m]);
			if (torch_s[i][m] > 0.0)
				printf("%10.3f %7.2fx\n", torch_s[i][m],
				       torch_s[i][m] / ours[i][m]);
			else
				printf("%10s %8s\n", "-", "-");
		}
	}
	return 0;
}
