/* dataset_open.h: how a batch command (and the explorer's session) gets
 * its dataset: the directory the user named, else the default one, else
 * the synthetic set with a warning.
 *
 * Owns: nothing; the caller frees a loaded split with data_split_done.
 * Prints one line on stderr for each problem.  Thread rules: main thread.
 *
 *   struct data_split ds;
 *   if (cli_data_open(opt_data, 0, &ds) != CLI_EXIT_OK)
 *           return CLI_EXIT_FAILURE;      (the reason is printed)
 *   ...
 *   data_split_done(&ds);
 */
#ifndef RECONVENE_DATASET_OPEN_H
#define RECONVENE_DATASET_OPEN_H

#include <stdbool.h>

#include "data/data.h"
#include "score/score.h"

/* Load the dataset from dir_opt (--data), else $RECONVENE_DATA, else the
 * default directory.  A named directory that does not exist is an error;
 * a directory without a dataset falls back to the synthetic set with a
 * warning on stderr.  Returns CLI_EXIT_OK or CLI_EXIT_FAILURE (one line
 * printed). */
int cli_data_open(const char *dir_opt, int val_count, struct data_split *ds);
/* Load the dataset (cli_data_open) when method needs one (SNIP, GraSP);
 * *have says whether ds must be freed. */
int cli_score_data_open(const char *dir_opt, enum score_method method,
			struct data_split *ds, bool *have);

#endif
