#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "theme/glyphs.h"

static const char *const glyphs_utf8_tab[GLYPH_COUNT] = {
#define GLYPHS_X_UTF8(E, u, a) [GLYPH_##E] = u,
	GLYPHS_TABLE(GLYPHS_X_UTF8)
#undef GLYPHS_X_UTF8
};

static const char *const glyphs_ascii_tab[GLYPH_COUNT] = {
#define GLYPHS_X_ASCII(E, u, a) [GLYPH_##E] = a,
	GLYPHS_TABLE(GLYPHS_X_ASCII)
#undef GLYPHS_X_ASCII
};

static const char *const glyphs_names[GLYPH_COUNT] = {
#define GLYPHS_X_NAME(E, u, a) [GLYPH_##E] = #E,
	GLYPHS_TABLE(GLYPHS_X_NAME)
#undef GLYPHS_X_NAME
};

/* Written once at start-up before threads exist, then read-only. */
static bool glyphs_mode_utf8;

void glyphs_use_utf8(bool on)
{
	glyphs_mode_utf8 = on;
}

bool glyphs_utf8(void)
{
	return glyphs_mode_utf8;
}

bool glyphs_want_utf8(const char *codeset, bool ascii_flag, const char *term)
{
	if (ascii_flag || !codeset)
		return false;
	if (term && strcmp(term, "linux") == 0)
		return false;
	return strcasecmp(codeset, "UTF-8") == 0 || strcasecmp(codeset, "utf8") == 0;
}

const char *glyphs_get(enum glyph g, bool utf8)
{
	if ((unsigned)g >= GLYPH_COUNT)
		return "?";
	return utf8 ? glyphs_utf8_tab[g] : glyphs_ascii_tab[g];
}

const char *glyph(enum glyph g)
{
	return glyphs_get(g, glyphs_mode_utf8);
}

const char *glyphs_name(enum glyph g)
{
	if ((unsigned)g >= GLYPH_COUNT)
		return "?";
	return glyphs_names[g];
}

const char *glyphs_bar(int eighths)
{
	if (eighths <= 0)
		return " ";
	if (eighths > 8)
		eighths = 8;
	return glyph((enum glyph)(GLYPH_BAR_1 + eighths - 1));
}

const char *glyphs_vbar(int eighths)
{
	if (eighths <= 0)
		return " ";
	if (eighths > 8)
		eighths = 8;
	return glyph((enum glyph)(GLYPH_VBAR_1 + eighths - 1));
}

/* The UTF-8 table has only 5 distinct shades (space, light, medium, dark,
 * full); its RAMP_5..8 repeat the full block to keep the tables parallel. */
int glyphs_ramp_len(void)
{
	return glyphs_mode_utf8 ? 5 : 9;
}

const char *glyphs_ramp(int level, int levels)
{
	int n = glyphs_ramp_len();
	if (levels <= 1)
		return glyph(GLYPH_RAMP_0 + n - 1);
	if (level < 0)
		level = 0;
	if (level >= levels)
		level = levels - 1;
	/* Rounded, so both ends land exactly on blank and densest. */
	int k = (int)(((long)level * (n - 1) * 2 + (levels - 1)) / (2L * (levels - 1)));
	return glyph((enum glyph)(GLYPH_RAMP_0 + k));
}
