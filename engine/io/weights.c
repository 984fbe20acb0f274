/* weights.c: a net's weights in a safetensors file.
 *
 * Loading into a net checks every tensor of the file and of the net before
 * the first float is copied, so a bad file leaves the net as it was; the
 * file's data section, already in memory, is the staging buffer.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/fileio.h"
#include "io/weights.h"

bool weights_meta_set(struct weights_meta *m, const char *key, const char *value)
{
	if (!*key || strlen(key) >= WEIGHTS_META_KEY_MAX ||
	    strlen(value) >= WEIGHTS_META_VALUE_MAX)
		return false;
	int i = 0;
	while (i < m->n && strcmp(m->key[i], key) != 0)
		i++;
	if (i == m->n) {
		if (m->n >= WEIGHTS_META_MAX)
			return false;
		m->n++;
		strcpy(m->key[i], key);
	}
	strcpy(m->value[i], value);
	return true;
}

const char *weights_meta_get(const struct weights_meta *m, const char *key)
{
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->key[i], key) == 0)
			return m->value[i];
	return NULL;
}

enum weights_role {
	WEIGHTS_ROLE_WEIGHT,
	WEIGHTS_ROLE_BIAS,
	WEIGHTS_ROLE_MEAN,
	WEIGHTS_ROLE_VAR,
};

static const char *const weights_suffix[] = {
	[WEIGHTS_ROLE_WEIGHT] = "weight",
	[WEIGHTS_ROLE_BIAS] = "bias",
	[WEIGHTS_ROLE_MEAN] = "running_mean",
	[WEIGHTS_ROLE_VAR] = "running_var",
};

/* One tensor a net stores. */
struct weights_item {
	char name[LAYER_NAME_MAX + 16];
	int ndim;
	uint64_t shape[4];
	float *data;        /* view into the net */
	size_t n;           /* floats */
	int layer;
	enum weights_role role;
};

/* The weight's shape in PyTorch's layout (layer.h). */
static int weights_weight_shape(const struct layer *l, uint64_t *shape)
{
	int ndim;
	switch (l->kind) {
	case LAYER_KIND_CONV:
		shape[0] = (uint64_t)l->out.c;
		shape[1] = (uint64_t)(l->in.c / l->conf.groups);
		shape[2] = shape[3] = (uint64_t)l->conf.size;
		ndim = 4;
		break;
	case LAYER_KIND_LINEAR:
		shape[0] = (uint64_t)l->out.c;
		shape[1] = (uint64_t)shape_size(l->in);
		ndim = 2;
		break;
	default:
		shape[0] = l->w_len;
		ndim = 1;
		break;
	}
	uint64_t n;
	ENG_ASSERT(st_shape_numel(ndim, shape, &n) && n == l->w_len);
	return ndim;
}

/* Every tensor the net stores, in net order; *out is malloc'd. */
static enum eng_status weights_items(const struct net *net, struct weights_item **out,
				     int *n_out, struct eng_err *err)
{
	size_t cap = (size_t)net->n_layers * 4 + 1;
	struct weights_item *it = calloc(cap, sizeof *it);
	if (!it)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	int n = 0;
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		struct weights_item base = { .layer = i };
		if (l->w_len) {
			struct weights_item *w = &it[n++];
			*w = base;
			w->role = WEIGHTS_ROLE_WEIGHT;
			w->ndim = weights_weight_shape(l, w->shape);
			w->data = l->w;
			w->n = l->w_len;
		}
		if (l->b_len) {
			struct weights_item *b = &it[n++];
			*b = base;
			b->role = WEIGHTS_ROLE_BIAS;
			b->ndim = 1;
			b->shape[0] = l->b_len;
			b->data = l->b;
			b->n = l->b_len;
		}
		if (l->state_len) {
			/* BN is the only kind with state: mean then var. */
			ENG_ASSERT(l->kind == LAYER_KIND_BN && l->state_len % 2 == 0);
			size_t c = l->state_len / 2;
			for (int k = 0; k < 2; k++) {
				struct weights_item *s = &it[n++];
				*s = base;
				s->role = k ? WEIGHTS_ROLE_VAR : WEIGHTS_ROLE_MEAN;
				s->ndim = 1;
				s->shape[0] = c;
				s->data = l->state + (size_t)k * c;
				s->n = c;
			}
		}
	}
	for (int k = 0; k < n; k++)
		snprintf(it[k].name, sizeof it[k].name, "%s.%s",
			 net->layers[it[k].layer].name, weights_suffix[it[k].role]);
	*out = it;
	*n_out = n;
	return ENG_STATUS_OK;
}

static bool weights_maskable(const struct layer *l)
{
	return (l->kind == LAYER_KIND_CONV || l->kind == LAYER_KIND_LINEAR) && l->w_len;
}

