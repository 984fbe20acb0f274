/* arena.h: the workspace arena: one aligned block of floats handed out in
 * pieces (activations, gradients, im2col scratch of a net).
 *
 * Owns: struct arena owns one aligned block (freed by arena_done); the
 * pointers arena_alloc hands out are views into it, valid until
 * arena_reset below them or arena_done.
 *
 * Thread rules: none shared; one arena per net, used by one thread at a time.
 *
 *   struct arena a;
 *   arena_init(&a, 1 << 20);            // capacity in floats
 *   float *x = arena_alloc(&a, 4096);   // 64-byte aligned, NULL when full
 *   arena_done(&a);
 */
#ifndef RECONVENE_ARENA_H
#define RECONVENE_ARENA_H

#include <stddef.h>

#include "base/status.h"

struct arena {
	float *base;  /* owned, 64-byte aligned */
	size_t cap;   /* capacity in floats */
	size_t used;  /* floats handed out (each allocation rounded up to 16) */
};

/* Allocate an arena of cap floats; ENG_STATUS_ENOMEM on failure. */
enum eng_status arena_init(struct arena *a, size_t cap);
void arena_done(struct arena *a);
/* n floats, 64-byte aligned, uninitialised; NULL if the arena is full. */
float *arena_alloc(struct arena *a, size_t n);
/* Floats an allocation of n really takes (for sizing an arena up front). */
size_t arena_round(size_t n);
/* Release everything allocated after the point where used was mark. */
void arena_reset(struct arena *a, size_t mark);

#endif
