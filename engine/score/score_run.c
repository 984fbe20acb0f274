/* score_run.c: see score_run.h. */
#include "config.h"

#include "score/score_run.h"

bool score_aborted(const struct score_run *run)
{
	return cancel_requested(run->opt->abort);
}

void score_step(struct score_run *run)
{
	run->done++;
	if (run->opt->progress)
		run->opt->progress(run->done, run->total, run->opt->progress_user);
}

enum eng_status score_abort_status(const struct score_run *run)
{
	return eng_err_set(run->err, ENG_STATUS_ABORTED, "scoring aborted");
}

enum eng_status score_prepare(struct net *net, int batch, struct eng_err *err)
{
	if (net->max_batch >= batch)
		return ENG_STATUS_OK;
	return net_prepare(net, batch, err);
}
