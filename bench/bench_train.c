/* bench_train: training throughput of the engine against PyTorch, and
 * (optionally) one full epoch of ResNet-20 on Fashion-MNIST.
 *
 * Throughput: images/s of whole SGD steps (forward in train mode, softmax
 * cross-entropy, backward, momentum + weight-decay update) at batch 64 on
 * random inputs and labels, for lenet5, resnet20 and vgg16.  The same
 * networks run in PyTorch through bench/bench_train_torch.py (Debian's
 * /usr/bin/python3 with python3-torch, at our OpenBLAS thread count, the
 * same batch), when it is installed; the table prints ours / PyTorch.
 *
 * Epoch (BENCH_EPOCH=1, or --epoch): ResNet-20 trained for one epoch on
 * Fashion-MNIST (the default data directory or $RECONVENE_DATA) with the
 * train command's recipe (batch 64, lr 0.05 cosine, momentum 0.9, wd 5e-4,
 * seed 1, no augmentation), then the test accuracy; PyTorch the same.  It
 * takes ~10 minutes per side on 2 cores, so it is off by default.
 *
 * Usage: bench_train [--epoch] [--no-torch] [--seconds S] [models...]
 * Models are found in $RECONVENE_MODELS_DIR (make bench sets it); the
 * PyTorch script in $BENCH_TORCH_SCRIPT, else next to the models directory
 * (../bench/bench_train_torch.py).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/cfg.h"
#include "data/data.h"
#include "nn/loss.h"
#include "nn/net.h"
#include "nn/sgd.h"
#include "train/quickeval.h"
#include "train/train.h"
#include "bench_json.h"
#include "bench_kernels.h"

#define BENCH_BATCH 64
#define BENCH_MAX_MODELS 16

static double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *bench_models_dir(void)
{
	const char *d = getenv("RECONVENE_MODELS_DIR");
	return d && *d ? d : "models";
}

static struct net *bench_net(const char *model, int classes)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.cfg", bench_models_dir(), model);
	struct net_spec spec;
	struct eng_err err;
	struct net *net = NULL;
	if (cfg_parse_file(path, &spec, &err) != ENG_STATUS_OK) {
		fprintf(stderr, "bench_train: %s\n", err.msg);
		return NULL;
	}
	if (classes > 0)
		spec.classes = classes;
	if (net_build(&spec, &net, &err) != ENG_STATUS_OK)
		fprintf(stderr, "bench_train: %s\n", err.msg);
	net_spec_done(&spec);
	return net;
}

/* Images/s of full training steps, or -1 on failure. */
static double bench_throughput(const char *model, double seconds)
{
	struct net *net = bench_net(model, 0);
	if (!net)
		return -1;
	struct eng_err err;
	net_init(net, 1);
	if (net_prepare(net, BENCH_BATCH, &err) != ENG_STATUS_OK) {
		fprintf(stderr, "bench_train: %s\n", err.msg);
		net_free(net);
		return -1;
	}
	size_t in = (size_t)BENCH_BATCH * shape_size(net->input);
	float *x = malloc(in * sizeof *x);
	float *dlogits = malloc((size_t)BENCH_BATCH * net->classes * sizeof *dlogits);
	int32_t labels[BENCH_BATCH];
	struct rng r;
	struct sgd opt;
	rng_seed(&r, 3);
	for (size_t i = 0; i < in; i++)
		x[i] = rng_normal(&r);
	for (int i = 0; i < BENCH_BATCH; i++)
		labels[i] = (int32_t)rng_below(&r, (uint32_t)net->classes);
	if (!x || !dlogits || sgd_init(&opt, net->n_params, 0.9f, 5e-4f, false)) {
		free(x);
		free(dlogits);
		net_free(net);
		return -1;
	}
	long n = 0;
	double t0 = 0, dt = 0;
	for (int it = -2;; it++) { /* two warm-up steps */
		if (it == 0)
			t0 = bench_now();
		const float *logits = net_forward(net, x, BENCH_BATCH, true);
		loss_softmax_xent(logits, labels, BENCH_BATCH, net->classes, dlogits);
		net_zero_grad(net);
		net_backward(net, x, dlogits, BENCH_BATCH);
		sgd_step(&opt, net->params, net->grads, 0.01f);
		if (it >= 0) {
			n++;
			dt = bench_now() - t0;
			if (n >= 3 && dt >= seconds)
				break;
		}
	}
	sgd_done(&opt);
	free(x);
	free(dlogits);
	net_free(net);
	return (double)n * BENCH_BATCH / dt;
}

