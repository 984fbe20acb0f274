/* sigint.c: the batch commands' Ctrl-C flag. */
#include "config.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "cli/sigint.h"

static atomic_int cli_interrupted;

static void cli_on_sigint(int sig)
{
	(void)sig;
	atomic_store(&cli_interrupted, 1);
	/* A second Ctrl-C kills at once, for a user who cannot wait. */
	signal(SIGINT, SIG_DFL);
}

const atomic_int *cli_sigint_catch(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = cli_on_sigint;
	sigemptyset(&sa.sa_mask);
	atomic_store(&cli_interrupted, 0);
	sigaction(SIGINT, &sa, NULL);
	return &cli_interrupted;
}

void cli_sigint_release(void)
{
	signal(SIGINT, SIG_DFL);
}
