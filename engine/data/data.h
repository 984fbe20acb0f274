/* data.h: image classification datasets, kept as raw bytes and adapted to a
 * model's input one batch at a time.
 *
 * Sources:
 *   - IDX files (MNIST / Fashion-MNIST layout; gzip-compressed or plain):
 *     train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
 *     t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz];
 *   - CIFAR-10 binary batches: data_batch_1.bin .. data_batch_5.bin and
 *     test_batch.bin (each record: 1 label byte + 3072 pixel bytes, CHW);
 *   - NumPy arrays (bring your own data): train_images.npy,
 *     train_labels.npy, test_images.npy, test_labels.npy; images uint8 or
 *     float32, (N, C, H, W), (N, H, W, C) or (N, H, W), C = 1..3; labels
 *     int64, int32 or uint8, (N,), 0 .. classes-1 (data_npy.c);
 *   - a seeded synthetic dataset a small net can learn (for tests, and as
 *     the fallback when no dataset is installed; data_split.synthetic says
 *     so, so the UI can tell the user).
 * The default directory is DATA_DEFAULT_DIR; callers pass the directory
 * the user chose instead (the front end's --data DIR or $RECONVENE_DATA,
 * tui/paths/data_dir.h: the engine reads no environment).
 *
 * Adaptation (data_batch_fill): each sample is placed centred in the
 * target H x W (zero padding, e.g. 28x28 -> 32x32 puts the image at row 2,
 * column 2; cropped centrally if larger), grayscale is replicated to 3
 * channels (or 3 channels averaged to 1), then normalised per channel with
 * the TRAINING split's mean and std (computed at load, in the dataset's own
 * channels, after the validation slice is removed; float32 images in
 * their own units, bytes in [0, 1] units).  Padding is raw black
 * (byte 0) normalised like any pixel, i.e. -mean/std, as torchvision's Pad
 * followed by Normalize gives.  Optional augmentation: random crop with
 * 4-pixel zero padding (a shift of -4..4 in each direction, black fill)
 * and horizontal flip with probability 1/2.  See docs/data.md.
 *
 * Owns: struct dataset owns pixels and labels; data_split_done frees all
 * three splits (a failed data_load leaves nothing to free, and
 * data_split_done on it is harmless).  Datasets are read-only after loading, so several threads
 * may fill batches from the same dataset concurrently.
 *
 *   struct data_split ds;
 *   struct data_options opt = { .dir = dir, .val_count = 0 };
 *   if (data_load(&opt, &ds, &err)) ...;
 *   if (data_adapt_check(&ds.train, net->input, &err)) ...;
 *   data_batch_fill(&ds, &ds.train, idx, 64, net->input, &aug, &rng, x);
 *   data_split_done(&ds);
 */
#ifndef RECONVENE_DATA_H
#define RECONVENE_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "base/rng.h"
#include "base/status.h"
#include "base/tensor.h"

#define DATA_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"
#define DATA_MAX_CHANNELS 3

enum data_format {
	DATA_FORMAT_AUTO,      /* IDX if the IDX files exist, else CIFAR-10,
				  else .npy files */
	DATA_FORMAT_IDX,
	DATA_FORMAT_CIFAR10,
	DATA_FORMAT_NPY,
	DATA_FORMAT_SYNTHETIC,
};

struct dataset {
	int n;                    /* samples */
	struct shape shape;       /* stored per-sample shape, e.g. 1x28x28 */
	int classes;              /* labels are in [0, classes) */
	uint8_t *pixels;          /* owned; n x shape bytes, CHW per sample;
				     NULL when values holds the samples */
	int32_t *labels;          /* owned; n labels */
	float *values;            /* owned; n x shape floats, CHW per sample,
				     for float32 .npy images; else NULL */
};

struct data_split {
	struct dataset train;     /* training samples (minus the validation slice) */
	struct dataset val;       /* held out of train; n = 0 if none asked */
	struct dataset test;      /* the test files */
	float mean[DATA_MAX_CHANNELS]; /* per stored channel, of train, in [0,1] units
	                                  (float samples: their own units);
	                                  unused channels repeat channel 0 */
	float std[DATA_MAX_CHANNELS];  /* population std; 1 for a constant channel */
	char name[64];            /* "fashion-mnist", "cifar10", "synthetic", or
				     a .npy directory's own name */
	char source[512];         /* directory (or "synthetic, seed N") */
	bool synthetic;           /* true when this is the synthetic set */
};

struct data_options {
	const char *dir;          /* directory with the files; NULL or "" =
				     DATA_DEFAULT_DIR */
	enum data_format format;
	int val_count;            /* last val_count training samples -> val */
	uint64_t synthetic_seed;  /* for DATA_FORMAT_SYNTHETIC */
	int synthetic_train;      /* synthetic sizes (0 = defaults) */
	int synthetic_test;
};

struct data_augment {
	bool crop;                /* random crop, 4-pixel zero padding */
	bool flip;                /* random horizontal flip */
};

/* Load a split.  Errors name the file and the problem ("train-labels-
 * idx1-ubyte.gz: 59999 labels for 60000 images").  ENG_STATUS_ENOENT when
 * the directory does not exist or has no known dataset (callers may then
 * fall back to DATA_FORMAT_SYNTHETIC and say so); EINVAL for malformed
 * files and bad options, EIO for unreadable ones. */
enum eng_status data_load(const struct data_options *opt, struct data_split *out,
			  struct eng_err *err);
void data_split_done(struct data_split *ds);

/* The stored samples as bytes (pixels, or the floats' bytes) and their
 * count in *len: what identifies a split's contents (the dataset hash). */
const void *data_set_bytes(const struct dataset *ds, size_t *len);

/* ENG_STATUS_OK if data_batch_fill can adapt ds's samples to target (equal
 * channel counts, 1 -> N replication or N -> 1 averaging; any positive
 * H x W), else EINVAL with a message.  Call it once before training; the
 * fill itself asserts. */
enum eng_status data_adapt_check(const struct dataset *ds, struct shape target,
				 struct eng_err *err);

/* Fill out (n x target, float NCHW) with samples idx[0..n) of ds, adapted
 * to target and normalised with split's statistics.  aug may be NULL; r is
 * used only for augmentation: per sample, in this order, crop draws
 * rng_below(r, 9) for the row shift and then for the column shift (shift =
 * draw - 4), flip draws rng_below(r, 2) (1 = mirror). */
void data_batch_fill(const struct data_split *split, const struct dataset *ds,
		     const int32_t *idx, int n, struct shape target,
		     const struct data_augment *aug, struct rng *r, float *out);

#endif
