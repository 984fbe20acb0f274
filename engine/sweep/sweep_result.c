/* sweep_result.c: a job's result JSON (see sweep_result.h). */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_num.h"
#include "base/fileio.h"
#include "sweep/sweep_result.h"

json_t *sweep_result_to_json(const struct sweep_result *r)
{
	char hash[24];
	snprintf(hash, sizeof hash, "%016" PRIx64, r->config_hash);
	json_t *timing = json_pack(
		"{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:i, s:o, s:i, s:s, s:s, s:s, s:s}",
		"generate_seconds", r->generate_seconds,
		"train_seconds", r->train_seconds, "test_seconds", r->test_seconds,
		"job_seconds", r->job_seconds, "latency_ms", r->latency_ms,
		"latency_p10_ms", r->latency_p10_ms, "latency_p90_ms", r->latency_p90_ms,
		"latency_runs", r->latency_runs,
		"latency_sparse_ms", json_real_or_null(r->latency_sparse_ms),
		"threads", r->threads, "blas", r->blas, "conv3x3", r->conv3x3,
		"host", r->host, "finished", r->finished);
	json_t *root = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:f, s:I, "
		"s:{s:s, s:b, s:i, s:i}, s:{s:I, s:i}, "
		"s:{s:I, s:I, s:I, s:I, s:I, s:I, s:i}, "
		"s:f, s:[f, f], s:i, s:f, s:f, s:o}",
		"schema", SWEEP_RESULT_SCHEMA, "id", r->id, "config_hash", hash,
		"model", r->model, "variant", r->variant, "kind", sweep_kind_name(r->kind),
		"method", r->method[0] ? json_string(r->method) : json_null(),
		"sparsity", r->sparsity, "seed", (json_int_t)r->seed,
		"data", "dataset", r->dataset, "synthetic", r->synthetic,
		"train_n", r->train_n, "test_n", r->test_n,
		"training", "steps", (json_int_t)r->steps, "batch", r->batch,
		"size", "params", (json_int_t)r->params, "nonzero", (json_int_t)r->nonzero,
		"dense_bytes", (json_int_t)r->dense_bytes,
		"storage_bytes", (json_int_t)r->storage_bytes,
		"macs", (json_int_t)r->macs, "effective_macs", (json_int_t)r->effective_macs,
		"groups_changed", r->groups_changed,
		"accuracy", r->accuracy, "ci95", r->ci_lo, r->ci_hi, "correct", r->correct,
		"test_loss", r->test_loss, "train_loss", r->train_loss,
		"timing", timing);
	if (root && r->kind == SWEEP_KIND_UNIFORM)
		json_object_set_new(root, "uniform", json_pack("{s:I, s:f}",
			"target", (json_int_t)r->uniform_target,
			"fraction", r->uniform_fraction));
	return root;
}

/* Typed lookups that remember the first problem. */
struct sweep_reader {
	const char *name;
	struct eng_err *err;
	bool bad;
};

static const json_t *sweep_get(struct sweep_reader *rd, const json_t *o, const char *key,
			       json_type type, bool null_ok)
{
	const json_t *v = json_object_get(o, key);
	if (rd->bad)
		return NULL;
	if (v && null_ok && json_is_null(v))
		return v;
	bool ok = v && (json_typeof(v) == type ||
			(type == JSON_REAL && json_is_integer(v)));
	if (!ok) {
		eng_err_set(rd->err, ENG_STATUS_EINVAL, "%s: \"%s\" %s", rd->name, key,
			    v ? "has the wrong type" : "is missing");
		rd->bad = true;
		return NULL;
	}
	return v;
}

static double sweep_num(struct sweep_reader *rd, const json_t *o, const char *key)
{
	const json_t *v = sweep_get(rd, o, key, JSON_REAL, true);
	return v && !json_is_null(v) ? json_number_value(v) : NAN;
}

static long long sweep_int(struct sweep_reader *rd, const json_t *o, const char *key)
{
	const json_t *v = sweep_get(rd, o, key, JSON_INTEGER, false);
	return v ? json_integer_value(v) : 0;
}

static bool sweep_bool(struct sweep_reader *rd, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (!rd->bad && !json_is_boolean(v)) {
		eng_err_set(rd->err, ENG_STATUS_EINVAL, "%s: \"%s\" %s", rd->name, key,
			    v ? "is not true or false" : "is missing");
		rd->bad = true;
	}
	return json_is_true(v);
}

