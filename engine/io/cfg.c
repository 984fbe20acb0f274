/* cfg.c: model description files to and from net specs.
 *
 * Parsing is one pass over the ini.c events.  A layer's conf is built in
 * p->cur while its section is open and appended to the spec when the next
 * section (or the end) closes it, because its default name and the
 * resolution of its input references need the whole section.  References
 * to names not yet seen are kept in p->refs and resolved at the end, so the
 * message can tell a forward reference from an unknown name.
 *
 * Numbers are read and written in the "C" numeric locale (uselocale), so a
 * TUI that calls setlocale(LC_ALL, "") in a decimal-comma locale still reads
 * and writes "momentum = 0.1".
 */
#include "config.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/cfg.h"
#include "base/fileio.h"
#include "base/hash.h"
#include "base/textbuf.h"
#include "io/ini.h"

#define CFG_FILE_MAX ((size_t)16 << 20)
#define CFG_LAYERS_MAX 65536
#define CFG_WARNINGS_MAX 100
#define CFG_DIM_MAX 65536              /* each of C, H, W */
#define CFG_INPUT_MAX ((long)1 << 28)  /* C*H*W floats per sample */
#define CFG_CLASSES_MAX (1 << 20)
#define CFG_OUT_MAX 65536
#define CFG_KERNEL_MAX 64
#define CFG_GROUPS_MAX 65536

enum cfg_key {
	CFG_KEY_NAME,
	CFG_KEY_INPUT,
	CFG_KEY_CLASSES,
	CFG_KEY_OUT,
	CFG_KEY_SIZE,
	CFG_KEY_STRIDE,
	CFG_KEY_PAD,
	CFG_KEY_GROUPS,
	CFG_KEY_BIAS,
	CFG_KEY_EPS,
	CFG_KEY_MOMENTUM,
	CFG_KEY_CLIP,
	CFG_KEY_FROM,
	CFG_KEY_COUNT
};

static const char *const cfg_key_names[CFG_KEY_COUNT] = {
	[CFG_KEY_NAME] = "name",
	[CFG_KEY_INPUT] = "input",
	[CFG_KEY_CLASSES] = "classes",
	[CFG_KEY_OUT] = "out",
	[CFG_KEY_SIZE] = "size",
	[CFG_KEY_STRIDE] = "stride",
	[CFG_KEY_PAD] = "pad",
	[CFG_KEY_GROUPS] = "groups",
	[CFG_KEY_BIAS] = "bias",
	[CFG_KEY_EPS] = "eps",
	[CFG_KEY_MOMENTUM] = "momentum",
	[CFG_KEY_CLIP] = "clip",
	[CFG_KEY_FROM] = "from",
};

#define CFG_BIT(k) (1u << (k))

/* The keys a section reads; anything else earns a warning.  The writer
 * emits exactly these (minus name/input, which it handles itself) in this
 * enum order, so this table is the single source of the format. */
static unsigned cfg_kind_keys(enum layer_kind kind)
{
	unsigned common = CFG_BIT(CFG_KEY_NAME) | CFG_BIT(CFG_KEY_INPUT);
	switch (kind) {
	case LAYER_KIND_CONV:
		return common | CFG_BIT(CFG_KEY_OUT) | CFG_BIT(CFG_KEY_SIZE) |
		       CFG_BIT(CFG_KEY_STRIDE) | CFG_BIT(CFG_KEY_PAD) |
		       CFG_BIT(CFG_KEY_GROUPS) | CFG_BIT(CFG_KEY_BIAS);
	case LAYER_KIND_BN:
		return common | CFG_BIT(CFG_KEY_EPS) | CFG_BIT(CFG_KEY_MOMENTUM);
	case LAYER_KIND_RELU:
		return common | CFG_BIT(CFG_KEY_CLIP);
	case LAYER_KIND_MAXPOOL:
	case LAYER_KIND_AVGPOOL:
		return common | CFG_BIT(CFG_KEY_SIZE) | CFG_BIT(CFG_KEY_STRIDE) |
		       CFG_BIT(CFG_KEY_PAD);
	case LAYER_KIND_LINEAR:
		return common | CFG_BIT(CFG_KEY_OUT) | CFG_BIT(CFG_KEY_BIAS);
	case LAYER_KIND_ADD:
		return common | CFG_BIT(CFG_KEY_FROM);
	case LAYER_KIND_GAP:
	case LAYER_KIND_FLATTEN:
	case LAYER_KIND_COUNT:
		break;
	}
	return common;
}

