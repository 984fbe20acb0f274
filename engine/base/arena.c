#include "config.h"

#include <stdlib.h>

#include "base/arena.h"

#define ARENA_ALIGN_FLOATS 16 /* 64 bytes */

size_t arena_round(size_t n)
{
	return (n + ARENA_ALIGN_FLOATS - 1) / ARENA_ALIGN_FLOATS * ARENA_ALIGN_FLOATS;
}

enum eng_status arena_init(struct arena *a, size_t cap)
{
	a->base = NULL;
	a->cap = 0;
	a->used = 0;
	cap = arena_round(cap ? cap : 1);
	void *p = NULL;
	if (posix_memalign(&p, 64, cap * sizeof(float)) != 0)
		return ENG_STATUS_ENOMEM;
	a->base = p;
	a->cap = cap;
	return ENG_STATUS_OK;
}

void arena_done(struct arena *a)
{
	free(a->base);
	a->base = NULL;
	a->cap = a->used = 0;
}

float *arena_alloc(struct arena *a, size_t n)
{
	size_t need = arena_round(n);
	if (need > a->cap - a->used)
		return NULL;
	float *p = a->base + a->used;
	a->used += need;
	return p;
}

void arena_reset(struct arena *a, size_t mark)
{
	ENG_ASSERT(mark <= a->used);
	a->used = mark;
}
