/* fuzz_report: libFuzzer target for reading a bundle's report.json
 * (output/report.c: report_read, which `reconvene report DIR` uses to
 * re-run the plan).
 *
 * Every input either fails cleanly (EINVAL, one line naming the file) or
 * reads; what it reads, put into a report (report_write with no net and
 * no result: the settings and the verification) and read again, gives the
 * same settings and verification (reals to the 10 digits the writer
 * keeps), and writing that gives the same text.  Anything else aborts,
 * including a conversion UBSan calls undefined.
 *
 *   ./fuzz/fuzz_report -max_total_time=600 fuzz/corpus/report tests/fuzz/corpus/report
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "output/report.h"

/* report_write keeps 10 significant digits (JSON_REAL_PRECISION(10)). */
static int fuzz_real_same(double a, double b)
{
	return a == b || fabs(a - b) <= 1e-9 * fabs(a);
}

static void fuzz_report_same(const struct report_info *a, const struct bundle_check *va,
			     const struct report_info *b, const struct bundle_check *vb)
{
	fuzz_check(strcmp(a->model, b->model) == 0 && a->method == b->method &&
		   fuzz_real_same(a->sparsity, b->sparsity) && fuzz_real_same(a->tau, b->tau) &&
		   a->seed == b->seed && a->k == b->k && a->min_keep == b->min_keep &&
		   a->synflow_iterations == b->synflow_iterations &&
		   a->include_residual == b->include_residual &&
		   a->sensitive_dense == b->sensitive_dense, "round trip changed the settings");
	fuzz_check(va->done == vb->done, "round trip changed whether it was verified");
	if (va->done)
		fuzz_check(va->batch == vb->batch && va->input_seed == vb->input_seed &&
			   fuzz_real_same(va->max_abs_diff, vb->max_abs_diff) &&
			   fuzz_real_same(va->reload_max_abs_diff, vb->reload_max_abs_diff) &&
			   fuzz_real_same(va->tolerance, vb->tolerance) && va->pass == vb->pass,
			   "round trip changed the verification");
}

/* report_write then report_read; returns the text (malloc'd). */
static char *fuzz_report_write_read(const struct report_info *info,
				    const struct bundle_check *verify,
				    struct report_info *back, struct bundle_check *vback)
{
	struct report_input in;
	report_input_init(&in);
	in.info = *info;
	in.verify = *verify;
	char path[PATH_MAX];
	struct eng_err err;
	fuzz_scratch_path(path, sizeof path, "written.json");
	if (report_write(path, &in, &err) != ENG_STATUS_OK) {
		fprintf(stderr, "fuzz: report_write: %s\n", err.msg);
		abort();
	}
	if (report_read(path, back, vback, &err) != ENG_STATUS_OK) {
		fprintf(stderr, "fuzz: written report does not read: %s\n", err.msg);
		abort();
	}
	size_t n;
	return fuzz_scratch_read(path, &n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	fuzz_scratch_write(path, sizeof path, "report.json", data, size);
	struct report_info info, back, again;
	struct bundle_check verify, vback, vagain;
	struct eng_err err;
	err.msg[0] = '\0';
	enum eng_status st = report_read(path, &info, &verify, &err);
	if (st != ENG_STATUS_OK) {
		fuzz_err_check(st, &err, path, FUZZ_ST_EINVAL);
		return 0;
	}
	fuzz_check(score_method_name(info.method) != NULL, "unknown method read");
	fuzz_check(memchr(info.model, 0, sizeof info.model) != NULL, "model not terminated");
	char *t1 = fuzz_report_write_read(&info, &verify, &back, &vback);
	fuzz_report_same(&info, &verify, &back, &vback);
	char *t2 = fuzz_report_write_read(&back, &vback, &again, &vagain);
	fuzz_check(strcmp(t1, t2) == 0, "written report not a fixed point");
	free(t1);
	free(t2);
	return 0;
}
