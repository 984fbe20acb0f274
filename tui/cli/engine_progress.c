/* engine_progress.c: engine progress callbacks onto progress bars. */
#include "config.h"

#include <stdbool.h>

#include "cli/engine_progress.h"
#include "cli/progress.h"

void cli_eval_on_progress(const struct train_progress *p, void *user)
{
	if (p->phase == TRAIN_PHASE_EVAL)
		progress_update(user, p->done, p->total, (double)p->done, p->loss,
				false);
}

void cli_score_on_progress(int done, int total, void *user)
{
	progress_update(user, done, total, (double)done, -1.0, false);
}
