/* plan_log_export.h: the plan history as files: PREFIX.csv (plan_log_csv)
 * and PREFIX.png, a trade-off chart (render.h) of quick-eval accuracy
 * against batch-1 latency and against parameters: every measured plan, the
 * Pareto front of each panel drawn as a line, the current plan and the
 * dense and unstructured-PaI baselines marked.
 *
 * Owns: nothing; everything is borrowed for the call.  Files are written
 * atomically (fileio.h).  Thread rules: any one thread (no BLAS).
 *
 *   struct plan_log_marks m = { .current = app_history_current(&a), ... };
 *   if (plan_log_export(&log, names, &m, style, "resnet20-history", &warn, &err))
 *       ... err.msg names the file ...
 */
#ifndef RECONVENE_PLAN_LOG_EXPORT_H
#define RECONVENE_PLAN_LOG_EXPORT_H

#include "base/status.h"
#include "base/warn.h"
#include "explorer/plan_log.h"
#include "output/render.h"

/* What the chart marks besides the plans; NaN where not measured. */
struct plan_log_marks {
	const char *title;      /* "resnet20: plans measured in the explorer" */
	int current;            /* entry of the current plan, or -1 */
	double dense_ms, dense_params, dense_acc;
	double pai_ms, pai_params, pai_acc;
};

/* Write PREFIX.csv and PREFIX.png.  group_names: n_groups names for the
 * CSV's keep columns.  EINVAL (an empty log: nothing to chart), ENOMEM,
 * EIO with err naming the file. */
enum eng_status plan_log_export(const struct plan_log *log, const char *const *group_names,
				const struct plan_log_marks *marks,
				const struct render_style *style, const char *prefix,
				const struct eng_warn *warn, struct eng_err *err);

#endif
