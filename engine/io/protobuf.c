/* protobuf.c: the wire format, read in place (see protobuf.h).
 *
 * Every pointer step is preceded by a check of the bytes left, written as
 * a comparison of counts (never pointer + length, which could overflow), so
 * a length near SIZE_MAX is "past the end" like any other.
 */
#include "config.h"

#include <string.h>

#include "io/protobuf.h"

void protobuf_reader_init(struct protobuf_reader *r, const void *data, size_t len)
{
	r->p = data;
	r->end = r->p ? r->p + len : NULL;
}

bool protobuf_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	const uint8_t *q = *p;
	uint64_t x = 0;
	for (int shift = 0; shift < 70; shift += 7) {
		if (q == end)
			return false;
		uint8_t b = *q++;
		x |= (uint64_t)(b & 0x7f) << (shift < 64 ? shift : 63);
		if (!(b & 0x80)) {
			*p = q;
			*v = x;
			return true;
		}
	}
	return false; /* more than 10 bytes */
}

/* n little-endian bytes. */
static uint64_t protobuf_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int protobuf_next(struct protobuf_reader *r, struct protobuf_field *f,
		  const char **why)
{
	if (r->p == r->end)
		return 0;
	const uint8_t *q = r->p;
	uint64_t key;
	if (!protobuf_varint(&q, r->end, &key)) {
		*why = "truncated field key";
		return -1;
	}
	uint64_t number = key >> 3;
	if (number == 0 || number > 0x1fffffff) {
		*why = "bad field number";
		return -1;
	}
	memset(f, 0, sizeof *f);
	f->number = (uint32_t)number;
	f->wire = (enum protobuf_wire)(key & 7);
	size_t left;
	switch (key & 7) {
	case PROTOBUF_WIRE_VARINT:
		if (!protobuf_varint(&q, r->end, &f->u)) {
			*why = "truncated varint";
			return -1;
		}
		break;
	case PROTOBUF_WIRE_I64:
	case PROTOBUF_WIRE_I32: {
		int n = (key & 7) == PROTOBUF_WIRE_I64 ? 8 : 4;
		if ((size_t)(r->end - q) < (size_t)n) {
			*why = "truncated fixed-width value";
			return -1;
		}
		f->u = protobuf_le(q, n);
		q += n;
		break;
	}
	case PROTOBUF_WIRE_LEN: {
		uint64_t len;
		if (!protobuf_varint(&q, r->end, &len)) {
			*why = "truncated length";
			return -1;
		}
		left = (size_t)(r->end - q);
		if (len > left) {
			*why = "length past the end";
			return -1;
		}
		f->data = q;
		f->len = (size_t)len;
		q += len;
		break;
	}
	default:
		*why = "unknown wire type";
		return -1;
	}
	r->p = q;
	return 1;
}

void protobuf_scalars_init(struct protobuf_scalars *it, const void *msg,
			   size_t len, uint32_t number, enum protobuf_wire elem)
{
	protobuf_reader_init(&it->msg, msg, len);
	it->number = number;
	it->elem = elem;
	it->pk = it->pk_end = NULL;
}

/* One value of wire type elem from a packed run. */
static int protobuf_packed_next(struct protobuf_scalars *it, uint64_t *v,
				const char **why)
{
	if (it->elem == PROTOBUF_WIRE_VARINT) {
		if (!protobuf_varint(&it->pk, it->pk_end, v)) {
			*why = "truncated packed varint";
			return -1;
		}
		return 1;
	}
	int n = it->elem == PROTOBUF_WIRE_I64 ? 8 : 4;
	if ((size_t)(it->pk_end - it->pk) < (size_t)n) {
		*why = "packed values do not fill their length";
		return -1;
	}
	*v = protobuf_le(it->pk, n);
	it->pk += n;
	return 1;
}

int protobuf_scalars_next(struct protobuf_scalars *it, uint64_t *v,
			  const char **why)
{
	for (;;) {
		if (it->pk != it->pk_end)
			return protobuf_packed_next(it, v, why);
		struct protobuf_field f;
		int rc = protobuf_next(&it->msg, &f, why);
		if (rc <= 0)
			return rc;
		if (f.number != it->number)
			continue;
		if (f.wire == it->elem) {
			*v = f.u;
			return 1;
		}
		if (f.wire != PROTOBUF_WIRE_LEN) {
			*why = "wrong wire type for a repeated number";
			return -1;
		}
		it->pk = f.data;
		it->pk_end = f.data + f.len;
	}
}
