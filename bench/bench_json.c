/* bench_json.c: see bench_json.h. */
#include "config.h"

#include "bench_json.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int bench_json_threads(void)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	return openblas_get_num_threads();
#else
	return 1;
#endif
}

void bench_json_figure(const char *bench, const char *figure, const char *model,
		       int threads, const char *unit, bool lower, double ours,
		       const char *reference, double theirs)
{
	const char *path = getenv("BENCH_JSON");
	if (!path || !*path)
		return;
	char line[1024], t[64] = "null", r[64] = "null", o[64] = "null";
	if (isfinite(ours) && ours > 0)
		snprintf(o, sizeof o, "%.6g", ours);
	if (isfinite(theirs) && theirs > 0 && isfinite(ours) && ours > 0) {
		snprintf(t, sizeof t, "%.6g", theirs);
		snprintf(r, sizeof r, "%.4f", lower ? theirs / ours : ours / theirs);
	}
	/* Names are the benches' own constants: no escaping needed. */
	snprintf(line, sizeof line,
		 "{\"bench\": \"%s\", \"figure\": \"%s\", \"model\": \"%s\", \"threads\": %d, "
		 "\"unit\": \"%s\", \"better\": \"%s\", \"ours\": %s, \"reference\": \"%s\", "
		 "\"theirs\": %s, \"ratio\": %s}\n",
		 bench, figure, model, threads, unit, lower ? "lower" : "higher", o,
		 reference, t, r);
	FILE *f = fopen(path, "a");
	if (!f) {
		fprintf(stderr, "bench: BENCH_JSON %s: cannot append\n", path);
		return;
	}
	fputs(line, f);
	fclose(f);
}
