/* align_auto.c: `--align auto` (align_auto.h). */
#include "config.h"

#include "cli/align_auto.h"

#include <stdio.h>
#include <string.h>

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
#include <cblas.h>
#endif

#include "cli/progress.h"
#include "cli/warnings.h"
#include "paths/xdg_dir.h"
#include "prune/width_staircase.h"
#include "worker/width_cache.h"

struct cache *cli_widths_cache_open(bool no_cache)
{
	if (no_cache)
		return NULL;
	char dir[1024];
	struct eng_err err;
	if (cache_dir_resolve(dir, sizeof dir, &err) != ENG_STATUS_OK) {
		eng_warn_emit(&cli_warn, "%s; staircases are not cached", err.msg);
		return NULL;
	}
	struct cache *c = NULL;
	if (cache_new(dir, true, &cli_warn, 0, &c, &err) != ENG_STATUS_OK)
		return NULL;
	return c;
}

void cli_align_auto_init(struct cli_align_auto *aa, const struct net_spec *spec,
			 bool no_cache)
{
	memset(aa, 0, sizeof *aa);
	aa->spec = spec;
	aa->cache = cli_widths_cache_open(no_cache);
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	aa->threads = openblas_get_num_threads();
#else
	aa->threads = 1;
#endif
}

void cli_align_auto_done(struct cli_align_auto *aa)
{
	cache_free(aa->cache);
	aa->cache = NULL;
}

static void align_auto_progress(int done, int total, void *user)
{
	progress_update(user, done, total, done, -1.0, false);
}

int cli_align_auto_width(void *user, const struct net *net, const struct group_set *gs,
			 int g, int keep, struct eng_err *err)
{
	struct cli_align_auto *aa = user;
	struct width_staircase s;
	struct progress_line bar;
	bool cached;
	char label[96];
	snprintf(label, sizeof label, "widths %s", gs->groups[g].name);
	progress_init(&bar, stderr, label, "widths/s");
	enum eng_status st = width_cache_staircase(aa->cache, aa->spec, net, gs, g, aa->threads,
						   NULL, align_auto_progress, &bar, &s, &cached,
						   err);
	progress_finish(&bar);
	if (st != ENG_STATUS_OK) {
		char why[ENG_ERR_MAX];
		snprintf(why, sizeof why, "%s", err->msg);
		eng_err_set(err, st, "--align auto: timing group %s: %s", gs->groups[g].name, why);
		return -1;
	}
	if (cached)
		aa->cached++;
	else
		aa->measured++;
	int w = width_free(&s, keep);
	width_staircase_done(&s);
	return w;
}
