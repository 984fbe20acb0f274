/* bench_json.h: the benches' side-by-side figures as JSON lines, for
 * bench/run-all (issue 13's one JSON object of every figure).
 *
 * When $BENCH_JSON names a file, each bench_json_figure call appends one
 * line to it: {"bench", "figure", "model", "threads", "unit", "better",
 * "ours", "reference", "theirs", "ratio"}, ratio > 1 meaning ours is
 * better (higher / theirs for "higher", theirs / ours for "lower"); theirs
 * and ratio are null when the reference did not run.  Unset: nothing.
 * A line is written with one fputs on a file opened for appending, so a
 * killed bench leaves whole lines.
 *
 * Owns nothing.  Thread rules: the bench's main thread.
 */
#ifndef RECONVENE_BENCH_JSON_H
#define RECONVENE_BENCH_JSON_H

#include <stdbool.h>

/* The thread count the process's OpenBLAS runs with (1 when unknown). */
int bench_json_threads(void);

/* lower: a time (lower is better); else a rate.  theirs <= 0: not run. */
void bench_json_figure(const char *bench, const char *figure, const char *model,
		       int threads, const char *unit, bool lower, double ours,
		       const char *reference, double theirs);

#endif