static const unsigned cfg_net_keys =
	CFG_BIT(CFG_KEY_NAME) | CFG_BIT(CFG_KEY_INPUT) | CFG_BIT(CFG_KEY_CLASSES);

static int cfg_key_find(const char *key)
{
	for (int k = 0; k < CFG_KEY_COUNT; k++) {
		if (strcmp(cfg_key_names[k], key) == 0)
			return k;
	}
	return -1;
}

/* ---- names ------------------------------------------------------------ */

static bool cfg_char_name(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* Layer names: [A-Za-z0-9_.-]+, not "data" and not starting with '-' (both
 * would read back as references of another kind). */
static bool cfg_layer_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= LAYER_NAME_MAX || s[0] == '-' || strcmp(s, "data") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!cfg_char_name(s[i]))
			return false;
	}
	return true;
}

/* Net names are display text: anything printable except '"', no blanks at
 * either end (the tokenizer would trim them away on the way back). */
static bool cfg_net_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= NET_NAME_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '"')
			return false;
	}
	return true;
}

void cfg_net_name_from_path(char dst[NET_NAME_MAX], const char *path,
			    const char *ext)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base), e = strlen(ext);
	if (n > e && strcmp(base + n - e, ext) == 0)
		n -= e;
	if (n >= NET_NAME_MAX) {
		n = NET_NAME_MAX - 1;
		/* Do not leave half a UTF-8 sequence at the end. */
		while (n > 0 && ((unsigned char)base[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)base[i];
		dst[i] = (c < 0x20 || c == 0x7f || c == '"') ? '_' : (char)c;
	}
	dst[n] = '\0';
	while (n > 0 && dst[n - 1] == ' ')
		dst[--n] = '\0';
	size_t lead = strspn(dst, " ");
	memmove(dst, dst + lead, n - lead + 1);
	if (!dst[0])
		snprintf(dst, NET_NAME_MAX, "model");
}

/* ---- name index: open addressing over layer indices ------------------- */

struct cfg_names {
	int *slot;      /* layer index, -1 = empty */
	size_t cap;     /* power of two */
	size_t used;
};

static size_t cfg_names_hash(const char *s)
{
	return (size_t)hash_fnv1a_str(hash_fnv1a_init(), s);
}

static int cfg_names_find(const struct cfg_names *t,
			  const struct net_spec *spec, const char *name)
{
	if (!t->cap)
		return -1;
	for (size_t i = cfg_names_hash(name) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (t->slot[i] < 0)
			return -1;
		if (strcmp(spec->layers[t->slot[i]].name, name) == 0)
			return t->slot[i];
	}
}

static bool cfg_names_add(struct cfg_names *t, const struct net_spec *spec, int idx)
{
	if (2 * (t->used + 1) > t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		int *slot = malloc(cap * sizeof *slot);
		if (!slot)
			return false;
		for (size_t i = 0; i < cap; i++)
			slot[i] = -1;
		for (size_t j = 0; j < t->cap; j++) {
			if (t->slot[j] < 0)
				continue;
			size_t i = cfg_names_hash(spec->layers[t->slot[j]].name) & (cap - 1);
			while (slot[i] >= 0)
				i = (i + 1) & (cap - 1);
			slot[i] = t->slot[j];
		}
		free(t->slot);
		t->slot = slot;
		t->cap = cap;
	}
	size_t i = cfg_names_hash(spec->layers[idx].name) & (t->cap - 1);
	while (t->slot[i] >= 0)
		i = (i + 1) & (t->cap - 1);
	t->slot[i] = idx;
	t->used++;
	return true;
}

/* ---- parser state ------------------------------------------------------ */

/* A reference by name that was not known when its section closed. */
struct cfg_ref {
	int layer;                  /* the referring layer */
	int slot;                   /* 0 = input, 1 = from */
	int line;
	char name[LAYER_NAME_MAX];
};

enum cfg_where { CFG_WHERE_NONE, CFG_WHERE_NET, CFG_WHERE_LAYER };

struct cfg_parser {
	const char *path;
	struct net_spec *spec;
	struct eng_warn warn;             /* net_spec_warn_sink(spec) */
	int n_warned;                     /* lines sent to warn */
	enum cfg_where where;
	bool have_net;
	int net_line;
	int key_line[CFG_KEY_COUNT];      /* line a key was set in the open section */
	/* The open layer section. */
	struct layer_spec cur;
	char cur_ref[LAYER_MAX_INPUTS][LAYER_NAME_MAX]; /* "" = not by name */
	int cur_off[LAYER_MAX_INPUTS];    /* offset (< 0), or 0 = data/by name/default */
	bool cur_data[LAYER_MAX_INPUTS];
	struct cfg_names names;
	struct cfg_ref *refs;             /* unresolved names */
	size_t n_refs, refs_cap;
};

static enum eng_status cfg_fail(struct cfg_parser *p, struct eng_err *err,
				int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum eng_status cfg_fail(struct cfg_parser *p, struct eng_err *err,
				int line, const char *fmt, ...)
{
	char msg[ENG_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return eng_err_set(err, ENG_STATUS_EINVAL, "%s:%d: %s", p->path, line, msg);
}

static enum eng_status cfg_oom(struct cfg_parser *p, struct eng_err *err)
{
	return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", p->path);
}

static enum eng_status cfg_warn(struct cfg_parser *p, struct eng_err *err,
				int line, const char *key, const char *section)
{
	if (p->n_warned < CFG_WARNINGS_MAX)
		eng_warn_emit(&p->warn, "%s:%d: unknown key '%.64s' in [%s]",
			      p->path, line, key, section);
	else if (p->n_warned == CFG_WARNINGS_MAX)
		eng_warn_emit(&p->warn, "%s:%d: more unknown keys; further warnings suppressed",
			      p->path, line);
	else
		return ENG_STATUS_OK;
	p->n_warned++;
	/* The spec's sink drops a line it has no memory for. */
	return p->spec->n_warnings == p->n_warned ? ENG_STATUS_OK : cfg_oom(p, err);
}

/* ---- values ----------------------------------------------------------- */

/* A whole-string base-10 integer in [lo, hi]; on failure *why says what. */
static bool cfg_int_parse(const char *s, long lo, long hi, long *out, const char **why)
{
	if (!*s) {
		*why = "missing value";
		return false;
	}
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end) {
		*why = "not an integer";
		return false;
	}
	if (errno == ERANGE || v < lo || v > hi) {
		*why = "out of range";
		return false;
	}
	*out = v;
	return true;
}

static bool cfg_float_parse(const char *s, float lo, float hi, float *out,
			    const char **why)
{
	if (!*s) {
		*why = "missing value";
		return false;
	}
	char *end;
	errno = 0;
	float v = strtof(s, &end);
	if (end == s || *end) {
		*why = "not a number";
		return false;
	}
	if (errno == ERANGE || !isfinite(v) || !(v >= lo && v <= hi)) {
		*why = "out of range";
		return false;
	}
	*out = v;
	return true;
}

static enum eng_status cfg_int_key(struct cfg_parser *p, struct eng_err *err,
				   const struct ini_event *ev, long lo, long hi, int *dst)
{
	long v;
	const char *why;
	if (!cfg_int_parse(ev->value, lo, hi, &v, &why))
		return cfg_fail(p, err, ev->line, "%s: %s = '%.40s' (want an integer %ld..%ld)",
				why, ev->key, ev->value, lo, hi);
	*dst = (int)v;
	return ENG_STATUS_OK;
}

static enum eng_status cfg_float_key(struct cfg_parser *p, struct eng_err *err,
				     const struct ini_event *ev, float lo, float hi,
				     const char *want, float *dst)
{
	const char *why;
	if (!cfg_float_parse(ev->value, lo, hi, dst, &why))
		return cfg_fail(p, err, ev->line, "%s: %s = '%.40s' (want %s)",
				why, ev->key, ev->value, want);
	return ENG_STATUS_OK;
}

static enum eng_status cfg_bool_key(struct cfg_parser *p, struct eng_err *err,
				    const struct ini_event *ev, int *dst)
{
	const char *v = ev->value;
	if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
		*dst = 1;
	else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
		*dst = 0;
	else
		return cfg_fail(p, err, ev->line, "%s = '%.40s': want 0 or 1",
				ev->key, v);
	return ENG_STATUS_OK;
}

/* "N" (every side) or four integers "top left bottom right", ONNX's order
 * of its pads attribute, separated by blanks and/or commas. */
static enum eng_status cfg_pad_key(struct cfg_parser *p, struct eng_err *err,
				   const struct ini_event *ev, struct layer_pad *dst)
{
	long v[4];
	int n = 0;
	const char *s = ev->value;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (!*s)
			break;
		if (n == 4)
			return cfg_fail(p, err, ev->line,
					"pad = '%.40s': want N or four integers (top left bottom right)",
					ev->value);
		char tok[24];
		size_t len = strcspn(s, " \t,");
		if (len >= sizeof tok)
			return cfg_fail(p, err, ev->line, "out of range: pad = '%.40s' (want integers 0..%d)",
					ev->value, CFG_KERNEL_MAX);
		memcpy(tok, s, len);
		tok[len] = '\0';
		s += strcspn(s, " \t,");
		const char *why;
		if (!cfg_int_parse(tok, 0, CFG_KERNEL_MAX, &v[n], &why))
			return cfg_fail(p, err, ev->line, "%s: pad = '%.40s' (want integers 0..%d)",
					why, ev->value, CFG_KERNEL_MAX);
		n++;
	}
	if (n == 1) {
		*dst = layer_pad_all((int)v[0]);
		return ENG_STATUS_OK;
	}
	if (n != 4)
		return cfg_fail(p, err, ev->line,
				"pad = '%.40s': want N or four integers (top left bottom right)",
				ev->value);
	*dst = (struct layer_pad){ (int)v[0], (int)v[1], (int)v[2], (int)v[3] };
	return ENG_STATUS_OK;
}

/* "3x32x32" (blanks around the x allowed). */
static enum eng_status cfg_shape_key(struct cfg_parser *p, struct eng_err *err,
				     const struct ini_event *ev, struct shape *dst)
{
	long dim[3];
	const char *s = ev->value;
	for (int i = 0; i < 3; i++) {
		char *end;
		while (*s == ' ' || *s == '\t')
			s++;
		errno = 0;
		if (!(*s >= '0' && *s <= '9'))
			goto bad;
		dim[i] = strtol(s, &end, 10);
		if (errno == ERANGE || dim[i] < 1 || dim[i] > CFG_DIM_MAX)
			goto bad;
		s = end;
		while (*s == ' ' || *s == '\t')
			s++;
		if (i < 2 && *s++ != 'x')
			goto bad;
	}
	if (*s)
		goto bad;
	if ((long long)dim[0] * dim[1] * dim[2] > CFG_INPUT_MAX)
		return cfg_fail(p, err, ev->line, "input = %.40s is too large (at most %ld values)",
				ev->value, CFG_INPUT_MAX);
	dst->c = (int)dim[0];
	dst->h = (int)dim[1];
	dst->w = (int)dim[2];
	return ENG_STATUS_OK;
bad:
	return cfg_fail(p, err, ev->line,
			"input = '%.40s': want CxHxW with each of 1..%d, e.g. 3x32x32",
			ev->value, CFG_DIM_MAX);
}

/* input/from of the open layer: a name, a negative offset, or "data". */
static enum eng_status cfg_ref_key(struct cfg_parser *p, struct eng_err *err,
				   const struct ini_event *ev, int slot)
{
	const char *v = ev->value;
	int self = p->spec->n_layers;
	p->cur_ref[slot][0] = '\0';
	p->cur_off[slot] = 0;
	p->cur_data[slot] = false;
	if (!*v)
		return cfg_fail(p, err, ev->line,
				"missing value: %s = <layer name, negative offset or data>", ev->key);
	if (strcmp(v, "data") == 0) {
		p->cur_data[slot] = true;
		return ENG_STATUS_OK;
	}
	if (v[0] == '-' || v[0] == '+') {
		long off;
		const char *why;
		if (!cfg_int_parse(v, -(long)CFG_LAYERS_MAX, -1, &off, &why))
			return cfg_fail(p, err, ev->line,
					"%s = '%.40s': an offset must be a negative integer (-1 = previous layer)",
					ev->key, v);
		if (self + off < 0)
			return cfg_fail(p, err, ev->line,
					"%s = %ld reaches before the first layer (this is layer %d; use 'data' for the net input)",
					ev->key, off, self);
		p->cur_off[slot] = (int)off;
		return ENG_STATUS_OK;
	}
	if (!cfg_layer_name_valid(v))
		return cfg_fail(p, err, ev->line,
				"%s = '%.40s': not a layer name, a negative offset or 'data'",
				ev->key, v);
	memcpy(p->cur_ref[slot], v, strlen(v) + 1);
	return ENG_STATUS_OK;
}

/* ---- sections ------------------------------------------------------------ */

static enum eng_status cfg_net_close(struct cfg_parser *p, struct eng_err *err)
{
	if (!p->key_line[CFG_KEY_INPUT])
		return cfg_fail(p, err, p->net_line, "[net] needs input = CxHxW");
	if (!p->key_line[CFG_KEY_CLASSES])
		return cfg_fail(p, err, p->net_line, "[net] needs classes = N");
	return ENG_STATUS_OK;
}

static enum eng_status cfg_ref_defer(struct cfg_parser *p, struct eng_err *err,
				     int slot, int line)
{
	if (p->n_refs == p->refs_cap) {
		size_t cap = p->refs_cap ? 2 * p->refs_cap : 16;
		struct cfg_ref *grown = realloc(p->refs, cap * sizeof *grown);
		if (!grown)
			return cfg_oom(p, err);
		p->refs = grown;
		p->refs_cap = cap;
	}
	struct cfg_ref *r = &p->refs[p->n_refs++];
	r->layer = p->spec->n_layers;
	r->slot = slot;
	r->line = line;
	memcpy(r->name, p->cur_ref[slot], sizeof r->name);
	return ENG_STATUS_OK;
}

static enum eng_status cfg_layer_close(struct cfg_parser *p, struct eng_err *err)
{
	struct layer_spec *ls = &p->cur;
	const char *kind = layer_kind_name(ls->kind);
	int self = p->spec->n_layers;
	if (!p->key_line[CFG_KEY_NAME])
		snprintf(ls->name, sizeof ls->name, "%s%d", kind, self);
	int name_line = p->key_line[CFG_KEY_NAME] ? p->key_line[CFG_KEY_NAME] : ls->line;
	int dup = cfg_names_find(&p->names, p->spec, ls->name);
	if (dup >= 0)
		return cfg_fail(p, err, name_line,
				"duplicate layer name '%s' (first at line %d)",
				ls->name, p->spec->layers[dup].line);
	if ((ls->kind == LAYER_KIND_CONV || ls->kind == LAYER_KIND_LINEAR) &&
	    !p->key_line[CFG_KEY_OUT])
		return cfg_fail(p, err, ls->line, "[%s] needs out = N", kind);
	if (ls->kind == LAYER_KIND_ADD && !p->key_line[CFG_KEY_FROM])
		return cfg_fail(p, err, ls->line,
				"[add] needs from = <layer> (its second input)");
	ls->n_in = ls->kind == LAYER_KIND_ADD ? 2 : 1;
	for (int k = 0; k < ls->n_in; k++) {
		int line = p->key_line[k == 0 ? CFG_KEY_INPUT : CFG_KEY_FROM];
		if (p->cur_data[k]) {
			ls->in_idx[k] = -1;
		} else if (p->cur_off[k]) {
			ls->in_idx[k] = self + p->cur_off[k];
		} else if (p->cur_ref[k][0]) {
			if (strcmp(p->cur_ref[k], ls->name) == 0)
				return cfg_fail(p, err, line, "layer '%s' cannot take its own output",
						ls->name);
			int idx = cfg_names_find(&p->names, p->spec, p->cur_ref[k]);
			if (idx >= 0) {
				ls->in_idx[k] = idx;
			} else {
				ls->in_idx[k] = -1; /* fixed up at the end */
				enum eng_status st = cfg_ref_defer(p, err, k, line);
				if (st != ENG_STATUS_OK)
					return st;
			}
		} else {
			ls->in_idx[k] = self - 1; /* the previous layer, or data */
		}
	}
	if (net_spec_append(p->spec, ls) != ENG_STATUS_OK)
		return cfg_oom(p, err);
	if (!cfg_names_add(&p->names, p->spec, self))
		return cfg_oom(p, err);
	return ENG_STATUS_OK;
}

static enum eng_status cfg_section_close(struct cfg_parser *p, struct eng_err *err)
{
	switch (p->where) {
	case CFG_WHERE_NET:
		return cfg_net_close(p, err);
	case CFG_WHERE_LAYER:
		return cfg_layer_close(p, err);
	case CFG_WHERE_NONE:
		break;
	}
	return ENG_STATUS_OK;
}

static enum eng_status cfg_section_open(struct cfg_parser *p, struct eng_err *err,
					const struct ini_event *ev)
{
	enum eng_status st = cfg_section_close(p, err);
	if (st != ENG_STATUS_OK)
		return st;
	memset(p->key_line, 0, sizeof p->key_line);
	if (strcmp(ev->section, "net") == 0) {
		if (p->have_net && p->spec->n_layers > 0)
			return cfg_fail(p, err, ev->line,
					"[net] after layers (only one [net], at the top)");
		if (p->have_net)
			return cfg_fail(p, err, ev->line,
					"duplicate [net] (first at line %d)", p->net_line);
		p->have_net = true;
		p->net_line = ev->line;
		p->where = CFG_WHERE_NET;
		return ENG_STATUS_OK;
	}
	enum layer_kind kind;
	if (!layer_kind_from_name(ev->section, &kind))
		return cfg_fail(p, err, ev->line,
				"unknown section [%.40s] (want net, conv, bn, relu, maxpool, avgpool, gap, flatten, linear or add)",
				ev->section);
	if (!p->have_net)
		return cfg_fail(p, err, ev->line,
				"[%s] before [net]: the file must start with [net]",
				ev->section);
	if (p->spec->n_layers >= CFG_LAYERS_MAX)
		return cfg_fail(p, err, ev->line, "too many layers (at most %d)",
				CFG_LAYERS_MAX);
	memset(&p->cur, 0, sizeof p->cur);
	p->cur.kind = kind;
	p->cur.line = ev->line;
	layer_conf_defaults(kind, &p->cur.conf);
	memset(p->cur_ref, 0, sizeof p->cur_ref);
	memset(p->cur_off, 0, sizeof p->cur_off);
	memset(p->cur_data, 0, sizeof p->cur_data);
	p->where = CFG_WHERE_LAYER;
	return ENG_STATUS_OK;
}

static enum eng_status cfg_net_key(struct cfg_parser *p, struct eng_err *err,
				   const struct ini_event *ev, int key)
{
	struct net_spec *spec = p->spec;
	switch (key) {
	case CFG_KEY_NAME:
		if (!cfg_net_name_valid(ev->value))
			return cfg_fail(p, err, ev->line,
					"invalid net name '%.40s' (1..%d printable characters, no '\"')",
					ev->value, NET_NAME_MAX - 1);
		memcpy(spec->name, ev->value, strlen(ev->value) + 1);
		return ENG_STATUS_OK;
	case CFG_KEY_INPUT:
		return cfg_shape_key(p, err, ev, &spec->input);
	case CFG_KEY_CLASSES:
		return cfg_int_key(p, err, ev, 1, CFG_CLASSES_MAX, &spec->classes);
	default:
		break;
	}
	ENG_ASSERT(!"key not in cfg_net_keys");
	return ENG_STATUS_EINVAL;
}

static enum eng_status cfg_layer_key(struct cfg_parser *p, struct eng_err *err,
				     const struct ini_event *ev, int key)
{
	struct layer_conf *c = &p->cur.conf;
	bool pool = p->cur.kind == LAYER_KIND_MAXPOOL || p->cur.kind == LAYER_KIND_AVGPOOL;
	switch (key) {
	case CFG_KEY_NAME:
		if (!cfg_layer_name_valid(ev->value))
			return cfg_fail(p, err, ev->line,
					"invalid layer name '%.40s' (1..%d of A-Z a-z 0-9 _ . -, not starting with '-', not 'data')",
					ev->value, LAYER_NAME_MAX - 1);
		memcpy(p->cur.name, ev->value, strlen(ev->value) + 1);
		return ENG_STATUS_OK;
	case CFG_KEY_INPUT:
		return cfg_ref_key(p, err, ev, 0);
	case CFG_KEY_FROM:
		return cfg_ref_key(p, err, ev, 1);
	case CFG_KEY_OUT:
		if (strcmp(ev->value, "classes") == 0) {
			c->out = LAYER_OUT_CLASSES;
			return ENG_STATUS_OK;
		}
		return cfg_int_key(p, err, ev, 1, CFG_OUT_MAX, &c->out);
	case CFG_KEY_SIZE:
		return cfg_int_key(p, err, ev, 1, CFG_KERNEL_MAX, &c->size);
	case CFG_KEY_STRIDE:
		return cfg_int_key(p, err, ev, pool ? 0 : 1, CFG_KERNEL_MAX, &c->stride);
	case CFG_KEY_PAD:
		return cfg_pad_key(p, err, ev, &c->pad);
	case CFG_KEY_GROUPS:
		return cfg_int_key(p, err, ev, 1, CFG_GROUPS_MAX, &c->groups);
	case CFG_KEY_BIAS:
		return cfg_bool_key(p, err, ev, &c->bias);
	case CFG_KEY_EPS:
		return cfg_float_key(p, err, ev, FLT_MIN, 1.0f, "a number in (0, 1]", &c->eps);
	case CFG_KEY_MOMENTUM:
		return cfg_float_key(p, err, ev, 0.0f, 1.0f, "a number in [0, 1]", &c->momentum);
	case CFG_KEY_CLIP:
		return cfg_float_key(p, err, ev, 0.0f, FLT_MAX,
				     "0 (none) or a positive number", &c->clip);
	default:
		break;
	}
	ENG_ASSERT(!"key not in cfg_kind_keys");
	return ENG_STATUS_EINVAL;
}

static enum eng_status cfg_key_set(struct cfg_parser *p, struct eng_err *err,
				   const struct ini_event *ev)
{
	if (p->where == CFG_WHERE_NONE)
		return cfg_fail(p, err, ev->line,
				"key '%.40s' before any section (the file must start with [net])",
				ev->key);
	unsigned allowed = p->where == CFG_WHERE_NET ? cfg_net_keys
						      : cfg_kind_keys(p->cur.kind);
	int key = cfg_key_find(ev->key);
	if (key < 0 || !(allowed & CFG_BIT(key)))
		return cfg_warn(p, err, ev->line, ev->key, ev->section);
	if (p->key_line[key])
		return cfg_fail(p, err, ev->line, "duplicate key '%s' (first at line %d)",
				ev->key, p->key_line[key]);
	p->key_line[key] = ev->line;
	if (p->where == CFG_WHERE_NET)
		return cfg_net_key(p, err, ev, key);
	return cfg_layer_key(p, err, ev, key);
}

static enum eng_status cfg_end(struct cfg_parser *p, struct eng_err *err, int line)
{
	if (line < 1)
		line = 1;
	enum eng_status st = cfg_section_close(p, err);
	if (st != ENG_STATUS_OK)
		return st;
	if (!p->have_net)
		return cfg_fail(p, err, line, "missing [net] section");
	if (p->spec->n_layers == 0)
		return cfg_fail(p, err, line, "no layers after [net]");
	if (p->n_refs > 0) {
		/* The earliest one: every name seen by the end that was not
		 * known when its section closed belongs to a later layer. */
		const struct cfg_ref *r = &p->refs[0];
		const char *key = r->slot == 0 ? "input" : "from";
		int idx = cfg_names_find(&p->names, p->spec, r->name);
		if (idx < 0)
			return cfg_fail(p, err, r->line, "%s = %s: no layer has that name",
					key, r->name);
		ENG_ASSERT(idx > r->layer);
		return cfg_fail(p, err, r->line,
				"%s = %s: forward reference (that layer is at line %d; inputs must come earlier)",
				key, r->name, p->spec->layers[idx].line);
	}
	return ENG_STATUS_OK;
}

static enum eng_status cfg_on_event(void *user, const struct ini_event *ev,
				    struct eng_err *err)
{
	struct cfg_parser *p = user;
	switch (ev->kind) {
	case INI_EVENT_SECTION:
		return cfg_section_open(p, err, ev);
	case INI_EVENT_KEY:
		return cfg_key_set(p, err, ev);
	case INI_EVENT_ERROR:
		return ENG_STATUS_EINVAL;
	case INI_EVENT_END:
		return cfg_end(p, err, ev->line);
	}
	return ENG_STATUS_EINVAL;
}

/* ---- locale ------------------------------------------------------------- */

/* Switch this thread to the "C" numeric locale; *saved is (locale_t)0 when
 * that was impossible (then the process locale is used, as before). */
struct cfg_locale {
	locale_t c, saved;
};

static void cfg_locale_enter(struct cfg_locale *l)
{
	l->saved = (locale_t)0;
	l->c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (l->c)
		l->saved = uselocale(l->c);
}

static void cfg_locale_leave(struct cfg_locale *l)
{
	if (l->c) {
		uselocale(l->saved);
		freelocale(l->c);
	}
}

/* ---- parse entry points -------------------------------------------------- */

static enum eng_status cfg_parse_named(const char *text, size_t len, const char *path,
				       const char *default_name, struct net_spec *spec,
				       struct eng_err *err)
{
	memset(spec, 0, sizeof *spec);
	if (len > CFG_FILE_MAX)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: larger than 16 MiB", path);
	struct cfg_parser p = { .path = path, .spec = spec,
				.warn = net_spec_warn_sink(spec) };
	snprintf(spec->name, sizeof spec->name, "%s", default_name);
	struct cfg_locale loc;
	cfg_locale_enter(&loc);
	enum eng_status st = ini_parse(text, len, path, cfg_on_event, &p, err);
	cfg_locale_leave(&loc);
	free(p.names.slot);
	free(p.refs);
	if (st != ENG_STATUS_OK)
		net_spec_done(spec);
	return st;
}

enum eng_status cfg_parse_string(const char *text, size_t len, const char *path,
				 struct net_spec *spec, struct eng_err *err)
{
	return cfg_parse_named(text, len, path ? path : "<string>", "model", spec, err);
}

enum eng_status cfg_parse_file(const char *path, struct net_spec *spec,
			       struct eng_err *err)
{
	memset(spec, 0, sizeof *spec);
	char *buf;
	size_t len;
	enum eng_status st = fileio_read_all(path, CFG_FILE_MAX, "a model file", &buf,
					     &len, err);
	if (st == ENG_STATUS_OK) {
		char name[NET_NAME_MAX];
		cfg_net_name_from_path(name, path, ".cfg");
		st = cfg_parse_named(buf, len, path, name, spec, err);
	}
	free(buf);
	return st;
}

/* ---- writer --------------------------------------------------------------- */

static void cfg_buf_float(struct textbuf *b, const char *key, float v)
{
	char tmp[64];
	for (int prec = 1; prec <= 9; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, (double)v);
		if (strtof(tmp, NULL) == v)
			break;
	}
	textbuf_printf(b, "%s = %s\n", key, tmp);
}