enum eng_status weights_save_masked(const struct net *net, const char *path,
				    const struct weights_meta *meta,
				    const uint8_t *masks, struct eng_err *err)
{
	struct weights_item *it = NULL;
	int n = 0;
	enum eng_status st = weights_items(net, &it, &n, err);
	if (st != ENG_STATUS_OK)
		return eng_err_set(err, st, "%s: out of memory", path);
	struct st_file f;
	st_file_init(&f);
	uint8_t *norm = NULL;
	char name[LAYER_NAME_MAX + 16];
	for (int i = 0; meta && st == ENG_STATUS_OK && i < meta->n; i++)
		st = st_file_meta_set(&f, meta->key[i], meta->value[i], err);
	for (int i = 0; st == ENG_STATUS_OK && i < n; i++)
		st = st_file_add(&f, it[i].name, ST_DTYPE_F32, it[i].ndim, it[i].shape,
				 it[i].data, err);
	if (st == ENG_STATUS_OK && masks) {
		/* Stored as exactly 0/1, whatever non-zero the caller used. */
		norm = malloc(net->n_params ? net->n_params : 1);
		if (!norm)
			st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		for (size_t k = 0; norm && k < net->n_params; k++)
			norm[k] = masks[k] != 0;
	}
	for (int i = 0; norm && st == ENG_STATUS_OK && i < n; i++) {
		const struct layer *l = &net->layers[it[i].layer];
		if (it[i].role != WEIGHTS_ROLE_WEIGHT || !weights_maskable(l))
			continue;
		const uint8_t *m = norm + (l->w - net->params);
		size_t kept = 0;
		for (size_t k = 0; k < l->w_len; k++)
			kept += m[k];
		if (kept == l->w_len)
			continue;
		snprintf(name, sizeof name, "%s.weight_mask", l->name);
		st = st_file_add(&f, name, ST_DTYPE_U8, it[i].ndim, it[i].shape, m, err);
	}
	if (st == ENG_STATUS_OK)
		st = st_file_write(&f, path, err);
	else if (err) {
		char why[ENG_ERR_MAX];
		memcpy(why, err->msg, sizeof why);
		eng_err_set(err, st, "%s: %.400s", path, why);
	}
	st_file_done(&f);
	free(norm);
	free(it);
	return st;
}

enum eng_status weights_save(const struct net *net, const char *path,
			     const struct weights_meta *meta, struct eng_err *err)
{
	return weights_save_masked(net, path, meta, NULL, err);
}

static bool weights_has_suffix(const char *s, const char *suffix, size_t *prefix)
{
	size_t n = strlen(s), k = strlen(suffix);
	if (n <= k || strcmp(s + n - k, suffix) != 0)
		return false;
	*prefix = n - k;
	return true;
}

/* The layer named by name[0..len), or -1. */
static int weights_layer_find(const struct net *net, const char *name, size_t len)
{
	char buf[LAYER_NAME_MAX];
	if (len >= sizeof buf)
		return -1;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return net_find(net, buf);
}

static bool weights_shape_equal(const struct st_tensor *t, int ndim, const uint64_t *shape)
{
	if (t->ndim != ndim)
		return false;
	for (int i = 0; i < ndim; i++)
		if (t->shape[i] != shape[i])
			return false;
	return true;
}

static enum eng_status weights_shape_error(const char *path, const char *name,
					   const struct st_tensor *t, int ndim,
					   const uint64_t *shape, struct eng_err *err)
{
	char want[96], have[160];
	return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: shape %s expected, file has %s",
			   path, name, st_shape_format(want, sizeof want, ndim, shape),
			   st_shape_format(have, sizeof have, t->ndim, t->shape));
}

/* A tensor the net does not store: a mask (checked, index of its layer in
 * *mask_layer) or a BN counter (ignored); anything else is an error. */
static enum eng_status weights_extra_check(const struct net *net, const struct st_tensor *t,
					   const char *path, int *mask_layer,
					   struct eng_err *err)
{
	size_t len;
	*mask_layer = -1;
	if (weights_has_suffix(t->name, ".weight_mask", &len)) {
		int li = weights_layer_find(net, t->name, len);
		if (li < 0 || !weights_maskable(&net->layers[li]))
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: %s: mask for no conv or linear layer of the net",
					   path, t->name);
		if (t->dtype != ST_DTYPE_U8)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: %s: unsupported dtype %s (U8 expected)", path,
					   t->name, st_dtype_name(t->dtype));
		uint64_t shape[4];
		int ndim = weights_weight_shape(&net->layers[li], shape);
		if (!weights_shape_equal(t, ndim, shape))
			return weights_shape_error(path, t->name, t, ndim, shape, err);
		const uint8_t *m = t->data;
		for (uint64_t k = 0; k < t->end - t->begin; k++)
			if (m[k] > 1)
				return eng_err_set(err, ENG_STATUS_EINVAL,
						   "%s: %s: mask value %u at %llu (0 or 1 expected)",
						   path, t->name, m[k], (unsigned long long)k);
		*mask_layer = li;
		return ENG_STATUS_OK;
	}
	if (weights_has_suffix(t->name, ".num_batches_tracked", &len)) {
		int li = weights_layer_find(net, t->name, len);
		if (li < 0 || net->layers[li].kind != LAYER_KIND_BN)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: %s: counter for no bn layer of the net", path,
					   t->name);
		if (t->dtype != ST_DTYPE_I64 || st_tensor_numel(t) != 1)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: %s: an I64 scalar expected", path, t->name);
		return ENG_STATUS_OK;
	}
	return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: unexpected tensor (not in the net)",
			   path, t->name);
}

