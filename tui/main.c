#include "config.h"
#include <stdio.h>
#include <string.h>
#include "cli.h"
int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "info") == 0)
		return cmd_info(argc - 1, argv + 1);
	fprintf(stderr, "usage: reconvene info MODEL\n");
	return 2;
}
