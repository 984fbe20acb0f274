/* data.c: format dispatch, the validation slice, training statistics and
 * batch adaptation.  The format readers live in data_idx.c, data_cifar.c
 * and data_synth.c.
 *
 * Batch adaptation maps each target pixel back to a stored pixel:
 *   out(y, x) = S(y + cy - oy, xf + cx - ox),  xf = flip ? W-1-x : x
 * where (oy, ox) places the stored image centred in the target (negative
 * when the target is smaller, i.e. a centre crop), (cy, cx) in [-4, 4] is
 * the augmentation shift and S is raw 0 (black) outside the stored image.
 * Normalisation goes through a per-channel lookup table indexed by the raw
 * byte (or by the sum of the bytes when averaging channels), so the inner
 * loop is one load per pixel and black padding is simply table[0]: the same
 * as torchvision's Pad (fill 0) followed by Normalize.  Float samples
 * (float32 .npy images) take the same geometry with one multiply-add per
 * value instead of the table; their padding is a raw 0, normalised.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/data.h"
#include "data/data_internal.h"

#define DATA_AUG_PAD 4
#define DATA_LUT_SIZE (255 * DATA_MAX_CHANNELS + 1)

static enum eng_status data_dir_check(const char *dir, struct eng_err *err)
{
	struct stat st;
	if (stat(dir, &st) != 0) {
		int e = errno;
		return eng_err_set(err, e == ENOENT || e == ENOTDIR ?
				   ENG_STATUS_ENOENT : ENG_STATUS_EIO,
				   "%s: cannot open dataset directory: %s",
				   dir, strerror(e));
	}
	if (!S_ISDIR(st.st_mode))
		return eng_err_set(err, ENG_STATUS_ENOENT,
				   "%s: not a directory (--data wants the "
				   "directory that holds the dataset files)", dir);
	return ENG_STATUS_OK;
}

/* Moves the last count training samples to ds->val. */
static enum eng_status data_val_split(struct data_split *ds, int count,
				      struct eng_err *err)
{
	struct dataset *tr = &ds->train, *va = &ds->val;
	va->shape = tr->shape;
	va->classes = tr->classes;
	va->n = 0;
	if (count == 0)
		return ENG_STATUS_OK;
	if (count >= tr->n)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "a validation slice of %d samples leaves no "
				   "training data (%s has %d training samples)",
				   count, ds->name, tr->n);
	size_t sz = shape_size(tr->shape) * (tr->values ? sizeof(float) : 1);
	size_t first = (size_t)(tr->n - count);
	unsigned char *store = tr->values ? (unsigned char *)tr->values : tr->pixels;
	unsigned char *vstore = malloc((size_t)count * sz);
	va->labels = malloc((size_t)count * sizeof *va->labels);
	if (tr->values)
		va->values = (float *)vstore;
	else
		va->pixels = vstore;
	if (!vstore || !va->labels)
		return eng_err_set(err, ENG_STATUS_ENOMEM,
				   "out of memory for a validation slice of %d "
				   "samples", count);
	memcpy(vstore, store + first * sz, (size_t)count * sz);
	memcpy(va->labels, tr->labels + first,
	       (size_t)count * sizeof *va->labels);
	va->n = count;
	tr->n = (int)first;
	/* Give the tail back; keeping the larger block would be harmless. */
	unsigned char *p = realloc(store, first * sz);
	if (p && tr->values)
		tr->values = (float *)p;
	else if (p)
		tr->pixels = p;
	int32_t *l = realloc(tr->labels, first * sizeof *l);
	if (l)
		tr->labels = l;
	return ENG_STATUS_OK;
}

/* Mean and population std per stored channel, in [0, 1] units, through a
 * byte histogram: exact sums, and one increment per pixel. */
/* The same for float samples, in their own units: two passes in double
 * (the mean, then the squared deviations), exact enough for any size. */
