#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/net_spec.h"

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
		if (net_spec_warn(dst, "%s", src->warnings[i]) != ENG_STATUS_OK)
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

enum eng_status net_spec_warn(struct net_spec *spec, const char *fmt, ...)
{
	char buf[ENG_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	char **grown = realloc(spec->warnings,
		(size_t)(spec->n_warnings + 1) * sizeof *grown);
	if (!grown)
		return ENG_STATUS_ENOMEM;
	spec->warnings = grown;
	spec->warnings[spec->n_warnings] = strdup(buf);
	if (!spec->warnings[spec->n_warnings])
		return ENG_STATUS_ENOMEM;
	spec->n_warnings++;
	return ENG_STATUS_OK;
}

int net_spec_find(const struct net_spec *spec, const char *name)
{
	for (int i = 0; i < spec->n_layers; i++) {
		if (strcmp(spec->layers[i].name, name) == 0)
			return i;
	}
	return -1;
}
