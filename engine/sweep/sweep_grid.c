/* sweep_grid.c: the sweep grid format and its jobs (see sweep_grid.h).
 *
 * Parsing is one pass over io/ini.c's events; each section has a key
 * table.  A variant named in `variants =` may be one of the four kinds by
 * name or a [variant.NAME] section anywhere in the file, so names are
 * resolved at the end, where the Reconvene options of [reconvene] are
 * also laid under each variant's own. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/hash.h"
#include "base/numparse.h"
#include "io/ini.h"
#include "sweep/sweep_grid.h"

/* A [variant.NAME] section as read: its options as text, applied at the
 * end over [reconvene]. */
#define SWEEP_OPTS_MAX 12
struct sweep_section {
	char name[SWEEP_NAME_MAX];
	int line;
	bool has_kind;
	enum sweep_kind kind;
	enum sweep_match match;
	bool has_match;
	int n_opts;
	char opt_name[SWEEP_OPTS_MAX][32];
	char opt_value[SWEEP_OPTS_MAX][64];
	int opt_line[SWEEP_OPTS_MAX];
};

struct sweep_parse {
	const char *path;
	struct sweep_grid *g;
	char dir[SWEEP_PATH_MAX];         /* the grid's folder, "" for "." */
	int n_sections;
	struct sweep_section sections[SWEEP_LIST_MAX];
	int cur;                          /* index of the [variant.*] being read, -1 */
	char variant_names[SWEEP_LIST_MAX][SWEEP_NAME_MAX];
	int variants_line;
	bool have_models, have_methods, have_sparsities, have_seeds, have_variants;
	bool have_steps, have_epochs;
	int n_ropts;                      /* [reconvene] options, as text */
	char ropt_name[SWEEP_OPTS_MAX][32];
	char ropt_value[SWEEP_OPTS_MAX][64];
	int ropt_line[SWEEP_OPTS_MAX];
};

static const char *const sweep_kind_names[SWEEP_KIND_COUNT] = {
	[SWEEP_KIND_DENSE] = "dense",
	[SWEEP_KIND_UPAI] = "upai",
	[SWEEP_KIND_RECONVENE] = "reconvene",
	[SWEEP_KIND_UNIFORM] = "uniform",
};

const char *sweep_kind_name(enum sweep_kind k)
{
	return (unsigned)k < SWEEP_KIND_COUNT ? sweep_kind_names[k] : NULL;
}

static bool sweep_kind_from_name(const char *s, enum sweep_kind *k)
{
	for (int i = 0; i < SWEEP_KIND_COUNT; i++)
		if (strcmp(s, sweep_kind_names[i]) == 0) {
			*k = (enum sweep_kind)i;
			return true;
		}
	return false;
}

/* "FILE:LINE: message". */
static enum eng_status sweep_fail(const struct sweep_parse *p, int line,
				  struct eng_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static enum eng_status sweep_fail(const struct sweep_parse *p, int line,
				  struct eng_err *err, const char *fmt, ...)
{
	char msg[ENG_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line > 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s:%d: %s", p->path, line, msg);
	return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s", p->path, msg);
}

/* A name: [A-Za-z0-9_.-]+, at most SWEEP_NAME_MAX - 1 bytes. */
static bool sweep_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= SWEEP_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
			return false;
	return true;
}

/* A list: words split at blanks and commas.  Calls each(word) in order;
 * a word's length is capped at 1023. */
typedef enum eng_status (*sweep_word_fn)(struct sweep_parse *p, int line, int idx,
					 const char *word, struct eng_err *err);

static enum eng_status sweep_list(struct sweep_parse *p, const struct ini_event *ev,
				  int *count, sweep_word_fn each, struct eng_err *err)
{
	const char *s = ev->value;
	int n = 0;
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (!*s)
			break;
		size_t len = strcspn(s, " \t,");
		char word[1024];
		if (len >= sizeof word)
			return sweep_fail(p, ev->line, err, "%s: an entry is too long", ev->key);
		memcpy(word, s, len);
		word[len] = '\0';
		s += len;
		if (n >= SWEEP_LIST_MAX)
			return sweep_fail(p, ev->line, err, "%s: more than %d entries",
					  ev->key, SWEEP_LIST_MAX);
		enum eng_status st = each(p, ev->line, n, word, err);
		if (st != ENG_STATUS_OK)
			return st;
		n++;
	}
	if (n == 0)
		return sweep_fail(p, ev->line, err, "%s: an empty list", ev->key);
	*count = n;
	return ENG_STATUS_OK;
}

