/* batch.c: the scoring batch of SNIP and GraSP: which training samples
 * (score_batch_select, public), the batch in memory and the train-mode
 * loss gradient over it (batch.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nn/loss.h"
#include "score/score.h"
#include "score/batch.h"

enum eng_status score_batch_select(const struct data_split *ds, int per_class,
				   int32_t *idx_out, int *n_out,
				   struct eng_err *err)
{
	return score_batch_select_at(ds, per_class, 0, idx_out, n_out, err);
}

enum eng_status score_batch_select_at(const struct data_split *ds, int per_class, int index,
				      int32_t *idx_out, int *n_out, struct eng_err *err)
{
	const struct dataset *tr = &ds->train;
	*n_out = 0;
	if (per_class < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "samples per class must be at least 1, got %d", per_class);
	if (tr->n <= 0 || tr->classes <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: the training split is empty", ds->name);
	if (index < 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "scoring batch %d is negative", index);
	int n = 0;
	for (int c = 0; c < tr->classes; c++) {
		int have = 0;
		for (int i = 0; i < tr->n; i++)
			have += tr->labels[i] == c;
		if (have == 0)
			continue;
		/* batch k starts k * per_class samples into the class, wrapping
		 * round when the class runs out */
		int take = per_class < have ? per_class : have;
		long start = (long)index * per_class % have, seen = 0;
		for (int pass = 0; pass < 2 && take > 0; pass++) {
			seen = 0;
			for (int i = 0; i < tr->n && take > 0; i++) {
				if (tr->labels[i] != c)
					continue;
				bool in = pass == 0 ? seen >= start : seen < start;
				seen++;
				if (in) {
					idx_out[n++] = i;
					take--;
				}
			}
		}
	}
	*n_out = n;
	return ENG_STATUS_OK;
}

void score_batch_done(struct score_batch *b)
{
	free(b->x);
	free(b->labels);
	memset(b, 0, sizeof *b);
}

enum eng_status score_batch_make(struct score_run *run,
				 const struct data_split *ds,
				 struct score_batch *b)
{
	struct net *net = run->net;
	memset(b, 0, sizeof *b);
	if (!ds)
		return eng_err_set(run->err, ENG_STATUS_EINVAL,
				   "%s needs a dataset for its scoring batch", run->method);
	if (ds->train.classes != net->classes)
		return eng_err_set(run->err, ENG_STATUS_EINVAL,
				   "%s: the dataset has %d classes, the model %d",
				   ds->name, ds->train.classes, net->classes);
	enum eng_status st = data_adapt_check(&ds->train, net->input, run->err);
	if (st != ENG_STATUS_OK)
		return st;
	int per = run->opt->samples_per_class;
	if (per < 1 || per > 100000)
		return eng_err_set(run->err, ENG_STATUS_EINVAL,
				   "samples per class must be in 1..100000, got %d", per);
	size_t cap = (size_t)per * (size_t)net->classes;
	int32_t *idx = malloc(cap * sizeof *idx);
	if (!idx)
		return eng_err_set(run->err, ENG_STATUS_ENOMEM, "out of memory");
	st = score_batch_select_at(ds, per, run->opt->batch_index, idx, &b->n, run->err);
	if (st == ENG_STATUS_OK && b->n == 0)
		st = eng_err_set(run->err, ENG_STATUS_EINVAL,
				 "%s: no training samples to score with", ds->name);
	if (st == ENG_STATUS_OK) {
		b->x = malloc((size_t)b->n * shape_size(net->input) * sizeof(float));
		b->labels = malloc((size_t)b->n * sizeof *b->labels);
		if (!b->x || !b->labels)
			st = eng_err_set(run->err, ENG_STATUS_ENOMEM,
					 "out of memory for the scoring batch");
	}
	if (st == ENG_STATUS_OK) {
		data_batch_fill(ds, &ds->train, idx, b->n, net->input, NULL, NULL, b->x);
		for (int i = 0; i < b->n; i++)
			b->labels[i] = ds->train.labels[idx[i]];
		st = score_prepare(net, b->n, run->err);
	}
	free(idx);
	if (st != ENG_STATUS_OK)
		score_batch_done(b);
	return st;
}

void score_batch_grad(struct net *net, const struct score_batch *b, double temp,
		      float *dz)
{
	int classes = net->classes;
	size_t nz = (size_t)b->n * (size_t)classes;
	const float *z = net_forward(net, b->x, b->n, true);
	for (size_t i = 0; i < nz; i++)
		dz[i] = (float)(z[i] / temp);
	/* The scaled logits go in dz and come back as d loss / d (z / T). */
	float *zs = dz + nz;
	memcpy(zs, dz, nz * sizeof *zs);
	loss_softmax_xent(zs, b->labels, b->n, classes, dz);
	for (size_t i = 0; i < nz; i++)
		dz[i] = (float)(dz[i] / temp);
	net_zero_grad(net);
	net_backward(net, b->x, dz, b->n);
}
