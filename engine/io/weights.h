/* weights.h: a net's weights in a safetensors file (io/safetensors.h).
 *
 * A net's parameters and BN statistics are stored under PyTorch-like names
 * (<layer>.weight, <layer>.bias, <layer>.running_mean,
 * <layer>.running_var), plus optional <layer>.weight_mask (U8, 1 = kept).
 * weights_load checks the whole file against the net before it copies
 * anything: on any error the net is left untouched.
 *
 * Owns: masks returned by weights_load_full are malloc'd; the caller frees
 * them.  struct weights_meta is caller storage (no heap).
 *
 * Errors: one line "path: tensor: problem" (or "path: header: problem").
 * Writes are atomic: a temporary file next to the target, fsync, rename.
 *
 * Thread rules: none shared; one net per call.
 *
 *   struct weights_meta meta = { 0 };
 *   weights_meta_set(&meta, "model", "resnet20");
 *   if (weights_save(net, "r20.safetensors", &meta, &err)) ...;
 *   if (weights_load(net2, "r20.safetensors", &err)) ...;
 */
#ifndef RECONVENE_WEIGHTS_H
#define RECONVENE_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "io/safetensors.h"
#include "nn/net.h"

#define WEIGHTS_META_MAX 16
#define WEIGHTS_META_KEY_MAX 64
#define WEIGHTS_META_VALUE_MAX 512

/* String metadata recorded with the weights (model, seed, method, ...). */
struct weights_meta {
	int n;                                          /* entries used */
	bool truncated;  /* load: the file had entries that did not fit */
	char key[WEIGHTS_META_MAX][WEIGHTS_META_KEY_MAX];
	char value[WEIGHTS_META_MAX][WEIGHTS_META_VALUE_MAX];
};

/* Set or replace key; false when the table is full or a string too long. */
bool weights_meta_set(struct weights_meta *m, const char *key, const char *value);
/* Value for key, or NULL. */
const char *weights_meta_get(const struct weights_meta *m, const char *key);

/* Write every layer's tensors in net order: <layer>.weight and
 * <layer>.bias (conv [out, in/groups, k, k], linear [out, in], bn [c]) and,
 * for BN, <layer>.running_mean and <layer>.running_var [c].  meta may be
 * NULL. */
enum eng_status weights_save(const struct net *net, const char *path,
			     const struct weights_meta *meta, struct eng_err *err);
/* The same, plus <layer>.weight_mask (U8, the weight's shape) for each conv
 * or linear layer whose weights are not all kept.  masks is aligned with
 * net->params (n_params bytes, 1 = kept; bias entries are ignored); NULL
 * writes no masks. */
enum eng_status weights_save_masked(const struct net *net, const char *path,
				    const struct weights_meta *meta,
				    const uint8_t *masks, struct eng_err *err);

/* Load into net.  Every expected tensor must be present with dtype F32 and
 * the exact shape; tolerated extras are <conv|linear>.weight_mask (U8, the
 * weight's shape, values 0/1) and <bn>.num_batches_tracked (I64 scalar,
 * ignored); anything else is an error.  On error the net is untouched. */
enum eng_status weights_load(struct net *net, const char *path,
			     struct eng_err *err);
/* weights_load, and optionally: *masks = malloc'd n_params bytes aligned
 * with net->params (1 = kept; 1 where the file has no mask), or NULL when
 * the file has no mask at all; *meta = the file's metadata.  Either pointer
 * may be NULL.  Outputs are set only on success. */
enum eng_status weights_load_full(struct net *net, const char *path,
				  uint8_t **masks, struct weights_meta *meta,
				  struct eng_err *err);

/* weights_load_full, then the file's masks applied: every weight a mask
 * removes is zero, so the net computes what the pruned file does (a
 * forward pass of a bundle, its verification).  meta may be NULL. */
enum eng_status weights_load_masked(struct net *net, const char *path,
				    struct weights_meta *meta, struct eng_err *err);

#endif