static enum eng_status sweep_word_model(struct sweep_parse *p, int line, int idx,
					const char *w, struct eng_err *err)
{
	struct sweep_grid *g = p->g;
	if (strlen(w) >= sizeof g->models[0])
		return sweep_fail(p, line, err, "model '%.40s...' is too long", w);
	char label[SWEEP_NAME_MAX];
	sweep_model_label(w, label, sizeof label);
	for (int i = 0; i < idx; i++) {
		char other[SWEEP_NAME_MAX];
		sweep_model_label(g->models[i], other, sizeof other);
		if (strcmp(label, other) == 0)
			return sweep_fail(p, line, err, "models '%s' and '%s' have the same "
					  "label '%s'", g->models[i], w, label);
	}
	snprintf(g->models[idx], sizeof g->models[idx], "%s", w);
	return ENG_STATUS_OK;
}

static enum eng_status sweep_word_method(struct sweep_parse *p, int line, int idx,
					 const char *w, struct eng_err *err)
{
	enum score_method m;
	if (!score_method_from_name(w, &m))
		return sweep_fail(p, line, err, "method '%s': one of random, magnitude, "
				  "snip, grasp, synflow", w);
	for (int i = 0; i < idx; i++)
		if (p->g->methods[i] == m)
			return sweep_fail(p, line, err, "method '%s' is listed twice", w);
	p->g->methods[idx] = m;
	return ENG_STATUS_OK;
}

static enum eng_status sweep_word_sparsity(struct sweep_parse *p, int line, int idx,
					   const char *w, struct eng_err *err)
{
	double v;
	if (numparse_double(w, 0.0, 1.0, &v) || !(v > 0.0 && v < 1.0))
		return sweep_fail(p, line, err, "sparsity '%s': a number in (0, 1)", w);
	for (int i = 0; i < idx; i++)
		if (p->g->sparsities[i] == v)
			return sweep_fail(p, line, err, "sparsity %s is listed twice", w);
	p->g->sparsities[idx] = v;
	return ENG_STATUS_OK;
}

static enum eng_status sweep_word_seed(struct sweep_parse *p, int line, int idx,
				       const char *w, struct eng_err *err)
{
	long v;
	if (numparse_long(w, 0, 0x7fffffffL, &v))
		return sweep_fail(p, line, err, "seed '%s': a whole number in 0..2147483647", w);
	for (int i = 0; i < idx; i++)
		if (p->g->seeds[i] == (uint64_t)v)
			return sweep_fail(p, line, err, "seed %s is listed twice", w);
	p->g->seeds[idx] = (uint64_t)v;
	return ENG_STATUS_OK;
}

static enum eng_status sweep_word_variant(struct sweep_parse *p, int line, int idx,
					  const char *w, struct eng_err *err)
{
	if (!sweep_name_ok(w))
		return sweep_fail(p, line, err, "variant '%.40s': a name of letters, "
				  "digits, '_', '.' and '-'", w);
	for (int i = 0; i < idx; i++)
		if (strcmp(p->variant_names[i], w) == 0)
			return sweep_fail(p, line, err, "variant '%s' is listed twice", w);
	snprintf(p->variant_names[idx], sizeof p->variant_names[idx], "%s", w);
	return ENG_STATUS_OK;
}

/* A path value relative to the grid's folder. */
static enum eng_status sweep_path(struct sweep_parse *p, const struct ini_event *ev,
				  char *dst, size_t len, struct eng_err *err)
{
	const char *v = ev->value;
	if (!*v)
		return sweep_fail(p, ev->line, err, "%s: empty", ev->key);
	int n = v[0] == '/' || !p->dir[0] ? snprintf(dst, len, "%s", v)
					  : snprintf(dst, len, "%s/%s", p->dir, v);
	if (n < 0 || (size_t)n >= len)
		return sweep_fail(p, ev->line, err, "%s: path too long", ev->key);
	return ENG_STATUS_OK;
}

