#include "config.h"

#include "explorer/keys.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Only the KEY_* constants are used (plain integer macros); no curses
 * function is called, so libtui.a needs no curses library at link time.
 * NCURSES_NOMACROS keeps curses' function-like macros (timeout, move,
 * erase ...) out of this file. */
#define NCURSES_NOMACROS 1
#include <curses.h>

#define CTRL(c) ((c) & 0x1f)
#define ESC 27

/* One row per key.  Rows of one action are adjacent; the first carries the
 * help text.  Footer ranks: 1 stays longest as the terminal narrows. */
static const struct keys_binding keys_bindings[] = {
	/* key         action                    utf-8    ascii     footer     help */
	{ KEY_UP, UI_ACTION_UP, "↑", "Up", NULL,
	  "previous layer", KEYS_GROUP_MOVE, false, 0 },
	{ 'k', UI_ACTION_UP, "k", "k", NULL, NULL, KEYS_GROUP_MOVE, false, 0 },
	{ KEY_DOWN, UI_ACTION_DOWN, "↓", "Down", NULL,
	  "next layer", KEYS_GROUP_MOVE, false, 0 },
	{ 'j', UI_ACTION_DOWN, "j", "j", NULL, NULL, KEYS_GROUP_MOVE, false, 0 },
	{ KEY_PPAGE, UI_ACTION_PAGE_UP, "PgUp", "PgUp", NULL,
	  "one page up", KEYS_GROUP_MOVE, false, 0 },
	{ KEY_NPAGE, UI_ACTION_PAGE_DOWN, "PgDn", "PgDn", NULL,
	  "one page down", KEYS_GROUP_MOVE, false, 0 },
	{ KEY_HOME, UI_ACTION_HOME, "Home", "Home", NULL,
	  "first layer", KEYS_GROUP_MOVE, false, 0 },
	{ KEY_END, UI_ACTION_END, "End", "End", NULL,
	  "last layer", KEYS_GROUP_MOVE, false, 0 },
	{ '\t', UI_ACTION_FOCUS_NEXT, "Tab", "Tab", NULL,
	  "next panel: table, heatmap, projection", KEYS_GROUP_MOVE, false, 0 },
	{ KEY_BTAB, UI_ACTION_FOCUS_PREV, "S-Tab", "S-Tab", NULL,
	  "previous panel", KEYS_GROUP_MOVE, false, 0 },

	{ KEY_LEFT, UI_ACTION_KEEP_LESS, "←", "Left", "-5%",
	  "keep 5 % fewer channels in the selected group",
	  KEYS_GROUP_EDIT, false, 2 },
	{ 'h', UI_ACTION_KEEP_LESS, "h", "h", NULL, NULL, KEYS_GROUP_EDIT, false, 0 },
	{ '-', UI_ACTION_KEEP_LESS, "-", "-", NULL, NULL, KEYS_GROUP_EDIT, false, 0 },
	{ KEY_RIGHT, UI_ACTION_KEEP_MORE, "→", "Right", "+5%",
	  "keep 5 % more channels (at most all of them)",
	  KEYS_GROUP_EDIT, false, 2 },
	{ 'l', UI_ACTION_KEEP_MORE, "l", "l", NULL, NULL, KEYS_GROUP_EDIT, false, 0 },
	{ '+', UI_ACTION_KEEP_MORE, "+", "+", NULL, NULL, KEYS_GROUP_EDIT, false, 0 },
	{ '=', UI_ACTION_KEEP_MORE, "=", "=", NULL, NULL, KEYS_GROUP_EDIT, false, 0 },
	{ KEY_SLEFT, UI_ACTION_KEEP_LESS_ONE, "S-←", "S-Left", NULL,
	  "keep one channel fewer", KEYS_GROUP_EDIT, false, 0 },
	{ '<', UI_ACTION_KEEP_LESS_ONE, "<", "<", NULL, NULL, KEYS_GROUP_EDIT, false, 0 },
	{ KEY_SRIGHT, UI_ACTION_KEEP_MORE_ONE, "S-→", "S-Right", NULL,
	  "keep one channel more", KEYS_GROUP_EDIT, false, 0 },
	{ '>', UI_ACTION_KEEP_MORE_ONE, ">", ">", NULL, NULL, KEYS_GROUP_EDIT, false, 0 },
	{ '\n', UI_ACTION_KEEP_EXACT, "Enter", "Enter", NULL,
	  "exact channels to keep; history view: restore the plan",
	  KEYS_GROUP_EDIT, false, 0 },
	{ '\r', UI_ACTION_KEEP_EXACT, "Enter", "Enter", NULL, NULL, KEYS_GROUP_EDIT, false, 0 },
	{ KEY_ENTER, UI_ACTION_KEEP_EXACT, "Enter", "Enter", NULL, NULL, KEYS_GROUP_EDIT, false, 0 },
	{ 'f', UI_ACTION_WIDTH_FREE, "f", "f", NULL,
	  "free channels: the widest width as fast as this one",
	  KEYS_GROUP_EDIT, false, 0 },
	{ 'F', UI_ACTION_WIDTH_FASTER, "F", "F", NULL,
	  "down to the next width that is measurably faster",
	  KEYS_GROUP_EDIT, false, 0 },
	{ ' ', UI_ACTION_LOCK, "Space", "Space", "lock",
	  "lock the layer: the automatic plan leaves it alone",
	  KEYS_GROUP_EDIT, false, 9 },
	{ 'a', UI_ACTION_AUTO, "a", "a", "auto",
	  "apply the Reconvene automatic plan to unlocked layers",
	  KEYS_GROUP_EDIT, false, 3 },
	{ 'u', UI_ACTION_UNDO, "u", "u", "undo",
	  "undo the last plan edit", KEYS_GROUP_EDIT, false, 7 },
	{ CTRL('R'), UI_ACTION_REDO, "^R", "^R", "redo",
	  "redo the edit just undone", KEYS_GROUP_EDIT, false, 10 },

	{ 't', UI_ACTION_TAU_DOWN, "t", "t", "tau-",
	  "lower tau by 0.05: fewer layers are resilient",
	  KEYS_GROUP_ANALYSIS, false, 13 },
	{ 'T', UI_ACTION_TAU_UP, "T", "T", "tau+",
	  "raise tau by 0.05: more layers are resilient",
	  KEYS_GROUP_ANALYSIS, false, 14 },
	{ 'm', UI_ACTION_METHOD, "m", "m", "method",
	  "PaI method: random magnitude snip grasp synflow",
	  KEYS_GROUP_ANALYSIS, false, 4 },
	{ 's', UI_ACTION_SPARSITY, "s", "s", "sparsity",
	  "PaI sparsity s, the fraction of weights removed",
	  KEYS_GROUP_ANALYSIS, false, 5 },
	{ 'S', UI_ACTION_STABILITY, "S", "S", NULL,
	  "5 more seeds and scorings: how stable; ~ marks flips",
	  KEYS_GROUP_ANALYSIS, false, 0 },
	{ 'x', UI_ACTION_HISTORY_AXIS, "x", "x", NULL,
	  "history scatter: accuracy against latency or MACs",
	  KEYS_GROUP_ANALYSIS, false, 0 },
	{ 'G', UI_ACTION_PROBE, "G", "G", NULL,
	  "probe: each group alone pruned 25/50/75 %, quick-eval",
	  KEYS_GROUP_ANALYSIS, false, 0 },
	{ 'r', UI_ACTION_RESEED, "r", "r", "reseed",
	  "new seed: new initial weights and random scores",
	  KEYS_GROUP_ANALYSIS, false, 15 },

	{ 'w', UI_ACTION_SAVE, "w", "w", "save",
	  "save the plan (JSON)", KEYS_GROUP_FILES, true, 8 },
	{ 'o', UI_ACTION_OPEN, "o", "o", "open",
	  "open a saved plan", KEYS_GROUP_FILES, false, 16 },
	{ 'e', UI_ACTION_EXPORT, "e", "e", "export",
	  "export: pruned model directory, plan JSON, heatmap PNG",
	  KEYS_GROUP_FILES, true, 6 },
	{ 'X', UI_ACTION_HISTORY_EXPORT, "X", "X", NULL,
	  "export the plan history: CSV and a PNG chart",
	  KEYS_GROUP_FILES, true, 0 },

	{ 'v', UI_ACTION_VIEW, "v", "v", "view",
	  "next view: heatmap, grid, widths, criteria, history",
	  KEYS_GROUP_SCREEN, false, 11 },
	{ 'c', UI_ACTION_THEME, "c", "c", "theme",
	  "next colour theme", KEYS_GROUP_SCREEN, false, 12 },
	{ 'P', UI_ACTION_PRESENT, "P", "P", NULL,
	  "presentation layout for a projector (also --present)",
	  KEYS_GROUP_SCREEN, false, 0 },
	{ CTRL('L'), UI_ACTION_REPAINT, "^L", "^L", NULL,
	  "redraw the whole screen", KEYS_GROUP_SCREEN, false, 0 },
	{ KEY_F(1), UI_ACTION_HELP, "F1", "F1", "help",
	  "this help", KEYS_GROUP_SCREEN, false, 1 },
	{ '?', UI_ACTION_HELP, "?", "?", NULL, NULL, KEYS_GROUP_SCREEN, false, 0 },
	{ ESC, UI_ACTION_CANCEL, "Esc", "Esc", NULL,
	  "close a dialog or this help", KEYS_GROUP_SCREEN, false, 0 },
	{ KEY_F(10), UI_ACTION_QUIT, "F10", "F10", NULL,
	  "quit (asks only when there are unsaved edits)",
	  KEYS_GROUP_SCREEN, false, 0 },
	{ 'q', UI_ACTION_QUIT, "q", "q", "quit", NULL, KEYS_GROUP_SCREEN, false, 1 },
};

