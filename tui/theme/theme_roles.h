/* theme_roles.h: the one list of UI roles, gradients and the built-in
 * "default" theme, as X-macros (ncdu style).
 *
 * Included by theme.h only (it uses THEME_RGB, THEME_COLOR_* and
 * THEME_ATTR_* from there).  Everything that knows a role name derives
 * from these lists: enum theme_role, the parser's key table, the built-in
 * defaults, the docs table (docs/themes.md) and the tests, so adding a role
 * here is the whole change.  themes/default.theme repeats these values in
 * theme syntax; tests/check_theme.c checks that both resolve identically
 * in every tier.
 *
 * THEME_BUILTIN_PALETTE(X): X(name, colour, eq256, eq16)
 *   the built-in palette: a colour (THEME_RGB or THEME_COLOR_DEFAULT) and
 *   its hand-picked equivalents for the 256 tier and the 16/8 tier
 *   (THEME_COLOR_NONE = convert automatically).  Its names are visible as
 *   $name to every theme, since every theme starts from the built-in one.
 *
 * THEME_ROLES(X): X(ENUM, key, fg, bg, attrs, mono, help)
 *   fg and bg name a built-in palette entry, or `inherit` (theme syntax
 *   `-`: take normal's colour); attrs apply in every colour tier; mono is
 *   the authored look when there is no colour at all.
 *
 * THEME_GRADIENTS(X): X(ENUM, key, lo, mid, hi, list16, list8, mono, help)
 *   three built-in palette stops, the named-colour lists used in the 16 and
 *   8 colour tiers, and the monochrome glyph ramp ("ramp" = the glyph
 *   table's shade ramp, otherwise a string of glyphs, lowest first).
 */
#ifndef RECONVENE_THEME_ROLES_H
#define RECONVENE_THEME_ROLES_H

/* Our own values: neutral text (the terminal's own fg/bg) with mid-tone
 * accents, and explicit fg+bg pairs for every filled bar, so that the
 * default works on dark and on light terminals alike. */
#define THEME_BUILTIN_PALETTE(X) \
	X(text,      THEME_COLOR_DEFAULT, THEME_COLOR_NONE, THEME_COLOR_NONE) \
	X(paper,     THEME_COLOR_DEFAULT, THEME_COLOR_NONE, THEME_COLOR_NONE) \
	X(muted,     THEME_RGB(0x7f8791), 245, 8) \
	X(accent,    THEME_RGB(0x5c9ad6), 74, 12) \
	X(bar_fg,    THEME_RGB(0xe4e8ee), 254, 15) \
	X(bar_bg,    THEME_RGB(0x273242), 236, 4) \
	X(sel_fg,    THEME_RGB(0xffffff), 231, 15) \
	X(sel_bg,    THEME_RGB(0x2e6196), 25, 6) \
	X(unfocus,   THEME_RGB(0x434c5a), 238, 8) \
	X(group_bg,  THEME_RGB(0x21434b), 23, 8) \
	X(ink,       THEME_RGB(0x11151b), 233, 0) \
	X(good,      THEME_RGB(0x63b26a), 71, 2) \
	X(warn,      THEME_RGB(0xd9a441), 179, 3) \
	X(bad,       THEME_RGB(0xe05a5e), 167, 9) \
	X(violet,    THEME_RGB(0xb08ad8), 140, 13) \
	X(teal,      THEME_RGB(0x4db5b3), 73, 14) \
	X(cold,      THEME_RGB(0x22406b), 24, 4)

