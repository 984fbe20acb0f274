#include "config.h"

#include "screen/paint.h"

#include <curses.h>

#include "screen/colors.h"
#include "theme/glyphs.h"

int paint_text(int y, int x, int maxcols, const char *s)
{
	if (maxcols <= 0 || !s)
		return 0;
	int cols = 0;
	const char *p = s, *last = s; /* last: where the final column starts */
	while (*p && cols < maxcols) {
		last = p;
		p++;
		while ((*p & 0xc0) == 0x80)
			p++;
		cols++;
	}
	/* Cut short: the last column says so (trailing blanks do not count). */
	const char *rest = p;
	while (*rest == ' ')
		rest++;
	if (*rest && cols == maxcols && maxcols > 1) {
		mvaddnstr(y, x, s, (int)(last - s));
		addstr(glyph(GLYPH_ELLIPSIS));
		return cols;
	}
	if (p > s)
		mvaddnstr(y, x, s, (int)(p - s));
	return cols;
}

void paint_repeat(int y, int x, int n, const char *s)
{
	if (n <= 0)
		return;
	move(y, x);
	for (int i = 0; i < n; i++)
		addstr(s);
}

static void paint_fill(const struct layout_rect *r, enum theme_role role)
{
	colors_role(stdscr, role);
	for (int y = 0; y < r->h; y++)
		paint_repeat(r->y + y, r->x, r->w, " ");
}

void paint_box(const struct layout_rect *r, const char *title,
	      enum theme_role border, enum theme_role fill)
{
	if (r->h <= 0 || r->w <= 0)
		return;
	paint_fill(r, fill);
	if (r->h < 2 || r->w < 2)
		return;
	colors_role(stdscr, border);
	mvaddstr(r->y, r->x, glyph(GLYPH_BOX_TL));
	paint_repeat(r->y, r->x + 1, r->w - 2, glyph(GLYPH_BOX_H));
	addstr(glyph(GLYPH_BOX_TR));
	for (int y = 1; y < r->h - 1; y++) {
		mvaddstr(r->y + y, r->x, glyph(GLYPH_BOX_V));
		mvaddstr(r->y + y, r->x + r->w - 1, glyph(GLYPH_BOX_V));
	}
	mvaddstr(r->y + r->h - 1, r->x, glyph(GLYPH_BOX_BL));
	paint_repeat(r->y + r->h - 1, r->x + 1, r->w - 2, glyph(GLYPH_BOX_H));
	addstr(glyph(GLYPH_BOX_BR));
	if (title && *title && r->w > 6) {
		colors_role(stdscr, THEME_ROLE_TITLE);
		mvaddstr(r->y, r->x + 2, " ");
		int n = paint_text(r->y, r->x + 3, r->w - 6, title);
		mvaddstr(r->y, r->x + 3 + n, " ");
	}
}