#define N_BINDINGS ((int)(sizeof(keys_bindings) / sizeof(keys_bindings[0])))

static const char *const keys_action_names[UI_ACTION_COUNT] = {
	[UI_ACTION_NONE] = "none",
	[UI_ACTION_UP] = "up",
	[UI_ACTION_DOWN] = "down",
	[UI_ACTION_PAGE_UP] = "page_up",
	[UI_ACTION_PAGE_DOWN] = "page_down",
	[UI_ACTION_HOME] = "home",
	[UI_ACTION_END] = "end",
	[UI_ACTION_FOCUS_NEXT] = "focus_next",
	[UI_ACTION_FOCUS_PREV] = "focus_prev",
	[UI_ACTION_KEEP_LESS] = "keep_less",
	[UI_ACTION_KEEP_MORE] = "keep_more",
	[UI_ACTION_KEEP_LESS_ONE] = "keep_less_one",
	[UI_ACTION_KEEP_MORE_ONE] = "keep_more_one",
	[UI_ACTION_KEEP_EXACT] = "keep_exact",
	[UI_ACTION_WIDTH_FREE] = "width_free",
	[UI_ACTION_WIDTH_FASTER] = "width_faster",
	[UI_ACTION_LOCK] = "lock",
	[UI_ACTION_AUTO] = "auto",
	[UI_ACTION_UNDO] = "undo",
	[UI_ACTION_REDO] = "redo",
	[UI_ACTION_TAU_DOWN] = "tau_down",
	[UI_ACTION_TAU_UP] = "tau_up",
	[UI_ACTION_METHOD] = "method",
	[UI_ACTION_SPARSITY] = "sparsity",
	[UI_ACTION_RESEED] = "reseed",
	[UI_ACTION_STABILITY] = "stability",
	[UI_ACTION_HISTORY_AXIS] = "history_axis",
	[UI_ACTION_PROBE] = "probe",
	[UI_ACTION_SAVE] = "save",
	[UI_ACTION_OPEN] = "open",
	[UI_ACTION_EXPORT] = "export",
	[UI_ACTION_HISTORY_EXPORT] = "history_export",
	[UI_ACTION_VIEW] = "view",
	[UI_ACTION_THEME] = "theme",
	[UI_ACTION_PRESENT] = "present",
	[UI_ACTION_REPAINT] = "repaint",
	[UI_ACTION_HELP] = "help",
	[UI_ACTION_CANCEL] = "cancel",
	[UI_ACTION_QUIT] = "quit",
};