static const char *cfg_ref_name(const struct net_spec *spec, int idx)
{
	return idx < 0 ? "data" : spec->layers[idx].name;
}

static void cfg_layer_write(struct textbuf *b, const struct net_spec *spec, int i)
{
	const struct layer_spec *ls = &spec->layers[i];
	const struct layer_conf *c = &ls->conf;
	ENG_ASSERT(ls->n_in >= 1 && ls->n_in <= LAYER_MAX_INPUTS);
	for (int k = 0; k < ls->n_in; k++)
		ENG_ASSERT(ls->in_idx[k] >= -1 && ls->in_idx[k] < i);
	textbuf_printf(b, "\n[%s]\nname = %s\n", layer_kind_name(ls->kind), ls->name);
	if (ls->in_idx[0] != i - 1)
		textbuf_printf(b, "input = %s\n", cfg_ref_name(spec, ls->in_idx[0]));
	unsigned keys = cfg_kind_keys(ls->kind);
	for (int k = 0; k < CFG_KEY_COUNT; k++) {
		if (!(keys & CFG_BIT(k)))
			continue;
		const char *key = cfg_key_names[k];
		switch (k) {
		case CFG_KEY_OUT:
			if (c->out == LAYER_OUT_CLASSES)
				textbuf_printf(b, "out = classes\n");
			else
				textbuf_printf(b, "out = %d\n", c->out);
			break;
		case CFG_KEY_SIZE: textbuf_printf(b, "%s = %d\n", key, c->size); break;
		case CFG_KEY_STRIDE: textbuf_printf(b, "%s = %d\n", key, c->stride); break;
		case CFG_KEY_PAD:
			if (layer_pad_uniform(c->pad))
				textbuf_printf(b, "%s = %d\n", key, c->pad.top);
			else
				textbuf_printf(b, "%s = %d %d %d %d\n", key, c->pad.top,
					       c->pad.left, c->pad.bottom, c->pad.right);
			break;
		case CFG_KEY_GROUPS: textbuf_printf(b, "%s = %d\n", key, c->groups); break;
		case CFG_KEY_BIAS: textbuf_printf(b, "%s = %d\n", key, c->bias); break;
		case CFG_KEY_EPS: cfg_buf_float(b, key, c->eps); break;
		case CFG_KEY_MOMENTUM: cfg_buf_float(b, key, c->momentum); break;
		case CFG_KEY_CLIP: cfg_buf_float(b, key, c->clip); break;
		case CFG_KEY_FROM:
			ENG_ASSERT(ls->n_in == 2);
			textbuf_printf(b, "from = %s\n", cfg_ref_name(spec, ls->in_idx[1]));
			break;
		default:
			break; /* name and input: written above */
		}
	}
}

