/* report.h: report.json of a pruned bundle, and the bundle's verification.
 *
 * A bundle is the directory `reconvene prune --out DIR` writes (model.cfg,
 * model.safetensors, plan.json, report.json, heatmap.png).  report.json
 * (schema: docs/report-schema.md, tests/fixtures/report.schema.json) holds
 * the settings that made the plan, the dataset and a hash of it, per layer
 * the channels before and after, density and weight-score statistics,
 * and for the three variants dense / unstructured (the PaI mask on the
 * dense architecture) / pruned (the bundle) the analytic size and cost
 * (metrics.h) plus, when measured, latency (latency.h, with spread) and
 * quick-eval accuracy (quickeval.h, with its 95 % interval); finally the
 * verification below.  Numbers not measured are JSON null.
 *
 * The verification itself is output/bundle.h (bundle_verify); the report
 * records its result.
 *
 * Owns: report_to_json returns a new reference (json_decref it).  Every
 * other output is caller storage.  The engine never prints.
 * Thread rules: one call per net at a time (the verification runs nets).
 *
 *   struct report_input in;
 *   report_input_init(&in);
 *   ... fill in.info, in.net, in.r, in.variant[] ...
 *   if (bundle_verify(&spec, &r, "out", &in.verify, &err)) ...;
 *   if (report_write("out/report.json", &in, &err)) ...;
 */
#ifndef RECONVENE_REPORT_H
#define RECONVENE_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/data.h"
#include "measure/latency.h"
#include "measure/metrics.h"
#include "nn/net.h"
#include "nn/net_spec.h"
#include "output/bundle.h"
#include "prune/reconvene.h"
#include "base/status.h"

#define REPORT_FORMAT "reconvene-report"
#define REPORT_VERSION 1

enum report_variant_kind {
	REPORT_VARIANT_DENSE,
	REPORT_VARIANT_UNSTRUCTURED,
	REPORT_VARIANT_PRUNED,
	REPORT_VARIANT_COUNT
};

/* "dense", "unstructured", "pruned". */
const char *report_variant_name(enum report_variant_kind v);

struct report_stats {
	size_t n;
	double min, max, mean, std;  /* population std; all 0 when n is 0 */
};

/* Statistics of layer `layer`'s weight scores (scores aligned with
 * net->params, score.h); n = 0 for a layer without weights. */
void report_layer_score_stats(const struct net *net, const float *scores,
			      int layer, struct report_stats *out);

struct report_variant {
	struct metrics metrics;
	bool has_latency;
	struct latency_result latency;
	bool has_eval;
	double accuracy, ci_lo, ci_hi, loss, eval_seconds;
	int correct, test_n;
	long steps;
};

struct report_info {
	char model[NET_NAME_MAX];
	enum score_method method;
	double sparsity, tau;
	uint64_t seed;
	int k, min_keep, synflow_iterations;
	int align;                  /* > 1: --align N; RECONVENE_ALIGN_AUTO:
				     * --align auto ("auto" in the file); 0 off
				     * (absent in the file) */
	bool include_residual, sensitive_dense;
	bool keep_init;                 /* written only when set */
	int width, channels;            /* enum reconvene_width / _channels;
					 * written only when not the default */
	bool has_dataset;
	char dataset[64];
	char dataset_source[512];
	bool dataset_synthetic;
	uint64_t dataset_hash;      /* report_dataset_hash */
	bool has_eval_budget;       /* the quick-eval settings below */
	long eval_steps;
	int eval_batch, eval_train_n, eval_test_n;
	uint64_t eval_seed;
};

struct report_input {
	struct report_info info;
	const struct net *net;               /* the original, dense net */
	const struct reconvene_result *r;    /* rows, PSE scores, plan */
	struct report_variant variant[REPORT_VARIANT_COUNT];
	struct bundle_check verify;         /* bundle_verify's result */
};

/* Zero everything, settings from reconvene_options_init. */
void report_input_init(struct report_input *in);
/* Copy the settings of o (and model) into info. */
void report_info_from_options(struct report_info *info, const char *model,
			      const struct reconvene_options *o);
/* Settings back into options (for re-running the plan). */
void report_info_to_options(const struct report_info *info,
			    struct reconvene_options *o);

/* FNV-1a 64 over every split's shape, class count, labels and pixels: the
 * same files give the same hash, any changed byte another. */
uint64_t report_dataset_hash(const struct data_split *ds);

/* The report as JSON; NULL only when out of memory. */
json_t *report_to_json(const struct report_input *in);
/* report_to_json written atomically to path (2-space indent). */
enum eng_status report_write(const char *path, const struct report_input *in,
			     struct eng_err *err);

/* Read the settings and the verification of an existing report.json
 * (the fields report_to_json writes under "model", "settings" and
 * "verification"); EINVAL with "path: problem" for a malformed file. */
enum eng_status report_read(const char *path, struct report_info *info,
			    struct bundle_check *verify, struct eng_err *err);

#endif