static const char *const keys_group_titles[KEYS_GROUP_COUNT] = {
	[KEYS_GROUP_MOVE] = "Moving",
	[KEYS_GROUP_EDIT] = "Plan edits (each one can be undone)",
	[KEYS_GROUP_ANALYSIS] = "Analysis",
	[KEYS_GROUP_FILES] = "Files",
	[KEYS_GROUP_SCREEN] = "Screen",
};

/* The teaching part of the help (issue 6: explain density and resilient).
 * Plain ASCII so the ASCII mode needs no twin; at most KEYS_HELP_COLS. */
static const char *const keys_help_teach[] = {
	"What the numbers mean",
	"  density    Pruning at initialization (PaI) scores every weight and",
	"             keeps the best 1 - s of them over the whole network. A",
	"             layer's density is the fraction of its own weights kept:",
	"             1.00 untouched, 0.04 almost emptied. The heatmap shows each",
	"             output channel's score: bright kept, dim removed.",
	"  R          resilient: a conv layer whose density is at most tau. PaI",
	"             says it can lose most of its weights, so Reconvene removes",
	"             whole channels instead and keeps about density x channels",
	"             (sqrt(density) x channels where its input shrinks too),",
	"             dense: the layer really gets smaller and faster. (Not the",
	"             first conv, nor residual groups.)",
	"  tau        the density threshold for resilient (t lowers, T raises).",
	"  group      channels that must go together: a conv, its batch norm",
	"             and the layers reading them; a residual add ties the",
	"             convs feeding it. An edit changes the whole group, which",
	"             the table highlights.",
	"  other      layers that are not resilient keep their PaI mask",
	"             (unstructured sparsity: same size, zeros inside).",
	"  lock       a locked layer keeps its count when a re-plans.",
	"  MACs       multiply-accumulates for one image (1 MAC = 2 FLOPs). An",
	"             edit's log line gives the kept channel ratio and what it",
	"             does to the params and MACs of the group's layers.",
	"  widths     the third view (v) times the selected group at every width",
	"             on this machine. Kernels work in blocks, so latency is a",
	"             staircase: a shaded (slow) width costs as much as a wider",
	"             one. f keeps the widest width as fast as the current one",
	"             (free channels); F goes down to the next faster width.",
	"  probe      G: accuracy after cutting only this group by 25/50/75 %",
	"  criteria   the fourth view (v): each PaI method's density per layer,",
	"             side by side. Below: how alike two methods rank the",
	"             selected layer's channels (Kendall tau: +1 the same order,",
	"             0 unrelated, -1 reversed).",
	"  history    the fifth view (v): every plan measured so far, with its",
	"             params, MACs, latency and quick-eval accuracy. A diamond",
	"             (* in ASCII) marks the Pareto front: no other plan is both",
	"             faster (after x: fewer MACs) and more accurate. Enter",
	"             restores one; X saves the list as CSV and a PNG chart.",
};