static const char *bench_torch_script(char *buf, size_t len)
{
	const char *s = getenv("BENCH_TORCH_SCRIPT");
	if (s && *s)
		return s;
	snprintf(buf, len, "%s/../bench/bench_train_torch.py", bench_models_dir());
	return buf;
}

static bool bench_torch_available(const char *script)
{
	if (access("/usr/bin/python3", X_OK) != 0 || access(script, R_OK) != 0)
		return false;
	return system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
}

/* Run the script with args; read lines starting with key into out. */
static int bench_torch_run(const char *script, const char *args,
			   void (*line)(const char *text, void *user), void *user)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' %s", script, args);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	char buf[512];
	while (fgets(buf, sizeof buf, p))
		line(buf, user);
	return pclose(p) == 0 ? 0 : -1;
}

struct bench_row {
	const char *model;
	double ours, torch;
};

struct bench_rows {
	struct bench_row *rows;
	int n;
};

static void bench_on_throughput(const char *text, void *user)
{
	struct bench_rows *t = user;
	char name[64];
	double v;
	if (sscanf(text, "throughput %63s %lf", name, &v) != 2)
		return;
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].model, name) == 0)
			t->rows[i].torch = v;
}

struct bench_epoch {
	double seconds, accuracy, loss;
	bool ok;
};

static void bench_on_epoch(const char *text, void *user)
{
	struct bench_epoch *e = user;
	if (sscanf(text, "epoch %lf %lf %lf", &e->seconds, &e->accuracy, &e->loss) == 3)
		e->ok = true;
}

static void bench_epoch_progress(const struct train_progress *p, void *user)
{
	(void)user;
	if (p->phase == TRAIN_PHASE_TRAIN && p->done % 100 == 0)
		fprintf(stderr, "  ours: step %ld/%ld loss %.4f\n", p->done, p->total,
			(double)p->loss);
}

static int bench_epoch_run(const char *script, bool torch)
{
	struct data_split ds;
	/* The engine reads no environment: $RECONVENE_DATA is ours to pass
	 * (NULL: DATA_DEFAULT_DIR). */
	const char *dir = getenv("RECONVENE_DATA");
	struct data_options o = { .dir = dir && *dir ? dir : NULL,
				  .format = DATA_FORMAT_IDX };
	struct eng_err err;
	if (data_load(&o, &ds, &err) != ENG_STATUS_OK) {
		fprintf(stderr, "bench_train: epoch skipped: %s\n", err.msg);
		return 0;
	}
	struct net *net = bench_net("resnet20", ds.train.classes);
	if (!net) {
		data_split_done(&ds);
		return 1;
	}
	net_init(net, 1);
	struct train_config tc;
	train_config_default(&tc);
	tc.epochs = 1;
	tc.batch = BENCH_BATCH;
	tc.lr = 0.05f;
	tc.seed = 1;
	tc.progress = bench_epoch_progress;
	struct train_result tr;
	struct train_eval ev;
	printf("\nresnet20, one epoch of %s (%d images, batch %d, lr 0.05 cosine):\n",
	       ds.name, ds.train.n, BENCH_BATCH);
	fflush(stdout);
	double t0 = bench_now(), secs = 0;
	int rc = 0;
	if (train_run(net, &ds, &tc, &tr, &err) != ENG_STATUS_OK) {
		fprintf(stderr, "bench_train: %s\n", err.msg);
		rc = 1;
	}
	secs = bench_now() - t0; /* training only, as the PyTorch figure */
	if (rc == 0 && train_evaluate(net, &ds, &ds.test, NULL, 0, BENCH_BATCH, NULL,
				      NULL, NULL, &ev, &err) != ENG_STATUS_OK) {
		fprintf(stderr, "bench_train: %s\n", err.msg);
		rc = 1;
	}
	if (rc == 0) {
		printf("  %-8s %8.1f s (training)  test accuracy %.2f%%  loss %.4f\n",
		       "ours", secs, 100.0 * ev.accuracy, (double)ev.loss);
		fflush(stdout);
	}
	if (rc == 0 && torch) {
		char args[4200];
		struct bench_epoch e = { 0 };
		snprintf(args, sizeof args, "epoch --data '%s' --batch %d --lr 0.05 --threads %d",
			 ds.source, BENCH_BATCH, bench_json_threads());
		if (bench_torch_run(script, args, bench_on_epoch, &e) == 0 && e.ok)
			printf("  %-8s %8.1f s (training)  test accuracy %.2f%%  loss %.4f\n",
			       "pytorch", e.seconds, 100.0 * e.accuracy, e.loss);
		else
			printf("  pytorch: failed\n");
		bench_json_figure("train", "one epoch of Fashion-MNIST, batch 64", "resnet20",
				  bench_json_threads(), "s", true, secs, "pytorch (same threads)",
				  e.ok ? e.seconds : -1);
	}
	net_free(net);
	data_split_done(&ds);
	return rc;
}

