/* score_probe.h: `reconvene score MODEL --probe`: the group probe
 * (prune/group_probe.h): for every prunable channel group, the quick-eval
 * accuracy with that group alone pruned by 25, 50 and 75 % and every other
 * layer dense, plus the dense model's, as a table or JSON on stdout,
 * optionally a CSV file and a PNG chart; progress on stderr, Ctrl-C stops
 * after the current batch (cli/sigint.h).  The figures are the explorer's
 * (key G) at the same settings and budget.
 *
 * Owns: nothing after the call.  Thread rules: the main thread. */
#ifndef RECONVENE_SCORE_PROBE_H
#define RECONVENE_SCORE_PROBE_H

#include <stdbool.h>

#include "data/data.h"
#include "nn/net.h"
#include "nn/net_spec.h"
#include "prune/reconvene.h"
#include "train/quickeval.h"

struct cli_probe_args {
	bool json;
	const char *csv;   /* NULL: none */
	const char *png;   /* NULL: none */
	const char *theme; /* the PNG's colours (NULL: default) */
};

/* net: built from spec, holding the weights to start from (net_init(seed)
 * or --weights); ds: the dataset (required); qo: the quick-eval budget
 * (seed, steps, sizes).  Returns a CLI exit code. */
int cli_score_probe(struct net *net, const struct net_spec *spec,
		    const struct data_split *ds, const struct reconvene_options *o,
		    const struct quickeval_options *qo, const struct cli_probe_args *args);

#endif
