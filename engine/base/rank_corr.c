/* rank_corr.c: Spearman's rho and Kendall's tau-b (rank_corr.h). */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "base/rank_corr.h"

struct rank_item {
	double v;
	size_t i;
};

static int rank_item_cmp(const void *a, const void *b)
{
	const struct rank_item *p = a, *q = b;
	if (p->v < q->v)
		return -1;
	if (p->v > q->v)
		return 1;
	return p->i < q->i ? -1 : p->i > q->i;
}

bool rank_average(const double *x, size_t n, double *r)
{
	struct rank_item *it = malloc((n ? n : 1) * sizeof *it);
	if (!it)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i])) {
			free(it);
			return false;
		}
		it[i].v = x[i];
		it[i].i = i;
	}
	qsort(it, n, sizeof *it, rank_item_cmp);
	for (size_t a = 0; a < n;) {
		size_t b = a + 1;
		while (b < n && it[b].v == it[a].v)
			b++;
		/* Positions a..b-1 hold ranks a+1..b: their mean. */
		double mean = 0.5 * ((double)(a + 1) + (double)b);
		for (size_t k = a; k < b; k++)
			r[it[k].i] = mean;
		a = b;
	}
	free(it);
	return true;
}

static double rank_pearson(const double *x, const double *y, size_t n)
{
	double mx = 0.0, my = 0.0;
	for (size_t i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	double sxy = 0.0, sxx = 0.0, syy = 0.0;
	for (size_t i = 0; i < n; i++) {
		double dx = x[i] - mx, dy = y[i] - my;
		sxy += dx * dy;
		sxx += dx * dx;
		syy += dy * dy;
	}
	if (!(sxx > 0.0) || !(syy > 0.0))
		return NAN;
	return sxy / sqrt(sxx * syy);
}

double rank_spearman(const double *x, const double *y, size_t n)
{
	if (n < 2)
		return NAN;
	double *rx = malloc(n * sizeof *rx), *ry = malloc(n * sizeof *ry);
	double rho = NAN;
	if (rx && ry && rank_average(x, n, rx) && rank_average(y, n, ry))
		rho = rank_pearson(rx, ry, n);
	free(rx);
	free(ry);
	return rho;
}

double rank_kendall_tau_b(const double *x, const double *y, size_t n)
{
	if (n < 2)
		return NAN;
	double concordant = 0.0, discordant = 0.0, tie_x = 0.0, tie_y = 0.0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i]) || isnan(y[i]))
			return NAN;
		for (size_t j = i + 1; j < n; j++) {
			double dx = x[i] - x[j], dy = y[i] - y[j];
			if (dx == 0.0)
				tie_x += 1.0;
			if (dy == 0.0)
				tie_y += 1.0;
			if (dx == 0.0 || dy == 0.0)
				continue;
			if ((dx > 0.0) == (dy > 0.0))
				concordant += 1.0;
			else
				discordant += 1.0;
		}
	}
	double n0 = 0.5 * (double)n * (double)(n - 1);
	double den = (n0 - tie_x) * (n0 - tie_y);
	if (!(den > 0.0))
		return NAN;
	return (concordant - discordant) / sqrt(den);
}