static void data_stats_values(struct data_split *ds)
{
	const struct dataset *tr = &ds->train;
	size_t plane = (size_t)tr->shape.h * (size_t)tr->shape.w;
	size_t sz = shape_size(tr->shape);
	for (int c = 0; c < tr->shape.c; c++) {
		double count = (double)tr->n * (double)plane, sum = 0, var = 0;
		for (int i = 0; i < tr->n; i++) {
			const float *p = tr->values + (size_t)i * sz + c * plane;
			for (size_t k = 0; k < plane; k++)
				sum += p[k];
		}
		double mean = count > 0 ? sum / count : 0;
		for (int i = 0; i < tr->n; i++) {
			const float *p = tr->values + (size_t)i * sz + c * plane;
			for (size_t k = 0; k < plane; k++)
				var += (p[k] - mean) * (p[k] - mean);
		}
		double std = count > 0 ? sqrt(var / count) : 0;
		ds->mean[c] = (float)mean;
		ds->std[c] = std < 1e-6 ? 1.0f : (float)std;
	}
}

static void data_stats_compute(struct data_split *ds)
{
	const struct dataset *tr = &ds->train;
	size_t plane = (size_t)tr->shape.h * (size_t)tr->shape.w;
	size_t sz = shape_size(tr->shape);
	ENG_ASSERT(tr->shape.c >= 1 && tr->shape.c <= DATA_MAX_CHANNELS);
	if (tr->values)
		data_stats_values(ds);
	for (int c = 0; c < tr->shape.c && !tr->values; c++) {
		uint64_t hist[256] = { 0 };
		for (int i = 0; i < tr->n; i++) {
			const uint8_t *p = tr->pixels + (size_t)i * sz + c * plane;
			for (size_t k = 0; k < plane; k++)
				hist[p[k]]++;
		}
		double count = (double)tr->n * (double)plane, sum = 0, var = 0;
		for (int v = 0; v < 256; v++)
			sum += (double)hist[v] * v;
		double mean = sum / count;
		for (int v = 0; v < 256; v++)
			var += (double)hist[v] * (v - mean) * (v - mean);
		double std = sqrt(var / count) / 255.0;
		ds->mean[c] = (float)(mean / 255.0);
		/* A constant channel would divide by zero; leave it unscaled. */
		ds->std[c] = std < 1e-6 ? 1.0f : (float)std;
	}
	for (int c = tr->shape.c; c < DATA_MAX_CHANNELS; c++) {
		ds->mean[c] = ds->mean[0];
		ds->std[c] = ds->std[0];
	}
}

enum eng_status data_load(const struct data_options *opt, struct data_split *out,
			  struct eng_err *err)
{
	ENG_ASSERT(opt && out);
	memset(out, 0, sizeof *out);
	if (opt->val_count < 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "validation slice size %d is negative",
				   opt->val_count);

	enum eng_status st;
	if (opt->format == DATA_FORMAT_SYNTHETIC) {
		st = data_synth_load(opt, out, err);
	} else {
		const char *dir = opt->dir && *opt->dir ? opt->dir : DATA_DEFAULT_DIR;
		st = data_dir_check(dir, err);
		if (st)
			return st;
		enum data_format f = opt->format;
		if (f == DATA_FORMAT_AUTO) {
			if (data_idx_found(dir))
				f = DATA_FORMAT_IDX;
			else if (data_cifar_found(dir))
				f = DATA_FORMAT_CIFAR10;
			else if (data_npy_found(dir))
				f = DATA_FORMAT_NPY;
			else
				return eng_err_set(err, ENG_STATUS_ENOENT,
						   "%s: no dataset found (looked for "
						   "train-images-idx3-ubyte[.gz], "
						   "data_batch_1.bin and "
						   "train_images.npy)", dir);
		}
		if (f == DATA_FORMAT_IDX)
			st = data_idx_load(dir, out, err);
		else if (f == DATA_FORMAT_CIFAR10)
			st = data_cifar_load(dir, out, err);
		else if (f == DATA_FORMAT_NPY)
			st = data_npy_load(dir, out, err);
		else
			st = eng_err_set(err, ENG_STATUS_EINVAL,
					 "unknown dataset format %d", (int)f);
	}
	if (st == ENG_STATUS_OK)
		st = data_val_split(out, opt->val_count, err);
	if (st != ENG_STATUS_OK) {
		data_split_done(out);
		return st;
	}
	data_stats_compute(out);
	return ENG_STATUS_OK;
}

static void data_set_done(struct dataset *ds)
{
	free(ds->pixels);
	free(ds->values);
	free(ds->labels);
	ds->pixels = NULL;
	ds->values = NULL;
	ds->labels = NULL;
	ds->n = 0;
}

