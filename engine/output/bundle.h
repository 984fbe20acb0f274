/* bundle.h: a pruned bundle: the directory `reconvene prune --out DIR`
 * and the explorer's export write (model.cfg, model.safetensors with
 * masks, model.onnx, plan.json; prune adds report.json and heatmap.png).
 *
 * Saving (bundle_save): the pruned spec, the pruned net's weights with
 * <layer>.weight_mask for masked layers, and the plan with its settings.
 *
 * Verification (bundle_verify): reload DIR/model.cfg and
 * DIR/model.safetensors (masks applied) -- the compacted net -- and build
 * the "masked original": the ORIGINAL architecture whose parameters and
 * BN statistics are the reloaded ones scattered back through the plan's
 * parameter map (everything a removed channel owned is zero, plan.h's
 * plan_mask_channels), so it computes what the compacted net should.  One
 * seeded batch goes through both in eval mode; the largest absolute logit
 * difference must be <= BUNDLE_VERIFY_TOLERANCE x max(1, the largest
 * |logit| of the masked original) (relative: float32 rounding grows with
 * the logits, which reach hundreds in an untrained MobileNetV2).  The in-memory pruned net
 * is run too (reload_max_abs_diff: the files reproduce it).
 *
 * Owns: nothing past a call; results are caller storage.  The engine never
 * prints.  Thread rules: one call per net at a time (verification runs
 * nets).
 *
 *   if (bundle_save(&r, &o, "resnet20", "out", &err)) ...;
 *   struct bundle_check chk;
 *   if (bundle_verify(&spec, &r, "out", &chk, &err)) ...;
 */
#ifndef RECONVENE_BUNDLE_H
#define RECONVENE_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/status.h"
#include "nn/net_spec.h"
#include "prune/reconvene.h"

/* The files of a bundle directory. */
#define BUNDLE_CFG_FILE "model.cfg"
#define BUNDLE_WEIGHTS_FILE "model.safetensors"
#define BUNDLE_PLAN_FILE "plan.json"

#define BUNDLE_VERIFY_TOLERANCE 1e-4
#define BUNDLE_VERIFY_BATCH 8
#define BUNDLE_VERIFY_SEED 1234

struct bundle_check {
	bool done;                  /* false: "verification": null */
	int batch;
	uint64_t input_seed;
	double max_abs_diff;        /* masked original vs reloaded compacted */
	double reload_max_abs_diff; /* in-memory pruned net vs reloaded */
	double tolerance;           /* absolute: 1e-4 x max(1, max |logit|) */
	bool pass;                  /* both diffs <= tolerance */
};

/* Write dir/model.cfg, dir/model.safetensors (weights + <layer>.weight_mask
 * for masked layers; metadata model, method, sparsity, seed, tau, k, and
 * "pruned_by" = "reconvene"), dir/model.onnx (io/onnx_export.h: the
 * pruned shapes, masked weights as zeros, the same metadata and
 * plan_hash) and dir/plan.json.  dir and its parents are
 * created as needed (mode 0755); an existing non-directory is an error.
 * model = the original model's name (for the plan). */
enum eng_status bundle_save(const struct reconvene_result *r,
			       const struct reconvene_options *o,
			       const char *model, const char *dir,
			       struct eng_err *err);

/* Verification, see the top of this file.  orig_spec: the spec the ORIGINAL net was
 * built from; r: the result that was saved to dir.  EINVAL when the bundle
 * does not match r (parameter count); read errors of the files as
 * cfg.h / weights.h give them.  A failed check is not an error: *out says
 * pass = false. */
enum eng_status bundle_verify(const struct net_spec *orig_spec,
				     const struct reconvene_result *r,
				     const char *dir, struct bundle_check *out,
				     struct eng_err *err);

#endif
