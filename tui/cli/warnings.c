/* warnings.c: the batch commands' warning lines on stderr. */
#include "config.h"

#include <stdio.h>

#include "cli/warnings.h"

void cli_print_warnings(const struct net_spec *spec)
{
	for (int i = 0; i < spec->n_warnings; i++)
		fprintf(stderr, "reconvene: warning: %s\n", spec->warnings[i]);
}

void cli_render_warning(const char *warning)
{
	if (warning && warning[0])
		fprintf(stderr, "reconvene: warning: %s\n", warning);
}
