/* model_path.h: find a model cfg from what the user typed.
 *
 * A MODEL argument is a path when it contains '/' or ends in ".cfg";
 * otherwise a name looked up as NAME.cfg in, in order: $RECONVENE_MODELS_DIR,
 * the installed data directory (PKGDATADIR/models), and the source tree's
 * models/ (so an uninstalled build works from anywhere).
 */
#ifndef RECONVENE_MODEL_PATH_H
#define RECONVENE_MODEL_PATH_H

#include <stddef.h>

#define DEFAULT_MODEL "resnet20"

/* Resolve name into path (size len).  Returns 0, or -1 with a message in
 * why (size why_len) listing where it looked. */
int model_path_resolve(const char *name, char *path, size_t len,
		       char *why, size_t why_len);

#endif
