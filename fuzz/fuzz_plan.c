/* fuzz_plan: libFuzzer target for plan files (prune/plan_file.c), read for
 * the fuzz net (fuzz/fuzz_net.h: prunable, residual, 1-channel and fixed
 * groups) with the collapse guard at 2.
 *
 * Every input either fails cleanly (EINVAL or ENOMEM, one line naming the
 * file) or reads into a plan that plan_validate accepts, whose "kept"
 * lists are increasing channel indices of the right count; written with
 * plan_file_write and read again it gives the same keep counts, channel
 * lists and settings (reals to the 15 digits the writer keeps), and
 * writing that gives the same text.  Anything else aborts.
 *
 *   ./fuzz/fuzz_plan -max_total_time=600 fuzz/corpus/plan tests/fuzz/corpus/plan
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_net.h"
#include "fuzz/fuzz_util.h"
#include "prune/plan_file.h"

#define FUZZ_MIN_KEEP 2

/* The writer keeps 15 significant digits (JSON_REAL_PRECISION(15)). */
static int fuzz_real_same(double a, double b)
{
	return a == b || fabs(a - b) <= 1e-14 * fabs(a);
}

static void fuzz_info_same(const struct plan_file_info *a, const struct plan_file_info *b)
{
	fuzz_check(strcmp(a->model, b->model) == 0 && a->has_method == b->has_method &&
		   a->has_sparsity == b->has_sparsity && a->has_seed == b->has_seed &&
		   a->has_tau == b->has_tau && a->has_k == b->has_k, "settings present");
	fuzz_check(!a->has_method || a->method == b->method, "method");
	fuzz_check(!a->has_sparsity || fuzz_real_same(a->sparsity, b->sparsity), "sparsity");
	fuzz_check(!a->has_tau || fuzz_real_same(a->tau, b->tau), "tau");
	fuzz_check(!a->has_seed || a->seed == b->seed, "seed");
	fuzz_check(!a->has_k || a->k == b->k, "k");
}

static void fuzz_plan_check(const struct group_set *gs, const struct prune_plan *p)
{
	struct eng_err err;
	fuzz_check(plan_validate(gs, p, FUZZ_MIN_KEEP, &err) == ENG_STATUS_OK,
		   "read plan does not validate");
	for (int g = 0; g < gs->n_groups; g++) {
		if (!p->kept_idx[g])
			continue;
		for (int j = 0; j < p->keep[g]; j++)
			fuzz_check(p->kept_idx[g][j] >= 0 &&
				   p->kept_idx[g][j] < gs->groups[g].channels &&
				   (j == 0 || p->kept_idx[g][j] > p->kept_idx[g][j - 1]),
				   "kept channels not increasing indices in range");
	}
}

static void fuzz_plan_same(const struct group_set *gs, const struct prune_plan *a,
			   const struct prune_plan *b)
{
	for (int g = 0; g < gs->n_groups; g++) {
		fuzz_check(a->keep[g] == b->keep[g], "round trip changed a keep count");
		/* The writer lists the channels of reduced groups only. */
		if (!a->kept_idx[g] || !plan_group_changed(gs, a, g))
			continue;
		fuzz_check(b->kept_idx[g] &&
			   memcmp(a->kept_idx[g], b->kept_idx[g],
				  (size_t)a->keep[g] * sizeof a->kept_idx[g][0]) == 0,
			   "round trip changed the kept channels");
	}
}

/* Write and read back; returns the written text (malloc'd). */
static char *fuzz_plan_write_read(const struct group_set *gs, const struct prune_plan *p,
				  const struct plan_file_info *info, struct prune_plan *back,
				  struct plan_file_info *back_info)
{
	char path[PATH_MAX];
	struct eng_err err;
	fuzz_scratch_path(path, sizeof path, "written.json");
	if (plan_file_write(path, gs, p, info, &err) != ENG_STATUS_OK) {
		fprintf(stderr, "fuzz: plan_file_write: %s\n", err.msg);
		abort();
	}
	if (plan_file_read(path, fuzz_net(), gs, FUZZ_MIN_KEEP, back, back_info, &err) !=
	    ENG_STATUS_OK) {
		fprintf(stderr, "fuzz: written plan does not read: %s\n", err.msg);
		abort();
	}
	size_t n;
	return fuzz_scratch_read(path, &n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct group_set *gs = fuzz_net_groups();
	char path[PATH_MAX];
	fuzz_scratch_write(path, sizeof path, "plan.json", data, size);
	struct prune_plan plan, back, again;
	struct plan_file_info info, back_info, again_info;
	struct eng_err err;
	err.msg[0] = '\0';
	enum eng_status st = plan_file_read(path, fuzz_net(), gs, FUZZ_MIN_KEEP, &plan,
					    &info, &err);
	if (st != ENG_STATUS_OK) {
		fuzz_err_check(st, &err, NULL, FUZZ_ST_EINVAL | FUZZ_ST_ENOMEM);
		fuzz_check(err.msg[0] == 'o' || strncmp(err.msg, path, strlen(path)) == 0,
			   "message does not name the file");
		plan_done(&plan);
		return 0;
	}
	fuzz_plan_check(gs, &plan);
	char *t1 = fuzz_plan_write_read(gs, &plan, &info, &back, &back_info);
	fuzz_plan_same(gs, &plan, &back);
	fuzz_info_same(&info, &back_info);
	char *t2 = fuzz_plan_write_read(gs, &back, &back_info, &again, &again_info);
	fuzz_check(strcmp(t1, t2) == 0, "written plan not a fixed point");
	free(t1);
	free(t2);
	plan_done(&again);
	plan_done(&back);
	plan_done(&plan);
	return 0;
}
