#include "config.h"

#include "output/heatmap.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prune/groups.h"
#include "prune/plan.h"
#include "score/score.h"

enum eng_status heatmap_channels_png(const struct net *net,
				     const struct reconvene_result *r,
				     const struct reconvene_options *o,
				     const struct render_style *style,
				     const char *path, const struct eng_warn *warn,
				     struct eng_err *err)
{
	int n = r->n_rows;
	size_t nz = (size_t)(n > 0 ? n : 1);
	struct render_heat_row *rows = calloc(nz, sizeof *rows);
	float **vals = calloc(nz, sizeof *vals);
	uint8_t **kept = calloc(nz, sizeof *kept);
	enum eng_status st = ENG_STATUS_OK;
	double lo = 0.0;
	if (!rows || !vals || !kept) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "heatmap: out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const struct reconvene_row *row = &r->rows[i];
		int c = row->channels_before;
		vals[i] = calloc((size_t)c, sizeof **vals);
		kept[i] = malloc((size_t)c);
		if (!vals[i] || !kept[i]) {
			st = eng_err_set(err, ENG_STATUS_ENOMEM, "heatmap: out of memory");
			goto out;
		}
		score_channel_scores(net, r->pse.scores, row->layer, vals[i]);
		for (int ch = 0; ch < c; ch++)
			if (vals[i][ch] < 0)
				lo = -1.0;  /* GraSP keeps the sign */
		int g = r->groups.layer_out[row->layer];
		if (g < 0 || r->groups.groups[g].channels != c)
			memset(kept[i], 1, (size_t)c);
		else if ((st = plan_group_kept(&r->groups, &r->plan, g, NULL, kept[i])) !=
			 ENG_STATUS_OK) {
			eng_err_set(err, st, "heatmap: the plan is not resolved");
			goto out;
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
	st = render_heatmap_write(&h, style, path, warn, err);
out:
	for (int i = 0; i < n && vals && kept; i++) {
		free(vals[i]);
		free(kept[i]);
	}
	free(vals);
	free(kept);
	free(rows);
	return st;
}
