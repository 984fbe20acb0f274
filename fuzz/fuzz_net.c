/* fuzz_net.c: see fuzz_net.h.  The cfg text comes from
 * tests/fuzz/fuzz_net.cfg through fuzz/fuzz_net_cfg.inc (fuzz.mk writes it),
 * so the seeds made from that file and the net read here cannot differ. */
#include "config.h"

#include <string.h>

#include "fuzz/fuzz_net.h"
#include "fuzz/fuzz_util.h"
#include "io/cfg.h"

const char fuzz_net_text[] =
#include "fuzz/fuzz_net_cfg.inc"
	;

/* Built once: every input is read into the same net. */
static struct net *fuzz_net_built;
static struct group_set fuzz_net_gs;

struct net *fuzz_net(void)
{
	if (fuzz_net_built)
		return fuzz_net_built;
	struct net_spec spec;
	struct eng_err err;
	fuzz_check(cfg_parse_string(fuzz_net_text, strlen(fuzz_net_text), "fuzz_net.cfg",
				    &spec, &err) == ENG_STATUS_OK, "fuzz_net.cfg does not parse");
	fuzz_check(net_build(&spec, &fuzz_net_built, &err) == ENG_STATUS_OK,
		   "fuzz_net.cfg does not build");
	net_spec_done(&spec);
	fuzz_check(groups_build(fuzz_net_built, &fuzz_net_gs, &err) == ENG_STATUS_OK,
		   "fuzz_net.cfg has no groups");
	return fuzz_net_built;
}

const struct group_set *fuzz_net_groups(void)
{
	fuzz_net();
	return &fuzz_net_gs;
}
