/* batch.h: SNIP's and GraSP's scoring batch and its loss gradient
 * (batch.c).  Private to engine/score.
 *
 * Owns: score_batch_make's buffers, freed by score_batch_done.
 */
#ifndef RECONVENE_SCORE_BATCH_H
#define RECONVENE_SCORE_BATCH_H

#include <stdint.h>

#include "data/data.h"
#include "score/score_run.h"

/* SNIP's and GraSP's scoring batch (score_batch_select's samples). */
struct score_batch {
	int n;
	float *x;          /* n x net->input */
	int32_t *labels;   /* n */
};

/* Check the dataset against the net, select and fill the batch and make
 * the workspace hold it.  b is empty on error; else free it with
 * score_batch_done. */
enum eng_status score_batch_make(struct score_run *run,
				 const struct data_split *ds,
				 struct score_batch *b);
void score_batch_done(struct score_batch *b);

/* Train-mode forward and backward of the mean cross-entropy of logits / T:
 * leaves net->act, net->cache, net->dact (d loss / d output of every layer)
 * and net->grads filled.  dz (2 x batch x classes floats) receives d loss /
 * d logits, then scratch. */
void score_batch_grad(struct net *net, const struct score_batch *b, double temp,
		      float *dz);

#endif
