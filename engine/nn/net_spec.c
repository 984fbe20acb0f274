#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nn/net_spec.h"

/* Append a copy of line; ENOMEM leaves the spec as it was. */
static enum eng_status net_spec_warning_add(struct net_spec *spec, const char *line)
{
	char *copy = strdup(line);
	if (!copy)
		return ENG_STATUS_ENOMEM;
	char **grown = realloc(spec->warnings,
		(size_t)(spec->n_warnings + 1) * sizeof *grown);
	if (!grown) {
		free(copy);
		return ENG_STATUS_ENOMEM;
	}
	spec->warnings = grown;
	spec->warnings[spec->n_warnings++] = copy;
	return ENG_STATUS_OK;
}

void net_spec_done(struct net_spec *spec)
{
	free(spec->layers);
	for (int i = 0; i < spec->n_warnings; i++)
		free(spec->warnings[i]);
	free(spec->warnings);
	memset(spec, 0, sizeof *spec);
}

enum eng_status net_spec_copy(struct net_spec *dst, const struct net_spec *src)
{
	memset(dst, 0, sizeof *dst);
	memcpy(dst->name, src->name, sizeof dst->name);
	dst->input = src->input;
	dst->classes = src->classes;
	for (int i = 0; i < src->n_layers; i++) {
		if (net_spec_append(dst, &src->layers[i]) != ENG_STATUS_OK)
			goto fail;
	}
	for (int i = 0; i < src->n_warnings; i++) {
		if (net_spec_warning_add(dst, src->warnings[i]) != ENG_STATUS_OK)
			goto fail;
	}
	return ENG_STATUS_OK;
fail:
	net_spec_done(dst);
	return ENG_STATUS_ENOMEM;
}

enum eng_status net_spec_append(struct net_spec *spec, const struct layer_spec *ls)
{
	struct layer_spec *grown = realloc(spec->layers,
		(size_t)(spec->n_layers + 1) * sizeof *grown);
	if (!grown)
		return ENG_STATUS_ENOMEM;
	spec->layers = grown;
	spec->layers[spec->n_layers++] = *ls;
	return ENG_STATUS_OK;
}

void net_spec_warn_keep(void *spec, const char *line)
{
	(void)net_spec_warning_add(spec, line);
}

struct eng_warn net_spec_warn_sink(struct net_spec *spec)
{
	return (struct eng_warn){ .fn = net_spec_warn_keep, .user = spec };
}

void net_spec_warnings_send(const struct net_spec *spec, const struct eng_warn *to)
{
	for (int i = 0; i < spec->n_warnings; i++)
		eng_warn_line(to, spec->warnings[i]);
}

int net_spec_find(const struct net_spec *spec, const char *name)
{
	for (int i = 0; i < spec->n_layers; i++) {
		if (strcmp(spec->layers[i].name, name) == 0)
			return i;
	}
	return -1;
}
