/* mask.c: which weights are prunable (conv and linear weights), the
 * global unstructured mask over them (score_mask_global, its kept count),
 * per-layer densities under a mask and per-channel scores.  These read
 * scores; score.c and the method files make them (mask.h).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/topk.h"
#include "score/score.h"
#include "score/mask.h"
#include "score/score_run.h"

bool score_layer_is_prunable(const struct layer *l)
{
	return (l->kind == LAYER_KIND_CONV || l->kind == LAYER_KIND_LINEAR) &&
	       l->w_len > 0;
}

bool score_param_is_prunable(const struct net *net, size_t idx)
{
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		size_t off = score_param_offset(net, l->w);
		if (idx >= off && idx < off + l->w_len)
			return true;
	}
	return false;
}

size_t score_prunable_count(const struct net *net)
{
	size_t n = 0;
	for (int i = 0; i < net->n_layers; i++)
		if (score_layer_is_prunable(&net->layers[i]))
			n += net->layers[i].w_len;
	return n;
}

/* --- the global mask ------------------------------------------------------ */

size_t score_mask_kept_count(size_t n, double sparsity)
{
	size_t keep = (size_t)llround((1.0 - sparsity) * (double)n);
	return keep > n ? n : keep;
}

enum eng_status score_mask_global(const struct net *net, const float *scores,
				  double sparsity, uint8_t *mask,
				  struct eng_err *err)
{
	if (!(sparsity >= 0.0 && sparsity <= 1.0))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "sparsity must be in [0, 1], got %g", sparsity);
	size_t keep = score_mask_kept_count(score_prunable_count(net), sparsity);
	struct topk_span *spans = malloc((net->n_layers ? (size_t)net->n_layers : 1) *
					 sizeof *spans);
	if (!spans)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	memset(mask, 1, net->n_params);
	size_t n_spans = 0;
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		size_t off = score_param_offset(net, l->w);
		spans[n_spans++] = (struct topk_span){ .f32 = scores + off,
						       .n = l->w_len, .kept = mask + off };
	}
	topk_mark_spans(spans, n_spans, keep);
	free(spans);
	return ENG_STATUS_OK;
}

void score_layer_density(const struct net *net, const uint8_t *mask, double *density)
{
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l)) {
			density[i] = -1.0;
			continue;
		}
		const uint8_t *m = mask + score_param_offset(net, l->w);
		size_t kept = 0;
		for (size_t j = 0; j < l->w_len; j++)
			kept += m[j] != 0;
		density[i] = (double)kept / (double)l->w_len;
	}
}

int score_channel_scores(const struct net *net, const float *scores, int layer,
			 float *out)
{
	ENG_ASSERT(layer >= 0 && layer < net->n_layers);
	const struct layer *l = &net->layers[layer];
	if (!score_layer_is_prunable(l))
		return 0;
	int c = l->out.c;
	size_t per = l->w_len / (size_t)c;
	const float *s = scores + score_param_offset(net, l->w);
	double mx = 0.0;
	for (int o = 0; o < c; o++) {
		double sum = 0.0;
		for (size_t j = 0; j < per; j++)
			sum += s[(size_t)o * per + j];
		out[o] = (float)sum;
		if (fabs(sum) > mx)
			mx = fabs(sum);
	}
	for (int o = 0; o < c; o++)
		out[o] = mx > 0.0 ? (float)(out[o] / mx) : 0.0f;
	return c;
}
