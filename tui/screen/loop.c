#include "config.h"

#include "screen/loop.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "screen/colors.h"
#include "screen/draw.h"
#include "explorer/keys.h"
#include "explorer/input.h"
#include "explorer/keylog.h"
#include "explorer/layout.h"

volatile sig_atomic_t loop_sig_quit;
volatile sig_atomic_t loop_sig_tstp;

static void loop_on_signal(int sig)
{
	if (sig == SIGTSTP)
		loop_sig_tstp = 1;
	else if (sig == SIGCONT)
		loop_sig_tstp = 0;
	else
		loop_sig_quit = 1;
}

void loop_signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = loop_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTSTP, &sa, NULL);
}

static double loop_now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* Lay out again; a size change that came without KEY_RESIZE (while
 * suspended) goes through the input path, so --record logs it. */
static void loop_relayout(struct loop *l)
{
	if (LINES != l->in.rows || COLS != l->in.cols)
		input_event(&l->in, &(struct keylog_event){ KEYLOG_RESIZE, COLS, LINES });
	else
		input_relayout(&l->in);
}

static void loop_draw(struct loop *l)
{
	double t0 = loop_now_us();
	struct draw_ctx c = { .app = l->app, .lo = &l->in.lo,
			      .theme_name = l->theme_name,
			      .dataset = l->dataset_name, .ascii = l->ascii,
			      .tour = l->tour, .now = t0 / 1e6 };
	draw_frame(&c);
	double t1 = loop_now_us();
	wnoutrefresh(stdscr);
	doupdate();
	double t2 = loop_now_us();
	if (l->timing) {
		fprintf(l->timing, "frame %dx%d draw_us=%.0f update_us=%.0f\n", COLS,
			LINES, t1 - t0, t2 - t1);
		fflush(l->timing);
	}
}

/* A mouse event: every click becomes the event a key-log line would
 * replay (a row, the wheel, a panel, a footer action). */
static unsigned loop_mouse(struct loop *l)
{
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return 0;
	struct keylog_event e = { KEYLOG_SCROLL, 0, 0 };
#ifdef BUTTON5_PRESSED
	if (ev.bstate & BUTTON5_PRESSED)
		e.a = 3;
#endif
	if (ev.bstate & BUTTON4_PRESSED)
		e.a = -3;
	if (e.a != 0)
		return input_event(&l->in, &e);
	if (!(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) ||
	    (ev.bstate & BUTTON1_RELEASED) || l->in.lo.too_small)
		return 0; /* a release: the press already acted */
	const struct layout *lo = &l->in.lo;
	switch (layout_hit(lo, ev.y, ev.x)) {
	case LAYOUT_PANEL_TABLE:
		e = (struct keylog_event){ KEYLOG_SELECT, layout_table_row_at(lo, ev.y), 0 };
		break;
	case LAYOUT_PANEL_HEAT:
		e = (struct keylog_event){ KEYLOG_HEAT, ev.y - lo->panel[LAYOUT_PANEL_HEAT].y, 0 };
		break;
	case LAYOUT_PANEL_PROJ:
	case LAYOUT_PANEL_PROJ_HEAD:
		e = (struct keylog_event){ KEYLOG_FOCUS_PROJ, 0, 0 };
		break;
	case LAYOUT_PANEL_FOOTER:
		e = (struct keylog_event){ KEYLOG_ACTION,
					   (int)draw_footer_hit(lo, l->ascii, ev.x), 0 };
		if (e.a == UI_ACTION_NONE)
			return 0;
		break;
	default:
		return 0;
	}
	return input_event(&l->in, &e);
}

/* After every event: the saved session records what changed (a write
 * failure is told once in the log line). */
static void loop_session_sync(struct loop *l)
{
	if (!l->session)
		return;
	struct eng_err err = { { 0 } };
	if (session_file_sync(l->session, l->app, &err) != ENG_STATUS_OK)
		app_log(l->app, APP_LOG_WARN, "%s; the session is not saved", err.msg);
}

