/* numparse.h: strict parsing of the numbers people type: option values on
 * the command line (tui/cli/numbers.h wraps these) and values in sweep
 * grids and other text files the engine reads.
 *
 * Strict: the whole text must be the number (no blanks, no trailing
 * characters), in range, without overflow; floating-point values must be
 * finite.
 *
 * Owns: nothing.  Thread rules: reentrant (errno is thread-local).
 *
 *   long n;
 *   if (numparse_long(text, 1, 100000, &n)) ...not a whole number in range...;
 */
#ifndef RECONVENE_NUMPARSE_H
#define RECONVENE_NUMPARSE_H

#include <stdbool.h>

/* The whole of text as a decimal integer in [min, max] into *out: 0, or
 * -1 (and *out untouched) for an empty text, trailing characters, an
 * overflow or a value out of range. */
int numparse_long(const char *text, long min, long max, long *out);
/* The same for a finite floating-point number in [min, max]. */
int numparse_double(const char *text, double min, double max, double *out);
/* yes/no, true/false, on/off, 1/0 (lower case) into *out: 0, or -1. */
int numparse_bool(const char *text, bool *out);

#endif
