/* cli.h: the batch subcommands behind `reconvene <command>` and the
 * helpers they share.  Each command gets argv with argv[0] = its own name
 * and returns the process exit code: 0 ok, 1 runtime failure, 2 usage. */
#ifndef RECONVENE_CLI_H
#define RECONVENE_CLI_H

#include <stdio.h>

#include "net_spec.h"

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,
	CLI_EXIT_USAGE = 2,
};

int cmd_info(int argc, char **argv);

/* "reconvene: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: message plus a pointer to --help; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print a spec's parse warnings on stderr, one line each. */
void cli_print_warnings(const struct net_spec *spec);
/* 1234567 -> "1,234,567" into buf. */
const char *cli_group_digits(unsigned long long v, char *buf, size_t len);

#endif
