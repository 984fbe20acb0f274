/* pb_write.c: see pb_write.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "io/pb_write.h"

/* Wire types. */
enum { PB_VARINT = 0, PB_LEN = 2, PB_FIXED32 = 5 };

static bool reserve(struct pb_buf *b, size_t more)
{
	if (b->failed)
		return false;
	if (more > SIZE_MAX - b->len) {
		b->failed = true;
		return false;
	}
	if (b->len + more <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more)
		cap = cap > SIZE_MAX / 2 ? b->len + more : cap * 2;
	uint8_t *d = realloc(b->data, cap);
	if (!d) {
		b->failed = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

static void raw_varint(struct pb_buf *b, uint64_t v)
{
	if (!reserve(b, 10))
		return;
	do {
		uint8_t byte = v & 0x7f;
		v >>= 7;
		b->data[b->len++] = byte | (v ? 0x80 : 0);
	} while (v);
}

static void tag(struct pb_buf *b, int field, int wire)
{
	raw_varint(b, ((uint64_t)field << 3) | (uint64_t)wire);
}

void pb_varint(struct pb_buf *b, int field, uint64_t v)
{
	tag(b, field, PB_VARINT);
	raw_varint(b, v);
}

void pb_float(struct pb_buf *b, int field, float v)
{
	uint32_t u;
	memcpy(&u, &v, sizeof u);
	tag(b, field, PB_FIXED32);
	if (!reserve(b, 4))
		return;
	for (int i = 0; i < 4; i++)
		b->data[b->len++] = (uint8_t)(u >> (8 * i));
}

void pb_bytes(struct pb_buf *b, int field, const void *data, size_t len)
{
	tag(b, field, PB_LEN);
	raw_varint(b, len);
	if (len && reserve(b, len)) {
		memcpy(b->data + b->len, data, len);
		b->len += len;
	}
}

void pb_string(struct pb_buf *b, int field, const char *s)
{
	pb_bytes(b, field, s, strlen(s));
}

void pb_message(struct pb_buf *b, int field, const struct pb_buf *sub)
{
	if (sub->failed)
		b->failed = true;
	pb_bytes(b, field, sub->data, sub->len);
}

bool pb_failed(const struct pb_buf *b)
{
	return b->failed;
}

void pb_buf_done(struct pb_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}
