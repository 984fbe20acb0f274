/* plan_file.c: plan files (JSON): every prunable group's keep count and
 * the settings that made the plan; reading checks each key and names the
 * first problem with the path.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "prune/plan_file.h"

/* --- plan files ----------------------------------------------------------- */

struct plan_file_text {
	char *s;
};

static enum eng_status plan_file_text_put(int fd, void *user, const char *path,
					  struct eng_err *err)
{
	const struct plan_file_text *t = user;
	return fileio_write_all(fd, t->s, strlen(t->s), path, err);
}

enum eng_status plan_file_write(const char *path,
				     const struct group_set *gs,
				     const struct prune_plan *plan,
				     const struct plan_file_info *info,
				     struct eng_err *err)
{
	ENG_ASSERT(plan->n_groups == gs->n_groups);
	json_t *root = json_object();
	json_t *groups = json_object();
	int bad = !root || !groups;
	if (!bad) {
		bad |= json_object_set_new(root, "model", json_string(info->model));
		if (info->has_method)
			bad |= json_object_set_new(root, "method",
				json_string(score_method_name(info->method)));
		if (info->has_sparsity)
			bad |= json_object_set_new(root, "sparsity",
						   json_real(info->sparsity));
		if (info->has_seed)
			bad |= json_object_set_new(root, "seed",
						   json_integer((json_int_t)info->seed));
		if (info->has_tau)
			bad |= json_object_set_new(root, "tau", json_real(info->tau));
		if (info->has_k)
			bad |= json_object_set_new(root, "k", json_integer(info->k));
		for (int g = 0; g < gs->n_groups && !bad; g++)
			if (gs->groups[g].prunable)
				bad |= json_object_set_new(groups, gs->groups[g].name,
							   json_integer(plan->keep[g]));
		bad |= json_object_set(root, "groups", groups);
		/* Which channels each reduced group keeps (original indices),
		 * so the same structure can be applied outside reconvene. */
		json_t *kept = json_object();
		bad |= !kept;
		for (int g = 0; g < gs->n_groups && !bad; g++) {
			if (!gs->groups[g].prunable || !plan->kept_idx[g] ||
			    !plan_group_changed(gs, plan, g))
				continue;
			json_t *a = json_array();
			for (int j = 0; a && j < plan->keep[g]; j++)
				bad |= json_array_append_new(a, json_integer(plan->kept_idx[g][j]));
			bad |= !a || json_object_set_new(kept, gs->groups[g].name, a);
		}
		if (kept && json_object_size(kept) > 0)
			bad |= json_object_set(root, "kept", kept);
		json_decref(kept);
	}
	struct plan_file_text t = { NULL };
	if (!bad)
		t.s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					       JSON_REAL_PRECISION(15));
	json_decref(groups);
	json_decref(root);
	if (!t.s)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	size_t n = strlen(t.s);
	char *s = realloc(t.s, n + 2);
	if (!s) {
		free(t.s);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	}
	s[n] = '\n';
	s[n + 1] = '\0';
	t.s = s;
	enum eng_status st = fileio_write_atomic(path, plan_file_text_put, &t, err);
	free(t.s);
	return st;
}

/* A real or an integer as a double. */
static bool plan_file_json_number(const json_t *v, double *out)
{
	if (json_is_real(v))
		*out = json_real_value(v);
	else if (json_is_integer(v))
		*out = (double)json_integer_value(v);
	else
		return false;
	return true;
}

static const char *plan_file_json_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static enum eng_status plan_file_info_read(const char *path, json_t *root,
						const struct net *net,
						struct plan_file_info *info,
						struct eng_err *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(root, key, v) {
		if (strcmp(key, "model") == 0) {
			if (!json_is_string(v))
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: \"model\" must be a string, not %s",
					path, plan_file_json_type(v));
			if (strcmp(json_string_value(v), net->name) != 0)
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: plan is for model '%s', not '%s'", path,
					json_string_value(v), net->name);
			snprintf(info->model, sizeof info->model, "%s",
				 json_string_value(v));
		} else if (strcmp(key, "method") == 0) {
			if (!json_is_string(v) ||
			    !score_method_from_name(json_string_value(v), &info->method))
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: \"method\" must be one of random, "
					"magnitude, snip, grasp, synflow", path);
			info->has_method = true;
		} else if (strcmp(key, "sparsity") == 0) {
			if (!plan_file_json_number(v, &info->sparsity) ||
			    !(info->sparsity >= 0.0 && info->sparsity < 1.0))
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: \"sparsity\" must be a number in [0, 1)",
					path);
			info->has_sparsity = true;
		} else if (strcmp(key, "tau") == 0) {
			if (!plan_file_json_number(v, &info->tau) ||
			    !(info->tau >= 0.0 && info->tau <= 1.0))
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: \"tau\" must be a number in [0, 1]", path);
			info->has_tau = true;
		} else if (strcmp(key, "seed") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: \"seed\" must be a non-negative integer",
					path);
			info->seed = (uint64_t)json_integer_value(v);
			info->has_seed = true;
		} else if (strcmp(key, "k") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > INT_MAX)
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: \"k\" must be a non-negative integer",
					path);
			info->k = (int)json_integer_value(v);
			info->has_k = true;
		} else if (strcmp(key, "groups") != 0 && strcmp(key, "kept") != 0) {
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: unknown key \"%s\" (expected model, method, "
				"sparsity, seed, tau, k, groups, kept)", path, key);
		}
	}
	if (!json_object_get(root, "model"))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: missing \"model\"", path);
	return ENG_STATUS_OK;
}

