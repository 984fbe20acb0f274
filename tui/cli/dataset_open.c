/* dataset_open.c: the dataset of a batch command or an explorer session. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/dataset_open.h"
#include "cli/warnings.h"
#include "paths/data_dir.h"

int cli_data_open(const char *dir_opt, int val_count, struct data_split *ds)
{
	const char *dir = dir_opt ? dir_opt : data_dir_default();
	const char *from = dir_opt ? "--data" : (data_dir_env() ? "RECONVENE_DATA" : NULL);
	struct stat sb;
	/* A directory the user named must exist; only a missing default may
	 * fall back quietly to the synthetic set (still with a warning). */
	if (from && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
		cli_error("%s %s: %s", from, dir,
			  stat(dir, &sb) != 0 ? strerror(errno) : "not a directory");
		return CLI_EXIT_FAILURE;
	}
	struct data_options opt = { .dir = dir, .format = DATA_FORMAT_AUTO,
				    .val_count = val_count };
	struct eng_err err;
	enum eng_status st = data_load(&opt, ds, &err);
	if (st == ENG_STATUS_ENOENT) {
		eng_warn_line(&cli_warn, err.msg);
		eng_warn_line(&cli_warn, "using the SYNTHETIC dataset instead; accuracies "
			      "say nothing about real images (install dataset-fashion-mnist "
			      "or pass --data DIR)");
		opt.format = DATA_FORMAT_SYNTHETIC;
		opt.synthetic_seed = 1;
		st = data_load(&opt, ds, &err);
	}
	if (st != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

int cli_score_data_open(const char *dir_opt, enum score_method method,
			struct data_split *ds, bool *have)
{
	*have = false;
	memset(ds, 0, sizeof *ds);
	if (!score_method_needs_data(method))
		return CLI_EXIT_OK;
	int rc = cli_data_open(dir_opt, 0, ds);
	*have = rc == CLI_EXIT_OK;
	return rc;
}
