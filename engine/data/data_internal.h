/* data_internal.h: the dataset loaders (data_idx.c, data_cifar.c,
 * data_npy.c, data_synth.c) as data.c's dispatcher calls them, and the size limits they
 * all apply.  Not part of the engine's API.  The path helpers the file
 * loaders share are in data_path.h, so that no loader calls back into the
 * dispatcher.
 *
 * Each loader fills out->train and out->test (pixels, labels, shape,
 * classes) and out->name; on error it may leave partial allocations in out,
 * which data_load frees with data_split_done.  data.c does everything that
 * does not depend on the format: directory checks, the validation slice,
 * statistics and the source string.
 */
#ifndef RECONVENE_DATA_INTERNAL_H
#define RECONVENE_DATA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/data.h"
#include "base/status.h"

/* Limits that keep a hostile or corrupt header from asking for absurd
 * memory.  The loaders allocate as the bytes really arrive, so a header
 * that lies about its size costs at most what the file holds. */
#define DATA_DIM_MAX 4096                        /* rows, cols */
#define DATA_BYTES_MAX ((uint64_t)1 << 32)       /* pixel bytes per split */
#define DATA_CLASSES_MAX 65536                   /* labels 0 .. this - 1 */
#define DATA_SYNTH_MAX 1000000                   /* synthetic samples */

/* Whether dir holds the files of a format (the training images / first
 * batch), used by DATA_FORMAT_AUTO. */
bool data_idx_found(const char *dir);
bool data_cifar_found(const char *dir);
bool data_npy_found(const char *dir);

enum eng_status data_idx_load(const char *dir, struct data_split *out,
			      struct eng_err *err);
enum eng_status data_cifar_load(const char *dir, struct data_split *out,
				struct eng_err *err);
enum eng_status data_npy_load(const char *dir, struct data_split *out,
			      struct eng_err *err);
enum eng_status data_synth_load(const struct data_options *opt,
				struct data_split *out, struct eng_err *err);

#endif
