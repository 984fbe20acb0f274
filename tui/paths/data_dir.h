/* data_dir.h: which dataset directory the front end asks the engine for
 * when the user gave no --data: $RECONVENE_DATA, else DATA_DEFAULT_DIR
 * (data.h).  The engine reads no environment; it loads the directory it is
 * given.
 *
 * Owns: nothing; the strings point into the environment or static
 * storage.  Thread rules: main thread (getenv).
 *
 *   const char *dir = opt_data ? opt_data : data_dir_default();
 */
#ifndef RECONVENE_DATA_DIR_H
#define RECONVENE_DATA_DIR_H

/* $RECONVENE_DATA when it is set and not empty, else NULL. */
const char *data_dir_env(void);
/* data_dir_env(), else DATA_DEFAULT_DIR. */
const char *data_dir_default(void);

#endif
