/* bench_widths.c: `reconvene bench MODEL --widths GROUP|all`
 * (bench_widths.h). */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/blas_info.h"
#include "cli/bench_widths.h"
#include "cli/align_auto.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/warnings.h"
#include "nn/net.h"
#include "paths/model_path.h"
#include "prune/groups.h"
#include "prune/width_staircase.h"
#include "paths/xdg_dir.h"
#include "worker/width_cache.h"

static void widths_on_progress(int done, int total, void *user)
{
	progress_update(user, done, total, done, -1.0, false);
}

/* The group's conv / linear layers, comma-separated, into buf. */
static void widths_layers(const struct net *net, const struct group_set *gs, int g,
			  char *buf, size_t len)
{
	buf[0] = '\0';
	size_t used = 0;
	for (int i = 0; i < net->n_layers; i++) {
		if (!width_staircase_times(net, gs, g, i))
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
				 net->layers[i].name);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

static void widths_print_text(const struct net *net, const struct group_set *gs,
			      const struct width_staircase *s, int threads)
{
	char layers[512];
	widths_layers(net, gs, s->group, layers, sizeof layers);
	printf("%s: group %s, %d channels (%s), batch-1 latency by kept channels, "
	       "%d thread%s, %s kernels\n", net->name, gs->groups[s->group].name, s->channels,
	       layers, threads, threads == 1 ? "" : "s", blas_core_name());
	printf("%6s %12s %10s  %-22s\n", "width", "MACs", "ms", "p10-p90");
	int slow = 0;
	for (int k = 0; k < s->n; k++) {
		const struct width_point *p = &s->pts[k];
		char note[64] = "";
		if (p->slow) {
			snprintf(note, sizeof note, "slow: %d is no slower",
				 width_free(s, p->width));
			slow++;
		}
		char macs[32];
		printf("%6d %12s %10.4f  [%.4f, %.4f]  %s\n", p->width,
		       cli_group_digits((size_t)p->macs, macs, sizeof macs), p->ms, p->p10_ms,
		       p->p90_ms, note);
	}
	printf("%d of %d widths are slow (a wider width is within %.0f %%)\n\n", slow, s->n,
	       100.0 * WIDTH_TOLERANCE);
}

static json_t *widths_json(const struct net *net, const struct group_set *gs,
			   const struct width_staircase *s)
{
	json_t *pts = json_array(), *layers = json_array();
	for (int k = 0; k < s->n; k++) {
		const struct width_point *p = &s->pts[k];
		json_array_append_new(pts, json_pack("{s:i, s:I, s:f, s:f, s:f, s:b, s:i}",
			"width", p->width, "macs", (json_int_t)p->macs, "ms", p->ms,
			"p10_ms", p->p10_ms, "p90_ms", p->p90_ms, "slow", p->slow,
			"free_width", width_free(s, p->width)));
	}
	for (int i = 0; i < net->n_layers; i++)
		if (width_staircase_times(net, gs, s->group, i))
			json_array_append_new(layers, json_string(net->layers[i].name));
	return json_pack("{s:s, s:i, s:o, s:o}", "group", gs->groups[s->group].name,
			 "channels", s->channels, "layers", layers, "points", pts);
}

int cli_bench_widths(const char *model, const char *group, int threads, bool json,
		     bool no_cache)
{
	struct net_spec spec;
	struct net *net = NULL;
	char why[1024];
	struct model_overrides ovr = { .batch = 1 };
	if (model_open(model, &ovr, 1, &spec, &net, why, sizeof why) != 0) {
		cli_error("%s", why);
		return CLI_EXIT_FAILURE;
	}
	cli_print_warnings(&spec);
	struct eng_err err;
	struct group_set gs;
	int rc = CLI_EXIT_FAILURE;
	if (groups_build(net, &gs, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		goto out_net;
	}
	bool all = strcmp(group, "all") == 0;
	int only = all ? -1 : groups_find(&gs, group);
	if (!all && (only < 0 || !gs.groups[only].prunable)) {
		char list[1024] = "";
		size_t used = 0;
		for (int g = 0; g < gs.n_groups; g++) {
			if (!gs.groups[g].prunable)
				continue;
			int n = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
					 gs.groups[g].name);
			if (n < 0 || (size_t)n >= sizeof list - used)
				break;
			used += (size_t)n;
		}
		cli_error("bench: --widths: %s '%s' in %s (prunable groups: %s, or all)",
			  only < 0 ? "no group" : "cannot prune group", group, net->name, list);
		rc = CLI_EXIT_USAGE;
		goto out_gs;
	}
	json_t *groups = json_array();
	struct cache *cache = cli_widths_cache_open(no_cache);
	rc = CLI_EXIT_OK;
	for (int g = 0; g < gs.n_groups && rc == CLI_EXIT_OK; g++) {
		if (!gs.groups[g].prunable || (!all && g != only))
			continue;
		struct width_staircase s;
		struct progress_line bar;
		bool cached;
		progress_init(&bar, stderr, gs.groups[g].name, "widths/s");
		enum eng_status st = width_cache_staircase(cache, &spec, net, &gs, g, threads, NULL,
							   widths_on_progress, &bar, &s, &cached,
							   &err);
		progress_finish(&bar);
		if (st == ENG_STATUS_EINVAL && all)
			continue; /* a group of BN / activations only */
		if (st != ENG_STATUS_OK) {
			cli_error("%s", err.msg);
			rc = CLI_EXIT_FAILURE;
			break;
		}
		if (json) {
			json_t *o = widths_json(net, &gs, &s);
			json_object_set_new(o, "cached", json_boolean(cached));
			json_array_append_new(groups, o);
		} else {
			if (cached)
				printf("(measured before, from the cache; --no-cache measures "
				       "again)\n");
			widths_print_text(net, &gs, &s, threads);
		}
		width_staircase_done(&s);
	}
	if (rc == CLI_EXIT_OK && json) {
		json_t *root = json_pack("{s:s, s:i, s:s, s:f, s:o}", "model", net->name,
					 "threads", threads, "blas", blas_core_name(),
					 "tolerance", WIDTH_TOLERANCE, "groups", groups);
		rc = root ? cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					   JSON_REAL_PRECISION(9)) : CLI_EXIT_FAILURE;
	} else {
		json_decref(groups);
	}
	cache_free(cache);
out_gs:
	groups_done(&gs);
out_net:
	net_free(net);
	net_spec_done(&spec);
	return rc;
}
