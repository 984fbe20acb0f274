/* net_spec.h: a network description as read from (or written to) a cfg file.
 *
 * A spec is plain data: no parameters, no shapes.  cfg.h turns text into a
 * spec and back; net_build (net.h) turns a spec into a runnable net.  Tools
 * that override the input size or class count edit the spec before building.
 *
 * Owns: spec->layers and spec->warnings (each string and the array); free
 * with net_spec_done.  A zeroed struct is a valid empty spec.
 *
 * Warnings: a spec keeps the warnings of the parse that made it (unknown
 * keys, ...), so that whoever loads a model can show them later.  They
 * arrive like every engine warning, through a struct eng_warn (warn.h):
 * net_spec_warn_sink(spec) is a sink that stores each line in the spec,
 * and net_spec_warnings_send hands the stored lines to any other sink.
 *
 * Thread rules: plain data; one writer at a time.
 *
 * Invariants after a successful cfg parse: every layer has a unique,
 * non-empty name; in_idx[k] < the layer's own index (-1 = the net input);
 * n_in is 2 exactly for add layers.
 */
#ifndef RECONVENE_NET_SPEC_H
#define RECONVENE_NET_SPEC_H

#include "base/warn.h"
#include "nn/layer.h"

#define NET_NAME_MAX 64

struct layer_spec {
	enum layer_kind kind;
	char name[LAYER_NAME_MAX];       /* unique in the net */
	int n_in;                        /* 1, or 2 for add */
	int in_idx[LAYER_MAX_INPUTS];    /* earlier layer index, -1 = net input */
	struct layer_conf conf;
	int line;                        /* cfg line of the section header, 0 if none */
};

struct net_spec {
	char name[NET_NAME_MAX];  /* [net] name */
	struct shape input;       /* [net] input = CxHxW */
	int classes;              /* [net] classes */
	int n_layers;
	struct layer_spec *layers;    /* owned, n_layers entries */
	int n_warnings;
	char **warnings;              /* owned; "file:line: unknown key 'x'" */
};

/* Free everything the spec owns and zero it. */
void net_spec_done(struct net_spec *spec);
/* Deep copy src into dst (dst is overwritten, not freed first). */
enum eng_status net_spec_copy(struct net_spec *dst, const struct net_spec *src);
/* Append a layer (copied); ENG_STATUS_ENOMEM on failure. */
enum eng_status net_spec_append(struct net_spec *spec, const struct layer_spec *ls);
/* An eng_warn_fn: append a copy of line to the net_spec user.  On a
 * failed allocation the line is dropped (n_warnings does not grow). */
void net_spec_warn_keep(void *spec, const char *line);
/* { net_spec_warn_keep, spec }: a sink that stores lines in spec. */
struct eng_warn net_spec_warn_sink(struct net_spec *spec);
/* Hand every stored warning, oldest first, to `to` (NULL-safe). */
void net_spec_warnings_send(const struct net_spec *spec, const struct eng_warn *to);
/* Index of the layer with this name, or -1. */
int net_spec_find(const struct net_spec *spec, const char *name);

#endif