char *cfg_write_string(const struct net_spec *spec)
{
	struct textbuf b;
	textbuf_init(&b);
	if (b.oom)
		return NULL;
	struct cfg_locale loc;
	cfg_locale_enter(&loc);
	textbuf_printf(&b, "[net]\n");
	if (spec->name[0]) {
		bool plain = true;
		for (const char *s = spec->name; *s; s++)
			plain = plain && cfg_char_name(*s);
		textbuf_printf(&b, plain ? "name = %s\n" : "name = \"%s\"\n", spec->name);
	}
	textbuf_printf(&b, "input = %dx%dx%d\nclasses = %d\n",
		       spec->input.c, spec->input.h, spec->input.w, spec->classes);
	for (int i = 0; i < spec->n_layers; i++)
		cfg_layer_write(&b, spec, i);
	cfg_locale_leave(&loc);
	return textbuf_take(&b);
}

static enum eng_status cfg_text_put(int fd, void *text, const char *path,
				    struct eng_err *err)
{
	return fileio_write_all(fd, text, strlen(text), path, err);
}

enum eng_status cfg_write_file(const char *path, const struct net_spec *spec,
			       struct eng_err *err)
{
	char *text = cfg_write_string(spec);
	if (!text)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	enum eng_status st = fileio_write_atomic(path, cfg_text_put, text, err);
	free(text);
	return st;
}
