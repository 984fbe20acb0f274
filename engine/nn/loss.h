/* loss.h: softmax cross-entropy over a batch of logits.
 *
 * Owns: nothing; all buffers are the caller's.
 *
 *   float loss = loss_softmax_xent(logits, labels, batch, classes, dlogits);
 */
#ifndef RECONVENE_LOSS_H
#define RECONVENE_LOSS_H

#include <stdint.h>

/* Mean over the batch of -log softmax(logits)[label].  If dlogits is not
 * NULL it receives d(mean loss)/d logits = (softmax - onehot) / batch.
 * Labels must be in [0, classes).  Computed stably (max subtracted) in
 * double. */
float loss_softmax_xent(const float *logits, const int32_t *labels, int batch,
			int classes, float *dlogits);
/* Number of samples whose arg-max logit equals the label. */
int loss_count_correct(const float *logits, const int32_t *labels, int batch,
		       int classes);

#endif
