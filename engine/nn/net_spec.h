/* net_spec.h: a network description as read from (or written to) a cfg file.
 *
 * A spec is plain data: no parameters, no shapes.  cfg.h turns text into a
 * spec and back; net_build (net.h) turns a spec into a runnable net.  Tools
 * that override the input size or class count edit the spec before building.
 *
 * Owns: spec->layers and spec->warnings (each string and the array); free
 * with net_spec_done.  A zeroed struct is a valid empty spec.
 *
 * Invariants after a successful cfg parse: every layer has a unique,
 * non-empty name; in_idx[k] < the layer's own index (-1 = the net input);
 * n_in is 2 exactly for add layers.
 */
#ifndef RECONVENE_NET_SPEC_H
#define RECONVENE_NET_SPEC_H

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
/* Append a warning line (copied). */
enum eng_status net_spec_warn(struct net_spec *spec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Index of the layer with this name, or -1. */
int net_spec_find(const struct net_spec *spec, const char *name);

#endif
