/* cli.h: the batch subcommands behind `reconvene <command>`.
 * Each returns the process exit code: 0 ok, 1 runtime failure, 2 usage. */
#ifndef RECONVENE_CLI_H
#define RECONVENE_CLI_H

int cmd_info(int argc, char **argv);

#endif
