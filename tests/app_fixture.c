/* app_fixture.c: see app_fixture.h. */
#include "config.h"

#include "app_fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/cfg.h"

void spec_load(const char *name, struct net_spec *spec)
{
	char path[4096];
	struct eng_err err = { { 0 } };
	const char *top = getenv("top_srcdir");
	if (!top || !*top)
		top = ".";
	snprintf(path, sizeof path, "%s/models/%s.cfg", top, name);
	enum eng_status st = cfg_parse_file(path, spec, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s: %s", path, err.msg);
}

/* A worker without auto jobs; the app talks to it only when connected. */
void fx_open(struct fx *f, const char *model, bool connected,
		    const struct worker_settings *s)
{
	memset(f, 0, sizeof *f);
	struct worker_config cfg;
	worker_config_default(&cfg);
	cfg.disk_cache = false;
	cfg.auto_jobs = 0;
	cfg.threads = 1;
	cfg.settle_ms = 0;
	struct eng_err err = { { 0 } };
	ck_assert_msg(worker_new(&cfg, NULL, &f->w, &err) == ENG_STATUS_OK, "%s", err.msg);
	spec_load(model, &f->spec);
	ck_assert_msg(worker_set_model(f->w, &f->spec, &f->m, &err) == ENG_STATUS_OK,
		      "%s", err.msg);
	struct worker_settings ws;
	worker_settings_default(&ws);
	if (s)
		ws = *s;
	ck_assert_msg(app_init(&f->a, connected ? f->w : NULL, f->m, &ws, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	app_visible_set(&f->a, 10, 10);
}

void fx_close(struct fx *f)
{
	app_done(&f->a);
	worker_model_release(f->m);
	worker_free(f->w);
	net_spec_done(&f->spec);
}

