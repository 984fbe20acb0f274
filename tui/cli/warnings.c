/* warnings.c: the batch commands' warning lines on stderr. */
#include "config.h"

#include <stdio.h>

#include "cli/warnings.h"

void cli_warn_print(void *user, const char *line)
{
	(void)user;
	fprintf(stderr, "reconvene: warning: %s\n", line);
}

const struct eng_warn cli_warn = { cli_warn_print, NULL };

void cli_print_warnings(const struct net_spec *spec)
{
	net_spec_warnings_send(spec, &cli_warn);
}
