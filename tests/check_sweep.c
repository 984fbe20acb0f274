/* check_sweep.c: engine/sweep: the grid parser (a good grid, and every
 * malformed one giving one line that names file and line), the jobs it
 * expands to, config hashes, and the result JSON round trip. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sweep/sweep_grid.h"
#include "sweep/sweep_result.h"

static const char good[] =
	"# a grid\n"
	"[sweep]\n"
	"name = tiny\n"
	"out = results/tiny\n"
	"models = lenet5, resnet20\n"
	"methods = synflow snip\n"
	"sparsities = 0.9 0.97\n"
	"seeds = 1 2 3\n"
	"variants = dense upai reconvene uniform tau03\n"
	"\n"
	"[train]\n"
	"steps = 40\n"
	"batch = 16\n"
	"lr = 0.1\n"
	"schedule = step\n"
	"data = synthetic\n"
	"train = 500\n"
	"test = 200\n"
	"threads = 1\n"
	"\n"
	"[measure]\n"
	"latency_ms = 5\n"
	"\n"
	"[reconvene]\n"
	"iterations = 10\n"
	"residual = yes\n"
	"\n"
	"[variant.tau03]\n"
	"kind = reconvene\n"
	"tau = 0.3\n"
	"dense-sensitive = yes\n";

static struct sweep_grid grid;

static enum eng_status parse(const char *text, struct eng_err *err)
{
	return sweep_grid_parse(text, strlen(text), "/g/x.grid", &grid, err);
}

START_TEST(test_grid_good)
{
	struct eng_err err = { { 0 } };
	ck_assert_msg(parse(good, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_str_eq(grid.name, "tiny");
	ck_assert_str_eq(grid.out, "/g/results/tiny");
	ck_assert_int_eq(grid.n_models, 2);
	ck_assert_str_eq(grid.models[1], "resnet20");
	ck_assert_int_eq(grid.n_methods, 2);
	ck_assert_int_eq(grid.methods[1], SCORE_METHOD_SNIP);
	ck_assert_int_eq(grid.n_sparsities, 2);
	ck_assert(grid.sparsities[1] == 0.97);
	ck_assert_int_eq(grid.n_seeds, 3);
	ck_assert_int_eq(grid.n_variants, 5);
	ck_assert_int_eq(grid.budget.steps, 40);
	ck_assert_int_eq(grid.budget.batch, 16);
	ck_assert_int_eq(grid.budget.schedule, TRAIN_SCHEDULE_STEP);
	ck_assert_str_eq(grid.budget.data, "synthetic");
	ck_assert(grid.budget.latency_ms == 5.0);
	ck_assert_int_eq(grid.budget.latency_runs, 10);   /* default */
	/* [reconvene] reaches every variant; the named one adds its own. */
	const struct sweep_variant *v = &grid.variants[4];
	ck_assert_str_eq(v->name, "tau03");
	ck_assert_int_eq(v->kind, SWEEP_KIND_RECONVENE);
	ck_assert(v->ro.tau == 0.3 && v->ro.sensitive_dense && v->ro.include_residual);
	ck_assert_int_eq(v->ro.synflow_iterations, 10);
	ck_assert(grid.variants[2].ro.tau == 0.2 && !grid.variants[2].ro.sensitive_dense);
	ck_assert(grid.variants[2].ro.include_residual);

	struct sweep_job *jobs;
	int n;
	ck_assert_int_eq(sweep_grid_jobs(&grid, &jobs, &n, &err), ENG_STATUS_OK);
	/* per model: 3 dense seeds + 2 methods x 2 sparsities x 4 variants x 3 */
	ck_assert_int_eq(n, 2 * (3 + 2 * 2 * 4 * 3));
	ck_assert_str_eq(jobs[0].id, "lenet5-dense-s1");
	ck_assert_str_eq(jobs[3].id, "lenet5-synflow-0.9-upai-s1");
	int k = sweep_job_find(jobs, n, "resnet20-snip-0.97-tau03-s3");
	ck_assert_int_ge(k, 0);
	ck_assert(jobs[k].sparsity == 0.97 && jobs[k].seed == 3);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++) {
			ck_assert_str_ne(jobs[i].id, jobs[j].id);
			ck_assert(jobs[i].config_hash != jobs[j].config_hash);
		}
	/* Another budget: every hash changes; another name or out: none. */
	uint64_t h0 = jobs[5].config_hash;
	free(jobs);
	char *text = strdup(good);
	char *p = strstr(text, "steps = 40");
	p[9] = '1';
	ck_assert_int_eq(parse(text, &err), ENG_STATUS_OK);
	ck_assert_int_eq(sweep_grid_jobs(&grid, &jobs, &n, &err), ENG_STATUS_OK);
	ck_assert(jobs[5].config_hash != h0);
	free(jobs);
	p[9] = '0';
	p = strstr(text, "out = results/tiny");
	p[8] = 'X';
	ck_assert_int_eq(parse(text, &err), ENG_STATUS_OK);
	ck_assert_int_eq(sweep_grid_jobs(&grid, &jobs, &n, &err), ENG_STATUS_OK);
	ck_assert(jobs[5].config_hash == h0);
	free(jobs);
	free(text);
}
END_TEST

