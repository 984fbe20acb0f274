/* cache_dir.h: the directory of the explorer's result cache (worker.h,
 * cache.h): $XDG_CACHE_HOME/reconvene, else $HOME/.cache/reconvene.  The
 * front end resolves it and hands it to the worker; the engine reads no
 * environment.
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
#ifndef RECONVENE_CACHE_DIR_H
#define RECONVENE_CACHE_DIR_H

#include <stddef.h>

#include "base/status.h"

/* The directory into buf (a relative $XDG_CACHE_HOME is invalid and
 * ignored, as the XDG spec says).  EINVAL with a message starting
 * "cache: " when neither variable is usable or buf is too small. */
enum eng_status cache_dir_resolve(char *buf, size_t n, struct eng_err *err);

#endif
