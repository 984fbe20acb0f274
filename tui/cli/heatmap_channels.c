/* heatmap_channels.c: the channel heatmap PNG of a Reconvene result. */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/heatmap_channels.h"
#include "cli/warnings.h"
#include "prune/groups.h"
#include "prune/plan.h"
#include "score/score.h"

int cli_heatmap_channels(const struct net *net, const struct reconvene_result *r,
			 const struct reconvene_options *o,
			 const struct render_style *style, const char *path)
{
	int n = r->n_rows;
	struct render_heat_row *rows = calloc((size_t)(n > 0 ? n : 1), sizeof *rows);
	float **vals = calloc((size_t)(n > 0 ? n : 1), sizeof *vals);
	uint8_t **kept = calloc((size_t)(n > 0 ? n : 1), sizeof *kept);
	int rc = CLI_EXIT_FAILURE;
	double lo = 0.0;
	if (!rows || !vals || !kept) {
		cli_error("heatmap: out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const struct reconvene_row *row = &r->rows[i];
		int c = row->channels_before;
		vals[i] = calloc((size_t)c, sizeof **vals);
		kept[i] = malloc((size_t)c);
		if (!vals[i] || !kept[i]) {
			cli_error("heatmap: out of memory");
			goto out;
		}
		score_channel_scores(net, r->pse.scores, row->layer, vals[i]);
		for (int ch = 0; ch < c; ch++)
			if (vals[i][ch] < 0)
				lo = -1.0;  /* GraSP keeps the sign */
		memset(kept[i], 1, (size_t)c);
		int g = r->groups.layer_out[row->layer];
		if (g >= 0 && plan_group_changed(&r->groups, &r->plan, g) &&
		    r->plan.kept_idx[g]) {
			memset(kept[i], 0, (size_t)c);
			for (int k = 0; k < r->plan.keep[g]; k++)
				kept[i][r->plan.kept_idx[g][k]] = 1;
		}
		rows[i].name = row->name;
		rows[i].channels = c;
		rows[i].value = vals[i];
		rows[i].kept = kept[i];
	}
	char title[160], sub[256];
	snprintf(title, sizeof title, "%s: channel scores (%s, seed %" PRIu64 ")",
		 net->name, score_method_name(o->method), o->seed);
	if (o->k > 0)
		snprintf(sub, sizeof sub, "hatched: removed by the automatic plan at "
			 "s = %g, the %d sparsest eligible layers; %d groups rectified",
			 o->sparsity, o->k, r->n_changed);
	else
		snprintf(sub, sizeof sub, "hatched: removed by the automatic plan at "
			 "s = %g, tau = %g; %d of %d prunable groups rectified",
			 o->sparsity, o->tau, r->n_changed,
			 groups_prunable_count(&r->groups));
	struct render_heatmap h = {
		.title = title, .subtitle = sub,
		.legend = "channel score (sum over the filter, / largest in the layer)",
		.lo = lo, .hi = 1.0, .n_rows = n, .rows = rows,
	};
	struct eng_err err;
	if (render_heatmap_write(&h, style, path, &cli_warn, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		goto out;
	}
	rc = CLI_EXIT_OK;
out:
	for (int i = 0; i < n && vals && kept; i++) {
		free(vals[i]);
		free(kept[i]);
	}
	free(vals);
	free(kept);
	free(rows);
	return rc;
}
