/* sigint.h: Ctrl-C for the long batch commands (train, eval, report): the
 * first SIGINT sets a flag the engine polls as its abort flag, so the job
 * stops after the current batch; a second one kills the program.
 *
 * Owns: one process-wide flag and the SIGINT disposition.  Thread rules:
 * call both functions from the main thread; the flag may be read from any.
 *
 *   const struct cancel *stop = cli_sigint_catch();
 *   ... train_run(..., stop, ...) ...
 *   cli_sigint_release();
 */
#ifndef RECONVENE_SIGINT_H
#define RECONVENE_SIGINT_H

#include "base/cancel.h"

/* Catch SIGINT into the returned flag (cleared here; a second SIGINT
 * kills). */
const struct cancel *cli_sigint_catch(void);
/* Restore the default action. */
void cli_sigint_release(void);

#endif