static enum eng_status sweep_key_sweep(struct sweep_parse *p, const struct ini_event *ev,
				       struct eng_err *err)
{
	struct sweep_grid *g = p->g;
	const char *k = ev->key;
	if (strcmp(k, "name") == 0) {
		if (!sweep_name_ok(ev->value))
			return sweep_fail(p, ev->line, err, "name '%.40s': letters, digits, "
					  "'_', '.' and '-'", ev->value);
		snprintf(g->name, sizeof g->name, "%s", ev->value);
		return ENG_STATUS_OK;
	}
	if (strcmp(k, "out") == 0)
		return sweep_path(p, ev, g->out, sizeof g->out, err);
	if (strcmp(k, "models") == 0) {
		p->have_models = true;
		return sweep_list(p, ev, &g->n_models, sweep_word_model, err);
	}
	if (strcmp(k, "methods") == 0) {
		p->have_methods = true;
		return sweep_list(p, ev, &g->n_methods, sweep_word_method, err);
	}
	if (strcmp(k, "sparsities") == 0) {
		p->have_sparsities = true;
		return sweep_list(p, ev, &g->n_sparsities, sweep_word_sparsity, err);
	}
	if (strcmp(k, "seeds") == 0) {
		p->have_seeds = true;
		return sweep_list(p, ev, &g->n_seeds, sweep_word_seed, err);
	}
	if (strcmp(k, "variants") == 0) {
		p->have_variants = true;
		p->variants_line = ev->line;
		return sweep_list(p, ev, &g->n_variants, sweep_word_variant, err);
	}
	return sweep_fail(p, ev->line, err, "unknown key '%s' in [sweep] (expected name, "
			  "out, models, methods, sparsities, seeds, variants)", k);
}

static enum eng_status sweep_long(struct sweep_parse *p, const struct ini_event *ev,
				  long lo, long hi, long *out, struct eng_err *err)
{
	if (numparse_long(ev->value, lo, hi, out))
		return sweep_fail(p, ev->line, err, "%s: a whole number in %ld..%ld, not '%s'",
				  ev->key, lo, hi, ev->value);
	return ENG_STATUS_OK;
}

static enum eng_status sweep_double(struct sweep_parse *p, const struct ini_event *ev,
				    double lo, double hi, double *out, struct eng_err *err)
{
	if (numparse_double(ev->value, lo, hi, out))
		return sweep_fail(p, ev->line, err, "%s: a number in [%g, %g], not '%s'",
				  ev->key, lo, hi, ev->value);
	return ENG_STATUS_OK;
}

static enum eng_status sweep_key_train(struct sweep_parse *p, const struct ini_event *ev,
				       struct eng_err *err)
{
	struct sweep_budget *b = &p->g->budget;
	const char *k = ev->key;
	long v;
	enum eng_status st = ENG_STATUS_OK;
	if (strcmp(k, "steps") == 0) {
		st = sweep_long(p, ev, 1, 1000000000L, &b->steps, err);
		p->have_steps = true;
	} else if (strcmp(k, "epochs") == 0) {
		if (!(st = sweep_long(p, ev, 1, 100000, &v, err)))
			b->epochs = (int)v;
		p->have_epochs = true;
	} else if (strcmp(k, "batch") == 0) {
		if (!(st = sweep_long(p, ev, 1, 65536, &v, err)))
			b->batch = (int)v;
	} else if (strcmp(k, "lr") == 0) {
		if (!(st = sweep_double(p, ev, 0.0, 100.0, &b->lr, err)) && b->lr <= 0)
			st = sweep_fail(p, ev->line, err, "lr: a positive number, not '%s'", ev->value);
	} else if (strcmp(k, "momentum") == 0) {
		st = sweep_double(p, ev, 0.0, 0.9999, &b->momentum, err);
	} else if (strcmp(k, "wd") == 0) {
		st = sweep_double(p, ev, 0.0, 1.0, &b->wd, err);
	} else if (strcmp(k, "schedule") == 0) {
		if (!train_schedule_from_name(ev->value, &b->schedule))
			return sweep_fail(p, ev->line, err, "schedule: cosine, step or constant, "
					  "not '%s'", ev->value);
	} else if (strcmp(k, "warmup") == 0) {
		st = sweep_long(p, ev, 0, 1000000000L, &b->warmup, err);
	} else if (strcmp(k, "data") == 0) {
		if (strcmp(ev->value, "synthetic") == 0)
			snprintf(b->data, sizeof b->data, "synthetic");
		else
			st = sweep_path(p, ev, b->data, sizeof b->data, err);
	} else if (strcmp(k, "train") == 0) {
		if (!(st = sweep_long(p, ev, 0, 100000000L, &v, err)))
			b->train_n = (int)v;
	} else if (strcmp(k, "test") == 0) {
		if (!(st = sweep_long(p, ev, 0, 100000000L, &v, err)))
			b->test_n = (int)v;
	} else if (strcmp(k, "threads") == 0) {
		if (!(st = sweep_long(p, ev, 0, 1024, &v, err)))
			b->threads = (int)v;
	} else {
		st = sweep_fail(p, ev->line, err, "unknown key '%s' in [train] (expected steps, "
				"epochs, batch, lr, momentum, wd, schedule, warmup, data, "
				"train, test, threads)", k);
	}
	return st;
}

