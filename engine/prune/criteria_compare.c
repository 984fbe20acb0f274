/* criteria_compare.c: the five PaI criteria side by side
 * (criteria_compare.h). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prune/criteria_compare.h"
#include "base/rank_corr.h"

int criteria_pair_index(enum score_method a, enum score_method b)
{
	ENG_ASSERT(a < b && b < CRITERIA_METHODS);
	int p = 0;
	for (int i = 0; i < (int)a; i++)
		p += CRITERIA_METHODS - 1 - i;
	return p + (int)b - (int)a - 1;
}

void criteria_pair_methods(int pair, enum score_method *a, enum score_method *b)
{
	ENG_ASSERT(pair >= 0 && pair < CRITERIA_PAIRS);
	for (int i = 0; i < CRITERIA_METHODS; i++) {
		int row = CRITERIA_METHODS - 1 - i;
		if (pair < row) {
			*a = (enum score_method)i;
			*b = (enum score_method)(i + 1 + pair);
			return;
		}
		pair -= row;
	}
	ENG_ASSERT(!"pair out of range");
}

/* One method's units of progress (score.h: one per pass or iteration). */
static int criteria_units(enum score_method m, const struct reconvene_options *o)
{
	if (m == SCORE_METHOD_GRASP)
		return 3;
	if (m == SCORE_METHOD_SYNFLOW)
		return o->synflow_iterations > 0 ? o->synflow_iterations : 1;
	return 1;
}

struct criteria_progress {
	const struct reconvene_options *o;
	int before, total;
};

static void criteria_on_progress(int done, int total, void *user)
{
	const struct criteria_progress *cp = user;
	(void)total;
	if (cp->o->progress)
		cp->o->progress(cp->before + done, cp->total, cp->o->progress_user);
}

void criteria_compare_done(struct criteria_compare *c)
{
	free(c->density);
	free(c->resilient);
	free(c->tau);
	memset(c, 0, sizeof *c);
}

enum eng_status criteria_compare_run(struct net *net, const struct data_split *data,
				     const struct group_set *gs,
				     const struct reconvene_options *o,
				     struct criteria_compare *out, struct eng_err *err)
{
	memset(out, 0, sizeof *out);
	if (!data)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "comparing criteria needs a dataset (SNIP and GraSP score "
				   "a batch of it)");
	int nl = net->n_layers;
	size_t cells = (size_t)(nl > 0 ? nl : 1);
	struct criteria_compare c = { .n_layers = nl };
	c.density = malloc(CRITERIA_METHODS * cells * sizeof *c.density);
	c.resilient = calloc(CRITERIA_METHODS * cells, sizeof *c.resilient);
	c.tau = malloc(CRITERIA_PAIRS * cells * sizeof *c.tau);
	/* Every method's channel scores of every prunable layer, kept until
	 * the pairs are compared. */
	size_t n_ch = 0;
	for (int i = 0; i < nl; i++)
		if (score_layer_is_prunable(&net->layers[i]))
			n_ch += (size_t)net->layers[i].out.c;
	float *ch = malloc(CRITERIA_METHODS * (n_ch ? n_ch : 1) * sizeof *ch);
	double *xa = malloc((n_ch ? n_ch : 1) * sizeof *xa);
	double *xb = malloc((n_ch ? n_ch : 1) * sizeof *xb);
	if (!c.density || !c.resilient || !c.tau || !ch || !xa || !xb) {
		free(ch);
		free(xa);
		free(xb);
		criteria_compare_done(&c);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "comparing criteria: out of memory");
	}
	struct criteria_progress cp = { .o = o };
	for (int m = 0; m < CRITERIA_METHODS; m++)
		cp.total += criteria_units((enum score_method)m, o);
	enum eng_status st = ENG_STATUS_OK;
	for (int m = 0; m < CRITERIA_METHODS && st == ENG_STATUS_OK; m++) {
		struct reconvene_options mo = *o;
		mo.method = (enum score_method)m;
		mo.progress = criteria_on_progress;
		mo.progress_user = &cp;
		struct reconvene_pse p;
		st = reconvene_pse_run(net, data, &mo, &p, err);
		if (st != ENG_STATUS_OK)
			break;
		c.seconds[m] = p.seconds;
		memcpy(c.density + (size_t)m * cells, p.density, (size_t)nl * sizeof *p.density);
		reconvene_select(net, gs, p.density, o, c.resilient + (size_t)m * cells);
		float *dst = ch + (size_t)m * n_ch;
		for (int i = 0; i < nl; i++) {
			if (!score_layer_is_prunable(&net->layers[i]))
				continue;
			dst += score_channel_scores(net, p.scores, i, dst);
		}
		reconvene_pse_done(&p);
		cp.before += criteria_units((enum score_method)m, o);
	}
	if (st != ENG_STATUS_OK) {
		free(ch);
		free(xa);
		free(xb);
		criteria_compare_done(&c);
		return st;
	}
	for (int p = 0; p < CRITERIA_PAIRS; p++) {
		enum score_method a, b;
		criteria_pair_methods(p, &a, &b);
		double sum = 0.0;
		int used = 0;
		size_t off = 0;
		for (int i = 0; i < nl; i++) {
			double *t = &c.tau[(size_t)p * cells + (size_t)i];
			*t = NAN;
			if (!score_layer_is_prunable(&net->layers[i]))
				continue;
			int n = net->layers[i].out.c;
			const float *ca = ch + (size_t)a * n_ch + off;
			const float *cb = ch + (size_t)b * n_ch + off;
			for (int j = 0; j < n; j++) {
				xa[j] = ca[j];
				xb[j] = cb[j];
			}
			off += (size_t)n;
			*t = rank_kendall_tau_b(xa, xb, (size_t)n);
			if (isfinite(*t)) {
				sum += *t;
				used++;
			}
		}
		c.tau_layers[p] = used;
		c.tau_mean[p] = used ? sum / used : NAN;
	}
	free(ch);
	free(xa);
	free(xb);
	*out = c;
	return ENG_STATUS_OK;
}