void data_split_done(struct data_split *ds)
{
	if (!ds)
		return;
	data_set_done(&ds->train);
	data_set_done(&ds->val);
	data_set_done(&ds->test);
}

const void *data_set_bytes(const struct dataset *ds, size_t *len)
{
	size_t n = ds->n > 0 ? (size_t)ds->n * shape_size(ds->shape) : 0;
	*len = ds->values ? n * sizeof *ds->values : n;
	return ds->values ? (const void *)ds->values : (const void *)ds->pixels;
}

enum eng_status data_adapt_check(const struct dataset *ds, struct shape target,
				 struct eng_err *err)
{
	struct shape s = ds->shape;
	if (target.c < 1 || target.h < 1 || target.w < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "model input %dx%dx%d is empty",
				   target.c, target.h, target.w);
	if (s.c != target.c && s.c != 1 && target.c != 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "cannot adapt %d-channel images to a %d-channel "
				   "model input (only equal counts, 1 to N and N "
				   "to 1 are supported)", s.c, target.c);
	return ENG_STATUS_OK;
}

/* One output row: pixels [x0, x1) come from the stored row(s) at column
 * base + step * x, the rest is the padding value. */
static void data_row_fill(float *row, int tw, const uint8_t *const *srows,
			  int nsrc, int x0, int x1, int base, int step,
			  const float *lut)
{
	float pad = lut[0];
	int x = 0;
	for (; x < x0; x++)
		row[x] = pad;
	if (nsrc == 1) {
		const uint8_t *s = srows[0];
		if (step == 1)
			for (; x < x1; x++)
				row[x] = lut[s[base + x]];
		else
			for (; x < x1; x++)
				row[x] = lut[s[base - x]];
	} else {
		for (; x < x1; x++) {
			int sx = base + step * x, sum = 0;
			for (int c = 0; c < nsrc; c++)
				sum += srows[c][sx];
			row[x] = lut[sum];
		}
	}
	for (; x < tw; x++)
		row[x] = pad;
}

/* The same for float samples: value * scale + off, the sum of the rows
 * when averaging (scale then includes 1 / nsrc). */
static void data_row_fill_f32(float *row, int tw, const float *const *srows,
			      int nsrc, int x0, int x1, int base, int step,
			      float scale, float off)
{
	int x = 0;
	for (; x < x0; x++)
		row[x] = off;
	for (; x < x1; x++) {
		int sx = base + step * x;
		float sum = 0;
		for (int c = 0; c < nsrc; c++)
			sum += srows[c][sx];
		row[x] = sum * scale + off;
	}
	for (; x < tw; x++)
		row[x] = off;
}

/* Offset of a stored extent s centred in a target extent t (a centre crop
 * when negative); odd remainders put the extra pixel after, as
 * torchvision's CenterCrop does for padding. */
static int data_centre(int t, int s)
{
	return t >= s ? (t - s) / 2 : -((s - t) / 2);
}

