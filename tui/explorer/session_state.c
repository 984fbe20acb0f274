#include "config.h"

#include "explorer/session_state.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/keylog.h"
#include "prune/plan.h"
#include "base/hash.h"
#include "score/score.h"

#define SESSION_STATE_MAGIC "# reconvene session"

enum eng_status session_state_init(struct session_state *st, int n_groups)
{
	memset(st, 0, sizeof *st);
	st->n_groups = n_groups;
	worker_settings_default(&st->settings);
	st->locked = calloc((size_t)(n_groups > 0 ? n_groups : 1), sizeof *st->locked);
	if (!st->locked || history_init(&st->hist, n_groups) != ENG_STATUS_OK ||
	    plan_log_init(&st->log, n_groups) != ENG_STATUS_OK) {
		session_state_done(st);
		return ENG_STATUS_ENOMEM;
	}
	return ENG_STATUS_OK;
}

void session_state_done(struct session_state *st)
{
	history_done(&st->hist);
	plan_log_done(&st->log);
	free(st->locked);
	memset(st, 0, sizeof *st);
}

uint64_t session_state_shape(const struct group_set *gs)
{
	uint64_t h = hash_fnv1a_init();
	h = hash_fnv1a_u32(h, (uint32_t)gs->n_groups);
	for (int g = 0; g < gs->n_groups; g++) {
		h = hash_fnv1a_str(h, gs->groups[g].name);
		h = hash_fnv1a_u32(h, (uint32_t)gs->groups[g].channels);
		h = hash_fnv1a_u32(h, (uint32_t)gs->groups[g].prunable);
	}
	return h;
}

bool session_state_worth(const struct session_state *st)
{
	if (st->hist.n > 1)
		return true;
	for (int g = 0; g < st->n_groups; g++)
		if (st->locked[g])
			return true;
	return false;
}

/* ---- records ------------------------------------------------------------ */

static const char *const session_focus_names[SESSION_FOCUS_COUNT] = {
	"table", "heat", "proj",
};

int session_state_header(char *buf, size_t len, const char *model,
			 const char *net, uint64_t shape)
{
	return snprintf(buf, len, SESSION_STATE_MAGIC " (docs/explorer.md)\n"
			"version %d\nmodel %s\nnet %s %016" PRIx64 "\n",
			SESSION_STATE_VERSION, model, net, shape);
}

int session_state_settings_line(char *buf, size_t len, const struct worker_settings *s)
{
	struct keylog_header h = { .sparsity = s->sparsity, .tau = s->tau,
				   .seed = (unsigned long long)s->seed };
	snprintf(h.method, sizeof h.method, "%s", score_method_name(s->method));
	char words[256];
	keylog_settings_format(&h, words, sizeof words);
	return snprintf(buf, len, "settings %s\n", words);
}

int session_state_edit_line(char *buf, size_t len, const int *keep, int n)
{
	size_t used = 0;
	int need = snprintf(buf, len, "edit");
	for (int g = 0; g < n; g++) {
		used = need >= 0 && (size_t)need < len ? (size_t)need : len;
		need += snprintf(buf + used, len - used, " %d", keep[g]);
	}
	used = (size_t)need < len ? (size_t)need : len;
	need += snprintf(buf + used, len - used, "\n");
	return need;
}

int session_state_pos_line(char *buf, size_t len, int pos)
{
	return snprintf(buf, len, "pos %d\n", pos);
}

int session_state_lock_line(char *buf, size_t len, int group, bool locked)
{
	return snprintf(buf, len, "lock %d %d\n", group, locked ? 1 : 0);
}

int session_state_view_line(char *buf, size_t len, const struct session_view *v)
{
	return snprintf(buf, len, "view cursor=%d top=%d view=%s focus=%s\n", v->cursor,
			v->top, v->view == LAYOUT_VIEW_GRID ? "grid" :
			v->view == LAYOUT_VIEW_WIDTHS ? "widths" :
			v->view == LAYOUT_VIEW_CRITERIA ? "criteria" :
			v->view == LAYOUT_VIEW_HISTORY ? "history" : "heat",
			session_focus_names[v->focus % SESSION_FOCUS_COUNT]);
}

int session_state_saved_line(char *buf, size_t len, uint64_t hash)
{
	return snprintf(buf, len, "saved %016" PRIx64 "\n", hash);
}

