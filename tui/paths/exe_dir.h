/* exe_dir.h: the directory the running program lives in, so that a build
 * that is not installed (./reconvene in the checkout) finds the models/
 * and themes/ beside it.  Nothing about the source tree is compiled in:
 * an installed program looks there too, finds nothing, and relies on
 * $(pkgdatadir).
 *
 * Owns: static storage, filled on the first call (pthread_once), valid
 * until exit; never free the strings.  Thread rules: any thread.
 *
 *   const char *d = exe_dir_models();     // "/home/me/reconvene/models"
 *   if (d) ... look for NAME.cfg in d ...
 */
#ifndef RECONVENE_EXE_DIR_H
#define RECONVENE_EXE_DIR_H

/* The directory of /proc/self/exe (symbolic links resolved), or NULL when
 * it cannot be read. */
const char *exe_dir_get(void);
/* The program itself, /proc/self/exe resolved (for command lines that
 * run it again: sweep jobs), or NULL. */
const char *exe_dir_program(void);
/* exe_dir_get() + "/models", or NULL. */
const char *exe_dir_models(void);
/* exe_dir_get() + "/themes", or NULL. */
const char *exe_dir_themes(void);

#endif
