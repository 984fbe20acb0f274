/* engine_progress.h: the engine's progress callbacks for the batch
 * commands, each drawing on the struct progress_line (progress.h) passed as
 * its user pointer.
 *
 * Owns: nothing.  Thread rules: called on the thread that runs the engine
 * job (the main thread in the batch commands).
 *
 *   struct progress_line bar;
 *   progress_init(&bar, stderr, "synflow", "it/s");
 *   o.progress = cli_score_on_progress;
 *   o.progress_user = &bar;
 */
#ifndef RECONVENE_ENGINE_PROGRESS_H
#define RECONVENE_ENGINE_PROGRESS_H

#include "train/train.h"

/* A train_progress_fn drawing TRAIN_PHASE_EVAL only. */
void cli_eval_on_progress(const struct train_progress *p, void *user);
/* A score_progress_fn. */
void cli_score_on_progress(int done, int total, void *user);

#endif
