/* data_path.h: the path helpers the file-based dataset loaders
 * (data_idx.c, data_cifar.c) share.  Not part of the engine's API.
 *
 * Owns: nothing; buffers are the caller's.  Thread rules: reentrant.
 *
 *   char path[DATA_PATH_MAX];
 *   if (data_path_join(path, sizeof path, dir, "test_batch.bin") &&
 *       data_path_exists(path)) ...;
 */
#ifndef RECONVENE_DATA_PATH_H
#define RECONVENE_DATA_PATH_H

#include <stdbool.h>
#include <stddef.h>

#define DATA_PATH_MAX 4096

/* dir + "/" + name into buf (no second '/' when dir ends in one); false
 * (and buf unusable) if it does not fit. */
bool data_path_join(char *buf, size_t size, const char *dir, const char *name);

/* true if path names an existing file system object, false if it does not
 * exist (or cannot be reached). */
bool data_path_exists(const char *path);

/* The last component of dir, trailing '/'s ignored ("a/b/" -> "b"): its
 * offset in *start and length in *len (0 for "" or "/"). */
void data_path_base(const char *dir, size_t *start, size_t *len);

#endif