static enum eng_status sweep_key_measure(struct sweep_parse *p, const struct ini_event *ev,
					 struct eng_err *err)
{
	struct sweep_budget *b = &p->g->budget;
	long v;
	if (strcmp(ev->key, "latency_ms") == 0)
		return sweep_double(p, ev, 0.0, 600000.0, &b->latency_ms, err);
	if (strcmp(ev->key, "latency_runs") == 0) {
		enum eng_status st = sweep_long(p, ev, 1, 100000, &v, err);
		b->latency_runs = (int)v;
		return st;
	}
	return sweep_fail(p, ev->line, err, "unknown key '%s' in [measure] (expected "
			  "latency_ms, latency_runs)", ev->key);
}

/* A Reconvene option kept as text for the end; checked now on a scratch
 * copy so a bad value names its own line. */
static enum eng_status sweep_key_option(struct sweep_parse *p, const struct ini_event *ev,
					int *n, char (*names)[32], char (*values)[64],
					int *lines, struct eng_err *err)
{
	const char *k = ev->key;
	if (strcmp(k, "method") == 0 || strcmp(k, "sparsity") == 0 || strcmp(k, "seed") == 0)
		return sweep_fail(p, ev->line, err, "%s comes from the grid's lists "
				  "([sweep] %ss), not from a variant", k,
				  strcmp(k, "sparsity") == 0 ? "sparsitie" : k);
	struct reconvene_options scratch;
	reconvene_options_init(&scratch);
	struct eng_err e;
	if (reconvene_option_set(&scratch, k, ev->value, &e) != ENG_STATUS_OK)
		return sweep_fail(p, ev->line, err, "%s", e.msg);
	/* A job's plan must not depend on the timings of the node it runs
	 * on: every job of a variant trains the same widths. */
	if (scratch.align == RECONVENE_ALIGN_AUTO)
		return sweep_fail(p, ev->line, err, "align = auto measures this machine's "
				  "widths, so jobs on different nodes would train different "
				  "models; give align = N");
	if (*n >= SWEEP_OPTS_MAX || strlen(k) >= 32 || strlen(ev->value) >= 64)
		return sweep_fail(p, ev->line, err, "too many or too long options");
	for (int i = 0; i < *n; i++)
		if (strcmp(names[i], k) == 0)
			return sweep_fail(p, ev->line, err, "'%s' is given twice (line %d)",
					  k, lines[i]);
	snprintf(names[*n], 32, "%s", k);
	snprintf(values[*n], 64, "%s", ev->value);
	lines[*n] = ev->line;
	(*n)++;
	return ENG_STATUS_OK;
}

