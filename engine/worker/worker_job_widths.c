/* worker_job_widths.c: the WIDTHS job: the width-latency staircase of the
 * group worker_request_widths named, from the cache or measured on the
 * shape-only model net (width_staircase.h builds every timed layer
 * alone), exactly as `reconvene bench --widths` does it
 * (width_cache_staircase).  Worker thread only.
 */
#include "config.h"

#include "prune/width_staircase.h"
#include "worker/width_cache.h"
#include "worker/worker.h"
#include "worker/worker_state.h"

static void worker_widths_progress(int done, int total, void *user)
{
	worker_progress(user, "widths", done, total);
}

enum eng_status worker_job_widths(struct worker *w, struct eng_err *err)
{
	const struct worker_model *m = w->model;
	int g = w->widths_group;
	if (g < 0 || g >= m->groups.n_groups || !m->groups.groups[g].prunable)
		return eng_err_set(err, ENG_STATUS_EINVAL, "widths: group %d cannot be pruned",
				   g);
	if (w->widths.pts && w->widths.group == g)
		return ENG_STATUS_OK;
	struct width_staircase s;
	bool cached;
	enum eng_status st = width_cache_staircase(w->cache, &m->spec, m->net, &m->groups, g,
						   w->threads, &w->abort[WORKER_JOB_WIDTHS],
						   worker_widths_progress, w, &s, &cached, err);
	if (st)
		return st;
	width_staircase_done(&w->widths);
	w->widths = s;
	w->widths_cached = cached;
	return ENG_STATUS_OK;
}
