#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("reconvene: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "reconvene %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'reconvene %s --help'.\n", cmd);
	va_end(ap);
	return CLI_EXIT_USAGE;
}

void cli_print_warnings(const struct net_spec *spec)
{
	for (int i = 0; i < spec->n_warnings; i++)
		fprintf(stderr, "reconvene: warning: %s\n", spec->warnings[i]);
}

const char *cli_group_digits(unsigned long long v, char *buf, size_t len)
{
	char digits[32];
	int n = snprintf(digits, sizeof digits, "%llu", v);
	size_t o = 0;
	for (int i = 0; i < n && o + 1 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}