static void bench_on_peak(const char *text, void *user)
{
	long *kb = user;
	char name[64];
	long v;
	if (sscanf(text, "peak %63s %ld", name, &v) == 2)
		*kb = v;
}

/* Peak resident memory of training vgg16 at batch 64: a forked child
 * runs a few SGD steps and exits; its ru_maxrss (RUSAGE_CHILDREN, so this
 * runs before any other child) is the figure.  PyTorch's side measures a
 * fresh process the same way (bench_train_torch.py peak). */
static void bench_peak(const char *script, bool torch)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return;
	if (pid == 0)
		_exit(bench_throughput("vgg16", 0.1) > 0 ? 0 : 1);
	int status = 0;
	struct rusage ru;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || getrusage(RUSAGE_CHILDREN, &ru) != 0) {
		fprintf(stderr, "bench_train: the peak-memory child failed\n");
		return;
	}
	long theirs = -1;
	if (torch) {
		char args[128];
		snprintf(args, sizeof args, "peak --model vgg16 --batch %d --threads %d",
			 BENCH_BATCH, bench_json_threads());
		bench_torch_run(script, args, bench_on_peak, &theirs);
	}
	printf("peak resident memory, training vgg16 at batch %d: ours %.0f MiB", BENCH_BATCH,
	       ru.ru_maxrss / 1024.0);
	if (theirs > 0)
		printf(", pytorch %.0f MiB (the torch import included)", theirs / 1024.0);
	printf("\n\n");
	bench_json_figure("train", "peak resident memory, training at batch 64", "vgg16",
			  bench_json_threads(), "MiB", true, ru.ru_maxrss / 1024.0,
			  "pytorch (same threads)", theirs > 0 ? theirs / 1024.0 : -1);
}

/* The explorer's quick-eval of a dense resnet20 at the default budget on
 * Fashion-MNIST (the target: under 10 s a variant), wall time of
 * the whole call (training, test pass), median of three. */
static void bench_quickeval(void)
{
	const char *dir = getenv("RECONVENE_DATA");
	struct data_options o = { .dir = dir && *dir ? dir : NULL,
				  .format = DATA_FORMAT_IDX };
	struct data_split ds;
	struct eng_err err;
	if (data_load(&o, &ds, &err) != ENG_STATUS_OK) {
		fprintf(stderr, "bench_train: quick-eval skipped: %s\n", err.msg);
		return;
	}
	struct net *net = bench_net("resnet20", ds.train.classes);
	if (!net) {
		data_split_done(&ds);
		return;
	}
	struct quickeval_options qo;
	quickeval_options_default(&qo);
	double t[3];
	for (int r = 0; r < 3; r++) {
		net_init(net, 1);
		struct quickeval_result res;
		double t0 = bench_now();
		if (quickeval_run(net, &ds, &qo, &res, &err) != ENG_STATUS_OK) {
			fprintf(stderr, "bench_train: quick-eval: %s\n", err.msg);
			net_free(net);
			data_split_done(&ds);
			return;
		}
		t[r] = bench_now() - t0;
		quickeval_result_done(&res);
	}
	double lo = t[0] < t[1] ? t[0] : t[1], hi = t[0] < t[1] ? t[1] : t[0];
	double med = t[2] < lo ? lo : t[2] > hi ? hi : t[2];
	printf("\nquick-eval of resnet20 at the default budget (%ld steps of %d, %d test "
	       "images): %.2f s (median of 3; target under 10 s)\n", qo.steps, qo.batch,
	       qo.test_n, med);
	bench_json_figure("train", "quick-eval, default budget", "resnet20",
			  bench_json_threads(), "s", true, med, "target", 10.0);
	net_free(net);
	data_split_done(&ds);
}

