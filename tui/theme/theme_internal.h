/* theme_internal.h: what the theme module's files share and nothing else
 * includes (theme.c, theme_color.c, theme_paths.c, theme_load.c,
 * theme_resolve.c).  The public interface is theme/theme.h.
 */
#ifndef RECONVENE_THEME_INTERNAL_H
#define RECONVENE_THEME_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "theme/theme.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/reconvene"
#endif

/* A theme file larger than this is certainly not a theme. */
#define THEME_FILE_MAX (1u << 20)
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

/* Built-in palette entry i as a theme colour (theme.c). */
struct theme_color theme_bpal_color(int i);
/* Named colours of tokens first.. into out (*n of them); false on a bad
 * word (theme.c). */
bool theme_list_parse(const struct theme_tokens *t, int first, int32_t *out, int *n);

/* A named colour ("red", "bright_blue", "default") as its index, or -1;
 * a number 0..255; one attribute word into *bits (theme_color.c). */
int theme_named_parse(const char *w);
bool theme_number_parse(const char *w, int *out);
bool theme_attr_word(const char *w, unsigned *bits);

/* A regular file we may read; s ends with suffix (theme_paths.c). */
bool theme_file_readable(const char *path);
bool theme_ends_with(const char *s, const char *suffix);

#endif