/* Hashes of finished results must not move when options are added: the
 * committed reproduction's files name their config hash, and a changed
 * hash would re-train them.  Issue 18's choices change the hash only when
 * set, each to a different one. */
START_TEST(test_hash_stable_and_issue18)
{
	struct eng_err err = { { 0 } };
	const char *top = getenv("top_srcdir");
	char path[1024];
	snprintf(path, sizeof path, "%s/docs/results/resnet20-fmnist-r18.grid", top ? top : ".");
	struct sweep_grid g;
	ck_assert_msg(sweep_grid_load(path, &g, &err) == ENG_STATUS_OK, "%s", err.msg);
	struct sweep_job *jobs;
	int n;
	ck_assert_int_eq(sweep_grid_jobs(&g, &jobs, &n, &err), ENG_STATUS_OK);
	int k = sweep_job_find(jobs, n, "resnet20-synflow-0.9-reconvene-s1");
	ck_assert_int_ge(k, 0);
	/* docs/results/resnet20-fmnist-r18/results/resnet20-synflow-0.9-reconvene-s1.json */
	ck_assert_uint_eq(jobs[k].config_hash, 0xbed8ee283f8b5420ull);
	free(jobs);

	static const char *const extra[] = {
		"", "keep-init = yes\n", "width = nnz\n", "channels = random\n",
		"keep-init = no\nwidth = sqrt\nchannels = score\n", "width = density\n",
	};
	uint64_t h[6];
	for (int i = 0; i < 6; i++) {
		char text[2048];
		/* good ends inside [variant.tau03] */
		snprintf(text, sizeof text, "%s%s", good, extra[i]);
		ck_assert_msg(parse(text, &err) == ENG_STATUS_OK, "%s", err.msg);
		ck_assert_int_eq(sweep_grid_jobs(&grid, &jobs, &n, &err), ENG_STATUS_OK);
		k = sweep_job_find(jobs, n, "lenet5-synflow-0.9-tau03-s1");
		ck_assert_int_ge(k, 0);
		h[i] = jobs[k].config_hash;
		free(jobs);
	}
	ck_assert(h[4] == h[0]); /* the defaults spelled out: the same job */
	for (int i = 0; i < 6; i++)
		for (int j = i + 1; j < 6; j++)
			ck_assert(i == 0 && j == 4 ? h[i] == h[j] : h[i] != h[j]);
	/* An UPaI job does not depend on the width rule: its hash does not
	 * move with it (so the default's change kept every UPaI result). */
	uint64_t hu[2];
	for (int i = 0; i < 2; i++) {
		/* [reconvene] reaches every variant, upai's options too */
		char text[2048];
		const char *sec = strstr(good, "[reconvene]\n") + strlen("[reconvene]\n");
		snprintf(text, sizeof text, "%.*s%s%s", (int)(sec - good), good,
			 i ? "width = density\n" : "", sec);
		ck_assert_msg(parse(text, &err) == ENG_STATUS_OK, "%s", err.msg);
		ck_assert_int_eq(grid.variants[1].ro.width,
				 i ? RECONVENE_WIDTH_DENSITY : RECONVENE_WIDTH_SQRT);
		ck_assert_int_eq(sweep_grid_jobs(&grid, &jobs, &n, &err), ENG_STATUS_OK);
		k = sweep_job_find(jobs, n, "lenet5-synflow-0.9-upai-s1");
		ck_assert_int_ge(k, 0);
		hu[i] = jobs[k].config_hash;
		free(jobs);
	}
	ck_assert(hu[0] == hu[1]);
	ck_assert(grid.variants[grid.n_variants - 1].ro.channels == RECONVENE_CHANNELS_SCORE);
}
END_TEST