#define N_TEACH ((int)(sizeof(keys_help_teach) / sizeof(keys_help_teach[0])))

int keys_binding_count(void)
{
	return N_BINDINGS;
}

const struct keys_binding *keys_binding_get(int i)
{
	if (i < 0 || i >= N_BINDINGS)
		return NULL;
	return &keys_bindings[i];
}

enum ui_action keys_lookup(int key)
{
	for (int i = 0; i < N_BINDINGS; i++)
		if (keys_bindings[i].key == key)
			return keys_bindings[i].act;
	return UI_ACTION_NONE;
}

const char *keys_action_name(enum ui_action act)
{
	if ((int)act < 0 || act >= UI_ACTION_COUNT)
		return "?";
	return keys_action_names[act];
}

bool keys_action_destructive(enum ui_action act)
{
	for (int i = 0; i < N_BINDINGS; i++)
		if (keys_bindings[i].act == act && keys_bindings[i].destructive)
			return true;
	return false;
}

int keys_text_cols(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

int keys_table_check(char *why, size_t len)
{
	bool seen[UI_ACTION_COUNT] = { false };
	bool closed[UI_ACTION_COUNT] = { false };

	for (int i = 0; i < N_BINDINGS; i++) {
		const struct keys_binding *b = &keys_bindings[i];

		if (b->act <= UI_ACTION_NONE || b->act >= UI_ACTION_COUNT) {
			snprintf(why, len, "binding %d: bad action", i);
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (keys_bindings[j].key == b->key) {
				snprintf(why, len, "key %d bound twice (%s, %s)", b->key,
					 keys_action_name(keys_bindings[j].act),
					 keys_action_name(b->act));
				return -1;
			}
		if (!b->key_label || !b->key_ascii || !is_ascii(b->key_ascii)) {
			snprintf(why, len, "%s: key labels missing or not ASCII",
				 keys_action_name(b->act));
			return -1;
		}
		if (b->footer > 0 && (!b->label || !*b->label)) {
			snprintf(why, len, "%s: footer binding without a label",
				 keys_action_name(b->act));
			return -1;
		}
		if (i > 0 && keys_bindings[i - 1].act != b->act) {
			closed[keys_bindings[i - 1].act] = true;
			if (b->group < keys_bindings[i - 1].group) {
				snprintf(why, len, "%s: groups out of order",
					 keys_action_name(b->act));
				return -1;
			}
		}
		if (closed[b->act]) {
			snprintf(why, len, "%s: bindings not adjacent",
				 keys_action_name(b->act));
			return -1;
		}
		if (!seen[b->act] && (!b->help || !*b->help)) {
			snprintf(why, len, "%s: first binding has no help",
				 keys_action_name(b->act));
			return -1;
		}
		if (seen[b->act] && b->group != keys_bindings[i - 1].group) {
			snprintf(why, len, "%s: bindings in two groups",
				 keys_action_name(b->act));
			return -1;
		}
		seen[b->act] = true;
	}
	for (int a = UI_ACTION_NONE + 1; a < UI_ACTION_COUNT; a++)
		if (!seen[a]) {
			snprintf(why, len, "%s: no key", keys_action_name((enum ui_action)a));
			return -1;
		}
	return 0;
}

/* --- footer --------------------------------------------------------- */

/* Help first and quit last, as in htop's function bar; the rest in table
 * order. */
static int footer_order(int i)
{
	if (keys_bindings[i].act == UI_ACTION_HELP)
		return -1;
	if (keys_bindings[i].act == UI_ACTION_QUIT)
		return INT_MAX;
	return i;
}

static int footer_item_cols(const struct keys_binding *b, bool ascii)
{
	return keys_text_cols(ascii ? b->key_ascii : b->key_label) + 1 +
	       keys_text_cols(b->label);
}

static bool keys_key_in(int key, const int *keys, int n)
{
	for (int i = 0; i < n; i++)
		if (keys[i] == key)
			return true;
	return false;
}

void keys_footer_relabel(struct keys_footer_item *items, int n, const int *taken,
			 int n_taken, bool ascii)
{
	for (int k = 0; k < n; k++) {
		const struct keys_binding *shown = NULL, *other = NULL;
		for (int i = 0; i < N_BINDINGS && !shown; i++)
			if (keys_bindings[i].act == items[k].act && keys_bindings[i].footer > 0)
				shown = &keys_bindings[i];
		if (!shown || !keys_key_in(shown->key, taken, n_taken))
			continue;
		/* the first other key for the action that fits, before or after
		 * it in the table */
		for (int i = 0; i < N_BINDINGS && !other; i++) {
			const struct keys_binding *b = &keys_bindings[i];
			if (b->act == items[k].act && b != shown &&
			    !keys_key_in(b->key, taken, n_taken) &&
			    keys_text_cols(ascii ? b->key_ascii : b->key_label) <= items[k].key_w)
				other = b;
		}
		if (!other) {
			items[k].taken = true;
			continue;
		}
		items[k].key_label = ascii ? other->key_ascii : other->key_label;
		items[k].key_w = keys_text_cols(items[k].key_label); /* fits: chosen so */
	}
}

int keys_footer_layout(int width, bool ascii, struct keys_footer_item *items,
		       int max)
{
	bool take[N_BINDINGS];
	int used = 0, n = 0, rank_max = 0;

	memset(take, 0, sizeof(take));
	for (int i = 0; i < N_BINDINGS; i++)
		if (keys_bindings[i].footer > rank_max)
			rank_max = keys_bindings[i].footer;
	/* Add whole ranks, most important first, and stop at the first item
	 * that does not fit, so a narrower footer is always a prefix of the
	 * ranking and never a surprising mix. */
	for (int r = 1; r <= rank_max; r++) {
		for (int i = 0; i < N_BINDINGS; i++) {
			const struct keys_binding *b = &keys_bindings[i];
			int w;

			if (b->footer != r)
				continue;
			w = footer_item_cols(b, ascii) + (n > 0 ? KEYS_FOOTER_GAP : 0);
			if (used + w > width || n >= max)
				goto placed;
			take[i] = true;
			used += w;
			n++;
		}
	}
placed:
	n = 0;
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < N_BINDINGS; i++) {
			const struct keys_binding *b = &keys_bindings[i];
			int o = footer_order(i);

			if (!take[i] || (pass == 0) != (o == -1) ||
			    (pass == 2) != (o == INT_MAX))
				continue;
			items[n].act = b->act;
			items[n].x = n == 0 ? 0
					    : items[n - 1].x + items[n - 1].w + KEYS_FOOTER_GAP;
			items[n].key_label = ascii ? b->key_ascii : b->key_label;
			items[n].label = b->label;
			items[n].key_w = keys_text_cols(items[n].key_label);
			items[n].w = footer_item_cols(b, ascii);
			items[n].taken = false;
			n++;
		}
	}
	return n;
}