int session_state_measured_line(char *buf, size_t len, const struct plan_log_entry *e,
				int n_groups)
{
	const struct plan_log_figures *f = &e->fig;
	int need = snprintf(buf, len, "measured %s %.17g %.17g %llu %s %.9g %.9g %.9g "
			    "%.9g %.9g %.9g %.9g %.9g %.9g :",
			    score_method_name(e->set.method), e->set.sparsity, e->set.tau,
			    (unsigned long long)e->set.seed, plan_log_source_name(e->source),
			    f->params, f->bytes, f->macs, f->latency_ms, f->latency_lo,
			    f->latency_hi, f->accuracy, f->acc_lo, f->acc_hi);
	for (int g = 0; g < n_groups; g++) {
		size_t used = need >= 0 && (size_t)need < len ? (size_t)need : len;
		need += snprintf(buf + used, len - used, " %d", e->keep[g]);
	}
	size_t used = need >= 0 && (size_t)need < len ? (size_t)need : len;
	need += snprintf(buf + used, len - used, "\n");
	return need;
}

/* ---- the whole state ---------------------------------------------------- */

size_t session_state_line_max(int n_groups)
{
	/* The header's model (255) and net (63) and every keep count as
	 * " -2147483648" fit in this. */
	return 640 + 12 * (size_t)(n_groups > 0 ? n_groups : 1);
}

/* Text growing by whole records. */
struct session_text {
	char *buf, *line;
	size_t len, cap, line_cap;
	bool oom;
};

static void session_text_add(struct session_text *t, int n)
{
	if (t->oom || n < 0 || (size_t)n >= t->line_cap) {
		t->oom = true;
		return;
	}
	if (t->cap - t->len < (size_t)n + 1) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap - t->len < (size_t)n + 1)
			cap *= 2;
		char *b = realloc(t->buf, cap);
		if (!b) {
			t->oom = true;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, t->line, (size_t)n);
	t->len += (size_t)n;
	t->buf[t->len] = '\0';
}

enum eng_status session_state_format(const struct session_state *st, char **text,
				     size_t *out_len)
{
	struct session_text t = { .line_cap = session_state_line_max(st->n_groups) };
	t.line = malloc(t.line_cap);
	t.oom = !t.line;
	char *l = t.line;
	size_t c = t.line_cap;
	if (!t.oom) {
		session_text_add(&t, session_state_header(l, c, st->model, st->net,
							  st->shape));
		session_text_add(&t, session_state_settings_line(l, c, &st->settings));
		for (int i = 0; i < st->hist.n; i++)
			session_text_add(&t, session_state_edit_line(l, c, st->hist.v[i],
								     st->n_groups));
		session_text_add(&t, session_state_pos_line(l, c, st->hist.pos));
		for (int g = 0; g < st->n_groups; g++)
			if (st->locked[g])
				session_text_add(&t, session_state_lock_line(l, c, g, true));
		session_text_add(&t, session_state_view_line(l, c, &st->view));
		session_text_add(&t, session_state_saved_line(l, c, st->saved_hash));
		for (int i = 0; i < st->log.n; i++)
			session_text_add(&t, session_state_measured_line(l, c, &st->log.e[i],
									 st->n_groups));
	}
	free(t.line);
	if (t.oom) {
		free(t.buf);
		*text = NULL;
		*out_len = 0;
		return ENG_STATUS_ENOMEM;
	}
	*text = t.buf;
	*out_len = t.len;
	return ENG_STATUS_OK;
}

/* ---- parsing ------------------------------------------------------------ */

struct session_parse {
	const struct group_set *gs;
	const char *net_name;
	int n_rows, min_keep;
	struct session_state *st;
	bool have_version, have_net;
	int *keep; /* scratch, n_groups */
};

static bool session_int(const char *s, long lo, long hi, int *out)
{
	long v;
	if (!keylog_int(s, lo, hi, &v))
		return false;
	*out = (int)v;
	return true;
}

static bool session_hex64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (strlen(s) != 16 || s[0] == '-' || s[0] == '+')
		return false;
	unsigned long long v = strtoull(s, &end, 16);
	if (*end || errno)
		return false;
	*out = (uint64_t)v;
	return true;
}

/* n_groups keep counts from strtok_r's save position into p->keep;
 * measured: for the "measured" record's messages, else "edit"'s. */
static const char *session_keep(struct session_parse *p, char *rest, char **save,
				bool measured)
{
	const struct group_set *gs = p->gs;
	int g = 0;
	for (char *tok = strtok_r(rest, " \t", save); tok;
	     tok = strtok_r(NULL, " \t", save), g++) {
		if (g >= gs->n_groups)
			return measured ? "measured: more keep counts than the model has groups"
					: "edit: more keep counts than the model has groups";
		const struct group *gr = &gs->groups[g];
		if (!session_int(tok, 0, gr->channels, &p->keep[g]) ||
		    !plan_keep_allowed(gr, p->keep[g], p->min_keep))
			return measured ? "measured: a keep count outside its group's range"
					: "edit: a keep count outside its group's range";
	}
	if (g != gs->n_groups)
		return measured ? "measured: fewer keep counts than the model has groups"
				: "edit: fewer keep counts than the model has groups";
	return NULL;
}

