/* pen.c: one line of text written left to right (pen.h). */
#include "config.h"

#include "screen/pen.h"

#include <stdarg.h>
#include <stdio.h>

#include <curses.h>

#include "explorer/keys.h"
#include "screen/colors.h"
#include "screen/paint.h"
#include "theme/glyphs.h"

void pen_put(struct pen *p, enum theme_role role, const char *s)
{
	if (p->x >= p->end)
		return;
	colors_role(stdscr, role);
	p->x += paint_text(p->y, p->x, p->end - p->x, s);
}

/* Only when the whole text fits: optional details on narrow screens. */
void pen_fit(struct pen *p, enum theme_role role, const char *s)
{
	if (p->x + keys_text_cols(s) <= p->end)
		pen_put(p, role, s);
}

void pen_putf(struct pen *p, enum theme_role role, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pen_put(p, role, buf);
}

void pen_progress(struct pen *p, int width, long done, long total)
{
	double f = total > 0 ? (double)done / (double)total : 0.0;
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	int k = (int)(f * width + 0.5);
	for (int i = 0; i < width && p->x < p->end; i++)
		pen_put(p, i < k ? THEME_ROLE_PROGRESS_DONE : THEME_ROLE_PROGRESS_TODO,
			glyph(i < k ? GLYPH_PROGRESS_DONE : GLYPH_PROGRESS_TODO));
	pen_putf(p, THEME_ROLE_VALUE, " %3.0f%%", f * 100.0);
}