#define THEME_ROLES(X) \
	X(NORMAL, normal, text, paper, 0, 0, \
	  "ordinary text and the screen background") \
	X(DIM, dim, muted, inherit, 0, THEME_ATTR_DIM, \
	  "secondary text") \
	X(TITLE, title, accent, inherit, THEME_ATTR_BOLD, THEME_ATTR_BOLD, \
	  "panel titles") \
	X(BORDER, border, muted, inherit, 0, 0, \
	  "panel borders") \
	X(BORDER_FOCUS, border_focus, accent, inherit, 0, THEME_ATTR_BOLD, \
	  "the border of the panel that has the focus") \
	X(HEADER, header, bar_fg, bar_bg, 0, THEME_ATTR_REVERSE, \
	  "the top line: model, method, sparsity, tau, seed, dataset") \
	X(STATUS, status, bar_fg, bar_bg, 0, THEME_ATTR_REVERSE, \
	  "status line") \
	X(COLUMN_HEADER, column_header, accent, inherit, THEME_ATTR_BOLD, \
	  THEME_ATTR_UNDERLINE, "column titles of the layer table") \
	X(LABEL, label, muted, inherit, 0, 0, \
	  "labels in the projection panel (params, MACs ...)") \
	X(FKEY, fkey, ink, warn, THEME_ATTR_BOLD, \
	  THEME_ATTR_REVERSE | THEME_ATTR_BOLD, "key names in the footer") \
	X(FKEY_LABEL, fkey_label, bar_fg, bar_bg, 0, 0, \
	  "what the footer keys do") \
	X(HELP_KEY, help_key, warn, inherit, THEME_ATTR_BOLD, THEME_ATTR_BOLD, \
	  "keys on the help screen") \
	X(HELP_TEXT, help_text, text, inherit, 0, 0, \
	  "text on the help screen") \
	X(SELECTED, selected, sel_fg, sel_bg, THEME_ATTR_BOLD, \
	  THEME_ATTR_REVERSE | THEME_ATTR_BOLD, "the selected row") \
	X(SELECTED_UNFOCUS, selected_unfocus, bar_fg, unfocus, 0, \
	  THEME_ATTR_REVERSE, "the selected row of a panel without focus") \
	X(CURSOR, cursor, ink, accent, 0, \
	  THEME_ATTR_REVERSE | THEME_ATTR_UNDERLINE, \
	  "the cell cursor in the heatmap and the sparsity grid") \
	X(VALUE, value, text, inherit, THEME_ATTR_BOLD, THEME_ATTR_BOLD, \
	  "numbers") \
	X(VALUE_GOOD, value_good, good, inherit, 0, 0, \
	  "a number that improved (smaller, faster, more accurate)") \
	X(VALUE_WARN, value_warn, warn, inherit, THEME_ATTR_BOLD, \
	  THEME_ATTR_BOLD, "a number worth a look") \
	X(VALUE_BAD, value_bad, bad, inherit, THEME_ATTR_BOLD, \
	  THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE, "a number that got worse") \
	X(PRUNED, pruned, muted, inherit, THEME_ATTR_DIM, THEME_ATTR_DIM, \
	  "channels the plan removes") \
	X(KEPT, kept, teal, inherit, 0, THEME_ATTR_BOLD, \
	  "channels the plan keeps") \
	X(LOCKED, locked, warn, inherit, 0, THEME_ATTR_UNDERLINE, \
	  "layers excluded from pruning (space)") \
	X(RESILIENT, resilient, violet, inherit, THEME_ATTR_BOLD, \
	  THEME_ATTR_BOLD, "layers PSE marks as resilient") \
	X(GROUP_HIGHLIGHT, group_highlight, bar_fg, group_bg, 0, \
	  THEME_ATTR_UNDERLINE, \
	  "the other layers of the selected layer's dependency group") \
	X(PROGRESS_DONE, progress_done, accent, inherit, 0, THEME_ATTR_BOLD, \
	  "the done part of a progress bar") \
	X(PROGRESS_TODO, progress_todo, muted, inherit, 0, THEME_ATTR_DIM, \
	  "the remaining part of a progress bar") \
	X(GRAPH_LOSS, graph_loss, bad, inherit, 0, 0, \
	  "loss curves") \
	X(GRAPH_ACC, graph_acc, good, inherit, 0, THEME_ATTR_BOLD, \
	  "accuracy curves") \
	X(ERROR, error, bad, inherit, THEME_ATTR_BOLD, \
	  THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE, "error messages") \
	X(WARNING, warning, warn, inherit, 0, THEME_ATTR_BOLD, \
	  "warnings in the log line") \
	X(NOTICE, notice, accent, inherit, 0, 0, \
	  "notices (the too-small screen, hints)") \
	X(HEAT_LEGEND, heat_legend, muted, inherit, 0, 0, \
	  "the text of the gradient legend") \
	X(DIALOG, dialog, bar_fg, bar_bg, 0, 0, \
	  "dialogs (method, sparsity, export)") \
	X(INPUT, input, ink, bar_fg, 0, THEME_ATTR_UNDERLINE, \
	  "text entry fields (Enter: exact channel count)") \
	X(SCROLLBAR, scrollbar, muted, inherit, 0, 0, \
	  "scroll bars") \
	X(MODIFIED, modified, warn, inherit, THEME_ATTR_BOLD, THEME_ATTR_BOLD, \
	  "the unsaved-edits mark") \
	X(INACTIVE, inactive, muted, inherit, THEME_ATTR_DIM, THEME_ATTR_DIM, \
	  "actions not available (--readonly)")

#define THEME_GRADIENTS(X) \
	X(HEAT, heat, cold, warn, bad, \
	  "blue cyan yellow bright_red", "blue cyan yellow red", "ramp", \
	  "sensitivity and scores, low to high") \
	X(DIVERGE, diverge, accent, muted, bad, \
	  "bright_blue blue bright_black red bright_red", "blue cyan white yellow red", \
	  "=-.+#", "signed values: negative, zero, positive") \
	X(USAGE, usage, good, warn, bad, \
	  "green yellow red", "green yellow red", "ramp", \
	  "fill bars, low to high")

#endif
