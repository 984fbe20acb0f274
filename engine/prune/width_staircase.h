/* width_staircase.h: batch-1 latency of one channel group as a function of
 * the channels it keeps, measured on this host.
 *
 * Kernels do not get faster channel by channel: GEMM blocking and SIMD
 * widths make latency a staircase, so some widths cost as much as a wider
 * one ("I pruned it and it is not faster").  For a group g and a width w,
 * every conv or linear layer whose shape the group sets is built alone
 * with the group's channels at w (a producer's output channels, a
 * consumer's input channels, a depthwise conv's both), the rest of its
 * shape as in the net, and timed with latency_measure (DENSE, the fused
 * inference path); the group's latency at w is the sum of those layers'
 * medians (BN and activations fold into the convs when deployed).
 *
 * Widths (width_ladder): every width for groups of up to 64 channels;
 * above that 1..8, every multiple of 4 and the full width.
 *
 * A width is SLOW when some wider width of the staircase is no slower
 * (within WIDTH_TOLERANCE of relative noise): the channels between them
 * would be free.  width_free gives, for a current width, the widest width
 * whose latency is within the tolerance of the current one's;
 * width_next_faster the widest narrower width that is measurably faster.
 *
 * Owns: the points array of struct width_staircase
 * (width_staircase_done).  The net is only read (shapes, names).
 * Thread rules: one call at a time per thread; the timings use OpenBLAS's
 * thread count as latency.h says.
 */
#ifndef RECONVENE_WIDTH_STAIRCASE_H
#define RECONVENE_WIDTH_STAIRCASE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/status.h"
#include "measure/latency.h"
#include "nn/net.h"
#include "prune/groups.h"

#define WIDTH_TOLERANCE 0.03  /* relative: differences below are noise */

struct width_point {
	int width;
	uint64_t macs;    /* multiply-accumulates of the timed layers, 1 sample */
	double ms;        /* sum of the members' medians */
	double p10_ms, p90_ms; /* sums of their 10th / 90th percentiles */
	bool slow;        /* a wider width is no slower */
};

struct width_staircase {
	int group;
	int channels;     /* the group's full width */
	int n_layers;     /* conv / linear layers timed per width */
	int n;
	struct width_point *pts; /* ascending widths */
};

/* True when group g shapes layer i's weights (a conv or linear whose input
 * or output channels are the group's): the layers a staircase times. */
bool width_staircase_times(const struct net *net, const struct group_set *gs, int g, int i);

/* The widths to measure for a group of `channels` (ascending, ending at
 * channels) into out (cap entries); returns how many. */
int width_ladder(int channels, int *out, int cap);

/* Measure group g at the given ascending widths (each in 1..channels).
 * lo: the protocol per layer and width (its progress callback is not
 * used); progress(done, total, user) after each width; abort in lo.
 * EINVAL for a group that is not prunable or has no conv / linear member,
 * ENOMEM, ENG_STATUS_ABORTED.  On error *out is zeroed. */
enum eng_status width_staircase_measure(const struct net *net, const struct group_set *gs,
					int g, const int *widths, int n_widths,
					const struct latency_options *lo,
					void (*progress)(int done, int total, void *user),
					void *progress_user,
					struct width_staircase *out, struct eng_err *err);
void width_staircase_done(struct width_staircase *s);

/* MACs of one sample through the layers timed for group g at width w (0
 * when the group shapes no conv / linear layer): the part of the net's
 * MACs that depends on the group's width. */
uint64_t width_staircase_macs(const struct net *net, const struct group_set *gs, int g,
			      int w);

/* The same layers' weights and MACs at width w (either pointer may be
 * NULL): what a channel count does to the parameters and MACs of the
 * layers the group shapes. */
void width_staircase_cost(const struct net *net, const struct group_set *gs, int g, int w,
			  uint64_t *params, uint64_t *macs);

/* Recompute the slow flags (after the points were filled or loaded). */
void width_staircase_flag(struct width_staircase *s);
/* The point of width w, or NULL. */
const struct width_point *width_staircase_at(const struct width_staircase *s, int w);
/* The index of the point that stands for width w: the first measured
 * width at or above it (the last point when none is; s->n > 0). */
int width_index_at(const struct width_staircase *s, int w);
/* The widest measured width no slower than width `current` (itself when
 * nothing wider is); `current` need not be measured: the nearest measured
 * width at or above it stands in.  */
int width_free(const struct width_staircase *s, int current);
/* The widest measured width below `current` that is faster by more than
 * the tolerance, or 0 when none is. */
int width_next_faster(const struct width_staircase *s, int current);

#endif
