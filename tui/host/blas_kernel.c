/* blas_kernel.c: see blas_kernel.h. */
#include "config.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cblas.h>

#include "base/blas_info.h"
#include "host/blas_kernel.h"
#include "nn/conv3x3.h"

/* The last selection (tui/ may keep process state; written once in main
 * before any thread starts). */
static struct blas_kernel selected;
static bool selected_valid;

struct blas_cpu blas_cpu_detect(void)
{
	struct blas_cpu cpu = { 0 };
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	/* These tests are false when the OS does not save the registers
	 * (XGETBV), which is what running the kernels needs. */
	cpu.avx = __builtin_cpu_supports("avx");
	cpu.avx2_fma = cpu.avx && __builtin_cpu_supports("avx2") &&
		       __builtin_cpu_supports("fma");
	/* OpenBLAS's SkylakeX kernels use F, CD, BW, DQ and VL. */
	cpu.avx512 = cpu.avx2_fma && __builtin_cpu_supports("avx512f") &&
		     __builtin_cpu_supports("avx512cd") &&
		     __builtin_cpu_supports("avx512bw") &&
		     __builtin_cpu_supports("avx512dq") &&
		     __builtin_cpu_supports("avx512vl");
	cpu.amd = __builtin_cpu_is("amd");
#endif
	return cpu;
}

const char *blas_best_core(const struct blas_cpu *cpu)
{
	if (cpu->avx512)
		return "SkylakeX";
	if (cpu->avx2_fma)
		return cpu->amd ? "Zen" : "Haswell";
	if (cpu->avx)
		return "Sandybridge";
	return "";
}

int blas_core_level(const char *name)
{
	static const struct {
		const char *name;
		int level;
	} levels[] = {
		{ "SkylakeX", 3 }, { "Cooperlake", 3 }, { "SapphireRapids", 3 },
		{ "Haswell", 2 }, { "Zen", 2 },
		{ "Sandybridge", 1 }, { "Bulldozer", 1 }, { "Piledriver", 1 },
		{ "Steamroller", 1 }, { "Excavator", 1 },
	};
	if (!name)
		return 0;
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (strcasecmp(name, levels[i].name) == 0)
			return levels[i].level;
	return 0;
}

/* --- the check ----------------------------------------------------------- */

struct gemm_shape {
	bool trans_a, trans_b;
	int m, n, k;
	float alpha, beta;
};

/* Row-major, as the engine calls it: conv forward (NN, K = in*k*k),
 * backward dW (NT) and dcol (TN), the linear layer at batch 1, an
 * accumulating call (beta 1), sizes on both sides of OpenBLAS's small-
 * matrix path and its blocking, odd sizes as pruning leaves them. */
static const struct gemm_shape check_shapes[] = {
	{ false, false, 7, 9, 5, 1.0f, 0.0f },
	{ false, false, 64, 300, 147, 1.0f, 0.0f },
	{ false, true, 33, 75, 513, 1.0f, 1.0f },
	{ true, false, 147, 200, 31, 1.0f, 0.0f },
	{ false, true, 1, 10, 512, 1.0f, 0.0f },
	{ true, true, 29, 41, 67, 0.5f, 0.25f },
};

/* A small deterministic generator: the check must not depend on the
 * program's seeded RNG streams or touch them. */
