/* numbers.h: strict parsing of the numbers the commands take as option
 * values.
 *
 * Owns: nothing.  Thread rules: reentrant (errno is thread-local).
 *
 *   long steps;
 *   if (cli_parse_long(optarg, 1, 100000, &steps))
 *           return cli_usage_error("train", "--steps '%s' ...", optarg);
 */
#ifndef RECONVENE_NUMBERS_H
#define RECONVENE_NUMBERS_H

/* The whole of text as a decimal integer in [min, max] into *out: 0, or
 * -1 (and *out untouched) for an empty text, trailing characters, an
 * overflow or a value out of range. */
int cli_parse_long(const char *text, long min, long max, long *out);
/* The same for a finite floating-point number in [min, max]. */
int cli_parse_float(const char *text, double min, double max, double *out);

#endif