int main(int argc, char **argv)
{
	bench_kernels_select();
	bool epoch = getenv("BENCH_EPOCH") && strcmp(getenv("BENCH_EPOCH"), "1") == 0;
	bool use_torch = true;
	double seconds = 3.0;
	struct bench_row rows[BENCH_MAX_MODELS];
	int n = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--epoch") == 0)
			epoch = true;
		else if (strcmp(argv[i], "--no-torch") == 0)
			use_torch = false;
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: bench_train [--epoch] [--no-torch] "
				"[--seconds S] [models...]\n");
			return 2;
		} else if (n < BENCH_MAX_MODELS)
			rows[n++] = (struct bench_row){ argv[i], -1, -1 };
	}
	if (n == 0) {
		static const char *def[] = { "lenet5", "resnet20", "vgg16" };
		for (int i = 0; i < 3; i++)
			rows[n++] = (struct bench_row){ def[i], -1, -1 };
	}
	char sbuf[4096];
	const char *script = bench_torch_script(sbuf, sizeof sbuf);
	bool torch = use_torch && bench_torch_available(script);

	bench_peak(script, torch);
	printf("training throughput, batch %d: images/s of whole SGD steps, "
	       "each timed over >= %g s\n", BENCH_BATCH, seconds);
	for (int i = 0; i < n; i++) {
		rows[i].ours = bench_throughput(rows[i].model, seconds);
		fprintf(stderr, "  ours %s: %.1f img/s\n", rows[i].model, rows[i].ours);
	}
	if (torch) {
		char args[1024], list[512] = "";
		for (int i = 0; i < n; i++) {
			size_t l = strlen(list);
			snprintf(list + l, sizeof list - l, "%s%s", i ? "," : "", rows[i].model);
		}
		snprintf(args, sizeof args, "throughput --batch %d --threads %d "
			 "--seconds %g --models %s", BENCH_BATCH, bench_json_threads(),
			 seconds, list);
		struct bench_rows t = { rows, n };
		if (bench_torch_run(script, args, bench_on_throughput, &t) != 0)
			fprintf(stderr, "bench_train: the PyTorch script failed\n");
	} else {
		printf("(PyTorch not available: /usr/bin/python3 with torch and %s)\n",
		       script);
	}
	printf("%-10s %12s %12s %8s\n", "model", "ours", "pytorch", "ratio");
	int rc = 0;
	for (int i = 0; i < n; i++) {
		if (rows[i].ours < 0)
			rc = 1;
		bench_json_figure("train", "training throughput, batch 64", rows[i].model,
				  bench_json_threads(), "img/s", false, rows[i].ours,
				  "pytorch (same threads)", rows[i].torch);
		if (rows[i].torch > 0)
			printf("%-10s %12.1f %12.1f %7.2fx\n", rows[i].model, rows[i].ours,
			       rows[i].torch, rows[i].ours / rows[i].torch);
		else
			printf("%-10s %12.1f %12s %8s\n", rows[i].model, rows[i].ours,
			       "-", "-");
	}
	fflush(stdout);
	bench_quickeval();
	if (epoch)
		rc |= bench_epoch_run(script, torch);
	else
		printf("\n(one full ResNet-20 epoch on Fashion-MNIST: BENCH_EPOCH=1 or "
		       "--epoch; ~10 min per side)\n");
	return rc;
}