static enum eng_status sweep_key_variant(struct sweep_parse *p, const struct ini_event *ev,
					 struct eng_err *err)
{
	struct sweep_section *v = &p->sections[p->cur];
	if (strcmp(ev->key, "kind") == 0) {
		if (!sweep_kind_from_name(ev->value, &v->kind))
			return sweep_fail(p, ev->line, err, "kind: dense, upai, reconvene or "
					  "uniform, not '%s'", ev->value);
		v->has_kind = true;
		return ENG_STATUS_OK;
	}
	if (strcmp(ev->key, "match") == 0) {
		if (strcmp(ev->value, "nonzero") == 0)
			v->match = SWEEP_MATCH_NONZERO;
		else if (strcmp(ev->value, "params") == 0)
			v->match = SWEEP_MATCH_PARAMS;
		else
			return sweep_fail(p, ev->line, err, "match: nonzero or params, not '%s'",
					  ev->value);
		v->has_match = true;
		return ENG_STATUS_OK;
	}
	return sweep_key_option(p, ev, &v->n_opts, v->opt_name, v->opt_value,
				v->opt_line, err);
}

static enum eng_status sweep_section_open(struct sweep_parse *p, const struct ini_event *ev,
					  struct eng_err *err)
{
	const char *s = ev->section;
	p->cur = -1;
	if (!strcmp(s, "sweep") || !strcmp(s, "train") || !strcmp(s, "measure") ||
	    !strcmp(s, "reconvene"))
		return ENG_STATUS_OK;
	if (strncmp(s, "variant.", 8) != 0)
		return sweep_fail(p, ev->line, err, "unknown section [%s] (expected [sweep], "
				  "[train], [measure], [reconvene], [variant.NAME])", s);
	const char *name = s + 8;
	if (!sweep_name_ok(name))
		return sweep_fail(p, ev->line, err, "[%s]: a variant name of letters, digits, "
				  "'_', '.' and '-'", s);
	enum sweep_kind k;
	if (sweep_kind_from_name(name, &k))
		return sweep_fail(p, ev->line, err, "[%s]: '%s' is a built-in variant; give "
				  "yours another name", s, name);
	for (int i = 0; i < p->n_sections; i++)
		if (strcmp(p->sections[i].name, name) == 0)
			return sweep_fail(p, ev->line, err, "[%s] appears twice (line %d)", s,
					  p->sections[i].line);
	if (p->n_sections >= SWEEP_LIST_MAX)
		return sweep_fail(p, ev->line, err, "more than %d variant sections",
				  SWEEP_LIST_MAX);
	p->cur = p->n_sections++;
	struct sweep_section *v = &p->sections[p->cur];
	memset(v, 0, sizeof *v);
	snprintf(v->name, sizeof v->name, "%s", name);
	v->line = ev->line;
	return ENG_STATUS_OK;
}

/* Lay [reconvene] and then the variant's own options over the defaults. */
static enum eng_status sweep_options_apply(struct sweep_parse *p, struct reconvene_options *o,
					   int n, char (*names)[32], char (*values)[64],
					   int *lines, struct eng_err *err)
{
	for (int i = 0; i < n; i++) {
		struct eng_err e;
		if (reconvene_option_set(o, names[i], values[i], &e) != ENG_STATUS_OK)
			return sweep_fail(p, lines[i], err, "%s", e.msg);
	}
	return ENG_STATUS_OK;
}

