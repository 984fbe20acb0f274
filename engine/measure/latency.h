/* latency.h: measured batch-1 inference latency of a net, four variants.
 *
 * One function, latency_measure, times net forwards at batch 1 in EVAL
 * mode (BN running statistics) on a fixed pseudo-random input.  The dense
 * kernels run the fused copy of the net (nn/net_fuse.h: BN folded into
 * its conv, ReLU/ReLU6 applied in the conv's or add's output pass), as
 * deployment runtimes run a model:
 *
 *   LATENCY_VARIANT_DENSE       the net as it is, dense kernels
 *   LATENCY_VARIANT_MASKED      the unstructured PaI net on dense kernels:
 *                               the net with every mask == 0 weight set to
 *                               0 (what an edge device without sparse
 *                               support runs; as fast as dense, measured
 *                               anyway).  Needs mask.
 *   LATENCY_VARIANT_SPARSE      the unstructured net with every conv and
 *                               linear layer on the CSR kernel of
 *                               sparse.h (the best case for
 *                               unstructured pruning).  Needs mask.
 *   LATENCY_VARIANT_STRUCTURED  a compacted net (plan_result.net of
 *                               plan.h), dense kernels.  Runs exactly like
 *                               DENSE; the variant only labels the result.
 *                               A mask, if given, is ignored.
 *
 * Protocol: opt->warmup untimed forwards, then timed forwards (each timed
 * alone with CLOCK_MONOTONIC) until at least opt->min_runs runs AND at
 * least opt->min_ms of timed time, or opt->max_runs runs, whichever comes
 * first; independently the whole call (set-up and warm-up included) stops
 * starting new runs once opt->max_ms of wall time has passed and at least
 * one timed run exists (result->capped is then true and runs may be below
 * min_runs).  The figure reported is the median; p10 and p90 give the
 * spread (nearest-rank on the sorted samples).
 *
 * Abort: opt->abort (base/cancel.h; may be NULL) is read before every run,
 * warm-up included, and between the layers of the SPARSE runner's set-up;
 * once it is requested (from any thread) the call returns
 * ENG_STATUS_ABORTED promptly (within one forward) with *result zeroed and
 * nothing leaked.  Progress: opt->progress
 * (may be NULL) is called from the calling thread after each timed run with
 * (runs done, the run count the call currently expects); total is an
 * estimate that may grow or shrink, done <= total.
 *
 * Mask: n_params bytes aligned with net->params, 1 = keep (as
 * score_mask_global and weights_load produce); entries of non-conv/linear
 * parameters and of biases are ignored.  NULL with MASKED or SPARSE is
 * EINVAL.
 *
 * Owns: nothing after return; temporaries (weight backup, CSR matrices,
 * timing samples) are allocated and freed inside the call.
 *
 * Side effects on the net: it is used (one thread at a time, as net.h
 * says): the SPARSE runner uses its workspace (sparse_net_build
 * prepares it for batch 1 if net->max_batch < 1); the other variants
 * time a fused copy with a workspace of its own (for MASKED with the
 * masked weights zero in the copy).  Params and BN statistics of the net
 * are never changed.
 *
 * Threads: OpenBLAS's thread count (process-wide, openblas_set_num_threads
 * or OPENBLAS_NUM_THREADS, which the caller, the worker or `reconvene
 * bench`, decides) is how many threads a DENSE, MASKED or STRUCTURED
 * measurement uses: with more than one, the timed forwards keep OpenBLAS
 * on the calling thread and run the fused net's layers on a team of that
 * many (net_forward_team), and the count is restored before returning.
 * The CSR kernel is single-threaded (no OpenMP, no BLAS).
 *
 *   struct latency_options o;
 *   latency_options_init(&o);
 *   o.abort = &job->cancel;                 // a struct cancel
 *   struct latency_result r;
 *   if (latency_measure(net, mask, LATENCY_VARIANT_SPARSE, &o, &r, &err)) ...;
 *   printf("%.3f ms [%.3f, %.3f] over %d runs\n", r.median_ms, r.p10_ms,
 *          r.p90_ms, r.runs);
 */
#ifndef RECONVENE_LATENCY_H
#define RECONVENE_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/net.h"
#include "base/cancel.h"
#include "base/status.h"

enum latency_variant {
	LATENCY_VARIANT_DENSE,
	LATENCY_VARIANT_MASKED,
	LATENCY_VARIANT_SPARSE,
	LATENCY_VARIANT_STRUCTURED,
	LATENCY_VARIANT_COUNT
};

/* Called after each timed run; done <= total (see above). */
typedef void (*latency_progress_fn)(int done, int total, void *user);

struct latency_options {
	int warmup;          /* untimed forwards first (default 3) */
	int min_runs;        /* at least this many timed runs (default 10) */
	int max_runs;        /* at most this many (default 2000) */
	double min_ms;       /* and at least this much timed time (default 100) */
	double max_ms;       /* wall-time cap of the whole call (default 1000) */
	uint64_t input_seed; /* the fixed input's RNG seed (default 1) */
	latency_progress_fn progress; /* may be NULL */
	void *progress_user;
	const struct cancel *abort;   /* may be NULL; requested = stop */
};

struct latency_result {
	enum latency_variant variant;
	int runs;            /* timed runs */
	bool capped;         /* stopped by max_ms before min_runs / min_ms */
	double median_ms;    /* per forward */
	double p10_ms, p90_ms;
	double min_ms, max_ms, mean_ms;
	double wall_ms;      /* the whole call: set-up, warm-up, runs */
	/* What was run, per sample: MACs of the kernels actually executed
	 * (SPARSE: kept weights only; MASKED: the dense count), parameters
	 * stored (SPARSE: kept conv/linear weights + every other parameter;
	 * others: net->n_params), of which non-zero under the mask (MASKED and
	 * SPARSE: n_params minus the masked conv/linear weights; others:
	 * params) and bytes of parameter storage (SPARSE: CSR values + column
	 * indices + row pointers + 4 per other parameter; others: 4 per
	 * param). */
	uint64_t macs;
	size_t params;
	size_t nonzero;
	size_t bytes;
};

/* Defaults as listed in struct latency_options; no progress, no abort. */
void latency_options_init(struct latency_options *opt);

/* "dense", "masked", "sparse", "structured"; NULL if out of range. */
const char *latency_variant_name(enum latency_variant v);

/* Measure (see the top of this file).  EINVAL for a bad option (min_runs
 * < 1, max_runs < min_runs, negative times, warmup < 0) or a missing mask;
 * ENOMEM; ENG_STATUS_ABORTED.  *result is zeroed on error. */
enum eng_status latency_measure(struct net *net, const uint8_t *mask,
				enum latency_variant variant,
				const struct latency_options *opt,
				struct latency_result *result,
				struct eng_err *err);

#endif
