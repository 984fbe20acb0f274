#include "config.h"

/* bigtext.c: three-row figures (bigtext.h). */

#include <string.h>

#include <curses.h>

#include "screen/bigtext.h"
#include "theme/glyphs.h"

/* Rows of 3 pixels, top to bottom, as bits (4 = left). */
static const struct {
	char c;
	unsigned char row[5];
} bigtext_font[] = {
	{ '0', { 7, 5, 5, 5, 7 } }, { '1', { 2, 6, 2, 2, 7 } },
	{ '2', { 7, 1, 7, 4, 7 } }, { '3', { 7, 1, 7, 1, 7 } },
	{ '4', { 5, 5, 7, 1, 1 } }, { '5', { 7, 4, 7, 1, 7 } },
	{ '6', { 7, 4, 7, 5, 7 } }, { '7', { 7, 1, 1, 1, 1 } },
	{ '8', { 7, 5, 7, 5, 7 } }, { '9', { 7, 5, 7, 1, 7 } },
	{ '.', { 0, 0, 0, 0, 2 } }, { 'x', { 0, 5, 2, 5, 0 } },
	{ '%', { 5, 1, 2, 4, 5 } }, { '-', { 0, 0, 7, 0, 0 } },
};

static const unsigned char *bigtext_rows(char c)
{
	for (size_t i = 0; i < sizeof bigtext_font / sizeof bigtext_font[0]; i++)
		if (bigtext_font[i].c == c)
			return bigtext_font[i].row;
	return NULL;
}

int bigtext_cols(const char *s)
{
	int n = (int)strlen(s);
	return n > 0 ? 4 * n - 1 : 0;
}

int bigtext_draw(int y, int x, int maxcols, const char *s)
{
	bool utf8 = glyphs_utf8();
	/* Cell for (top pixel, bottom pixel). */
	const char *cell[4] = { " ", utf8 ? "\xe2\x96\x84" : ",", utf8 ? "\xe2\x96\x80" : "\"",
				utf8 ? "\xe2\x96\x88" : "#" };
	int w = 0;
	for (const char *c = s; *c && w + 3 <= maxcols; c++) {
		const unsigned char *rows = bigtext_rows(*c);
		for (int r = 0; r < BIGTEXT_ROWS; r++) {
			unsigned top = rows && 2 * r < 5 ? rows[2 * r] : 0;
			unsigned bot = rows && 2 * r + 1 < 5 ? rows[2 * r + 1] : 0;
			for (int k = 0; k < 3; k++) {
				unsigned bit = 4u >> k;
				int i = ((top & bit) ? 2 : 0) | ((bot & bit) ? 1 : 0);
				mvaddstr(y + r, x + w + k, cell[i]);
			}
		}
		w += 4;
	}
	return w > 0 ? w - 1 : 0;
}
