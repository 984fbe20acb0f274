/* tour_path.h: where `reconvene tour` finds a tour script given by name
 * (or the default one, reconvene.tour): a NAME with a '/' or ending in
 * .tour that exists is a path; otherwise NAME(.tour) is looked for in
 * $RECONVENE_TOURS_DIR, then tours/ beside the program (an uninstalled
 * build, exe_dir.h), then $(pkgdatadir)/tours.
 *
 * Owns: nothing (caller's buffer).  Thread rules: main thread (getenv).
 *
 *   char path[1024];
 *   if (!tour_path_find(NULL, path, sizeof path)) ... not installed ...;
 */
#ifndef RECONVENE_TOUR_PATH_H
#define RECONVENE_TOUR_PATH_H

#include <stdbool.h>
#include <stddef.h>

#define TOUR_DEFAULT_NAME "reconvene"

/* name NULL: the default tour.  False when nothing readable was found
 * (buf then holds the name as given, for the message). */
bool tour_path_find(const char *name, char *buf, size_t len);

#endif
