/* json_num.h: a double as JSON: a number when finite, null otherwise
 * (JSON has no NaN or infinity; the program's undefined figures, such as a
 * correlation over constant data or a missing latency, are written null).
 *
 * Owns: the returned reference is the caller's.  Pure, any thread.
 */
#ifndef RECONVENE_JSON_NUM_H
#define RECONVENE_JSON_NUM_H

#include <jansson.h>

json_t *json_real_or_null(double v);

#endif
