/* data_npy.c: a dataset of NumPy arrays (bring your own data).
 *
 * A directory with train_images.npy, train_labels.npy, test_images.npy
 * and test_labels.npy (np.save files; io/npy.h reads them):
 *   images  uint8 (kept as bytes) or float32 (kept as floats, finite),
 *           (N, C, H, W), (N, H, W, C) or (N, H, W) (one channel), with
 *           C = 1..3 and H, W = 1..DATA_DIM_MAX.  The layout is decided
 *           here, once: axis 1 of 1..3 means NCHW, else axis 3 of 1..3
 *           means NHWC (transposed to CHW at load), else it is an error;
 *   labels  int64, int32 or uint8, shape (N,), 0 <= label <
 *           DATA_CLASSES_MAX; the class count is 1 + the largest
 *           training label, and every test label must be below it.
 * The test images must have the training images' C x H x W.  The
 * dataset's name is the directory's own name.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"
#include "data/data_path.h"
#include "io/npy.h"

#define NPY_TRAIN_IMAGES "train_images.npy"
#define NPY_TRAIN_LABELS "train_labels.npy"
#define NPY_TEST_IMAGES "test_images.npy"
#define NPY_TEST_LABELS "test_labels.npy"

bool data_npy_found(const char *dir)
{
	char path[DATA_PATH_MAX];
	return data_path_join(path, sizeof path, dir, NPY_TRAIN_IMAGES) &&
	       data_path_exists(path);
}

static enum eng_status data_npy_read(const char *dir, const char *name,
				     char *path, struct npy_array *a,
				     struct eng_err *err)
{
	if (!data_path_join(path, DATA_PATH_MAX, dir, name))
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: path too long", dir);
	enum eng_status st = npy_read(path, DATA_BYTES_MAX, a, err);
	/* train_images.npy is there, so this is a broken dataset, not "no
	 * dataset" (ENOENT, after which the front end would fall back to the
	 * synthetic set). */
	if (st == ENG_STATUS_ENOENT && err) {
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof err->msg - n, " (the dataset is incomplete)");
	}
	if (st == ENG_STATUS_ENOENT)
		st = ENG_STATUS_EINVAL;
	return st;
}

/* (N, C, H, W) -> (N, C, H, W); (N, H, W, C) -> the same, transposed; the
 * layout rule is at the top of this file. */
static enum eng_status data_npy_layout(struct npy_array *a, const char *path,
					 struct shape *s, struct eng_err *err)
{
	char text[NPY_SHAPE_TEXT_MAX];
	npy_shape_text(a->rank, a->dims, text, sizeof text);
	if (a->dtype != NPY_DTYPE_U8 && a->dtype != NPY_DTYPE_F32)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: images must be uint8 or float32, not %s",
				   path, npy_dtype_name(a->dtype));
	if (a->rank != 3 && a->rank != 4)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: images of shape %s: want rank 4 (N, C, H, W) "
				   "or (N, H, W, C), or rank 3 (N, H, W)", path, text);
	bool nhwc = false;
	size_t c = 1, h = a->dims[1], w = a->dims[2];
	if (a->rank == 4) {
		if (a->dims[1] >= 1 && a->dims[1] <= DATA_MAX_CHANNELS) {
			c = a->dims[1];
			h = a->dims[2];
			w = a->dims[3];
		} else if (a->dims[3] >= 1 && a->dims[3] <= DATA_MAX_CHANNELS) {
			nhwc = true;
			c = a->dims[3];
		} else {
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: images of shape %s: neither axis 1 "
					   "(NCHW) nor axis 3 (NHWC) is a channel count "
					   "of 1 to %d", path, text, DATA_MAX_CHANNELS);
		}
	}
	if (a->dims[0] == 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: no images (shape %s)",
				   path, text);
	if (a->dims[0] > INT32_MAX)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: too many images (%zu)",
				   path, a->dims[0]);
	if (h < 1 || w < 1 || h > DATA_DIM_MAX || w > DATA_DIM_MAX)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: implausible image size %zux%zu (1 to %d per "
				   "side)", path, h, w, DATA_DIM_MAX);
	*s = (struct shape){ (int)c, (int)h, (int)w };
	if (!nhwc)
		return ENG_STATUS_OK;
	size_t es = npy_dtype_size(a->dtype), plane = h * w;
	unsigned char *t = malloc(a->count * es);
	if (!t)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	const unsigned char *src = a->data;
	for (size_t i = 0; i < a->dims[0]; i++)
		for (size_t p = 0; p < plane; p++)
			for (size_t k = 0; k < c; k++)
				memcpy(t + ((i * c + k) * plane + p) * es,
				       src + ((i * plane + p) * c + k) * es, es);
	free(a->data);
	a->data = t;
	return ENG_STATUS_OK;
}