static enum eng_status plan_file_groups_read(const char *path,
						  json_t *groups,
						  const struct group_set *gs,
						  int min_keep,
						  struct prune_plan *plan,
						  struct eng_err *err)
{
	if (!groups)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: missing \"groups\"", path);
	if (!json_is_object(groups))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: \"groups\" must be an object, not %s", path,
				   plan_file_json_type(groups));
	const char *name;
	json_t *v;
	json_object_foreach(groups, name, v) {
		int g = groups_find(gs, name);
		if (g < 0)
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: unknown group '%s' ('reconvene groups' lists "
				"the model's groups)", path, name);
		const struct group *gr = &gs->groups[g];
		if (!json_is_integer(v))
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: group '%s': keep must be an integer, not %s",
				path, name, plan_file_json_type(v));
		json_int_t keep = json_integer_value(v);
		if (keep > gr->channels)
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: group '%s' keeps %" JSON_INTEGER_FORMAT
				" channels but has only %d", path, name, keep,
				gr->channels);
		if (keep < 1)
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: group '%s' keeps %" JSON_INTEGER_FORMAT
				" channels; at least 1 must stay", path, name, keep);
		if (keep != gr->channels && !gr->prunable)
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: group '%s' cannot be pruned (%s)", path, name,
				groups_fixed_name(gr->fixed));
		if (keep != gr->channels && keep < min_keep)
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: group '%s' keeps %" JSON_INTEGER_FORMAT
				" of %d channels; at least %d must stay (collapse guard)",
				path, name, keep, gr->channels, min_keep);
		plan_set_keep(plan, g, (int)keep);
	}
	struct eng_err e2;
	if (plan_validate(gs, plan, min_keep, &e2) != ENG_STATUS_OK) {
		const char *m = e2.msg;
		if (strncmp(m, "plan: ", 6) == 0)
			m += 6;
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s", path, m);
	}
	return ENG_STATUS_OK;
}

/* "kept": { group: [original channel indices] }: each list must name
 * exactly the count "groups" gives, strictly increasing, in range; the
 * plan then keeps those channels rather than choosing by importance. */
static enum eng_status plan_file_kept_read(const char *path, json_t *kept,
					   const struct group_set *gs,
					   struct prune_plan *plan,
					   struct eng_err *err)
{
	if (!kept)
		return ENG_STATUS_OK;
	if (!json_is_object(kept))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: \"kept\" must be an object, not %s", path,
				   plan_file_json_type(kept));
	const char *name;
	json_t *v;
	json_object_foreach(kept, name, v) {
		int g = groups_find(gs, name);
		if (g < 0)
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: kept: unknown group '%s'", path, name);
		int channels = gs->groups[g].channels;
		if (!json_is_array(v) || (int)json_array_size(v) != plan->keep[g])
			return eng_err_set(err, ENG_STATUS_EINVAL,
				"%s: kept: group '%s' must list the %d channels \"groups\" "
				"keeps (delete its \"kept\" entry after changing the count)",
				path, name, plan->keep[g]);
		int *idx = malloc((size_t)plan->keep[g] * sizeof *idx);
		if (!idx)
			return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		size_t j;
		json_t *e;
		json_array_foreach(v, j, e) {
			json_int_t c = json_is_integer(e) ? json_integer_value(e) : -1;
			if (c < 0 || c >= channels || (j > 0 && c <= idx[j - 1])) {
				free(idx);
				return eng_err_set(err, ENG_STATUS_EINVAL,
					"%s: kept: group '%s': entry %zu must be a channel "
					"index in [0, %d), increasing", path, name, j, channels);
			}
			idx[j] = (int)c;
		}
		enum eng_status st = plan_set_indices(plan, g, idx, plan->keep[g], err);
		free(idx);
		if (st != ENG_STATUS_OK)
			return st;
	}
	return ENG_STATUS_OK;
}

enum eng_status plan_file_read(const char *path, const struct net *net,
				    const struct group_set *gs, int min_keep,
				    struct prune_plan *plan,
				    struct plan_file_info *info,
				    struct eng_err *err)
{
	struct plan_file_info tmp;
	if (!info)
		info = &tmp;
	memset(info, 0, sizeof *info);
	memset(plan, 0, sizeof *plan);
	if (min_keep <= 0)
		min_keep = PLAN_MIN_KEEP_DEFAULT;
	if (plan_init(plan, gs) != ENG_STATUS_OK)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		return eng_err_set(err, fileio_errno_status(e), "%s: %s", path,
				   strerror(e));
	}
	json_error_t je;
	json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	int read_err = ferror(f);
	fclose(f);
	if (!root) {
		if (read_err)
			return eng_err_set(err, ENG_STATUS_EIO, "%s: read error", path);
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s:%d:%d: %s", path,
				   je.line, je.column, je.text);
	}
	enum eng_status st;
	if (!json_is_object(root)) {
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: a plan must be a JSON object, not %s", path,
				 plan_file_json_type(root));
	} else {
		st = plan_file_info_read(path, root, net, info, err);
		if (st == ENG_STATUS_OK)
			st = plan_file_groups_read(path,
				json_object_get(root, "groups"), gs, min_keep, plan,
				err);
		if (st == ENG_STATUS_OK)
			st = plan_file_kept_read(path, json_object_get(root, "kept"),
						 gs, plan, err);
	}
	json_decref(root);
	return st;
}

void plan_file_info_from_options(const struct reconvene_options *o,
				 const char *model, struct plan_file_info *info)
{
	memset(info, 0, sizeof *info);
	snprintf(info->model, sizeof info->model, "%s", model);
	info->has_method = info->has_sparsity = info->has_seed = true;
	info->has_tau = info->has_k = true;
	info->method = o->method;
	info->sparsity = o->sparsity;
	info->seed = o->seed;
	info->tau = o->tau;
	info->k = o->k;
}
