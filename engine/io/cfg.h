/* cfg.h: model description files (the files in models/) to and from net specs.
 *
 * Format (Darknet-style INI, documented in docs/cfg-format.md):
 *
 *   # comment
 *   [net]
 *   name = resnet20
 *   input = 3x32x32        # C x H x W
 *   classes = 10
 *
 *   [conv]
 *   name = conv1           # optional; default "<kind><index>", e.g. conv0
 *   out = 16
 *   size = 3
 *   stride = 1
 *   pad = 1
 *   groups = 1
 *   bias = 0
 *   input = stem           # optional; default the previous layer. A layer
 *                          # name, a negative offset (-1 = previous), or
 *                          # "data" for the net input
 *   [add]
 *   from = -3              # required: the second input (name or offset)
 *   [linear]
 *   out = classes          # the [net] class count
 *
 * Every malformed input gives ENG_STATUS_EINVAL and one line
 * "path:line: message" in err; unknown keys and sections-level oddities that
 * do not prevent building are warnings (one line each, "path:line: unknown
 * key 'x' in [conv]"), sent to the spec's own sink (net_spec_warn_sink) and
 * so kept in spec->warnings; show them with net_spec_warnings_send.
 *
 * Owns: a successful parse fills *spec, which the caller frees with
 * net_spec_done.  On failure *spec is left empty (nothing to free).
 * cfg_write_string returns a malloc'd string the caller frees.
 *
 *   struct net_spec spec;
 *   if (cfg_parse_file("models/resnet20.cfg", &spec, &err)) ...;
 *   char *text = cfg_write_string(&spec);  // parses back to an equal spec
 */
#ifndef RECONVENE_CFG_H
#define RECONVENE_CFG_H

#include <stddef.h>

#include "nn/net_spec.h"
#include "base/status.h"

/* Parse text (len bytes, need not be NUL-terminated); path names the source
 * in messages. */
enum eng_status cfg_parse_string(const char *text, size_t len, const char *path,
				 struct net_spec *spec, struct eng_err *err);
/* Read and parse a file (at most 16 MiB). */
enum eng_status cfg_parse_file(const char *path, struct net_spec *spec,
			       struct eng_err *err);
/* The net name a file stands for: "models/resnet20.cfg" with ext ".cfg"
 * -> "resnet20"; bytes a net name cannot hold become '_', "model" when
 * nothing is left. */
void cfg_net_name_from_path(char dst[NET_NAME_MAX], const char *path,
			    const char *ext);
/* Serialise; NULL only when out of memory. */
char *cfg_write_string(const struct net_spec *spec);
/* Write atomically (temp file in the same directory, then rename). */
enum eng_status cfg_write_file(const char *path, const struct net_spec *spec,
			       struct eng_err *err);

#endif
