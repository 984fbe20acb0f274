/* sigint.c: the batch commands' Ctrl-C flag. */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "cli/sigint.h"

/* Static storage: starts cleared; the handler only stores to its
 * lock-free atomic_int (cancel.h). */
static struct cancel cli_interrupted;

static void cli_on_sigint(int sig)
{
	(void)sig;
	cancel_request(&cli_interrupted);
	/* A second Ctrl-C kills at once, for a user who cannot wait. */
	signal(SIGINT, SIG_DFL);
}

const struct cancel *cli_sigint_catch(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = cli_on_sigint;
	sigemptyset(&sa.sa_mask);
	cancel_clear(&cli_interrupted);
	sigaction(SIGINT, &sa, NULL);
	return &cli_interrupted;
}

void cli_sigint_release(void)
{
	signal(SIGINT, SIG_DFL);
}
