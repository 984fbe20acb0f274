/* npy.h: NumPy's .npy array files, read and written (the format of
 * np.save / np.load; docs/npy.md).
 *
 * Format: the magic "\x93NUMPY", a major and a minor version byte (1.0,
 * 2.0 or 3.0), the header length (2 bytes little-endian in 1.0, 4 bytes in
 * 2.0 and 3.0), then the header: a Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 32, 32), }
 * padded with spaces and ended by '\n'; then the elements, C order, in the
 * byte order descr names.  We read float32, uint8, int32 and int64 ('<f4',
 * '|u1', '<i4', '<i8'; big-endian '>' too, converted) in C order, and
 * write little-endian version 1.0 files as np.save does (header padded to
 * a multiple of 64 bytes).
 *
 * Every header is parsed with bounds on everything: its length
 * (NPY_HEADER_MAX), the rank (NPY_RANK_MAX), each dimension, the element
 * count and the byte count (no product can overflow), and the file must
 * hold exactly the bytes the header announces (truncated files and
 * trailing bytes are errors).  Regular files are measured before anything
 * is allocated; other streams allocate as the bytes arrive, so a header
 * that lies costs at most what the stream holds.
 *
 * Owns: a struct npy_array owns its data after npy_read / npy_read_fp
 * (npy_array_done frees it; harmless on a failed read, which leaves the
 * array empty).  npy_write borrows the caller's data.
 *
 * Errors: one line "path: problem" (the path as given, or the name passed
 * to npy_read_fp).  Writes are atomic (base/fileio.h).
 *
 * Thread rules: reentrant; no shared state.
 *
 *   struct npy_array a;
 *   if (npy_read("x.npy", NPY_READ_MAX, &a, &err)) ...;
 *   if (a.dtype == NPY_DTYPE_F32 && a.rank == 4) use((const float *)a.data);
 *   npy_array_done(&a);
 *   size_t dims[2] = { n, classes };
 *   if (npy_write("y.npy", NPY_DTYPE_F32, 2, dims, logits, &err)) ...;
 */
#ifndef RECONVENE_NPY_H
#define RECONVENE_NPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"

enum npy_dtype {
	NPY_DTYPE_F32,            /* '<f4' float32 */
	NPY_DTYPE_U8,             /* '|u1' uint8 */
	NPY_DTYPE_I32,            /* '<i4' int32 */
	NPY_DTYPE_I64,            /* '<i8' int64 */
	NPY_DTYPE_COUNT
};

#define NPY_RANK_MAX 8                        /* dimensions we accept */
#define NPY_HEADER_MAX ((size_t)1 << 16)      /* header bytes we accept */
#define NPY_READ_MAX ((uint64_t)1 << 34)      /* a default data limit: 16 GiB */

struct npy_array {
	enum npy_dtype dtype;
	int rank;                  /* 0 (a scalar) .. NPY_RANK_MAX */
	size_t dims[NPY_RANK_MAX]; /* dims[0] outermost; unused entries 0 */
	size_t count;              /* elements: the product of dims (1 for rank 0) */
	void *data;                /* owned: count elements in host byte order,
				    * C order; NULL when count is 0 */
};

/* A shape as Python writes it, "(2, 3, 32, 32)", "(5,)", "()", into buf
 * (NPY_SHAPE_TEXT_MAX is always enough); returns buf. */
#define NPY_SHAPE_TEXT_MAX (NPY_RANK_MAX * 22 + 4)
const char *npy_shape_text(int rank, const size_t *dims, char *buf, size_t len);

/* The NumPy name of a dtype ("float32", "uint8", "int32", "int64") and
 * its element size in bytes. */
const char *npy_dtype_name(enum npy_dtype t);
size_t npy_dtype_size(enum npy_dtype t);

/* Read path.  max_bytes bounds the data section (EINVAL past it, before
 * any allocation).  ENOENT when the file does not exist, EIO when it
 * cannot be read, EINVAL for anything malformed or unsupported (the line
 * says what: bad magic, version, header syntax, dtype, fortran_order,
 * shape, truncated data, trailing bytes), ENOMEM.  On failure *out is
 * empty. */
enum eng_status npy_read(const char *path, uint64_t max_bytes,
			 struct npy_array *out, struct eng_err *err);
/* The same from an open stream (read from its current position to its
 * end; name is for messages).  The caller closes fp. */
enum eng_status npy_read_fp(FILE *fp, const char *name, uint64_t max_bytes,
			    struct npy_array *out, struct eng_err *err);
void npy_array_done(struct npy_array *a);

/* The header np.save would write for this array (magic to '\n', a
 * multiple of 64 bytes) into buf; returns its length, or 0 when it does
 * not fit in len (NPY_HEADER_MAX is always enough for rank <= NPY_RANK_MAX). */
size_t npy_header_format(enum npy_dtype dtype, int rank, const size_t *dims,
			 char *buf, size_t len);

/* Write data (the product of dims elements of dtype, host byte order, C
 * order) to path as a version 1.0 little-endian .npy file, atomically.
 * rank 0..NPY_RANK_MAX. */
enum eng_status npy_write(const char *path, enum npy_dtype dtype, int rank,
			  const size_t *dims, const void *data,
			  struct eng_err *err);

#endif
