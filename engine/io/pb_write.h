/* pb_write.h: the protocol-buffers wire format, writing side (varints,
 * fixed32 floats, length-delimited bytes and nested messages): what the
 * ONNX exporter (io/onnx_export.c) needs to write a ModelProto.
 *
 * Why our own and not protobuf-c: the exporter writes about fifteen
 * fields of six message types, and protobuf-c would have it build the
 * whole generated struct tree, copying every weight into it, before
 * packing; this is ~100 lines, fuzz-free (it only writes) and checked by
 * python3-onnx's checker and ONNX Runtime reading its output
 * (tests/onnx_export.sh).
 *
 * A message is built in a struct pb_buf; a nested message is built in its
 * own buffer and appended with pb_message (length first, as the format
 * wants).  Allocation failure is sticky: every call after it does nothing
 * and pb_failed() says so once at the end.
 *
 * Owns: buf->data (malloc'd); free with pb_buf_done.
 *
 *   struct pb_buf node = { 0 };
 *   pb_string(&node, 4, "Relu");            // NodeProto.op_type
 *   pb_message(&graph, 1, &node);           // GraphProto.node
 *   pb_buf_done(&node);
 */
#ifndef RECONVENE_PB_WRITE_H
#define RECONVENE_PB_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pb_buf {
	uint8_t *data;
	size_t len, cap;
	bool failed;	/* an allocation failed; the contents are incomplete */
};

/* Field `field` as a varint (int32, int64, enum, bool). */
void pb_varint(struct pb_buf *b, int field, uint64_t v);
/* Field as a 32-bit little-endian float. */
void pb_float(struct pb_buf *b, int field, float v);
/* Field as length-delimited bytes (string, bytes). */
void pb_bytes(struct pb_buf *b, int field, const void *data, size_t len);
/* pb_bytes of a NUL-terminated string. */
void pb_string(struct pb_buf *b, int field, const char *s);
/* Field as a nested message: sub's bytes (sub is left as it is). */
void pb_message(struct pb_buf *b, int field, const struct pb_buf *sub);
/* True when any call on b (or a sub appended to it) ran out of memory. */
bool pb_failed(const struct pb_buf *b);
void pb_buf_done(struct pb_buf *b);

#endif
