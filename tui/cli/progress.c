#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli/progress.h"

#define PROGRESS_TTY_INTERVAL 0.1   /* seconds between redraws */
#define PROGRESS_PLAIN_INTERVAL 5.0 /* seconds between plain lines at most */

static double progress_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void progress_init(struct progress_line *p, FILE *out, const char *label,
		   const char *unit)
{
	memset(p, 0, sizeof *p);
	p->out = out;
	p->tty = isatty(fileno(out)) == 1;
	p->label = label;
	p->unit = unit;
	p->start = p->last = progress_now();
	p->last_decile = 0;
}

const char *progress_clock(double seconds, char *buf, size_t len)
{
	if (seconds < 0 || seconds > 359999)
		seconds = 359999;
	long s = (long)(seconds + 0.5);
	if (s >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
	return buf;
}

static int progress_cols(const struct progress_line *p)
{
	struct winsize ws;
	if (ioctl(fileno(p->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	return 80;
}

void progress_update(struct progress_line *p, long done, long total,
		     double items, double loss, bool force)
{
	double now = progress_now();
	double elapsed = now - p->start;
	double frac = total > 0 ? (double)done / (double)total : 0.0;
	if (frac > 1.0)
		frac = 1.0;
	int decile = (int)(frac * 10.0);
	if (!force) {
		if (p->tty && now - p->last < PROGRESS_TTY_INTERVAL)
			return;
		if (!p->tty && decile <= p->last_decile &&
		    now - p->last < PROGRESS_PLAIN_INTERVAL)
			return;
	}
	p->last = now;
	p->last_decile = decile;

	double rate = elapsed > 0 ? items / elapsed : 0.0;
	char eta[32], tail[128];
	if (done > 0 && done < total)
		progress_clock(elapsed * (double)(total - done) / (double)done, eta,
			       sizeof eta);
	else
		progress_clock(elapsed, eta, sizeof eta);
	int n = snprintf(tail, sizeof tail, "%3d%%  %ld/%ld  %.0f %s  %s %s",
			 (int)(frac * 100.0), done, total, rate, p->unit,
			 done < total ? "ETA" : "in", eta);
	if (loss >= 0 && n > 0 && (size_t)n < sizeof tail)
		snprintf(tail + n, sizeof tail - (size_t)n, "  loss %.4f", loss);

	if (!p->tty) {
		fprintf(p->out, "%s: %s\n", p->label, tail);
		fflush(p->out);
		return;
	}
	int cols = progress_cols(p);
	int bar = cols - (int)strlen(p->label) - (int)strlen(tail) - 6;
	if (bar > 40)
		bar = 40;
	fprintf(p->out, "\r\033[K%s ", p->label);
	if (bar >= 10) {
		int fill = (int)(frac * bar + 0.5);
		fputc('[', p->out);
		for (int i = 0; i < bar; i++)
			fputc(i < fill ? '#' : '.', p->out);
		fputs("] ", p->out);
	}
	fputs(tail, p->out);
	fflush(p->out);
	p->drawn = true;
}

void progress_finish(struct progress_line *p)
{
	if (p->tty && p->drawn) {
		fputs("\r\033[K", p->out);
		fflush(p->out);
	}
	p->drawn = false;
}

void progress_note(struct progress_line *p, const char *fmt, ...)
{
	progress_finish(p);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
	fputc('\n', p->out);
	fflush(p->out);
}
