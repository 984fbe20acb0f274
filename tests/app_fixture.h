/* app_fixture.h: an explorer app over a shipped model for the Check
 * suites (check_app, check_session): a worker without automatic jobs, the
 * model's spec from $top_srcdir/models, and the app, connected to the
 * worker or not (pure tests).  fx_close frees all of it. */
#ifndef RECONVENE_APP_FIXTURE_H
#define RECONVENE_APP_FIXTURE_H

#include <stdbool.h>

#include "explorer/app.h"
#include "nn/net_spec.h"
#include "worker/worker.h"

struct fx {
	struct worker *w;
	const struct worker_model *m;
	struct net_spec spec;
	struct app a;
};

/* models/NAME.cfg into spec (a Check assertion on failure). */
void spec_load(const char *name, struct net_spec *spec);
/* s: the settings, or NULL for worker_settings_default. */
void fx_open(struct fx *f, const char *model, bool connected,
	     const struct worker_settings *s);
void fx_close(struct fx *f);

#endif
