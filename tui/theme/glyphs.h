/* glyphs.h: every glyph the explorer draws, in a UTF-8 and an ASCII twin.
 *
 * One enum indexes two parallel tables (htop's CRT_treeStrUtf8 and
 * CRT_treeStrAscii), so no drawing code ever holds a literal glyph and the
 * ASCII fallback cannot miss one.  Every entry, in both tables, is exactly
 * one terminal column wide; layout code can count cells without wcwidth.
 * The shade ramp is the exception in length only: UTF-8 has 5 shades, ASCII
 * 9 (" .:-=+*%@"); use glyphs_ramp() rather than indexing it.
 *
 * Owns: static strings only.  The mode (UTF-8 or ASCII) is one process-wide
 * flag set once at start-up, before any drawing thread runs; afterwards it
 * is only read.  Decide it with glyphs_want_utf8() from
 * nl_langinfo(CODESET) (after setlocale(LC_ALL, "")), --ascii and $TERM.
 *
 *   glyphs_use_utf8(glyphs_want_utf8(nl_langinfo(CODESET), opt_ascii, getenv("TERM")));
 *   mvaddstr(y, x, glyph(GLYPH_BOX_TL));
 *   addstr(glyphs_bar(5));            // a 5/8 partial bar cell
 *   addstr(glyphs_ramp(level, 16));   // shade for level 0..15
 */
#ifndef RECONVENE_GLYPHS_H
#define RECONVENE_GLYPHS_H

#include <stdbool.h>

/* X(ENUM, utf8, ascii) */
#define GLYPHS_TABLE(X) \
	X(BOX_H, "─", "-") \
	X(BOX_V, "│", "|") \
	X(BOX_TL, "┌", "+") \
	X(BOX_TR, "┐", "+") \
	X(BOX_BL, "└", "+") \
	X(BOX_BR, "┘", "+") \
	X(BOX_T_DOWN, "┬", "+") \
	X(BOX_T_UP, "┴", "+") \
	X(BOX_T_RIGHT, "├", "+") \
	X(BOX_T_LEFT, "┤", "+") \
	X(BOX_CROSS, "┼", "+") \
	X(COLUMN_SEP, "▕", "|") \
	X(BAR_1, "▏", "-") \
	X(BAR_2, "▎", "-") \
	X(BAR_3, "▍", "-") \
	X(BAR_4, "▌", "=") \
	X(BAR_5, "▋", "=") \
	X(BAR_6, "▊", "=") \
	X(BAR_7, "▉", "#") \
	X(BAR_8, "█", "#") \
	X(VBAR_1, "▁", "_") \
	X(VBAR_2, "▂", "_") \
	X(VBAR_3, "▃", ".") \
	X(VBAR_4, "▄", "o") \
	X(VBAR_5, "▅", "o") \
	X(VBAR_6, "▆", "O") \
	X(VBAR_7, "▇", "#") \
	X(VBAR_8, "█", "#") \
	X(RAMP_0, " ", " ") \
	X(RAMP_1, "░", ".") \
	X(RAMP_2, "▒", ":") \
	X(RAMP_3, "▓", "-") \
	X(RAMP_4, "█", "=") \
	X(RAMP_5, "█", "+") \
	X(RAMP_6, "█", "*") \
	X(RAMP_7, "█", "%") \
	X(RAMP_8, "█", "@") \
	X(ARROW_LEFT, "←", "<") \
	X(ARROW_RIGHT, "→", ">") \
	X(ARROW_UP, "↑", "^") \
	X(ARROW_DOWN, "↓", "v") \
	X(TRIANGLE_RIGHT, "▸", ">") \
	X(TIMES, "×", "x") \
	X(MIDDOT, "·", "|") \
	X(ELLIPSIS, "…", "~") \
	X(MARK_RESILIENT, "R", "R") \
	X(MARK_LOCKED, "L", "L") \
	X(MARK_KEPT, "●", "o") \
	X(MARK_PRUNED, "·", ".") \
	X(MARK_MODIFIED, "*", "*") \
	X(PROGRESS_DONE, "▓", "#") \
	X(PROGRESS_TODO, "░", "-") \
	X(SCROLL_THUMB, "█", "#") \
	X(SCROLL_TRACK, "│", "|") \
	X(BULLET, "•", "*") \
	X(PLOT_POINT, "·", ".") \
	X(PLOT_FRONT, "◆", "*") \
	X(PLOT_CURRENT, "◉", "@")

enum glyph {
#define GLYPHS_X_ENUM(E, u, a) GLYPH_##E,
	GLYPHS_TABLE(GLYPHS_X_ENUM)
#undef GLYPHS_X_ENUM
	GLYPH_COUNT
};

/* Set the mode (default: ASCII, the safe choice before it is decided). */
void glyphs_use_utf8(bool on);
bool glyphs_utf8(void);

/* The decision, as a pure function: UTF-8 glyphs when the locale's codeset
 * is UTF-8, --ascii was not given and the terminal is not the Linux console
 * (whose font lacks most of them; btop's TTY mode). */
bool glyphs_want_utf8(const char *codeset, bool ascii_flag, const char *term);

/* The glyph in the current mode, or in an explicit one. */
const char *glyph(enum glyph g);
const char *glyphs_get(enum glyph g, bool utf8);
/* Name of a glyph ("BOX_H"), for tests and debugging. */
const char *glyphs_name(enum glyph g);

/* A horizontal partial bar cell for 1..8 eighths (clamped; 0 is a blank). */
const char *glyphs_bar(int eighths);
/* A vertical bar cell for 1..8 eighths (clamped; 0 is a blank). */
const char *glyphs_vbar(int eighths);
/* Number of distinct shades in the current mode's ramp (5 or 9). */
int glyphs_ramp_len(void);
/* The shade for level 0..levels-1 (clamped), spread over the ramp with
 * level 0 blank and the top level the densest glyph. */
const char *glyphs_ramp(int level, int levels);

#endif
