/* cancel.h: the engine's one cancellation flag.
 *
 * Every engine call that can be stopped from outside takes a
 * `const struct cancel *` (an options field or a parameter, named abort):
 * score_compute, reconvene_run / reconvene_pse_run, latency_measure,
 * sparse_net_build, train_run, train_evaluate and quickeval_run.  NULL means
 * "cannot be cancelled".  The call polls the flag at its safe points
 * (between layers, passes, SynFlow iterations, timed runs and batches; each
 * header says where) and, once it reads a request, cleans up and returns
 * ENG_STATUS_ABORTED.  The flag stays set until the owner clears it.
 *
 * Owns: nothing.  struct cancel is caller storage; the engine only reads it
 * (hence the const pointer) and does not keep the pointer after the call.
 * Initialise one with cancel_init; an object of static storage duration
 * starts cleared without it.
 *
 * Thread rules: the flag is one atomic_int, so cancel_request and
 * cancel_clear may be called from any thread while another polls it, and
 * cancel_request from a signal handler too (atomic_int is lock-free, which
 * the static assertion below checks, and a lock-free atomic store is
 * async-signal-safe).  A request carries no data: anything else the
 * cancelling thread wants the job to see goes under its own lock.
 *
 *   static struct cancel stop;             // or cancel_init(&stop)
 *   opt.abort = &stop;                     // job thread: score_compute(..)
 *   cancel_request(&stop);                 // any thread, signal handler
 *   if (cancel_requested(opt.abort)) ...   // what the engine polls
 *   cancel_clear(&stop);                   // before the next job
 */
#ifndef RECONVENE_CANCEL_H
#define RECONVENE_CANCEL_H

#include <stdatomic.h>
#include <stdbool.h>

_Static_assert(ATOMIC_INT_LOCK_FREE == 2,
	"cancel_request runs in signal handlers: needs a lock-free atomic_int");

struct cancel {
	atomic_int requested; /* non-zero: stop at the next poll */
};

/* A cleared flag in automatic or allocated storage. */
static inline void cancel_init(struct cancel *c)
{
	atomic_init(&c->requested, 0);
}

/* Ask the job polling c to stop.  Any thread, or a signal handler. */
static inline void cancel_request(struct cancel *c)
{
	atomic_store(&c->requested, 1);
}

/* Forget a request (before reusing the flag for the next job). */
static inline void cancel_clear(struct cancel *c)
{
	atomic_store(&c->requested, 0);
}

/* True once a request was made; false for NULL (no flag). */
static inline bool cancel_requested(const struct cancel *c)
{
	return c && atomic_load(&c->requested) != 0;
}

#endif
