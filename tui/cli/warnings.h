/* warnings.h: how the batch commands show warnings: one stderr line each,
 * "reconvene: warning: <line>".  cli_warn is the struct eng_warn
 * (base/warn.h) the commands hand to every engine call that warns (the
 * renderer, ...), so engine warnings and the front end's own look alike.
 *
 * Owns: nothing.  Thread rules: any thread may print, but lines from
 * several threads may interleave; the commands warn from the main thread.
 *
 *   render_heatmap_write(&h, &style, path, &cli_warn, &err);
 *   cli_print_warnings(&spec);                 // a cfg's unknown keys
 *   eng_warn_emit(&cli_warn, "%s: ignored", what);
 */
#ifndef RECONVENE_WARNINGS_H
#define RECONVENE_WARNINGS_H

#include "base/warn.h"
#include "nn/net_spec.h"

/* An eng_warn_fn: "reconvene: warning: <line>\n" on stderr (user unused). */
void cli_warn_print(void *user, const char *line);
/* { cli_warn_print, NULL }. */
extern const struct eng_warn cli_warn;

/* A spec's parse warnings through cli_warn, oldest first. */
void cli_print_warnings(const struct net_spec *spec);

#endif