enum ui_action keys_footer_hit(const struct keys_footer_item *items, int n,
			       int x)
{
	for (int i = 0; i < n; i++)
		if (x >= items[i].x && x < items[i].x + items[i].w)
			return items[i].act;
	return UI_ACTION_NONE;
}

int keys_footer_text(int width, bool ascii, char *buf, size_t size)
{
	struct keys_footer_item items[KEYS_FOOTER_MAX];
	int n = keys_footer_layout(width, ascii, items, KEYS_FOOTER_MAX);
	size_t off = 0;
	int cols = 0;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		int k = snprintf(buf + off, size - off, "%s%s %s", i ? "  " : "",
				 items[i].key_label, items[i].label);
		if (k < 0 || (size_t)k >= size - off)
			break;
		off += (size_t)k;
		cols = items[i].x + items[i].w;
	}
	return cols;
}

/* --- help ----------------------------------------------------------- */

static void help_put(struct keys_help_line *lines, int max, int idx,
		     enum keys_help_kind kind, enum ui_action act, bool inactive,
		     int key_w, const char *text)
{
	if (idx >= max)
		return;
	lines[idx].kind = kind;
	lines[idx].act = act;
	lines[idx].inactive = inactive;
	lines[idx].key_w = key_w;
	snprintf(lines[idx].text, sizeof(lines[idx].text), "%s", text);
}