static enum eng_status sweep_finish(struct sweep_parse *p, int last_line,
				    struct eng_err *err)
{
	struct sweep_grid *g = p->g;
	(void)last_line;
	if (!p->have_models)
		return sweep_fail(p, 0, err, "[sweep] models = ... is missing");
	if (!p->have_seeds)
		return sweep_fail(p, 0, err, "[sweep] seeds = ... is missing");
	if (!p->have_variants)
		return sweep_fail(p, 0, err, "[sweep] variants = ... is missing");
	if (p->have_steps && p->have_epochs)
		return sweep_fail(p, 0, err, "[train] gives both steps and epochs; one "
				  "budget, one of them");
	if (!p->have_steps && !p->have_epochs)
		return sweep_fail(p, 0, err, "[train] needs steps = N or epochs = N (the "
				  "one training budget of every job)");
	if (g->n_methods == 0) {
		g->n_methods = 1;
		g->methods[0] = RECONVENE_METHOD_DEFAULT;
	}
	if (!p->have_sparsities) {
		g->n_sparsities = 1;
		g->sparsities[0] = RECONVENE_SPARSITY_DEFAULT;
	}
	reconvene_options_init(&g->ro);
	enum eng_status st = sweep_options_apply(p, &g->ro, p->n_ropts, p->ropt_name,
						 p->ropt_value, p->ropt_line, err);
	if (st != ENG_STATUS_OK)
		return st;
	for (int i = 0; i < g->n_variants; i++) {
		struct sweep_variant *v = &g->variants[i];
		memset(v, 0, sizeof *v);
		snprintf(v->name, sizeof v->name, "%s", p->variant_names[i]);
		v->ro = g->ro;
		if (sweep_kind_from_name(v->name, &v->kind))
			continue;
		int s = -1;
		for (int j = 0; j < p->n_sections; j++)
			if (strcmp(p->sections[j].name, v->name) == 0)
				s = j;
		if (s < 0)
			return sweep_fail(p, p->variants_line, err, "variant '%s' is neither "
					  "dense, upai, reconvene, uniform nor a [variant.%s] "
					  "section", v->name, v->name);
		struct sweep_section *sec = &p->sections[s];
		if (!sec->has_kind)
			return sweep_fail(p, sec->line, err, "[variant.%s] needs kind = dense, "
					  "upai, reconvene or uniform", v->name);
		if (sec->has_match && sec->kind != SWEEP_KIND_UNIFORM)
			return sweep_fail(p, sec->line, err, "[variant.%s]: match is for "
					  "kind = uniform", v->name);
		v->kind = sec->kind;
		v->match = sec->match;
		st = sweep_options_apply(p, &v->ro, sec->n_opts, sec->opt_name,
					 sec->opt_value, sec->opt_line, err);
		if (st != ENG_STATUS_OK)
			return st;
	}
	for (int j = 0; j < p->n_sections; j++) {
		bool used = false;
		for (int i = 0; i < g->n_variants; i++)
			used |= strcmp(p->sections[j].name, g->variants[i].name) == 0;
		if (!used)
			return sweep_fail(p, p->sections[j].line, err, "[variant.%s] is not in "
					  "[sweep] variants", p->sections[j].name);
	}
	if (!g->name[0]) {
		const char *base = strrchr(p->path, '/');
		base = base ? base + 1 : p->path;
		char name[SWEEP_NAME_MAX];
		snprintf(name, sizeof name, "%s", base);
		char *dot = strrchr(name, '.');
		if (dot && dot != name)
			*dot = '\0';
		sweep_model_label(name, g->name, sizeof g->name);
	}
	if (!g->out[0]) {
		int n = p->dir[0] ? snprintf(g->out, sizeof g->out, "%s/%s.sweep", p->dir, g->name)
				  : snprintf(g->out, sizeof g->out, "%s.sweep", g->name);
		if (n < 0 || (size_t)n >= sizeof g->out)
			return sweep_fail(p, 0, err, "output path too long");
	}
	return ENG_STATUS_OK;
}

static enum eng_status sweep_on_event(void *user, const struct ini_event *ev,
				      struct eng_err *err)
{
	struct sweep_parse *p = user;
	switch (ev->kind) {
	case INI_EVENT_SECTION:
		return sweep_section_open(p, ev, err);
	case INI_EVENT_KEY:
		if (!ev->section[0])
			return sweep_fail(p, ev->line, err, "'%s' before any section (start "
					  "with [sweep])", ev->key);
		if (strcmp(ev->section, "sweep") == 0)
			return sweep_key_sweep(p, ev, err);
		if (strcmp(ev->section, "train") == 0)
			return sweep_key_train(p, ev, err);
		if (strcmp(ev->section, "measure") == 0)
			return sweep_key_measure(p, ev, err);
		if (strcmp(ev->section, "reconvene") == 0)
			return sweep_key_option(p, ev, &p->n_ropts, p->ropt_name,
						p->ropt_value, p->ropt_line, err);
		return sweep_key_variant(p, ev, err);
	case INI_EVENT_ERROR:
		return ENG_STATUS_EINVAL; /* ini_parse names file and line */
	case INI_EVENT_END:
		return sweep_finish(p, ev->line, err);
	}
	return ENG_STATUS_OK;
}

