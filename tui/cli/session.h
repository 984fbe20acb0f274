/* session.h: the engine side of an explorer session, opened the same way
 * by the explorer (explore.c) and the batch replay (cmd_replay.c): the
 * dataset, the model's spec, the background worker with that model, and
 * the app state over it.
 *
 * Owns: everything in struct session; session_close frees what
 * session_open got to, also after a failed open.
 * Thread rules: the UI thread (the app's and the worker's rules).
 *
 *   struct session s;
 *   if (session_open(&s, "resnet20", NULL, jobs, true, &settings) != CLI_EXIT_OK)
 *           ...;      (the reason is printed)
 *   ... s.app, s.w, s.ds ...
 *   session_close(&s);
 */
#ifndef RECONVENE_SESSION_H
#define RECONVENE_SESSION_H

#include <stdbool.h>

#include "explorer/app.h"
#include "data/data.h"
#include "nn/net_spec.h"
#include "worker/worker.h"

struct session {
	struct data_split ds;
	struct net_spec spec;
	struct worker *w;
	const struct worker_model *m;
	struct app app;
	bool have_spec, have_app;
};

/* Load the dataset (cli_data_open: data, else $RECONVENE_DATA, else the
 * default, synthetic with a warning when none is there) and the model
 * (model_load, its classes from the dataset), start a worker that runs
 * auto_jobs on its own (WORKER_JOB_BIT set), with its disk cache in
 * cache_dir_resolve's directory when disk_cache is set, and set up the
 * app with settings ws.  CLI_EXIT_OK, or CLI_EXIT_FAILURE after printing one line;
 * session_close it either way. */
int session_open(struct session *s, const char *model, const char *data,
		 unsigned auto_jobs, bool disk_cache, const struct worker_settings *ws);
void session_close(struct session *s);

#endif