static float check_value(unsigned *state)
{
	*state = *state * 1664525u + 1013904223u;
	return (float)((*state >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* The element (i, j) of op(X) for a row-major X stored with leading
 * dimension ld. */
static float at(const float *x, int ld, bool trans, int i, int j)
{
	return trans ? x[(size_t)j * ld + i] : x[(size_t)i * ld + j];
}

static double check_one(const struct gemm_shape *s, bool corrupt, unsigned seed)
{
	int m = s->m, n = s->n, k = s->k;
	int lda = s->trans_a ? m : k, ldb = s->trans_b ? k : n;
	size_t na = (size_t)m * k, nb = (size_t)k * n, nc = (size_t)m * n;
	float *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b);
	float *c = malloc(nc * sizeof *c), *c0 = malloc(nc * sizeof *c0);
	double worst = INFINITY;	/* no memory: report a failed check */
	if (!a || !b || !c || !c0)
		goto out;
	for (size_t i = 0; i < na; i++)
		a[i] = check_value(&seed);
	for (size_t i = 0; i < nb; i++)
		b[i] = check_value(&seed);
	for (size_t i = 0; i < nc; i++)
		c0[i] = c[i] = check_value(&seed);
	cblas_sgemm(CblasRowMajor, s->trans_a ? CblasTrans : CblasNoTrans,
		    s->trans_b ? CblasTrans : CblasNoTrans, m, n, k, s->alpha,
		    a, lda, b, ldb, s->beta, c, n);
	if (corrupt)
		c[nc / 2] += 1.0f;
	worst = 0.0;
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			double sum = 0.0, mag = 0.0;
			for (int p = 0; p < k; p++) {
				double t = (double)at(a, lda, s->trans_a, i, p) *
					   at(b, ldb, s->trans_b, p, j);
				sum += t;
				mag += fabs(t);
			}
			double c_in = c0[(size_t)i * n + j];
			double ref = s->alpha * sum + s->beta * c_in;
			double tol = 1e-4 * (fabs(s->alpha) * mag +
					     fabs(s->beta * c_in)) + 1e-30;
			double e = fabs((double)c[(size_t)i * n + j] - ref) / tol;
			if (!(e <= worst))	/* NaN counts as the worst */
				worst = isnan(e) ? INFINITY : e;
		}
out:
	free(a);
	free(b);
	free(c);
	free(c0);
	return worst;
}

static int gemm_check(bool corrupt, double *worst)
{
	int n = (int)(sizeof check_shapes / sizeof check_shapes[0]);
	*worst = 0.0;
	for (int i = 0; i < n; i++) {
		/* The corruption goes into the largest shape, the one that
		 * runs the blocked kernels. */
		double e = check_one(&check_shapes[i], corrupt && i == 1,
				     0x9e3779b9u + (unsigned)i);
		if (e > *worst)
			*worst = e;
	}
	return n;
}

int blas_gemm_check(double *worst)
{
	return gemm_check(false, worst);
}

/* --- switching ------------------------------------------------------------ */

typedef void (*blas_void_fn)(void);

/* OpenBLAS's start-up entry points, or false when this BLAS has none
 * (not OpenBLAS, or built without DYNAMIC_ARCH). */
static bool openblas_entry_points(blas_void_fn *quit, blas_void_fn *init)
{
	/* dlsym returns an object pointer; POSIX guarantees the round trip
	 * to a function pointer, memcpy keeps -Wpedantic quiet about it. */
	void *q = dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
	void *i = dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
	if (!q || !i)
		return false;
	memcpy(quit, &q, sizeof q);
	memcpy(init, &i, sizeof i);
	return true;
}

/* Re-run OpenBLAS's kernel choice with OPENBLAS_CORETYPE=name, restoring
 * the variable afterwards.  True when the kernels in use are then `name`
 * (OpenBLAS takes Prescott for a name it does not know). */
static bool switch_to(const char *name)
{
	blas_void_fn quit, init;
	if (!openblas_entry_points(&quit, &init))
		return false;
	const char *was = getenv("OPENBLAS_CORETYPE");
	char *saved = was ? strdup(was) : NULL;
	if (was && !saved)
		return false;
	if (setenv("OPENBLAS_CORETYPE", name, 1) != 0) {
		free(saved);
		return false;
	}
	quit();
	init();
	if (saved)
		setenv("OPENBLAS_CORETYPE", saved, 1);
	else
		unsetenv("OPENBLAS_CORETYPE");
	free(saved);
	return strcasecmp(blas_core_name(), name) == 0;
}

static void copy_name(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

void blas_kernel_select(const struct blas_kernel_options *opt,
			struct blas_kernel *out)
{
	static const struct blas_kernel_options none = { 0 };
	if (!opt)
		opt = &none;
	memset(out, 0, sizeof *out);
	struct blas_cpu cpu = blas_cpu_detect();
	copy_name(out->best, sizeof out->best, blas_best_core(&cpu));
	blas_void_fn quit, init;
	bool can_switch = openblas_entry_points(&quit, &init);

	if (opt->pretend_loaded && *opt->pretend_loaded && can_switch)
		switch_to(opt->pretend_loaded);
	copy_name(out->loaded, sizeof out->loaded, blas_core_name());
	out->how = BLAS_KERNEL_LIBRARY;
	if (opt->user_coretype && *opt->user_coretype)
		out->how = BLAS_KERNEL_USER;
	else if (!can_switch)
		out->how = BLAS_KERNEL_FIXED;
	else if (out->best[0] &&
		 blas_core_level(out->loaded) < blas_core_level(out->best)) {
		if (switch_to(out->best)) {
			out->check_shapes = gemm_check(opt->fail_check,
						       &out->check_error);
			out->check_passed = out->check_error < 1.0;
		}
		if (out->check_passed) {
			out->how = BLAS_KERNEL_SWITCHED;
		} else {
			out->how = BLAS_KERNEL_FELL_BACK;
			switch_to(out->loaded);
		}
	}
	copy_name(out->active, sizeof out->active, blas_core_name());
	selected = *out;
	selected_valid = true;
}

void blas_kernel_select_from_env(struct blas_kernel *out)
{
	const char *check = getenv("RECONVENE_BLAS_CHECK");
	struct blas_kernel_options opt = {
		.user_coretype = getenv("OPENBLAS_CORETYPE"),
		.pretend_loaded = getenv("RECONVENE_BLAS_PRETEND"),
		.fail_check = check && strcmp(check, "fail") == 0,
	};
	blas_kernel_select(&opt, out);
	/* Our own conv kernels' cap rides along: the same moment (before any
	 * net), the same callers. */
	const char *isa = getenv("RECONVENE_CONV3X3_ISA");
	if (!isa || !*isa || strcmp(isa, "avx512") == 0)
		return;
	if (strcmp(isa, "avx2") == 0)
		conv3x3_cap_isa(CONV3X3_ISA_AVX2);
	else if (strcmp(isa, "none") == 0)
		conv3x3_cap_isa(CONV3X3_ISA_NONE);
	else
		fprintf(stderr, "reconvene: RECONVENE_CONV3X3_ISA='%s' is not avx512, avx2 or none: "
			"ignored\n", isa);
}

const struct blas_kernel *blas_kernel_selected(void)
{
	return selected_valid ? &selected : NULL;
}

const char *blas_kernel_how_name(enum blas_kernel_how how)
{
	switch (how) {
	case BLAS_KERNEL_LIBRARY: return "library";
	case BLAS_KERNEL_USER: return "user";
	case BLAS_KERNEL_SWITCHED: return "switched";
	case BLAS_KERNEL_FELL_BACK: return "fell-back";
	case BLAS_KERNEL_FIXED: return "fixed";
	}
	return "?";
}

/* "OpenBLAS 0.3.21" from the library's build description. */
static void library_name(char *buf, size_t n)
{
	const char *config = blas_library();
	const char *space = strchr(config, ' ');
	const char *end = space ? strchr(space + 1, ' ') : NULL;
	int len = end ? (int)(end - config) : (int)strlen(config);
	snprintf(buf, n, "%.*s", len, config);
}

void blas_kernel_describe(const struct blas_kernel *k, char *buf, size_t n)
{
	char lib[64];
	library_name(lib, sizeof lib);
	const char *active = k ? k->active : blas_core_name();
	const char *best = k && k->best[0] ? k->best : "none of AVX, AVX2, AVX-512";
	char why[200] = "";
	if (k)
		switch (k->how) {
		case BLAS_KERNEL_LIBRARY:
			snprintf(why, sizeof why, " (OpenBLAS's choice; best for this CPU: %s)", best);
			break;
		case BLAS_KERNEL_USER:
			snprintf(why, sizeof why, " (OPENBLAS_CORETYPE; best for this CPU: %s)", best);
			break;
		case BLAS_KERNEL_SWITCHED:
			snprintf(why, sizeof why,
				 " (OpenBLAS chose %s for this CPU; switched, checked against a naive GEMM on %d shapes)",
				 k->loaded, k->check_shapes);
			break;
		case BLAS_KERNEL_FELL_BACK:
			if (k->check_shapes > 0)
				snprintf(why, sizeof why,
					 " (%s kernels disagreed with a naive GEMM, error %.3g x tolerance: kept OpenBLAS's choice)",
					 k->best, k->check_error);
			else
				snprintf(why, sizeof why,
					 " (OpenBLAS could not switch to %s: kept its choice)", k->best);
			break;
		case BLAS_KERNEL_FIXED:
			snprintf(why, sizeof why, " (this BLAS cannot switch kernels; best for this CPU: %s)", best);
			break;
		}
	snprintf(buf, n, "%s, %s kernels%s", lib, active, why);
}
