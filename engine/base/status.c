#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/status.h"

const char *eng_status_str(enum eng_status st)
{
	switch (st) {
	case ENG_STATUS_OK: return "ok";
	case ENG_STATUS_EINVAL: return "invalid input";
	case ENG_STATUS_ENOMEM: return "out of memory";
	case ENG_STATUS_EIO: return "input/output error";
	case ENG_STATUS_ENOENT: return "not found";
	case ENG_STATUS_ABORTED: return "aborted";
	}
	return "unknown status";
}

enum eng_status eng_err_set(struct eng_err *err, enum eng_status st,
			    const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		/* An error is one line, whatever a file put into the names it
		 * quotes (a group called "a\nb" in a plan file): control
		 * characters print as '?'. */
		for (char *c = err->msg; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	}
	return st;
}

void eng_assert_fail(const char *expr, const char *file, int line)
{
	/* The one place the engine writes to stderr: a bug, about to abort. */
	fprintf(stderr, "reconvene: internal error: %s:%d: assertion '%s' failed\n",
		file, line, expr);
	abort();
}