static void sweep_str(struct sweep_reader *rd, const json_t *o, const char *key,
		      char *dst, size_t len, bool null_ok)
{
	const json_t *v = sweep_get(rd, o, key, JSON_STRING, null_ok);
	dst[0] = '\0';
	if (v && json_is_string(v))
		snprintf(dst, len, "%s", json_string_value(v));
}

static const json_t *sweep_obj(struct sweep_reader *rd, const json_t *o, const char *key)
{
	return sweep_get(rd, o, key, JSON_OBJECT, false);
}

enum eng_status sweep_result_from_json(const json_t *o, const char *name,
				       struct sweep_result *r, struct eng_err *err)
{
	memset(r, 0, sizeof *r);
	struct sweep_reader rd = { .name = name, .err = err };
	char buf[64];
	if (!json_is_object(o))
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: not a JSON object", name);
	sweep_str(&rd, o, "schema", buf, sizeof buf, false);
	if (!rd.bad && strcmp(buf, SWEEP_RESULT_SCHEMA) != 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: schema '%s', not '%s'",
				   name, buf, SWEEP_RESULT_SCHEMA);
	sweep_str(&rd, o, "id", r->id, sizeof r->id, false);
	sweep_str(&rd, o, "config_hash", buf, sizeof buf, false);
	if (!rd.bad) {
		char *end;
		r->config_hash = strtoull(buf, &end, 16);
		if (!buf[0] || *end)
			return eng_err_set(err, ENG_STATUS_EINVAL, "%s: bad config_hash", name);
	}
	sweep_str(&rd, o, "model", r->model, sizeof r->model, false);
	sweep_str(&rd, o, "variant", r->variant, sizeof r->variant, false);
	sweep_str(&rd, o, "kind", buf, sizeof buf, false);
	r->kind = SWEEP_KIND_COUNT;
	for (int k = 0; k < SWEEP_KIND_COUNT; k++)
		if (strcmp(buf, sweep_kind_name((enum sweep_kind)k)) == 0)
			r->kind = (enum sweep_kind)k;
	if (!rd.bad && r->kind == SWEEP_KIND_COUNT)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: unknown kind '%s'", name, buf);
	sweep_str(&rd, o, "method", r->method, sizeof r->method, true);
	r->sparsity = sweep_num(&rd, o, "sparsity");
	r->seed = (uint64_t)sweep_int(&rd, o, "seed");
	const json_t *d = sweep_obj(&rd, o, "data");
	if (d) {
		sweep_str(&rd, d, "dataset", r->dataset, sizeof r->dataset, false);
		r->synthetic = sweep_bool(&rd, d, "synthetic");
		r->train_n = (int)sweep_int(&rd, d, "train_n");
		r->test_n = (int)sweep_int(&rd, d, "test_n");
	}
	const json_t *t = sweep_obj(&rd, o, "training");
	if (t) {
		r->steps = (long)sweep_int(&rd, t, "steps");
		r->batch = (int)sweep_int(&rd, t, "batch");
	}
	const json_t *z = sweep_obj(&rd, o, "size");
	if (z) {
		r->params = (uint64_t)sweep_int(&rd, z, "params");
		r->nonzero = (uint64_t)sweep_int(&rd, z, "nonzero");
		r->dense_bytes = (uint64_t)sweep_int(&rd, z, "dense_bytes");
		r->storage_bytes = (uint64_t)sweep_int(&rd, z, "storage_bytes");
		r->macs = (uint64_t)sweep_int(&rd, z, "macs");
		r->effective_macs = (uint64_t)sweep_int(&rd, z, "effective_macs");
		r->groups_changed = (int)sweep_int(&rd, z, "groups_changed");
	}
	r->accuracy = sweep_num(&rd, o, "accuracy");
	const json_t *ci = sweep_get(&rd, o, "ci95", JSON_ARRAY, false);
	if (ci && json_array_size(ci) == 2) {
		r->ci_lo = json_number_value(json_array_get(ci, 0));
		r->ci_hi = json_number_value(json_array_get(ci, 1));
	} else if (ci) {
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: \"ci95\" is not [lo, hi]", name);
	}
	r->correct = (int)sweep_int(&rd, o, "correct");
	r->test_loss = sweep_num(&rd, o, "test_loss");
	r->train_loss = sweep_num(&rd, o, "train_loss");
	if (r->kind == SWEEP_KIND_UNIFORM && !rd.bad) {
		const json_t *u = sweep_obj(&rd, o, "uniform");
		if (u) {
			r->uniform_target = (uint64_t)sweep_int(&rd, u, "target");
			r->uniform_fraction = sweep_num(&rd, u, "fraction");
		}
	}
	const json_t *tm = sweep_obj(&rd, o, "timing");
	if (tm) {
		r->generate_seconds = sweep_num(&rd, tm, "generate_seconds");
		r->train_seconds = sweep_num(&rd, tm, "train_seconds");
		r->test_seconds = sweep_num(&rd, tm, "test_seconds");
		r->job_seconds = sweep_num(&rd, tm, "job_seconds");
		r->latency_ms = sweep_num(&rd, tm, "latency_ms");
		r->latency_p10_ms = sweep_num(&rd, tm, "latency_p10_ms");
		r->latency_p90_ms = sweep_num(&rd, tm, "latency_p90_ms");
		r->latency_runs = (int)sweep_int(&rd, tm, "latency_runs");
		r->latency_sparse_ms = sweep_num(&rd, tm, "latency_sparse_ms");
		r->threads = (int)sweep_int(&rd, tm, "threads");
		sweep_str(&rd, tm, "blas", r->blas, sizeof r->blas, false);
		/* Optional: results written before the field have none. */
		const json_t *cv = json_object_get(tm, "conv3x3");
		if (json_is_string(cv))
			snprintf(r->conv3x3, sizeof r->conv3x3, "%s", json_string_value(cv));
		sweep_str(&rd, tm, "host", r->host, sizeof r->host, false);
		sweep_str(&rd, tm, "finished", r->finished, sizeof r->finished, false);
	}
	return rd.bad ? ENG_STATUS_EINVAL : ENG_STATUS_OK;
}