START_TEST(test_grid_defaults)
{
	struct eng_err err = { { 0 } };
	ck_assert_msg(parse("[sweep]\nmodels = models/My-Net.cfg\nseeds = 7\n"
			    "variants = dense reconvene\n[train]\nepochs = 2\n", &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	ck_assert_str_eq(grid.name, "x");
	ck_assert_str_eq(grid.out, "/g/x.sweep");
	ck_assert_int_eq(grid.methods[0], SCORE_METHOD_SYNFLOW);
	ck_assert(grid.sparsities[0] == 0.9);
	ck_assert_int_eq(grid.budget.epochs, 2);
	ck_assert(grid.budget.lr == 0.05 && grid.budget.batch == 64);
	char label[64];
	sweep_model_label(grid.models[0], label, sizeof label);
	ck_assert_str_eq(label, "My_Net");
	sweep_model_label("a/b c.cfg", label, sizeof label);
	ck_assert_str_eq(label, "b_c");
	struct sweep_job *jobs;
	int n;
	ck_assert_int_eq(sweep_grid_jobs(&grid, &jobs, &n, &err), ENG_STATUS_OK);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(jobs[1].id, "My_Net-synflow-0.9-reconvene-s7");
	free(jobs);
}
END_TEST

/* Each malformed grid: the message starts "/g/x.grid:LINE: " (or
 * "/g/x.grid: " for what is missing at the end) and says what is wrong. */
static const struct {
	const char *text;
	const char *want;
} bad[] = {
	{ "models = a\n", "/g/x.grid:1: 'models' before any section" },
	{ "[sweep]\nmodel = a\n", "/g/x.grid:2: unknown key 'model' in [sweep]" },
	{ "[swep]\n", "/g/x.grid:1: unknown section [swep]" },
	{ "[sweep]\nmodels a\n", "/g/x.grid:2: missing '='" },
	{ "[sweep]\nmethods = synflow snp\n", "/g/x.grid:2: method 'snp'" },
	{ "[sweep]\nsparsities = 0.9 1\n", "/g/x.grid:2: sparsity '1': a number in (0, 1)" },
	{ "[sweep]\nsparsities = 0.9 0.9\n", "/g/x.grid:2: sparsity 0.9 is listed twice" },
	{ "[sweep]\nseeds = 1 x\n", "/g/x.grid:2: seed 'x'" },
	{ "[sweep]\nseeds =\n", "/g/x.grid:2: seeds: an empty list" },
	{ "[sweep]\nvariants = dense dense\n", "/g/x.grid:2: variant 'dense' is listed twice" },
	{ "[sweep]\nmodels = a b/a.cfg\n", "/g/x.grid:2: models 'a' and 'b/a.cfg' have the same label" },
	{ "[sweep]\nmodels = a\nseeds = 1\nvariants = fancy\n[train]\nsteps = 1\n",
	  "/g/x.grid:4: variant 'fancy' is neither" },
	{ "[sweep]\nmodels = a\nseeds = 1\nvariants = v\n[train]\nsteps = 1\n[variant.v]\ntau = 0.3\n",
	  "/g/x.grid:7: [variant.v] needs kind" },
	{ "[sweep]\nmodels = a\nseeds = 1\nvariants = dense\n[train]\nsteps = 1\n[variant.v]\nkind = upai\n",
	  "/g/x.grid:7: [variant.v] is not in [sweep] variants" },
	{ "[variant.upai]\n", "/g/x.grid:1: [variant.upai]: 'upai' is a built-in" },
	{ "[variant.v]\nkind = fast\n", "/g/x.grid:2: kind: dense, upai, reconvene or uniform" },
	{ "[variant.v]\nkind = upai\nmatch = params\n[sweep]\nmodels = a\nseeds = 1\n"
	  "variants = v\n[train]\nsteps = 1\n", "/g/x.grid:1: [variant.v]: match is for kind = uniform" },
	{ "[variant.v]\ntau = 2\n", "/g/x.grid:2: tau: a number in [0, 1], not '2'" },
	{ "[reconvene]\ntua = 0.3\n", "/g/x.grid:2: unknown Reconvene option 'tua'" },
	{ "[reconvene]\nsparsity = 0.5\n", "/g/x.grid:2: sparsity comes from the grid's lists" },
	{ "[reconvene]\ntau = 0.3\ntau = 0.4\n", "/g/x.grid:3: 'tau' is given twice (line 2)" },
	{ "[reconvene]\nresidual = maybe\n", "/g/x.grid:2: residual: yes or no" },
	{ "[train]\nsteps = 0\n", "/g/x.grid:2: steps: a whole number in 1.." },
	{ "[train]\nbatch = 8x\n", "/g/x.grid:2: batch: a whole number" },
	{ "[train]\nlr = 0\n", "/g/x.grid:2: lr: a positive number" },
	{ "[train]\nschedule = linear\n", "/g/x.grid:2: schedule: cosine, step or constant" },
	{ "[train]\nspeed = 1\n", "/g/x.grid:2: unknown key 'speed' in [train]" },
	{ "[measure]\nlatency_ms = -1\n", "/g/x.grid:2: latency_ms: a number in" },
	{ "[sweep]\nseeds = 1\nvariants = dense\n[train]\nsteps = 1\n",
	  "/g/x.grid: [sweep] models = ... is missing" },
	{ "[sweep]\nmodels = a\nseeds = 1\nvariants = dense\n",
	  "/g/x.grid: [train] needs steps = N or epochs = N" },
	{ "[sweep]\nmodels = a\nseeds = 1\nvariants = dense\n[train]\nsteps = 1\nepochs = 1\n",
	  "/g/x.grid: [train] gives both steps and epochs" },
	{ "[sweep]\nname = a b\n", "/g/x.grid:2: name 'a b'" },
};

START_TEST(test_grid_bad)
{
	struct eng_err err = { { 0 } };
	const char *text = bad[_i].text;
	ck_assert_int_eq(parse(text, &err), ENG_STATUS_EINVAL);
	ck_assert_msg(strncmp(err.msg, bad[_i].want, strlen(bad[_i].want)) == 0,
		      "grid %d: got \"%s\", want \"%s...\"", _i, err.msg, bad[_i].want);
	ck_assert_msg(strchr(err.msg, '\n') == NULL, "one line: %s", err.msg);
	ck_assert_int_eq(grid.n_models, 0);  /* nothing half-filled */
}
END_TEST

START_TEST(test_result_roundtrip)
{
	struct eng_err err = { { 0 } };
	ck_assert_msg(parse(good, &err) == ENG_STATUS_OK, "%s", err.msg);
	struct sweep_job *jobs;
	int n;
	ck_assert_int_eq(sweep_grid_jobs(&grid, &jobs, &n, &err), ENG_STATUS_OK);
	int k = sweep_job_find(jobs, n, "lenet5-synflow-0.9-uniform-s2");
	ck_assert_int_ge(k, 0);
	struct sweep_result r = { 0 }, back;
	snprintf(r.id, sizeof r.id, "%s", jobs[k].id);
	r.config_hash = jobs[k].config_hash;
	snprintf(r.model, sizeof r.model, "lenet5");
	snprintf(r.variant, sizeof r.variant, "uniform");
	r.kind = SWEEP_KIND_UNIFORM;
	snprintf(r.method, sizeof r.method, "synflow");
	r.sparsity = 0.9;
	r.seed = 2;
	snprintf(r.dataset, sizeof r.dataset, "synthetic");
	r.synthetic = true;
	r.train_n = 500;
	r.test_n = 200;
	r.steps = 40;
	r.batch = 16;
	r.params = 6379;
	r.nonzero = 6379;
	r.macs = 70198;
	r.uniform_target = 6383;
	r.uniform_fraction = 0.1 / 3;
	r.accuracy = 0.735;
	r.ci_lo = 0.67;
	r.ci_hi = 0.79;
	r.correct = 147;
	r.test_loss = 0.8;
	r.train_loss = 0.9;
	r.latency_ms = 0.05;
	r.latency_sparse_ms = NAN;
	char path[] = "/tmp/check_sweep_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(sweep_result_write(path, &r, &err), ENG_STATUS_OK);
	ck_assert_msg(sweep_result_read(path, &back, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_str_eq(back.id, r.id);
	ck_assert(back.config_hash == r.config_hash);
	ck_assert(back.accuracy == r.accuracy && back.uniform_fraction == r.uniform_fraction);
	ck_assert(back.synthetic && back.kind == SWEEP_KIND_UNIFORM);
	ck_assert(isnan(back.latency_sparse_ms));
	char why[256];
	ck_assert(sweep_result_done(path, &jobs[k], &back, why, sizeof why));
	ck_assert(!sweep_result_done(path, &jobs[k + 1], &back, why, sizeof why));
	ck_assert_msg(strstr(why, "stale") != NULL, "%s", why);
	struct sweep_job other = jobs[k];
	other.config_hash ^= 1;
	ck_assert(!sweep_result_done(path, &other, &back, why, sizeof why));
	ck_assert_str_eq(why, "stale: written under another config");
	/* A half-written file is not done. */
	FILE *f = fopen(path, "w");
	fputs("{\"schema\": \"reconvene-sweep-result/1\", \"id\": ", f);
	fclose(f);
	ck_assert(!sweep_result_done(path, &jobs[k], &back, why, sizeof why));
	ck_assert_msg(strncmp(why, "unreadable: ", 12) == 0, "%s", why);
	unlink(path);
	ck_assert(!sweep_result_done(path, &jobs[k], &back, why, sizeof why));
	ck_assert_str_eq(why, "missing");
	free(jobs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sweep");
	TCase *tc = tcase_create("grid");
	tcase_add_test(tc, test_grid_good);
	tcase_add_test(tc, test_grid_defaults);
	tcase_add_test(tc, test_hash_stable_and_issue18);
	tcase_add_loop_test(tc, test_grid_bad, 0, (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(tc, test_result_roundtrip);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
