/* theme_color.h: colour values and attribute bits, and the words theme
 * files write them in: what theme_color.c owns.  theme.h includes it, so
 * every user of themes sees the values; the word parsers below the
 * colour maths are for the theme module's own files (theme.c,
 * theme_load.c).
 *
 * Colour values (int32_t):
 *   THEME_COLOR_DEFAULT (-1)  the terminal's own fg or bg (curses -1)
 *   0..255                    an xterm palette index (0..15 the named ones)
 *   THEME_RGB(0xrrggbb)       a 24-bit colour (flag bit 24 set)
 *   THEME_COLOR_INHERIT (-2)  only in unresolved roles: normal's colour
 *   THEME_COLOR_NONE (-3)     only in equivalents: "convert automatically"
 *
 * Owns: nothing; plain values and pure functions (reentrant).
 */
#ifndef RECONVENE_THEME_COLOR_H
#define RECONVENE_THEME_COLOR_H

#include <stdbool.h>
#include <stdint.h>

#define THEME_COLOR_DEFAULT (-1)
#define THEME_COLOR_INHERIT (-2)
#define THEME_COLOR_NONE (-3)
#define THEME_COLOR_RGB_FLAG 0x1000000
#define THEME_RGB(x) ((int32_t)(THEME_COLOR_RGB_FLAG | ((x) & 0xffffff)))

#define THEME_ATTR_BOLD 0x01u
#define THEME_ATTR_DIM 0x02u
#define THEME_ATTR_UNDERLINE 0x04u
#define THEME_ATTR_REVERSE 0x08u
#define THEME_ATTR_ITALIC 0x10u
#define THEME_ATTR_STANDOUT 0x20u

/* --- colour maths (exported for tests and the PNG writer) --- */
/* Nearest xterm-256 index: the 6x6x6 cube (levels 0,95,135,175,215,255)
 * or the grey ramp 232..255, whichever is closer (tmux's method). */
int theme_rgb_to_256(uint32_t rgb);
/* Our 256 -> 16 table. */
int theme_256_to_16(int idx);
/* 16 -> 8: drops the bright bit and ORs THEME_ATTR_BOLD into *attrs. */
int theme_16_to_8(int idx, unsigned *attrs);
/* The xterm default RGB of a palette index 0..255. */
uint32_t theme_index_rgb(int idx);
/* Resolved colour to the number ncurses wants on a direct-colour terminal
 * (xterm-direct: values below 8 are the ANSI colours, others are RGB). */
int32_t theme_color_direct(int32_t c);
/* Parse one colour word as theme files write it (no `$name`, no `-`);
 * false if it is not one. */
bool theme_color_parse(const char *word, int32_t *out);
/* Parse attribute words ("bold underline", "none"); false on a bad word. */
bool theme_attrs_parse(const char *text, unsigned *out);

/* --- the words of theme files (the theme module's files) --- */

/* Tokens of one value ("$ink $paper bold underline"). */
#define THEME_TOKENS_MAX 24
#define THEME_TOKEN_LEN 64

/* The words of one value, split at blanks (theme_color.c). */
struct theme_tokens {
	int n;
	char tok[THEME_TOKENS_MAX][THEME_TOKEN_LEN];
	bool overflow; /* too many tokens or one too long */
};

void theme_tokens_split(const char *s, struct theme_tokens *t);

/* Whether a colour value is direct RGB (THEME_COLOR_RGB_FLAG), and its
 * 0xRRGGBB (an index colour by the xterm table) (theme_color.c). */
bool theme_is_rgb(int32_t c);
uint32_t theme_color_rgb(int32_t c);

/* A named colour ("red", "bright_blue", "default") as its index, or -1;
 * a number 0..255; one attribute word into *bits (theme_color.c). */
int theme_named_parse(const char *w);
bool theme_number_parse(const char *w, int *out);
bool theme_attr_word(const char *w, unsigned *bits);

#endif
