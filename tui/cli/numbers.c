/* numbers.c: strict number parsing for option values (base/numparse.c
 * decides; the command line and the engine's file readers agree). */
#include "config.h"

#include "base/numparse.h"
#include "cli/numbers.h"

int cli_parse_long(const char *text, long min, long max, long *out)
{
	return numparse_long(text, min, max, out);
}

int cli_parse_float(const char *text, double min, double max, double *out)
{
	return numparse_double(text, min, max, out);
}