void data_batch_fill(const struct data_split *split, const struct dataset *ds,
		     const int32_t *idx, int n, struct shape target,
		     const struct data_augment *aug, struct rng *r, float *out)
{
	ENG_ASSERT(split && ds && n >= 0 && (n == 0 || (idx && out)));
	ENG_ASSERT(data_adapt_check(ds, target, NULL) == ENG_STATUS_OK);
	const struct shape s = ds->shape, t = target;
	ENG_ASSERT(s.c >= 1 && s.c <= DATA_MAX_CHANNELS);
	bool crop = aug && aug->crop, flip = aug && aug->flip;
	ENG_ASSERT(r || !(crop || flip));

	/* Tables: one per computed output channel.  Equal channel counts
	 * compute every channel; 1 -> N computes one and copies it; N -> 1
	 * averages through a table indexed by the byte sum. */
	float tab[DATA_MAX_CHANNELS][DATA_LUT_SIZE];
	/* Float samples: value * fscale + foff; pad is a normalised 0. */
	float fscale[DATA_MAX_CHANNELS], foff[DATA_MAX_CHANNELS];
	float pad[DATA_MAX_CHANNELS];
	const bool fv = ds->values != NULL;
	int computed, nsrc;
	if (s.c == t.c || s.c == 1) {
		computed = s.c == t.c ? t.c : 1;
		nsrc = 1;
		for (int c = 0; c < computed; c++) {
			double scale = 1.0 / (255.0 * split->std[c]);
			double off = -(double)split->mean[c] / split->std[c];
			fscale[c] = (float)(1.0 / split->std[c]);
			foff[c] = (float)off;
			for (int v = 0; v < 256 && !fv; v++)
				tab[c][v] = (float)(v * scale + off);
		}
	} else {
		/* The std of an average is not a function of the channel stds
		 * (it needs their covariances); the mean of the stds is its
		 * upper bound, reached for perfectly correlated channels,
		 * which RGB channels nearly are. */
		double mean = 0, std = 0;
		for (int c = 0; c < s.c; c++) {
			mean += split->mean[c];
			std += split->std[c];
		}
		mean /= s.c;
		std /= s.c;
		computed = 1;
		nsrc = s.c;
		fscale[0] = (float)(1.0 / (s.c * std));
		foff[0] = (float)(-mean / std);
		for (int v = 0; v <= 255 * s.c && !fv; v++)
			tab[0][v] = (float)(((double)v / (255.0 * s.c) - mean) / std);
	}
	for (int c = 0; c < computed; c++)
		pad[c] = fv ? foff[c] : tab[c][0];

	size_t ssz = shape_size(s), tsz = shape_size(t);
	size_t splane = (size_t)s.h * s.w, tplane = (size_t)t.h * t.w;
	int oy = data_centre(t.h, s.h), ox = data_centre(t.w, s.w);
	for (int i = 0; i < n; i++) {
		ENG_ASSERT(idx[i] >= 0 && idx[i] < ds->n);
		const uint8_t *src = fv ? NULL : ds->pixels + (size_t)idx[i] * ssz;
		const float *fsrc = fv ? ds->values + (size_t)idx[i] * ssz : NULL;
		float *dst = out + (size_t)i * tsz;
		int cy = 0, cx = 0;
		bool fl = false;
		/* Draw order is part of the contract (reproducible runs). */
		if (crop) {
			cy = (int)rng_below(r, 2 * DATA_AUG_PAD + 1) - DATA_AUG_PAD;
			cx = (int)rng_below(r, 2 * DATA_AUG_PAD + 1) - DATA_AUG_PAD;
		}
		if (flip)
			fl = rng_below(r, 2) != 0;
		/* Column mapping sx = base + step * x and its valid x range. */
		int base, step, x0, x1;
		if (!fl) {
			base = cx - ox;
			step = 1;
			x0 = base < 0 ? -base : 0;
			x1 = s.w - base < t.w ? s.w - base : t.w;
		} else {
			base = t.w - 1 + cx - ox;
			step = -1;
			x0 = base - s.w + 1 > 0 ? base - s.w + 1 : 0;
			x1 = base + 1 < t.w ? base + 1 : t.w;
		}
		if (x1 < x0)
			x1 = x0;
		for (int c = 0; c < computed; c++) {
			float *plane = dst + (size_t)c * tplane;
			for (int y = 0; y < t.h; y++) {
				float *row = plane + (size_t)y * t.w;
				int sy = y + cy - oy;
				if (sy < 0 || sy >= s.h) {
					for (int x = 0; x < t.w; x++)
						row[x] = pad[c];
					continue;
				}
				const uint8_t *srows[DATA_MAX_CHANNELS];
				const float *frows[DATA_MAX_CHANNELS];
				for (int k = 0; k < nsrc; k++) {
					size_t at = (size_t)(nsrc > 1 ? k : c) * splane +
						    (size_t)sy * s.w;
					srows[k] = fv ? NULL : src + at;
					frows[k] = fv ? fsrc + at : NULL;
				}
				if (fv)
					data_row_fill_f32(row, t.w, frows, nsrc, x0, x1,
							  base, step, fscale[c], foff[c]);
				else
					data_row_fill(row, t.w, srows, nsrc, x0, x1,
						      base, step, tab[c]);
			}
		}
		for (int c = computed; c < t.c; c++)
			memcpy(dst + (size_t)c * tplane, dst, tplane * sizeof *dst);
	}
}