/* "  ← h -         keep 5 % fewer ..." for the action whose bindings start
 * at row first; returns the row after them. */
static int help_binding(int first, bool ascii, bool readonly,
			struct keys_help_line *lines, int max, int idx)
{
	const struct keys_binding *b0 = &keys_bindings[first];
	char keys[KEYS_HELP_TEXT_MAX], line[KEYS_HELP_TEXT_MAX];
	const char *prev = NULL;
	size_t off = 0;
	int i, cols, pad;

	keys[0] = '\0';
	for (i = first; i < N_BINDINGS && keys_bindings[i].act == b0->act; i++) {
		const char *l = ascii ? keys_bindings[i].key_ascii
				      : keys_bindings[i].key_label;
		int k;

		if (prev && strcmp(prev, l) == 0)
			continue; /* Enter is three codes with one name */
		k = snprintf(keys + off, sizeof(keys) - off, "%s%s", off ? " " : "", l);
		if (k > 0 && (size_t)k < sizeof(keys) - off)
			off += (size_t)k;
		prev = l;
	}
	cols = keys_text_cols(keys);
	pad = KEYS_HELP_KEY_COLS - cols;
	if (pad < 1)
		pad = 1;
	snprintf(line, sizeof(line), "  %s%*s%s", keys, pad, "", b0->help);
	help_put(lines, max, idx, KEYS_HELP_BINDING, b0->act,
		 readonly && keys_action_destructive(b0->act), 2 + cols, line);
	return i;
}

int keys_help_lines(bool ascii, bool readonly, struct keys_help_line *lines,
		    int max)
{
	int idx = 0;

	for (int g = 0; g < KEYS_GROUP_COUNT; g++) {
		if (idx > 0)
			help_put(lines, max, idx++, KEYS_HELP_BLANK, UI_ACTION_NONE,
				 false, 0, "");
		help_put(lines, max, idx++, KEYS_HELP_HEADING, UI_ACTION_NONE,
			 false, 0, keys_group_titles[g]);
		for (int i = 0; i < N_BINDINGS;) {
			if (keys_bindings[i].group != (enum keys_group)g) {
				i++;
				continue;
			}
			i = help_binding(i, ascii, readonly, lines, max, idx++);
		}
	}
	help_put(lines, max, idx++, KEYS_HELP_BLANK, UI_ACTION_NONE, false, 0, "");
	for (int t = 0; t < N_TEACH; t++)
		help_put(lines, max, idx++, t == 0 ? KEYS_HELP_HEADING : KEYS_HELP_TEXT,
			 UI_ACTION_NONE, false, 0, keys_help_teach[t]);
	return idx;
}
