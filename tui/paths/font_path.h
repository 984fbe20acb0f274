/* font_path.h: where the PNG pictures' font comes from: $RECONVENE_FONT
 * when it is set (then only that file, even when it cannot be read, so
 * tests can check the fallback), else DejaVuSans.ttf in the first of the
 * FONT_DIRS (a colon-separated list compiled into the front end from
 * Makefile.am) that has it.  The renderer (output/render.h) gets both and
 * reads no environment.
 *
 * Owns: nothing; the strings point into the environment or static
 * storage.  Thread rules: main thread (getenv).
 *
 *   struct font_path fp;
 *   font_path_get(&fp);
 *   style.font = fp.font;              // cli_render_style does this
 *   style.font_dirs = fp.dirs;
 */
#ifndef RECONVENE_FONT_PATH_H
#define RECONVENE_FONT_PATH_H

struct font_path {
	const char *font;   /* $RECONVENE_FONT (may be ""), or NULL */
	const char *dirs;   /* FONT_DIRS */
};

void font_path_get(struct font_path *out);

#endif
