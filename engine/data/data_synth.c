/* data_synth.c: a seeded synthetic dataset that small nets can learn.
 *
 * 1x28x28 grayscale, 10 classes, one shape per class (disc, ring,
 * horizontal bar, vertical bar, filled square, square outline, the two
 * diagonals, plus, two dots), drawn with a random centre shift of up to
 * +-3 pixels, a random size, a random ink level on a random dark
 * background, plus uniform pixel noise.  Labels cycle 0..9, so every split
 * (and the validation tail) is balanced.  The training and test sets come
 * from independent streams of the seed, so the test set does not depend on
 * the training size.  Everything is integer arithmetic on rng_below, so
 * the bytes are identical on every machine.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"

#define SYNTH_SIDE 28
#define SYNTH_CLASSES 10
#define SYNTH_TRAIN_DEFAULT 2000
#define SYNTH_TEST_DEFAULT 500

static int synth_abs(int v)
{
	return v < 0 ? -v : v;
}

/* Whether offset (dy, dx) from the centre is ink for class cls at size s
 * (5..7); every shape stays within s + 3 <= 10 pixels of the centre. */
static bool synth_ink(int cls, int dy, int dx, int s)
{
	int ay = synth_abs(dy), ax = synth_abs(dx), d2 = dy * dy + dx * dx;
	switch (cls) {
	case 0: return d2 <= s * s;                               /* disc */
	case 1: return d2 >= s * s && d2 <= (s + 2) * (s + 2);    /* ring */
	case 2: return ay <= 1 && ax <= s + 3;                    /* bar - */
	case 3: return ax <= 1 && ay <= s + 3;                    /* bar | */
	case 4: return ay < s && ax < s;                          /* square */
	case 5: return ay <= s && ax <= s && (ay >= s - 1 || ax >= s - 1);
	case 6: return synth_abs(dy - dx) <= 1 && ay <= s + 2;    /* \ */
	case 7: return synth_abs(dy + dx) <= 1 && ay <= s + 2;    /* / */
	case 8: return (ay <= 1 && ax <= s + 2) || (ax <= 1 && ay <= s + 2);
	default: return ay <= 2 && synth_abs(ax - (s + 1)) <= 2;  /* dots */
	}
}

static void synth_draw(uint8_t *img, int cls, struct rng *r)
{
	int cy = SYNTH_SIDE / 2 - 3 + (int)rng_below(r, 7);
	int cx = SYNTH_SIDE / 2 - 3 + (int)rng_below(r, 7);
	int size = 5 + (int)rng_below(r, 3);
	int ink = 150 + (int)rng_below(r, 106);
	int bg = (int)rng_below(r, 40);
	for (int y = 0; y < SYNTH_SIDE; y++) {
		for (int x = 0; x < SYNTH_SIDE; x++) {
			int v = synth_ink(cls, y - cy, x - cx, size) ? ink : bg;
			v += (int)rng_below(r, 61) - 30;
			img[y * SYNTH_SIDE + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
	}
}

static enum eng_status synth_make(struct dataset *ds, int n, uint64_t seed,
				  const char *stream, struct eng_err *err)
{
	struct rng r;
	size_t sz = SYNTH_SIDE * SYNTH_SIDE;
	ds->shape = (struct shape){ 1, SYNTH_SIDE, SYNTH_SIDE };
	ds->classes = SYNTH_CLASSES;
	ds->pixels = malloc((size_t)n * sz);
	ds->labels = malloc((size_t)n * sizeof *ds->labels);
	if (!ds->pixels || !ds->labels)
		return eng_err_set(err, ENG_STATUS_ENOMEM,
				   "out of memory for %d synthetic images", n);
	ds->n = n;
	rng_seed(&r, rng_derive_seed(seed, stream));
	for (int i = 0; i < n; i++) {
		ds->labels[i] = i % SYNTH_CLASSES;
		synth_draw(ds->pixels + (size_t)i * sz, i % SYNTH_CLASSES, &r);
	}
	return ENG_STATUS_OK;
}

enum eng_status data_synth_load(const struct data_options *opt,
				struct data_split *out, struct eng_err *err)
{
	int ntrain = opt->synthetic_train ? opt->synthetic_train : SYNTH_TRAIN_DEFAULT;
	int ntest = opt->synthetic_test ? opt->synthetic_test : SYNTH_TEST_DEFAULT;
	if (ntrain < 1 || ntrain > DATA_SYNTH_MAX ||
	    ntest < 1 || ntest > DATA_SYNTH_MAX)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "synthetic dataset sizes %d/%d out of range "
				   "(1 to %d each)", ntrain, ntest, DATA_SYNTH_MAX);
	enum eng_status st;
	if ((st = synth_make(&out->train, ntrain, opt->synthetic_seed,
			     "synthetic/train", err)) ||
	    (st = synth_make(&out->test, ntest, opt->synthetic_seed,
			     "synthetic/test", err)))
		return st;
	snprintf(out->name, sizeof out->name, "synthetic");
	snprintf(out->source, sizeof out->source, "synthetic, seed %" PRIu64,
		 opt->synthetic_seed);
	out->synthetic = true;
	return ENG_STATUS_OK;
}