static const char *session_edit(struct session_parse *p, char *rest)
{
	char *save = NULL;
	const char *why = session_keep(p, rest, &save, false);
	if (why)
		return why;
	if (!history_push(&p->st->hist, p->keep))
		return "out of memory";
	return NULL;
}

/* A figure: "nan" or a finite number in [lo, hi]. */
static bool session_figure(const char *s, double lo, double hi, double *out)
{
	if (!strcmp(s, "nan")) {
		*out = NAN;
		return true;
	}
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static const char *session_measured(struct session_parse *p, char *rest)
{
	char *save = NULL;
	char *tok[14];
	for (int i = 0; i < 14; i++)
		if (!(tok[i] = strtok_r(i ? NULL : rest, " \t", &save)))
			return "measured: expected method, sparsity, tau, seed, source, "
			       "9 figures, ':' and the keep counts";
	char *colon = strtok_r(NULL, " \t", &save);
	if (!colon || strcmp(colon, ":") != 0)
		return "measured: expected ':' before the keep counts";
	struct plan_log_setting set = { 0 };
	enum plan_log_source src;
	char *end;
	if (!score_method_from_name(tok[0], &set.method))
		return "measured: unknown method";
	if (!session_figure(tok[1], 0, 1, &set.sparsity) || !(set.sparsity < 1.0) ||
	    !session_figure(tok[2], 0, 1, &set.tau) || isnan(set.sparsity) || isnan(set.tau))
		return "measured: sparsity or tau outside [0, 1)";
	errno = 0;
	unsigned long long seed = strtoull(tok[3], &end, 10);
	if (end == tok[3] || *end || errno || tok[3][0] == '-')
		return "measured: the seed is not a whole number";
	set.seed = seed;
	if (!plan_log_source_from_name(tok[4], &src))
		return "measured: the source is edit or auto";
	struct plan_log_figures f;
	double *fig[9] = { &f.params, &f.bytes, &f.macs, &f.latency_ms, &f.latency_lo,
			   &f.latency_hi, &f.accuracy, &f.acc_lo, &f.acc_hi };
	for (int i = 0; i < 9; i++)
		if (!session_figure(tok[5 + i], 0, i >= 6 ? 1 : 1e300, fig[i]))
			return "measured: a figure that is not nan, a number >= 0, "
			       "or an accuracy in [0, 1]";
	const char *why = session_keep(p, NULL, &save, true);
	if (why)
		return why;
	if (plan_log_note(&p->st->log, p->keep, &set, &f, src) < 0)
		return "out of memory";
	return NULL;
}

static const char *session_view(struct session_parse *p, char *rest)
{
	struct session_view v = { 0 };
	int have = 0;
	char *save = NULL;
	for (char *tok = strtok_r(rest, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return "view: expected key=value";
		*eq = '\0';
		const char *val = eq + 1;
		int max = p->n_rows > 0 ? p->n_rows - 1 : 0;
		if (!strcmp(tok, "cursor") && session_int(val, 0, max, &v.cursor)) {
			have |= 1;
		} else if (!strcmp(tok, "top") && session_int(val, 0, max, &v.top)) {
			have |= 2;
		} else if (!strcmp(tok, "view") && (!strcmp(val, "heat") || !strcmp(val, "grid") ||
						     !strcmp(val, "widths") || !strcmp(val, "criteria") ||
						     !strcmp(val, "history"))) {
			v.view = !strcmp(val, "grid") ? LAYOUT_VIEW_GRID :
				 !strcmp(val, "widths") ? LAYOUT_VIEW_WIDTHS :
				 !strcmp(val, "criteria") ? LAYOUT_VIEW_CRITERIA :
				 !strcmp(val, "history") ? LAYOUT_VIEW_HISTORY : LAYOUT_VIEW_HEAT;
			have |= 4;
		} else if (!strcmp(tok, "focus")) {
			int f = 0;
			while (f < SESSION_FOCUS_COUNT && strcmp(val, session_focus_names[f]))
				f++;
			if (f == SESSION_FOCUS_COUNT)
				return "view: focus is table, heat or proj";
			v.focus = (enum session_focus)f;
			have |= 8;
		} else {
			return "view: cursor, top (rows of the table), view (heat, grid, widths, criteria, history), focus";
		}
	}
	if (have != 15)
		return "view: needs cursor, top, view and focus";
	p->st->view = v;
	return NULL;
}

static const char *session_settings(struct session_parse *p, char *rest)
{
	struct keylog_header h = { 0 };
	const char *why = keylog_settings_parse(rest, &h);
	if (why)
		return why;
	struct worker_settings *s = &p->st->settings;
	if (!score_method_from_name(h.method, &s->method))
		return "settings: unknown method";
	if (!(h.sparsity < 1.0))
		return "settings: sparsity is in [0, 1)";
	s->sparsity = h.sparsity;
	s->tau = h.tau;
	s->seed = h.seed;
	p->st->has_settings = true;
	return NULL;
}

/* One line, NUL-terminated and writable.  NULL or what is wrong. */
static const char *session_line(struct session_parse *p, char *line)
{
	struct session_state *st = p->st;
	if (*line == '\0' || *line == '#')
		return NULL;
	char *rest = line + strcspn(line, " \t");
	if (*rest)
		*rest++ = '\0';
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (!p->have_version) {
		int v;
		if (strcmp(line, "version") != 0)
			return "not a session file (no version line)";
		if (!session_int(rest, 1, 1000000, &v) || v != SESSION_STATE_VERSION)
			return "a session of another version of reconvene";
		p->have_version = true;
		return NULL;
	}
	if (!strcmp(line, "model")) {
		snprintf(st->model, sizeof st->model, "%s", rest);
		return NULL;
	}
	if (!strcmp(line, "net")) {
		char *hash = strrchr(rest, ' ');
		if (!hash || !session_hex64(hash + 1, &st->shape))
			return "net: expected a name and a 16-digit hash";
		*hash = '\0';
		if (strcmp(rest, p->net_name) != 0 || st->shape != session_state_shape(p->gs))
			return "the session is for another model";
		snprintf(st->net, sizeof st->net, "%s", rest);
		p->have_net = true;
		return NULL;
	}
	if (!p->have_net)
		return "records before the net line";
	if (!strcmp(line, "settings"))
		return session_settings(p, rest);
	if (!strcmp(line, "edit"))
		return session_edit(p, rest);
	if (!strcmp(line, "measured"))
		return session_measured(p, rest);
	if (st->hist.n == 0)
		return "no edit line before this one";
	if (!strcmp(line, "pos"))
		return session_int(rest, 0, st->hist.n - 1, &st->hist.pos)
			       ? NULL : "pos: not an entry of the history";
	if (!strcmp(line, "lock")) {
		char *sp = strchr(rest, ' ');
		int g, on;
		if (!sp)
			return "lock: expected a group and 0 or 1";
		*sp = '\0';
		if (!session_int(rest, 0, p->gs->n_groups - 1, &g) ||
		    !session_int(sp + 1, 0, 1, &on) || !p->gs->groups[g].prunable)
			return "lock: not a prunable group, or not 0 or 1";
		st->locked[g] = on;
		return NULL;
	}
	if (!strcmp(line, "view"))
		return session_view(p, rest);
	if (!strcmp(line, "saved"))
		return session_hex64(rest, &st->saved_hash) ? NULL
			: "saved: expected a 16-digit hash";
	return "unknown record (settings edit pos lock view saved measured)";
}

enum eng_status session_state_parse(const char *text, size_t len, const char *name,
				    const char *net_name, const struct group_set *gs,
				    int n_rows, int min_keep,
				    struct session_state *st, struct eng_err *err)
{
	if (session_state_init(st, gs->n_groups) != ENG_STATUS_OK) {
		eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", name);
		return ENG_STATUS_ENOMEM;
	}
	struct session_parse p = { .gs = gs, .net_name = net_name, .n_rows = n_rows,
				   .min_keep = min_keep < 1 ? 1 : min_keep, .st = st };
	p.keep = calloc((size_t)(gs->n_groups > 0 ? gs->n_groups : 1), sizeof *p.keep);
	char *line = malloc(len + 1);
	enum eng_status rc = ENG_STATUS_OK;
	if (!p.keep || !line) {
		eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", name);
		rc = ENG_STATUS_ENOMEM;
		goto out;
	}
	const char *why = NULL;
	int lineno = 0;
	size_t at = 0;
	if (len < strlen(SESSION_STATE_MAGIC) ||
	    memcmp(text, SESSION_STATE_MAGIC, strlen(SESSION_STATE_MAGIC)) != 0) {
		why = "not a session file";
		lineno = 1;
	}
	while (!why && at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		lineno++;
		if (!nl) {
			/* The writer died in the middle of this record. */
			st->dropped_tail = 1;
			break;
		}
		size_t n = (size_t)(nl - (text + at));
		if (memchr(text + at, '\0', n)) {
			why = "a NUL byte";
			break;
		}
		memcpy(line, text + at, n);
		line[n] = '\0';
		at += n + 1;
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
			line[--n] = '\0';
		why = session_line(&p, line);
	}
	if (!why && (!p.have_net || st->hist.n == 0)) {
		why = "incomplete: no net or no edit line";
		lineno++;
	}
	if (why) {
		eng_err_set(err, ENG_STATUS_EINVAL, "%s:%d: %s", name, lineno, why);
		rc = ENG_STATUS_EINVAL;
	}
out:
	free(p.keep);
	free(line);
	return rc;
}
