/* font_path.c: the PNG font's file or directories, from the environment
 * and the build. */
#include "config.h"

#include <stdlib.h>

#include "paths/font_path.h"

#ifndef FONT_DIRS
#define FONT_DIRS "/usr/share/fonts/truetype/dejavu"
#endif

void font_path_get(struct font_path *out)
{
	out->font = getenv("RECONVENE_FONT");
	out->dirs = FONT_DIRS;
}
