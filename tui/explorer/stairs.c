/* stairs.c: the session's measured staircases (stairs.h). */
#include "config.h"

#include "explorer/stairs.h"

#include <stdlib.h>
#include <string.h>

enum eng_status stairs_init(struct stairs *s, int n_groups)
{
	s->n_groups = n_groups;
	s->by_group = calloc(n_groups > 0 ? (size_t)n_groups : 1, sizeof *s->by_group);
	if (!s->by_group) {
		s->n_groups = 0;
		return ENG_STATUS_ENOMEM;
	}
	return ENG_STATUS_OK;
}

void stairs_done(struct stairs *s)
{
	for (int g = 0; s->by_group && g < s->n_groups; g++)
		width_staircase_done(&s->by_group[g]);
	free(s->by_group);
	memset(s, 0, sizeof *s);
}

const struct width_staircase *stairs_get(const struct stairs *s, int g)
{
	if (g < 0 || g >= s->n_groups || !s->by_group[g].pts)
		return NULL;
	return &s->by_group[g];
}

bool stairs_adopt(struct stairs *s, const struct width_staircase *w)
{
	int g = w->group;
	if (g < 0 || g >= s->n_groups || s->by_group[g].pts || w->n <= 0 || !w->pts)
		return false;
	struct width_staircase c = *w;
	c.pts = malloc((size_t)c.n * sizeof *c.pts);
	if (!c.pts)
		return false; /* measured again when asked for again */
	memcpy(c.pts, w->pts, (size_t)c.n * sizeof *c.pts);
	s->by_group[g] = c;
	return true;
}

int stairs_slow_groups(const struct stairs *s, const struct prune_plan *plan)
{
	int n = 0;
	for (int g = 0; g < plan->n_groups && g < s->n_groups; g++) {
		const struct width_staircase *w = stairs_get(s, g);
		int k = plan->keep[g];
		if (w && k < w->channels && width_free(w, k) > k)
			n++;
	}
	return n;
}

int stairs_snap(const struct stairs *s, int g, int keep, bool faster)
{
	const struct width_staircase *w = stairs_get(s, g);
	if (!w)
		return -1;
	return faster ? width_next_faster(w, keep) : width_free(w, keep);
}