/* n little-endian floats from src (any alignment) into dst. */
static void weights_f32_decode(float *dst, const void *src, size_t n)
{
	if (st_host_little_endian()) {
		memcpy(dst, src, n * sizeof *dst);
		return;
	}
	const unsigned char *p = src;
	for (size_t i = 0; i < n; i++, p += 4) {
		uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
			     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		memcpy(&dst[i], &u, 4);
	}
}

static void weights_meta_from_file(const struct st_file *f, struct weights_meta *m)
{
	memset(m, 0, sizeof *m);
	for (int i = 0; i < f->n_meta; i++)
		if (!weights_meta_set(m, f->meta[i].key, f->meta[i].value))
			m->truncated = true;
}

enum eng_status weights_load_full(struct net *net, const char *path,
				  uint8_t **masks, struct weights_meta *meta,
				  struct eng_err *err)
{
	struct st_file f;
	enum eng_status st = st_file_read(path, &f, err);
	if (st != ENG_STATUS_OK)
		return st;
	struct weights_item *it = NULL;
	const struct st_tensor **src = NULL;
	int *mask_layer = NULL;
	uint8_t *m = NULL;
	int n = 0;
	st = weights_items(net, &it, &n, err);
	if (st != ENG_STATUS_OK) {
		st = eng_err_set(err, st, "%s: out of memory", path);
		goto out;
	}
	src = calloc((size_t)n + 1, sizeof *src);
	mask_layer = calloc((size_t)f.n_tensors + 1, sizeof *mask_layer);
	if (!src || !mask_layer) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	/* Every tensor the net needs: present, F32, the exact shape. */
	for (int i = 0; i < n && st == ENG_STATUS_OK; i++) {
		const struct st_tensor *t = st_file_find(&f, it[i].name);
		if (!t)
			st = eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: missing tensor", path,
					 it[i].name);
		else if (t->dtype != ST_DTYPE_F32)
			st = eng_err_set(err, ENG_STATUS_EINVAL,
					 "%s: %s: unsupported dtype %s (F32 expected)", path,
					 it[i].name, st_dtype_name(t->dtype));
		else if (!weights_shape_equal(t, it[i].ndim, it[i].shape))
			st = weights_shape_error(path, it[i].name, t, it[i].ndim,
						 it[i].shape, err);
		src[i] = t;
	}
	/* Every tensor the file has: one of those, or a tolerated extra. */
	bool any_mask = false;
	for (int k = 0; k < f.n_tensors && st == ENG_STATUS_OK; k++) {
		mask_layer[k] = -1;
		bool used = false;
		for (int i = 0; i < n && !used; i++)
			used = src[i] == &f.tensors[k];
		if (!used) {
			st = weights_extra_check(net, &f.tensors[k], path, &mask_layer[k], err);
			any_mask = any_mask || mask_layer[k] >= 0;
		}
	}
	if (st != ENG_STATUS_OK)
		goto out;
	if (masks && any_mask) {
		m = malloc(net->n_params ? net->n_params : 1);
		if (!m) {
			st = eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
			goto out;
		}
		memset(m, 1, net->n_params);
		for (int k = 0; k < f.n_tensors; k++) {
			if (mask_layer[k] < 0)
				continue;
			const struct layer *l = &net->layers[mask_layer[k]];
			memcpy(m + (l->w - net->params), f.tensors[k].data, l->w_len);
		}
	}
	/* Nothing can fail from here on: the net changes all at once. */
	for (int i = 0; i < n; i++)
		weights_f32_decode(it[i].data, src[i]->data, it[i].n);
	if (meta)
		weights_meta_from_file(&f, meta);
	if (masks) {
		*masks = m;
		m = NULL;
	}
out:
	free(m);
	free(mask_layer);
	free(src);
	free(it);
	st_file_done(&f);
	return st;
}

enum eng_status weights_load(struct net *net, const char *path, struct eng_err *err)
{
	return weights_load_full(net, path, NULL, NULL, err);
}

enum eng_status weights_load_masked(struct net *net, const char *path,
				    struct weights_meta *meta, struct eng_err *err)
{
	uint8_t *masks = NULL;
	enum eng_status st = weights_load_full(net, path, &masks, meta, err);
	if (st != ENG_STATUS_OK || !masks)
		return st;
	for (size_t j = 0; j < net->n_params; j++)
		if (!masks[j])
			net->params[j] = 0.0f;
	free(masks);
	return ENG_STATUS_OK;
}
