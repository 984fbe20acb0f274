#include "config.h"

#include "cli/session.h"

#include <string.h>

#include "cli/cli.h"
#include "cli/dataset_open.h"
#include "paths/xdg_dir.h"
#include "paths/model_path.h"
#include "nn/net.h"
#include "train/quickeval.h"

int session_open(struct session *s, const char *model, const char *data,
		 unsigned auto_jobs, bool disk_cache, const struct worker_settings *ws)
{
	memset(s, 0, sizeof *s);
	if (cli_data_open(data, 0, &s->ds) != CLI_EXIT_OK)
		return CLI_EXIT_FAILURE;
	/* The worker's largest batch: quick-eval's, or SNIP's and GraSP's
	 * scoring batch. */
	int batch = ws->samples_per_class * s->ds.train.classes;
	struct model_overrides ovr = { .classes = s->ds.train.classes,
				       .batch = batch > QUICKEVAL_DEFAULT_BATCH
						? batch : QUICKEVAL_DEFAULT_BATCH };
	struct net *net = NULL;
	char why[ENG_ERR_MAX];
	if (model_load(model, &ovr, &s->spec, &net, why, sizeof why) != 0) {
		cli_error("%s", why);
		return CLI_EXIT_FAILURE;
	}
	s->have_spec = true;
	/* A model with weights of its own (an ONNX file) hands them to the
	 * worker; the seed only matters for models without. */
	int own = model_has_weights(model) ?
		  model_init(model, net, ws ? ws->seed : 0, why, sizeof why) : 0;
	if (own < 0) {
		net_free(net);
		cli_error("%s", why);
		return CLI_EXIT_FAILURE;
	}
	struct worker_config wc;
	worker_config_default(&wc);
	wc.disk_cache = disk_cache;
	wc.auto_jobs = auto_jobs;
	/* The cache directory; without one the cache stays in memory and the
	 * log line says why. */
	char cache_dir[1024];
	struct eng_err cache_err = { { 0 } };
	bool cache_lost = false;
	if (disk_cache) {
		if (cache_dir_resolve(cache_dir, sizeof cache_dir, &cache_err) ==
		    ENG_STATUS_OK) {
			wc.cache_dir = cache_dir;
		} else {
			wc.disk_cache = false;
			cache_lost = true;
		}
	}
	struct eng_err err = { { 0 } };
	enum eng_status st = worker_new(&wc, &s->ds, &s->w, &err);
	if (st == ENG_STATUS_OK)
		st = worker_set_model_weights(s->w, &s->spec, own ? net : NULL, &s->m, &err);
	net_free(net);
	if (st == ENG_STATUS_OK)
		st = app_init(&s->app, s->w, s->m, ws, &err);
	if (st != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	s->have_app = true;
	if (cache_lost)
		app_log(&s->app, APP_LOG_WARN, "%s; results are not saved on disk",
			cache_err.msg);
	return CLI_EXIT_OK;
}

void session_close(struct session *s)
{
	if (s->have_app)
		app_done(&s->app);
	if (s->m)
		worker_model_release(s->m);
	worker_free(s->w);
	if (s->have_spec)
		net_spec_done(&s->spec);
	data_split_done(&s->ds);
	memset(s, 0, sizeof *s);
}
