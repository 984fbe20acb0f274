/* xdg_dir.h: the explorer's per-user directories of the XDG base
 * directory spec.  The front end resolves them and hands them on; the
 * engine reads no environment.
 *
 *   cache: $XDG_CACHE_HOME/reconvene, else $HOME/.cache/reconvene: the
 *          result cache (worker.h, cache.h)
 *   state: $XDG_STATE_HOME/reconvene, else $HOME/.local/state/reconvene:
 *          saved explorer sessions (session_file.h)
 *
 * A relative XDG variable is invalid and ignored, as the spec says.
 * Nothing is created here.
 *
 * Owns: nothing; fills caller storage.  Thread rules: main thread
 * (getenv).
 *
 *   char dir[1024];
 *   struct eng_err err;
 *   if (cache_dir_resolve(dir, sizeof dir, &err) == ENG_STATUS_OK)
 *           cfg.cache_dir = dir;
 *   else
 *           ... warn: "<err.msg>; results are not saved on disk" ...
 */
#ifndef RECONVENE_XDG_DIR_H
#define RECONVENE_XDG_DIR_H

#include <stddef.h>

#include "base/status.h"

/* The directory into buf.  EINVAL with a message starting "cache: " /
 * "session: " when neither variable is usable or buf is too small. */
enum eng_status cache_dir_resolve(char *buf, size_t n, struct eng_err *err);
enum eng_status state_dir_resolve(char *buf, size_t n, struct eng_err *err);

#endif
