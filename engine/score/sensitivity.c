#include "config.h"

#include <stdlib.h>

#include "score/sensitivity.h"

const double score_sens_sparsity[SCORE_SENS_N] = {
	0.5, 0.75, 0.875, 0.9375, 0.96875, 0.984375, 0.9921875, 0.99609375,
};

enum eng_status score_sensitivity_grid(struct net *net, const struct data_split *data,
				       const struct score_options *opt,
				       score_progress_fn progress, void *user,
				       double *density, struct eng_err *err)
{
	size_t np = net->n_params ? net->n_params : 1;
	size_t nl = (size_t)net->n_layers;
	float *scores = malloc(np * sizeof *scores);
	uint8_t *mask = malloc(np);
	double *d = malloc((nl ? nl : 1) * sizeof *d);
	enum eng_status st = ENG_STATUS_OK;
	if (!scores || !mask || !d) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		goto done;
	}
	struct score_options so = *opt;
	so.progress = NULL;
	so.progress_user = NULL;
	for (int c = 0; c < SCORE_SENS_N; c++) {
		if (progress)
			progress(c, SCORE_SENS_N, user);
		if (cancel_requested(opt->abort)) {
			st = eng_err_set(err, ENG_STATUS_ABORTED, "cancelled");
			goto done;
		}
		so.sparsity = score_sens_sparsity[c];
		if (c == 0 || score_uses_sparsity(&so)) {
			st = score_compute(net, data, &so, scores, err);
			if (st != ENG_STATUS_OK)
				goto done;
		}
		st = score_mask_global(net, scores, score_sens_sparsity[c], mask, err);
		if (st != ENG_STATUS_OK)
			goto done;
		score_layer_density(net, mask, d);
		for (size_t i = 0; i < nl; i++)
			density[i * SCORE_SENS_N + (size_t)c] = d[i];
	}
	if (progress)
		progress(SCORE_SENS_N, SCORE_SENS_N, user);
done:
	free(scores);
	free(mask);
	free(d);
	return st;
}
