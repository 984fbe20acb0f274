/* rng.h: the engine's seeded random number generator.
 *
 * Algorithm (fixed; changing it changes every user's weights):
 *   - state: xoshiro256** (Blackman and Vigna), 4 x 64-bit words;
 *   - seeding: the four words are successive outputs of splitmix64 started
 *     at the user's 64-bit seed;
 *   - uniform doubles: the top 53 bits of a draw, times 2^-53, in [0, 1);
 *   - normals: Box-Muller in double precision on two uniforms (u1 in (0,1]),
 *     both outputs used in turn, then rounded to float.
 * Integer and uniform outputs are bit-identical on every machine.  Normals
 * go through libm's log, sqrt and cos in double and are then rounded to
 * float, so a 1-ulp libm difference could at most flip the last bit of a
 * rare float; in practice the same seed gives the same weights everywhere.
 *
 * Owns: nothing on the heap; struct rng is caller storage.  Not thread-safe:
 * give each thread its own struct rng.
 *
 *   struct rng r;
 *   rng_seed(&r, 1);
 *   float x = rng_normal(&r);
 */
#ifndef RECONVENE_RNG_H
#define RECONVENE_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];     /* xoshiro256** state */
	double spare;      /* second Box-Muller output */
	bool has_spare;    /* spare is valid */
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, 1). */
double rng_uniform(struct rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint32_t rng_below(struct rng *r, uint32_t n);
/* Standard normal, N(0, 1). */
float rng_normal(struct rng *r);
/* A seed for a named sub-stream, so that e.g. each layer's init depends only
 * on (seed, layer name) and not on the layers before it. FNV-1a of the name
 * mixed with splitmix64 of the seed. */
uint64_t rng_derive_seed(uint64_t seed, const char *name);

#endif
