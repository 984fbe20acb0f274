/* numbers.c: strict number parsing for option values. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "cli/numbers.h"

int cli_parse_long(const char *text, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (*text == '\0' || *end != '\0' || errno || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_float(const char *text, double min, double max, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (*text == '\0' || *end != '\0' || errno || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
