/* protobuf.h: the Protocol Buffers wire format, read in place.
 *
 * A message is a sequence of fields, each a varint key (field number << 3 |
 * wire type) followed by a varint, 8 or 4 little-endian bytes, or a
 * varint length and that many bytes (strings, bytes, sub-messages, packed
 * repeated scalars).  This reader walks those fields over a borrowed
 * buffer: nothing is copied, nothing allocated, and every length is
 * checked against the end of the buffer before it is used, so any bytes
 * at all give either fields or "malformed".  Groups (wire types 3 and 4,
 * deprecated, unused by ONNX) are malformed.
 *
 * Owns: nothing.  Field data points into the caller's buffer.
 * Thread rules: a reader is plain caller storage.
 *
 *   struct protobuf_reader r;
 *   struct protobuf_field f;
 *   const char *why;
 *   protobuf_reader_init(&r, buf, len);
 *   int rc;
 *   while ((rc = protobuf_next(&r, &f, &why)) > 0)
 *           if (f.number == 7 && f.wire == PROTOBUF_WIRE_LEN) ... f.data, f.len
 *   if (rc < 0) ... why
 */
#ifndef RECONVENE_PROTOBUF_H
#define RECONVENE_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum protobuf_wire {
	PROTOBUF_WIRE_VARINT = 0,
	PROTOBUF_WIRE_I64 = 1,     /* fixed64, sfixed64, double */
	PROTOBUF_WIRE_LEN = 2,     /* bytes, string, message, packed */
	PROTOBUF_WIRE_I32 = 5,     /* fixed32, sfixed32, float */
};

struct protobuf_reader {
	const uint8_t *p;          /* next byte */
	const uint8_t *end;        /* one past the message */
};

struct protobuf_field {
	uint32_t number;           /* >= 1 */
	enum protobuf_wire wire;
	uint64_t u;                /* VARINT, I64, I32: the value's bits */
	const uint8_t *data;       /* LEN: the bytes (borrowed) */
	size_t len;                /* LEN: their count */
};

void protobuf_reader_init(struct protobuf_reader *r, const void *data, size_t len);
/* The next field: 1, or 0 at the end of the message, or -1 when the bytes
 * are malformed (then *why is a constant phrase such as "length past the
 * end" and the reader stays at the bad field). */
int protobuf_next(struct protobuf_reader *r, struct protobuf_field *f,
		  const char **why);
/* A varint at *p (before end); advances *p.  False when it runs past end
 * or is longer than 10 bytes. */
bool protobuf_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);

/* Every value of one repeated scalar field of a message, whether written
 * packed (one LEN field) or not (one field per value), in order. */
struct protobuf_scalars {
	struct protobuf_reader msg;
	uint32_t number;
	enum protobuf_wire elem;   /* VARINT, I32 or I64 */
	const uint8_t *pk, *pk_end; /* inside a packed run */
};
void protobuf_scalars_init(struct protobuf_scalars *it, const void *msg,
			   size_t len, uint32_t number, enum protobuf_wire elem);
/* 1 and *v (the value's bits), 0 at the end, -1 malformed (*why). */
int protobuf_scalars_next(struct protobuf_scalars *it, uint64_t *v,
			  const char **why);

/* Bits to values. */
static inline float protobuf_float(uint64_t bits)
{
	union { uint32_t u; float f; } c = { .u = (uint32_t)bits };
	return c.f;
}

#endif
