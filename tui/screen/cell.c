/* cell.c: one-character cells of the explorer's charts (cell.h). */
#include "config.h"

#include "screen/cell.h"

#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "screen/colors.h"
#include "theme/glyphs.h"

/* Heat level (0 .. steps-1) of density d in [0, 1]. */
int cell_level(double d, int steps)
{
	if (!(d >= 0))
		d = 0;
	if (d > 1)
		d = 1;
	int l = (int)(d * (steps - 1) + 0.5);
	return l;
}

/* One glyph (one character, UTF-8) at (y, x) in the window's current
 * colour and attributes, through a converted cchar_t: the heatmap draws
 * thousands of cells a frame and waddnstr would decode each one.  Keyed by
 * the text, not the pointer: theme ramps are replaced when themes change. */
void cell_glyph(int y, int x, const char *s)
{
	static struct {
		char s[8];
		cchar_t cc;
	} cache[32];
	static int n;
	for (int i = 0; i < n; i++)
		if (strcmp(cache[i].s, s) == 0) {
			mvadd_wch(y, x, &cache[i].cc);
			return;
		}
	size_t len = strlen(s);
	wchar_t wc[2] = { 0, 0 };
	mbstate_t st;
	memset(&st, 0, sizeof st);
	if (n == (int)(sizeof cache / sizeof cache[0]) || len == 0 ||
	    len >= sizeof cache[0].s || mbrtowc(&wc[0], s, len, &st) != len ||
	    setcchar(&cache[n].cc, wc, A_NORMAL, 0, NULL) != OK) {
		mvaddstr(y, x, s);
		return;
	}
	memcpy(cache[n].s, s, len + 1);
	mvadd_wch(y, x, &cache[n++].cc);
}

/* One heat cell: a full block in the gradient's colour; in monochrome the
 * gradient's glyph ramp (never blank for a kept channel). */
void cell_heat(int y, int x, int level, int steps, bool kept,
			   enum theme_role base)
{
	const struct theme_resolved *t = colors_theme();
	if (colors_tier() == THEME_TIER_MONO) {
		if (!kept) {
			colors_role(stdscr, THEME_ROLE_PRUNED);
			cell_glyph(y, x, glyph(GLYPH_MARK_PRUNED));
			return;
		}
		/* Never the blank first glyph of the ramp: a kept channel must
		 * show even at the lowest score. */
		const struct theme_gradient_steps *g = &t->grad[THEME_GRADIENT_HEAT];
		int len = g->nramp > 0 ? g->nramp : glyphs_ramp_len();
		int k = len > 1 ? 1 + level * (len - 1) / (steps > 0 ? steps : 1) : 0;
		if (k > len - 1)
			k = len - 1;
		colors_role(stdscr, base);
		cell_glyph(y, x, g->nramp > 0 ? g->ramp[k] : glyphs_ramp(k, len));
		return;
	}
	colors_grad(stdscr, THEME_GRADIENT_HEAT, level, base, kept ? A_NORMAL : A_DIM);
	cell_glyph(y, x, glyph(kept ? GLYPH_BAR_8 : GLYPH_RAMP_1));
}

void cell_row_copy(int y, int x, int w)
{
	cchar_t buf[64];
	/* Chunks: mvin_wchnstr reads at most n cells into buf. */
	for (int done = 0; done < w;) {
		int n = w - done < 63 ? w - done : 63;
		if (mvin_wchnstr(y, x + done, buf, n) == ERR)
			return;
		mvadd_wchnstr(y + 1, x + done, buf, n);
		done += n;
	}
}
