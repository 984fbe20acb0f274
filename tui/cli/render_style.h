/* render_style.h: the colours (and font) of the PNG pictures the batch
 * commands write, taken from a theme the way the explorer takes its screen
 * colours.
 *
 * Owns: nothing; fills caller storage.  Prints one line on stderr when the
 * theme cannot be loaded.  Thread rules: main thread.
 *
 *   struct render_style style;
 *   if (cli_render_style(opt_theme, &style) != CLI_EXIT_OK)
 *           return CLI_EXIT_FAILURE;
 *   render_heatmap_write(&h, &style, path, &cli_warn, &err);
 */
#ifndef RECONVENE_RENDER_STYLE_H
#define RECONVENE_RENDER_STYLE_H

#include "output/render.h"

/* A theme (name or path; NULL = default) resolved into PNG colours;
 * CLI_EXIT_FAILURE (one line printed) if it cannot be loaded. */
int cli_render_style(const char *theme, struct render_style *out);

#endif