/* Float samples must be finite: one NaN would poison the statistics. */
static enum eng_status data_npy_finite(const struct npy_array *a,
					 const char *path, struct eng_err *err)
{
	const float *v = a->data;
	for (size_t i = 0; a->dtype == NPY_DTYPE_F32 && i < a->count; i++)
		if (!isfinite(v[i]))
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: value %g at element %zu (images must "
					   "be finite)", path, (double)v[i], i);
	return ENG_STATUS_OK;
}

/* Labels of n images into ds->labels; *max is the largest. */
static enum eng_status data_npy_labels(struct npy_array *a, const char *path,
				       const char *images, size_t n,
				       struct dataset *ds, int64_t *max,
				       struct eng_err *err)
{
	char text[NPY_SHAPE_TEXT_MAX];
	if (a->dtype == NPY_DTYPE_F32)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: labels must be integers (int64, int32 or "
				   "uint8), not float32", path);
	if (a->rank != 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: labels of shape %s: want one label per image, "
				   "shape (N,)", path,
				   npy_shape_text(a->rank, a->dims, text, sizeof text));
	if (a->dims[0] != n)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %zu labels for %zu images (%s)", path,
				   a->dims[0], n, images);
	ds->labels = malloc(n * sizeof *ds->labels);
	if (!ds->labels)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	*max = -1;
	for (size_t i = 0; i < n; i++) {
		int64_t v = a->dtype == NPY_DTYPE_I64 ? ((const int64_t *)a->data)[i] :
			    a->dtype == NPY_DTYPE_I32 ? ((const int32_t *)a->data)[i] :
			    ((const uint8_t *)a->data)[i];
		if (v < 0 || v >= DATA_CLASSES_MAX)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: label %lld of sample %zu is out of "
					   "range (0 to %d)", path, (long long)v, i,
					   DATA_CLASSES_MAX - 1);
		ds->labels[i] = (int32_t)v;
		if (v > *max)
			*max = v;
	}
	return ENG_STATUS_OK;
}

/* One split: images then labels, into ds. */
static enum eng_status data_npy_set(const char *dir, const char *images,
				    const char *labels, struct dataset *ds,
				    int64_t *max, char *ipath, struct eng_err *err)
{
	struct npy_array im = { 0 }, lb = { 0 };
	char lpath[DATA_PATH_MAX];
	enum eng_status st = data_npy_read(dir, images, ipath, &im, err);
	if (!st)
		st = data_npy_layout(&im, ipath, &ds->shape, err);
	if (!st)
		st = data_npy_finite(&im, ipath, err);
	if (!st)
		st = data_npy_read(dir, labels, lpath, &lb, err);
	if (!st)
		st = data_npy_labels(&lb, lpath, ipath, im.dims[0], ds, max, err);
	if (!st) {
		ds->n = (int)im.dims[0];
		if (im.dtype == NPY_DTYPE_F32)
			ds->values = im.data;
		else
			ds->pixels = im.data;
		im.data = NULL;
	}
	npy_array_done(&im);
	npy_array_done(&lb);
	return st;
}

/* The last component of dir ("data/mine/" -> "mine"), else "npy". */
static void data_npy_name(const char *dir, char *name, size_t size)
{
	size_t start, len;
	data_path_base(dir, &start, &len);
	if (len == 0 || (len == 1 && dir[start] == '.') ||
	    (len == 2 && dir[start] == '.' && dir[start + 1] == '.'))
		snprintf(name, size, "npy");
	else
		snprintf(name, size, "%.*s", (int)(len < size ? len : size - 1),
			 dir + start);
}

enum eng_status data_npy_load(const char *dir, struct data_split *out,
			      struct eng_err *err)
{
	char train[DATA_PATH_MAX], test[DATA_PATH_MAX];
	int64_t tmax, smax;
	enum eng_status st = data_npy_set(dir, NPY_TRAIN_IMAGES, NPY_TRAIN_LABELS,
					  &out->train, &tmax, train, err);
	if (!st)
		st = data_npy_set(dir, NPY_TEST_IMAGES, NPY_TEST_LABELS, &out->test,
				  &smax, test, err);
	if (st)
		return st;
	struct shape a = out->train.shape, b = out->test.shape;
	if (!shape_equal(a, b))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %dx%dx%d images, but the training images "
				   "are %dx%dx%d", test, b.c, b.h, b.w, a.c, a.h, a.w);
	if ((out->train.values != NULL) != (out->test.values != NULL))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %s images, but the training images are %s",
				   test, out->test.values ? "float32" : "uint8",
				   out->train.values ? "float32" : "uint8");
	int classes = (int)tmax + 1;
	for (int i = 0; smax >= classes && i < out->test.n; i++) {
		if (out->test.labels[i] < classes)
			continue;
		data_path_join(test, sizeof test, dir, NPY_TEST_LABELS);
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: label %d of sample %d is out of range (the "
				   "training labels have %d classes, 0 to %d)", test,
				   (int)out->test.labels[i], i, classes, classes - 1);
	}
	out->train.classes = classes;
	out->test.classes = classes;
	data_npy_name(dir, out->name, sizeof out->name);
	snprintf(out->source, sizeof out->source, "%s", dir);
	return ENG_STATUS_OK;
}
