/* metrics.c: analytic parameters, bytes and MACs (see metrics.h). */
#include "config.h"

#include <string.h>

#include "measure/metrics.h"

static const char *const metrics_format_names[METRICS_FORMAT_COUNT] = {
	[METRICS_FORMAT_DENSE] = "dense",
	[METRICS_FORMAT_BITMAP] = "bitmap",
	[METRICS_FORMAT_CSR] = "csr",
};

const char *metrics_format_name(enum metrics_format f)
{
	if ((int)f < 0 || f >= METRICS_FORMAT_COUNT)
		return "?";
	return metrics_format_names[f];
}

static int metrics_layer_has_weights(const struct layer *l)
{
	return (l->kind == LAYER_KIND_CONV || l->kind == LAYER_KIND_LINEAR) &&
	       l->w_len > 0;
}

/* Mask bytes are 0 or 1, so summing 8 of them at once in a 64-bit word
 * cannot carry between bytes for 255 words; the explorer recounts vgg16's
 * 15M entries on every edit, which a byte loop makes too slow. */
static size_t metrics_count_ones(const uint8_t *m, size_t n)
{
	size_t total = 0, i = 0;
	while (i < n && ((uintptr_t)(m + i) & 7u) != 0)
		total += m[i++];
	const uint64_t lo = 0x00ff00ff00ff00ffull;
	while (n - i >= 8) {
		size_t words = (n - i) / 8;
		if (words > 255)
			words = 255;
		uint64_t acc = 0;
		for (size_t w = 0; w < words; w++) {
			uint64_t x;
			memcpy(&x, m + i + 8 * w, 8);
			acc += x;
		}
		i += 8 * words;
		/* fold the 8 byte lanes (each <= 255) into one sum */
		uint64_t pairs = (acc & lo) + ((acc >> 8) & lo);
		total += (size_t)((pairs * 0x0001000100010001ull) >> 48);
	}
	while (i < n)
		total += m[i++];
	return total;
}

static void metrics_layer_fill(const struct layer *l, size_t nnz,
			       struct metrics_layer *row)
{
	memset(row, 0, sizeof *row);
	row->params = layer_param_count(l);
	row->dense_bytes = 4u * (uint64_t)row->params;
	row->storage_bytes = row->dense_bytes;
	row->format = METRICS_FORMAT_DENSE;
	row->macs = l->ops->macs(l);
	row->effective_macs = row->macs;
	if (!metrics_layer_has_weights(l))
		return;
	uint64_t w = l->w_len, rows = (uint64_t)l->out.c;
	row->weights = l->w_len;
	row->nnz = nnz;
	row->csr_bytes = 8u * (uint64_t)nnz + 4u * (rows + 1u);
	row->bitmap_bytes = 4u * (uint64_t)nnz + (w + 7u) / 8u;
	if (nnz >= l->w_len)
		return;
	uint64_t per_use = l->kind == LAYER_KIND_CONV ?
		(uint64_t)l->out.h * (uint64_t)l->out.w : 1u;
	row->effective_macs = (uint64_t)nnz * per_use;
	uint64_t best = 4u * w;
	if (row->bitmap_bytes < best) {
		best = row->bitmap_bytes;
		row->format = METRICS_FORMAT_BITMAP;
	}
	if (row->csr_bytes < best) {
		best = row->csr_bytes;
		row->format = METRICS_FORMAT_CSR;
	}
	row->storage_bytes = best + 4u * (uint64_t)l->b_len;
}

static size_t metrics_layer_count(const struct net *net, const struct layer *l,
				  const uint8_t *mask)
{
	if (!metrics_layer_has_weights(l))
		return 0;
	if (!mask)
		return l->w_len;
	return metrics_count_ones(mask + (l->w - net->params), l->w_len);
}

void metrics_layer_nnz(const struct net *net, const uint8_t *mask, size_t *nnz)
{
	for (int i = 0; i < net->n_layers; i++)
		nnz[i] = metrics_layer_count(net, &net->layers[i], mask);
}

static void metrics_add(struct metrics *out, const struct metrics_layer *row)
{
	out->params += row->params;
	out->nonzero += row->params - (row->weights - row->nnz);
	out->dense_bytes += row->dense_bytes;
	out->storage_bytes += row->storage_bytes;
	out->macs += row->macs;
	out->effective_macs += row->effective_macs;
	out->masked_layers += row->nnz < row->weights;
}

void metrics_from_nnz(const struct net *net, const size_t *nnz,
		      struct metrics *out, struct metrics_layer *layers)
{
	memset(out, 0, sizeof *out);
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		struct metrics_layer row;
		metrics_layer_fill(l, nnz ? nnz[i] : l->w_len, &row);
		metrics_add(out, &row);
		if (layers)
			layers[i] = row;
	}
}

void metrics_compute(const struct net *net, const uint8_t *mask,
		     struct metrics *out, struct metrics_layer *layers)
{
	memset(out, 0, sizeof *out);
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		struct metrics_layer row;
		metrics_layer_fill(l, metrics_layer_count(net, l, mask), &row);
		metrics_add(out, &row);
		if (layers)
			layers[i] = row;
	}
}
