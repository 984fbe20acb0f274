/* heatmap_channels.h: the channel heatmap of a Reconvene result as a PNG
 * (reconvene heatmap, and heatmap.png in a pruned bundle).
 *
 * Owns: nothing after return.  Prints one line on stderr for a failure and
 * for a rendering warning.  Thread rules: main thread.
 *
 *   if (cli_heatmap_channels(net, &result, &opts, &style, "heat.png"))
 *           ...;                          (the reason is printed)
 */
#ifndef RECONVENE_HEATMAP_CHANNELS_H
#define RECONVENE_HEATMAP_CHANNELS_H

#include "nn/net.h"
#include "output/render.h"
#include "prune/reconvene.h"

/* Layers x output channels of r (on net, the original): each channel's
 * score, the channels r's plan removes hatched, written to path.
 * CLI_EXIT_OK or CLI_EXIT_FAILURE. */
int cli_heatmap_channels(const struct net *net, const struct reconvene_result *r,
			 const struct reconvene_options *o,
			 const struct render_style *style, const char *path);

#endif