static void loop_suspend(struct loop *l)
{
	def_prog_mode();
	endwin();
	signal(SIGTSTP, SIG_DFL);
	raise(SIGTSTP);
	/* ... stopped here until SIGCONT ... */
	loop_signals_install();
	reset_prog_mode();
	clearok(curscr, TRUE);
	loop_relayout(l);
}

int loop_run(struct loop *l)
{
	struct app *a = l->app;
	long iter = 0;
	bool dirty = true;
	input_init(&l->in, a, LINES, COLS, l->record);
	if (l->record)
		keylog_header_write(l->record, &l->record_head);
	if (l->tour && (tour_start(l->tour, &l->in) & (UI_RELAYOUT | UI_REPAINT)))
		input_relayout(&l->in);
	struct pollfd fds[2];
	fds[0].fd = STDIN_FILENO;
	fds[0].events = POLLIN;
	fds[1].fd = l->w ? worker_wake_fd(l->w) : -1;
	fds[1].events = POLLIN;
	for (;;) {
		if (dirty) {
			loop_draw(l);
			dirty = false;
		}
		if (l->max_iterations > 0 && iter >= l->max_iterations) {
			l->end = LOOP_END_ITERATIONS;
			break;
		}
		iter++;
		/* Autoplay's next step may come before the next second. */
		int timeout = 1000;
		double tt = l->tour ? tour_timeout(l->tour, loop_now_us() / 1e6) : -1;
		if (tt >= 0 && tt * 1000 < timeout)
			timeout = (int)(tt * 1000) + 1;
		int pr = poll(fds, 2, timeout);
		if (loop_sig_quit) {
			l->end = LOOP_END_SIGNAL;
			break;
		}
		if ((pr < 0 && errno != EINTR) ||
		    (pr > 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)))) {
			l->end = LOOP_END_HANGUP;
			break;
		}
		if (loop_sig_tstp) {
			loop_sig_tstp = 0;
			loop_suspend(l);
			dirty = true;
		}
		unsigned f = 0;
		if (pr > 0 && fds[1].fd >= 0 && (fds[1].revents & POLLIN)) {
			worker_wake_drain(l->w);
			f |= input_snapshot(&l->in);
			loop_session_sync(l);
		}
		int ch;
		double key_t0 = 0, key_app = 0, key_session = 0;
		int last_key = 0;
		while ((ch = getch()) != ERR) {
			if (ch == KEY_RESIZE) {
				f |= input_event(&l->in, &(struct keylog_event){
						KEYLOG_RESIZE, COLS, LINES });
				continue;
			}
			if (ch == KEY_MOUSE) {
				f |= loop_mouse(l);
				loop_session_sync(l);
			} else if (l->tour && tour_key(l->tour, &l->in, ch, &f)) {
				loop_session_sync(l);
			} else {
				double t0 = loop_now_us();
				uint64_t seq = a->plan_seq;
				f |= input_event(&l->in, &(struct keylog_event){
						KEYLOG_KEY, ch, 0 });
				double t1 = loop_now_us();
				loop_session_sync(l);
				if (a->plan_seq != seq) {
					key_t0 = t0;
					key_app = t1 - t0;
					key_session = loop_now_us() - t1;
					last_key = ch;
				}
			}
			if (f & UI_QUIT)
				break;
		}
		if (f & UI_QUIT) {
			l->end = LOOP_END_QUIT;
			break;
		}
		if (l->tour)
			f |= tour_poll(l->tour, &l->in, loop_now_us() / 1e6);
		if (f & UI_THEME) {
			if (l->theme_next)
				l->theme_name = l->theme_next(l->user);
			f |= UI_REPAINT;
		}
		if (f & UI_REPAINT)
			clearok(curscr, TRUE);
		if (f & (UI_RELAYOUT | UI_REPAINT))
			loop_relayout(l);
		if (f & (UI_REDRAW | UI_RELAYOUT | UI_REPAINT))
			dirty = true;
		if (dirty && key_t0 > 0) {
			loop_draw(l);
			dirty = false;
			if (l->timing) {
				fprintf(l->timing, "key %d app_us=%.0f session_us=%.1f "
					"to_frame_us=%.0f\n", last_key, key_app, key_session,
					loop_now_us() - key_t0);
				fflush(l->timing);
			}
		}
	}
	return 0;
}
