#include "config.h"

#include <math.h>

#include "base/hash.h"
#include "base/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	r->spare = 0.0;
	r->has_spare = false;
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double rng_uniform(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
	/* Lemire's multiply-shift with rejection of the biased low range. */
	uint64_t m = (rng_next(r) >> 32) * (uint64_t)n;
	uint32_t low = (uint32_t)m;
	if (low < n) {
		uint32_t threshold = (uint32_t)(-n) % n;
		while (low < threshold) {
			m = (rng_next(r) >> 32) * (uint64_t)n;
			low = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

float rng_normal(struct rng *r)
{
	if (r->has_spare) {
		r->has_spare = false;
		return (float)r->spare;
	}
	double u1 = 1.0 - rng_uniform(r); /* (0, 1]: log is finite */
	double u2 = rng_uniform(r);
	double radius = sqrt(-2.0 * log(u1));
	double theta = 2.0 * M_PI * u2;
	r->spare = radius * sin(theta);
	r->has_spare = true;
	return (float)(radius * cos(theta));
}

uint64_t rng_derive_seed(uint64_t seed, const char *name)
{
	uint64_t h = hash_fnv1a_str(hash_fnv1a_init(), name);
	uint64_t x = seed;
	return splitmix64(&x) ^ h;
}
