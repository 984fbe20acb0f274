/* heatmap_channels.c: the channel heatmap PNG of a Reconvene result. */
#include "config.h"


#include "cli/cli.h"
#include "cli/heatmap_channels.h"
#include "cli/warnings.h"
#include "output/heatmap.h"

int cli_heatmap_channels(const struct net *net, const struct reconvene_result *r,
			 const struct reconvene_options *o,
			 const struct render_style *style, const char *path)
{
	struct eng_err err;
	if (heatmap_channels_png(net, r, o, style, path, &cli_warn, &err) !=
	    ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}