enum eng_status sweep_grid_parse(const char *text, size_t len, const char *path,
				 struct sweep_grid *g, struct eng_err *err)
{
	memset(g, 0, sizeof *g);
	struct sweep_parse *p = calloc(1, sizeof *p);
	if (!p)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	p->path = path;
	p->g = g;
	p->cur = -1;
	snprintf(g->path, sizeof g->path, "%s", path);
	const char *slash = strrchr(path, '/');
	if (slash) {
		size_t n = (size_t)(slash - path);
		if (n == 0)
			n = 1; /* "/x.grid": the root */
		if (n >= sizeof p->dir)
			n = sizeof p->dir - 1;
		memcpy(p->dir, path, n);
		p->dir[n] = '\0';
	}
	struct sweep_budget *b = &g->budget;
	b->batch = 64;
	b->lr = 0.05;
	b->momentum = 0.9;
	b->wd = 5e-4;
	b->schedule = TRAIN_SCHEDULE_COSINE;
	b->latency_ms = 100.0;
	b->latency_runs = 10;
	enum eng_status st = ini_parse(text, len, path, sweep_on_event, p, err);
	free(p);
	if (st != ENG_STATUS_OK) {
		char keep[ENG_ERR_MAX];
		snprintf(keep, sizeof keep, "%s", err->msg);
		memset(g, 0, sizeof *g);
		eng_err_set(err, st, "%s", keep);
	}
	return st;
}

enum eng_status sweep_grid_load(const char *path, struct sweep_grid *g,
				struct eng_err *err)
{
	char *text;
	size_t len;
	memset(g, 0, sizeof *g);
	enum eng_status st = fileio_read_all(path, 1u << 20, "a sweep grid", &text, &len, err);
	if (st != ENG_STATUS_OK)
		return st;
	st = sweep_grid_parse(text, len, path, g, err);
	free(text);
	return st;
}

void sweep_model_label(const char *model, char *buf, size_t len)
{
	const char *base = strrchr(model, '/');
	base = base ? base + 1 : model;
	size_t n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".cfg") == 0)
		n -= 4;
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < len; i++) {
		char c = base[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_';
		buf[o++] = ok ? c : '_';
	}
	buf[o] = '\0';
}

void sweep_job_describe(const struct sweep_grid *g, const struct sweep_job *job,
			char *buf, size_t len)
{
	const struct sweep_variant *v = &g->variants[job->variant];
	const struct sweep_budget *b = &g->budget;
	const struct reconvene_options *o = &v->ro;
	size_t n = 0;
#define SWEEP_PUT(...) do { \
		int k_ = snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__); \
		if (k_ > 0) n += (size_t)k_; \
	} while (0)
	SWEEP_PUT("model=%s kind=%s seed=%" PRIu64, g->models[job->model],
		  sweep_kind_name(v->kind), job->seed);
	if (v->kind != SWEEP_KIND_DENSE)
		SWEEP_PUT(" method=%s sparsity=%.17g tau=%.17g k=%d min_keep=%d "
			  "residual=%d sensitive_dense=%d iterations=%d samples=%d",
			  score_method_name(job->method), job->sparsity, o->tau, o->k,
			  o->min_keep, o->include_residual, o->sensitive_dense,
			  o->synflow_iterations, o->samples_per_class);
	/* Only when set, so that grids written before align keep their
	 * config hashes (and their finished results). */
	if (v->kind != SWEEP_KIND_DENSE && o->align > 1)
		SWEEP_PUT(" align=%d", o->align);
	/* Likewise issue 18's choices, and only for the kinds whose model they
	 * change (the uniform baseline matches the Reconvene model's size): an
	 * UPaI job's hash does not move with the width rule's default.  Width
	 * density is the rule before it (grids of results made with it say so
	 * in a [reconvene] section). */
	bool planned = v->kind == SWEEP_KIND_RECONVENE || v->kind == SWEEP_KIND_UNIFORM;
	/* The uniform baseline is always re-initialised (sweep_job.c): its
	 * model does not depend on keep_init. */
	if (v->kind == SWEEP_KIND_RECONVENE && o->keep_init)
		SWEEP_PUT(" keep_init=1");
	if (planned && o->width != RECONVENE_WIDTH_DENSITY)
		SWEEP_PUT(" width=%d", (int)o->width);
	if (planned && o->channels != RECONVENE_CHANNELS_SCORE)
		SWEEP_PUT(" channels=%d", (int)o->channels);
	if (v->kind == SWEEP_KIND_UNIFORM)
		SWEEP_PUT(" match=%s", v->match == SWEEP_MATCH_PARAMS ? "params" : "nonzero");
	SWEEP_PUT(" steps=%ld epochs=%d batch=%d lr=%.17g momentum=%.17g wd=%.17g "
		  "schedule=%s warmup=%ld data=%s train=%d test=%d threads=%d "
		  "latency_ms=%.17g latency_runs=%d",
		  b->steps, b->epochs, b->batch, b->lr, b->momentum, b->wd,
		  train_schedule_name(b->schedule), b->warmup, b->data, b->train_n,
		  b->test_n, b->threads, b->latency_ms, b->latency_runs);
