/* score_stability.h: `reconvene score MODEL --stability N`: the stability
 * of a Reconvene plan over N initialisations and N scorings
 * (prune/stability.h), as a table or JSON on stdout, progress on stderr. */
#ifndef RECONVENE_SCORE_STABILITY_H
#define RECONVENE_SCORE_STABILITY_H

#include <stdbool.h>

#include "data/data.h"
#include "nn/net.h"
#include "prune/reconvene.h"

/* vary_init: false when the net holds the user's weights (--weights).
 * Returns a CLI exit code. */
int cli_score_stability(struct net *net, const struct data_split *ds,
			const struct reconvene_options *o, int n, bool vary_init, bool json);

#endif
