#include "config.h"

#include "explorer/heat.h"

#include <string.h>

#include "prune/plan.h"

float heat_max(const float *v, int n)
{
	if (n <= 0)
		return 0.0f;
	float top = v[0];
	for (int i = 1; i < n; i++)
		if (v[i] > top)
			top = v[i];
	return top;
}

int heat_row_kept(const struct app *a, const struct worker_snapshot *s, int row,
		  unsigned char *kept)
{
	if (row < 0 || row >= a->n_rows || !app_snapshot_ours(a, s) || !s->scores.valid)
		return -1;
	const struct app_row *r = &a->rows[row];
	const struct worker_scores *sc = &s->scores;
	int n = sc->chan_n[r->layer];
	if (n <= 0)
		return -1;
	int g = r->group;
	const struct group_set *gs = &a->model->groups;
	if (g < 0 || !r->prunable || gs->groups[g].channels != n ||
	    a->plan.n_groups != gs->n_groups) {
		memset(kept, 1, (size_t)n);
		return n;
	}
	const float *imp = sc->group_importance ? sc->group_importance[g] : NULL;
	if (plan_group_kept(gs, &a->plan, g, imp, kept) != ENG_STATUS_OK)
		return -1;
	return n;
}
