/* scratch.h: a test program's scratch directory: made once in main under
 * $TMPDIR (else /tmp), removed at the end with everything below it.
 *
 *   static char dir[512];
 *   if (scratch_dir_make("check_npy", dir, sizeof dir)) return EXIT_FAILURE;
 *   ... run the suite ...
 *   scratch_dir_remove(dir);
 */
#ifndef RECONVENE_TESTS_SCRATCH_H
#define RECONVENE_TESTS_SCRATCH_H

#include <stddef.h>

/* mkdtemp of $TMPDIR/<prog>.XXXXXX into buf; 0, or -1 after perror. */
int scratch_dir_make(const char *prog, char *buf, size_t len);
/* Remove dir and everything below it (depth first, links not followed). */
void scratch_dir_remove(const char *dir);

#endif