static enum eng_status sweep_put_text(int fd, void *user, const char *path,
				      struct eng_err *err)
{
	const char *text = user;
	return fileio_write_all(fd, text, strlen(text), path, err);
}

enum eng_status sweep_text_write(const char *path, const char *text, struct eng_err *err)
{
	return fileio_write_atomic(path, sweep_put_text, (void *)text, err);
}

enum eng_status sweep_json_write(const char *path, json_t *root, struct eng_err *err)
{
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					     JSON_REAL_PRECISION(17)) : NULL;
	if (!text)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	size_t n = strlen(text);
	char *full = realloc(text, n + 2);
	if (!full) {
		free(text);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	}
	full[n] = '\n';
	full[n + 1] = '\0';
	enum eng_status st = sweep_text_write(path, full, err);
	free(full);
	return st;
}

enum eng_status sweep_result_write(const char *path, const struct sweep_result *r,
				   struct eng_err *err)
{
	json_t *root = sweep_result_to_json(r);
	enum eng_status st = sweep_json_write(path, root, err);
	json_decref(root);
	return st;
}

enum eng_status sweep_result_read(const char *path, struct sweep_result *r,
				  struct eng_err *err)
{
	memset(r, 0, sizeof *r);
	char *text;
	size_t len;
	enum eng_status st = fileio_read_all(path, 1u << 20, "a sweep result", &text,
					     &len, err);
	if (st != ENG_STATUS_OK)
		return st;
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je);
	free(text);
	if (!root)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s:%d:%d: %s", path, je.line,
				   je.column, je.text);
	st = sweep_result_from_json(root, path, r, err);
	json_decref(root);
	return st;
}

bool sweep_result_done(const char *path, const struct sweep_job *job,
		       struct sweep_result *r, char *why, size_t why_len)
{
	struct eng_err err;
	enum eng_status st = sweep_result_read(path, r, &err);
	const char *reason = NULL;
	char buf[ENG_ERR_MAX + 16];
	if (st == ENG_STATUS_ENOENT) {
		reason = "missing";
	} else if (st != ENG_STATUS_OK) {
		snprintf(buf, sizeof buf, "unreadable: %s", err.msg);
		reason = buf;
	} else if (strcmp(r->id, job->id) != 0) {
		snprintf(buf, sizeof buf, "stale: the file is job '%s'", r->id);
		reason = buf;
	} else if (r->config_hash != job->config_hash) {
		reason = "stale: written under another config";
	}
	if (why && why_len)
		snprintf(why, why_len, "%s", reason ? reason : "done");
	return reason == NULL;
}
