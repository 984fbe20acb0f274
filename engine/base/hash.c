#include "config.h"

#include <string.h>

#include "base/hash.h"

uint64_t hash_fnv1a_init(void)
{
	return HASH_FNV1A_OFFSET;
}

uint64_t hash_fnv1a_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= HASH_FNV1A_PRIME;
	}
	return h;
}

uint64_t hash_fnv1a_str(uint64_t h, const char *s)
{
	return hash_fnv1a_bytes(h, s, strlen(s));
}

uint64_t hash_fnv1a_u32(uint64_t h, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
			       (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
	return hash_fnv1a_bytes(h, b, sizeof b);
}
