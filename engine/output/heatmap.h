/* heatmap.h: the channel heatmap of a Reconvene result as a PNG, the
 * picture `reconvene prune`, `reconvene heatmap` and the explorer's export
 * all write (heatmap.png).
 *
 * One row per conv / linear layer of the ORIGINAL net (reconvene_result
 * rows): each output channel's score (score_channel_scores over the PSE
 * scores) divided by the largest in the layer (GraSP keeps its sign, so
 * the scale then runs from -1); channels the plan removes are hatched.
 * Which channels those are is the plan's own answer (plan_group_kept on
 * the result's resolved plan), so the picture matches the saved weights.
 *
 * Owns: nothing past the call (temporary rows are freed).
 * Thread rules: plain function; the caller's thread.
 *
 *   if (heatmap_channels_png(net, &r, &o, &style, "out/heatmap.png", &warn,
 *                            &err)) ...;
 */
#ifndef RECONVENE_HEATMAP_H
#define RECONVENE_HEATMAP_H

#include <stddef.h>

#include "base/status.h"
#include "base/warn.h"
#include "nn/net.h"
#include "output/render.h"
#include "prune/reconvene.h"

/* net: the original net r was computed on; o: the options of the run (for
 * the title and subtitle).  warn (NULL: dropped) gets non-fatal notes (no
 * font).  EIO (cannot write), ENOMEM. */
enum eng_status heatmap_channels_png(const struct net *net,
				     const struct reconvene_result *r,
				     const struct reconvene_options *o,
				     const struct render_style *style,
				     const char *path, const struct eng_warn *warn,
				     struct eng_err *err);

#endif