#undef SWEEP_PUT
}

static void sweep_job_fill(const struct sweep_grid *g, struct sweep_job *j, int model,
			   int variant, int method, int sparsity, int seed)
{
	char label[SWEEP_NAME_MAX];
	sweep_model_label(g->models[model], label, sizeof label);
	memset(j, 0, sizeof *j);
	j->model = model;
	j->variant = variant;
	j->seed = g->seeds[seed];
	const struct sweep_variant *v = &g->variants[variant];
	if (v->kind == SWEEP_KIND_DENSE) {
		j->method = g->methods[0];
		snprintf(j->id, sizeof j->id, "%s-%s-s%" PRIu64, label, v->name, j->seed);
	} else {
		j->method = g->methods[method];
		j->sparsity = g->sparsities[sparsity];
		snprintf(j->id, sizeof j->id, "%s-%s-%.10g-%s-s%" PRIu64, label,
			 score_method_name(j->method), j->sparsity, v->name, j->seed);
	}
	char text[4096];
	sweep_job_describe(g, j, text, sizeof text);
	j->config_hash = hash_fnv1a_str(hash_fnv1a_init(), text);
}

enum eng_status sweep_grid_jobs(const struct sweep_grid *g, struct sweep_job **jobs,
				int *n, struct eng_err *err)
{
	int dense = 0;
	for (int v = 0; v < g->n_variants; v++)
		dense += g->variants[v].kind == SWEEP_KIND_DENSE;
	size_t per_model = (size_t)g->n_seeds * (size_t)dense +
			   (size_t)g->n_methods * (size_t)g->n_sparsities *
			   (size_t)(g->n_variants - dense) * (size_t)g->n_seeds;
	size_t total = per_model * (size_t)g->n_models;
	*jobs = malloc((total ? total : 1) * sizeof **jobs);
	*n = 0;
	if (!*jobs)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory for %zu jobs", total);
	struct sweep_job *j = *jobs;
	for (int m = 0; m < g->n_models; m++) {
		for (int v = 0; v < g->n_variants; v++)
			if (g->variants[v].kind == SWEEP_KIND_DENSE)
				for (int s = 0; s < g->n_seeds; s++)
					sweep_job_fill(g, j++, m, v, 0, 0, s);
		for (int me = 0; me < g->n_methods; me++)
			for (int sp = 0; sp < g->n_sparsities; sp++)
				for (int v = 0; v < g->n_variants; v++) {
					if (g->variants[v].kind == SWEEP_KIND_DENSE)
						continue;
					for (int s = 0; s < g->n_seeds; s++)
						sweep_job_fill(g, j++, m, v, me, sp, s);
				}
	}
	*n = (int)(j - *jobs);
	return ENG_STATUS_OK;
}

int sweep_job_find(const struct sweep_job *jobs, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(jobs[i].id, id) == 0)
			return i;
	return -1;
}
