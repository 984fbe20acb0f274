#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/numbers.h"
#include "cli/reconvene_opts.h"
#include "paths/model_path.h"

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
	/* NULL: the explorer, whose options --help-explorer lists. */
	fprintf(stderr, "reconvene%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	vfprintf(stderr, fmt, ap);
	if (cmd)
		fprintf(stderr, "\nTry 'reconvene %s --help'.\n", cmd);
	else
		fprintf(stderr, "\nTry 'reconvene --help-explorer'.\n");
	va_end(ap);
	return CLI_EXIT_USAGE;
}

int cli_seed_take(const char *cmd, const char *text, unsigned long long *seed)
{
	long v;
	if (cli_parse_long(text, 0, 0x7fffffffL, &v))
		return cli_usage_error(cmd, "--seed '%s' is not an integer in 0..2147483647",
				       text);
	*seed = (unsigned long long)v;
	return 0;
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

int cli_json_print(json_t *root, size_t flags)
{
	int rc = json_dumpf(root, stdout, flags);
	fputc('\n', stdout);
	json_decref(root);
	return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

int cli_model_args_parse(const char *cmd, const char *usage, int argc,
			 char **argv, struct model_overrides *ovr, int *json,
			 const char **model)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "classes", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(ovr, 0, sizeof *ovr);
	*json = 0;
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "h", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'i':
			if (model_shape_parse(optarg, &ovr->input) != 0)
				return cli_usage_error(cmd, "--input '%s' is not CxHxW with positive sizes (e.g. 3x32x32)", optarg);
			ovr->has_input = 1;
			break;
		case 'c': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v <= 0 || v > 1000000)
				return cli_usage_error(cmd, "--classes '%s' is not a positive integer", optarg);
			ovr->classes = (int)v;
			break;
		}
		case 'j':
			*json = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return -1;
		default:
			return cli_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error(cmd, "expected one MODEL, got %d arguments", argc - optind);
	*model = optind < argc ? argv[optind] : DEFAULT_MODEL;
	return CLI_EXIT_OK;
}

int cli_valued_take(const char *cmd, const struct cli_valued *opts, size_t n,
		    void *base, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];
	for (size_t k = 0; k < n; k++) {
		size_t len = strlen(opts[k].name);
		const char **dst = (const char **)((char *)base + opts[k].off);
		if (!strcmp(arg, opts[k].name)) {
			if (*i + 1 >= argc)
				return cli_usage_error(cmd, "%s needs a value", arg);
			*dst = argv[++*i];
			return 1;
		}
		if (!strncmp(arg, opts[k].name, len) && arg[len] == '=') {
			*dst = arg + len + 1;
			return 1;
		}
	}
	return 0;
}
