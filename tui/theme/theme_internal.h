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

/* Built-in palette entry i as a theme colour (theme.c). */
struct theme_color theme_bpal_color(int i);
/* Named colours of tokens first.. into out (*n of them); false on a bad
 * word (theme.c). */
bool theme_list_parse(const struct theme_tokens *t, int first, int32_t *out, int *n);

/* A regular file we may read; s ends with suffix (theme_paths.c). */
bool theme_file_readable(const char *path);
bool theme_ends_with(const char *s, const char *suffix);

#endif
