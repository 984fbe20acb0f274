/* warnings.h: warnings of the batch commands, one stderr line each:
 * "reconvene: warning: <line>".
 *
 * Owns: nothing.  Thread rules: main thread (stderr is shared).
 *
 *   cli_print_warnings(&spec);
 */
#ifndef RECONVENE_WARNINGS_H
#define RECONVENE_WARNINGS_H

#include "nn/net_spec.h"

/* Print a spec's parse warnings on stderr, one line each. */
void cli_print_warnings(const struct net_spec *spec);
/* "reconvene: warning: <w>" on stderr when w is not empty. */
void cli_render_warning(const char *w);

#endif
