/* json_num.c: a double as JSON (json_num.h). */
#include "config.h"

#include <math.h>

#include "io/json_num.h"

json_t *json_real_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}
